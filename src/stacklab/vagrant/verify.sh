#!/bin/sh
# After the reboot: is the VM what the tutorial assumes? Fails loudly if not.
set -u
ok=0
[ "$(hostname)" = "$SL_HOSTNAME" ] || { echo "stacklab: host name is $(hostname), not $SL_HOSTNAME"; ok=1; }
ip -4 -o addr show dev "$SL_PUBLIC_IF" 2>/dev/null | grep -q " $SL_PUBLIC_ADDRESS/" ||
  { echo "stacklab: $SL_PUBLIC_IF does not hold $SL_PUBLIC_ADDRESS"; ok=1; }
if [ ! -b "$SL_DISK" ]; then
  echo "stacklab: no second disk at $SL_DISK"; ok=1
elif [ -n "$(lsblk -nro MOUNTPOINT "$SL_DISK" | tr -d '[:space:]')" ]; then
  # The kernel may name disks in another order: the empty disk must be the one at $SL_DISK.
  echo "stacklab: $SL_DISK holds mounted file systems: it is not the empty second disk"; ok=1
fi
if [ $ok = 0 ]; then
  echo "stacklab: ready: $SL_HOSTNAME, $SL_PUBLIC_IF $SL_PUBLIC_ADDRESS, second disk $SL_DISK"
  echo "stacklab: next, open the notebooks (tox -e lab) and start with lab 3"
fi
exit $ok

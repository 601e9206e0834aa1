#!/bin/sh
# stacklab base provisioner: makes a fresh VM the host the AIMS 2012 tutorial assumes.
# It prepares only the base; every lab step stays the learner's. Idempotent.
#   - host name, resolving to the lab address through /etc/hosts (RabbitMQ needs it, §4)
#   - NIC names by MAC address: eth0 = lab network, eth1 = private, vagrant0 = Vagrant's
#   - the lab addresses on eth0/eth1 (no DHCP there: the lab network is ours)
#   - apt sources for OpenStack (the Ubuntu Cloud Archive on Ubuntu; Debian 13 has it in main)
set -eu
say() { echo "stacklab: $*"; }

# --- host name -----------------------------------------------------------------------
hostnamectl set-hostname "$SL_HOSTNAME" 2>/dev/null || echo "$SL_HOSTNAME" >/etc/hostname
hostname "$SL_HOSTNAME"
# Drop every line naming the host (e.g. Vagrant's or Debian's 127.0.1.1), then map it to
# the lab address, as tutorial §4 asks.
sed -i "/[[:space:]]$SL_HOSTNAME\([[:space:]]\|\$\)/d" /etc/hosts
printf '%s\t%s\n' "$SL_PUBLIC_ADDRESS" "$SL_HOSTNAME" >>/etc/hosts
say "host name $SL_HOSTNAME → $SL_PUBLIC_ADDRESS in /etc/hosts"

# --- NIC names by MAC ----------------------------------------------------------------
cat >/usr/local/sbin/stacklab-ifnames <<SCRIPT
#!/bin/sh
# Name the lab's NICs by MAC address (two passes, so no name is ever taken twice).
PAIRS="$SL_MGMT_MAC=vagrant0 $SL_PUBLIC_MAC=$SL_PUBLIC_IF $SL_PRIVATE_MAC=$SL_PRIVATE_IF"
dev_with() { for d in /sys/class/net/*; do
  [ "\$(cat "\$d/address" 2>/dev/null)" = "\$1" ] && { basename "\$d"; return; }; done; }
for _ in \$(seq 1 40); do  # wait (up to 20 s) until every NIC has appeared
  missing=0; for p in \$PAIRS; do [ -n "\$(dev_with "\${p%%=*}")" ] || missing=1; done
  [ \$missing = 0 ] && break; sleep 0.5; done
i=0; for p in \$PAIRS; do mac=\${p%%=*}; want=\${p#*=}; dev=\$(dev_with "\$mac")
  if [ -n "\$dev" ] && [ "\$dev" != "\$want" ]; then
    ip link set dev "\$dev" down; ip link set dev "\$dev" name "sltmp\$i"; fi; i=\$((i+1)); done
i=0; for p in \$PAIRS; do want=\${p#*=}
  if [ -e "/sys/class/net/sltmp\$i" ]; then ip link set dev "sltmp\$i" name "\$want"; fi
  ip link set dev "\$want" up 2>/dev/null || true; i=\$((i+1)); done
SCRIPT
chmod 755 /usr/local/sbin/stacklab-ifnames
cat >/etc/systemd/system/stacklab-ifnames.service <<'UNIT'
[Unit]
Description=stacklab: name the lab NICs eth0/eth1 by MAC address, as in the tutorial
DefaultDependencies=no
After=systemd-udev-trigger.service systemd-udevd.service
Before=network-pre.target systemd-networkd.service NetworkManager.service
Wants=network-pre.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/stacklab-ifnames

[Install]
WantedBy=network-pre.target
UNIT
systemctl daemon-reload
systemctl enable stacklab-ifnames.service >/dev/null 2>&1

# --- addresses -----------------------------------------------------------------------
if [ -d /etc/cloud ]; then  # cloud-init would rewrite the network config at every boot
  echo 'network: {config: disabled}' >/etc/cloud/cloud.cfg.d/99-stacklab-network.cfg
fi
if command -v netplan >/dev/null 2>&1; then
  mkdir -p /etc/netplan/stacklab-disabled
  for f in /etc/netplan/*.yaml; do
    [ -e "$f" ] && [ "$(basename "$f")" != 60-stacklab.yaml ] && mv "$f" /etc/netplan/stacklab-disabled/
  done
  cat >/etc/netplan/60-stacklab.yaml <<NETPLAN
# Written by stacklab's provisioner. NICs are matched by MAC (see stacklab-ifnames).
network:
  version: 2
  renderer: networkd
  ethernets:
    vagrant0: {match: {macaddress: "$SL_MGMT_MAC"}, dhcp4: true}
    $SL_PUBLIC_IF: {match: {macaddress: "$SL_PUBLIC_MAC"}, dhcp4: false, addresses: ["$SL_PUBLIC_ADDRESS/$SL_PUBLIC_PREFIX"]}
    $SL_PRIVATE_IF: {match: {macaddress: "$SL_PRIVATE_MAC"}, dhcp4: false, addresses: ["$SL_PRIVATE_ADDRESS/$SL_PRIVATE_PREFIX"]}
NETPLAN
  chmod 600 /etc/netplan/60-stacklab.yaml
else
  net=/etc/systemd/network
  mkdir -p "$net"
  printf '[Match]\nMACAddress=%s\n\n[Network]\nDHCP=ipv4\n' "$SL_MGMT_MAC" >"$net/10-stacklab-vagrant0.network"
  printf '[Match]\nMACAddress=%s\n\n[Network]\nAddress=%s/%s\nLinkLocalAddressing=no\nConfigureWithoutCarrier=yes\n' \
    "$SL_PUBLIC_MAC" "$SL_PUBLIC_ADDRESS" "$SL_PUBLIC_PREFIX" >"$net/10-stacklab-$SL_PUBLIC_IF.network"
  printf '[Match]\nMACAddress=%s\n\n[Network]\nAddress=%s/%s\nLinkLocalAddressing=no\nConfigureWithoutCarrier=yes\n' \
    "$SL_PRIVATE_MAC" "$SL_PRIVATE_ADDRESS" "$SL_PRIVATE_PREFIX" >"$net/10-stacklab-$SL_PRIVATE_IF.network"
  if [ -f /etc/network/interfaces ] && grep -qE '^(auto|allow-hotplug|iface) +(eth|en)' /etc/network/interfaces; then
    sed -i -E 's/^(auto|allow-hotplug|iface) +(eth|en)/# stacklab: networkd manages it # &/' /etc/network/interfaces
  fi
  systemctl enable systemd-networkd >/dev/null 2>&1
fi
say "NICs: vagrant0 (Vagrant), $SL_PUBLIC_IF $SL_PUBLIC_ADDRESS/$SL_PUBLIC_PREFIX, $SL_PRIVATE_IF $SL_PRIVATE_ADDRESS/$SL_PRIVATE_PREFIX (after the reboot)"

# --- apt sources ---------------------------------------------------------------------
case "$SL_OS" in
  ubuntu-*)
    if ! ls /etc/apt/sources.list.d/ 2>/dev/null | grep -q "cloudarchive-$SL_CODENAME"; then
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq
      apt-get install -y -qq software-properties-common >/dev/null
      add-apt-repository -y "cloud-archive:$SL_CODENAME"
    fi
    say "apt: Ubuntu Cloud Archive $SL_CODENAME enabled" ;;
  debian-*)
    say "apt: Debian ships OpenStack $SL_CODENAME in main; nothing to add" ;;
esac

# --- the second disk -----------------------------------------------------------------
if [ -b "$SL_DISK" ]; then
  say "second disk $SL_DISK is present (tutorial §7 builds the VG nova-volumes on it)"
else
  say "WARNING: no $SL_DISK yet; lab 7 needs it"
fi

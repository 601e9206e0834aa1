#!/bin/bash
# A private libvirt for a vagrant-libvirt trial. Run it as
#   ip netns exec NS unshare -m --propagation private libvirt_sandbox.sh WORKDIR
# It gets its own /run/libvirt, /var/lib/libvirt, /etc/libvirt and /var/log/libvirt (in
# WORKDIR), starts virtlogd and libvirtd there (PID 1 of the build machine is not systemd),
# writes its PID to WORKDIR/sandbox.pid and waits. Everything libvirt and Vagrant make
# (bridges, dnsmasq, NAT rules, the VM) stays in the namespace NS.
set -euo pipefail
W=$1
mkdir -p $W/etc-libvirt $W/lib-libvirt $W/log-libvirt $W/vagrant.d
[ -e $W/etc-libvirt/qemu.conf ] || cp -a /etc/libvirt/. $W/etc-libvirt/
[ -d $W/lib-libvirt/images ] || { cp -a /var/lib/libvirt/. $W/lib-libvirt/ 2>/dev/null || true; mkdir -p $W/lib-libvirt/images; }
rm -f $W/etc-libvirt/qemu/networks/autostart/*   # no default NAT network
mkdir -p /run/libvirt /var/log/libvirt
mount -t tmpfs tmpfs /run/libvirt
mount --bind $W/etc-libvirt /etc/libvirt
mount --bind $W/lib-libvirt /var/lib/libvirt
mount --bind $W/log-libvirt /var/log/libvirt
ip link set lo up
virtlogd -d
libvirtd -d
for _ in $(seq 1 50); do [ -S /run/libvirt/libvirt-sock ] && break; sleep 0.2; done
echo $$ > $W/sandbox.pid
echo sandbox-ready
exec sleep infinity

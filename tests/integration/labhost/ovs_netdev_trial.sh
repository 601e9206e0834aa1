#!/bin/bash
# Run as root inside the container lab host: the lab 11 guest on an Open vSwitch bridge with
# the userspace (netdev) datapath, its DHCP server and metadata service in a namespace on a
# veth pair (as neutron's DHCP and router ports are), then ssh from that namespace to the
# guest. Arguments: the value of other_config:userspace-tso-enable (true|false), and the
# guest's kernel command line (default: console=ttyS0 quiet; Nova gives console=tty0
# console=ttyS0 console=hvc0, where the guest copies its lines to the serial port itself).
# Measured on the build machine: true → the key comes from the metadata service and ssh
# works (~12 s); false → DHCP works but every TCP connection fails (metadata, ssh).
# Prints "tso=<arg> ssh=yes|no after N s".
set -u
TSO=$1
APPEND=${2:-console=ttyS0 quiet}
G=/var/lib/stacklab/guest
W=/tmp/ovs-trial; rm -rf $W; mkdir -p $W/meta/2009-04-04/meta-data/public-keys/0
ovs-vsctl --if-exists del-br br-t
ovs-vsctl set Open_vSwitch . other_config:userspace-tso-enable=$TSO
systemctl restart ovs-vswitchd
ovs-vsctl add-br br-t -- set bridge br-t datapath_type=netdev
# the far side lives in a namespace on a veth pair, as neutron's router and DHCP ports do
ip netns del cl 2>/dev/null; ip link del vcl-out 2>/dev/null
while ip link show vcl-out >/dev/null 2>&1; do sleep 0.2; done
ip netns add cl
ip link add vcl-out type veth peer name vcl-in netns cl
ip link set vcl-out up; ip link set br-t up
ovs-vsctl add-port br-t vcl-out
ip -n cl link set lo up; ip -n cl link set vcl-in up
ip -n cl addr add 10.99.0.1/24 dev vcl-in; ip -n cl addr add 169.254.169.254/32 dev vcl-in
NS="ip netns exec cl"
ip tuntap add tapt0 mode tap 2>/dev/null; ip link set tapt0 up
ovs-vsctl add-port br-t tapt0
[ -f /tmp/ovs-key ] || ssh-keygen -q -t ed25519 -N "" -f /tmp/ovs-key
cp /tmp/ovs-key.pub $W/meta/2009-04-04/meta-data/public-keys/0/openssh-key
echo aims-ovs > $W/meta/2009-04-04/meta-data/hostname
$NS dnsmasq --conf-file=/dev/null --port=0 --interface=vcl-in --bind-interfaces \
  --dhcp-range=10.99.0.10,10.99.0.10,255.255.255.0,1h --dhcp-leasefile=$W/leases --pid-file=$W/dnsmasq.pid
(cd $W/meta && $NS python3 -m http.server --bind 169.254.169.254 80 >/dev/null 2>&1 & echo $! > $W/http.pid)
qemu-system-x86_64 -accel tcg -m 256 -nodefaults -display none -no-reboot -daemonize \
  -pidfile $W/qemu.pid -serial file:$W/console.log \
  -kernel $G/aims-guest.vmlinuz -initrd $G/aims-guest.initrd -append "$APPEND" \
  -drive file=$G/aims-guest.img,if=virtio,format=raw,snapshot=on \
  -netdev tap,id=n0,ifname=tapt0,script=no,downscript=no -device virtio-net-pci,netdev=n0 \
  -device virtio-rng-pci
start=$(date +%s)
for i in $(seq 1 60); do grep -q "stacklab-guest: ready" $W/console.log 2>/dev/null && break; sleep 1; done
grep stacklab-guest $W/console.log
ok=no
for i in $(seq 1 20); do
  if timeout 8 $NS ssh -i /tmp/ovs-key -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 -o BatchMode=yes ubuntu@10.99.0.10 'echo ssh-ok $(hostname)' 2>/dev/null; then ok=yes; break; fi
  sleep 1
done
echo "tso=$TSO ssh=$ok after $(( $(date +%s) - start )) s"
kill $(cat $W/qemu.pid) $(cat $W/dnsmasq.pid) $(cat $W/http.pid) 2>/dev/null
sleep 1; ovs-vsctl --if-exists del-br br-t; ip link del tapt0 2>/dev/null; ip netns del cl

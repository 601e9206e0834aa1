"""What goes into the guest's initramfs besides programs: its init, DHCP hook, accounts."""

from __future__ import annotations

# Runs as PID 1's sysinit; render() fills in the @name@ placeholders. The kit's tests look
# for the "stacklab-guest:" lines on the serial console; each stage says it starts, so a
# guest that never answers shows in `openstack console log show` where it stopped.
RC = r"""#!/bin/sh
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts /run /tmp /mnt/cfg /mnt/root
mount -t devpts devpts /dev/pts
# /dev/console is the last of the active consoles. Nova's kernel command line (console=tty0
# console=ttyS0 console=hvc0) makes it the screen, not the serial port that `openstack
# console log show` reads: there, copy each line to ttyS0, held open on fd 3 (opened once:
# the subshell tries first, as a failed `exec 3>` would end this script)
ACTIVE=$(cat /sys/class/tty/console/active 2>/dev/null)
SERIAL=""
if [ "${ACTIVE##* }" != ttyS0 ] && (exec 3>/dev/ttyS0) 2>/dev/null; then
    exec 3>/dev/ttyS0
    SERIAL=1
fi
say() {
    echo "stacklab-guest: $*"
    [ -n "$SERIAL" ] && echo "stacklab-guest: $*" >&3
    return 0
}
say "booting $(uname -r)"
for m in $(cat /lib/modules/load.order); do insmod /lib/modules/$m.ko 2>/dev/null; done
hostname @hostname@
ip link set lo up
NIC=$(ls /sys/class/net | grep -v '^lo$' | head -n 1)
ip link set "$NIC" up
say "asking DHCP on $NIC"
udhcpc -i "$NIC" -s /etc/udhcpc.script -t 30 -T 1 -A 2 -b -O staticroutes -x hostname:@hostname@
say "address $(ip -4 -o addr show dev $NIC | awk '{print $4}'); looking for the key"

# the instance's key: config drive first, else the metadata service
KEYS=""
for dev in /dev/sr0 /dev/sr1 /dev/vd[b-z] /dev/sd[a-z]; do
    [ -b "$dev" ] || continue
    mount -o ro "$dev" /mnt/cfg 2>/dev/null || continue
    if [ -f /mnt/cfg/openstack/latest/meta_data.json ]; then
        KEYS=$(grep -o '"ssh-[a-z0-9-]* [^"]*' /mnt/cfg/openstack/latest/meta_data.json \
               | sed -e 's/^"//' -e 's/\\n$//')
        NAME=$(sed -n 's/.*"hostname": *"\([^"]*\)".*/\1/p' \
               /mnt/cfg/openstack/latest/meta_data.json)
        [ -n "$NAME" ] && hostname "${NAME%%.*}"
        say "key from the config drive on $dev"
    fi
    umount /mnt/cfg
    [ -n "$KEYS" ] && break
done
if [ -z "$KEYS" ]; then
    for i in $(seq 1 60); do
        KEYS=$(wget -q -T 2 -O - @metadata@/public-keys/0/openssh-key 2>/dev/null) && break
        sleep 1
    done
    [ -n "$KEYS" ] && say "key from the metadata service"
    NAME=$(wget -q -T 2 -O - @metadata@/hostname 2>/dev/null) && hostname "${NAME%%.*}"
fi
for home in /root /home/@user@; do
    mkdir -p "$home/.ssh"
    echo "$KEYS" > "$home/.ssh/authorized_keys"
    chmod 700 "$home/.ssh"; chmod 600 "$home/.ssh/authorized_keys"
done
chown -R @uid@:@uid@ /home/@user@
# the root disk (the "ami"), read-only, for a look
[ -n "$KEYS" ] || say "no key found"
[ -b /dev/vda ] && mount -o ro /dev/vda /mnt/root 2>/dev/null
say "starting sshd"
mkdir -p /etc/dropbear
dropbear -R -s -p 22
acpid -c /etc/acpi 2>/dev/null
say "ready $(ip -4 -o addr show dev $NIC | awk '{print $4}')"
"""

INITTAB = """\
::sysinit:/etc/rc
::ctrlaltdel:/sbin/poweroff
::shutdown:/bin/umount -a -r
"""

UDHCPC = r"""#!/bin/sh
# udhcpc hook: address, routes (option 121 first, as cloud-init does), name servers
case "$1" in
deconfig)
    ip -4 addr flush dev "$interface"
    ;;
bound|renew)
    ip -4 addr flush dev "$interface"
    ip addr add "$ip/$mask" dev "$interface"
    if [ -n "$staticroutes" ]; then
        set -- $staticroutes
        while [ $# -ge 2 ]; do
            ip route replace "$1" via "$2" dev "$interface"
            shift 2
        done
    elif [ -n "$router" ]; then
        for gw in $router; do ip route replace default via "$gw" dev "$interface"; break; done
    fi
    : > /etc/resolv.conf
    for ns in $dns; do echo "nameserver $ns" >> /etc/resolv.conf; done
    ;;
esac
exit 0
"""

POWER_BUTTON = "#!/bin/sh\npoweroff\n"


def accounts(user: str, uid: int) -> dict[str, str]:
    """passwd/shadow/group: key-only logins (dropbear -s refuses passwords; '*' = none)."""
    return {
        "etc/passwd": (f"root:x:0:0:root:/root:/bin/sh\n"
                       f"{user}:x:{uid}:{uid}::/home/{user}:/bin/sh\n"),
        "etc/shadow": f"root:*:19000:0:99999:7:::\n{user}:*:19000:0:99999:7:::\n",
        "etc/group": f"root:x:0:\n{user}:x:{uid}:\n",
        "etc/shells": "/bin/sh\n",
    }


def render(template: str, **values: object) -> str:
    for key, value in values.items():
        template = template.replace(f"@{key}@", str(value))
    return template

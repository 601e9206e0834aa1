"""The instance, seen from the lab host: ping and ssh to its floating IP."""

from __future__ import annotations

from dataclasses import dataclass

from stacklab.grading.resources import memo

SSH_OPTIONS = ("-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
               "-o ConnectTimeout=8 -o LogLevel=ERROR")


@dataclass(frozen=True)
class Answer:
    ok: bool
    detail: str


def ping(host, address: str) -> Answer:
    def read() -> Answer:
        out = host.run("ping -c 2 -i 0.3 -W 2 %s", address)
        lines = [line for line in out.stdout.splitlines() if "packets transmitted" in line]
        summary = lines[-1].strip() if lines else (out.stderr.strip() or "no reply")
        return Answer(out.rc == 0, summary)
    return memo(host, f"ping:{address}", read)


def ssh(host, address: str, user: str, key_name: str, command: str) -> Answer:
    """Run `command` in the guest as `user`, with the key saved in the SSH user's home."""
    def read() -> Answer:
        out = host.run(f'ssh -i "$HOME"/%s {SSH_OPTIONS} %s %s', key_name,
                       f"{user}@{address}", command)
        if out.rc == 0:
            return Answer(True, out.stdout)
        reason = [line for line in out.stderr.splitlines() if line.strip()]
        return Answer(False, reason[-1].strip() if reason else f"ssh exited {out.rc}")
    return memo(host, f"guest:{address}:{user}:{key_name}:{command}", read)


def partitions(host, address: str, user: str, key_name: str) -> Answer:
    """The guest's /proc/partitions: one ssh serves the ssh check and the /dev/vdb check."""
    return ssh(host, address, user, key_name, "cat /proc/partitions")


def block_devices(text: str) -> list[str]:
    names = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) == 4 and fields[0].isdigit():
            names.append("/dev/" + fields[3])
    return names


def login_user(settings) -> str:
    """Who logs in to the guest: the kit's offline image or CirrOS have their own user."""
    image = settings.image
    return image.cirros.login_user if image.source == "cirros" else image.login_user

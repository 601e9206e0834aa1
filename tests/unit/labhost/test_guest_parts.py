"""The guest image's parts: ELF dependencies, the initramfs archive, modules, its init."""

from __future__ import annotations

import gzip
import os
import shutil
import stat
import sys
from pathlib import Path

import pytest

from stacklab.labhost.guest import build, cpio, elf, files


def read_newc(path: Path) -> dict[str, tuple[int, bytes]]:
    """name → (mode, body) of a gzip'd newc archive (what the kernel unpacks)."""
    data = gzip.decompress(path.read_bytes())
    out, pos = {}, 0
    while True:
        assert data[pos:pos + 6] == b"070701"
        fields = [int(data[pos + 6 + 8 * i:pos + 14 + 8 * i], 16) for i in range(13)]
        mode, size, namesize = fields[1], fields[6], fields[11]
        name_start = pos + 110
        name = data[name_start:name_start + namesize - 1].decode()
        body_start = name_start + namesize + (-(110 + namesize) % 4)
        body = data[body_start:body_start + size]
        pos = body_start + size + (-size % 4)
        if name == "TRAILER!!!":
            return out
        out[name] = (mode, body)


def test_needed_libraries_of_a_real_program():
    python = Path(os.path.realpath(sys.executable))
    names = elf.needed(python) + elf.needed(Path("/bin/ls"))
    assert "libc.so.6" in names


def test_a_static_or_non_elf_file_needs_nothing(tmp_path):
    script = tmp_path / "s.sh"
    script.write_text("#!/bin/sh\n")
    assert elf.needed(script) == []


def test_closure_finds_libraries_transitively():
    found = elf.closure(Path("/bin/ls"), [Path("/lib/x86_64-linux-gnu"),
                                          Path("/usr/lib/x86_64-linux-gnu")])
    assert "libc.so.6" in found and all(p.exists() for p in found.values())


def test_initramfs_holds_files_links_modes_and_a_console(tmp_path):
    tree = tmp_path / "tree"
    (tree / "bin").mkdir(parents=True)
    (tree / "bin/busybox").write_bytes(b"\x7fELF-ish")
    (tree / "bin/busybox").chmod(0o755)
    (tree / "bin/sh").symlink_to("busybox")
    (tree / "etc").mkdir()
    (tree / "etc/rc").write_text("#!/bin/sh\necho hi\n")
    out = tmp_path / "initrd"
    cpio.write_initramfs(tree, out)
    entries = read_newc(out)
    assert entries["bin/busybox"] == (stat.S_IFREG | 0o755, b"\x7fELF-ish")
    assert stat.S_ISLNK(entries["bin/sh"][0]) and entries["bin/sh"][1] == b"busybox"
    assert stat.S_ISDIR(entries["etc"][0])
    assert stat.S_ISCHR(entries["dev/console"][0])
    cpio.write_initramfs(tree, tmp_path / "again")
    assert (tmp_path / "again").read_bytes() == out.read_bytes()  # reproducible


def test_modules_come_with_their_dependencies_in_load_order(tmp_path):
    base = tmp_path / "lib/modules/6.1-cloud"
    base.mkdir(parents=True)
    (base / "modules.dep").write_text(
        "kernel/net/virtio_net.ko.xz: kernel/net/net_failover.ko.xz kernel/core/failover.ko.xz\n"
        "kernel/net/net_failover.ko.xz: kernel/core/failover.ko.xz\n"
        "kernel/core/failover.ko.xz:\n"
        "kernel/fs/isofs.ko.xz: kernel/cdrom/cdrom.ko.xz\n"
        "kernel/cdrom/cdrom.ko.xz:\n"
        "kernel/other/unwanted.ko.xz:\n")
    order = [p.name for p in build.modules(tmp_path, "6.1-cloud")]
    assert order.index("failover.ko.xz") < order.index("net_failover.ko.xz") \
        < order.index("virtio_net.ko.xz")
    assert order.index("cdrom.ko.xz") < order.index("isofs.ko.xz")
    assert "unwanted.ko.xz" not in order
    assert len(order) == len(set(order))


def test_init_script_is_filled_in_and_valid_shell(tmp_path):
    text = files.render(files.RC, hostname="aims-guest", metadata=build.METADATA,
                        user="ubuntu", uid=1000)
    assert "@" not in text.replace("$@", "")
    assert "/home/ubuntu" in text and "169.254.169.254" in text
    script = tmp_path / "rc"
    script.write_text(text)
    sh = shutil.which("dash") or shutil.which("sh")
    assert sh
    import subprocess

    assert subprocess.run([sh, "-n", str(script)], check=False).returncode == 0
    udhcpc = tmp_path / "udhcpc"
    udhcpc.write_text(files.UDHCPC)
    assert subprocess.run([sh, "-n", str(udhcpc)], check=False).returncode == 0


@pytest.mark.parametrize("user", ["ubuntu", "cirros"])
def test_accounts_allow_only_key_logins(user):
    acc = files.accounts(user, 1000)
    assert f"{user}:x:1000:1000::/home/{user}:/bin/sh" in acc["etc/passwd"]
    assert f"{user}:*:" in acc["etc/shadow"]  # '*': no password can ever match
    assert acc["etc/shells"].strip() == "/bin/sh"


def _deb(path: Path, files: dict[str, bytes]) -> None:
    """A minimal .deb: ar archive with debian-binary, control.tar.xz, data.tar.xz."""
    import io
    import tarfile

    def tar_xz(entries: dict[str, bytes]) -> bytes:
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:xz") as tar:
            for name, body in entries.items():
                info = tarfile.TarInfo(name)
                info.size, info.mode = len(body), 0o755
                tar.addfile(info, io.BytesIO(body))
        return buf.getvalue()

    parts = [("debian-binary", b"2.0\n"), ("control.tar.xz", tar_xz({"./control": b"x"})),
             ("data.tar.xz", tar_xz(files))]
    out = b"!<arch>\n"
    for name, body in parts:
        out += f"{name:<16}{0:<12}{0:<6}{0:<6}{100644:<8}{len(body):<10}`\n".encode() + body
        out += b"\n" if len(body) % 2 else b""
    path.write_bytes(out)


def test_a_deb_unpacks_without_dpkg(tmp_path):
    from stacklab.labhost.guest import debs

    deb = tmp_path / "tool_1.0_amd64.deb"
    _deb(deb, {"./usr/sbin/tool": b"#!/bin/sh\necho tool\n", "./etc/tool.conf": b"a=1\n"})
    debs.extract(deb, tmp_path / "out")
    assert (tmp_path / "out/usr/sbin/tool").read_bytes().startswith(b"#!/bin/sh")
    assert (tmp_path / "out/usr/sbin/tool").stat().st_mode & 0o111
    assert (tmp_path / "out/etc/tool.conf").read_text() == "a=1\n"


def test_something_else_is_not_a_deb(tmp_path):
    from stacklab.labhost.guest import debs

    bogus = tmp_path / "x.deb"
    bogus.write_bytes(b"PK\x03\x04")
    with pytest.raises(ValueError, match="not a Debian package"):
        debs.extract(bogus, tmp_path / "out")

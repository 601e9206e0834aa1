"""Bad input stops `check`, `grade`, `solve` (and `up`, `notebooks open`) with one line
naming it, before any host is contacted: a loopback listener stands in for the host and
counts every connection."""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from loopback import CountingListener

from stacklab.cli import cli

TIME_OPTIONS = [("check", "--timeout"), ("check", "--check-timeout"),
                ("grade", "--timeout"), ("grade", "--check-timeout"),
                ("grade", "--connect-timeout")]
NOT_TIME_LIMITS = ["nan", "NaN", "inf", "-inf", "0", "-1", "1e400", "soon", ""]


@pytest.fixture
def host():
    with CountingListener() as listener:
        yield listener


@pytest.fixture(autouse=True)
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("STACKLAB_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)  # grade's default --out lands here, if anywhere


def command(name: str, host: CountingListener, tmp_path: Path, *extra: str) -> list[str]:
    if name == "grade":
        inventory = tmp_path / "class.txt"
        inventory.write_text(f"alice {host.url()}\nbob {host.url()}\n")
        return ["grade", "-i", str(inventory), "--labs", "3", "--out",
                str(tmp_path / "grades"), *extra]
    if name == "solve":
        return ["solve", "--only", "3", "--host", host.url(), *extra]
    return ["check", "3", "--host", host.url(), *extra]


def one_line(output: str) -> str:
    """The error as a person sees it: 'stacklab: …' and at most a hint under it."""
    lines = [line for line in output.splitlines() if line.strip()]
    assert "Traceback" not in output and "internal error" not in output, output
    assert lines and lines[0].startswith("stacklab: "), output
    assert len(lines) <= 2 and all(line.startswith("  → ") for line in lines[1:]), output
    return lines[0]


@pytest.mark.parametrize("value", NOT_TIME_LIMITS)
@pytest.mark.parametrize(("name", "option"), TIME_OPTIONS, ids="-".join)
def test_a_time_limit_that_is_not_one_stops_at_once(name, option, value, host, tmp_path):
    out = CliRunner().invoke(cli, command(name, host, tmp_path, f"{option}={value}"))
    assert out.exit_code == 2, out.output
    assert one_line(out.output).startswith(f"stacklab: {option} {value}: not a usable time")
    assert host.accepted == 0
    assert not (tmp_path / "grades").exists()


def test_the_class_run_refuses_limits_it_cannot_keep():
    from stacklab.errors import StacklabError
    from stacklab.grading.classrun import grade_class
    from stacklab.hosts.target import Target

    for bad in (float("nan"), float("inf"), 0, -5):
        with pytest.raises(StacklabError, match="not a usable time limit"):
            grade_class([Target()], "3", timeout=bad)
        with pytest.raises(StacklabError, match="not a usable time limit"):
            grade_class([Target()], "3", check_timeout=bad)


@pytest.mark.parametrize("name", ["check", "grade", "solve"])
def test_a_bad_settings_value_stops_before_any_host(name, host, tmp_path, monkeypatch):
    monkeypatch.setenv("STACKLAB__HOST__MEMORY_MB", "lots")
    out = CliRunner().invoke(cli, command(name, host, tmp_path))
    assert out.exit_code == 2, out.output
    assert "host.memory_mb" in one_line(out.output)
    assert host.accepted == 0
    assert not (tmp_path / "grades").exists()


def test_a_bad_settings_value_stops_up_before_anything_starts(monkeypatch):
    started = []
    monkeypatch.setattr("stacklab.labhost.vagrant.up", lambda *a, **k: started.append(a))
    monkeypatch.setenv("STACKLAB__HOST__MEMORY_MB", "1")
    out = CliRunner().invoke(cli, ["up", "--provider", "libvirt"])
    assert out.exit_code == 2 and "host.memory_mb" in one_line(out.output)
    assert started == []


def test_a_bad_lab_stops_up_before_anything_starts(monkeypatch):
    started = []
    monkeypatch.setattr("stacklab.labhost.vagrant.up", lambda *a, **k: started.append(a))
    out = CliRunner().invoke(cli, ["up", "--provider", "libvirt", "--solve-until", "99"])
    assert out.exit_code == 2 and "lab '99' does not exist" in one_line(out.output)
    assert started == []


def test_a_bad_settings_value_stops_the_notebooks_before_jupyterlab(monkeypatch):
    monkeypatch.setenv("STACKLAB__HOST__MEMORY_MB", "lots")
    out = CliRunner().invoke(cli, ["notebooks", "open", "--print-command"])
    assert out.exit_code == 2 and "host.memory_mb" in one_line(out.output)


@contextlib.contextmanager
def read_only_folder(path: Path):
    """A folder no one may write in: a read-only tmpfs for root (who ignores modes)."""
    path.mkdir()
    if os.geteuid() == 0:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(path)],
                       check=True)
        try:
            yield path
        finally:
            subprocess.run(["umount", str(path)], check=True)
    else:
        path.chmod(0o555)
        try:
            yield path
        finally:
            path.chmod(0o755)


def test_an_out_that_is_a_file_stops_before_any_host(host, tmp_path):
    (tmp_path / "grades").write_text("my notes\n")
    out = CliRunner().invoke(cli, command("grade", host, tmp_path))
    assert out.exit_code == 2, out.output
    assert one_line(out.output) == f"stacklab: --out {tmp_path / 'grades'}: is a file"
    assert host.accepted == 0
    assert (tmp_path / "grades").read_text() == "my notes\n"


def test_an_out_under_a_file_stops_before_any_host(host, tmp_path):
    (tmp_path / "notes").write_text("")
    args = command("grade", host, tmp_path)
    args[args.index("--out") + 1] = str(tmp_path / "notes" / "week1" / "grades")
    out = CliRunner().invoke(cli, args)
    assert out.exit_code == 2, out.output
    assert f"is under {tmp_path / 'notes'}, which is a file" in one_line(out.output)
    assert host.accepted == 0


def test_an_out_that_is_a_link_to_nothing_stops_before_any_host(host, tmp_path):
    (tmp_path / "grades").symlink_to(tmp_path / "gone")
    out = CliRunner().invoke(cli, command("grade", host, tmp_path))
    assert out.exit_code == 2, out.output
    assert one_line(out.output) == f"stacklab: --out {tmp_path / 'grades'}: is not a folder"
    assert host.accepted == 0


def test_an_out_whose_report_name_is_a_folder_stops_before_any_host(host, tmp_path):
    (tmp_path / "grades" / "grades.json").mkdir(parents=True)
    out = CliRunner().invoke(cli, command("grade", host, tmp_path))
    assert out.exit_code == 2, out.output
    assert "grades.json cannot be overwritten" in one_line(out.output)
    assert host.accepted == 0


def test_an_out_in_a_folder_not_writable_stops_before_any_host(host, tmp_path):
    with read_only_folder(tmp_path / "locked") as locked:
        args = command("grade", host, tmp_path)
        args[args.index("--out") + 1] = str(locked / "grades")
        out = CliRunner().invoke(cli, args)
    assert out.exit_code == 2, out.output
    assert one_line(out.output) == f"stacklab: --out {locked / 'grades'}: {locked} is not " \
                                   "writable"
    assert host.accepted == 0

"""Scripts on this machine run real bash: exit codes, merged output, time limits."""

from __future__ import annotations

from stacklab.hosts.target import Target
from stacklab.solve.transport import TIMED_OUT, ScriptTransport, open_transport, wrap


def LocalTransport() -> ScriptTransport:
    return open_transport(Target(local=True))


def test_output_interleaves_stderr_and_exit_code_is_kept():
    result = LocalTransport().run("echo out; echo err >&2; exit 3")
    assert result.exit_code == 3 and result.output.splitlines() == ["out", "err"]


def test_errors_stop_the_script_and_pipelines_fail_on_their_first_failure():
    assert LocalTransport().run("false\necho never").output == ""
    assert LocalTransport().run("false | true").exit_code == 1


def test_a_command_past_its_limit_is_reported_as_timed_out():
    result = LocalTransport().run("echo started; sleep 5", timeout=0.5)
    assert result.exit_code == TIMED_OUT and "timed out" in result.output
    assert result.output.startswith("started\n")  # what it said before the limit is kept


def test_heredocs_and_quotes_pass_through_unchanged():
    script = "cat <<'EOF'\n$HOME 'q' \"d\" `x`\nEOF"
    assert LocalTransport().run(script).output == "$HOME 'q' \"d\" `x`\n"


def test_sudo_shim_only_when_root_has_no_sudo():
    script = wrap("type sudo")
    assert "command -v sudo" in script and script.startswith("exec 2>&1\nset -eo pipefail")
    result = LocalTransport().run("sudo -n true && echo fine")
    assert result.ok and result.output == "fine\n"


def test_the_script_travels_on_stdin_not_on_a_command_line(tmp_path):
    from stacklab.hosts.transport import LocalConnection

    seen: list[str] = []

    class Watching(LocalConnection):
        def execute(self, command, **kwargs):
            seen.append(command)
            return super().execute(command, **kwargs)

    result = ScriptTransport(Watching()).run("echo s3cret-pass; read -r x || echo no-input")
    assert result.output == "s3cret-pass\nno-input\n"  # and the script reads no stdin itself
    assert "s3cret-pass" not in seen[0]

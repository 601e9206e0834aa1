"""Stage 6b: one host, one score, even under load.

The solved host graded alone by `stacklab check`, graded alone by `stacklab grade` (with and
without `provider=container` on its inventory line), and listed 30 times with `--jobs 30`
(the host slows down under that load): every copy gets the same points and maximum as the
host graded alone, or a status that says it could not be graded in full (never fewer points
with status ok), and no check of this solved host is ever "failed".
"""

from __future__ import annotations

import json

from kit import LabHost

COPIES = 30
LABS = "3-14"
JUDGED_OK = ("passed", "n/a", "not-verified")


def _grade(solved: LabHost, tmp_path, name: str, lines: list[str], jobs: int) -> list[dict]:
    inventory = tmp_path / f"{name}.txt"
    inventory.write_text("".join(f"{line}\n" for line in lines))
    out = tmp_path / name
    # labs 3-14: the knowledge labs' answers are stage 5's (a notebook saves them)
    graded = solved.stacklab("grade", "--inventory", str(inventory), "--labs", LABS,
                             "--jobs", str(jobs),
                             "--out", str(out), timeout=3600)
    solved.timings.add(f"grade {len(lines)} copies of the solved host, --jobs {jobs}",
                       graded.seconds)
    reports = list(out.glob("*.json"))
    assert reports, f"`stacklab grade` wrote no JSON (exit {graded.code}):\n{graded.tail()}"
    return json.loads(reports[0].read_text())["hosts"]


def test_check_and_grade_agree_and_load_never_costs_points(solved: LabHost, tmp_path):
    t = solved.target
    plain = f"ssh://{t['user']}@{t['hostname']}:{t['port']}"
    key = t["key_file"]
    _, alone = solved.check(LABS)
    assert not alone.red, f"the solved host is not green: {alone.describe(alone.red)}"
    points = round(sum(c["points"] for c in alone.checks.values()), 2)
    maximum = round(sum(c["max"] for c in alone.checks.values()), 2)

    # graded alone through `grade`: the inventory may or may not say it is a container
    for name, url in (("said", f"{plain}?provider=container"), ("unsaid", plain)):
        [host] = _grade(solved, tmp_path, name, [f"alone {url} {key}"], jobs=1)
        assert host["status"] == "ok", (name, host["status"], host["reason"])
        assert (host["points"], host["max_points"]) == (points, maximum), \
            f"{name}: grade gives {host['points']}/{host['max_points']}, " \
            f"check gives {points}/{maximum}"

    # 30 copies at once: half of the lines name the provider, half do not
    lines = [f"copy{n:02d} {plain}{'?provider=container' if n % 2 else ''} {key}"
             for n in range(COPIES)]
    hosts = _grade(solved, tmp_path, "class", lines, jobs=COPIES)
    assert len(hosts) == COPIES
    summary = []
    for host in hosts:
        failed = [f"{c['lab']:02d}.{c['id']}: {c['found']}" for c in host["checks"]
                  if c["status"] == "failed"]
        assert not failed, f"{host['name']}: a solved check came out failed: {failed[:3]}"
        assert host["max_points"] == maximum, (host["name"], host["max_points"], maximum)
        if host["status"] == "ok":
            assert host["points"] == points, \
                f"{host['name']}: {host['points']}/{maximum} with status ok, alone {points}"
            assert all(c["status"] in JUDGED_OK for c in host["checks"]), host["name"]
        else:  # could not be graded in full: it says so, with a reason
            assert host["reason"], f"{host['name']}: status {host['status']} without a reason"
        summary.append(host["status"])
    counts = {s: summary.count(s) for s in sorted(set(summary))}
    solved.timings.add(f"copies graded in full: {counts.get('ok', 0)} of {COPIES} "
                       f"({counts})", 0.0)
    assert counts.get("ok", 0) >= 1, f"no copy was graded in full: {counts}"

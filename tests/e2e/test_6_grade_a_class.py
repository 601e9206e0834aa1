"""Stage 6: an instructor grades a class: this host twice and one that cannot be reached.
Both copies are graded in full, the third is tried once more after the others, then
reported with its reason; every report format is written and the exit code (3) says that
not every host was fully graded."""

from __future__ import annotations

import json

from kit import LabHost, free_port


def test_grading_a_class_reports_every_host(solved: LabHost, tmp_path):
    t = solved.target
    url = f"ssh://{t['user']}@{t['hostname']}:{t['port']}?provider=container"
    closed = f"ssh://{t['user']}@127.0.0.1:{free_port()}?provider=container"  # nothing listens
    inventory = tmp_path / "class.txt"
    inventory.write_text(f"alice {url} {t['key_file']}\nbob {url} {t['key_file']}\n"
                         f"carol {closed} {t['key_file']}\n")
    out = tmp_path / "grades"
    # labs 3-14: the knowledge labs' answers are the notebooks stage's (stage 5), and this
    # stage stands on its own
    graded = solved.stacklab("grade", "--inventory", str(inventory), "--jobs", "3",
                             "--labs", "3-14", "--connect-timeout", "5", "--out", str(out),
                             timeout=900)
    solved.timings.add("grade a class of 3 (2 hosts + 1 unreachable)", graded.seconds)
    assert graded.code == 3, graded.tail()  # carol's host: not graded, even on its retry
    written = {p.suffix for p in out.iterdir()}
    assert {".json", ".xml", ".csv", ".html", ".txt"} <= written, sorted(written)
    report = json.loads(next(out.glob("*.json")).read_text())
    hosts = {h["name"]: h for h in report["hosts"]}
    assert set(hosts) == {"alice", "bob", "carol"}
    for name in ("alice", "bob"):
        h = hosts[name]
        bad = [c["id"] for c in h["checks"] if c["status"] not in
               ("passed", "n/a", "not-verified")]
        assert h["status"] == "ok" and not bad, f"{name}: {h['status']} {bad}"
        assert len(h["checks"]) == len(hosts["alice"]["checks"]) > 40
    assert hosts["carol"]["status"] in ("unreachable", "refused"), hosts["carol"]
    assert hosts["carol"]["reason"], "carol's host is reported without a reason"
    assert "(2 attempts" in hosts["carol"]["reason"], hosts["carol"]["reason"]
    assert "carol: " in graded.out and "1 of 3 host(s) not fully graded" in graded.out

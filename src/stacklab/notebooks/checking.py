"""``%check N``: lab N's graders against the notebook's lab host, as an HTML table.

The graders, their run and the table are the grading package's (``run_checks``,
``render_lab_html``); this module only picks the host. A dry run grades nothing (the
graders would probe the lab's addresses from this machine): it says so in the table.
"""

from __future__ import annotations

from stacklab.catalog import lab as lab_by_number


def check_lab(session, number: int) -> str:
    """The HTML table of lab ``number``'s checks on the session's host."""
    from stacklab.grading import RunResult, render_lab_html, run_checks

    lab = lab_by_number(number)
    target = session.target()
    if session.dry_run:
        result = RunResult(name=target.name, url="dry run", labs=[lab.number], status="error",
                           reason="dry run: no lab host, so nothing was checked")
    else:
        result = run_checks(target, [lab.number])
    return render_lab_html(result, lab.number)

"""``%check N``: lab N's graders against the notebook's lab host, as an HTML table.

The graders, their run, the recorded progress and the table are the grading package's
(``stacklab.grading.notebook.check_lab``); this module only picks the host and hands the
graders the notebook's own SSH connection (one connection serves %%vm and %check alike).
A dry run grades nothing (the graders would probe the lab's addresses from this machine):
it lists the lab's checks as not run.
"""

from __future__ import annotations

from stacklab.catalog import lab as lab_by_number


def check_lab(session, number: int) -> str:
    """The HTML table of lab ``number``'s checks on the session's host."""
    from stacklab.grading import CheckResult, RunResult, render_lab_html
    from stacklab.grading.notebook import check_lab as grading_check_lab
    from stacklab.grading.runner import collect_specs

    lab = lab_by_number(number)
    target = session.target()
    if session.dry_run:  # the lab's real checks, listed as not run
        reason = "dry run: no lab host, nothing was checked"
        specs = collect_specs([lab], kind=target.kind, include_hidden=True)
        result = RunResult(name=target.name, url="dry run", labs=[lab.number],
                           checks=[CheckResult.unjudged(spec, reason) for spec in specs])
    else:  # the same run as `stacklab check`'s, recorded for `stacklab labs`
        return grading_check_lab(lab.number, target, client=session.connection())._repr_html_()
    return render_lab_html(result, lab.number)

"""``%check N``: lab N's graders against the notebook's lab host, as an HTML table.

The graders, their run and the table are the grading package's (``run_checks``,
``render_lab_html``); this module only picks the host and hands the graders the notebook's
own connection (one connection serves %%vm and %check alike). A dry run grades nothing
(the graders would probe the lab's addresses from this machine): it lists the lab's checks
as not run.
"""

from __future__ import annotations

from stacklab.catalog import lab as lab_by_number


def check_lab(session, number: int) -> str:
    """The HTML table of lab ``number``'s checks on the session's host."""
    from stacklab.grading import CheckResult, RunResult, render_lab_html, run_checks
    from stacklab.grading.runner import collect_specs

    lab = lab_by_number(number)
    target = session.target()
    if session.dry_run:  # the lab's real checks, listed as not run
        reason = "dry run: no lab host, nothing was checked"
        specs = collect_specs([lab], provider=target.provider, include_hidden=True)
        result = RunResult(name=target.name, url="dry run", labs=[lab.number],
                           checks=[CheckResult.not_run(spec, reason) for spec in specs])
    else:
        result = run_checks(target, [lab.number], client=session.connection())
    return render_lab_html(result, lab.number)

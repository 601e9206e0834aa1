"""`stacklab class up|status|down`: a lab host per student on an OpenStack cloud
(stacklab.cloudclass does the work)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from stacklab.errors import StacklabError

CLASS_EPILOG = """\b
Exit codes:
  0    every host is up and answers SSH (up), ACTIVE (status), every
       resource deleted (down)
  2    bad input (an option, the student file, the settings, the cloud's
       name, no image or flavor that fits, the quotas): nothing was made
  3    some hosts failed, never answered SSH or are not ACTIVE, or some
       resources could not be deleted: the summary names them (up: the
       inventory holds the hosts that are up; run it again to retry the
       others)
  130  interrupted (Ctrl-C)
"""

name_option = click.option("--name", "class_name", default="class", show_default=True,
                           help="The class: the first part of every resource's name, and "
                                "its tag on the cloud.")


@click.group("class")
def class_() -> None:
    """A whole class on an OpenStack cloud: one lab host per student.

    The cloud is one named in your clouds.yaml (openstacksdk). The hosts, their keys and
    the inventory `stacklab grade` reads are kept in the class folder (the state folder's
    classes/NAME).
    """


@class_.command(epilog=CLASS_EPILOG)
@click.option("--cloud", "cloud_name", required=True, metavar="NAME",
              help="The cloud's name in clouds.yaml.")
@click.option("--students", type=click.Path(path_type=Path, dir_okay=False),
              help="One student a line: name [email=…] [sis_id=…] [section=…] (or a CSV "
                   "file with a header row).")
@click.option("--count", type=int, help="Or this many students, student01 … studentNN.")
@click.option("--ssh-from", metavar="CIDR",
              help="The address range allowed to SSH to the hosts (default: the settings' "
                   "cloud.ssh_from).")
@click.option("--ssh-wait", type=click.IntRange(min=0), metavar="SECONDS",
              help="How long to wait for each host's sshd to answer from this machine; a "
                   "host silent halfway is rebooted once, one silent at the end is failed "
                   "(default: the settings' cloud.ssh_wait_s, 600; 0: do not wait).")
@name_option
def up(cloud_name: str, students: Path | None, count: int | None, ssh_from: str | None,
       ssh_wait: int | None, class_name: str) -> None:
    """Create a lab host per student, in parallel, within the project's quotas, and wait
    until each one answers SSH."""
    from stacklab.cloudclass import record as rec
    from stacklab.cloudclass.cloud import CloudError, Retry, cloud_errors, connect
    from stacklab.cloudclass.students import load_students, numbered
    from stacklab.cloudclass.up import class_up
    from stacklab.settings import load_settings
    from stacklab.settings.schema import Cloud

    if (students is None) == (count is None):
        raise StacklabError("give either --students FILE or --count N",
                            "see `stacklab class up --help`")
    rec.check_class_name(class_name)
    roster = load_students(students) if students is not None else numbered(count or 0)
    settings = load_settings()
    if ssh_wait is not None:
        settings = settings.model_copy(update={
            "cloud": settings.cloud.model_copy(update={"ssh_wait_s": ssh_wait})})
    ssh_from = ssh_from or settings.cloud.ssh_from
    if not ssh_from:
        raise StacklabError("no address range may SSH to the hosts yet",
                            "give --ssh-from 192.0.2.0/24 (your range), or set cloud.ssh_from "
                            "in the settings")
    try:
        Cloud(ssh_from=ssh_from)
    except ValueError:
        raise StacklabError(f"--ssh-from {ssh_from}: not an address range",
                            "e.g. --ssh-from 192.0.2.0/24") from None
    if (rec.class_dir(class_name) / "class.json").exists():
        record = rec.load_record(class_name)
        if record.cloud != cloud_name:
            raise StacklabError(f"class {class_name} is on cloud {record.cloud}, not "
                                f"{cloud_name}", "give another --name, or the same --cloud")
    else:
        record = rec.ClassRecord(class_name, cloud_name,
                                 settings.cloud.login_user or settings.host.user)
    conn = connect(cloud_name)

    def say(who: str, what: str) -> None:
        click.echo(f"{who:>12}: {what}")

    retry = Retry(settings.cloud.retries, on_retry=lambda text: say("retry", text))
    with cloud_errors(cloud_name):
        failed = class_up(conn, record, roster, settings, ssh_from, retry, say)
    ready = len(record.hosts) - len(failed)
    click.echo(f"inventory: {record.folder / 'inventory'} (and inventory.yaml): {ready} "
               f"host{'s' * (ready != 1)}")
    if failed:
        raise CloudError(f"{len(failed)} of {len(record.hosts)} hosts failed: "
                         + "; ".join(f"{s} ({record.hosts[s].error})" for s in failed),
                         "run `stacklab class up` again with the same options to retry them")
    click.secho(f"class {class_name}: {ready} hosts up; grade them with `stacklab grade "
                f"--inventory {record.folder / 'inventory'}`", fg="green")


@class_.command(epilog=CLASS_EPILOG)
@name_option
def status(class_name: str) -> None:
    """Each student's host: its state on the cloud, its address."""
    from stacklab.cloudclass.cloud import CloudError, cloud_errors, connect
    from stacklab.cloudclass.record import load_record
    from stacklab.cloudclass.status import class_status

    record = load_record(class_name)
    with cloud_errors(record.cloud):
        rows = class_status(connect(record.cloud), record)
    for row in rows:
        line = f"{row.student:>16}  {row.server:9} {row.recorded:9} {row.address or '-'}"
        click.secho(line + (f"  {row.error}" if row.error else ""),
                    fg=None if row.ok else "yellow")
    bad = [r.student for r in rows if not r.ok]
    if bad:
        raise CloudError(f"{len(bad)} of {len(rows)} hosts are not up: {', '.join(bad)}")
    click.echo(f"class {class_name} on {record.cloud}: all {len(rows)} hosts ACTIVE")


@class_.command(epilog=CLASS_EPILOG)
@name_option
@click.option("--cloud", "cloud_name", metavar="NAME",
              help="The cloud (default: the one `class up` used; needed when the class "
                   "folder is gone).")
@click.option("--yes", "-y", is_flag=True, help="Do not ask before deleting the hosts.")
def down(class_name: str, cloud_name: str | None, yes: bool) -> None:
    """Delete everything `class up` made (found by the class's tag). Safe to run twice."""
    import shutil

    from stacklab.cloudclass import record as rec
    from stacklab.cloudclass.cloud import CloudError, Retry, connect
    from stacklab.cloudclass.teardown import tear_down
    from stacklab.hosts.hostkeys import forget, host_name
    from stacklab.settings import load_settings

    rec.check_class_name(class_name)
    record = rec.load_record(class_name) if (rec.class_dir(class_name) / "class.json"
                                             ).exists() else None
    cloud_name = cloud_name or (record.cloud if record else None)
    if not cloud_name:
        raise StacklabError(f"no class '{class_name}' is recorded on this machine",
                            "give --cloud NAME: down then finds its resources by their tag")
    if not yes:
        if not sys.stdin.isatty():
            raise StacklabError(f"`stacklab class down` deletes class {class_name}'s hosts "
                                "and all work on them", "run it again with --yes to confirm")
        click.confirm(f"Delete class {class_name}'s hosts on {cloud_name}?", abort=True)
    settings = load_settings()
    keys = {record.key_name(s) for s in record.hosts} if record else None
    result = tear_down(connect(cloud_name), class_name, keys,
                       Retry(settings.cloud.retries), settings.cloud.timeout_s,
                       lambda text: click.echo(f"  {text}"))
    # the cloud gives these addresses to other hosts now: their keys here would refuse them
    recorded = [h.address for h in record.hosts.values()] if record else []
    for address in {*result.addresses, *recorded} - {""}:
        forget(host_name(address, 22))
    if result.failed:
        raise CloudError(f"could not delete {len(result.failed)} of class {class_name}'s "
                         "resources: " + "; ".join(result.failed),
                         "run `stacklab class down` again; the rest is deleted")
    shutil.rmtree(rec.class_dir(class_name), ignore_errors=True)
    click.secho(f"class {class_name}: {len(result.deleted)} resources deleted, none left",
                fg="green")

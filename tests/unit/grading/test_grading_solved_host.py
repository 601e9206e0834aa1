"""On the hand-written solved host (the tutorial's LVM and iSCSI, which the recorded real host
cannot show, and labs 1-2), every check passes, and a run reads each thing once. The real
host's recording: test_grading_recorded_host.py."""

from grading_helpers import by_key

from stacklab.catalog import LABS


def test_every_check_passes_on_a_solved_host(solved, grade):
    result = grade(solved)
    failing = {c.key: (c.status, c.found) for c in result.checks if not c.passed}
    assert failing == {}
    assert [c.key for c in result.checks if c.note] == []  # the tutorial's LVM: nothing to say
    assert result.points == result.max_points > 100
    assert {c.lab for c in result.checks} == {lab.number for lab in LABS}


def test_each_lab_has_checks_with_title_points_and_hint(solved, grade):
    result = grade(solved)
    for lab in LABS:
        checks = result.for_lab(lab.number)
        assert len(checks) >= 3, lab.name
    for check in grade(solved).checks:
        assert check.title and check.max > 0
        assert "{s." not in check.title, "a settings field was left unfilled"


def test_the_core_checks_exist_with_their_points(solved, grade):
    checks = by_key(grade(solved))
    for key in ("03.mariadb_listens_on_all_addresses", "04.rabbitmq_is_running",
                "04.rabbitmq_listens_on_amqp_port", "07.volume_group_is_on_the_second_disk",
                "09.every_service_smiles", "12.instance_is_active_as_the_tutorial_says",
                "13.floating_ip_is_associated_with_the_instance", "13.instance_answers_ping",
                "14.guest_sees_the_volume"):
        assert checks[key].max >= 2, key


def test_a_run_reads_each_file_once_and_opens_openstack_once(solved, grade):
    grade(solved)
    programs = [c for c in solved.log if c.endswith("python3 -")]
    assert len(programs) == 2  # snapshot + AMQP login
    shell = [c for c in solved.log if c not in programs]  # programs differ by stdin
    assert len(shell) == len(set(shell)), "a command was repeated"
    assert len(solved.log) <= 32


def test_titles_name_the_settings_values(solved, grade, settings):
    checks = by_key(grade(solved, "7"))
    assert settings.host.volume_disk.volume_group in \
        checks["07.volume_group_is_on_the_second_disk"].title


def test_success_messages_are_filled_in(solved, grade, settings):
    check = by_key(grade(solved, "14"))["14.guest_sees_the_volume"]
    assert check.message == ("the tutorial is done: the volume is the instance's "
                             f"{settings.volume.device}")


def test_graders_leave_nothing_behind_in_the_home(solved, grade):
    grade(solved)
    programs = [c for c in solved.log if c.endswith("python3 -")]
    assert programs and all("XDG_CACHE_HOME=/dev/null" in c for c in programs)
    guest = [c for c in solved.log if "ssh -i" in c]
    assert guest and all(" -F /dev/null " in c and "UserKnownHostsFile=/dev/null" in c
                         for c in guest)

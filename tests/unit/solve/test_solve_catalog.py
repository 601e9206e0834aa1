"""The steps as data: loading, rendering with the settings, selection by capabilities, order."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from requires import FILE

from stacklab import paths
from stacklab.catalog import LABS
from stacklab.errors import StacklabError
from stacklab.settings import load_settings
from stacklab.solve import load
from stacklab.solve.profile import available, load_profile
from stacklab.solve.rendering import render


def ids(solutions) -> list[str]:
    return [s.id for sol in solutions for s in sol.steps]


def by_id(solutions, sid):
    return next(s for sol in solutions for s in sol.steps if s.id == sid)


def index(solutions, sid) -> int:
    return ids(solutions).index(sid)


def test_every_lab_in_order_with_steps_for_labs_3_to_14(ubuntu_solutions, debian_solutions):
    for sols in (ubuntu_solutions, debian_solutions):
        assert [s.lab.number for s in sols] == [lab.number for lab in LABS]
        for sol in sols:
            assert bool(sol.steps) == sol.lab.on_host, sol.lab.name
            assert all(s.id.startswith(f"{sol.lab.number:02d}-") for s in sol.steps)
            assert all(s.lab == sol.lab.number for s in sol.steps)
        assert len(set(ids(sols))) == len(ids(sols))


def test_every_step_has_a_title_a_reason_and_a_check(debian_solutions, ubuntu_solutions):
    for sols in (debian_solutions, ubuntu_solutions):
        for sol in sols:
            for s in sol.steps:
                assert s.title and s.why and s.check.strip(), s.id
                assert "{{" not in s.check + "".join(s.apply) + "".join(s.modern), s.id


def test_every_profile_validates_and_names_packages_for_each_installing_lab():
    assert {"debian-13", "ubuntu-24.04"} <= set(available())
    for name in available():
        profile = load_profile(name)
        assert profile.os == name
        assert set(profile.packages) >= {3, 4, 5, 6, 7, 8, 9}


def test_profile_packages_are_what_the_package_steps_install(debian_solutions):
    profile = load_profile("debian-13")
    for number, names in profile.packages.items():
        step = by_id(debian_solutions, f"{number:02d}-packages")
        assert step.modern == (f"sudo apt-get install -y {' '.join(names)}",)
    standin = by_id(debian_solutions, "07-standin-packages")
    assert " ".join(profile.standin_packages["rbd"]) in standin.apply[-1]
    assert "--no-install-recommends" in standin.apply[-1]


def test_a_profile_without_recommends_installs_without_them_but_shows_the_plain_command(
        debian_solutions, ubuntu_solutions):
    """Debian's solution skips Recommends (lab 5: 335 packages instead of 565); what the
    learner is shown stays `apt-get install`; Ubuntu's profile keeps apt's default."""
    assert load_profile("debian-13").recommends is False
    assert load_profile("ubuntu-24.04").recommends is True
    for number in (3, 4, 5, 6, 7, 8, 9, 11):
        step = by_id(debian_solutions, f"{number:02d}-packages")
        assert "--no-install-recommends" in step.apply[-1], step.id
        assert "recommends" not in " ".join(step.modern), step.id
        ubuntu = by_id(ubuntu_solutions, f"{number:02d}-packages")
        assert "--no-install-recommends" not in " ".join(ubuntu.apply), ubuntu.id


def test_debian_preseeds_debconf_and_installs_noninteractively(debian_solutions):
    step = by_id(debian_solutions, "06-packages")
    assert step.apply[0].startswith("sudo debconf-set-selections <<'EOF'")
    assert "nova-consoleproxy/daemon_type select novnc" in step.apply[0]
    assert "DEBIAN_FRONTEND=noninteractive" in step.apply[-1]
    assert "policy-rc.d" in step.apply[-1], "services start only once configured"


def test_settings_values_flow_into_the_commands(tmp_path):
    override = tmp_path / "o.yaml"
    override.write_text(yaml.safe_dump({
        "network": {"floating": {"cidr": "172.16.4.192/27", "first_ip": "172.16.4.200"}},
        "identity": {"user": "learner7"}, "openstack": {"region": "Luxembourg"}}))
    s = load_settings("container", environ={"STACKLAB_SETTINGS": str(override)})
    sols = load(s)
    pool = by_id(sols, "09-floating-pool")
    assert "start=172.16.4.192,end=172.16.4.223" in pool.apply[0]
    assert "172.16.4.192/27" in pool.tutorial_2012
    assert "--floating-ip-address 172.16.4.200" in by_id(sols, "13-allocate").apply[0]
    assert "learner7" in by_id(sols, "10-user").apply[0]
    assert "--bootstrap-region-id Luxembourg" in by_id(sols, "05-keystone-bootstrap").apply[0]
    assert "v=$(ini_get placement region_name) || v=\"(not set)\"; [ \"$v\" = Luxembourg ]" \
        in by_id(sols, "06-nova-conf").check


def test_debian_pitfalls_are_fixed_explicitly(debian_solutions, container_settings):
    conf = by_id(debian_solutions, "06-nova-conf").apply[0]
    region = container_settings.openstack.region
    assert "[placement]\n" in conf and "username = placement" in conf, "`username = =` fixed"
    assert conf.count(f"region_name = {region}") >= 3
    assert "localhost" not in conf
    assert "send_service_user_token = true" in conf
    neutron = "\n".join(by_id(debian_solutions, "09-neutron-conf").apply)
    assert "service_plugins = router\n" in neutron
    assert "extension_drivers = port_security\n" in neutron
    assert "bridge_mappings = provider:br-provider" in neutron
    workers = by_id(debian_solutions, "06-api-workers")
    assert "processes = 2" in workers.apply[0] and "nova-api-uwsgi.ini" in workers.apply[0]
    assert by_id(debian_solutions, "05-placement-running").apply == (
        "sudo systemctl enable --now placement-api",)


def test_capabilities_select_steps_not_code(debian_solutions, ubuntu_solutions):
    deb, ubu = set(ids(debian_solutions)), set(ids(ubuntu_solutions))
    netdev = {"09-ovs-userspace-tso", "09-br-int-userspace"}
    rbd = {"07-standin-packages", "07-standin-ceph-conf", "07-standin-monitor",
           "07-standin-osd", "07-standin-pool", "07-standin-backend"}
    assert netdev | rbd <= deb and not (netdev | rbd) & ubu
    deb_net = "\n".join(by_id(debian_solutions, "09-neutron-conf").apply)
    ubu_net = "\n".join(by_id(ubuntu_solutions, "09-neutron-conf").apply)
    assert "datapath_type = netdev" in deb_net and "ovs_use_veth = true" in deb_net
    assert "datapath_type = system" in ubu_net and "ovs_use_veth = false" in ubu_net
    # rbd: volumes from the stand-in, but the VG and the LVM section stay
    cinder = by_id(debian_solutions, "07-cinder-conf").apply[0]
    assert "enabled_backends = rbd" in cinder and "volume_group = nova-volumes" in cinder
    assert "target_helper = tgtadm" in cinder
    assert "07-volume-group" in deb and "07-physical-volume" in deb
    assert "volume_backend_name = rbd-standin" in by_id(debian_solutions,
                                                          "07-standin-backend").apply[0]
    assert "enabled_backends = lvm" in by_id(ubuntu_solutions, "07-cinder-conf").apply[0]


def test_order_within_labs(debian_solutions):
    sols = debian_solutions
    before = [("05-keystone-running", "05-admin-openrc"), ("05-admin-openrc", "05-service-project"),
              ("05-placement-conf", "05-placement-running"), ("06-nova-conf", "06-running"),
              ("06-nova-db", "06-running"), ("07-standin-pool", "07-running"),
              ("08-compute-up", "08-discover-hosts"), ("09-ovs-userspace-tso", "09-running"),
              ("09-br-int-userspace", "09-running"), ("09-neutron-conf", "09-running"),
              ("09-running", "09-external-network"), ("09-floating-pool", "09-router"),
              ("12-keypair", "12-launch"), ("13-associate", "13-host-key"),
              ("13-host-key", "13-reachable"),
              ("14-create", "14-attach"), ("14-attach", "14-in-guest"),
              ("08-libvirt-in-container", "08-running"),
              ("09-provider-uplink", "09-running"), ("10-implied-admin-allowed", "10-role"),
              # the agents' first calls are lost unless the server listens before they start
              ("09-server-running", "09-running")]
    for first, then in before:
        assert index(sols, first) < index(sols, then), f"{first} must come before {then}"
    for sol in sols:  # a lab installs its packages before it configures or starts them
        names = ids([sol])
        packages = f"{sol.lab.number:02d}-packages"
        if packages not in names:
            continue
        for s in sol.steps:
            text = "\n".join(s.apply)
            if "crudini --merge" in text or "systemctl enable" in text:
                assert names.index(packages) < names.index(s.id), s.id


def test_router_gateway_leaves_the_tutorial_floating_ip_free(debian_solutions,
                                                             container_settings):
    router = by_id(debian_solutions, "09-router")
    first = str(container_settings.network.floating.first_ip)
    assert f"ip-address={first}" not in router.apply[-1]
    assert "ip-address=172.16.4.254" in router.apply[-1]


def tutorial_text() -> str | None:
    for parent in [paths.kit_root(), *paths.kit_root().parents]:
        found = sorted((parent / "shared" / "tutorial").glob("000_*.txt"))
        if found:
            return found[0].read_text()
    return None


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u2010", "-")).strip()


def test_tutorial_commands_are_verbatim_with_the_tutorial_settings(debian_solutions):
    text = tutorial_text()
    if text is None:
        pytest.skip(f"{FILE}../shared/tutorial (the 2012 tutorial's text, beside the kit)")
    tutorial = squash(text)
    quoted = [s for sol in debian_solutions for s in sol.steps if s.tutorial_2012]
    assert len(quoted) >= 25
    for s in quoted:
        for line in s.tutorial_2012.splitlines():
            assert squash(line) in tutorial, f"{s.id}: not in the tutorial: {line!r}"


def test_rendering_errors_name_the_step_and_the_unknown_setting(container_settings, tmp_path):
    (tmp_path / "03-mysql.yaml").write_text(yaml.safe_dump({"lab": 3, "steps": [
        {"id": "x", "title": "t", "why": "w", "run": "echo {{ mysql.no_such_key }}",
         "check": "true"}]}))
    with pytest.raises(StacklabError, match=r"03-mysql.yaml: step 'x'.*no_such_key"):
        load(container_settings, folder=tmp_path)


def test_a_step_needs_exactly_one_kind_and_a_check(container_settings, tmp_path):
    (tmp_path / "03-mysql.yaml").write_text(yaml.safe_dump({"lab": 3, "steps": [
        {"id": "x", "title": "t", "why": "w", "run": "true"}]}))
    with pytest.raises(StacklabError, match="has no check"):
        load(container_settings, folder=tmp_path)
    (tmp_path / "03-mysql.yaml").write_text(yaml.safe_dump({"lab": 3, "steps": [
        {"id": "x", "title": "t", "why": "w", "run": "true", "services": ["a"],
         "check": "true"}]}))
    with pytest.raises(StacklabError, match="exactly one of"):
        load(container_settings, folder=tmp_path)


def test_whole_expressions_keep_their_type():
    ctx = {"xs": [1, 2], "d": {"a": "b"}, "n": 3}
    assert render("{{ xs }}", ctx) == [1, 2]
    assert render({"k": "{{ d }}"}, ctx) == {"k": {"a": "b"}}
    assert render("n={{ n }}", ctx) == "n=3"
    assert render(["a", "{{ '' }}", "b"], ctx) == ["a", "b"]
    with pytest.raises(StacklabError):
        render("{{ missing }}", ctx)
    with pytest.raises(StacklabError):
        render("{{ d.missing }}", ctx)


def test_step_files_are_named_after_their_labs():
    folder = paths.kit_root() / "solutions" / "steps"
    names = sorted(p.stem for p in folder.glob("*.yaml"))
    assert names == [lab.name for lab in LABS if lab.on_host]
    assert Path(folder).is_dir()


def test_step_files_take_the_tutorial_values_from_the_settings(vagrant_settings):
    """The tutorial's names and addresses live only in lab.yaml: never literal in a step."""
    s = vagrant_settings
    distinctive = {
        "host.name": s.host.name, "host.volume_disk.device": s.host.volume_disk.device,
        "host.volume_disk.volume_group": s.host.volume_disk.volume_group,
        "openstack.region": s.openstack.region, "identity.user": s.identity.user,
        "identity.project": s.identity.project, "identity.role": s.identity.role,
        "instance.name": s.instance.name, "instance.flavor": s.instance.flavor,
        "instance.private_key": s.instance.private_key, "volume.name": s.volume.name,
        "image.name": s.image.name, "network.fixed.name": s.network.fixed.name,
        "network.router": s.network.router, "network.floating.bridge": s.network.floating.bridge,
        "network.public.address": str(s.network.public.address),
        "network.public.cidr": str(s.network.public.cidr),
        "network.floating.cidr": str(s.network.floating.cidr),
        "network.fixed.cidr": str(s.network.fixed.cidr),
        "network.private.address": str(s.network.private.address),
    }
    folder = paths.kit_root() / "solutions" / "steps"
    for path in sorted(folder.glob("*.yaml")):
        # step ids are names of steps (the lab texts cite them) and `covers` names the
        # graders' checks: neither is a settings value
        text = re.sub(r"(?m)^\s*(- id|covers): .*$", "", path.read_text())
        for key, value in distinctive.items():
            assert value not in text, f"{path.name}: write {{{{ {key} }}}}, not {value!r}"


def test_the_ceph_stand_in_monitor_speaks_messenger_v2(debian_solutions):
    # over v1 with no auth a client may send a command before it has the fsid: EPERM
    monitor = by_id(debian_solutions, "07-standin-monitor")
    made = "\n".join(monitor.apply)
    assert "--addv cloud-controller '[v2:127.0.0.1:3300,v1:127.0.0.1:6789]'" in made
    assert " --add " not in made
    assert "ceph mon enable-msgr2" in made, "a v1-only monitor from an earlier run moves over"
    assert "v2:127.0.0.1:3300" in monitor.check

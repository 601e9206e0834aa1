"""Lab 9, the network: tutorial §9 (service smileys; the fixed and the floating networks)."""

from ipaddress import ip_address, ip_network

from stacklab.grading import check, expect
from stacklab.grading import smileys as smiley
from stacklab.grading.resources import mysql


@check(points=4, title="every service smiles :-) (enabled and up)",
       hint="tutorial §9: a service showing XXX is down: restart it (systemctl restart "
            "<binary>) and read its log in /var/log/<project>/; 'disabled' means an "
            "administrator switched it off: openstack compute service set --enable …",
       success="every service smiles, as in the tutorial's `nova-manage service list`",
       needs=("05.admin_logs_in_to_keystone", "04.services_user_logs_in"))
def test_every_service_smiles(cloud):
    rows = [smiley.Service.from_snapshot(s) for kind in
            ("compute_services", "volume_services", "network_agents")
            for s in cloud.items(kind)]
    problems = smiley.problems(rows)
    expect(not problems, found="\n".join(problems) + "\n\n" + smiley.render(rows))


@check(points=1, title="Neutron's database exists",
       hint="CREATE DATABASE neutron; and grant the neutron user on it")
def test_neutron_database_exists(host, settings):
    mysql.expect_databases(host, settings, "neutron")


@check(points=2, title="the network {s.network.fixed.name} has its subnet",
       hint="tutorial §9 `nova-manage network create`: openstack network create "
            "{s.network.fixed.name}; openstack subnet create --network {s.network.fixed.name} "
            "--subnet-range {s.network.fixed.cidr} {s.network.fixed.subnet}",
       needs=("05.admin_logs_in_to_keystone",))
def test_vmnet_has_its_subnet(cloud, settings):
    fixed = settings.network.fixed
    nets = cloud.named("networks", fixed.name)
    expect(nets, found=f"no network {fixed.name}")
    subnets = [s for s in cloud.items("subnets") if s["network_id"] in {n["id"] for n in nets}]
    expect([s for s in subnets if s["name"] == fixed.subnet and s["cidr"] == str(fixed.cidr)],
           found=f"{fixed.name} has subnets: "
                 + (", ".join(f"{s['name']} {s['cidr']}" for s in subnets) or "none"))
    # the tutorial's user launches with `--network NAME`: one network of the name, or the
    # name is ambiguous ("More than one Network exists")
    project = cloud.project_id(settings.identity.project)
    seen = [n for n in nets if n["shared"] or n["external"] or n["project_id"] == project]
    expect(len(seen) <= 1,
           found=f"{len(seen)} networks are named {fixed.name} ("
                 + ", ".join(n["id"] for n in seen) + f"): `--network {fixed.name}` is "
                 "ambiguous",
           hint="keep the one the instance's port is on: openstack network delete <ID> of "
                "the other, or stacklab solve --only 9")


@check(points=3, title="the external network offers the floating range",
       hint="tutorial §9 `nova-manage floating create --ip_range={s.network.floating.cidr}`: "
            "an external flat network on the provider bridge, and a subnet of the lab network "
            "whose allocation pool is the floating range (network.floating in the settings)",
       needs=("05.admin_logs_in_to_keystone",))
def test_external_network_has_the_floating_range(cloud, settings):
    floating = settings.network.floating
    nets = cloud.named("networks", floating.network)
    expect(nets, found=f"no network {floating.network}")
    net = nets[0]
    expect(net["external"], found=f"{floating.network} is not external (router:external)")
    expect(net["physical_network"] == floating.physical_network,
           found=f"{floating.network} is on physical network {net['physical_network']}")
    subnets = [s for s in cloud.items("subnets") if s["network_id"] == net["id"]]
    pools = [(s, p) for s in subnets if s["name"] == floating.subnet
             for p in s.get("allocation_pools") or []]
    first = ip_address(str(floating.first_ip))
    good = [(s, p) for s, p in pools
            if ip_address(p["start"]) <= first <= ip_address(p["end"])
            and ip_address(p["start"]) in floating.cidr and ip_address(p["end"]) in floating.cidr]
    expect(good, found=f"{floating.subnet} pools: "
                       + (", ".join(f"{p['start']}-{p['end']}" for _, p in pools) or "none"))
    expect(ip_network(good[0][0]["cidr"]).overlaps(settings.network.public.cidr),
           found=f"{floating.subnet} is {good[0][0]['cidr']}, not on the lab network")


@check(points=2, title="the router joins {s.network.fixed.name} to the external network",
       hint=("openstack router create {s.network.router}; openstack router set --external-gateway "
             "{s.network.floating.network} {s.network.router}; openstack router add subnet "
             "{s.network.router} {s.network.fixed.subnet}"),
       needs=("09.vmnet_has_its_subnet", "09.external_network_has_the_floating_range"))
def test_router_joins_vmnet_to_the_outside(cloud, settings):
    name = settings.network.router
    routers = cloud.named("routers", name)
    expect(routers, found=f"no router {name}")
    router = routers[0]
    external = {n["id"] for n in cloud.named("networks", settings.network.floating.network)}
    expect(router["external_network_id"] in external,
           found=f"{name} has no gateway on {settings.network.floating.network}")
    vmnet_subnets = {s["id"] for s in cloud.named("subnets", settings.network.fixed.subnet)}
    ports = [p for p in cloud.items("ports") if p["device_id"] == router["id"]
             and p["device_owner"].startswith("network:router_interface")]
    expect([p for p in ports if {f["subnet_id"] for f in p["fixed_ips"]} & vmnet_subnets],
           found=f"{name} has no interface on {settings.network.fixed.subnet}")

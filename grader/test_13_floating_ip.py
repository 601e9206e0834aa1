"""Lab 13, connectivity and the floating IP: tutorial §13 (euca-authorize, associate)."""

from ipaddress import ip_network

from stacklab.grading import check, expect
from stacklab.grading.resources import guest


def _from_lab(rule, settings) -> bool:
    prefix = rule.get("remote_ip_prefix")
    if rule.get("remote_group_id") and not prefix:
        return False  # only members of a group: not the lab host
    return prefix is None or settings.network.public.address in ip_network(prefix, strict=False)


def _allows(rules, settings, protocol, port=None) -> bool:
    for r in rules:
        if r["direction"] != "ingress" or r["ethertype"] != "IPv4" or not _from_lab(r, settings):
            continue
        if r["protocol"] not in (protocol, None, "any"):
            continue
        if protocol == r["protocol"] == "icmp" and r["port_min"] not in (None, 8):
            continue  # neither any ICMP type nor echo request
        if port is not None and r["protocol"] == protocol:
            low = r["port_min"] if r["port_min"] is not None else 1
            high = r["port_max"] if r["port_max"] is not None else 65535
            if not low <= port <= high:
                continue
        return True
    return False


def _describe(rules) -> str:
    ingress = [r for r in rules if r["direction"] == "ingress"]
    return ", ".join(f"{r['protocol'] or 'any'} {r['port_min'] or ''}-{r['port_max'] or ''} "
                     f"from {r['remote_ip_prefix'] or r['remote_group_id'] or 'anywhere'}"
                     for r in ingress) or "no ingress rules"


@check(points=3, title="the security group lets ssh (tcp/22) and ping (icmp) in",
       hint="tutorial §13 `euca-authorize default -P tcp -p 22` and `-P icmp`: openstack "
            "security group rule create --proto tcp --dst-port 22 {s.instance.security_group}; "
            "openstack security group rule create --proto icmp {s.instance.security_group} "
            "(as {s.identity.user}; an admin sees every project's {s.instance.security_group}, "
            "so give the project's own by its ID: {s.project_security_group})",
       needs=("12.instance_is_active_as_the_tutorial_says",))
def test_security_group_allows_ssh_and_ping(cloud, settings):
    server = cloud.require_instance()
    name = settings.instance.security_group
    groups = [g for g in cloud.named("security_groups", name)
              if g["project_id"] == server["project_id"]]
    expect(groups, found=f"project {settings.identity.project} has no security group {name}")
    rules = groups[0]["rules"]
    missing = [what for what, ok in (("tcp/22", _allows(rules, settings, "tcp", 22)),
                                     ("icmp", _allows(rules, settings, "icmp"))) if not ok]
    expect(not missing, found=f"{name} lacks {' and '.join(missing)}: {_describe(rules)}")
    expect(name in server["security_groups"],
           found=f"{server['name']} is in {', '.join(server['security_groups']) or 'no group'}")


@check(points=3, title="the floating IP is associated with the instance",
       hint="tutorial §13 `euca-allocate-address`, `euca-associate-address`: openstack "
            "floating ip create --floating-ip-address {s.network.floating.first_ip} "
            "{s.network.floating.network}; openstack server add floating ip "
            "{s.instance.name} {s.network.floating.first_ip}",
       needs=("12.instance_is_active_as_the_tutorial_says",
              "09.external_network_has_the_floating_range"))
def test_floating_ip_is_associated_with_the_instance(cloud, settings):
    address = str(settings.network.floating.first_ip)
    fips = [f for f in cloud.items("floating_ips") if f["address"] == address]
    expect(fips, found=f"no floating IP {address} (floating IPs: "
                       + (", ".join(f["address"] for f in cloud.items("floating_ips"))
                          or "none") + ")")
    fip = fips[0]
    server = cloud.require_instance()
    port = cloud.by_id("ports", fip["port_id"]) if fip["port_id"] else None
    expect(port is not None, found=f"{address} is not associated with any port")
    owner = cloud.by_id("servers", port["device_id"])
    expect(port["device_id"] == server["id"],
           found=f"{address} is associated with "
                 + (f"instance {owner['name']}" if owner else f"port {port['id']}")
                 + f", not with {server['name']}")


@check(points=2, title="the instance answers ping on its floating IP",
       hint="needs the icmp rule, the router's gateway on the external network and a route "
            "from the lab host to the floating range",
       needs=("12.instance_is_active_as_the_tutorial_says",
              "13.security_group_allows_ssh_and_ping",
              "13.floating_ip_is_associated_with_the_instance",
              "09.router_joins_vmnet_to_the_outside"))
def test_instance_answers_ping(host, settings):
    answer = guest.ping(host, str(settings.network.floating.first_ip))
    expect(answer.ok, found=f"ping {settings.network.floating.first_ip}: {answer.detail}")


@check(points=3, title="the instance answers ssh with the saved key",
       hint="tutorial §13: ssh -i "
            "~/{s.instance.private_key} <login user>@{s.network.floating.first_ip}; needs the "
            "tcp/22 rule and the key the instance got at launch",
       needs=("12.instance_is_active_as_the_tutorial_says",
              "13.security_group_allows_ssh_and_ping",
              "13.floating_ip_is_associated_with_the_instance",
              "09.router_joins_vmnet_to_the_outside",
              "12.private_key_matches_the_keypair"))
def test_instance_answers_ssh(host, settings):
    answer = guest.partitions(host, str(settings.network.floating.first_ip),
                              settings.login_user, settings.instance.private_key)
    expect(answer.ok, found=f"ssh {settings.login_user}@"
                            f"{settings.network.floating.first_ip}: {answer.detail}")

"""Lab 6, the Nova cloud controller: tutorial §6 (nova.conf, now an INI file)."""

from urllib.parse import urlsplit

from stacklab.grading import check, expect
from stacklab.grading.resources import mysql, rabbitmq, services


def _nova(host):
    conf = services.nova(host)
    expect(conf.present, found=f"{services.NOVA} is missing",
           hint="apt-get install nova-api nova-conductor nova-scheduler (lab 6)")
    return conf


@check(points=1, title="Nova's databases exist",
       hint="CREATE DATABASE nova_api; nova; nova_cell0 and grant the nova user on each",
       needs=("03.nova_database_exists",))
def test_nova_databases_exist(host, settings):
    mysql.expect_databases(host, settings, "nova")


@check(points=2, title="nova.conf: my_ip is the lab address",
       hint="tutorial §6: 'substitute this with your cloud controller's IP address': "
            "[DEFAULT] my_ip = {s.network.public.address}")
def test_nova_my_ip_is_the_lab_address(host, settings):
    my_ip = _nova(host).get("DEFAULT", "my_ip")
    expect(my_ip == str(settings.network.public.address), found=f"my_ip = {my_ip}")


@check(points=2, title="nova.conf: Nova reaches RabbitMQ as the services' user",
       hint="tutorial §6 --rabbit_host: [DEFAULT] transport_url = {s.transport_url_shown}",
       needs=("04.services_user_logs_in",))
def test_nova_reaches_rabbitmq(host, settings):
    url = _nova(host).get("DEFAULT", "transport_url")
    expect(url, found="[DEFAULT] transport_url is not set")
    parts = urlsplit(url.split(",")[0])
    expect(parts.scheme == "rabbit", found=f"transport_url = {url}")
    expect(services.reaches_lab(url, settings),
           found=f"transport_url points at {parts.hostname}, not the lab host")
    expect(parts.username == settings.rabbitmq.user,
           found=f"transport_url logs in as {parts.username}")
    expect(parts.password == settings.rabbitmq.password,
           found="transport_url's password is not the services' RabbitMQ password")
    # and the login it names really works, as nova's services make it
    ok, detail = rabbitmq.login(host, parts.hostname, parts.port or 5672, parts.username,
                                parts.password)
    expect(ok, found=f"Nova's transport_url does not log in: {detail}")


@check(points=2, title="nova.conf: Nova's databases are in MariaDB on the lab host",
       hint="tutorial §6 --sql_connection: [database] connection = "
            "mysql+pymysql://nova:<password>@{s.network.public.address}/nova "
            "(or {s.db_host} on this one-node host; and [api_database] …/nova_api)")
def test_nova_uses_mariadb(host, settings):
    conf = _nova(host)
    for section, name in (("database", settings.mysql.database), ("api_database", "nova_api")):
        url = conf.get(section, "connection")
        expect(url, found=f"[{section}] connection is not set")
        parts = urlsplit(url)
        expect(parts.scheme.startswith("mysql") and services.reaches_local_database(url, settings)
               and parts.path.strip("/") == name, found=f"[{section}] connection = {url}")


@check(points=2, title="nova.conf: Nova finds Glance",
       hint="tutorial §6 --glance_api_servers: [glance] api_servers = "
            "http://{s.network.public.address}:9292 "
            "(or leave it unset and let Nova use the catalog's image endpoint)",
       needs=("05.glance_endpoint_is_registered",))
def test_nova_finds_glance(host, settings, request):
    servers = _nova(host).list("glance", "api_servers")
    if servers:
        expect(any(services.reaches_lab(s, settings) and urlsplit(s).port == 9292
                   for s in servers), found=f"[glance] api_servers = {', '.join(servers)}")
    else:
        cloud = request.getfixturevalue("cloud")  # only then: the catalog decides
        expect(cloud.endpoints("image"),
               found="[glance] api_servers is unset and the catalog has no image endpoint")


@check(points=2, title="nova.conf: Nova sends service user tokens",
       hint="[service_user] send_service_user_token = true, with auth_type = password, "
            "auth_url, username = nova, password, project_name = service")
def test_nova_sends_service_user_tokens(host):
    conf = _nova(host)
    expect((conf.get("service_user", "send_service_user_token") or "").lower() == "true",
           found="[service_user] send_service_user_token is "
                 f"{conf.get('service_user', 'send_service_user_token') or 'unset'}")
    missing = [k for k in ("auth_url", "username", "password")
               if not conf.get("service_user", k)]
    expect(not missing, found="[service_user] lacks " + ", ".join(missing))


@check(points=1, title="Nova's service user holds the service role",
       hint="openstack role add --project service --user nova service: since 2023.2 Cinder "
            "lets only a service delete a volume's attachment, so without it a detach stops at "
            "'detaching' (lab 14)",
       needs=("05.admin_logs_in_to_keystone",))
def test_nova_user_holds_the_service_role(host, cloud):
    username = _nova(host).get("service_user", "username") or "nova"
    users = {u["id"] for u in cloud.named("users", username)}
    projects = {p["id"] for p in cloud.named("projects", "service")}
    names = {r["id"]: r["name"] for r in cloud.items("roles")}
    held = sorted(names.get(a["role_id"], a["role_id"]) for a in cloud.items("role_assignments")
                  if a["user_id"] in users and a["project_id"] in projects)
    expect("service" in held, found=f"{username} holds on project service: "
                                    + (", ".join(held) or "no role"))


@check(points=2, title="nova.conf: Keystone and Placement are this cloud's, same region",
       hint="[keystone_authtoken] www_authenticate_uri/auth_url and [placement] auth_url must "
            "point at the lab host; region_name must be exactly {s.openstack.region} (Debian "
            "pre-fills 'regionOne' and localhost)")
def test_nova_auth_sections_match_the_cloud(host, settings):
    conf = _nova(host)
    problems = []
    for section in ("keystone_authtoken", "placement"):
        url = conf.get(section, "auth_url")
        if not services.reaches_lab(url, settings):
            problems.append(f"[{section}] auth_url = {url or 'unset'}")
        region = conf.get(section, "region_name")
        if region is not None and region != settings.openstack.region:
            problems.append(f"[{section}] region_name = {region}")
        username = conf.get(section, "username") or ""
        if not username.replace("_", "").replace("-", "").isalnum():
            problems.append(f"[{section}] username = {username or 'unset'}")
    expect(not problems, found="; ".join(problems))


@check(points=2, title="the Compute API answers",
       hint="nova-api must run and reach MariaDB and Keystone (journalctl -u nova-api)",
       needs=("05.admin_logs_in_to_keystone",))
def test_compute_api_answers(cloud):
    error = cloud.error("compute_services")
    expect(error is None, found=f"listing compute services: {error}")

"""Lab 4, RabbitMQ: tutorial §4 "Install RabbitMQ"."""

from stacklab.grading import check, expect
from stacklab.grading.resources import rabbitmq, system


@check(points=1, title="the host is named as in the tutorial",
       hint="hostnamectl set-hostname {s.host.name} (the tutorial's one node)")
def test_host_is_named_as_in_the_tutorial(host, settings):
    name = system.hostname(host)
    expect(name == settings.host.name, found=f"the host is named {name}")


@check(points=2, title="the host name resolves through /etc/hosts to the lab address",
       hint="tutorial §4: put '{s.network.public.address} {s.host.name}' in /etc/hosts, "
            "before any other line for that name (Debian/Ubuntu add 127.0.1.1 for it), or "
            "RabbitMQ will not start",
       needs=("04.host_is_named_as_in_the_tutorial",))
def test_host_name_resolves_to_the_lab_address(host, settings):
    name = system.hostname(host)
    entry = system.resolve_in_hosts_file(host, name)
    expect(entry is not None, found=f"{name} is not in /etc/hosts")
    line, address = entry
    expect(address == str(settings.network.public.address),
           found=f"/etc/hosts line {line} maps {name} to {address}")


@check(points=2, title="RabbitMQ is running",
       hint="tutorial §4: `apt-get install rabbitmq-server`; `journalctl -u rabbitmq-server` "
            "says why it stopped (often the host name)",
       needs=("04.host_name_resolves_to_the_lab_address",))
def test_rabbitmq_is_running(host):
    active, _ = system.service_state(host, "rabbitmq-server")
    expect(active == "active", found=system.describe_unit(host, "rabbitmq-server"))


@check(points=2, title="RabbitMQ listens on the AMQP port {s.rabbitmq.port}",
       hint="RabbitMQ must listen on the lab address (or all addresses); see "
            "/etc/rabbitmq/rabbitmq.conf (listeners.tcp)",
       needs=("04.rabbitmq_is_running",))
def test_rabbitmq_listens_on_amqp_port(host, settings):
    port = settings.rabbitmq.port
    found = system.listeners_on(host, port)
    lab = str(settings.network.public.address)
    expect([s for s in found if s.on_all_addresses or s.address == lab],
           found=system.describe_listeners(found, port))


@check(points=3, title="the services' RabbitMQ user logs in",
       hint="rabbitmqctl add_user {s.rabbitmq.user} (its password is rabbitmq.password in "
            "the settings); rabbitmqctl set_permissions {s.rabbitmq.user} '.*' '.*' '.*'",
       needs=("04.rabbitmq_listens_on_amqp_port",))
def test_services_user_logs_in(host, settings):
    ok, detail = rabbitmq.login(host, str(settings.network.public.address),
                                settings.rabbitmq.port, settings.rabbitmq.user,
                                settings.rabbitmq.password)
    if not ok:
        users = rabbitmq.users(host)
        if users is not None and settings.rabbitmq.user not in users:
            detail = (f"RabbitMQ has no user {settings.rabbitmq.user} "
                      f"(users: {', '.join(users) or 'none'})")
    expect(ok, found=detail)


"""Rendering step data with the settings: jinja2 over settings.as_dict() and the OS profile.

A string that is one whole ``{{ expression }}`` becomes the expression's value (a list, a
mapping, a number), so a step can take e.g. its services from the profile; any other
string is rendered as a template. Unknown names are errors, never empty strings.

Settings values are pasted into shell commands, SQL, URLs and INI files. The schema
allows only names, addresses, numbers and passwords of safe characters in them
(settings/schema.py); :func:`context` checks that again before any step is rendered, so
a value that would be read as shell syntax (a quote, ';', '$', '`', a newline …) stops
the run with the key's name instead of being pasted. A step that must pass free text to
a shell uses the ``sh`` filter (``{{ value | sh }}``: quoted as one word).
"""

from __future__ import annotations

import re
import shlex
from ipaddress import IPv4Network, ip_address, ip_network
from typing import Any

import jinja2

from stacklab.errors import StacklabError
from stacklab.settings import Settings
from stacklab.solve.profile import Profile

WHOLE_EXPRESSION = re.compile(r"^\{\{(?P<expr>(?:(?!\{\{|\}\}).)*)\}\}$", re.DOTALL)

ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                         autoescape=False)
ENV.filters["sh"] = lambda value: shlex.quote(str(value))

# Characters that a shell, SQL string or INI file would read as syntax, not as data.
SHELL_SYNTAX = re.compile(r"[\s'\"`$\\;&|<>(){}*?!#%@,\[\]]")
NOT_PASTED = ("providers", "boxes")  # read by the Vagrantfile only, never by a step


def context(settings: Settings, profile: Profile, *, ssh_user: str) -> dict[str, Any]:
    """Everything a step may name: the settings' sections, ``profile`` and helpers."""
    s = settings.as_dict()
    refuse_shell_syntax(s)
    caps = s["host"]["capabilities"]
    controller = s["host"]["name"]
    region = s["openstack"]["region"]
    service_pw = s["openstack"]["service_password"]
    keystone = f"http://{controller}:5000"
    # The services share the host with MariaDB, so they reach it over loopback: a learner's
    # bind-address mistake (lab 3) then fails lab 3's check alone, not every later service.
    db_host = "127.0.0.1"

    def db_url(user: str, database: str) -> str:
        return f"mysql+pymysql://{user}:{s['mysql']['service_password']}@{db_host}/{database}"

    def service_auth(user: str) -> dict[str, str]:
        """The keystoneauth options a service uses to call another service."""
        return {"auth_url": f"{keystone}/v3", "auth_type": "password",
                "project_domain_name": "Default", "user_domain_name": "Default",
                "region_name": region, "project_name": "service", "username": user,
                "password": service_pw}

    def authtoken(user: str) -> dict[str, str]:
        """[keystone_authtoken]: replaces Debian's localhost URLs and 'regionOne'."""
        return {"www_authenticate_uri": keystone, **service_auth(user), "auth_url": keystone}

    def db_user(database: str) -> str:
        """Which service user owns a database: nova owns nova, nova_api and nova_cell0."""
        return "nova" if database.startswith("nova") else database

    rabbit = s["rabbitmq"]
    floating = ip_network(s["network"]["floating"]["cidr"])
    public = ip_network(s["network"]["public"]["cidr"])
    pool = floating_pool(floating, public, [s["network"]["public"]["address"],
                                            s["network"]["public"]["gateway"]])
    return {
        **s,
        "profile": profile.as_dict(),
        "caps": caps,
        "netdev": caps["ovs_datapath"] == "netdev",
        "rbd": caps["volume_backend"] == "rbd",
        "ssh_user": ssh_user,
        "controller": controller,
        "db_host": db_host,
        "keystone_url": keystone,
        "transport_url": (f"rabbit://{rabbit['user']}:{rabbit['password']}@{controller}:"
                          f"{rabbit['port']}/"),
        "floating_pool": {"start": pool[0], "end": pool[-1]},
        "router_gateway_ip": pool[-1],  # the router takes the last address, not first_ip
        "fixed_size": ip_network(s["network"]["fixed"]["cidr"]).num_addresses,
        **shell_helpers(s),
        "db_url": db_url,
        "db_user": db_user,
        "db_users": list(dict.fromkeys(db_user(d) for d in s["mysql"]["databases"])),
        "service_auth": service_auth,
        "authtoken": authtoken,
    }


def refuse_shell_syntax(values: Any, key: str = "") -> None:
    """Stop with the key's name when a settings value would be read as shell syntax."""
    if isinstance(values, dict):
        for name, value in values.items():
            if not key and name in NOT_PASTED:
                continue
            refuse_shell_syntax(value, f"{key}.{name}" if key else str(name))
    elif isinstance(values, list):
        for i, value in enumerate(values):
            refuse_shell_syntax(value, f"{key}.{i}")
    elif isinstance(values, str):
        found = SHELL_SYNTAX.search(values)  # '/' and ':' (paths, URLs, CIDRs) are data
        if found and not _url(key, values):
            raise StacklabError(f"settings: {key} holds {found.group()!r}, which the solutions "
                                "would paste into a shell command",
                                "use letters, digits and _ . - only in names")


def _url(key: str, value: str) -> bool:
    # cirros URLs may hold '%' escapes; they are pasted inside single quotes
    return key.startswith("image.cirros.") and value.startswith(("http://", "https://")) \
        and "'" not in value


def shell_helpers(s: dict[str, Any]) -> dict[str, str]:
    """Shell snippets that both the solutions and the lab texts (notebooks) name."""
    # The project's own group, by ID: its user is an admin (cloudadmin implies admin),
    # and an admin sees every project's group of that name.
    project_group = (
        f"$(openstack security group list --project {s['identity']['project']} -f value "
        f"-c ID -c Name | awk '$2 == \"{s['instance']['security_group']}\" {{print $1}}')")
    return {"project_security_group": project_group}


def floating_pool(floating: IPv4Network, public: IPv4Network, taken: list[str]) -> list[str]:
    """The floating range's usable addresses on the public network, in order."""
    reserved = {public.network_address, public.broadcast_address, *map(ip_address, taken)}
    usable = [str(a) for a in floating if a not in reserved]
    if not usable:
        raise StacklabError(f"network.floating.cidr {floating} leaves no usable address")
    return usable


def render(value: Any, ctx: dict[str, Any], *, where: str = "") -> Any:
    """Render strings inside ``value`` (recursively) with ``ctx``."""
    if isinstance(value, str):
        return render_string(value, ctx, where=where)
    if isinstance(value, list):
        out = [render(v, ctx, where=where) for v in value]
        return [v for v in out if v not in ("", None)]  # an `{% if %}` item may vanish
    if isinstance(value, dict):
        return {render_string(str(k), ctx, where=where): render(v, ctx, where=where)
                for k, v in value.items()}
    return value


def render_string(text: str, ctx: dict[str, Any], *, where: str = "") -> Any:
    try:
        whole = WHOLE_EXPRESSION.match(text.strip())
        if whole:
            return _defined(ENV.compile_expression(whole.group("expr"),
                                                   undefined_to_none=False)(**ctx))
        if "{" not in text:
            return text
        return ENV.from_string(text).render(**ctx)
    except jinja2.TemplateError as exc:
        raise StacklabError(f"solutions: {where}: cannot render '{_short(text)}': {exc}",
                            "fix the step file or the setting it names") from None


def evaluate(expression: str, ctx: dict[str, Any], *, where: str = "") -> Any:
    """A bare jinja expression (a step's ``when``) evaluated to a value."""
    try:
        return _defined(ENV.compile_expression(expression, undefined_to_none=False)(**ctx))
    except jinja2.TemplateError as exc:
        raise StacklabError(f"solutions: {where}: cannot evaluate 'when: {expression}': {exc}",
                            "fix the step file") from None


def _defined(value: Any) -> Any:
    if isinstance(value, jinja2.Undefined):
        value._fail_with_undefined_error()  # raises UndefinedError naming what is missing
    return value


def _short(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line[:60] + ("…" if len(line) > 60 or "\n" in text.strip() else "")

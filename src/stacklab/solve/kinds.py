"""Step kinds: the common shapes of a step, turned into modern/check/apply commands.

A step file names one kind per step:
  run       shell: its own ``check`` and commands (``unless``: skip them when it passes;
            ``modern``: what to show, if different)
  packages  install packages (a list, ``profile`` = this lab's, ``standin:NAME``)
  ini       set INI options with crudini, then restart the services named in ``restart``
  file      a file with exactly this content (and mode)
  services  systemd units enabled and running
  keystone  a service user, its admin role, the service entry and three endpoints
  wait      nothing to apply: poll ``check`` until it passes (services up, ACTIVE, ...)
Every kind may add its own ``check`` to the generated one (both must pass).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stacklab.errors import StacklabError
from stacklab.solve.profile import Profile

POLICY_RC = "/usr/sbin/policy-rc.d"
APT_INSTALL = ("sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "
               "-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold")


@dataclass(frozen=True)
class Commands:
    modern: list[str]
    check: str
    apply: list[str]


def heredoc(command: str, body: str) -> str:
    """`command <<'EOF'` with ``body``: quoted, so the shell expands nothing inside."""
    return f"{command} <<'EOF'\n{body.rstrip(chr(10))}\nEOF"


def all_of(*checks: str) -> str:
    """A check that passes when every one passes (each on its own line, in a group)."""
    parts = [c.strip() for c in checks if c and c.strip()]
    if len(parts) == 1:
        return parts[0]
    return " &&\n".join(f"{{ {p}\n}}" if "\n" in p else p for p in parts)


def ini_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(ini_value(v) for v in value)
    return str(value)


def packages_kind(spec: dict[str, Any], profile: Profile, lab: int) -> Commands:
    names = resolve_packages(spec["packages"], profile, lab)
    listed = " ".join(names)
    recommends = spec.get("recommends", profile.recommends)
    install = f"{APT_INSTALL}{'' if recommends else ' --no-install-recommends'} {listed}"
    apply = []
    if profile.debconf:
        apply.append(heredoc("sudo debconf-set-selections", "\n".join(profile.debconf)))
    if spec.get("start", False):
        apply.append(install)
    else:
        # Services start only once configured: Debian's would start half-configured
        # (nova-compute's start times out and holds dpkg for minutes).
        apply.append(heredoc(f"sudo install -m 755 /dev/stdin {POLICY_RC}",
                             "#!/bin/sh\nexit 101") + "\n"
                     f"trap 'sudo rm -f {POLICY_RC}' EXIT\n{install}")
    check = ("for p in " + listed + "; do\n"
             "  dpkg-query -W -f='${db:Status-Status}' \"$p\" 2>/dev/null | grep -qx installed"
             " || { echo \"not installed: $p\"; exit 1; }\ndone")
    return Commands([f"sudo apt-get install -y {listed}"], check, apply)


def resolve_packages(value: Any, profile: Profile, lab: int) -> list[str]:
    if value == "profile":
        names = profile.packages.get(lab)
        if not names:
            raise StacklabError(f"solutions: profile {profile.os} lists no packages for lab {lab}")
        return list(names)
    if isinstance(value, str) and value.startswith("standin:"):
        key = value.split(":", 1)[1]
        if key not in profile.standin_packages:
            raise StacklabError(f"solutions: profile {profile.os} has no standin_packages.{key}")
        return list(profile.standin_packages[key])
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return value
    raise StacklabError(f"solutions: lab {lab}: packages must be a list, 'profile' or "
                        f"'standin:NAME', not {value!r}")


# A file is read once (each crudini is a Python start, ~0.1 s with sudo; nova.conf has 36
# options): crudini prints it as "[ section ] key = value" lines ("[ section ] key" when
# empty, "[ section ]" when it has none), and each option is found there as `crudini --get
# FILE SECTION KEY` finds it: the key's case ignored, the last one read, a key missing from
# a section that is there read from DEFAULT. tests/unit/solve/test_solve_ini_check.py holds
# the two side by side.
INI_GET = """ini_get() {
  printf '%s\\n' "$ini" | awk -v s="$1" -v k="$2" '
    BEGIN { k = tolower(k); there = s == "DEFAULT" }
    substr($0, 1, 2) == "[ " && (at = index($0, " ]")) {
      sec = substr($0, 3, at - 3); rest = substr($0, at + 3); eq = index(rest, " = ")
      if (sec == s) there = 1
      name = eq ? substr(rest, 1, eq - 1) : rest; value = eq ? substr(rest, eq + 3) : ""
      if (tolower(name) != k) next
      if (sec == s) { own = value; has_own = 1 }
      else if (sec == "DEFAULT") { def = value; has_def = 1 }
    }
    END { if (has_own) print own; else if (there && has_def) print def; else exit 1 }'
}"""


def ini_kind(spec: dict[str, Any], profile: Profile, lab: int) -> Commands:
    modern, checks = [], []
    for path, sections in spec["ini"].items():
        lines = []
        checks.append(f"ini=$(sudo crudini --get --format=lines {path} 2>/dev/null) || ini=")
        for section, options in sections.items():
            lines.append(f"[{section}]")
            for key, value in options.items():
                lines.append(f"{key} = {ini_value(value)}")
                get = f"ini_get {shlex.quote(section)} {key}"
                want = shlex.quote(ini_value(value))
                # a value not set is '(not set)', never '' (an empty value must be set);
                # a red check says what it found beside what is wanted (solve --dry-run)
                where = shlex.quote(f"{path} [{section}] {key} =")
                # always in quotes: the value is then a word of its own in the script text
                shown = "'" + (ini_value(value) or "(empty)").replace("'", "'\\''") + "'"
                checks.append(f'{{ v=$({get}) || v="(not set)"; [ "$v" = {want} ] '
                              f'|| {{ echo {where} "$v," wanted {shown}; false; }}; }}')
        modern.append(heredoc(f"sudo crudini --merge {path}", "\n".join(lines)))
    restart = spec.get("restart") or []
    if len(restart) == 1:
        modern.append(f"sudo systemctl restart {restart[0]}")
    elif restart:
        # One by one, in the notebooks too: Debian's nova units share /run/nova, which a
        # unit removes when it stops; restarted together, one may start while another takes
        # the folder away (nova-scheduler then fails to start: seen in a learner notebook).
        modern.append("for unit in " + " ".join(restart) + "; do\n"
                      '  sudo systemctl restart "$unit"\ndone')
    return Commands(modern, INI_GET + "\n" + " &&\n".join(checks), list(modern))


def file_kind(spec: dict[str, Any], profile: Profile, lab: int) -> Commands:
    path, content = spec["file"], spec["content"]
    mode = str(spec.get("mode", "644"))
    sudo = "sudo " if spec.get("sudo", not path.startswith("~")) else ""
    parent = path.rsplit("/", 1)[0] or "/"
    write = heredoc(f"{sudo}tee {path} >/dev/null", content)
    modern = [write, f"{sudo}chmod {mode} {path}"]
    apply = [f"{sudo}mkdir -p {parent}", *modern]
    # a red check shows the file as found beside the lab's (solve --dry-run; secrets are
    # masked in what it prints)
    check = all_of(heredoc(f"{sudo}diff -u --label {shlex.quote(path + ' (found)')} "
                           f"--label wanted {path} -", content),
                   f'[ "$({sudo}stat -c %a {path})" = {mode} ]')
    return Commands(modern, check, apply)


def services_kind(spec: dict[str, Any], profile: Profile, lab: int) -> Commands:
    units = spec["services"]
    if isinstance(units, str):
        units = [units]
    if not units:
        raise StacklabError(f"solutions: lab {lab}: a services step names no service")
    listed = " ".join(units)
    check = ("for u in " + listed + "; do\n"
             '  systemctl is-enabled -q "$u" && systemctl is-active -q "$u"'
             ' || { echo "$u: $(systemctl is-active "$u")"; exit 1; }\ndone')
    command = f"sudo systemctl enable --now {listed}"
    return Commands([command], check, [command])


# One service of the step's name and type: another of that name or type without endpoints
# is a second attempt at it (deleted); two with endpoints stop with one line (exit 98).
ONE_SERVICE = """\
found=$(openstack service list -f value -c ID -c Name -c Type)
used= empty=
for id in $(echo "$found" | awk -v n=@NAME@ -v t=@TYPE@ '$2 == n || $3 == t {print $1}'); do
  endpoints=$(openstack endpoint list --service "$id" -f value -c ID)
  if [ -n "$endpoints" ]; then used="$used $id"; else empty="$empty $id"; fi
done
set -- $used
if [ $# -gt 1 ]; then
  echo "left alone: $# services named @NAME@ or of type @TYPE@ have endpoints ($*), and \\
either may be the one in use: keep one and delete the other by hand (openstack service \\
delete ID: its endpoints go with it), then stacklab solve --only @LAB@"
  exit 98
fi
keep=${1:-$(echo "$found" | awk -v n=@NAME@ -v t=@TYPE@ '$2 == n && $3 == t {print $1; exit}')}
for id in $empty; do
  [ "$id" != "$keep" ] || continue
  openstack service delete "$id"
  echo "deleted the service $id: a second @NAME@ (@TYPE@), with no endpoints"
done
if [ -z "$keep" ]; then
  openstack service create --name @NAME@ --description @DESC@ @TYPE@
elif [ "$(echo "$found" | awk -v id="$keep" '$1 == id {print $2, $3}')" != "@NAME@ @TYPE@" ]; then
  openstack service set --name @NAME@ --type @TYPE@ "$keep"
  echo "renamed the service $keep to @NAME@ (@TYPE@): it holds the endpoints"
fi"""

# One endpoint per interface in the region, at the step's URL: a wrong URL is set right,
# a second endpoint of the service, interface and region is deleted.
ONE_ENDPOINT = """\
found=$(openstack endpoint list --service @NAME@ --interface @IFACE@ --region @REGION@ \
  -f value -c ID -c URL)
keep=$(echo "$found" | awk -v u=@URL@ '$2 == u {print $1; exit}')
[ -n "$keep" ] || keep=$(echo "$found" | awk 'NF {print $1; exit}')
if [ -z "$keep" ]; then
  openstack endpoint create --region @REGION@ @NAME@ @IFACE@ @URL@
  exit 0
fi
for id in $(echo "$found" | awk -v k="$keep" 'NF && $1 != k {print $1}'); do
  openstack endpoint delete "$id"
  echo "deleted the endpoint $id: a second @IFACE@ endpoint of @NAME@ in @REGION@"
done
url=$(echo "$found" | awk -v k="$keep" '$1 == k {print $2}')
if [ "$url" != @URL@ ]; then
  openstack endpoint set --url @URL@ "$keep"
  echo "@NAME@'s @IFACE@ endpoint $keep was at $url: set to @RAWURL@"
fi"""


def fill(template: str, **values: str) -> str:
    for key, value in values.items():
        template = template.replace(f"@{key.upper()}@", value)
    return template


def keystone_kind(spec: dict[str, Any], profile: Profile, lab: int) -> Commands:
    """The install guide's commands for a service, made to converge for apply: one service
    of the name and type, one endpoint per interface at the URL (see ONE_SERVICE and
    ONE_ENDPOINT for what is changed or deleted on the way, and when it stops instead).

    Besides admin, the service user gets the `service` role: since 2023.2 Cinder lets only a
    service (nova's service token with that role) delete an attachment, so without it a
    volume detach stops half-way ('detaching', HTTP 409 ConflictNovaUsingAttachment).
    """
    k = spec["keystone"]
    name, kind, user, region = k["name"], k["type"], k["user"], k["region"]
    desc, password = shlex.quote(k["description"]), shlex.quote(str(k["password"]))
    url, shown_url = k["url"], shlex.quote(k["url"])
    interfaces = ("public", "internal", "admin")
    modern = [f"openstack user create --domain default --password {password} {user}",
              f"openstack role add --project service --user {user} admin",
              f"openstack role add --project service --user {user} service",
              f"openstack service create --name {name} --description {desc} {kind}",
              *(f"openstack endpoint create --region {region} {kind} {i} {shown_url}"
                for i in interfaces)]
    names = {"name": name, "type": kind, "desc": desc, "lab": str(lab), "region": region,
             "url": shown_url, "rawurl": url}
    apply = [f"openstack user show {user} >/dev/null 2>&1 || "
             f"openstack user create --domain default --password {password} {user}",
             f"openstack user set --password {password} {user}",
             f"openstack role add --project service --user {user} admin",
             f"openstack role add --project service --user {user} service",
             fill(ONE_SERVICE, **names),
             *(fill(ONE_ENDPOINT, iface=i, **names) for i in interfaces)]
    wanted = shlex.quote(" ".join(f"{i} {url}" for i in sorted(interfaces)) + " ")
    # The check reads Keystone's database (one mysql client each, ~20 ms) rather than the
    # API (an openstack call and a login each, ~1 s): the same rows the API lists. What a
    # learner types, and what apply runs, stay the openstack client's.
    sql = k["sql"]
    service_name = "JSON_VALUE(s.extra, '\\$.name')"
    check = all_of(
        f'[ "$({sql} -Nse "SELECT DISTINCT r.name FROM assignment a '
        "JOIN local_user u ON u.user_id = a.actor_id JOIN project p ON p.id = a.target_id "
        "JOIN role r ON r.id = a.role_id WHERE a.type = 'UserProject' "
        f"AND u.name = '{user}' AND p.name = 'service' AND r.name IN ('admin', 'service') "
        f"ORDER BY r.name\" | tr '\\n' ' ')\" = 'admin service ' ]",
        # one service of the name or type (what it finds is said: a dry run shows it)
        f'services=$({sql} -Nse "SELECT s.id, {service_name}, s.type FROM service s" '
        f"| awk -v n={name} -v t={kind} '$2 == n || $3 == t')\n"
        f'[ "$(echo "$services" | grep -c .)" = 1 ] || {{ echo "services named {name} '
        f'or of type {kind}: $(echo ${{services:-none}})"; exit 1; }}',
        f'found=$({sql} -Nse "SELECT e.interface, e.url FROM endpoint e JOIN service s '
        f"ON s.id = e.service_id WHERE {service_name} = '{name}' "
        f"AND e.region_id = '{region}'\" | sort | tr '\\t\\n' '  ')\n"
        f'[ "$found" = {wanted} ] || '
        f'{{ echo "endpoints of {name} in {region}: ${{found:-none}}"; exit 1; }}')
    return Commands(modern, check, apply)


def run_kind(spec: dict[str, Any], profile: Profile, lab: int) -> Commands:
    """Commands of its own; ``unless`` (a read-only command) skips them all when it passes,
    so that a create is not repeated when only a later part of the check failed."""
    commands = spec["run"]
    commands = [commands] if isinstance(commands, str) else list(commands)
    if "check" not in spec:
        raise StacklabError(f"solutions: lab {lab}: step '{spec.get('id')}' has no check")
    apply = list(commands)
    if spec.get("unless"):
        apply = [f"if ! {spec['unless']} >/dev/null 2>&1; then\n"
                 + "\n".join(commands) + "\nfi"]
    return Commands(list(commands), "", apply)


def wait_kind(spec: dict[str, Any], profile: Profile, lab: int) -> Commands:
    if not spec.get("check"):
        raise StacklabError(f"solutions: lab {lab}: wait step '{spec.get('id')}' has no check")
    return Commands([], "", [])


KINDS: dict[str, Callable[[dict[str, Any], Profile, int], Commands]] = {
    "run": run_kind, "packages": packages_kind, "ini": ini_kind, "file": file_kind,
    "services": services_kind, "keystone": keystone_kind, "wait": wait_kind,
}


def expand(spec: dict[str, Any], profile: Profile, lab: int) -> Commands:
    kinds = [k for k in KINDS if k in spec]
    if len(kinds) != 1:
        raise StacklabError(f"solutions: lab {lab}: step '{spec.get('id')}' needs exactly one "
                            f"of {', '.join(KINDS)} (has {', '.join(kinds) or 'none'})")
    made = KINDS[kinds[0]](spec, profile, lab)
    extra = spec.get("check") or ""
    modern = spec.get("modern")
    if isinstance(modern, str):
        modern = [modern]
    return Commands(list(modern) if modern is not None else made.modern,
                    all_of(made.check, extra), made.apply)

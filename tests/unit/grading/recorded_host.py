"""A lab host that answers the graders' commands with recorded output of real shape.

`RecordedHost(settings)` starts SOLVED (every lab done, as on the reference host); tests
break one thing (`host.listeners = [...]`, `host.files[path] = ...`) and check the grader
sees it. `recorded_testinfra_host(state)` hands it to the graders as a kit Connection (the
transport's interface), so every command, stdin ones included, takes the real host's path
down to the connection; the integration tests and the benchmark serve the same host over a
real sshd.
"""

from __future__ import annotations

import ast
import json
import re
import shlex
import sys
import time
import warnings
from pathlib import Path

import testinfra.host

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cloud_api import PUBLIC_KEY, FakeConnection, solved_bodies

from stacklab.grading.knowledge import answers_document, load_questions
from stacklab.grading.remote import PYTHON
from stacklab.grading.remote import snapshot as snapshot_script
from stacklab.grading.resources import iscsi, kernel
from stacklab.hosts.backend import as_testinfra_host
from stacklab.hosts.transport import Connection, Exit

OK = 0
PEM = ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAAB"
       "\n-----END OPENSSH PRIVATE KEY-----\n")


def right_answers(lab: int) -> dict[str, str]:
    """The right choice of each question, found by trying every choice against its hash."""
    return {q.id: next(c for c in q.choices if q.is_right(c)) for q in load_questions(lab)}


class RecordedHost:
    def __init__(self, settings) -> None:
        s = self.settings = settings
        addr = str(s.network.public.address)
        self.hostname = s.host.name
        self.etc_hosts = (f"127.0.0.1\tlocalhost\n{addr}\t{s.host.name}\n\n"
                          "# The following lines are desirable for IPv6 capable hosts\n"
                          "::1     localhost ip6-localhost ip6-loopback\n")
        self.listeners = ["0.0.0.0:3306", "0.0.0.0:22", "[::]:5672", "0.0.0.0:25672",
                          "*:5000", "*:9292", "*:8778", "*:8774", "0.0.0.0:9696", "*:8776",
                          "127.0.0.1:11211", "[::]:22"]
        self.units = {u: ("active", "enabled") for u in (
            "mariadb", "rabbitmq-server", "tgt", "libvirtd", "nova-compute", "nova-api")}
        self.units["virtqemud"] = ("inactive", "disabled")
        self.mysql_root_password = s.mysql.root_password
        self.mysql_root_hosts = ["%", "localhost"]
        self.databases = ["information_schema", *s.mysql.databases, "mysql",
                          "performance_schema", "sys"]
        self.root_grant = ("GRANT ALL PRIVILEGES ON *.* TO `root`@`%` IDENTIFIED BY PASSWORD "
                           "'*3A7B4D1E5C6F2A8B9C0D1E2F3A4B5C6D7E8F9A0B' WITH GRANT OPTION")
        self.rabbit_users = {s.rabbitmq.user: s.rabbitmq.password, "guest": "guest"}
        self.pvs = [{"pv_name": s.host.volume_disk.device,
                     "vg_name": s.host.volume_disk.volume_group, "pv_size": "<20.00g"}]
        self.files = self._config_files()
        self.files["/etc/iscsi/initiatorname.iscsi"] = (
            "## DO NOT EDIT OR REMOVE THIS FILE!\nInitiatorName=iqn.1993-08.org.debian:01:"
            "5ab1e2c3d4f6\n")
        self.home = {s.identity.rc_file: self._novarc(), s.instance.private_key: PEM,
                     s.openstack.admin_rc_file: "export OS_USERNAME=admin\n"}
        for lab in (1, 2):
            self.home[f".stacklab/answers/{lab:02d}.json"] = json.dumps(
                answers_document(lab, right_answers(lab)))
        self.modes = {s.instance.private_key: "600"}
        self.key_public = PUBLIC_KEY
        self.commands = {"iscsiadm", "ssh-keygen", "ping", "ssh", "python3"}
        self.bodies = solved_bodies(s)
        self.failing_kinds: dict[str, str | Exception] = {}  # the API answers with an error
        self.api_delays: dict[str, float] = {}  # seconds a kind's API takes to answer
        self.logins: dict[str, bool | Exception] = {"admin": True, "user": True}
        self.snapshot_delay = 0.0  # seconds before the snapshot program prints anything
        self.kernel_modules = {"dm_mod", "iscsi_tcp"}  # what the host's kernel offers
        self.mariadb_installed = True  # False: the shell's "not found", as on a fresh host
        self.lvm_installed = True
        self.openstacksdk = True
        self.image_sizes = {b["id"]: b["size"] for b in self.bodies["images"]}
        self.ping_ok = True
        self.ping_late = False  # only the patient second ping gets a reply (a busy guest)
        self.pings: list[str] = []  # the ping command lines asked, in order
        self.guest_ssh_error = ""  # the instance refuses every ssh (e.g. its sshd is down)
        self.fip_ssh_error = ""  # only its floating IP does not answer (lab 13 broken)
        vg = s.host.volume_disk.volume_group
        self.lvs = [{"lv_name": f"volume-{v['id']}", "vg_name": vg, "lv_size": "1.00g"}
                    for v in self.bodies["volumes"]]
        self.guest_disks = ["vda", "vda1", "vda15", "vdb"]
        self.log: list[str] = []  # every command asked, for tests that count them

    # ---- what the host holds ---------------------------------------------------------
    def _novarc(self) -> str:
        s = self.settings
        return (f"export OS_USERNAME={s.identity.user}\nexport OS_PASSWORD={s.identity.password}\n"
                f"export OS_PROJECT_NAME={s.identity.project}\n"
                "export OS_USER_DOMAIN_NAME=Default\nexport OS_PROJECT_DOMAIN_NAME=Default\n"
                f"export OS_AUTH_URL=http://{s.network.public.address}:5000/v3\n"
                "export OS_IDENTITY_API_VERSION=3\n")

    def _config_files(self) -> dict[str, str]:
        s = self.settings
        addr, pw = str(s.network.public.address), s.openstack.service_password
        auth = (f"www_authenticate_uri = http://{addr}:5000\nauth_url = http://{addr}:5000\n"
                "memcached_servers = localhost:11211\nauth_type = password\n"
                "project_domain_name = Default\nuser_domain_name = Default\n"
                f"region_name = {s.openstack.region}\nproject_name = service\n")
        nova = (f"[DEFAULT]\nmy_ip = {addr}\nstate_path = /var/lib/nova\n"
                f"transport_url = rabbit://{s.rabbitmq.user}:{s.rabbitmq.password}@{addr}:"
                f"{s.rabbitmq.port}/\n\n"
                f"[api_database]\nconnection = mysql+pymysql://nova:{s.mysql.service_password}"
                f"@{addr}/nova_api\n\n"
                f"[database]\nconnection = mysql+pymysql://nova:{s.mysql.service_password}@"
                f"{addr}/{s.mysql.database}\n\n"
                f"[glance]\napi_servers = http://{addr}:9292\n\n"
                f"[keystone_authtoken]\n{auth}username = nova\npassword = {pw}\n\n"
                f"[placement]\n{auth}username = placement\npassword = {pw}\n\n"
                f"[service_user]\nsend_service_user_token = true\n{auth}username = nova\n"
                f"password = {pw}\n\n[vnc]\nenabled = true\n")
        return {
            "/etc/nova/nova.conf": nova,
            "/etc/nova/nova-compute.conf": (
                "[DEFAULT]\ncompute_driver=libvirt.LibvirtDriver\n[libvirt]\n"
                f"virt_type={s.host.capabilities.virt_type}\n"),
            "/etc/glance/glance-api.conf": (
                "[DEFAULT]\nenabled_backends = fs:file\n\n[glance_store]\ndefault_backend = fs"
                "\n\n[fs]\nfilesystem_store_datadir = /var/lib/glance/images/\n\n"
                f"[database]\nconnection = mysql+pymysql://glance:{pw}@{addr}/glance\n"),
            "/etc/cinder/cinder.conf": (
                f"[DEFAULT]\nenabled_backends = lvm\nmy_ip = {addr}\n"
                f"transport_url = rabbit://{s.rabbitmq.user}:{s.rabbitmq.password}@{addr}\n\n"
                "[lvm]\nvolume_driver = cinder.volume.drivers.lvm.LVMVolumeDriver\n"
                f"volume_group = {s.host.volume_disk.volume_group}\n"
                "target_protocol = iscsi\ntarget_helper = tgtadm\n"),
        }

    def snapshot(self, limit: float | None = None) -> dict:
        """What the snapshot program prints; a login may be an exception (e.g. a timeout);
        `limit`: the program's own time limit (seconds; none: wait for every answer)."""
        if not self.openstacksdk:
            return {"version": 1, "fatal": "openstacksdk is not installed on the lab host "
                                           "(python3-openstacksdk)"}
        conn = FakeConnection(self.bodies, self.failing_kinds, self.api_delays)
        refused = RuntimeError("Unauthorized: The request you have made requires "
                               "authentication. (HTTP 401)")
        deadline = None if limit is None else time.monotonic() + limit
        with warnings.catch_warnings():  # the sdk deprecates internals it still uses
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            return snapshot_script.collect(
                {who: ok if isinstance(ok, Exception) else conn if ok else refused
                 for who, ok in self.logins.items()}, deadline=deadline)

    # ---- answering commands ----------------------------------------------------------
    def answer(self, command: str, stdin: bytes = b"") -> tuple[int, str, str]:
        """(exit code, stdout, stderr) for a command line, as the real host gives them."""
        self.log.append(command)
        inner = unsudo(command)
        for pattern, handler in self._handlers():
            m = re.fullmatch(pattern, inner, re.S)
            if m:
                return handler(m, stdin)
        return 127, "", f"sh: 1: {inner.split()[0]}: not found (recorded host)\n"

    def _handlers(self):
        return [
            (r"ss -Hltn", lambda m, _: (OK, "".join(
                f"LISTEN 0      4096      {a:>20}      {'[::]:*' if a[0] in '[*' else '*:*'}\n"
                for a in self.listeners), "")),
            (r"hostname", lambda m, _: (OK, self.hostname + "\n", "")),
            (r"cat /etc/hosts", lambda m, _: (OK, self.etc_hosts, "")),
            (r"systemctl is-active '?([\w@.-]+)'?; systemctl is-enabled '?([\w@.-]+)'?",
             self._systemctl),
            (r"cat -- '?(/[^' ]+)'?", self._cat_root),
            (r'cat -- "\$HOME"/\'?([^\']+?)\'?', self._cat_home),
            (r'stat -c %a -- "\$HOME"/\'?([^\']+?)\'?', self._mode),
            (r'ssh-keygen -y -f "\$HOME"/\'?([^\']+?)\'?', self._keygen),
            (r"stat -c %s -- '?(/[^' ]+)'?", self._size),
            (r"command -v '?(\w+)'? \|\| test -x /usr/sbin/'?(\w+)'?",
             lambda m, _: (OK, f"/usr/bin/{m[1]}\n", "") if m[1] in self.commands
             else (1, "", "")),
            (r"pvs --reportformat json -o pv_name,vg_name,pv_size", self._pvs),
            (r"\$\(command -v mariadb \|\| command -v mysql\) --force -N -B -e .*",
             self._mysql_catalog),
            (r"\$\(command -v mariadb \|\| command -v mysql\) --defaults-extra-file=/dev/stdin "
             r"--protocol=TCP -h (\S+) -P (\d+) -N -B -e 'SELECT CURRENT_USER\(\)'",
             self._mysql_login),
            (r"rabbitmqctl -q list_users --formatter json", lambda m, _: (OK, json.dumps(
                [{"user": u, "tags": []} for u in self.rabbit_users]) + "\n", "")),
            (re.escape(PYTHON), self._python),
            (r"ping -c (?:2 -i 0.3 -W 2|1 -i 0.5 -w 8) '?([\d.]+)'?", self._ping),
            (r"lvs --reportformat json -o lv_name,vg_name,lv_size", self._lvs),
            (r'(?:sudo -n ip netns exec \'?([\w-]+)\'? )?ssh -i "\$HOME"/\'?([^\']+?)\'? .* '
             r'\'?(\w+)@([\d.]+)\'? \'?cat /proc/partitions\'?', self._guest),
            (r"mkdir -p \"\$HOME\"/(\S+) && cat > \"\$HOME\"/(\S+) && echo \"\$HOME\"/(\S+)",
             self._save),
            (re.escape(kernel.PROBE), lambda m, _: (OK, "".join(
                f"{name}\n" for name in sorted(self.kernel_modules)), "")),
            (r"env XDG_CACHE_HOME=/dev/null PYTHONDONTWRITEBYTECODE=1 bash -lc .* rc-file "
             r"\"\$HOME\"/'?([^']+?)'?", self._rc_login),
            (re.escape(iscsi.TGT_SHOW), self._tgtadm),
            (re.escape(iscsi.LIO_SHOW), lambda m, _: (OK, "", "") if "cinder-rtstool" in
             self.commands else (127, "", "/bin/sh: 1: cinder-rtstool: not found\n")),
            (r"true", lambda m, _: (OK, "", "")),
        ]

    def _systemctl(self, m, _):
        active, enabled = self.units.get(m[1], ("inactive", "not-found"))
        return (0 if enabled == "enabled" else 1), f"{active}\n{enabled}\n", ""

    def _cat_root(self, m, _):
        text = self.files.get(m[1])
        return (OK, text, "") if text is not None else \
            (1, "", f"cat: {m[1]}: No such file or directory\n")

    def _cat_home(self, m, _):
        text = self.home.get(m[1])
        return (OK, text, "") if text is not None else \
            (1, "", f"cat: /home/vagrant/{m[1]}: No such file or directory\n")

    def _rc_login(self, m, _):
        """`. ~/novarc && openstack token issue`: Keystone's answer to what the file says."""
        text = self.home.get(m[1])
        if text is None:
            return 1, "", f"bash: line 1: /home/vagrant/{m[1]}: No such file or directory\n"
        values = dict(re.findall(r"^export (OS_[A-Z_]+)=(.*)$", text, re.M))
        s = self.settings
        users = {u["name"]: u["id"] for u in self.bodies["users"]}
        projects = {p["name"]: p["id"] for p in self.bodies["projects"]}
        user, project = users.get(values.get("OS_USERNAME")), \
            projects.get(values.get("OS_PROJECT_NAME"))
        held = {(a["user"]["id"], a["scope"]["project"]["id"])
                for a in self.bodies["role_assignments"]}
        password = {s.identity.user: s.identity.password,
                    "admin": s.openstack.admin_password}.get(values.get("OS_USERNAME", ""))
        if (user, project) not in held or values.get("OS_PASSWORD") != password or \
                self.logins.get("user") is not True:
            return 1, "", ("The request you have made requires authentication. (HTTP 401) "
                           "(Request-ID: req-5b1e2c3d)\n")
        return OK, json.dumps({"user_id": user, "project_id": project}, indent=2) + "\n", ""

    def _tgtadm(self, m, _):
        if self.units.get("tgt", ("inactive",))[0] != "active":
            return 107, "", ("tgtadm: failed to send request hdr to tgt daemon, Transport "
                             "endpoint is not connected\n")
        return OK, "", ""

    def _mode(self, m, _):
        if m[1] not in self.home:
            return 1, "", f"stat: cannot statx '/home/vagrant/{m[1]}': No such file\n"
        return OK, self.modes.get(m[1], "644") + "\n", ""

    def _keygen(self, m, _):
        if m[1] not in self.home:
            return 255, "", f"/home/vagrant/{m[1]}: No such file or directory\n"
        return OK, self.key_public.rsplit(" ", 1)[0] + " \n", ""

    def _size(self, m, _):
        ident = m[1].rstrip("/").rsplit("/", 1)[-1]
        if ident not in self.image_sizes:
            return 1, "", f"stat: cannot statx '{m[1]}': No such file or directory\n"
        return OK, f"{self.image_sizes[ident]}\n", ""

    def _pvs(self, m, _):
        if not self.lvm_installed:
            return 127, "", "/bin/sh: 1: pvs: not found\n"
        return OK, _lvm_report("pv", self.pvs, ("pv_name", "vg_name", "pv_size")), ""

    def _mysql_catalog(self, m, _):
        if not self.mariadb_installed:
            return 127, "", "/bin/sh: 1: --force: not found\n"
        users = [f"root@{h}" for h in self.mysql_root_hosts] + [
            f"{d}@%" for d in ("keystone", "glance", "nova", "placement")] + [
            "mariadb.sys@localhost", "mysql@localhost"]
        out = "#databases\n" + "\n".join(self.databases) + "\n#users\n" + "\n".join(users)
        out += "\n#grants\n"
        err = ""
        if "%" in self.mysql_root_hosts:
            out += self.root_grant + "\n"
        else:
            err = "ERROR 1141 (42000) at line 1: There is no such grant defined for user 'root' " \
                  "on host '%'\n"
        return OK, out, err

    def _mysql_login(self, m, stdin):
        if not self.mariadb_installed:
            return 127, "", "bash: line 1: --defaults-extra-file=/dev/stdin: No such file or " \
                            "directory\n"
        address, port = m[1], int(m[2])
        if f"{address}:{port}" not in self.listeners and f"0.0.0.0:{port}" not in self.listeners:
            return 1, "", f"ERROR 2002 (HY000): Can't connect to server on '{address}' (115)\n"
        options = dict(line.split("=", 1) for line in stdin.decode().splitlines() if "=" in line)
        if "%" not in self.mysql_root_hosts or options.get("password") != self.mysql_root_password:
            return 1, "", (f"ERROR 1045 (28000): Access denied for user 'root'@'{self.hostname}' "
                           "(using password: YES)\n")
        return OK, "root@%\n", ""

    def _python(self, m, stdin):
        source = stdin.decode()
        call = source.rsplit("main(", 1)[1].rsplit(")", 1)[0]  # the last line: main('…')
        config = json.loads(ast.literal_eval(call))
        if "def collect(" in source:
            time.sleep(self.snapshot_delay)
            return OK, json.dumps(self.snapshot()) + "\n", ""
        if "AMQP" in source:
            listening = any(a.endswith(f":{config['port']}") for a in self.listeners)
            if not listening:
                return OK, json.dumps({"ok": False, "detail": f"cannot connect to "
                                       f"{config['host']}:{config['port']}: Connection refused"}) \
                    + "\n", ""
            ok = self.rabbit_users.get(config["user"]) == config["password"]
            detail = (f"user '{config['user']}' logged in to {config['host']}:{config['port']}"
                      if ok else f"RabbitMQ refused user '{config['user']}' (wrong password or "
                                 "no such user)")
            return OK, json.dumps({"ok": ok, "detail": detail}) + "\n", ""
        return 1, "", "unknown program\n"

    def _ping(self, m, _):
        a = m[1]
        self.pings.append(m[0])
        if self.ping_ok and (not self.ping_late or "-w 8" in m[0]):
            return OK, (f"PING {a} ({a}) 56(84) bytes of data.\n64 bytes from {a}: icmp_seq=1 "
                        f"ttl=63 time=1.21 ms\n64 bytes from {a}: icmp_seq=2 ttl=63 time=0.912 ms"
                        f"\n\n--- {a} ping statistics ---\n2 packets transmitted, 2 received, "
                        "0% packet loss, time 301ms\nrtt min/avg/max/mdev = 0.912/1.061/1.210/"
                        "0.149 ms\n"), ""
        return 1, (f"PING {a} ({a}) 56(84) bytes of data.\n\n--- {a} ping statistics ---\n"
                   "2 packets transmitted, 0 received, 100% packet loss, time 1010ms\n\n"), ""

    def _lvs(self, m, _):
        if not self.lvm_installed:
            return 127, "", "/bin/sh: 1: lvs: not found\n"
        return OK, _lvm_report("lv", self.lvs, ("lv_name", "vg_name", "lv_size")), ""

    def _guest(self, m, _):
        namespace, key, user, address = m[1], m[2], m[3], m[4]
        if namespace:  # from inside a router: its namespace must exist, the address be fixed
            routers = {f"qrouter-{r['id']}" for r in self.bodies["routers"]}
            if namespace not in routers:
                return 1, "", (f'Cannot open network namespace "{namespace}": No such file or '
                               "directory\n")
            fixed = {f["ip_address"] for p in self.bodies["ports"]
                     if p["device_owner"] == "compute:nova" for f in p["fixed_ips"]}
            if address not in fixed:
                return 255, "", f"ssh: connect to host {address} port 22: No route to host\n"
        else:
            associated = any(f["floating_ip_address"] == address and f["port_id"]
                             for f in self.bodies["floating_ips"])
            if self.fip_ssh_error or not associated:
                return 255, "", (self.fip_ssh_error or f"ssh: connect to host {address} port "
                                 "22: Connection timed out") + "\n"
        if self.guest_ssh_error:
            return 255, "", self.guest_ssh_error + "\n"
        if key not in self.home:
            return 255, "", (f"Warning: Identity file /home/vagrant/{key} not accessible: No "
                             f"such file or directory.\n{user}@{address}: Permission denied "
                             "(publickey).\n")
        sizes = {"vda": 1048576, "vda1": 1031168, "vda15": 8192, "vdb": 1048576}
        minors = {"vda": 0, "vda1": 1, "vda15": 15, "vdb": 16}
        rows = "".join(f" 253 {minors.get(d, 32):>8} {sizes.get(d, 1048576):>10} {d}\n"
                       for d in self.guest_disks)
        return OK, "major minor  #blocks  name\n\n" + rows, ""

    def _save(self, m, stdin):
        self.home[m[2]] = stdin.decode()
        return OK, f"/home/vagrant/{m[2]}\n", ""


def unsudo(command: str) -> str:
    """The command inside testinfra's `sudo /bin/sh -c '…'` wrapper (or itself)."""
    if command.startswith("sudo /bin/sh -c "):
        return shlex.split(command[len("sudo "):])[2]
    return command


class RecordedConnection(Connection):
    """The recorded host behind the kit's own transport interface: the graders reach it
    through the same testinfra backend and stdin path as a real host."""

    description = "recorded"

    def __init__(self, state: RecordedHost) -> None:
        self.state = state

    def execute(self, command, *, stdin=b"", timeout=None, stdout, stderr):
        rc, out, err = self.state.answer(command, stdin)
        stdout(out.encode())
        stderr(err.encode())
        return Exit(rc, 0.0)


def recorded_testinfra_host(state: RecordedHost) -> testinfra.host.Host:
    return as_testinfra_host(RecordedConnection(state))


def _lvm_report(kind: str, rows: list[dict], fields: tuple[str, ...]) -> str:
    """`pvs`/`lvs --reportformat json` as LVM prints it (its own indentation)."""
    body = ",\n".join("                {" + ", ".join(f'"{f}":"{r[f]}"' for f in fields) + "}"
                      for r in rows)
    return ("  {\n      \"report\": [\n          {\n              \"" + kind + "\": [\n"
            f"{body}\n              ]\n          }}\n      ]\n  }}\n")

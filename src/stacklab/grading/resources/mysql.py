"""MariaDB: log in over the network as a client would, and read its catalog as root."""

from __future__ import annotations

from dataclasses import dataclass

from stacklab.grading import transport
from stacklab.grading.resources import memo

CLIENT = "$(command -v mariadb || command -v mysql)"
# the shell's answer when neither client exists (exit 127): said in words instead
NOT_INSTALLED = ("MariaDB is not installed yet (lab 3: apt-get install mariadb-server "
                 "mariadb-client)")


@dataclass(frozen=True)
class Login:
    ok: bool
    detail: str  # the server's answer: current user on success, the error otherwise


def network_login(host, address: str, port: int, user: str, password: str) -> Login:
    """Log in to address:port as user (the password goes in on stdin, as an option file)."""
    def read() -> Login:
        options = f"[client]\nuser={user}\npassword={password}\n"
        out = transport.run(
            host, f"{CLIENT} --defaults-extra-file=/dev/stdin --protocol=TCP "
                  f"-h {address} -P {port} -N -B -e 'SELECT CURRENT_USER()'", options,
            timeout=30)
        if out.rc == 127:
            return Login(False, NOT_INSTALLED)
        if out.rc == 0:
            return Login(True, out.stdout.strip())
        return Login(False, (out.stderr.strip().splitlines() or ["no answer"])[-1])
    return memo(host, f"mysql-login:{address}:{port}:{user}", read)


def catalog(host) -> dict:
    """Databases, accounts and root@'%' grants, read as root through the local socket."""
    def read() -> dict:
        sql = ("SELECT '#databases'; SHOW DATABASES; "
               "SELECT '#users'; SELECT CONCAT(User, '@', Host) FROM mysql.user; "
               "SELECT '#grants'; SHOW GRANTS FOR 'root'@'%';")
        with host.sudo():
            out = host.run(f'{CLIENT} --force -N -B -e "{sql}"')
        if out.rc == 127:
            return {"ok": False, "error": NOT_INSTALLED, "databases": [], "users": [],
                    "grants": []}
        sections: dict[str, list[str]] = {"databases": [], "users": [], "grants": []}
        current = None
        for line in out.stdout.splitlines():
            if line.startswith("#") and line[1:] in sections:
                current = line[1:]
            elif current:
                sections[current].append(line.strip())
        return {"ok": bool(out.stdout.strip()), "error": out.stderr.strip(), **sections}
    return memo(host, "mysql-catalog", read)



def expect_databases(host, settings, *services: str) -> None:
    """Fail the check unless the databases of these services (from mysql.databases) exist."""
    from stacklab.grading.markers import expect

    found = catalog(host)
    expect(found["ok"], found=f"MariaDB could not be read as root: {found['error']}")
    missing = [d for d in settings.mysql.databases
               if d.startswith(services) and d not in found["databases"]]
    expect(not missing, found="missing: " + ", ".join(missing))

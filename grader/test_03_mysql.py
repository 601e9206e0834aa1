"""Lab 3, MySQL (MariaDB today): tutorial §3 "Install MySQL"."""

import re

from stacklab.grading import check, expect
from stacklab.grading.resources import mysql, system


def _databases_of(settings, *prefixes):
    return [d for d in settings.mysql.databases if d.startswith(prefixes)]


@check(points=3, title="MariaDB listens on all addresses (port {s.mysql.port})",
       hint="tutorial §3: bind-address = {s.mysql.bind_address} (on Debian/Ubuntu in "
            "/etc/mysql/mariadb.conf.d/50-server.cnf), then `systemctl restart mariadb`")
def test_mariadb_listens_on_all_addresses(host, settings):
    port, wanted = settings.mysql.port, str(settings.mysql.bind_address)
    found = system.listeners_on(host, port)
    good = [s for s in found if s.on_all_addresses or s.address == wanted]
    expect(good, found=system.describe_listeners(found, port))


@check(points=2, title="root@'%' is granted all privileges",
       hint="tutorial §3: mysql -u root -p -e \"GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' "
            "WITH GRANT OPTION;\"")
def test_root_is_granted_from_anywhere(host, settings):
    catalog = mysql.catalog(host)
    expect(catalog["ok"], found=f"MariaDB could not be read as root: {catalog['error']}")
    expect("root@%" in catalog["users"],
           found="no account root@'%' (accounts: " + ", ".join(catalog["users"]) + ")")
    grants = [re.sub(r"IDENTIFIED BY PASSWORD '[^']*'\s*", "", g) for g in catalog["grants"]]
    expect(any(re.match(r"GRANT ALL PRIVILEGES ON \*\.\* TO [`']root[`']@[`']%[`']", g)
               for g in grants), found="root@'%' has: " + ("; ".join(grants) or "no grants"))


@check(points=3, title="root logs in over the lab network with the tutorial's password",
       hint="tutorial §3: GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION; "
            "SET PASSWORD FOR 'root'@'%' to mysql.root_password of the settings; and MariaDB "
            "must listen on the lab address",
       needs=("03.mariadb_listens_on_all_addresses", "03.root_is_granted_from_anywhere"))
def test_root_logs_in_from_the_lab_network(host, settings):
    login = mysql.network_login(host, str(settings.network.public.address),
                                settings.mysql.port, "root", settings.mysql.root_password)
    expect(login.ok, found=f"login as root to {settings.network.public.address}:"
                           f"{settings.mysql.port} failed: {login.detail}")


@check(points=2, title="the database nova exists",
       hint="tutorial §3: `mysqladmin -u root -p create nova`")
def test_nova_database_exists(host, settings):
    catalog = mysql.catalog(host)
    expect(catalog["ok"], found=f"MariaDB could not be read as root: {catalog['error']}")
    expect(settings.mysql.database in catalog["databases"],
           found="databases: " + ", ".join(catalog["databases"]))

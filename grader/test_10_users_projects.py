"""Lab 10, users and projects: tutorial §10 (nova-manage user/project → Keystone)."""

import re

from stacklab.grading import check, expect
from stacklab.grading.resources import rcfile, services, system


@check(points=2, title="the project exists",
       hint="tutorial §10 `nova-manage project create`: openstack project create "
            "{s.identity.project}",
       needs=("05.admin_logs_in_to_keystone",))
def test_project_exists(cloud, settings):
    expect(cloud.named("projects", settings.identity.project),
           found="projects: " + ", ".join(p["name"] for p in cloud.items("projects")))


@check(points=2, title="the user exists",
       hint="tutorial §10 `nova-manage user create`: openstack user create --password-prompt "
            "{s.identity.user}",
       needs=("05.admin_logs_in_to_keystone",))
def test_user_exists(cloud, settings):
    expect(cloud.named("users", settings.identity.user),
           found="users: " + ", ".join(u["name"] for u in cloud.items("users")))


@check(points=2, title="the user has the tutorial's role on the project",
       hint="tutorial §10 `nova-manage role add`: openstack role create "
            "{s.identity.role}; openstack role add --project {s.identity.project} --user "
            "{s.identity.user} {s.identity.role}",
       needs=("10.project_exists", "10.user_exists"))
def test_user_has_the_role_on_the_project(cloud, settings):
    ident = settings.identity
    users = {u["id"] for u in cloud.named("users", ident.user)}
    projects = {p["id"] for p in cloud.named("projects", ident.project)}
    role_names = {r["id"]: r["name"] for r in cloud.items("roles")}
    held = sorted(role_names.get(a["role_id"], a["role_id"])
                  for a in cloud.items("role_assignments")
                  if a["user_id"] in users and a["project_id"] in projects)
    expect(ident.role in held, found=f"{ident.user} holds on {ident.project}: "
                                     + (", ".join(held) or "no role"))


@check(points=1, title="the tutorial's role implies Keystone's admin role",
       hint="the 2012 {s.identity.role} could do everything: openstack implied role create "
            "{s.identity.role} --implied-role {s.identity.implied_role}",
       needs=("05.admin_logs_in_to_keystone",))
def test_role_implies_admin(cloud, settings):
    ident = settings.identity
    implied = [i for r in cloud.items("role_inferences") if r["prior"] == ident.role
               for i in r["implies"]]
    expect(ident.implied_role in implied,
           found=f"{ident.role} implies: " + (", ".join(implied) or "nothing"))


@check(points=3, title="the user logs in to the project",
       hint="the user's password is identity.password in the settings: openstack user set "
            "--password-prompt {s.identity.user}",
       needs=("10.user_has_the_role_on_the_project",))
def test_user_logs_in(cloud, settings):
    ok, error = cloud.login("user")
    expect(ok, found=f"{settings.identity.user} in {settings.identity.project}: {error}")


@check(points=2, title="the user's rc file (~/{s.identity.rc_file}) logs in as "
                       "{s.identity.user} to {s.identity.project}",
       hint="tutorial §10 novarc: ~/{s.identity.rc_file} with export OS_USERNAME, "
            "OS_PROJECT_NAME, OS_PASSWORD, OS_AUTH_URL={s.keystone_url}/v3, "
            "OS_USER_DOMAIN_NAME, OS_PROJECT_DOMAIN_NAME, OS_IDENTITY_API_VERSION=3; try it: "
            "`. ~/{s.identity.rc_file} && openstack token issue`",
       needs=("05.admin_logs_in_to_keystone", "10.user_logs_in"))
def test_rc_file_is_in_place(host, cloud, settings):
    name = settings.identity.rc_file
    text = system.home_file(host, name)
    expect(text is not None, found=f"~/{name} does not exist")
    values = dict(re.findall(r"^\s*(?:export\s+)?(OS_[A-Z_]+)=[\"']?([^\"'\n]*)", text or "",
                             re.M))
    says = ", ".join(f"{k}={values.get(k, '(unset)')}" for k in ("OS_USERNAME", "OS_PROJECT_NAME"))
    # used as the learner uses it: sourced in a login shell, a token issued with it
    login = rcfile.login(host, name)
    expect(login.ok, found=f"~/{name} ({says}) does not log in: {login.error}")
    user = cloud.by_id("users", login.user_id) or {"name": login.user_id}
    project = cloud.by_id("projects", login.project_id) or {"name": login.project_id}
    expect((user["name"], project["name"]) == (settings.identity.user, settings.identity.project),
           found=f"~/{name} logs in as {user['name']} to project {project['name']}")
    expect(services.reaches_lab(values.get("OS_AUTH_URL"), settings),
           found=f"~/{name}: OS_AUTH_URL={values.get('OS_AUTH_URL', '(unset)')} (it logs in, "
                 "but not at the lab address the tutorial's other machines use)")

"""Lab 12, launch an instance: tutorial §12 (euca-add-keypair, euca-run-instances)."""

from stacklab.grading import check, expect
from stacklab.grading.resources import memo, system


@check(points=1, title="the flavor {s.instance.flavor} is the tutorial's size",
       hint="openstack flavor create --ram {s.instance.flavor_ram_mb} --disk "
            "{s.instance.flavor_disk_gb} --vcpus {s.instance.flavor_vcpus} {s.instance.flavor}",
       needs=("06.compute_api_answers",))
def test_flavor_has_the_tutorial_size(cloud, settings):
    inst = settings.instance
    flavors = cloud.named("flavors", inst.flavor)
    expect(flavors, found=f"no flavor {inst.flavor}")
    f = flavors[0]
    expect((f["ram"], f["disk"], f["vcpus"]) == (inst.flavor_ram_mb, inst.flavor_disk_gb,
                                                 inst.flavor_vcpus),
           found=f"{inst.flavor}: {f['ram']} MB RAM, {f['disk']} GB disk, {f['vcpus']} vCPU")


@check(points=2, title="the user's keypair exists",
       hint="tutorial §12 `euca-add-keypair`: as {s.identity.user}, "
            "openstack keypair create {s.instance.keypair} > ~/{s.instance.private_key}",
       needs=("10.user_logs_in",))
def test_keypair_exists(cloud, settings):
    expect(cloud.named("keypairs", settings.instance.keypair),
           found=f"{settings.identity.user}'s keypairs: "
                 + (", ".join(k["name"] for k in cloud.items("keypairs")) or "none"))


@check(points=2, title="the private key is saved, private, and matches the keypair",
       hint="keep the key the keypair was created with in ~/{s.instance.private_key} and "
            "`chmod 600` it (ssh refuses keys others can read)",
       needs=("12.keypair_exists",))
def test_private_key_matches_the_keypair(host, cloud, settings):
    name = settings.instance.private_key
    mode = memo(host, f"mode:{name}", lambda: host.run('stat -c %%a -- "$HOME"/%s', name))
    expect(mode.rc == 0, found=f"~/{name} does not exist")
    expect(mode.stdout.strip() in ("600", "400"), found=f"~/{name} has mode {mode.stdout.strip()}")
    public = memo(host, f"pub:{name}", lambda: host.run('ssh-keygen -y -f "$HOME"/%s', name))
    expect(public.rc == 0, found=f"~/{name} is not a private key ssh can read")
    pairs = cloud.named("keypairs", settings.instance.keypair)
    expect(pairs, found=f"no keypair {settings.instance.keypair}")
    expect(_blob(public.stdout) == _blob(pairs[0]["public_key"]),
           found=f"~/{name} belongs to another key than the keypair {settings.instance.keypair}")


def _blob(public_key: str) -> str:
    fields = (public_key or "").split()
    return fields[1] if len(fields) > 1 else ""


@check(points=4,
       title="the instance is ACTIVE, {s.instance.flavor}, with the keypair and the image",
       hint="tutorial §12: as {s.identity.user}, openstack server create --flavor "
            "{s.instance.flavor} --image {s.image.name} --key-name {s.instance.keypair} "
            "--network {s.network.fixed.name} {s.instance.name}; if it ends in ERROR, "
            "`openstack server show` gives the fault and /var/log/nova/ the reason",
       needs=("12.flavor_has_the_tutorial_size",
              "12.keypair_exists",
              "11.image_is_active",
              "09.vmnet_has_its_subnet",
              "08.hypervisor_is_registered"))
def test_instance_is_active_as_the_tutorial_says(cloud, settings):
    server = cloud.require_instance()
    # any image of the tutorial's name: a second upload of it is lab 11's to report
    images = {i["id"] for i in cloud.named("images", settings.image.name)}
    problems = []
    if server["status"] != "ACTIVE":
        problems.append(f"status {server['status']}")
    if server["flavor"] != settings.instance.flavor:
        problems.append(f"flavor {server['flavor']}")
    if server["key_name"] != settings.instance.keypair:
        problems.append(f"keypair {server['key_name'] or 'none'}")
    if server["image_id"] not in images:
        problems.append("image " + (server["image_id"] or "none (booted from a volume?)")
                        + f", not {settings.image.name}")
    expect(not problems, found=f"{server['name']}: " + ", ".join(problems))


@check(points=1, title="the instance runs on this compute host",
       hint="nova-compute must be up (lab 9's smileys) for the scheduler to pick it",
       needs=("12.instance_is_active_as_the_tutorial_says",
              "04.host_is_named_as_in_the_tutorial"))
def test_instance_runs_on_the_compute_host(host, cloud):
    server = cloud.require_instance()
    expect(server["host"] and server["host"] == system.hostname(host),
           found=f"{server['name']} is on {server['host'] or 'no host'}")

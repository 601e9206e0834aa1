"""What `class up` will make, chosen and checked before anything is made: the image, the
flavor (by the settings' minimums), the network, whether floating IPs are needed, and
whether the class fits the project's quotas (one error with the numbers when not)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stacklab.errors import StacklabError
from stacklab.settings.schema import Cloud


@dataclass(frozen=True)
class Plan:
    image: Any
    flavor: Any
    network: Any
    external: Any | None  # where floating IPs come from; None: the hosts need none
    volume_gb: int


def make_plan(conn: Any, cloud: Cloud, cloud_name: str) -> Plan:
    network = pick_network(conn, cloud, cloud_name)
    return Plan(image=pick_image(conn, cloud, cloud_name),
                flavor=pick_flavor(list(conn.compute.flavors(details=True)), cloud,
                                   cloud_name),
                network=network, external=pick_external(conn, cloud, network, cloud_name),
                volume_gb=cloud.volume_size_gb)


def pick_image(conn: Any, cloud: Cloud, cloud_name: str) -> Any:
    image = conn.image.find_image(cloud.image, ignore_missing=True)
    if image is None:
        names = sorted(i.name for i in conn.image.images() if i.name)
        raise StacklabError(f"cloud {cloud_name}: no image '{cloud.image}'",
                            "set cloud.image in the settings to one of: "
                            + (", ".join(names[:15]) or "(the project sees no image)"))
    return image


def pick_flavor(flavors: list[Any], cloud: Cloud, cloud_name: str) -> Any:
    """The named flavor, or the smallest (memory, then vCPUs, then disk) with the minimums."""
    def fits(f: Any) -> bool:
        return (f.ram >= cloud.min_memory_mb and f.vcpus >= cloud.min_vcpus
                and f.disk >= cloud.min_disk_gb)

    need = (f"{cloud.min_memory_mb} MB memory, {cloud.min_vcpus} vCPUs, "
            f"{cloud.min_disk_gb} GB disk")
    fitting = sorted((f for f in flavors if fits(f)), key=lambda f: (f.ram, f.vcpus, f.disk))
    listed = ", ".join(f"{f.name} ({f.ram} MB, {f.vcpus} vCPUs, {f.disk} GB)"
                       for f in fitting[:10])
    if cloud.flavor:
        named = next((f for f in flavors if cloud.flavor in (f.name, f.id)), None)
        if named is None:
            raise StacklabError(f"cloud {cloud_name}: no flavor '{cloud.flavor}'",
                                f"flavors with {need}: {listed or 'none'}")
        if not fits(named):
            raise StacklabError(f"cloud {cloud_name}: flavor {named.name} ({named.ram} MB, "
                                f"{named.vcpus} vCPUs, {named.disk} GB) is below the "
                                f"settings' minimum of {need}",
                                f"flavors that fit: {listed or 'none'}")
        return named
    if not fitting:
        largest = sorted(flavors, key=lambda f: (f.ram, f.vcpus, f.disk))[-3:]
        raise StacklabError(f"cloud {cloud_name}: no flavor has {need}",
                            "the largest: " + (", ".join(
                                f"{f.name} ({f.ram} MB, {f.vcpus} vCPUs, {f.disk} GB)"
                                for f in reversed(largest)) or "none")
                            + "; lower cloud.min_memory_mb / min_vcpus / min_disk_gb in "
                            "the settings only if the labs still fit")
    return fitting[0]


def pick_network(conn: Any, cloud: Cloud, cloud_name: str) -> Any:
    networks = list(conn.network.networks())
    if cloud.network:
        found = [n for n in networks if cloud.network in (n.name, n.id)]
    else:
        own = [n for n in networks if n.project_id == conn.current_project_id]
        found = own or [n for n in networks if not n.is_router_external]
    if len(found) != 1:
        names = ", ".join(sorted(n.name for n in networks)) or "none"
        what = f"no network '{cloud.network}'" if cloud.network and not found else (
            f"{len(found)} networks could hold the hosts" if found else "no project network")
        raise StacklabError(f"cloud {cloud_name}: {what}",
                            f"set cloud.network in the settings (networks: {names})")
    return found[0]


def pick_external(conn: Any, cloud: Cloud, network: Any, cloud_name: str) -> Any | None:
    if cloud.floating_ip == "never" or (cloud.floating_ip == "auto"
                                        and network.is_router_external):
        return None
    externals = [n for n in conn.network.networks(is_router_external=True)]
    if cloud.external_network:
        externals = [n for n in externals if cloud.external_network in (n.name, n.id)]
    if len(externals) != 1:
        raise StacklabError(f"cloud {cloud_name}: {len(externals)} external networks "
                            "could give the floating IPs",
                            "set cloud.external_network in the settings, or "
                            "cloud.floating_ip: never when the hosts are reachable as they are")
    return externals[0]


def check_quota(conn: Any, plan: Plan, count: int) -> None:
    """One error naming every quota the class does not fit, with the numbers."""
    needs: list[tuple[str, int, int, int]] = []  # what, needed, limit, used
    compute = conn.compute.get_limits().absolute
    needs += [("instances", count, compute.instances, compute.instances_used),
              ("vCPUs", count * plan.flavor.vcpus, compute.total_cores,
               compute.total_cores_used),
              ("RAM (MB)", count * plan.flavor.ram, compute.total_ram, compute.total_ram_used)]
    volume = conn.block_storage.get_limits().absolute
    needs += [("volumes", count, volume.max_total_volumes, volume.total_volumes_used),
              ("volume GB", count * plan.volume_gb, volume.max_total_volume_gigabytes,
               volume.total_gigabytes_used)]
    network = conn.network.get_quota(conn.current_project_id, details=True)
    needs.append(("ports", count, *_limit_used(network.ports)))
    if plan.external is not None:
        needs.append(("floating IPs", count, *_limit_used(network.floating_ips)))
    short = [f"{what}: needs {need}, {max(limit - used, 0)} free (limit {limit}, {used} used)"
             for what, need, limit, used in needs
             if limit is not None and limit >= 0 and need > limit - (used or 0)]
    if short:
        raise StacklabError(f"the class of {count} does not fit the project's quotas: "
                            + "; ".join(short),
                            "ask the cloud's operators for more, or start fewer hosts "
                            "(--count, or a shorter student file)")


def _limit_used(entry: Any) -> tuple[int, int]:
    if isinstance(entry, dict):
        return int(entry.get("limit", -1)), int(entry.get("used", 0)) + int(
            entry.get("reserved", 0))
    return int(entry), 0

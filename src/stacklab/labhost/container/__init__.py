"""The container lab host: the box booted with systemd-nspawn, the tutorial's networks in
network namespaces of its own, a loop-backed /dev/sdb, SSH through a loopback port.

    from stacklab.labhost import container
    target = container.up(name="slh-test", ssh_port=2499, record=False)
    ...
    container.down(name="slh-test")
"""

from stacklab.labhost.container.lifecycle import down, exists, up
from stacklab.labhost.container.naming import DEFAULT_NAME, NAME_ENV, Names, default_name

__all__ = ["DEFAULT_NAME", "NAME_ENV", "Names", "default_name", "down", "exists", "up"]

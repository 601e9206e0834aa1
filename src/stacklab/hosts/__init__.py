"""Lab hosts: how to name one and how to reach it. Everything that talks to a host
(graders, solutions, notebooks, the container's readiness probe) goes through here.

    target     Target: which host (URL, the lab state `stacklab up` wrote, the Vagrant VM)
    transport  Connection: connect, run, run with stdin, stream, upload (SSH or this machine)
    session    HostSession: one long-lived command runner on an SSH host (notebook cells)
    hostkeys   which SSH host key a host must show (pinned, known_hosts, --accept-new)
    errors     HostUnreachable: the one family of "cannot reach the host" errors
    backend    a testinfra backend on a Connection (the graders' `host`)
    shell      shell text every way of running commands puts first
"""

from stacklab.hosts.target import Target, default_target

__all__ = ["Target", "default_target"]

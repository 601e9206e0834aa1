"""The reference solution of labs 3–14 as idempotent steps, and the engine that runs them.

    catalog    the steps (solutions/steps/*.yaml) rendered for a host: load(settings)
    kinds      the shapes of a step (packages, ini, file, services, keystone, run, wait)
    rendering  jinja2 over the settings and the OS profile
    profile    the OS profiles (solutions/profiles/*.yaml)
    runner     check → apply → poll the check; stops at the first failure
    transport  a step's bash script on a stacklab.hosts connection (SSH or this machine)
    log        the full record of a run, under the state folder
    credentials  the rc files a step sources first (admin, project)
    dryrun     the commands a run would use, printed
"""

from stacklab.solve.catalog import load
from stacklab.solve.credentials import rc_files
from stacklab.solve.model import LabSolution, Outcome, Step

__all__ = ["LabSolution", "Outcome", "Step", "load", "rc_files"]

"""Values derived from the settings are computed once, on the settings model, and every
text uses them: the lab texts and the solutions, rendered for both guest image sources,
ssh into the guest as the login user the settings derive (the CirrOS image has its own),
never as the raw `image.login_user` of the other source."""

from __future__ import annotations

import re

import pytest

from stacklab import paths
from stacklab.catalog import LABS
from stacklab.notebooks.labtext import Directive, Prose
from stacklab.notebooks.labtext import load as load_lab_text
from stacklab.settings import load_settings
from stacklab.solve.catalog import load as load_solutions


def logins(text: str, address: str) -> list[str]:
    """The users of every `user@address` in `text`."""
    return re.findall(rf"([A-Za-z_][\w.-]*)@{re.escape(address)}\b", text)


@pytest.mark.parametrize("source", ["offline", "cirros"])
def test_every_ssh_into_the_guest_names_the_derived_login_user(source):
    settings = load_settings(environ={"STACKLAB__IMAGE__SOURCE": source})
    guest = str(settings.network.floating.first_ip)
    lab_texts = [block.text if isinstance(block, Prose) else block.body
                 for lab in LABS
                 for block in load_lab_text(paths.kit_root(), lab, settings.as_dict())
                 if isinstance(block, Prose | Directive)]
    solutions = [repr(step) for solution in load_solutions(settings) for step in solution.steps]
    for where, texts in (("lab texts", lab_texts), ("solutions", solutions)):
        users = [user for text in texts for user in logins(text, guest)]
        assert users, f"the {where} never ssh into the guest at {guest}"
        assert set(users) == {settings.login_user}, (where, source, sorted(set(users)))


def test_the_login_user_follows_the_image_source():
    offline = load_settings(environ={"STACKLAB__IMAGE__SOURCE": "offline"})
    cirros = load_settings(environ={"STACKLAB__IMAGE__SOURCE": "cirros"})
    assert offline.login_user == offline.image.login_user
    assert cirros.login_user == cirros.image.cirros.login_user != cirros.image.login_user
    assert cirros.as_dict()["login_user"] == cirros.login_user  # the texts' name for it

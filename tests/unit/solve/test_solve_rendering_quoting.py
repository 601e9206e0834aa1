"""Settings values reach shell commands only as safe words: the renderer refuses shell
syntax by key, and the `sh` filter quotes free text."""

from __future__ import annotations

import subprocess

import pytest

from stacklab.errors import StacklabError
from stacklab.settings import load_settings
from stacklab.solve.catalog import load
from stacklab.solve.profile import load_profile
from stacklab.solve.rendering import ENV, context


def with_value(section: str, key: str, value):
    s = load_settings()
    part = getattr(s, section).model_copy(update={key: value})
    return s.model_copy(update={section: part})


@pytest.mark.parametrize(("section", "key", "value"), [
    ("mysql", "database", "nova; rm -rf /"),
    ("mysql", "database", "$(reboot)"),
    ("identity", "project", "aims proj"),
    ("identity", "password", "it's"),
    ("rabbitmq", "password", "a`b`"),
    ("instance", "security_group", "default\"x"),
    ("volume", "zone", "nova\nreboot"),
])
def test_shell_syntax_in_a_value_stops_rendering_naming_the_key(section, key, value):
    # past the schema (model_copy does not validate): the renderer is the second guard
    settings = with_value(section, key, value)
    with pytest.raises(StacklabError, match=rf"settings: {section}\.{key} holds"):
        context(settings, load_profile(settings.host.os), ssh_user="vagrant")


def test_the_default_settings_render_every_step():
    for provider in ("vagrant", "container"):
        assert sum(len(s.steps) for s in load(load_settings(provider), ssh_user="vagrant"))


@pytest.mark.parametrize("text", ["a b", "it's", "$(reboot)", "x;y", "`id`", "\"\\\n"])
def test_the_sh_filter_passes_any_text_as_one_word(text):
    script = ENV.from_string("printf %s {{ value | sh }}").render(value=text)
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout == text

"""The lab text format: settings through Jinja2, directives, and clear errors."""

from __future__ import annotations

import pytest

from stacklab.catalog import lab
from stacklab.notebooks.labtext import Directive, LabTextError, Prose, parse, render


def test_directives_are_split_from_prose_with_options_and_body():
    text = ("Intro\n\n```{step} 03-packages\n:given:\n```\n\nMiddle\n\n"
            "```{vm}\n:rc: admin\n:timeout: 60\nhostname\nid\n```\n")
    blocks = parse(text, where="x.md")
    assert blocks == [
        Prose("Intro"),
        Directive("step", "03-packages", {"given": "true"}, "", 3),
        Prose("Middle"),
        Directive("vm", "", {"rc": "admin", "timeout": "60"}, "hostname\nid", 9),
    ]


def test_a_directive_inside_an_ordinary_code_fence_stays_text():
    text = "````markdown\n```{step} 03-x\n```\n````\n"
    assert parse(text, where="x.md") == [Prose(text.rstrip("\n"))]


def test_an_unknown_directive_names_its_line():
    with pytest.raises(LabTextError, match=r"x.md:3: unknown directive \{stpe\}"):
        parse("a\n\n```{stpe} 03-x\n```\n", where="x.md")


def test_an_unclosed_directive_is_an_error():
    with pytest.raises(LabTextError, match="not closed"):
        parse("```{vm}\nhostname\n", where="x.md")


def test_values_come_from_the_settings_and_a_typo_is_an_error():
    values = {"network": {"public": {"address": "192.0.2.7"}}}
    out = render("at {{ network.public.address }} in lab {{ lab.number }}", lab=lab(3),
                 values=values, where="x.md")
    assert out == "at 192.0.2.7 in lab 3"
    with pytest.raises(LabTextError, match=r"x\.md: .*adress"):
        render("{{ network.public.adress }}", lab=lab(3), values=values, where="x.md")

"""Rendering step data with the settings: jinja2 over settings.as_dict() (the sections and
the values derived from them) and the OS profile.

A string that is one whole ``{{ expression }}`` becomes the expression's value (a list, a
mapping, a number), so a step can take e.g. its services from the profile; any other
string is rendered as a template. Unknown names are errors, never empty strings.

Settings values are pasted into shell commands, SQL, URLs and INI files. The schema
allows only names, addresses, numbers and passwords of safe characters in them
(settings/schema.py); :func:`context` checks the raw values again before any step is
rendered (the derived ones are built from them; project_security_group is a shell snippet
on purpose), so a value that would be read as shell syntax (a quote, ';', '$', '`', a
newline …) stops the run with the key's name instead of being pasted. A step that must
pass free text to a shell uses the ``sh`` filter (``{{ value | sh }}``: quoted as one word).
"""

from __future__ import annotations

import re
import shlex
from typing import Any

import jinja2

from stacklab.errors import StacklabError
from stacklab.settings import Settings
from stacklab.settings.derived import TEMPLATE_METHODS
from stacklab.solve.profile import Profile

WHOLE_EXPRESSION = re.compile(r"^\{\{(?P<expr>(?:(?!\{\{|\}\}).)*)\}\}$", re.DOTALL)

ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                         autoescape=False)
ENV.filters["sh"] = lambda value: shlex.quote(str(value))

# Characters that a shell, SQL string or INI file would read as syntax, not as data.
SHELL_SYNTAX = re.compile(r"[\s'\"`$\\;&|<>(){}*?!#%@,\[\]]")
NOT_PASTED = ("kinds", "boxes")  # read by the Vagrantfile only, never by a step


def context(settings: Settings, profile: Profile, *, ssh_user: str) -> dict[str, Any]:
    """Everything a step may name: the settings' sections and derived values (computed
    fields, settings/derived.py), the derived helpers that take an argument, ``profile``
    and ``ssh_user``. Nothing is worked out here: a derived value lives on the settings."""
    refuse_shell_syntax(settings.raw_dict())
    return {
        **settings.as_dict(),
        **{name: getattr(settings, name) for name in TEMPLATE_METHODS},
        "profile": profile.as_dict(),
        "ssh_user": ssh_user,
    }


def refuse_shell_syntax(values: Any, key: str = "") -> None:
    """Stop with the key's name when a settings value would be read as shell syntax."""
    if isinstance(values, dict):
        for name, value in values.items():
            if not key and name in NOT_PASTED:
                continue
            refuse_shell_syntax(value, f"{key}.{name}" if key else str(name))
    elif isinstance(values, list):
        for i, value in enumerate(values):
            refuse_shell_syntax(value, f"{key}.{i}")
    elif isinstance(values, str):
        found = SHELL_SYNTAX.search(values)  # '/' and ':' (paths, URLs, CIDRs) are data
        if found and not _url(key, values):
            raise StacklabError(f"settings: {key} holds {found.group()!r}, which the solutions "
                                "would paste into a shell command",
                                "use letters, digits and _ . - only in names")


def _url(key: str, value: str) -> bool:
    # cirros URLs may hold '%' escapes; they are pasted inside single quotes
    return key.startswith("image.cirros.") and value.startswith(("http://", "https://")) \
        and "'" not in value


def render(value: Any, ctx: dict[str, Any], *, where: str = "") -> Any:
    """Render strings inside ``value`` (recursively) with ``ctx``."""
    if isinstance(value, str):
        return render_string(value, ctx, where=where)
    if isinstance(value, list):
        out = [render(v, ctx, where=where) for v in value]
        return [v for v in out if v not in ("", None)]  # an `{% if %}` item may vanish
    if isinstance(value, dict):
        return {render_string(str(k), ctx, where=where): render(v, ctx, where=where)
                for k, v in value.items()}
    return value


def render_string(text: str, ctx: dict[str, Any], *, where: str = "") -> Any:
    try:
        whole = WHOLE_EXPRESSION.match(text.strip())
        if whole:
            return _defined(ENV.compile_expression(whole.group("expr"),
                                                   undefined_to_none=False)(**ctx))
        if "{" not in text:
            return text
        return ENV.from_string(text).render(**ctx)
    except jinja2.TemplateError as exc:
        raise StacklabError(f"solutions: {where}: cannot render '{_short(text)}': {exc}",
                            "fix the step file or the setting it names") from None


def evaluate(expression: str, ctx: dict[str, Any], *, where: str = "") -> Any:
    """A bare jinja expression (a step's ``when``) evaluated to a value."""
    try:
        return _defined(ENV.compile_expression(expression, undefined_to_none=False)(**ctx))
    except jinja2.TemplateError as exc:
        raise StacklabError(f"solutions: {where}: cannot evaluate 'when: {expression}': {exc}",
                            "fix the step file") from None


def _defined(value: Any) -> Any:
    if isinstance(value, jinja2.Undefined):
        value._fail_with_undefined_error()  # raises UndefinedError naming what is missing
    return value


def _short(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line[:60] + ("…" if len(line) > 60 or "\n" in text.strip() else "")

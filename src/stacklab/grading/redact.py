"""Keep secrets out of every report: passwords, private keys, tokens.

Checks are written never to print a secret; this is the safety net applied to every text
a report carries. The tutorial's passwords are short common words ('nova' is also a
database and a service name), so they cannot be blanked wherever they appear: secrets are
removed where they sit (URL credentials, password=…, PEM blocks, tokens), and any secret
of the settings that is long enough to be unambiguous is blanked everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "*****"
MIN_LITERAL = 6  # shorter secrets are only removed in the places above

_PATTERNS = [
    # scheme://user:password@host
    (re.compile(r"(?P<pre>[A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s]*:)[^@\s/]+(?=@)"), r"\g<pre>"),
    # password = x, OS_PASSWORD=x, "password": "x", admin_pass: x, secret=x, token: x
    (re.compile(r"(?ix)(?P<pre>\b[\w.-]*(?:passw(?:or)?d|_pass|secret|token|credential)"
                r"[\w.-]*[\"']?\s*[:=]\s*[\"']?)(?!\*{5})(?!(?:true|false|yes|no)\b)"
                r"[^\s\"',;}]+"), r"\g<pre>"),
    # mysql -pSECRET / --password=SECRET
    (re.compile(r"(?P<pre>(?<![\w-])-p)(?!\s)\S+"), r"\g<pre>"),
    # IDENTIFIED BY 'x', PASSWORD('x')
    (re.compile(r"(?i)(?P<pre>identified\s+by\s+(?:password\s+)?['\"])[^'\"]*"), r"\g<pre>"),
    (re.compile(r"(?i)(?P<pre>password\s*\(\s*['\"])[^'\"]*"), r"\g<pre>"),
    # X-Auth-Token: …, Fernet tokens (gAAAA…)
    (re.compile(r"\bgAAAAA[A-Za-z0-9_\-=]{20,}"), ""),
]
_PEM = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE "
                  r"KEY-----|\Z)", re.S)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """The text with every secret it may hold replaced by *****."""
    if not text:
        return text
    out = _PEM.sub("[private key removed]", text)
    for pattern, keep in _PATTERNS:
        out = pattern.sub(lambda m, keep=keep: m.expand(keep) + MASK, out)
    for secret in sorted({s for s in secrets if s and len(s) >= MIN_LITERAL}, key=len,
                         reverse=True):
        out = out.replace(secret, MASK)
    return out


def settings_secrets(settings) -> list[str]:
    """Every password and secret the settings hold."""
    s = settings
    return [s.openstack.admin_password, s.openstack.service_password,
            s.openstack.metadata_secret, s.mysql.root_password, s.mysql.service_password,
            s.rabbitmq.password, s.identity.password]

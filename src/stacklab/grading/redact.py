"""Keep secrets out of every report, log and message: passwords, private keys, tokens.

The kit builds its texts without secrets (commands carry them on stdin or in 0600 files);
this module is the last line of defence, applied to every text a report, a solve log or an
error line carries. Two passes:

1. By value: every secret the settings hold (see :func:`register`, done by the settings
   loader) and any the caller names. A secret of 8 characters or more is masked wherever
   it appears. A shorter one may also be an ordinary word (the tutorial's passwords are all
   'nova', also a database, a service and a zone name), so it is masked only where it
   stands as a value: in quotes, right after '=' or ':', as an option's argument
   (``-pX``, ``--os-password X``), between ':' and '@' of a URL, or as a whole line.
   Masking 'nova' in "database nova" or "nova-compute" would make reports unreadable,
   and those places do not hold a password.
2. By place, for secrets the kit does not know: URL credentials, ``password = …``,
   ``--password X``, ``mysql -pX``, ``IDENTIFIED BY '…'``, Fernet tokens, PEM keys.

Quoted values are masked up to their closing quote (a password may hold ';', '}', '@'
or spaces); unquoted ones up to the next white space.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "*****"
MIN_ANYWHERE = 8  # secrets this long are masked wherever they appear

_known: set[str] = set()

_SECRET_WORD = r"(?:passw(?:or)?d|_pass|pass_|secret|token|credential)"
# Not a value: already masked, a boolean, or a placeholder such as <rabbitmq.password>
_NOT_A_VALUE = r"(?!\*{5})(?!(?:true|false|yes|no|none|null)\b)(?!<)"
# A solve step's id starts with its lab's two digits (03-mysql.root-password): a name
_NOT_A_STEP = r"(?!\d\d-)"
# Keys and options that name a secret but do not hold one: --password-prompt,
# password_hash_algorithm, token_expiration, OS_PASSWORD_FILE, auth_type = password
_NOT_A_SECRET_KEY = "".join(rf"(?<![-_]{w})" for w in (
    "prompt", "file", "type", "algorithm", "expiration", "rounds", "length", "lifetime",
    "provider", "format", "policy", "url", "uri"))

_PATTERNS = [
    # scheme://user:password@host (the password may not hold '@', or the URL is ambiguous)
    re.compile(r"(?P<pre>[A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s]*:)(?P<q>)(?!<)(?P<v>[^@\s/]+)"
               r"(?=@)"),
    # password = x, OS_PASSWORD=x, "password": "x", admin_pass: x, secret=x, token: x; the
    # key is a whole word, and not a solve step's id ("03-mysql.root-password: Root password"
    # is a step and its title)
    re.compile(r"(?ix)(?P<pre>(?<![\w.-])" + _NOT_A_STEP + r"[\w.-]*" + _SECRET_WORD
               + r"[\w.-]*" + _NOT_A_SECRET_KEY + r"[\"']?\s*[:=]\s*)"
               + _NOT_A_VALUE + r"(?:(?P<q>['\"])(?P<qv>(?:\\.|(?!(?P=q)).)*)(?P=q)|"
               r"(?P<v>[^\s\"']\S*))"),
    # --password X, --os-password 'X', --bootstrap-password=X, --db-secret X
    re.compile(r"(?ix)(?P<pre>(?<![\w-])--?[\w-]*" + _SECRET_WORD + r"[\w-]*"
               + _NOT_A_SECRET_KEY + r"(?:\s+|=))"
               + r"(?!-)" + _NOT_A_VALUE + r"(?:(?P<q>['\"])(?P<qv>(?:\\.|(?!(?P=q)).)*)(?P=q)|"
               r"(?P<v>\S+))"),
    # mysql -pSECRET, mysql -p'SECRET' (the -p of mysql only: ssh -p2222 is a port)
    re.compile(r"(?i)(?P<pre>\b(?:mysql|mariadb|mysqladmin|mysqldump)\b[^\n]*?(?<!\S)-p)"
               r"(?![\s*])(?:(?P<q>['\"])(?P<qv>(?:\\.|(?!(?P=q)).)*)(?P=q)|(?P<v>\S+))"),
    # IDENTIFIED BY 'x', PASSWORD('x')
    re.compile(r"(?i)(?P<pre>identified\s+(?:by|with\s+\w+\s+by)\s+(?:password\s+)?)"
               r"(?P<q>['\"])(?P<qv>(?:''|\\.|(?!(?P=q)).)*)(?P=q)"),
    re.compile(r"(?i)(?P<pre>\bpassword\s*\(\s*)(?P<q>['\"])(?P<qv>(?:''|\\.|(?!(?P=q)).)*)"
               r"(?P=q)"),
    # Fernet tokens (gAAAA…), X-Auth-Token values
    re.compile(r"(?P<pre>)(?P<q>)(?P<v>\bgAAAAA[A-Za-z0-9_\-=]{20,})"),
]
_PEM = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE "
                  r"KEY-----|\Z)", re.S)


def register(secrets: Iterable[str]) -> None:
    """Remember secrets for every later call (the settings loader registers its own)."""
    _known.update(s for s in secrets if isinstance(s, str) and s)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """The text with every secret it may hold replaced by *****."""
    if not text:
        return text
    out = _PEM.sub("[private key removed]", text)
    wanted = _known.union(s for s in secrets if s)
    # longest first, so that a secret holding another is masked whole
    for secret in sorted(wanted, key=lambda s: (-len(s), s)):
        if secret not in out:
            continue
        if len(secret) >= MIN_ANYWHERE:
            out = out.replace(secret, MASK)
        else:
            out = _mask_where_a_value(out, secret)
    for pattern in _PATTERNS:
        out = pattern.sub(_mask_value, out)
    return out


def secret_places(text: str) -> list[tuple[int, int]]:
    """(start, end) of each value pass 2 would mask by its place (a URL's password,
    ``password = …``, ``-pX``, ``IDENTIFIED BY '…'``, a Fernet token), in order, merged where
    two places overlap: for tools that must swap a secret for a placeholder of their own."""
    spans = []
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            group = "qv" if "qv" in pattern.groupindex and match.group("qv") is not None else "v"
            if match.group(group):
                spans.append(match.span(group))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _mask_value(match: re.Match) -> str:
    quote = match.group("q") or ""
    return match.group("pre") + quote + MASK + quote


_QUOTES = "'\"`"
_ENDS = set(" \t\r\n,;)]}&@" + _QUOTES)
_AFTER_OPTION = re.compile(r"(?:(?<![\w-])-p[ \t]?|(?<![\w-])--?[\w-]*" + _SECRET_WORD
                           + r"[\w-]*" + _NOT_A_SECRET_KEY + r"[ \t]+)$", re.I)
# key = value where the key names something that is not a secret: the tutorial's
# 'nova' is also the user, database and zone name (username = nova is not a password)
_NAME_KEY = re.compile(r"(?i)(?:^|[^\w.-])(?:[\w.-]*[_.-])?(?:user|username|user_name|name|"
                       r"project|project_name|database|db|dbname|zone|availability_zone|host|"
                       r"hostname|region|region_name|service|role|flavor|group|volume_group|"
                       r"keypair|network|subnet|router|vhost|queue|exchange|binary)"
                       r"[\"']?[ \t]*[=:][ \t]*$")


def _mask_where_a_value(text: str, secret: str) -> str:
    """Mask each place where a short secret stands as a value (see the module's doc)."""
    out, done, at = [], 0, text.find(secret)
    while at != -1:
        end = at + len(secret)
        if _stands_as_a_value(text, secret, at, end):
            out += [text[done:at], MASK]
            done = end
            at = text.find(secret, end)
        else:
            at = text.find(secret, at + 1)
    return "".join(out) + text[done:]


def _stands_as_a_value(text: str, secret: str, at: int, end: int) -> bool:
    after = text[end:end + 1]
    if after and after not in _ENDS:
        return False  # part of a longer word: 'nova' in 'nova_api', 'nova.conf'
    before = text[max(0, at - 80):at]
    quote = before[-1:]
    if quote and quote in _QUOTES and after == quote:
        return True  # 'nova', "nova"
    if before.rstrip(" \t")[-1:] in ("=", ":"):
        if after == "@" and before.endswith(":"):
            return True  # user:nova@host
        if _NAME_KEY.search(before):
            return False
        # password='nova': the quoted value wins (the quotes stay, as above)
        quoted = text[at:at + 1] in _QUOTES and text[at + 1:at + 1 + len(secret)] == secret \
            and text[at + 1 + len(secret):at + 2 + len(secret)] in tuple(_QUOTES)
        return not quoted
    if "-" in before and _AFTER_OPTION.search(before):
        return True  # -pnova, --os-password nova
    line_start = before.rfind("\n") + 1
    line_end = text.find("\n", end)
    rest = text[end:] if line_end == -1 else text[end:line_end]
    whole_line = not before[line_start:].strip(" \t") and not rest.strip(" \t")
    return whole_line and (line_start > 0 or at - len(before) == 0)


def settings_secrets(settings) -> list[str]:
    """Every password and secret the settings hold."""
    s = settings
    return [s.openstack.admin_password, s.openstack.service_password,
            s.openstack.metadata_secret, s.mysql.root_password, s.mysql.service_password,
            s.rabbitmq.password, s.identity.password]

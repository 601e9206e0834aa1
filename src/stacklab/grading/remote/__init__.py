"""Scripts that run ON the lab host (fed to `python3 -` over stdin, with their settings).

They import nothing from stacklab: the lab host has only its own Python and packages.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
# How the lab host runs them. Graders only read: no cache under the home (openstacksdk and
# keystoneauth would use $XDG_CACHE_HOME) and no bytecode left behind.
PYTHON = "env XDG_CACHE_HOME=/dev/null PYTHONDONTWRITEBYTECODE=1 python3 -"


def program(name: str, config: dict) -> str:
    """The source to feed to `python3 -`: the script, then a call with its config.

    The config (which holds passwords) travels inside stdin, never on a command line.
    """
    source = (HERE / f"{name}.py").read_text()
    return f"{source}\n\nif __name__ == '__main__':\n    main({json.dumps(config)!r})\n"

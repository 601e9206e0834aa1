"""Shell text that every way of running commands on a lab host puts before them."""

from __future__ import annotations

# Root on a host without sudo (a bare container, a kernel on the host, `solve --local`): run
# sudo'd commands as they are, dropping sudo's options. One line, so that a notebook cell
# whose prelude shares its first line keeps bash's line numbers those of the cell.
SUDO_SHIM = ('if [ "$(id -u)" = 0 ] && ! command -v sudo >/dev/null 2>&1; then '
             'sudo() { while [ "${1#-}" != "$1" ]; do shift; done; "$@"; }; fi')
# The same for text that bash runs (notebook cells): bash's $EUID saves a fork and an exec
# of id(1) per cell.
BASH_SUDO_SHIM = SUDO_SHIM.replace('"$(id -u)"', '"$EUID"')

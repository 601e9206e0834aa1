#!/usr/bin/env bash
# The newcomer stage: the README's two commands on a machine that has only what the README
# asks for. A minimal Debian 13 root (debootstrap minbase with python3, python3-venv, git
# and ca-certificates, nothing else), this repository cloned inside it, then in a container
# on that root, as root and WITHOUT CI set:
#   1. `pip install tox` (in a venv: Debian's python3 refuses system-wide pip installs);
#   2. `tox` must pass: tests that need what this machine lacks skip, naming the package;
#   3. `tox -e lab` must stop at doctor's verdict, clearly, naming the packages to install.
#
#     sudo .ci/newcomer.sh     # clones this checkout's HEAD: commit what you want tested
#
# The root is cached under /var/cache/stacklab/newcomer, keyed by suite, packages and mirror
# (about a minute to make once), and so are pip's downloads; each run works on an overlay of
# it that is removed at the end. pip reaches the registry as this machine does: its
# certificate bundle is bound in read-only (PIP_CERT, SSL_CERT_FILE) and its pip settings
# copied (see ../shared/ENVIRONMENT.md). PID 1 here may not be systemd: the container runs
# with --register=no --keep-unit. Budget: 8 minutes with the root cached; measured
# 1304 s on a 2-core build machine shared by 8 sessions (load 13-15): the notebook tests
# took 818 s of it, installs into tox's environments 290 s.
set -euo pipefail
KIT="$(cd "$(dirname "$0")/.." && pwd)"
SUITE=trixie
PACKAGES="python3,python3-venv,git,ca-certificates"
MIRROR="${STACKLAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
CACHE="${STACKLAB_NEWCOMER_CACHE:-/var/cache/stacklab/newcomer}"
KEY="$(printf '%s minbase %s %s\n' "$SUITE" "$PACKAGES" "$MIRROR" | sha256sum | cut -c1-12)"
BASE="$CACHE/root-$KEY"
BUDGET=480
started=$(date +%s)
say() { printf '\n=== newcomer: %s (%s s)\n' "$1" "$(( $(date +%s) - started ))"; }
die() { printf 'newcomer: %s\n' "$1" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run it as root (debootstrap, mounts, systemd-nspawn)"
for need in debootstrap:debootstrap systemd-nspawn:systemd-container git:git; do
  command -v "${need%%:*}" >/dev/null || die "${need%%:*} is missing: apt-get install ${need#*:}"
done

mkdir -p "$CACHE/pip"
if [ ! -e "$BASE.complete" ]; then
  say "making the minimal Debian 13 root ($PACKAGES), cached for the next runs"
  rm -rf "$BASE.part"
  debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$BASE.part" "$MIRROR" \
    >"$CACHE/debootstrap.log" 2>&1 || { tail -20 "$CACHE/debootstrap.log"; die "debootstrap failed"; }
  rm -rf "$BASE"
  mv "$BASE.part" "$BASE"
  touch "$BASE.complete"
fi

WORK="$(mktemp -d /var/tmp/stacklab-newcomer.XXXXXX)"
ROOT="$WORK/root"
cleanup() {
  umount "$ROOT" 2>/dev/null || umount -l "$ROOT" 2>/dev/null || true
  # overlayfs may hold its work folder a moment after a lazy unmount
  for _ in 1 2 3 4 5; do rm -rf "$WORK" 2>/dev/null && break; sleep 1; done
}
trap cleanup EXIT
mkdir -p "$WORK/upper" "$WORK/work" "$ROOT"
mount -t overlay overlay -o "lowerdir=$BASE,upperdir=$WORK/upper,workdir=$WORK/work" "$ROOT"

say "cloning $(git -C "$KIT" rev-parse --short HEAD) into the root"
git clone -q "$KIT" "$ROOT/srv/stacklab"

# This machine's pip settings (`pip config list`): the certificate bundle bound in, the
# other settings copied into the container's /etc/pip.conf, local folders they name bound
# in read-only.
ARGS=()
while IFS= read -r arg; do ARGS+=("$arg"); done < <(python3 - "$ROOT" <<'EOF'
import os, re, subprocess, sys
root = sys.argv[1]
try:
    listed = subprocess.run([sys.executable, "-m", "pip", "config", "list"], text=True,
                            capture_output=True, check=False).stdout
except OSError:
    listed = ""
settings = {}
for line in listed.splitlines():
    m = re.match(r"^(global|install|:env:)\.([\w-]+)='(.*)'$", line)
    if m:
        settings[m.group(2)] = m.group(3)
cert = settings.pop("cert", None) or os.environ.get("PIP_CERT")
if cert and os.path.isfile(cert):
    inside = "/etc/ssl/certs/build-machine-bundle.pem"
    print(f"--bind-ro={cert}:{inside}")
    print(f"--setenv=PIP_CERT={inside}")
    print(f"--setenv=SSL_CERT_FILE={inside}")
bound = set()
for value in settings.values():
    for word in value.split():
        path = word.removeprefix("file://").rstrip("/")
        if os.path.basename(path) == "simple":  # a local index: its pages link to ../files
            path = os.path.dirname(path)
        if path.startswith("/") and os.path.exists(path) and path not in bound:
            bound.add(path)
            print(f"--bind-ro={path}")
with open(os.path.join(root, "etc/pip.conf"), "w") as conf:
    conf.write("[global]\n" + "".join(f"{k} = {v}\n" for k, v in settings.items()))
EOF
)

cat >"$ROOT/srv/newcomer-inside.sh" <<'EOF'
#!/bin/bash
# what the newcomer types, following the README (CI is not set in here)
set -uo pipefail
export HOME=/root LANG=C.UTF-8 PATH=/opt/tox/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
unset CI
cd /srv/stacklab
step() { printf '\n=== newcomer: %s\n' "$1"; }
step "pip install tox"
python3 -m venv /opt/tox && pip install -q tox || exit 10
step "tox (must pass, with skips)"
tox 2>&1 | tee /srv/tox.log
[ "${PIPESTATUS[0]}" = 0 ] || { echo "newcomer: tox FAILED on a fresh clone"; exit 11; }
grep -E '^stacklab: ' /srv/tox.log || true
step "tox -e lab (must stop at doctor's verdict, naming the packages)"
COLUMNS=200 tox -e lab >/srv/lab.log 2>&1
lab=$?
cat /srv/lab.log
[ "$lab" != 0 ] || { echo "newcomer: tox -e lab passed on a machine with no provider"; exit 12; }
grep -q "The lab cannot start yet" /srv/lab.log || { echo "newcomer: no doctor verdict"; exit 13; }
for package in systemd-container debootstrap iproute2 vagrant; do
  grep -q "$package" /srv/lab.log || { echo "newcomer: doctor did not name $package"; exit 14; }
done
! grep -q Traceback /srv/lab.log || { echo "newcomer: a traceback in tox -e lab"; exit 15; }
echo "newcomer: tox passed; tox -e lab stopped at doctor's verdict, naming the packages"
EOF
chmod +x "$ROOT/srv/newcomer-inside.sh"

say "in the container: pip install tox, tox, tox -e lab"
set +e
systemd-nspawn --quiet --register=no --keep-unit --as-pid2 -D "$ROOT" \
  --bind="$CACHE/pip:/root/.cache/pip" "${ARGS[@]}" /srv/newcomer-inside.sh
rc=$?
set -e
took=$(( $(date +%s) - started ))
if [ "$rc" = 0 ]; then
  echo "newcomer: PASSED in $took s (budget $BUDGET s)"
else
  echo "newcomer: FAILED (exit $rc) after $took s"
fi
[ "$took" -le "$BUDGET" ] || echo "newcomer: over its budget of $BUDGET s: make it faster"
exit "$rc"

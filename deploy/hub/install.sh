#!/usr/bin/env bash
# A JupyterHub for one class on one machine (deploy/README.md):
#
#   sudo deploy/hub/install.sh [PREFIX]            (default /opt/gdwidgets-hub)
#
# installs into PREFIX, readable by every user: a Python environment with JupyterHub,
# JupyterLab, torch (the CPU build), gdwidgets with nbgrader, the idle culler and
# NativeAuthenticator; configurable-http-proxy from npm; nbgrader's exchange settings; and,
# readable by root alone, the teacher's part (the homework's solutions) if one is given.
# Environment:
#   PYTHON             an interpreter every user can run (default /usr/bin/python3; a Python
#                      under /root cannot be, since other users cannot enter /root)
#   GDWIDGETS          what to install as gdwidgets (default "gdwidgets[homework]"; a wheel
#                      file works: "/path/gdwidgets-0.1.0-py3-none-any.whl[homework]")
#   GDWIDGETS_TEACHER  the teacher's part, e.g. ./teacher or a gdwidgets_teacher wheel
#                      (default: none; install it later with this variable set)
#   NBGRADER_EXCHANGE  the exchange folder to create (default /srv/nbgrader/exchange)
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"  # useradd, runuser
HERE=$(cd "$(dirname "$0")" && pwd)
PREFIX=${1:-/opt/gdwidgets-hub}
PY=${PYTHON:-/usr/bin/python3}
GDWIDGETS=${GDWIDGETS:-gdwidgets[homework]}
EXCHANGE=${NBGRADER_EXCHANGE:-/srv/nbgrader/exchange}
TORCH="torch==2.13.0+cpu"
TORCH_CPU_INDEX=https://download.pytorch.org/whl/cpu

say() { printf '[gdwidgets hub] %s\n' "$*"; }
die() { printf '[gdwidgets hub] error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root: the hub starts every student's server as that student"
command -v npm >/dev/null || die "npm is needed for configurable-http-proxy (apt-get install npm)"
runuser -u nobody -- "$PY" -c pass 2>/dev/null \
    || die "PYTHON=$PY cannot be run by other users; use one outside /root, e.g. /usr/bin/python3"
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 10))' || die "$PY is older than Python 3.10"

umask 022
say "environment in $PREFIX (from $PY)"
[ -x "$PREFIX/bin/python" ] || "$PY" -m venv "$PREFIX"
pip=("$PREFIX/bin/python" -m pip install -q --disable-pip-version-check)
# torch first, the CPU build: PyPI's torch for Linux x86_64 is the CUDA build (several GB).
# A short timeout, so that a machine which finds the wheel elsewhere waits seconds.
"${pip[@]}" --extra-index-url "$TORCH_CPU_INDEX" --timeout 10 --retries 1 "$TORCH"
"${pip[@]}" -r "$HERE/requirements.txt" "$GDWIDGETS"

say "configurable-http-proxy (npm)"
npm install --prefix "$PREFIX/share/proxy" --no-audit --no-fund --silent configurable-http-proxy
ln -sf "$PREFIX/share/proxy/node_modules/.bin/configurable-http-proxy" "$PREFIX/bin/"

say "students' servers: nbgrader's Assignment List only (no teacher tools)"
for ext in formgrader create-assignment course-list; do
    "$PREFIX/bin/jupyter" labextension disable --level=sys_prefix "@jupyter/nbgrader:$ext" \
        >/dev/null 2>&1 || die "could not turn off nbgrader's $ext for students"
done
"$PREFIX/bin/jupyter" server extension disable --sys-prefix \
    nbgrader.server_extensions.formgrader >/dev/null 2>&1 \
    || die "could not turn off nbgrader's formgrader for students"
mkdir -p "$PREFIX/etc/jupyter" "$PREFIX/etc/jupyterhub"
cp "$HERE/nbgrader_config.py" "$PREFIX/etc/jupyter/nbgrader_config.py"
cp "$HERE/jupyterhub_config.py" "$PREFIX/etc/jupyterhub/jupyterhub_config.py"
mkdir -p "$EXCHANGE" && chmod 1777 "$EXCHANGE"  # nbgrader's exchange: everyone writes

say "new students' homes: /etc/skel and the lessons (gdwidgets-lessons/)"
rm -rf "$PREFIX/share/skel" && mkdir -p "$PREFIX/share/skel"
cp -a /etc/skel/. "$PREFIX/share/skel/" 2>/dev/null || true
"$PREFIX/bin/gdwidgets" lessons "$PREFIX/share/skel/gdwidgets-lessons" >/dev/null

if [ -n "${GDWIDGETS_TEACHER:-}" ]; then
    say "the teacher's part in $PREFIX/teacher (root only: it holds the solutions)"
    mkdir -p "$PREFIX/teacher" && chmod 700 "$PREFIX/teacher"
    "${pip[@]}" --no-deps --upgrade --target "$PREFIX/teacher" "$GDWIDGETS_TEACHER"
fi

say "done. Start the hub (as root):"
say "  $PREFIX/bin/jupyterhub -f $PREFIX/etc/jupyterhub/jupyterhub_config.py"
say "The course directory, with the solutions, for the instructor (as root):"
say "  PYTHONPATH=$PREFIX/teacher $PREFIX/bin/gdwidgets homework --teacher /home/INSTRUCTOR/course"

"""A JupyterHub for one class on one machine (deploy/README.md), run as root from the
environment deploy/hub/install.sh made:

    PREFIX/bin/jupyterhub -f PREFIX/etc/jupyterhub/jupyterhub_config.py

- **Students** sign up on the hub's login page; an instructor approves them at
  ``/hub/authorize`` (NativeAuthenticator: no external service). Each student is a Unix
  user, created on their first start with a home of their own (mode 0700) that holds the
  lessons (``gdwidgets-lessons/``), because nbgrader's exchange tells students apart by
  their Unix user.
- **Servers** run this environment's ``jupyterhub-singleuser`` (JupyterLab, gdwidgets, torch)
  as the student; idle ones are stopped by ``jupyterhub-idle-culler``.
- **Memory** is not limited: the local spawner cannot enforce a limit. Plan it from the
  measured footprint (docs/deploy.md), or use Kubernetes (deploy/k8s/).

Settings come from the environment, with defaults for a teacher's server:

=============================  ===============================================================
``GDWIDGETS_HUB_URL``           where the hub listens (``http://127.0.0.1:8000``; put a TLS
                                proxy in front, or listen on ``https://`` with
                                ``c.JupyterHub.ssl_cert``/``ssl_key``)
``GDWIDGETS_HUB_PORT``          the hub's internal API port (8081)
``GDWIDGETS_HUB_PROXY_PORT``    the proxy's API port (8001)
``GDWIDGETS_HUB_STATE``         the hub's database, cookie secret, proxy pid
                                (``/srv/gdwidgets-hub``)
``GDWIDGETS_HUB_ADMINS``        instructors, comma-separated (``instructor``)
``GDWIDGETS_HUB_HOMES``         where students' homes are created (``/home``)
``GDWIDGETS_HUB_CREATE_USERS``  ``0`` to require existing Unix users (``1``)
``GDWIDGETS_HUB_CULL_AFTER``    seconds idle before a server is stopped (3600)
``GDWIDGETS_HUB_SERVICE_TOKEN`` an admin token for scripts (none); benchmarks/classroom.py
                                creates students and starts servers with it
``NBGRADER_EXCHANGE``           nbgrader's exchange folder (``/srv/nbgrader/exchange``)
=============================  ===============================================================
"""

import os
import pwd
import random
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import nativeauthenticator

c = get_config()  # noqa: F821 - provided by JupyterHub

env = os.environ.get
state = Path(env("GDWIDGETS_HUB_STATE", "/srv/gdwidgets-hub"))
state.mkdir(mode=0o700, parents=True, exist_ok=True)
bin_dir = Path(sys.prefix) / "bin"  # the environment install.sh made

c.JupyterHub.bind_url = env("GDWIDGETS_HUB_URL", "http://127.0.0.1:8000")
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(env("GDWIDGETS_HUB_PORT", "8081"))
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{env('GDWIDGETS_HUB_PROXY_PORT', '8001')}"
c.ConfigurableHTTPProxy.command = [str(bin_dir / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every student's server

# --- who may log in: students sign up, an instructor approves them -------------------------
c.JupyterHub.authenticator_class = "nativeauthenticator.NativeAuthenticator"
c.JupyterHub.template_paths = [str(Path(nativeauthenticator.__file__).parent / "templates")]
c.NativeAuthenticator.open_signup = False  # approval at /hub/authorize
c.NativeAuthenticator.allow_all = True  # every approved student (approval is the gate)
c.NativeAuthenticator.check_common_password = True
c.NativeAuthenticator.minimum_password_length = 8
c.Authenticator.admin_users = {a.strip() for a in env("GDWIDGETS_HUB_ADMINS",
                                                      "instructor").split(",") if a.strip()}
# a Unix user name: lower case, no dots; the hook below refuses system accounts
USERNAME = r"[a-z][a-z0-9_-]{0,31}"
c.Authenticator.username_pattern = f"^{USERNAME}$"

# --- each student's server: this environment, as the student -------------------------------
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(bin_dir / "jupyterhub-singleuser")]
c.Spawner.ip = "127.0.0.1"
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.environment = {"NBGRADER_EXCHANGE": env("NBGRADER_EXCHANGE",
                                                  "/srv/nbgrader/exchange")}
c.Spawner.start_timeout = 600  # a class starting at once on a few cores
c.Spawner.http_timeout = 600
c.Spawner.mem_limit = "1G"  # shown to the server as MEM_LIMIT; not enforced (see above)

PEOPLE = range(1000, 60001)  # Debian's uids for people (/etc/login.defs); others: system


def unix_user(spawner) -> None:
    """Check, or create, the student's Unix user before their server starts."""
    name = spawner.user.name
    if not re.fullmatch(USERNAME, name):
        raise ValueError(f"user name {name!r}: not a name this hub gives to a Unix user")
    try:
        account = pwd.getpwnam(name)
    except KeyError:
        if env("GDWIDGETS_HUB_CREATE_USERS", "1") != "1":
            raise ValueError(f"user {name!r} has no Unix account on this machine") from None
        home = Path(env("GDWIDGETS_HUB_HOMES", "/home")) / name
        useradd = shutil.which("useradd", path="/usr/sbin:/sbin:/usr/bin:/bin") or "useradd"
        skel = Path(sys.prefix) / "share" / "skel"  # /etc/skel and the lessons (install.sh)
        subprocess.run([useradd, "--create-home", "--home-dir", str(home), "--user-group",
                        "--shell", "/bin/bash", "--key", "HOME_MODE=0700",
                        *(["--skel", str(skel)] if skel.is_dir() else []), name], check=True)
        return
    if account.pw_uid not in PEOPLE:
        raise ValueError(f"user {name!r} is a system account (uid {account.pw_uid}): "
                         "it cannot start a server")


# Each server's port comes from a range below the kernel's (Linux's ephemeral ports,
# 32768-60999, where every kernel binds five ZeroMQ ports): a port picked from that range
# could be taken by a classmate's kernel before the server binds it.
SERVER_PORTS = range(20000, 30000)
_given: dict[int, float] = {}  # port -> when it was given (not reused for ten minutes)


def server_port() -> int:
    """A port of SERVER_PORTS that is free now and was not given lately."""
    now = time.monotonic()
    for port in random.sample(SERVER_PORTS, len(SERVER_PORTS)):
        if now - _given.get(port, -1e9) < 600:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        _given[port] = now
        return port
    raise RuntimeError("no free port for a server in 20000-29999")


def before_start(spawner) -> None:
    unix_user(spawner)
    spawner.port = server_port()


c.Spawner.pre_spawn_hook = before_start

# --- services: the idle culler, and an admin token for scripts -------------------------------
cull_after = int(env("GDWIDGETS_HUB_CULL_AFTER", "3600"))
c.JupyterHub.services = [{"name": "idle-culler", "command": [
    sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={cull_after}"]}]
c.JupyterHub.load_roles = [{
    "name": "idle-culler", "services": ["idle-culler"],
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]}]
if env("GDWIDGETS_HUB_SERVICE_TOKEN"):
    c.JupyterHub.services.append({"name": "classroom",
                                  "api_token": env("GDWIDGETS_HUB_SERVICE_TOKEN")})
    c.JupyterHub.load_roles.append({
        "name": "classroom", "services": ["classroom"],
        "scopes": ["admin:users", "admin:servers", "access:servers", "tokens", "list:users"]})

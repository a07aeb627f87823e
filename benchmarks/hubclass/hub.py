"""The hub of one run: installed with deploy/hub/install.sh (or an existing environment
reused), started on 127.0.0.1 with free ports in its own process group, stopped at the end,
and driven through its REST API with an admin service token."""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "hub"


def free_port() -> int:
    """A port free on 127.0.0.1 now (the hub takes it a moment later)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def install(prefix: Path, gdwidgets: str, teacher: str, exchange: Path, log: Path) -> float:
    """deploy/hub/install.sh into ``prefix``; returns the seconds it took."""
    start = time.monotonic()
    env = {**os.environ, "GDWIDGETS": gdwidgets, "GDWIDGETS_TEACHER": teacher,
           "NBGRADER_EXCHANGE": str(exchange)}
    with log.open("ab") as out:
        subprocess.run(["bash", str(DEPLOY / "install.sh"), str(prefix)], env=env,
                       stdout=out, stderr=subprocess.STDOUT, check=True, timeout=1800)
    return time.monotonic() - start


@dataclass
class Hub:
    """A running hub: its environment, state folder, ports and admin token."""

    prefix: Path
    state: Path
    homes: Path
    exchange: Path
    admins: str
    token: str = ""
    url: str = ""
    process: subprocess.Popen | None = None

    def start(self, log: Path, timeout: float = 120) -> None:
        self.token = secrets.token_hex(32)
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        env = {"PATH": f"{self.prefix / 'bin'}:/usr/bin:/bin", "LANG": "C.UTF-8",
               "HOME": str(self.state), "GDWIDGETS_HUB_URL": self.url,
               "GDWIDGETS_HUB_PORT": str(free_port()),
               "GDWIDGETS_HUB_PROXY_PORT": str(free_port()),
               "GDWIDGETS_HUB_STATE": str(self.state), "GDWIDGETS_HUB_HOMES": str(self.homes),
               "GDWIDGETS_HUB_ADMINS": self.admins, "GDWIDGETS_HUB_SERVICE_TOKEN": self.token,
               "NBGRADER_EXCHANGE": str(self.exchange)}
        config = self.prefix / "etc" / "jupyterhub" / "jupyterhub_config.py"
        self.process = subprocess.Popen(
            [str(self.prefix / "bin" / "jupyterhub"), "-f", str(config)], env=env,
            cwd=self.state, stdout=log.open("ab"), stderr=subprocess.STDOUT,
            start_new_session=True)  # its own process group, stopped as one
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.process.poll() is not None:
                raise RuntimeError(f"the hub exited with {self.process.returncode}; see {log}")
            try:
                asyncio.run(self.api("GET", "/hub/api/"))
                return
            except (OSError, HTTPClientError):
                time.sleep(0.5)
        raise RuntimeError(f"the hub did not answer in {timeout:.0f} s; see {log}")

    def stop(self, grace: float = 30) -> None:
        """SIGTERM to the hub's process group (the hub stops the students' servers), then
        SIGKILL to the group after ``grace`` seconds."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def group_alive(self) -> bool:
        """Whether any process of the hub's process group still runs."""
        if self.process is None:
            return False
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return False
        return True

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}

    async def api(self, method: str, path: str, body: Any = None,
                  timeout: float = 600) -> Any:
        """One hub API call; the decoded JSON answer (None when empty)."""
        data = None if body is None else json.dumps(body)
        if method == "POST" and data is None:
            data = ""
        response = await AsyncHTTPClient().fetch(HTTPRequest(
            self.url + path, method=method, body=data, headers=self.headers,
            request_timeout=timeout))
        return json.loads(response.body) if response.body else None

    async def start_server(self, name: str, timeout: float = 900) -> None:
        """Create the hub user ``name`` and start their server; wait until it is ready."""
        await self.api("POST", f"/hub/api/users/{name}")
        await self.api("POST", f"/hub/api/users/{name}/server")
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            model = await self.api("GET", f"/hub/api/users/{name}")
            server = model.get("servers", {}).get("")
            if server and server.get("ready"):
                return
            if not server or not server.get("pending"):
                if server is None and model.get("pending") is None:
                    raise RuntimeError(f"{name}'s server stopped while starting")
            await asyncio.sleep(0.5)
        raise RuntimeError(f"{name}'s server was not ready in {timeout:.0f} s")

    async def refuses(self, name: str) -> bool:
        """Whether the hub refuses to start a server for ``name`` (e.g. a system account
        such as ``daemon``); the hub user is deleted again either way."""
        await self.api("POST", f"/hub/api/users/{name}")
        try:
            await self.api("POST", f"/hub/api/users/{name}/server", timeout=60)
            refused = False
        except HTTPClientError:
            refused = True
        if not refused:
            await self.api("DELETE", f"/hub/api/users/{name}/server", timeout=60)
        await self.api("DELETE", f"/hub/api/users/{name}")
        return refused

    async def sign_up_and_log_in(self, name: str, password: str) -> tuple[int, int]:
        """NativeAuthenticator's forms, as a browser fills them: the status of the sign-up
        (200) and of the log-in (302: on to the hub)."""
        cookies: dict[str, str] = {}
        codes = []
        for page, form in (("signup", {"signup_password": password,
                                       "signup_password_confirmation": password}),
                           ("login", {"password": password})):
            answer = await self._form(f"/hub/{page}", None, cookies)
            xsrf = re.search(r'name="_xsrf" value="([^"]+)"', answer.body.decode())
            body = urlencode({"_xsrf": xsrf.group(1) if xsrf else "", "username": name,
                              **form})
            codes.append((await self._form(f"/hub/{page}", body, cookies)).code)
        return codes[0], codes[1]

    async def _form(self, path: str, body: str | None, cookies: dict[str, str]):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
        answer = await AsyncHTTPClient().fetch(HTTPRequest(
            self.url + path, method="GET" if body is None else "POST", body=body,
            headers=headers, follow_redirects=False, request_timeout=120), raise_error=False)
        for header in answer.headers.get_list("Set-Cookie"):
            key, _, rest = header.partition("=")
            cookies[key.strip()] = rest.split(";", 1)[0]
        return answer

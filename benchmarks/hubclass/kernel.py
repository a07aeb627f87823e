"""A kernel of a single-user server, driven the way JupyterLab drives it: started through
the server's REST API, then code and widget updates sent over its websocket."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
MAX_RECONNECTS = 3


class KernelError(RuntimeError):
    """A cell raised, or the kernel did not answer in time."""


@dataclass
class Reply:
    """What one request produced: printed text, widget views shown, and an error if any."""

    stdout: str = ""
    views: int = 0
    error: str = ""


@dataclass
class _Pending:
    """A request in flight: done when the kernel is idle again and, for code, has replied."""

    done: asyncio.Future
    needs_reply: bool
    reply: Reply = field(default_factory=Reply)
    idle: bool = False
    replied: bool = False

    def finish(self) -> None:
        if not self.done.done():
            self.done.set_result(None)


@dataclass
class Kernel:
    """One kernel, reached through ``base`` (``http://host:port/user/NAME/``)."""

    base: str
    headers: dict[str, str]
    kernel_id: str = ""
    models: dict[str, dict[str, Any]] = field(default_factory=dict)  # comm id -> widget state
    first_view: float | None = None  # time.monotonic() of the first widget shown
    _ws: Any = None
    _waiting: dict[str, _Pending] = field(default_factory=dict)
    reconnects: int = 0  # websocket drops (the server closes one that misses its pings)
    _reader: asyncio.Task | None = None
    _timeout: float = 60.0
    _session: str = field(default_factory=lambda: uuid.uuid4().hex)

    async def start(self, timeout: float) -> None:
        http = AsyncHTTPClient()
        body = json.dumps({"name": "python3", "path": ""})
        response = await http.fetch(HTTPRequest(
            self.base + "api/kernels", method="POST", body=body, headers=self.headers,
            request_timeout=timeout))
        self.kernel_id = json.loads(response.body)["id"]
        self._timeout = timeout
        await self._connect()
        self._reader = asyncio.create_task(self._read())

    async def _connect(self) -> None:
        """The websocket; the same session again after a drop, as JupyterLab reconnects
        (the server keeps the kernel's messages for a session while it is away)."""
        url = (self.base.replace("http", "ws", 1) + f"api/kernels/{self.kernel_id}/channels"
               f"?session_id={self._session}")
        self._ws = await websocket_connect(HTTPRequest(url, headers=self.headers,
                                                       request_timeout=self._timeout),
                                           max_message_size=64 * 2**20)

    async def execute(self, code: str, timeout: float) -> Reply:
        """Run ``code``; raise :class:`KernelError` if it raises."""
        reply = await self._request("execute_request", {
            "code": code, "silent": False, "store_history": True, "user_expressions": {},
            "allow_stdin": False, "stop_on_error": True}, timeout)
        if reply.error:
            raise KernelError(reply.error)
        return reply

    async def update(self, comm_id: str, state: dict[str, Any], timeout: float) -> Reply:
        """Set widget state as the front end does when a control moves."""
        return await self._request("comm_msg", {"comm_id": comm_id, "data": {
            "method": "update", "state": state, "buffer_paths": []}}, timeout)

    async def stop(self) -> None:
        if self._reader:
            self._reader.cancel()
        if self._ws is not None:
            self._ws.close()
        if self.kernel_id:
            await AsyncHTTPClient().fetch(HTTPRequest(
                self.base + f"api/kernels/{self.kernel_id}", method="DELETE",
                headers=self.headers), raise_error=False)

    async def _request(self, msg_type: str, content: dict, timeout: float) -> Reply:
        msg_id = uuid.uuid4().hex
        pending = _Pending(asyncio.get_running_loop().create_future(),
                           needs_reply=msg_type == "execute_request")
        self._waiting[msg_id] = pending
        header = {"msg_id": msg_id, "msg_type": msg_type, "session": self._session,
                  "username": "student", "version": "5.3",
                  "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        await self._ws.write_message(json.dumps({
            "header": header, "parent_header": {}, "metadata": {}, "content": content,
            "channel": "shell", "buffers": []}))
        try:
            await asyncio.wait_for(pending.done, timeout)
        except asyncio.TimeoutError:
            raise KernelError(f"{msg_type}: no answer in {timeout:.0f} s") from None
        finally:
            self._waiting.pop(msg_id, None)
        return pending.reply

    async def _read(self) -> None:
        while True:
            while (text := await self._ws.read_message()) is not None:
                if isinstance(text, str):  # binary frames: widget buffers, not needed here
                    self._take(json.loads(text))
            why = f"code {self._ws.close_code}, {self._ws.close_reason!r}"
            if self.reconnects >= MAX_RECONNECTS:
                break
            self.reconnects += 1
            try:
                await self._connect()
            except Exception as e:  # noqa: BLE001 - reported below
                why += f"; reconnecting: {type(e).__name__}: {e}"
                break
        for pending in self._waiting.values():
            pending.reply.error = pending.reply.error or f"the kernel's websocket closed ({why})"
            pending.finish()

    def _take(self, msg: dict) -> None:
        kind, content = msg["header"]["msg_type"], msg["content"]
        if kind == "comm_open" and content.get("target_name") == "jupyter.widget":
            self.models[content["comm_id"]] = content["data"].get("state", {})
        pending = self._waiting.get(msg.get("parent_header", {}).get("msg_id"))
        if pending is None:
            return
        reply = pending.reply
        if kind == "stream" and content.get("name") == "stdout":
            reply.stdout += content["text"]
        elif kind in ("display_data", "execute_result") and WIDGET_VIEW in content["data"]:
            reply.views += 1
            self.first_view = self.first_view or time.monotonic()
        elif kind == "error":
            reply.error = f"{content['ename']}: {content['evalue']}"
        elif kind == "execute_reply":
            pending.replied = True
            if content.get("status") == "error" and not reply.error:
                reply.error = f"{content.get('ename')}: {content.get('evalue')}"
        elif kind == "status" and content["execution_state"] == "idle":
            pending.idle = True
        if pending.idle and (pending.replied or not pending.needs_reply):
            pending.finish()

    def slider(self, description: str) -> tuple[str, dict[str, Any]]:
        """The first slider widget whose label is ``description``: (comm id, state)."""
        for comm_id, state in self.models.items():
            if state.get("_model_name", "").endswith("SliderModel") and \
                    state.get("description") == description:
                return comm_id, state
        raise KernelError(f"no slider labelled {description!r} among "
                          f"{len(self.models)} widgets")

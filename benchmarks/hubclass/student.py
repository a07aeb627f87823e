"""One student of the class: their server started through the hub, a lesson run cell by
cell in a kernel, the learning-rate slider moved, memory read from ``/proc``; later the
homework fetched, answered and submitted through nbgrader's Assignment List API."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tornado.httpclient import AsyncHTTPClient, HTTPRequest

from .hub import Hub
from .kernel import Kernel

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from procmem import Memory, memory  # noqa: E402  (benchmarks/procmem.py)

# what a student's kernel finds out about itself, and what it can read of others' files
PROBE = """
import importlib.util as _u, json as _j, os as _o, sys as _s
def _reads(path):
    try:
        _o.listdir(path)
        return True
    except OSError:
        return False
print(_j.dumps({"pid": _o.getpid(), "server": _o.getppid(), "uid": _o.getuid(),
                "prefix": _s.prefix, "teacher": _u.find_spec("gdwidgets_teacher") is not None,
                "reads": {p: _reads(p) for p in PATHS},
                "lessons": sorted(_o.listdir(_o.path.expanduser("~/gdwidgets-lessons")))}))
"""
CELL_TIMEOUT = 900.0  # 30 lessons at once on two cores: slow, not stuck
LR_SLIDER = "learning rate"  # RegressionWidget's control (the lesson runs in English)


@dataclass
class Student:
    """One student's run and what was measured."""

    name: str
    ttfw: float | None = None  # seconds from "start my server" to the first widget shown
    kernel: Memory | None = None
    server: Memory | None = None
    growth: dict[int, float] = field(default_factory=dict)  # change -> kernel USS (MB)
    changes: int = 0
    error: str = ""
    submitted: bool = False
    reconnects: int = 0  # the kernel's websocket dropped and was opened again
    facts: dict = field(default_factory=dict)  # PROBE's answer, and the server's command

    def row(self) -> dict:
        return {"name": self.name, "ttfw": self.ttfw, "changes": self.changes,
                "kernel": vars(self.kernel) if self.kernel else None,
                "server": vars(self.server) if self.server else None,
                "growth": self.growth, "submitted": self.submitted, "error": self.error,
                "reconnects": self.reconnects,
                "facts": self.facts}


def code_cells(lesson: Path) -> list[str]:
    nb = json.loads(lesson.read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


async def attend(hub: Hub, student: Student, lesson: Path, changes: int,
                 growth_at: tuple[int, ...] = (), private: tuple[str, ...] = ()) -> Kernel:
    """Start the server, run the lesson's code cells in a kernel (the new home has the
    lesson too, in ``gdwidgets-lessons/``: the probe lists it), move the slider ``changes``
    times; errors are recorded on the student, not raised (the class goes on). The kernel
    is left running
    (the caller reads the machine's memory with every lesson open, then stops it).
    ``private``: folders the student must not be able to read (checked from the kernel)."""
    base = f"{hub.url}/user/{student.name}/"
    kernel = Kernel(base, hub.headers)
    try:
        start = time.monotonic()
        await hub.start_server(student.name)
        await kernel.start(CELL_TIMEOUT)
        for code in code_cells(lesson):
            await kernel.execute(code, CELL_TIMEOUT)
        if kernel.first_view is None:
            raise RuntimeError(f"{lesson.name} showed no widget")
        student.ttfw = kernel.first_view - start
        probe = await kernel.execute(PROBE.replace("PATHS", repr(private)), 60)
        student.facts = json.loads(probe.stdout)
        kernel_pid, server_pid = student.facts["pid"], student.facts["server"]
        student.facts["server_cmd"] = Path(f"/proc/{server_pid}/cmdline").read_text(
            ).split("\0")[:3]
        comm_id, state = kernel.slider(LR_SLIDER)
        values = _two_values(state)
        for change in range(1, changes + 1):
            await kernel.update(comm_id, {"value": values[change % 2]}, CELL_TIMEOUT)
            student.changes = change
            if change in growth_at:
                await kernel.execute("import gc; gc.collect()", 60)
                student.growth[change] = memory(kernel_pid).uss
        student.kernel, student.server = memory(kernel_pid), memory(server_pid)
    except Exception as e:  # noqa: BLE001 - reported in the table
        student.error = f"{type(e).__name__}: {e}"[:300]
    student.reconnects = kernel.reconnects
    return kernel


def _two_values(state: dict) -> tuple[float, float]:
    """Two learning rates the slider allows (its value and half of it)."""
    value = float(state["value"])
    return value, value / 2


async def _put(base: str, path: str, notebook: dict, headers: dict[str, str]) -> None:
    body = json.dumps({"type": "notebook", "format": "json", "content": notebook})
    await AsyncHTTPClient().fetch(HTTPRequest(base + f"api/contents/{path}", method="PUT",
                                              body=body, headers=headers,
                                              request_timeout=CELL_TIMEOUT))


async def _get(base: str, path: str, headers: dict[str, str]) -> dict:
    response = await AsyncHTTPClient().fetch(HTTPRequest(
        base + f"api/contents/{path}?content=1", headers=headers,
        request_timeout=CELL_TIMEOUT))
    return json.loads(response.body)["content"]


async def do_homework(hub: Hub, student: Student, assignment: str, course: str,
                      answers: dict[str, str] | None) -> None:
    """Fetch ``assignment``, put ``answers`` (grade id -> code) in its solution cells (None:
    hand it in blank), and submit: the Assignment List's own API, as the student."""
    base = f"{hub.url}/user/{student.name}/"
    form = json.dumps({"course_id": course, "assignment_id": assignment})
    try:
        for action in ("fetch", "submit"):
            if action == "submit" and answers is not None:
                path = f"{assignment}/{assignment}.ipynb"
                nb = await _get(base, path, hub.headers)
                for cell in nb["cells"]:
                    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                    if grade_id in answers:
                        cell["source"] = answers[grade_id]
                await _put(base, path, nb, hub.headers)
            response = await AsyncHTTPClient().fetch(HTTPRequest(
                base + f"assignments/{action}", method="POST", body=form,
                headers={**hub.headers, "Content-Type": "application/json"},
                request_timeout=CELL_TIMEOUT))
            answer = json.loads(response.body)
            if isinstance(answer, dict) and not answer.get("success", True):
                raise RuntimeError(f"{action}: {answer.get('value') or answer}"[:300])
        student.submitted = True
    except Exception as e:  # noqa: BLE001 - reported in the table
        student.error = student.error or f"homework: {type(e).__name__}: {e}"[:300]

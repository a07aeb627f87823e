"""One sandbox's containment from start to clean-up: its uid, its cgroup, its namespaces.

The grader kills only what it started: the namespace's first process (which takes every
process of the namespace with it), the processes of the sandbox's own cgroup, of its own
fresh uid, or (without namespaces) of its own session. Without a PID namespace the grader
is the sandbox's child subreaper while it runs, so the orphans a student's fork chain
leaves come back to it and it reaps them: none waits on an init that reaps slowly or not
at all (a container whose first process is the grader).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .cgroups import Cgroup
from .isolation import NAMESPACES, Isolation
from .uids import UidLease, uid_processes

__all__ = ["Containment"]


def _proc_ids() -> list[int]:
    with contextlib.suppress(OSError):
        return [int(e) for e in os.listdir("/proc") if e.isdigit()]
    return []


def _rss(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
    return total


PR_SET_CHILD_SUBREAPER = 36


def _subreaper(on: bool) -> bool:
    """Make this process the subreaper of its descendants' orphans (Linux); True if so."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0) == 0


def _orphans_of(uid: int) -> list[int]:
    """Zombies owned by ``uid`` whose parent is this process (orphans given back to it)."""
    me, found = os.getpid(), []
    for pid in _proc_ids():
        with contextlib.suppress(OSError, ValueError, IndexError):
            if os.stat(f"/proc/{pid}").st_uid != uid:
                continue
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            if fields[0] == "Z" and int(fields[1]) == me:
                found.append(pid)
    return found


def _session_members(session: int, token: str) -> list[int]:
    """Processes of ``session`` or carrying ``token`` in their environment."""
    found = []
    for pid in _proc_ids():
        with contextlib.suppress(OSError, IndexError, ValueError):
            text = Path(f"/proc/{pid}/stat").read_text()
            if int(text[text.rindex(")") + 2:].split()[3]) == session or \
                    token.encode() in Path(f"/proc/{pid}/environ").read_bytes():
                found.append(pid)
    return [p for p in found if p != os.getpid()]


class Containment:
    """The uid, cgroup, working folder and process tree of one sandbox.

    Parameters
    ----------
    iso : Isolation
        The run's plan.
    memory_mb : float
        Memory of all the sandbox's processes together (cgroup), or of each (rlimit).
    processes : int
        Processes and threads it may hold at once.
    """

    def __init__(self, iso: Isolation, memory_mb: float, processes: int) -> None:
        self.iso, self.memory, self.processes = iso, int(memory_mb * 2**20), processes
        self.token = secrets.token_hex(12)
        self.proc: subprocess.Popen[bytes] | None = None
        self.workdir: Path | None = None
        self._ns = ""
        self._init = 0
        self._reaping = False
        self.lease = UidLease(iso.uids) if iso.uids is not None else None
        self.cgroup: Cgroup | None = None
        if iso.cgroup is not None:
            try:
                self.cgroup = Cgroup(iso.cgroup, f"{iso.token}-{self.token[:8]}", self.memory,
                                     processes)
            except OSError:
                self.release()
                raise

    @property
    def uid(self) -> int | None:
        return self.lease.uid if self.lease is not None else None

    def start(self, argv: list[str], pass_fds: tuple[int, ...], env: dict[str, str]
              ) -> subprocess.Popen[bytes]:
        """Start ``argv`` contained (in its namespaces, or in a fresh folder and session)."""
        command = list(argv)
        cwd = "/"
        if self.iso.namespaces:
            user = ["--user", "--map-root-user"] if self.iso.namespaces == "user" else []
            command = [shutil.which("unshare") or "unshare", *user, *NAMESPACES, "--", *argv]
        else:
            self.workdir = Path(tempfile.mkdtemp(prefix="gdwidgets-grade-"))
            if self.uid is not None:
                os.chown(self.workdir, self.uid, self.uid)
                self._reaping = _subreaper(True)
            cwd = str(self.workdir)
        setpriv = shutil.which("setpriv")
        if setpriv:  # if the grader itself is killed, its sandboxes die with it
            command = [setpriv, "--pdeathsig", "KILL", "--", *command]
        env = {**env, "GDWIDGETS_SANDBOX": self.token}
        self.proc = subprocess.Popen(
            command, pass_fds=pass_fds, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        return self.proc

    def job(self) -> dict[str, Any]:
        """What the sandbox does to itself (as root, before any student code runs)."""
        if self.iso.uids is None and self.iso.namespaces != "user" and self.iso.cgroup is None:
            nproc = len(uid_processes(os.getuid())) + self.processes
        else:
            nproc = self.processes
        return {"uid": self.uid, "gid": self.uid,
                "cgroups": self.cgroup.procs_files if self.cgroup else [],
                "private": bool(self.iso.namespaces), "hide": self.iso.hide,
                "memory": self.memory, "rule": self.iso.memory_rule,
                "nproc": nproc if self.cgroup is None else None,
                "workdir": str(self.workdir) if self.workdir else None}

    # ------------------------------------------------------------------ who is in it

    def _first(self) -> int:
        """Host pid of the namespace's first process (the child of ``unshare``)."""
        if self._init or self.proc is None or not self.iso.namespaces:
            return self._init
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = self.proc.pid
            child = int(Path(f"/proc/{pid}/task/{pid}/children").read_text().split()[0])
            self._ns = os.readlink(f"/proc/{child}/ns/pid")
            self._init = child
        return self._init

    def members(self) -> list[int]:
        """Host pids of every process of the sandbox we can find."""
        if self.cgroup is not None:
            return sorted(self.cgroup.pids())
        if self.iso.namespaces and self._first():
            found = []
            for pid in _proc_ids():
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{pid}/ns/pid") == self._ns:
                        found.append(pid)
            return found
        if self.proc is None:
            return []
        return _session_members(self.proc.pid, self.token)

    def memory_problem(self, limit_mb: float, what: str) -> str:
        """Why the sandbox is over its memory limit, or ''."""
        if self.cgroup is not None:
            if self.cgroup.oom_kills():
                return (f"memory: {what} went over the limit of {limit_mb:g} MB (counted over "
                        "all of the notebook's processes together); the kernel stopped it")
            return ""
        rss = _rss(self.members())
        if rss > self.memory:
            return (f"memory: {what} used {rss / 2**20:.0f} MB (limit {limit_mb:g} MB, "
                    "resident memory of its processes together)")
        return ""

    # ------------------------------------------------------------------ the end

    def _kill_uid(self) -> None:
        """Kill every process of the sandbox's fresh uid (nobody else has it)."""
        uid = self.uid
        if uid is None:
            return
        setpriv = shutil.which("setpriv")
        for _ in range(200):
            if not uid_processes(uid):
                return
            # kill(-1) as that uid: every process of it at once, none can fork meanwhile
            if setpriv:
                subprocess.run([setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                                "--", "kill", "-s", "KILL", "--", "-1"],
                               capture_output=True, check=False)
            else:  # macOS: no util-linux
                subprocess.run([sys.executable, "-I", "-c",
                                "import os, signal; os.kill(-1, signal.SIGKILL)"],
                               user=uid, group=uid, extra_groups=[], capture_output=True,
                               check=False)
            time.sleep(0.02)

    def stop(self) -> None:
        """Kill everything the sandbox started and remove what it left."""
        proc = self.proc
        if proc is not None:
            if self._first():
                with contextlib.suppress(OSError):
                    os.kill(self._init, signal.SIGKILL)  # the namespace goes with it
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=10)  # unshare reaps it, then exits
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                proc.kill()
            if self.cgroup is not None:
                self.cgroup.kill()
            elif not self.iso.namespaces:
                for _ in range(5):  # no better handle: a session and an environment token
                    victims = _session_members(proc.pid, self.token)
                    for pid in victims:
                        with contextlib.suppress(OSError):
                            os.kill(pid, signal.SIGKILL)
                    if not victims:
                        break
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=30)
            if self.iso.namespaces and self._ns:
                end = time.monotonic() + 10
                while self.members() and time.monotonic() < end:
                    time.sleep(0.02)
            self._kill_uid()
            self._reap()
            self.proc = None
        self.release()

    def _reap(self) -> None:
        """Reap the sandbox's orphans given back to this process, then stop being their
        subreaper (the fresh uid is the sandbox's alone, so nothing else is reaped)."""
        if not self._reaping or self.uid is None:
            return
        end = time.monotonic() + 10
        while (orphans := _orphans_of(self.uid)) and time.monotonic() < end:
            for pid in orphans:
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, os.WNOHANG)
            time.sleep(0.01)
        _subreaper(False)
        self._reaping = False

    def _remove_uid_files(self) -> None:
        """Without a private /tmp: what the sandbox's fresh uid left in the shared temporary
        folders (nobody else has that uid)."""
        if self.uid is None or self.iso.namespaces:
            return
        for folder in ("/tmp", "/var/tmp", "/dev/shm"):
            with contextlib.suppress(OSError), os.scandir(folder) as entries:
                for entry in entries:
                    with contextlib.suppress(OSError):
                        st = entry.stat(follow_symlinks=False)
                        if st.st_uid != self.uid:
                            continue
                        if entry.is_dir(follow_symlinks=False):
                            shutil.rmtree(entry.path, ignore_errors=True)
                        else:
                            os.unlink(entry.path)

    def release(self) -> None:
        self._remove_uid_files()
        if self.cgroup is not None:
            self.cgroup.remove()
            self.cgroup = None
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None
        if self.lease is not None and not uid_processes(self.lease.uid):
            self.lease.release()
        self.lease = None


def python_command() -> list[str]:
    """How the sandbox's interpreter is started."""
    return [sys.executable, "-I", "-m", "gdwidgets.homework.grading.sandbox"]

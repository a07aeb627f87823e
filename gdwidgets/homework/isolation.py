"""Where and as whom student code runs: a private temporary folder, an unprivileged user
(when the grader is root), and no process left behind."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["GRADER_USER", "Isolation", "kill_leftovers", "readable_by", "rss_bytes"]

GRADER_USER = "gdwidgets-grader"


@dataclass
class Isolation:
    """How submissions are kept apart: ``uid``/``gid`` of the user that runs them (None:
    the grader's own user) and ``notes`` for the teacher about what is and is not
    protected."""

    uid: int | None = None
    gid: int | None = None
    user: str = ""
    notes: list[str] = field(default_factory=list)

    @classmethod
    def detect(cls, protected: list[Path], run_as: str | None = GRADER_USER) -> Isolation:
        """Pick the user (creating ``gdwidgets-grader`` if missing, else ``nobody``) when
        running as root, and say what the protection covers."""
        if os.geteuid() != 0 or run_as is None:
            why = "the grader is not root" if os.geteuid() != 0 else "--no-user-switch"
            return cls(notes=[
                f"Isolation: {why}, so submissions run as the grader's own user; only the "
                "temporary-copy protection applies (each notebook runs in a fresh temporary "
                "folder holding only its files, and every file is read before anything "
                "runs), but a notebook can still open absolute paths this user can reach. "
                "Run the grader as root or in a container for the full protection."])
        entry = _user(run_as) or _user("nobody")
        if entry is None:
            return cls(notes=["Isolation: no unprivileged user found (useradd failed and "
                              "there is no 'nobody'); submissions run as root with only the "
                              "temporary-copy protection."])
        iso = cls(entry.pw_uid, entry.pw_gid, entry.pw_name)
        iso.notes.append(f"Isolation: each submission runs as user {entry.pw_name} "
                         f"(uid {entry.pw_uid}) in a fresh temporary folder.")
        exe = Path(os.path.realpath(sys.executable))
        if not readable_by(exe, iso.uid, iso.gid, execute=True):
            iso.notes.append(f"Note: {exe} is not reachable by {entry.pw_name}, so the "
                             "sandbox imports torch, numpy, gdwidgets and common standard "
                             "modules as root first and then switches user; other modules "
                             "cannot be imported by student code.")
        for path in protected:
            if path.exists() and readable_by(path, iso.uid, iso.gid):
                iso.notes.append(f"Warning: {path} is readable by {entry.pw_name}: a "
                                 "submission could read it (chmod o-rwx on a parent "
                                 "folder closes this).")
        return iso

    def make_dir(self, files: dict[str, bytes]) -> Path:
        """A fresh temporary folder holding ``files`` (name -> bytes), owned by the
        sandbox user."""
        root = Path(tempfile.mkdtemp(prefix="gdwidgets-grade-"))
        for name, data in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        if self.uid is not None:
            for path in [root, *root.rglob("*")]:
                os.chown(path, self.uid, self.gid, follow_symlinks=False)
        return root


def _user(name: str) -> pwd.struct_passwd | None:
    with contextlib.suppress(KeyError):
        return pwd.getpwnam(name)
    if name != GRADER_USER or shutil.which("useradd") is None:
        return None
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                    name], capture_output=True, check=False)
    with contextlib.suppress(KeyError):
        return pwd.getpwnam(name)
    return None


def readable_by(path: Path, uid: int | None, gid: int | None, execute: bool = False) -> bool:
    """Whether user ``uid`` (group ``gid``, no other groups) can reach and read ``path``."""
    if uid is None or uid == 0:
        return True

    def allowed(st: os.stat_result, want: int) -> bool:
        if st.st_uid == uid:
            return bool(st.st_mode & (want << 6))
        if st.st_gid == gid:
            return bool(st.st_mode & (want << 3))
        return bool(st.st_mode & want)

    path = Path(os.path.realpath(path))
    try:
        for parent in reversed(path.parents):
            if not allowed(parent.stat(), 1):
                return False
        st = path.stat()
    except OSError:
        return False
    want = 4 | (1 if execute or stat.S_ISDIR(st.st_mode) else 0)
    return allowed(st, want) if want != 5 else allowed(st, 4) and allowed(st, 1)


def _processes(environ: bool = True) -> list[tuple[int, int, int, str]]:
    """(pid, session id, real uid, environ) of every process we can see."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat_text = Path(f"/proc/{entry}/stat").read_text()
            fields = stat_text[stat_text.rindex(")") + 2:].split()
            uid = os.stat(f"/proc/{entry}").st_uid
            env = ""
            if environ:
                with contextlib.suppress(OSError):
                    env = Path(f"/proc/{entry}/environ").read_bytes().decode(errors="replace")
            found.append((int(entry), int(fields[3]), uid, env))
    return found


def kill_leftovers(session: int, token: str, uid: int | None) -> int:
    """Kill every process of a sandbox: its session, anything carrying its ``token`` in
    its environment and, when the sandbox had its own user, every process of that user.
    Returns how many were killed."""
    killed = 0
    with contextlib.suppress(OSError):
        os.killpg(session, signal.SIGKILL)
    for _ in range(3):  # a fork bomb may spawn while we look
        victims = [pid for pid, sid, puid, env in _processes()
                   if pid != os.getpid() and (sid == session or token in env
                                              or (uid not in (None, 0) and puid == uid))]
        for pid in victims:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                killed += 1
        if not victims:
            break
    return killed


def rss_bytes(session: int) -> int:
    """Resident memory of all processes in ``session`` (the sandbox and its children)."""
    total = 0
    for pid, sid, _uid, _env in _processes(environ=False):
        if sid != session:
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
    return total

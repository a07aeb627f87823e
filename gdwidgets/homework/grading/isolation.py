"""What containment this machine allows, decided once per grading run, and said plainly.

With root (Debian, a container, a hub): each submission runs in its own PID, mount,
network, IPC and UTS namespaces (util-linux ``unshare``), as a fresh uid with no passwd
entry (see :mod:`.uids`), with a private ``/tmp``, ``/var/tmp`` and ``/dev/shm``, and its
memory and process count limited over all of its processes by a cgroup (see
:mod:`.cgroups`). Without root, a user namespace gives the same namespaces but not the
uid; without cgroups, each process gets an address-space limit. ``--no-namespace`` /
``--no-cgroup`` (or ``GDWIDGETS_GRADER_NO_NAMESPACE=1`` / ``GDWIDGETS_GRADER_NO_CGROUP=1``)
reach those fallbacks on purpose.
"""

from __future__ import annotations

import os
import secrets
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .cgroups import CgroupKind
from .sandbox import reference_files
from .uids import UidRange, sweep

__all__ = ["Isolation", "readable_by"]

NAMESPACES = ["--pid", "--fork", "--kill-child", "--mount", "--mount-proc", "--net", "--ipc",
              "--uts"]


def _flag(env: str) -> bool:
    return os.environ.get(env, "").strip().lower() in ("1", "yes", "true", "on")


def _namespaces_work(root: bool) -> bool:
    unshare = shutil.which("unshare")
    if unshare is None or sys.platform != "linux":
        return False
    user = [] if root else ["--user", "--map-root-user"]
    try:
        done = subprocess.run([unshare, *user, *NAMESPACES, "--", "true"],
                              capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


@dataclass
class Isolation:
    """How this run keeps submissions apart, and ``notes`` saying so to the teacher.

    Parameters
    ----------
    namespaces : str
        ``'root'`` (namespaces made as root), ``'user'`` (inside a user namespace, without
        root) or ``''`` (none: a session and a scan of /proc).
    uids : UidRange or None
        Fresh uids for the sandboxes (root only), else the grader's own uid.
    cgroup : CgroupKind or None
        Where memory and processes are counted over a whole sandbox; None: per-process
        limits (``RLIMIT_AS``, ``RLIMIT_NPROC``).
    hide : list of str
        Paths made empty inside each sandbox (needs a mount namespace): the checkers'
        package folder, the package's by-hand formulas outside it (see
        ``sandbox.REFERENCE_MODULES``), the source, the submissions and the report.
    """

    namespaces: str = ""
    uids: UidRange | None = None
    cgroup: CgroupKind | None = None
    hide: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    token: str = field(default_factory=lambda: f"{os.getpid()}-{secrets.token_hex(4)}")

    @property
    def memory_rule(self) -> str:
        return "cgroup" if self.cgroup is not None else "rlimit"

    @classmethod
    def detect(cls, protected: list[Path], user_switch: bool = True,
               namespaces: bool = True, cgroups: bool = True,
               uids: UidRange | None = None) -> Isolation:
        """The strongest containment this machine allows (see the module's docstring)."""
        root = os.geteuid() == 0
        iso = cls()
        why_not = "--no-namespace"
        if namespaces and not _flag("GDWIDGETS_GRADER_NO_NAMESPACE"):
            if _namespaces_work(root):
                iso.namespaces = "root" if root else "user"
            else:
                why_not = ("util-linux unshare is missing or not allowed here" if root else
                           "user namespaces are not available here")
        if root and cgroups and not _flag("GDWIDGETS_GRADER_NO_CGROUP"):
            iso.cgroup, why = CgroupKind.detect()
            if why:
                iso.notes.append(f"Note: {why}.")
        if root and user_switch:
            uids = uids or UidRange.parse(None)
            problem = uids.problem()
            if problem:
                raise ValueError(problem)
            iso.uids = uids
            sweep()
        package = Path(__file__).resolve().parents[1]  # homework/: checks/ and grading/
        if iso.namespaces:
            iso.hide = [str(package), *reference_files(),
                        *(str(p.resolve()) for p in protected if p.exists() and _hideable(p))]
        iso.notes[:0] = iso._describe(root, why_not)
        if iso.uids is not None and not iso.namespaces:
            for path in protected:
                if path.exists() and readable_by(path, iso.uids.first, iso.uids.first):
                    iso.notes.append(f"Warning: {path} is readable by any user: a submission "
                                     "could read it (chmod o-rwx on a parent folder closes "
                                     "this).")
        return iso

    def _describe(self, root: bool, why_not: str) -> list[str]:
        notes = []
        if self.namespaces:
            how = "as root" if self.namespaces == "root" else "in a user namespace"
            notes.append(f"Isolation: each submission runs in its own PID, mount, network and "
                         f"IPC namespaces (util-linux unshare, {how}): everything it starts "
                         "is killed with it; private /tmp, /var/tmp and /dev/shm, emptied "
                         "with it, every other mount read-only; no network; the checkers' "
                         "files, the source, the submissions and the report are hidden from "
                         "it.")
        else:
            notes.append(f"Isolation: no namespaces ({why_not}): each submission runs in "
                "its own session in a fresh temporary folder, and is killed by session"
                + (" and by its uid" if self.uids else " and by a scan of /proc (a process "
                   "that changes session and environment can escape it)") + "; the checkers' "
                "files stay readable, so a submission could load a copy of the reference "
                "answers.")
        if self.uids is not None:
            notes.append(f"Isolation: each submission runs as its own fresh uid from "
                         f"{self.uids} (no passwd entry, never shared with another "
                         "submission or grading run): it can read only what any user can.")
        else:
            why = "the grader is not root" if not root else "--no-user-switch"
            notes.append(f"Isolation: {why}, so submissions run as the grader's own user and "
                         + ("can read what this user can outside the hidden paths (they "
                            "write only in their private folders)" if self.namespaces else
                            "can read and write what this user can outside their sandbox")
                         + ". Run the grader as root or in a container for the full "
                         "protection.")
        if self.cgroup is not None:
            notes.append(f"Memory: counted over all of a submission's processes together "
                         f"(cgroup v{self.cgroup.version}), no swap; processes and threads "
                         "limited by the cgroup's pids controller.")
        else:
            notes.append("Memory: no cgroup" + (" (--no-cgroup)" if root else " (needs root)")
                         + ", so each process gets its own address-space limit (RLIMIT_AS) "
                         "and the watchdog adds up resident memory; processes are limited "
                         "by RLIMIT_NPROC" + ("" if self.uids else " of the grader's user")
                         + ".")
        return notes


def _hideable(path: Path) -> bool:
    """Whether hiding ``path`` leaves the sandbox its interpreter and this package."""
    path = path.resolve()
    needed = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(),
              Path(os.path.realpath(sys.executable)).parent,
              Path(__file__).resolve().parents[2]}
    return not any(n == path or path in n.parents for n in needed)


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

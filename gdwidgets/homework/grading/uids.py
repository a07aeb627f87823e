"""A fresh uid for each running sandbox, from a range no account uses.

Each sandbox leases one uid (a lock file held for its whole life, so two grading runs at
once never get the same uid) and runs as it with no passwd entry: no other process on the
machine has that uid, so nothing a submission does can signal another submission, another
grading run or a hub's students.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pwd
import random
import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DEFAULT_RANGE", "LOCK_DIR", "UidLease", "UidRange", "sweep", "uid_processes"]

DEFAULT_RANGE = (1_600_000_000, 1_600_999_999)
LOCK_DIR = Path("/run" if os.path.isdir("/run") else "/var/run") / "gdwidgets-grader" / "uids"
_ENV = "GDWIDGETS_GRADER_UIDS"


def _login_defs_max() -> int:
    """The highest uid useradd would hand out (UID_MAX / SYS_UID_MAX, 60000 by default)."""
    top = 60000
    with contextlib.suppress(OSError):
        for line in Path("/etc/login.defs").read_text(errors="replace").splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] in ("UID_MAX", "GID_MAX", "SYS_UID_MAX") \
                    and parts[1].isdigit():
                top = max(top, int(parts[1]))
    return top


def _sub_ranges() -> list[tuple[int, int]]:
    """The subordinate uid/gid ranges of /etc/subuid and /etc/subgid (first, last)."""
    found = []
    for name in ("/etc/subuid", "/etc/subgid"):
        with contextlib.suppress(OSError):
            for line in Path(name).read_text(errors="replace").splitlines():
                parts = line.strip().split(":")
                if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
                    found.append((int(parts[1]), int(parts[1]) + int(parts[2]) - 1))
    return found


@dataclass(frozen=True)
class UidRange:
    """The uids sandboxes may run as (inclusive).

    Parameters
    ----------
    first, last : int
        The range; it must lie above the system's user ranges (``/etc/login.defs``),
        outside ``/etc/subuid`` and ``/etc/subgid`` and hold no account.
    """

    first: int = DEFAULT_RANGE[0]
    last: int = DEFAULT_RANGE[1]

    @classmethod
    def parse(cls, text: str | None) -> UidRange:
        """``'FIRST-LAST'`` (or $GDWIDGETS_GRADER_UIDS, or the default)."""
        text = text or os.environ.get(_ENV, "")
        if not text:
            return cls()
        first, _, last = text.partition("-")
        try:
            return cls(int(first), int(last or first))
        except ValueError:
            raise ValueError(f"uid range {text!r}: write FIRST-LAST, e.g. "
                             f"{DEFAULT_RANGE[0]}-{DEFAULT_RANGE[1]}") from None

    def problem(self) -> str:
        """Why this range is unsafe to use, or ''."""
        if not 0 < self.first <= self.last < 2**31 - 1:
            return f"uid range {self}: not within 1 … {2**31 - 2}"
        if self.first <= _login_defs_max() or self.first <= 65534 <= self.last:
            return f"uid range {self}: overlaps the system's user ids (/etc/login.defs)"
        for first, last in _sub_ranges():
            if first <= self.last and self.first <= last:
                return f"uid range {self}: overlaps /etc/subuid or /etc/subgid ({first}-{last})"
        for entry in pwd.getpwall():
            if self.first <= entry.pw_uid <= self.last:
                return f"uid range {self}: user {entry.pw_name} has uid {entry.pw_uid}"
        return ""

    def __str__(self) -> str:
        return f"{self.first}-{self.last}"


def _zombie(pid: str) -> bool:
    with contextlib.suppress(OSError, ValueError):
        text = Path(f"/proc/{pid}/stat").read_text()
        return text[text.rindex(")") + 2:].startswith(("Z", "X"))
    return True


def uid_processes(uid: int) -> list[int]:
    """Pids of the live processes (not zombies) whose owner is ``uid`` (from /proc, or
    ``ps`` on macOS)."""
    if not os.path.isdir("/proc/self"):
        done = subprocess.run(["ps", "-A", "-o", "uid=", "-o", "pid="], capture_output=True,
                              text=True, check=False)
        return [int(pid) for owner, pid in (line.split() for line in done.stdout.splitlines()
                                            if len(line.split()) == 2) if int(owner) == uid]
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if os.stat(f"/proc/{entry}").st_uid == uid and not _zombie(entry):
                    found.append(int(entry))
    return found


def sweep(lock_dir: Path = LOCK_DIR) -> None:
    """Remove the lock files that a killed grader left: unlocked, and their uid has no
    process (a lease checks the lock file's inode, so a removal never races a lease)."""
    with contextlib.suppress(OSError):
        for path in lock_dir.iterdir():
            if not path.name.isdigit() or uid_processes(int(path.name)):
                continue
            fd = UidLease._lock(path)
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.unlink(path)
                os.close(fd)


class UidLease:
    """One uid of ``uids``, held (by a lock in ``lock_dir``) until :meth:`release`.

    Parameters
    ----------
    uids : UidRange
        Where to pick from (at random, skipping uids that are locked or own a process).
    lock_dir : Path
        Shared by every grading run of the machine (root only).
    """

    def __init__(self, uids: UidRange, lock_dir: Path = LOCK_DIR) -> None:
        lock_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.uid = -1
        self._fd = -1
        self._dir = lock_dir
        for _ in range(1000):
            uid = random.randint(uids.first, uids.last)
            fd = self._lock(lock_dir / str(uid))
            if fd < 0:
                continue
            if uid_processes(uid):  # a leftover of a grader that was killed: not this one
                os.close(fd)
                continue
            self.uid, self._fd = uid, fd
            return
        raise RuntimeError(f"no free uid in {uids} (1000 tries)")

    @staticmethod
    def _lock(path: Path) -> int:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if os.fstat(fd).st_ino != os.stat(path).st_ino:  # unlinked by a releaser
                raise OSError
        except OSError:
            os.close(fd)
            return -1
        return fd

    def release(self) -> None:
        """Give the uid back (once none of its processes is left)."""
        if self._fd < 0:
            return
        with contextlib.suppress(OSError):
            os.unlink(self._dir / str(self.uid))
        os.close(self._fd)
        self._fd = -1

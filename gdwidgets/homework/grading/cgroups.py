"""A control group per sandbox: memory and process count over all of its processes.

cgroup v1 (``memory`` and ``pids`` hierarchies) and v2 (one hierarchy with the
``memory`` and ``pids`` controllers) are both supported. Each sandbox gets its own group,
made under the grader's own group (so a limit set on the grader applies too) and named
with a token of this run; the grader kills what is in it and removes it at the end.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Cgroup", "CgroupKind"]

_CONTROLLERS = ("memory", "pids")


def _mounts() -> list[tuple[str, str, str, str]]:
    """(mount root, mount point, fs type, super options) of the cgroup file systems."""
    found = []
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/mountinfo").read_text().splitlines():
            left, _, right = line.partition(" - ")
            fields, tail = left.split(), right.split()
            if len(fields) >= 5 and len(tail) >= 3 and tail[0] in ("cgroup", "cgroup2"):
                found.append((fields[3], fields[4], tail[0], tail[2]))
    return found


def _own_groups() -> dict[str, str]:
    """Controller (or '' for v2) -> this process's group path, from /proc/self/cgroup."""
    groups = {}
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, names, path = line.split(":", 2)
            for name in names.split(",") if names else [""]:
                groups[name] = path
    return groups


def _under(mount_root: str, mount_point: str, path: str) -> Path:
    rel = os.path.relpath(path, mount_root) if path.startswith(mount_root) else path
    return Path(mount_point) / rel.lstrip("/").removeprefix(".")


@dataclass(frozen=True)
class CgroupKind:
    """Where this grader can make sandbox groups.

    Parameters
    ----------
    version : int
        1 (a hierarchy per controller) or 2 (one hierarchy).
    parents : tuple of (controller, folder)
        The folder under which sandbox groups are made, per controller (v2: one, ``''``).
    """

    version: int
    parents: tuple[tuple[str, str], ...]

    @classmethod
    def detect(cls) -> tuple[CgroupKind | None, str]:
        """The usable kind and '' , or None and why not."""
        mounts, own = _mounts(), _own_groups()
        v1: dict[str, str] = {}
        for root, point, fstype, options in mounts:
            for name in _CONTROLLERS:
                if fstype == "cgroup" and name in options.split(",") and name in own:
                    v1[name] = str(_under(root, point, own[name]))
        if len(v1) == len(_CONTROLLERS):
            kind = cls(1, tuple(sorted(v1.items())))
            kind.sweep()
            why = kind._probe()
            return (kind, "") if not why else (None, why)
        for root, point, fstype, _ in mounts:
            if fstype != "cgroup2" or "" not in own:
                continue
            parent = _under(root, point, own[""])
            try:
                have = (parent / "cgroup.controllers").read_text().split()
            except OSError:
                continue
            if not set(_CONTROLLERS) <= set(have):
                continue
            try:
                (parent / "cgroup.subtree_control").write_text("+memory +pids")
            except OSError as exc:
                return None, (f"cgroup v2: cannot give memory and pids to groups under "
                              f"{parent} ({exc.strerror}); run the grader in a delegated "
                              "group of its own, e.g. systemd-run --scope -p Delegate=yes")
            kind = cls(2, (("", str(parent)),))
            kind.sweep()
            why = kind._probe()
            return (kind, "") if not why else (None, why)
        return None, ("no cgroup with the memory and pids controllers is mounted where "
                      "this grader can make groups")

    def sweep(self) -> None:
        """Remove the empty groups of grading runs whose grader is gone (killed before it
        could remove them; their processes died with it)."""
        for _, parent in self.parents:
            with contextlib.suppress(OSError):
                for child in Path(parent).glob("gdwidgets-*-*"):
                    pid = child.name.split("-")[1]
                    if pid.isdigit() and not Path(f"/proc/{pid}").exists():
                        with contextlib.suppress(OSError):
                            child.rmdir()  # fails if a process is still in it

    def _probe(self) -> str:
        try:
            Cgroup(self, f"probe-{os.getpid()}-{time.monotonic_ns()}", 2**30, 64).remove()
        except OSError as exc:
            return f"cgroup v{self.version}: cannot make a group ({exc})"
        return ""


class Cgroup:
    """The group of one sandbox.

    Parameters
    ----------
    kind : CgroupKind
        Where to make it.
    name : str
        Unique on the machine (the run's token and the sandbox's number).
    memory : int
        Bytes of memory for all its processes together (no swap).
    processes : int
        How many processes and threads it may hold at once.
    """

    def __init__(self, kind: CgroupKind, name: str, memory: int, processes: int) -> None:
        self.kind = kind
        self.dirs = [Path(parent) / f"gdwidgets-{name}" for _, parent in kind.parents]
        made = []
        try:
            for d in self.dirs:
                d.mkdir()
                made.append(d)
            self._limit(memory, processes)
        except OSError:
            for d in made:
                with contextlib.suppress(OSError):
                    d.rmdir()
            raise

    def _file(self, controller: str, name: str) -> Path:
        if self.kind.version == 2:
            return self.dirs[0] / name
        return self.dirs[[c for c, _ in self.kind.parents].index(controller)] / name

    def _limit(self, memory: int, processes: int) -> None:
        if self.kind.version == 1:
            self._file("memory", "memory.limit_in_bytes").write_text(str(memory))
            swap = self._file("memory", "memory.memsw.limit_in_bytes")
            if swap.exists():
                swap.write_text(str(memory))
            with contextlib.suppress(OSError):
                self._file("memory", "memory.swappiness").write_text("0")
        else:
            self._file("memory", "memory.max").write_text(str(memory))
            with contextlib.suppress(OSError):
                self._file("memory", "memory.swap.max").write_text("0")
        self._file("pids", "pids.max").write_text(str(processes))

    @property
    def procs_files(self) -> list[str]:
        """The ``cgroup.procs`` files a process writes ``0`` into to join."""
        return [str(d / "cgroup.procs") for d in self.dirs]

    def pids(self) -> set[int]:
        found: set[int] = set()
        for path in self.procs_files:
            with contextlib.suppress(OSError, ValueError):
                found |= {int(p) for p in Path(path).read_text().split()}
        return found

    def oom_kills(self) -> int:
        """How many of its processes the kernel killed for going over the memory limit."""
        name = "memory.oom_control" if self.kind.version == 1 else "memory.events"
        with contextlib.suppress(OSError, ValueError):
            for line in self._file("memory", name).read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
        return 0

    def failed_charges(self) -> int:
        """How often memory was refused at the limit (v1 failcnt; v2 'max' events)."""
        with contextlib.suppress(OSError, ValueError):
            if self.kind.version == 1:
                return int(self._file("memory", "memory.failcnt").read_text())
            for line in self._file("memory", "memory.events").read_text().splitlines():
                if line.startswith("max "):
                    return int(line.split()[1])
        return 0

    def peak(self) -> int:
        """The most memory its processes held together (bytes)."""
        name = "memory.max_usage_in_bytes" if self.kind.version == 1 else "memory.peak"
        with contextlib.suppress(OSError, ValueError):
            return int(self._file("memory", name).read_text())
        return 0

    def kill(self, wait: float = 10.0) -> bool:
        """SIGKILL every process in it until it is empty; True if it emptied."""
        kill_file = self.dirs[0] / "cgroup.kill"
        end = time.monotonic() + wait
        while True:
            pids = self.pids()
            if not pids:
                return True
            if self.kind.version == 2 and kill_file.exists():
                with contextlib.suppress(OSError):
                    kill_file.write_text("1")
            for pid in pids:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            if time.monotonic() > end:
                return False
            time.sleep(0.02)

    def remove(self) -> None:
        """Kill what is left and remove the group."""
        self.kill()
        for d in self.dirs:
            for _ in range(100):
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:  # a process still exiting
                    time.sleep(0.05)

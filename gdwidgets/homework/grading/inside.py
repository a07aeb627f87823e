"""What the sandbox does to itself before any student code runs (still root there).

In order: join its cgroup, make every mount read-only and mount a private ``/tmp``,
``/var/tmp``, ``/dev/shm`` and ``/run/lock`` (inside its own mount namespace, gone with
it), hide the checkers' package folder and the teacher's paths under empty read-only
mounts, write the student's files into its working folder, set resource limits, and
drop every privilege for good: no new privileges, no capabilities, and the fresh uid when
there is one.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import os
import re
import resource
import signal
import sys
from pathlib import Path
from typing import Any

__all__ = ["enter", "join_cgroups", "seal"]

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND = 1, 2, 4, 8, 32, 4096
MS_REC = 16384
MS_KEPT = MS_NOSUID | MS_NODEV | MS_NOEXEC | 1024 | 2048 | 4096  # and the atime flags
PRIVATE_TMP = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")
WORKDIR = "/tmp/submission"
_libc = ctypes.CDLL(None, use_errno=True)


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    done = _libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None,
                       ctypes.c_ulong(flags), data.encode() if data else None)
    if done != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {target}: {os.strerror(err)}")


def join_cgroups(files: list[str]) -> None:
    """Move this process (and so all it will start) into the sandbox's cgroup."""
    for path in files:
        with open(path, "w") as f:
            f.write("0")


def _read_only() -> None:
    """Every mount of the sandbox's namespace (but /proc and /sys) read-only: the only
    writable places left are the private folders mounted next."""
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return
    for line in lines:
        fields = line.split()
        if len(fields) < 5:
            continue
        point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4])
        if point in ("/proc", "/sys") or point.startswith(("/proc/", "/sys/")):
            continue
        with contextlib.suppress(OSError):
            kept = os.statvfs(point).f_flag & MS_KEPT
            _mount("none", point, None, MS_REMOUNT | MS_BIND | MS_RDONLY | kept)


def _needed_under(folder: str) -> list[str]:
    """The folders the interpreter still reads that lie under ``folder``: its prefixes,
    its import path and gdwidgets' own folder (a virtual environment or a checkout under
    /tmp, as a CI clone may be)."""
    import gdwidgets

    wanted = {sys.prefix, sys.base_prefix, sys.exec_prefix, *sys.path,
              os.path.dirname(os.path.dirname(os.path.abspath(gdwidgets.__file__)))}
    found = sorted({real for p in wanted if p and os.path.isdir(real := os.path.realpath(p))
                    and real.startswith(folder.rstrip("/") + "/")})
    outer: list[str] = []
    for path in found:  # a folder kept covers those inside it
        if not any(path.startswith(kept + "/") for kept in outer):
            outer.append(path)
    return outer


def _private_tmp(size: int) -> None:
    """A fresh tmpfs on each of PRIVATE_TMP; what the interpreter needs from under one is
    bound back in, read-only (its new parents are plain folders of the tmpfs)."""
    for d in PRIVATE_TMP:
        if os.path.isdir(d) and not os.path.islink(d):
            held = [(path, os.open(path, os.O_PATH | os.O_DIRECTORY))
                    for path in _needed_under(os.path.realpath(d))]
            _mount("tmpfs", d, "tmpfs", MS_NOSUID | MS_NODEV, f"size={size},mode=1777")
            for path, fd in held:
                try:
                    os.makedirs(path, mode=0o755, exist_ok=True)
                    _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
                    _mount("none", path, None, MS_REMOUNT | MS_BIND | MS_RDONLY)
                finally:
                    os.close(fd)


def _hide(paths: list[str]) -> None:
    for path in paths:
        if os.path.isdir(path) and not os.path.islink(path):
            _mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                   "size=4k,mode=755")
        elif os.path.isfile(path) and not os.path.islink(path):
            _mount("/dev/null", path, None, MS_BIND)


def _write_files(folder: Path, files: dict[str, str], uid: int | None) -> None:
    for name, data in files.items():
        if "/" in name or name in ("", ".", "..") or "\0" in name:
            continue
        fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW,
                     0o644)
        with os.fdopen(fd, "wb") as f:
            f.write(base64.b64decode(data))
        if uid is not None:
            os.chown(folder / name, uid, uid, follow_symlinks=False)


def enter(job: dict[str, Any]) -> None:
    """Private folders, hidden paths and the student's files; the working folder is set."""
    uid = job.get("uid")
    if job.get("private"):
        _read_only()
        _private_tmp(int(job.get("memory") or 2**30))
        _hide([str(p) for p in job.get("hide", [])])
        folder = Path(WORKDIR)
        folder.mkdir(mode=0o700)
    else:
        folder = Path(str(job.get("workdir") or os.getcwd()))
    if uid is not None:
        os.chown(folder, uid, uid)
    _write_files(folder, job.get("files", {}), uid)
    os.chdir(folder)
    os.environ.update(HOME=str(folder), TMPDIR=str(folder) if not job.get("private") else "/tmp",
                      IPYTHONDIR=str(folder / ".ipython"))


def _vm_size() -> int:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _limits(job: dict[str, Any]) -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    memory = int(job.get("memory") or 0)
    if job.get("rule") == "rlimit" and memory:
        space = _vm_size() + memory  # what the interpreter and torch mapped, plus the limit
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (space, space))
    if job.get("nproc"):
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NPROC, (int(job["nproc"]), int(job["nproc"])))


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def _drop_capabilities() -> None:
    """No capability left, none to gain by exec (root of a user namespace)."""
    with contextlib.suppress(OSError):
        _libc.prctl(28, 0x2F, 0, 0, 0)  # SECBIT_NOROOT, NO_SETUID_FIXUP, KEEP_CAPS_LOCKED
    for cap in range(64):
        _libc.prctl(24, cap, 0, 0, 0)  # PR_CAPBSET_DROP
    header, data = _CapHeader(0x20080522, 0), (_CapData * 2)()
    if _libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset")


def seal(job: dict[str, Any]) -> None:
    """Limits set and privileges dropped for good; raises if anything is left."""
    _limits(job)
    uid, gid = job.get("uid"), job.get("gid")
    if sys.platform == "linux" and _libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        raise OSError(ctypes.get_errno(), "no_new_privs")
    if uid is not None and os.getuid() == 0:
        os.setgroups([])
        if hasattr(os, "setresuid"):
            os.setresgid(gid, gid, gid)
            os.setresuid(uid, uid, uid)
        else:  # macOS: setuid as root sets the real, effective and saved ids
            os.setgid(gid)
            os.setuid(uid)
        if os.getuid() != uid or os.geteuid() != uid:  # pragma: no cover - kernel bug
            raise SystemExit("could not drop privileges")
    elif job.get("private") and os.geteuid() == 0:
        _drop_capabilities()
    if sys.platform == "linux":  # a change of uid cleared it: die with unshare again
        _libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG

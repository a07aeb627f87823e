"""The run's Unix users (named with a per-run suffix, so that two runs at once never share
one) and their processes: found by uid in ``/proc``, stopped by pid."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import time
from pathlib import Path


def user_names(suffix: str, students: int) -> tuple[str, list[str]]:
    """The instructor's and the students' names: ``t<suffix>``, ``s01<suffix>``, …"""
    return f"t{suffix}", [f"s{i:02d}{suffix}" for i in range(1, students + 1)]


def create(name: str, home: Path) -> None:
    """A user with a private home (the hub creates students itself, see its config)."""
    subprocess.run([_sbin("useradd"), "--create-home", "--home-dir", str(home), "--user-group",
                    "--shell", "/bin/bash", "--key", "HOME_MODE=0700", name], check=True)


def _sbin(tool: str) -> str:
    return shutil.which(tool, path="/usr/sbin:/sbin:/usr/bin:/bin") or tool


def exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def processes_of(names: list[str]) -> list[int]:
    """Pids of the running processes owned by any of these users."""
    uids = {pwd.getpwnam(n).pw_uid for n in names if exists(n)}
    pids = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines()
                          if ":" in line)
        except OSError:
            continue  # it ended meanwhile
        if int(fields["Uid"].split()[0]) in uids:
            pids.append(int(status.parent.name))
    return pids


def processes_in(folder: Path) -> list[int]:
    """Pids of the running processes whose command line names ``folder`` (the hub's proxy
    and services are processes of their own, not in the hub's process group)."""
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes()
        except OSError:
            continue
        if str(folder).encode() in text and int(cmdline.parent.name) != os.getpid():
            pids.append(int(cmdline.parent.name))
    return pids


def stop(pids: list[int], grace: float = 5.0) -> list[int]:
    """SIGTERM, then SIGKILL after ``grace`` seconds; returns the pids that were running."""
    alive = []
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
            alive.append(pid)
        except ProcessLookupError:
            pass
    end = time.monotonic() + grace
    while alive and time.monotonic() < end:
        time.sleep(0.1)
        alive = [p for p in alive if Path(f"/proc/{p}").exists() and not _zombie(p)]
    for pid in alive:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return alive


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def remove(names: list[str]) -> list[str]:
    """Stop the users' processes and delete the users; returns those that could not be."""
    stop(processes_of(names))
    failed = []
    for name in names:
        if exists(name) and subprocess.run([_sbin("userdel"), "--remove", name],
                                           capture_output=True).returncode not in (0, 12):
            failed.append(name)  # 12: the home was already gone
    return failed


def run_as(name: str, *cmd: str, cwd: Path, env: dict[str, str],
           timeout: float = 600) -> subprocess.CompletedProcess:
    """Run a command as ``name`` with a login-like environment (runuser, util-linux)."""
    account = pwd.getpwnam(name)
    base = {"HOME": account.pw_dir, "USER": name, "LOGNAME": name,
            "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    return subprocess.run([_sbin("runuser"), "-u", name, "--", "env", "-i",
                           *(f"{k}={v}" for k, v in {**base, **env}.items()), *cmd],
                          cwd=cwd, capture_output=True, text=True, timeout=timeout)

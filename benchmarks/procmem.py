"""A process's memory from Linux's ``/proc/PID/smaps_rollup``: RSS, PSS, USS and anonymous.

RSS counts every page a process has in memory, including the file-backed pages (torch's
and numpy's libraries) that all kernels of a machine share; PSS divides each shared page
among the processes that map it, so the PSS of all processes adds up to the memory used;
USS counts only the pages no other process maps (what freeing the process gives back).
Class sizing uses PSS; growth with use is read from USS or the anonymous pages.

    python benchmarks/procmem.py PID [PID ...]
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Memory:
    """One process's memory in MB (10**6 bytes)."""

    rss: float
    pss: float
    uss: float
    anonymous: float

    def row(self) -> str:
        return (f"RSS {self.rss:6.1f} MB  PSS {self.pss:6.1f} MB  "
                f"USS {self.uss:6.1f} MB  anonymous {self.anonymous:6.1f} MB")


def parse_rollup(text: str) -> Memory:
    """Read the text of a ``smaps_rollup`` file (its sizes are in kB)."""
    kb: dict[str, int] = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        fields = rest.split()
        if len(fields) == 2 and fields[1] == "kB":
            kb[key.strip()] = int(fields[0])
    missing = {"Rss", "Pss", "Private_Clean", "Private_Dirty", "Anonymous"} - set(kb)
    if missing:
        raise ValueError(f"smaps_rollup lacks {sorted(missing)}")
    mb = 1024 / 1e6
    return Memory(rss=kb["Rss"] * mb, pss=kb["Pss"] * mb,
                  uss=(kb["Private_Clean"] + kb["Private_Dirty"]) * mb,
                  anonymous=kb["Anonymous"] * mb)


def memory(pid: int | str = "self") -> Memory:
    """The memory of process ``pid`` now (``"self"``: this process)."""
    return parse_rollup(Path(f"/proc/{pid}/smaps_rollup").read_text())


def main(argv: list[str]) -> int:
    for pid in argv or ["self"]:
        print(f"{pid:>8}  {memory(pid).row()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

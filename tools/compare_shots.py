"""Compare two folders of PNG screenshots pixel by pixel (issue #28: before and after).

    python tools/compare_shots.py DIR_BEFORE DIR_AFTER

Files are paired by their path relative to each folder. For each pair it prints
``identical``, ``size differs`` (both sizes) or ``N pixels differ`` with the bounding box
(left, top, right, bottom) of the differences; then the files found on one side only.
Exit status 1 if anything differs or is missing on a side.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image


def pngs(folder: Path) -> set[str]:
    """Relative paths of the PNG files under ``folder``."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*.png") if p.is_file()}


def compare_pair(before: Path, after: Path) -> str | None:
    """None if the two pictures are identical pixel for pixel, else what differs."""
    with Image.open(before) as a_img, Image.open(after) as b_img:
        a = np.asarray(a_img.convert("RGBA"))
        b = np.asarray(b_img.convert("RGBA"))
    if a.shape != b.shape:
        return f"size differs: {a.shape[1]}x{a.shape[0]} -> {b.shape[1]}x{b.shape[0]}"
    changed = (a != b).any(axis=-1)
    n = int(changed.sum())
    if not n:
        return None
    rows, cols = np.nonzero(changed)
    box = (int(cols.min()), int(rows.min()), int(cols.max()) + 1, int(rows.max()) + 1)
    return f"{n} pixels differ, box {box}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    for d in (args.before, args.after):
        if not d.is_dir():
            parser.error(f"{d} is not a folder")
    left, right = pngs(args.before), pngs(args.after)
    differ = 0
    for name in sorted(left & right):
        what = compare_pair(args.before / name, args.after / name)
        differ += what is not None
        print(f"{name}: {what or 'identical'}")
    only = [f"only in {args.before}: {n}" for n in sorted(left - right)]
    only += [f"only in {args.after}: {n}" for n in sorted(right - left)]
    for line in only:
        print(line)
    print(f"{len(left & right)} pairs: {len(left & right) - differ} identical, {differ} differ; "
          f"{len(only)} on one side only")
    return 1 if differ or only else 0


if __name__ == "__main__":
    sys.exit(main())

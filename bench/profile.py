"""Sum up py-spy's collapsed stacks (`py-spy record --format raw`, what `bench/run.py --profile` writes): the
functions where a process spends its samples, by their own time and by the time under them.

    python bench/profile.py var/bench/profile-intake.txt --top 25
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

# `function (path/to/file.py:123)` → `function (file.py)`: one line per function, whatever its line.
FRAME = re.compile(r"^(?P<function>.*?) \((?P<path>[^:)]*)(?::\d+)?\)$")


def frame_name(frame: str) -> str:
    match = FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    path = match["path"]
    short = "/".join(path.split("/")[-2:])
    return f"{match['function']} ({short})"


def package(frame: str) -> str:
    """The package a frame's file belongs to, as py-spy shortens the path (`sqlalchemy/orm/session.py` →
    `sqlalchemy`, `cimer_common/outbox.py` → `cimer_common`); a lone module is the standard library's."""
    match = FRAME.match(frame.strip())
    if not match or not match["path"]:
        return "native"
    path = match["path"]
    return path.split("/", 1)[0] if "/" in path else "stdlib"


def summarise(path: Path) -> tuple[int, Counter[str], Counter[str], Counter[str]]:
    own: Counter[str] = Counter()
    under: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    total = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        raw = [f for f in stack.split(";") if f]
        frames = [frame_name(f) for f in raw]
        if not frames:
            continue
        packages[package(raw[-1])] += count
        total += count
        own[frames[-1]] += count
        for name in set(frames):
            under[name] += count
    return total, own, under, packages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("profiles", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--match", default="", help="only functions whose name or file contains this")
    args = parser.parse_args(argv)
    for path in args.profiles:
        total, own, under, packages = summarise(path)
        print(f"== {path.name}: {total} samples")
        for title, counter in (("own time by package", packages), ("own time", own), ("time under", under)):
            print(f"  -- {title}")
            shown = [(n, c) for n, c in counter.most_common() if args.match in n][: args.top]
            for name, count in shown:
                print(f"  {100 * count / max(total, 1):5.1f}%  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark start-up: how long ``mentorsheet --help`` and ``--version`` take.

Usage: ``scripts/bench-startup [--runs N]``

Each command runs ``N`` times in a fresh process (the first, which warms the
file cache, is not counted); the table gives the median and the fastest and
slowest wall-clock times. The target is under 0.2 s: a command that only
prints its help must not import pandas, SciPy, OR-Tools or the Google client
libraries, which are imported where they are used. The last column lists
which of those heavy modules the command's process imported at all.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.table import Table

HEAVY = ("pandas", "scipy", "ortools", "numpy", "googleapiclient", "gspread", "openpyxl")
COMMANDS: dict[str, list[str]] = {
    "mentorsheet --version": ["--version"],
    "mentorsheet --help": ["--help"],
    "mentorsheet run --help": ["run", "--help"],
}
TARGET_SECONDS = 0.2

_PROBE = (
    "import sys, runpy; sys.argv = ['mentorsheet', *sys.argv[1:]]\n"
    "try:\n    runpy.run_module('mentorsheet', run_name='__main__')\n"
    "except SystemExit:\n    pass\n"
    f"print('HEAVY=' + ','.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)\n"
)


def time_command(arguments: Sequence[str], runs: int) -> list[float]:
    command = [sys.executable, "-m", "mentorsheet", *arguments]
    subprocess.run(command, check=True, capture_output=True)  # warm-up, not counted
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return times


def heavy_imports(arguments: Sequence[str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *arguments], check=True, capture_output=True, text=True
    )
    found = [line for line in done.stderr.splitlines() if line.startswith("HEAVY=")]
    return found[-1].removeprefix("HEAVY=") if found else "?"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args(argv)
    table = Table(title=f"start-up, {args.runs} runs each", box=box.MARKDOWN)
    for column in ("command", "median (s)", "min (s)", "max (s)", "target", "heavy imports"):
        table.add_column(column)
    worst = 0.0
    for name, arguments in COMMANDS.items():
        times = time_command(arguments, args.runs)
        median = statistics.median(times)
        worst = max(worst, median)
        table.add_row(
            name,
            f"{median:.3f}",
            f"{min(times):.3f}",
            f"{max(times):.3f}",
            "met" if median < TARGET_SECONDS else "missed",
            heavy_imports(arguments) or "none",
        )
    Console(width=160).print(table)
    return 0 if worst < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())

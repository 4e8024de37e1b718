"""Time reading and parsing a contact form's responses tab, and count the reads.

For each size, a workbook with 2,000 pairings and that many form answers is
written as an ``.xlsx`` file; the table shows the requests of one workbook
read (always one: the responses tab is one more sheet of the same read), the
time of that read, and the time to parse the whole workbook into a
programme, with the answers checked. Run ``scripts/bench-forms [--sizes ...]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import openpyxl
from rich.console import Console
from rich.table import Table

from mentorsheet.adapters.workbook.xlsx import XlsxStore
from mentorsheet.config import load_config
from mentorsheet.core.parsing import parse_workbook
from mentorsheet.core.schema import COLUMNS, PAIRINGS, RESPONSES, ResponseColumn

PAIRING_COUNT = 2000
TODAY = date(2026, 12, 1)


def build(path: Path, answers: int) -> None:
    config = load_config(None, environ={}, overrides={"workbook": {"path": str(path)}})
    XlsxStore(path, config.workbook).init_tabs()
    book = openpyxl.load_workbook(path)
    sheet = book[PAIRINGS]
    for n in range(PAIRING_COUNT):
        row = {
            "Pairing ID": f"P-{n:05d}",
            "Status": "Awaiting contact" if n % 2 else "In contact",
            "Mentee": f"Mentee {n}",
            "Mentee email": f"mentee{n}@example.net",
            "Mentor": f"Mentor {n % 300}",
            "Mentor email": f"mentor{n % 300}@example.org",
            "Intro sent on": "2026-11-02T10:00:00",
            "Reminders sent": "0",
        }
        sheet.append([row.get(column, "") for column in COLUMNS[PAIRINGS]])
    responses = book.create_sheet("Form responses 1")
    responses.append([*ResponseColumn, "A question staff added"])
    start = datetime(2026, 11, 3, 9, 0)
    for n in range(answers):
        k = n % PAIRING_COUNT
        responses.append(
            [
                (start + timedelta(minutes=n)).strftime("%d/%m/%Y %H:%M:%S"),
                f"mentee{k}@example.net",
                f"P-{k:05d}",
                "Mentee",
                "Yes, we have been in touch",
                str(1 + n % 5),
                "Yes" if n % 7 else "No",
                "a comment: =SUM(1,2)",
                "extra",
            ]
        )
    book.save(path)


def measure(answers: int) -> tuple[int, float, float, int, int]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.xlsx"
        build(path, answers)
        config = load_config(
            None,
            environ={},
            overrides={
                "workbook": {"path": str(path)},
                "forms": {"confirm_url": "https://example.org/form?id={pairing_id}"},
            },
        )
        store = XlsxStore(path, config.workbook)
        began = time.perf_counter()
        with store.session("bench", dry_run=True) as session:
            raw = session.read()
            reads = session.stats.reads
        read_seconds = time.perf_counter() - began
        began = time.perf_counter()
        programme = parse_workbook(raw, config, today=TODAY)
        parse_seconds = time.perf_counter() - began
        usable = len(programme.responses or ())
        problems = sum(1 for p in programme.problems if p.tab == "Form responses 1")
        assert RESPONSES in raw.tabs
        return reads, read_seconds, parse_seconds, usable, problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 50_000])
    args = parser.parse_args(argv)
    table = Table(title=f"Contact form answers, {PAIRING_COUNT:,} pairings, .xlsx backend")
    for heading in ("answers", "reads", "read (s)", "parse all tabs (s)", "usable", "problems"):
        table.add_column(heading, justify="right")
    for size in args.sizes:
        reads, read_s, parse_s, usable, problems = measure(size)
        table.add_row(
            f"{size:,}", str(reads), f"{read_s:.2f}", f"{parse_s:.2f}", f"{usable:,}", str(problems)
        )
    Console().print(table)
    print(f"(measured {datetime.now(UTC):%Y-%m-%d})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

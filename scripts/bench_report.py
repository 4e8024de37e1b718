"""Benchmark the programme report on generated programmes.

Usage: ``scripts/bench-report [--sizes 1000,10000,50000] [--seed N]``

For each size (the number of pairings; a tenth as many mentors and a fifth as
many waiting mentees), it times, in a fresh child process so matplotlib's
import is counted once, as ``mentorsheet report`` pays it:

* ``report``: the pure :func:`~mentorsheet.core.report.build_report`;
* ``tab rows``: the Report tab's rows;
* ``charts``: the five charts drawn as SVG (the first drawing imports matplotlib);
* ``page``: the HTML page;
* ``total``: all of these, the work of ``mentorsheet report`` after its read.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from rich import box
from rich.console import Console
from rich.table import Table

TODAY = date(2026, 12, 3)
SKILLS = [f"skill {n}" for n in range(40)]
STEPS = ("report", "tab rows", "charts", "page")


def _programme(pairings: int, seed: int) -> object:
    from mentorsheet.core.model import Mentee, Mentor, Pairing, Programme
    from mentorsheet.core.schema import Route, Status

    rng = random.Random(seed)
    mentors = tuple(
        Mentor(n + 2, f"Mentor {n}", f"mentor{n}@example.org",
               tuple(rng.sample(SKILLS, 3)), rng.randint(1, 4), True)
        for n in range(max(1, pairings // 10))
    )  # fmt: skip
    waiting = max(1, pairings // 5)
    mentees = tuple(
        Mentee(n + 2, f"Mentee {n}", f"mentee{n}@example.net",
               rng.choice(list(Route)), tuple(rng.sample(SKILLS, 2)),
               TODAY - timedelta(days=rng.randint(1, 200)))
        for n in range(waiting)
    )  # fmt: skip
    statuses = list(Status)
    rows = []
    for n in range(pairings):
        status = rng.choice(statuses)
        proposed = TODAY - timedelta(days=rng.randint(0, 700))
        intro = datetime.combine(proposed + timedelta(days=rng.randint(0, 5)), datetime.min.time())
        contact = intro.date() + timedelta(days=rng.randint(0, 10))
        mentor = mentors[n % len(mentors)]
        introduced = status not in (Status.PROPOSED, Status.APPROVED, Status.REJECTED)
        contacted = status in (Status.IN_CONTACT, Status.ENDED)
        rows.append(
            Pairing(
                n + 2,
                f"P-{n:06d}",
                status,
                f"Paired {n}",
                f"paired{n}@example.net",
                mentor.name,
                mentor.email,
                route=rng.choice(list(Route)),
                proposed_on=proposed,
                intro_sent_on=intro.replace(tzinfo=UTC) if introduced else None,
                contact_made_on=contact if contacted else None,
            )
        )
    return Programme(mentors=mentors, mentees=mentees, pairings=tuple(rows))


def measure(pairings: int, seed: int) -> dict[str, float]:
    """One size, in this process: seconds per step."""
    import holidays

    from mentorsheet.adapters.report_charts import draw_charts
    from mentorsheet.adapters.report_page import render_page
    from mentorsheet.core.lifecycle import BusinessCalendar
    from mentorsheet.core.model import Programme
    from mentorsheet.core.report import build_report, report_rows

    programme = _programme(pairings, seed)
    assert isinstance(programme, Programme)
    calendar = BusinessCalendar(ZoneInfo("Europe/London"), holidays.country_holidays("GB"))
    times: dict[str, float] = {}
    start = time.perf_counter()
    report = build_report(programme, today=TODAY, calendar=calendar, due_after_business_days=2)
    times["report"] = time.perf_counter() - start
    start = time.perf_counter()
    report_rows(report)
    times["tab rows"] = time.perf_counter() - start
    start = time.perf_counter()
    charts = draw_charts(report, "svg")
    times["charts"] = time.perf_counter() - start
    start = time.perf_counter()
    render_page(report, charts)
    times["page"] = time.perf_counter() - start
    times["total"] = sum(times[step] for step in STEPS)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(measure(args.child, args.seed)))
        return 0
    table = Table("pairings", *STEPS, "total", box=box.MARKDOWN, title="seconds")
    worst = 0.0
    for size in (int(s) for s in args.sizes.split(",")):
        child = [sys.executable, __file__, "--child", str(size), "--seed", str(args.seed)]
        out = subprocess.run(child, check=True, capture_output=True, text=True).stdout
        times = json.loads(out)
        if size == 10_000:
            worst = times["total"]
        table.add_row(f"{size:,}", *(f"{times[s]:.2f}" for s in (*STEPS, "total")))
    Console().print(table)
    if worst:
        print(
            f"10,000 pairings: {worst:.2f} s ({'within' if worst < 3 else 'OVER'} the 3 s budget)"
        )
    return 0 if worst < 3 else 1


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark the matcher on realistic generated programmes.

Usage: ``scripts/bench-matching [--sizes 1000x400,10000x3000] [--seed N]``

Each measurement runs in a fresh child process, so its peak resident memory
(``ru_maxrss``, which counts numpy, pandas and solver allocations too) is its
own. The child also reports the peak of Python-visible allocations under
``tracemalloc`` (numpy's included) from a second, traced run; the time comes
from the untraced run. A simple greedy pass is measured beside the solver
for comparison of the objective: Academy applicants paired, mentees paired,
total coverage.

Each kind of measurement is one entry of ``MEASUREMENTS``. ``propose (xlsx)``
is the whole ``mentorsheet propose`` over a local workbook holding the same
programme: read and validate every tab, match, append the proposals, rewrite
Problems, append the Runs row (writing the workbook first is not timed).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import openpyxl
from rich import box
from rich.console import Console
from rich.table import Table

from mentorsheet.adapters.channels.email.compose import Composer
from mentorsheet.adapters.channels.email.outbox import OutboxSender
from mentorsheet.adapters.workbook.xlsx import XlsxStore
from mentorsheet.app.run import Runner
from mentorsheet.config import load_config
from mentorsheet.core.matching import propose_pairings
from mentorsheet.core.matching.pool import prepare_pool
from mentorsheet.core.model import Mentee, Mentor, Pairing, Programme
from mentorsheet.core.schema import (
    COLUMNS,
    MENTEES,
    MENTORS,
    PAIRINGS,
    Route,
    Status,
)
from mentorsheet.core.statuses import FREEING_STATUSES

TEMPLATES = Path(__file__).resolve().parent.parent / "mentorsheet" / "templates"

TODAY = date(2026, 3, 2)
DEFAULT_SIZES = "1000x400,10000x3000"
SKILLS = (
    "python", "javascript", "sql", "career advice", "testing", "react", "java", "aws",
    "data analysis", "git", "docker", "interviews", "typescript", "machine learning", "ux",
    "c#", "kubernetes", "go", "product management", "linux", "agile", "node.js", "excel",
    "security", "terraform", "django", "pandas", "leadership", "accessibility", "rust",
    "kotlin", "swift", "android", "ios", "php", "ruby", "scala", "spark", "azure", "gcp",
    "ci/cd", "networking", "statistics", "design systems", "figma", "public speaking",
    "open source", "devops", "flutter", "c++", "graphql", "mongodb", "postgresql",
    "observability", "system design", "vue", "angular", "writing", "sre", "embedded",
)  # fmt: skip


# --- realistic programmes --------------------------------------------------------------


def _zipf_weights(count: int, exponent: float = 1.1) -> list[float]:
    return [1.0 / (rank + 1) ** exponent for rank in range(count)]


def _skills(rng: random.Random, weights: Sequence[float], low: int, high: int) -> tuple[str, ...]:
    wanted = rng.randint(low, high)
    chosen: dict[str, None] = {}
    while len(chosen) < wanted:
        chosen[rng.choices(SKILLS, weights)[0]] = None
    return tuple(chosen)


def generate_programme(mentee_count: int, mentor_count: int, seed: int) -> Programme:
    """Skewed skill popularity (Zipf over 60 skills), 1-4 skills each, ~30% Academy,
    capacities 1-3, ~90% of mentors active, and some pairings in every status."""
    rng = random.Random(seed)
    weights = _zipf_weights(len(SKILLS))
    mentors = [
        Mentor(
            row=k + 2,
            name=f"Mentor {k}",
            email=f"mentor{k:05d}@example.org",
            skills=_skills(rng, weights, 1, 4),
            capacity=rng.randint(1, 3),
            active=rng.random() < 0.9,
        )
        for k in range(mentor_count)
    ]
    mentees = [
        Mentee(
            row=k + 2,
            name=f"Mentee {k}",
            email=f"mentee{k:05d}@example.net",
            route=Route.ACADEMY if rng.random() < 0.3 else Route.COMMUNITY,
            skills_wanted=_skills(rng, weights, 0 if rng.random() < 0.03 else 1, 4),
            requested_on=None if rng.random() < 0.05 else TODAY - timedelta(rng.randint(0, 365)),
        )
        for k in range(mentee_count)
    ]
    # Past pairings: about one per ten mentees, in every status; the mentees
    # involved are extra people (already served), except Rejected and Ended
    # ones, which name current mentees (they return to the pool).
    statuses = list(Status)
    pairings: list[Pairing] = []
    for k in range(mentee_count // 10):
        status = rng.choice(statuses)
        who = (
            rng.choice(mentees).email if status in FREEING_STATUSES else f"past{k:05d}@example.net"
        )
        pairings.append(
            Pairing(
                row=k + 2,
                pairing_id=f"P-{k + 1:06d}",
                status=status,
                mentee_name="Someone",
                mentee_email=who,
                mentor_name="Someone",
                mentor_email=rng.choice(mentors).email,
            )
        )
    return Programme(mentors=tuple(mentors), mentees=tuple(mentees), pairings=tuple(pairings))


# --- what is measured ------------------------------------------------------------------


@dataclass(frozen=True)
class Objective:
    academy: int
    paired: int
    coverage: float


def _coverage(wanted: Sequence[str], offered: Sequence[str]) -> float:
    unique = set(wanted)
    return len(unique & set(offered)) / len(unique) if unique else 0.0


def run_solver(programme: Programme) -> Objective:
    result = propose_pairings(programme, today=TODAY)
    return Objective(
        academy=sum(1 for p in result.proposals if p.mentee.route == Route.ACADEMY),
        paired=len(result.proposals),
        coverage=sum(p.score for p in result.proposals),
    )


def run_greedy(programme: Programme) -> Objective:
    """The obvious hand-made pass: Academy first, longest waiting first, each
    taking the free mentor with the best coverage (any free mentor for an
    Academy applicant with no shared skill). Baseline only.

    Who may pair with whom is the solver's own pool (free places, pauses,
    pairs never proposed twice), so the two differ only in how they choose.
    """
    pool = prepare_pool(programme, today=TODAY)
    mentors = list(pool.mentors)
    free = {m.email: places for m, places in zip(pool.mentors, pool.free, strict=True)}
    offering: dict[str, list[Mentor]] = {}
    for m in mentors:
        for skill in sorted(set(m.skills)):
            offering.setdefault(skill, []).append(m)
    rejected = pool.rejected
    queue = sorted(
        pool.mentees,
        key=lambda m: (
            m.route != Route.ACADEMY,
            m.requested_on is None,
            m.requested_on or date.min,
            m.email,
        ),
    )
    academy = paired = 0
    coverage = 0.0
    for mentee in queue:
        best: tuple[float, str] | None = None
        for skill in sorted(set(mentee.skills_wanted)):
            for mentor in offering.get(skill, ()):
                if free[mentor.email] > 0 and (mentee.email, mentor.email) not in rejected:
                    score = _coverage(mentee.skills_wanted, mentor.skills)
                    if best is None or score > best[0]:
                        best = (score, mentor.email)
        if best is None and mentee.route == Route.ACADEMY:
            best = next(
                (
                    (0.0, m.email)
                    for m in mentors
                    if free[m.email] > 0 and (mentee.email, m.email) not in rejected
                ),
                None,
            )
        if best is not None:
            free[best[1]] -= 1
            paired += 1
            academy += mentee.route == Route.ACADEMY
            coverage += best[0]
    return Objective(academy=academy, paired=paired, coverage=coverage)


def _workbook_rows(programme: Programme) -> dict[str, list[dict[str, str]]]:
    return {
        MENTORS: [
            {
                "Name": m.name,
                "Email": m.email,
                "Skills": ", ".join(m.skills),
                "Capacity": str(m.capacity),
                "Active": "yes" if m.active else "no",
            }
            for m in programme.mentors
        ],
        MENTEES: [
            {
                "Name": m.name,
                "Email": m.email,
                "Route": m.route.value,
                "Skills wanted": ", ".join(m.skills_wanted),
                "Requested on": m.requested_on.isoformat() if m.requested_on else "",
            }
            for m in programme.mentees
        ],
        PAIRINGS: [
            {
                "Pairing ID": p.pairing_id,
                "Status": p.status.value,
                "Mentee": p.mentee_name,
                "Mentee email": p.mentee_email,
                "Mentor": p.mentor_name,
                "Mentor email": p.mentor_email,
            }
            for p in programme.pairings
        ],
    }


def prepare_workbook_propose(programme: Programme) -> Callable[[], Objective]:
    """Write ``programme`` to a fresh .xlsx (untimed); return the timed ``propose`` run."""
    folder = Path(tempfile.mkdtemp(prefix="mentorsheet-bench-"))
    config = load_config(
        None,
        environ={},
        overrides={
            "workbook": {"path": str(folder / "programme.xlsx")},
            "mail": {"outbox_dir": str(folder / "outbox")},
        },
    )
    store = XlsxStore(folder / "programme.xlsx", config.workbook)
    store.init_tabs()
    book = openpyxl.load_workbook(folder / "programme.xlsx")
    for tab, records in _workbook_rows(programme).items():
        sheet = book[tab]
        for record in records:
            sheet.append([record.get(column, "") for column in COLUMNS[tab]])
    book.save(folder / "programme.xlsx")

    def run() -> Objective:
        runner = Runner(
            config=config,
            store=XlsxStore(folder / "programme.xlsx", config.workbook),
            sender=OutboxSender(folder / "outbox"),
            composer=Composer(config.mail, templates_dir=TEMPLATES),
            clock=lambda: datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        )
        report = runner.run("propose", dry_run=False)
        proposals = report.match.proposals
        return Objective(
            academy=sum(1 for p in proposals if p.mentee.route == Route.ACADEMY),
            paired=len(proposals),
            coverage=sum(p.score for p in proposals),
        )

    return run


def _prepared(
    run: Callable[[Programme], Objective],
) -> Callable[[Programme], Callable[[], Objective]]:
    return lambda programme: lambda: run(programme)


# Each entry prepares (untimed) and returns the timed run.
MEASUREMENTS: dict[str, Callable[[Programme], Callable[[], Objective]]] = {
    "solver": _prepared(run_solver),
    "greedy": _prepared(run_greedy),
    "propose (xlsx)": prepare_workbook_propose,
}


@dataclass(frozen=True)
class Measurement:
    kind: str
    mentees: int
    mentors: int
    seconds: float
    peak_rss_mb: float  # whole child process, generation and imports included
    baseline_rss_mb: float  # the same process before the measured run
    traced_peak_mb: float  # Python-visible allocations during the run (tracemalloc)
    objective: Objective


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measure_here(kind: str, mentees: int, mentors: int, seed: int) -> Measurement:
    """Run one measurement in this process (the child's side)."""
    programme = generate_programme(mentees, mentors, seed)
    prepare = MEASUREMENTS[kind]
    run = prepare(programme)
    baseline = _rss_mb()
    started = time.perf_counter()
    objective = run()
    seconds = time.perf_counter() - started
    peak = _rss_mb()
    run = prepare(programme)  # a fresh workbook: the first run appended its proposals
    tracemalloc.start()
    run()
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return Measurement(
        kind=kind,
        mentees=mentees,
        mentors=mentors,
        seconds=seconds,
        peak_rss_mb=peak,
        baseline_rss_mb=baseline,
        traced_peak_mb=traced_peak / 2**20,
        objective=objective,
    )


def measure_in_child(kind: str, mentees: int, mentors: int, seed: int) -> Measurement:
    """Run one measurement in a fresh interpreter, so its peak memory is its own."""
    completed = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            kind,
            "--sizes",
            f"{mentees}x{mentors}",
            "--seed",
            str(seed),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    data = json.loads(completed.stdout)
    data["objective"] = Objective(**data["objective"])
    return Measurement(**data)


# --- the table -------------------------------------------------------------------------


def parse_sizes(text: str) -> list[tuple[int, int]]:
    sizes: list[tuple[int, int]] = []
    for part in text.split(","):
        mentees, _, mentors = part.strip().lower().partition("x")
        if not (mentees.isdigit() and mentors.isdigit()):
            raise argparse.ArgumentTypeError(f"size {part!r} is not MENTEESxMENTORS, e.g. 1000x400")
        sizes.append((int(mentees), int(mentors)))
    return sizes


def render(measurements: Sequence[Measurement], console: Console) -> None:
    table = Table(
        title="Matching benchmark" if console.is_terminal else None,
        box=box.ROUNDED if console.is_terminal else box.MARKDOWN,
    )
    for header in (
        "mentees × mentors",
        "method",
        "time (s)",
        "peak RSS (MB)",
        "RSS before (MB)",
        "traced peak (MB)",
        "Academy paired",
        "paired",
        "coverage",
    ):
        table.add_column(header, justify="left" if header == "method" else "right")
    for m in measurements:
        table.add_row(
            f"{m.mentees:,} × {m.mentors:,}",
            m.kind,
            f"{m.seconds:.2f}",
            f"{m.peak_rss_mb:,.0f}",
            f"{m.baseline_rss_mb:,.0f}",
            f"{m.traced_peak_mb:,.0f}",
            f"{m.objective.academy:,}",
            f"{m.objective.paired:,}",
            f"{m.objective.coverage:,.1f}",
        )
    console.print(table)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=parse_sizes(DEFAULT_SIZES),
        help=f"comma-separated MENTEESxMENTORS (default {DEFAULT_SIZES})",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated programmes")
    parser.add_argument("--child", choices=sorted(MEASUREMENTS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sizes: list[tuple[int, int]] = args.sizes
    if args.child:
        (mentees, mentors), *_ = sizes
        measurement = measure_here(args.child, mentees, mentors, args.seed)
        print(json.dumps(asdict(measurement)))
        return 0
    measurements = [
        measure_in_child(kind, mentees, mentors, args.seed)
        for mentees, mentors in sizes
        for kind in MEASUREMENTS
    ]
    console = Console()
    if not console.is_terminal:
        console = Console(width=200)  # a Markdown table, one line per row
    render(measurements, console)
    return 0


if __name__ == "__main__":
    sys.exit(main())

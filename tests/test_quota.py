"""Sheets requests per command on a 5,000-row workbook, and the README's table of them.

Sheets allows 60 requests a minute per user, so every command costs a constant
number of requests whatever the row count. The README promises the numbers;
this test measures them over the fake Sheets API and holds the README to them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mentorsheet.adapters.channels.email.outbox import OutboxSender
from mentorsheet.app.forget import forget
from mentorsheet.app.run import COMMANDS, Runner
from mentorsheet.app.wiring import build_composer
from mentorsheet.config import Config
from mentorsheet.core.schema import MENTEES, MENTORS, PAIRINGS, PROBLEMS, RUNS
from tests.fakes.sheets_api import FakeSheets, make_google_store
from tests.workbooks import make_config, mentee, mentor, tab_rows

README = Path(__file__).resolve().parent.parent / "README.md"
MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def pairing_row(n: int, status: str, **extra: str) -> dict[str, str]:
    return {
        "Pairing ID": f"P-{n:05d}",
        "Status": status,
        "Mentee": f"Mentee {n}",
        "Mentee email": f"mentee{n}@example.net",
        "Mentor": f"Mentor {n % 400}",
        "Mentor email": f"mentor{n % 400}@example.org",
        "Proposed on": "2026-10-01",
        **extra,
    }


def seed(fake: FakeSheets, pairings: int) -> None:
    """A programme with something for every step: proposals, intros, reminders, a digest."""
    rows = []
    for n in range(pairings):
        if n < 5:  # approved: one flush of intros (flush_every is 10)
            rows.append(pairing_row(n, "Approved"))
        elif n < 10:  # overdue, reminder due
            intro = (MONDAY - timedelta(days=7)).date().isoformat()
            rows.append(pairing_row(n, "Awaiting contact", **{"Intro sent on": intro}))
        elif n < 12:  # waiting for staff: the digest is due
            rows.append(pairing_row(n, "Proposed"))
        else:
            rows.append(pairing_row(n, "Ended" if n % 3 else "In contact"))
    mentors = [
        mentor(f"Mentor {k}", f"mentor{k}@example.org", "Python, SQL", 30) for k in range(400)
    ]
    mentees = [
        mentee(
            f"New {k}", f"new{k}@example.net", "Academy" if k % 3 == 0 else "Community", "python"
        )
        for k in range(50)
    ]
    fake.add_tab(MENTORS, tab_rows(MENTORS, mentors))
    fake.add_tab(MENTEES, tab_rows(MENTEES, mentees))
    fake.add_tab(PAIRINGS, tab_rows(PAIRINGS, rows))
    fake.add_tab(PROBLEMS, tab_rows(PROBLEMS, []))
    fake.add_tab(RUNS, tab_rows(RUNS, []))


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(
        tmp_path,
        workbook={"backend": "google", "spreadsheet": "fake"},
    )


class ServiceAccount:
    """Credentials naming the run's account: the write lock is taken (as in GitHub Actions)."""

    service_account_email = "mentorsheet@programme-project.iam.gserviceaccount.com"


def measure(
    config: Config, command: str, *, pairings: int, dry_run: bool = False, locked: bool = False
) -> tuple[int, int]:
    fake = FakeSheets()
    fake.clock.moment = MONDAY
    seed(fake, pairings)
    fake.reset_counts()
    runner = Runner(
        config=config,
        store=make_google_store(
            fake,
            config.workbook,
            credentials=ServiceAccount() if locked else None,  # type: ignore[arg-type]
        ),
        sender=OutboxSender(
            Path(config.mail.outbox_dir) / f"{command}-{pairings}-{dry_run}-{locked}"
        ),
        composer=build_composer(config),
        clock=fake.clock.now,
    )
    report = runner.run(command, dry_run=dry_run)  # type: ignore[arg-type]
    assert report.ok, report.result_text()
    assert (report.stats.reads, report.stats.writes) == (fake.reads, fake.writes)
    return fake.reads, fake.writes


def readme_table() -> dict[str, tuple[int, int]]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Google Sheets quota", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([^`]+)` \| (\d+) \| (\d+) \|", section, flags=re.M)
    assert rows, "the README's quota table is missing"
    return {name: (int(reads), int(writes)) for name, reads, writes in rows}


@pytest.fixture(scope="module")
def promised() -> dict[str, tuple[int, int]]:
    return readme_table()


@pytest.mark.parametrize("command", COMMANDS)
def test_requests_per_command_match_the_readme(
    config: Config, command: str, promised: dict[str, tuple[int, int]]
) -> None:
    measured = measure(config, command, pairings=5000)
    assert measured == promised[command]
    # Constant whatever the row count.
    assert measure(config, command, pairings=20) == measured


def test_a_complete_run_stays_within_four_reads_and_five_writes(config: Config) -> None:
    reads, writes = measure(config, "run", pairings=5000)
    assert reads <= 4
    assert writes <= 5


def test_dry_run_only_reads(config: Config, promised: dict[str, tuple[int, int]]) -> None:
    assert measure(config, "run", pairings=5000, dry_run=True) == promised["run --dry-run"]
    assert promised["run --dry-run"][1] == 0


def test_a_long_send_batch_adds_one_read_and_one_write_per_flush(tmp_path: Path) -> None:
    config = make_config(
        tmp_path,
        workbook={"backend": "google", "spreadsheet": "fake"},
        mail={"flush_every": 2},
    )
    # The five Approved rows' intros, two per flush.
    reads, writes = measure(config, "intro", pairings=5000)
    assert reads == 3 + 3  # tabs, cells, re-locate; each flush re-reads its rows' Status
    assert writes == 1 + 1 + 3 + 1  # lease, marks, ceil(5 / 2) flushes, finish


def locked_costs() -> dict[str, tuple[int, int]]:
    text = README.read_text(encoding="utf-8")
    found = re.search(
        r"`intro` costs\s+(\d+) reads and (\d+) writes, `run` (\d+) reads and (\d+) writes",
        text,
    )
    assert found, "the README no longer says what the write lock costs"
    r1, w1, r2, w2 = (int(n) for n in found.groups())
    return {"intro": (r1, w1), "run": (r2, w2)}


@pytest.mark.parametrize("command", COMMANDS)
def test_under_a_service_account_a_flush_reads_by_writing(
    config: Config, command: str, promised: dict[str, tuple[int, int]]
) -> None:
    expected = locked_costs().get(command, promised[command])
    assert measure(config, command, pairings=5000, locked=True) == expected
    assert measure(config, command, pairings=20, locked=True) == expected
    # Each flush's read became a write, nothing else changed: intro and run flush once.
    flushes = {"intro": 1, "run": 1}.get(command, 0)
    reads, writes = promised[command]
    assert expected == (reads - flushes, writes + flushes)


def test_init_cost_matches_the_readme(config: Config) -> None:
    costs = []
    for existing in (False, True):
        fake = FakeSheets()
        fake.add_tab("Sheet1", [])
        if existing:  # the tabs are there, without mentorsheet's formatting
            seed(fake, 20)
        fake.reset_counts()
        store = make_google_store(fake, config.workbook)
        assert store.init_tabs()
        costs.append((fake.reads, fake.writes))
        fake.reset_counts()
        assert store.init_tabs() == []  # a second time: nothing to do, nothing written
        assert fake.writes == 0
    reads = max(r for r, _ in costs)
    writes = max(w for _, w in costs)
    text = README.read_text(encoding="utf-8")
    assert f"`init` costs at most {reads} reads and {writes} write" in text


def test_forget_costs_what_the_readme_says(
    config: Config, promised: dict[str, tuple[int, int]]
) -> None:
    for pairings in (5000, 20):
        fake = FakeSheets()
        fake.clock.moment = MONDAY
        seed(fake, pairings)
        fake.reset_counts()
        store = make_google_store(fake, config.workbook)
        report = forget(config, store, "Mentor7@example.org", clock=fake.clock.now)
        assert report.count > 3  # the mentor's row and their pairings' cells
        assert (fake.reads, fake.writes) == promised["forget"] == (2, 2)


def test_retention_rides_in_the_finish_and_costs_no_request(
    tmp_path: Path, promised: dict[str, tuple[int, int]]
) -> None:
    config = make_config(
        tmp_path,
        workbook={"backend": "google", "spreadsheet": "fake", "retention_months": 1},
    )
    fake = FakeSheets()
    fake.clock.moment = MONDAY
    seed(fake, 5000)  # its Ended rows were proposed on 1 October: over a month ago
    fake.reset_counts()
    runner = Runner(
        config=config,
        store=make_google_store(fake, config.workbook),
        sender=OutboxSender(Path(config.mail.outbox_dir)),
        composer=build_composer(config),
        clock=fake.clock.now,
    )
    report = runner.run("run")
    assert report.ok, report.result_text()
    assert report.erased_cells == 200 * 4  # the oldest 200 pairings: both names and emails
    assert (fake.reads, fake.writes) == promised["run"]

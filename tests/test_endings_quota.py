"""Sheets requests when a run also sends closing emails and re-pair notes.

The same 5,000-row programme as tests/test_quota.py, with some Ended
pairings armed for a closing email and one Re-pair. Their marks ride in the
first write, and their results need the results flush intros already use:
``run`` stays at 3 reads and 5 writes; ``status`` alone, which otherwise
records reminders by their marks only, adds that one flush.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mentorsheet.adapters.channels.email.outbox import OutboxSender
from mentorsheet.app.run import Runner
from mentorsheet.app.wiring import build_composer
from mentorsheet.config import Config
from mentorsheet.core.schema import PAIRINGS
from tests.fakes.sheets_api import FakeSheets, make_google_store
from tests.test_quota import MONDAY, seed
from tests.workbooks import make_config


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path, workbook={"backend": "google", "spreadsheet": "fake"})


def measure(config: Config, command: str, *, pairings: int) -> tuple[int, int, int]:
    fake = FakeSheets()
    fake.clock.moment = MONDAY
    seed(fake, pairings)
    # Rows 12 on are Ended where n % 3, In contact otherwise: arm three Ended ones
    # (introduced) and make one a Re-pair.
    for n in (13, 14, 16, 17):
        fake.set_cell(PAIRINGS, n + 2, "Intro sent on", "2026-10-05T09:00:00+00:00")
        fake.set_cell(PAIRINGS, n + 2, "Closing email", "due when Ended")
    fake.set_cell(PAIRINGS, 17 + 2, "Status", "Re-pair")
    fake.reset_counts()
    runner = Runner(
        config=config,
        store=make_google_store(fake, config.workbook),
        sender=OutboxSender(Path(config.mail.outbox_dir) / f"{command}-{pairings}"),
        composer=build_composer(config),
        clock=fake.clock.now,
    )
    report = runner.run(command)  # type: ignore[arg-type]
    assert report.ok, report.result_text()
    endings = sum(1 for s in report.sends if s.kind in ("closing", "repair-note"))
    return fake.reads, fake.writes, endings


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("run", (4, 5, 4)),  # as the README's table: the flush was there for the intros
        ("status", (4, 4, 4)),  # the README's 3 and 3, plus the results flush (a read, a write)
        ("intro", (4, 4, 0)),
        ("propose", (3, 3, 0)),
        ("digest", (2, 3, 0)),
    ],
)
def test_closing_messages_cost_at_most_the_results_flush(
    config: Config, command: str, expected: tuple[int, int, int]
) -> None:
    assert measure(config, command, pairings=5000) == expected
    assert measure(config, command, pairings=20) == expected

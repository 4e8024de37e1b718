"""Google's developer-metadata limit: large programmes keep running.

Google allows 30,000 characters of developer metadata (keys and values) for
the spreadsheet and for each sheet; the fake refuses a creation past it, like
Google. The run's row tags stay within it at any row count.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
import stamina

from mentorsheet.adapters.channels.email.outbox import OutboxSender
from mentorsheet.adapters.workbook.contract import PairingUpdate
from mentorsheet.adapters.workbook.google.tags import TAG_KEY
from mentorsheet.app.run import Runner
from mentorsheet.app.wiring import build_composer
from mentorsheet.config import Config
from mentorsheet.core.schema import MENTEES, MENTORS, PAIRINGS, PROBLEMS, RUNS
from mentorsheet.errors import WorkbookError
from tests.fakes.sheets_api import METADATA_LIMIT, FakeSheets, make_google_store
from tests.workbooks import make_config, mentee, mentor, tab_rows

MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _no_backoff() -> Iterator[None]:
    with stamina.set_testing(True, attempts=100, cap=True):
        yield


def create(fake: FakeSheets, location: dict[str, object], value: str) -> requests.Response:
    body = {
        "requests": [
            {
                "createDeveloperMetadata": {
                    "developerMetadata": {
                        "metadataKey": "k",
                        "metadataValue": value,
                        "location": location,
                        "visibility": "DOCUMENT",
                    }
                }
            }
        ]
    }
    url = f"https://sheets.googleapis.com/v4/spreadsheets/{fake.spreadsheet_id}:batchUpdate"
    return fake.session().post(url, json=body, timeout=5)


def test_the_fake_refuses_metadata_past_the_limit_per_sheet_and_spreadsheet() -> None:
    fake = FakeSheets()
    fake.add_tab("A", [["x"], ["1"], ["2"]])
    fake.add_tab("B", [["x"], ["1"]])
    sheet_a = fake.book.tab("A").sheet_id
    sheet_b = fake.book.tab("B").sheet_id
    rows = {"sheetId": sheet_a, "dimension": "ROWS", "startIndex": 1, "endIndex": 2}
    row: dict[str, object] = {"dimensionRange": rows}
    assert create(fake, row, "v" * (METADATA_LIMIT - 2)).ok  # "k" + value: one under
    refused = create(fake, {"sheetId": sheet_a}, "vv")
    assert refused.status_code == 400
    assert f"would exceed the limit of {METADATA_LIMIT} characters" in refused.text
    assert create(fake, {"sheetId": sheet_b}, "v" * (METADATA_LIMIT - 1)).ok  # another sheet
    assert create(fake, {"spreadsheet": True}, "v" * (METADATA_LIMIT - 1)).ok
    assert create(fake, {"spreadsheet": True}, "v").status_code == 400


def seed(fake: FakeSheets, *, approved: int, mentees: int) -> None:
    rows = [
        {
            "Pairing ID": f"P-{n:05d}",
            "Status": "Approved",
            "Mentee": f"Mentee {n}",
            "Mentee email": f"mentee{n}@example.net",
            "Mentor": f"Mentor {n % 50}",
            "Mentor email": f"mentor{n % 50}@example.org",
            "Proposed on": "2026-10-01",
        }
        for n in range(approved)
    ]
    mentors = [mentor(f"Mentor {k}", f"mentor{k}@example.org", "python", 500) for k in range(50)]
    people = [
        mentee(f"New {k}", f"new{k}@example.net", "Community", "python") for k in range(mentees)
    ]
    fake.add_tab(MENTORS, tab_rows(MENTORS, mentors))
    fake.add_tab(MENTEES, tab_rows(MENTEES, people))
    fake.add_tab(PAIRINGS, tab_rows(PAIRINGS, rows))
    fake.add_tab(PROBLEMS, tab_rows(PROBLEMS, []))
    fake.add_tab(RUNS, tab_rows(RUNS, []))


class ServiceAccount:
    """Credentials naming the run's account: the write lock is taken."""

    service_account_email = "mentorsheet@programme-project.iam.gserviceaccount.com"


def run(
    tmp_path: Path, fake: FakeSheets, command: str, *, locked: bool = False, **mail: object
) -> Config:
    config = make_config(
        tmp_path,
        workbook={"backend": "google", "spreadsheet": "fake"},
        mail={"max_per_run": 2000, **mail},
    )
    fake.clock.moment = MONDAY
    fake.reset_counts()
    runner = Runner(
        config=config,
        store=make_google_store(
            fake,
            config.workbook,
            credentials=ServiceAccount() if locked else None,  # type: ignore[arg-type]
        ),
        sender=OutboxSender(Path(config.mail.outbox_dir)),
        composer=build_composer(config),
        clock=fake.clock.now,
    )
    report = runner.run(command)  # type: ignore[arg-type]
    assert report.ok, report.result_text()
    return config


def statuses(fake: FakeSheets) -> list[str]:
    return [row.get("Status", "") for row in fake.records(PAIRINGS)]


def test_a_5000_proposal_propose_succeeds_and_tags_nothing(tmp_path: Path) -> None:
    fake = FakeSheets()
    seed(fake, approved=0, mentees=5000)
    started = time.monotonic()
    run(tmp_path, fake, "propose")
    assert statuses(fake).count("Proposed") == 5000
    assert not fake.metadata(TAG_KEY)
    assert (fake.reads, fake.writes) == (3, 3)  # the README's propose cost, unchanged
    assert time.monotonic() - started < 120


def test_a_2000_intro_batch_succeeds_within_the_limit(tmp_path: Path) -> None:
    fake = FakeSheets()
    seed(fake, approved=2000, mentees=0)
    run(tmp_path, fake, "intro", flush_every=100)
    assert statuses(fake) == ["Awaiting contact"] * 2000
    assert not fake.metadata(TAG_KEY)  # every tag removed at the end
    # One write per flush (lease, marks, 20 flushes, finish) and one read (its
    # re-read of Status); reaching rows beyond the tags' budget re-locates (one
    # read) before sending them, and the flush then tags the next ones.
    assert fake.writes == 1 + 1 + 20 + 1
    assert fake.reads == 3 + 20 + 6  # the README's figure


def test_a_2000_intro_batch_under_the_write_lock_reads_each_flush_by_writing(
    tmp_path: Path,
) -> None:
    fake = FakeSheets()
    seed(fake, approved=2000, mentees=0)
    run(tmp_path, fake, "intro", locked=True, flush_every=100)
    assert statuses(fake) == ["Awaiting contact"] * 2000
    assert not fake.metadata(TAG_KEY)
    assert not fake.book.tab(PAIRINGS).protected_ranges  # every lock lifted
    # Lease, marks, 20 flushes of two writes each (the read that takes the lock, the
    # write that lifts it), finish; the reads are only the run's own three.
    assert (fake.reads, fake.writes) == (3, 1 + 1 + 20 * 2 + 1)


def test_a_killed_runs_tags_make_room_for_the_next_run(tmp_path: Path) -> None:
    fake = FakeSheets()
    seed(fake, approved=400, mentees=0)
    # A killed run tagged 400 rows (about 24,000 characters): 250 more would not fit.
    for n in range(400):
        value = f'{{"id":"P-{n:05d}","run":"0123456789abcdef"}}'
        fake.set_metadata(TAG_KEY, value, row=(PAIRINGS, n + 2))
    run(tmp_path, fake, "intro", flush_every=50)
    assert statuses(fake) == ["Awaiting contact"] * 400
    assert not fake.metadata(TAG_KEY)


def test_rows_moved_in_the_instant_of_a_write_without_tags_are_detected() -> None:
    """Untagged rows (nothing sent to them) are checked against the response too."""
    from tests.test_gsheets_store import is_relocation, make_config, seed

    fake = FakeSheets()
    seed(fake)
    store = make_google_store(fake, make_config())
    fake.once_after(is_relocation, lambda f: f.sort_rows(PAIRINGS, "Pairing ID", descending=True))
    with store.session("run") as session, pytest.raises(WorkbookError, match="P-0001"):
        session.write([], [PairingUpdate("P-0001", {"Status": "Contact overdue"})], again=set())
    assert not fake.metadata(TAG_KEY)

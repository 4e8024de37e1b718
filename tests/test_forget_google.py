"""``forget`` on Google Sheets: every tab locked from the lease to the finish, cells changed by
find-and-replace of exactly what was read, so staff moving rows never costs another person a cell.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import stamina

from mentorsheet.adapters.workbook.google.lock import PREFIX
from mentorsheet.adapters.workbook.google.store import GoogleSheetsStore
from mentorsheet.app.forget import forget
from mentorsheet.config import Config
from mentorsheet.core.schema import MENTEES, MENTORS, PAIRINGS, PROBLEMS, RUNS
from tests.fakes.sheets_api import FakeSheets, RecordedRequest, StaffEditRefused
from tests.test_gsheets_store import SERVICE_ACCOUNT
from tests.workbooks import make_config, mentee, mentor, pairing, tab_rows

FORM = "Form responses 1"


class ServiceAccount:
    service_account_email = SERVICE_ACCOUNT


@pytest.fixture(autouse=True)
def _no_backoff() -> Iterator[None]:
    with stamina.set_testing(True, attempts=100, cap=True):
        yield


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path, workbook={"backend": "google", "spreadsheet": "fake"})


@pytest.fixture
def fake() -> FakeSheets:
    fake = FakeSheets()
    mentors = [
        mentor("Ada Lovelace", "ada@example.org", "python"),
        mentor("Zed Shaw", "zed@example.org", "python"),
    ]
    mentees = [  # the same skills and notes: only the email tells the rows apart
        {**mentee("Sam Reyes", "sam@example.net", "Academy", "python"), "Notes": "evenings"},
        {**mentee("Abe Ames", "abe@example.net", "Academy", "python"), "Notes": "evenings"},
    ]
    pairings = [
        pairing("P-0001", "In contact", "sam@example.net", "Sam Reyes", mentor_name="Ada Lovelace"),
        pairing(
            "P-0002",
            "In contact",
            "abe@example.net",
            "Abe Ames",
            mentor_name="Zed Shaw",
            mentor_email="zed@example.org",
        ),
    ]
    fake.add_tab(MENTORS, tab_rows(MENTORS, mentors), frozen_rows=1)
    fake.add_tab(MENTEES, tab_rows(MENTEES, mentees), frozen_rows=1)
    fake.add_tab(PAIRINGS, tab_rows(PAIRINGS, pairings), frozen_rows=1)
    fake.add_tab(PROBLEMS, tab_rows(PROBLEMS, []), frozen_rows=1)
    fake.add_tab(RUNS, tab_rows(RUNS, []), frozen_rows=1)
    fake.add_tab(FORM, [["Timestamp", "Email"], ["2026-10-30 09:12:00", "sam@example.net"]])
    return fake


def store_for(fake: FakeSheets, config: Config) -> GoogleSheetsStore:
    account: Any = ServiceAccount()
    return GoogleSheetsStore(
        fake.spreadsheet_id,
        config.workbook,
        credentials=account,
        session=fake.session(),
        clock=fake.clock.now,
        sleep=fake.clock.sleep,
    )


def is_read_of_every_tab(request: RecordedRequest) -> bool:
    return request.method == "GET" and "includeGridData" in request.params


def locks(fake: FakeSheets) -> list[str]:
    return [
        tab.title
        for tab in fake.book.tabs
        for p in tab.protected_ranges
        if str(p.get("description", "")).startswith(PREFIX)
    ]


def test_every_tab_is_locked_from_the_lease_to_the_finish(fake: FakeSheets, config: Config) -> None:
    refused: list[str] = []

    def staff_edit(f: FakeSheets) -> None:
        assert sorted(locks(f)) == sorted(f.titles)
        for title in (MENTEES, FORM):
            try:
                f.set_cell(title, 2, 2, "typed meanwhile")
            except StaffEditRefused:
                refused.append(title)

    fake.once_after(is_read_of_every_tab, staff_edit)
    forget(config, store_for(fake, config), "sam@example.net", clock=fake.clock.now)
    assert refused == [MENTEES, FORM]
    assert locks(fake) == []  # removed with the erasures, in the finish


def test_the_owner_sorting_meanwhile_never_costs_another_person_a_cell(
    fake: FakeSheets, config: Config
) -> None:
    def owner_sorts(f: FakeSheets) -> None:
        f.acting_as = f.owner  # the owner may always edit a protected range
        f.sort_rows(MENTEES, "Name")  # Abe moves to Sam's row
        f.sort_rows(PAIRINGS, "Mentee")
        f.acting_as = f.staff_user

    fake.once_after(is_read_of_every_tab, owner_sorts)
    forget(config, store_for(fake, config), "sam@example.net", clock=fake.clock.now)
    abe = [r for r in fake.records(MENTEES) if r["Email"] == "abe@example.net"]
    assert abe == [{**abe[0], "Name": "Abe Ames", "Skills wanted": "python", "Notes": "evenings"}]
    [p2] = [r for r in fake.records(PAIRINGS) if r["Pairing ID"] == "P-0002"]
    assert (p2["Mentee"], p2["Mentee email"]) == ("Abe Ames", "abe@example.net")
    # Sam's moved cells were left whole (the email still finds them): a second forget does it.
    forget(config, store_for(fake, config), "sam@example.net", clock=fake.clock.now)
    cells = " ".join(c for title in fake.titles for row in fake.tab_values(title) for c in row)
    assert "sam" not in cells.casefold()
    assert "Abe Ames" in cells and "abe@example.net" in cells


def test_forget_costs_two_reads_and_two_writes(fake: FakeSheets, config: Config) -> None:
    fake.reset_counts()
    report = forget(config, store_for(fake, config), "sam@example.net", clock=fake.clock.now)
    assert (fake.reads, fake.writes) == (2, 2)
    assert (report.stats.reads, report.stats.writes) == (2, 2)
    fake.reset_counts()
    forget(config, store_for(fake, config), "abe@example.net", clock=fake.clock.now, dry_run=True)
    assert (fake.reads, fake.writes) == (2, 0)


def test_find_replace_in_the_fake_follows_the_documented_options(fake: FakeSheets) -> None:
    """The fake's findReplace, as Sheets documents it: whole cell, case, scope."""
    api = store_for(fake, make_config(Path("."), workbook={"backend": "google"})).api()
    mentees_id = fake.book.tab(MENTEES).sheet_id
    response = api.batch_update(
        {
            "requests": [
                {
                    "findReplace": {
                        "find": "EVENINGS",
                        "replacement": "x",
                        "sheetId": mentees_id,
                        "matchEntireCell": True,
                    }
                },
                {
                    "findReplace": {
                        "find": "Ames",
                        "replacement": "A.",
                        "sheetId": mentees_id,
                        "matchCase": True,
                    }
                },
                {
                    "findReplace": {
                        "find": "ames",
                        "replacement": "?",
                        "allSheets": True,
                        "matchCase": True,
                        "matchEntireCell": True,
                    }
                },
            ]
        },
        fields="replies",
    )
    replies = [r.get("findReplace", {}) for r in response["replies"]]
    assert replies[0]["valuesChanged"] == 2  # letter case ignored without matchCase
    assert replies[1] == {
        "valuesChanged": 1,
        "occurrencesChanged": 1,
        "rowsChanged": 1,
        "sheetsChanged": 1,
    }
    assert replies[2] == {}  # nothing matched: no counts
    assert [r["Name"] for r in fake.records(MENTEES)] == ["Sam Reyes", "Abe A."]

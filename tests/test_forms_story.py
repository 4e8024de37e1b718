"""The contact form over whole runs, on the .xlsx file and over the fake Sheets API.

A mentee answers the form; the next run moves the pairing to In contact with
no staff edit, fills Contact made on with the answer's day, and no reminder
ever goes; over two simulated months the check-ins go out once each, on the
business day they are due. The form's tab is read in the one workbook read:
the request counts of the README stay as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from mentorsheet.adapters.channels.email.outbox import OutboxSender
from mentorsheet.app.run import Command, Runner
from mentorsheet.app.wiring import build_composer
from tests.fakes.sheets_api import FakeSheets, make_google_store
from tests.life import Life
from tests.test_quota import MONDAY as QUOTA_MONDAY
from tests.test_quota import readme_table, seed
from tests.workbooks import make_config, mentee, mentor

FORM = "https://docs.google.com/forms/d/e/1FAIpQLSf/viewform?usp=pp_url&entry.111={pairing_id}"
TITLE = "Form responses 1"
HEADER: Sequence[str] = (
    "Timestamp",
    "Email address",
    "Pairing ID",
    "Who is answering?",
    "Have you been in touch?",
    "How is it going?",
    "Are you still meeting?",
    "Anything you would like to tell us?",
)
SECTIONS: dict[str, dict[str, Any]] = {
    "matching": {"auto_approve": True},
    "forms": {"confirm_url": FORM, "checkin_business_days": [10, 40]},
}


def answer(life: Life, at: datetime, *values: str) -> None:
    """Add one form answer the way the form's "Link to Sheets" does (a date-time cell)."""
    if life.fake is not None:
        if TITLE not in life.fake.titles:
            life.fake.add_tab(TITLE, [list(HEADER)], frozen_rows=1)
        life.fake.append_row(TITLE, [at.replace(tzinfo=None), *values])
        return
    book = openpyxl.load_workbook(life.path)
    if TITLE not in book.sheetnames:
        book.create_sheet(TITLE).append(list(HEADER))
    sheet = book[TITLE]
    sheet.append([at.replace(tzinfo=None), *values])
    book.save(life.path)


def story(kind: str, tmp_path: Path) -> Life:
    life = Life(kind, tmp_path, **SECTIONS)
    life.seed(
        mentors=[
            mentor("Ada Lovelace", "ada@example.org", "Python", 1),
            mentor("Grace Hopper", "grace@example.org", "COBOL", 1),
        ],
        mentees=[
            mentee("Sam Okafor", "sam@example.net", "Community", "Python"),
            mentee("Mo Haddad", "mo@example.net", "Community", "COBOL"),
        ],
    )
    return life


def pairing_of(life: Life, mentee_email: str) -> dict[str, str]:
    [row] = life.pairings(mentee_email)
    return row


@pytest.mark.parametrize("kind", ["xlsx", "google"])
def test_a_form_answer_moves_its_pairing_and_check_ins_go_once_each(
    kind: str, tmp_path: Path
) -> None:
    life = story(kind, tmp_path)
    # Mon 2 Nov: proposed, auto-approved and introduced, the form link in each intro.
    life.run()
    sam = pairing_of(life, "sam@example.net")["Pairing ID"]
    mo = pairing_of(life, "mo@example.net")["Pairing ID"]
    [intro] = [m for m in life.mailbox.of("intro") if "sam@example.net" in str(m["Cc"])]
    body = intro.get_body(preferencelist=("plain",))
    assert body is not None
    assert FORM.replace("{pairing_id}", sam) in body.get_content()

    # Tue 3 Nov, evening: Sam answers the form (his ID typed in lower case, with spaces).
    life.next_day()
    answer(
        life,
        datetime(2026, 11, 3, 18, 5, 0),
        "sam@example.net",
        f"  {sam.lower()} ",
        "Mentee",
        "Yes, we have been in touch",
    )
    # Wed 4 Nov: the run moves Sam's pairing with no staff edit; Mo's goes overdue.
    life.next_day()
    report = life.run()
    assert pairing_of(life, "sam@example.net")["Status"] == "In contact"
    assert pairing_of(life, "sam@example.net")["Contact made on"].startswith("2026-11-03")
    assert pairing_of(life, "mo@example.net")["Status"] == "Contact overdue"
    [moved] = [c for c in report.status_changes if c.pairing.pairing_id == sam]
    assert "contact form" in moved.reason
    assert not [p for p in report.problems if p.tab == TITLE]

    # Two months of daily runs, weekends and the Christmas bank holidays included.
    check_in_days: dict[str, date] = {}
    while life.today < date(2027, 1, 4):
        life.next_day()
        life.run()
        for number in (1, 2):
            if life.mailbox.count(f"checkin-{number}") and f"{number}" not in check_in_days:
                check_in_days[f"{number}"] = life.today
    # The 10th and the 40th business day after Tue 3 Nov (25 and 28 Dec are holidays).
    assert check_in_days == {"1": date(2026, 11, 17), "2": date(2026, 12, 31)}
    assert life.mailbox.count("checkin-1") == {f"{sam}-checkin-1": 1}
    assert life.mailbox.count("checkin-2") == {f"{sam}-checkin-2": 1}
    # The confirmed pairing was never reminded; the other one was, as before.
    assert not [key for key, _ in life.mailbox.sent if key.startswith(f"{sam}-reminder")]
    assert [key for key, _ in life.mailbox.sent if key.startswith(f"{mo}-reminder")]
    row = pairing_of(life, "sam@example.net")
    assert row["Check-ins sent"] == "2"
    assert row["Last check-in on"].startswith("2026-12-31")
    [checkin] = life.mailbox.of("checkin-2")
    assert {"ada@example.org", "sam@example.net"} <= {a.addr_spec for a in checkin["To"].addresses}


@pytest.mark.parametrize("kind", ["xlsx", "google"])
def test_untrusted_answers_are_problems_and_change_nothing(kind: str, tmp_path: Path) -> None:
    life = story(kind, tmp_path)
    life.run()
    sam = pairing_of(life, "sam@example.net")["Pairing ID"]
    life.next_day(2)
    moment = datetime(2026, 11, 3, 9, 0, 0)
    answer(life, moment, "stranger@example.com", sam, "Mentor", "Yes")
    answer(life, moment, "sam@example.net", "P-NOSUCH", "Mentee", "Yes")
    answer(life, datetime(2026, 11, 30, 9, 0), "sam@example.net", sam, "Mentee", "Yes")
    answer(life, moment, "sam@example.net", sam, "Mentee", "Sort of")
    report = life.run()
    assert pairing_of(life, "sam@example.net")["Status"] == "Contact overdue"
    assert pairing_of(life, "sam@example.net")["Contact made on"] == ""
    found = {(p.row, p.column) for p in report.problems if p.tab == TITLE}
    assert found == {
        (2, "Email address"),
        (3, "Pairing ID"),
        (4, "Timestamp"),
        (5, "Have you been in touch?"),
    }
    # Each is on the Problems tab with its value.
    problems = life.records("Problems")
    assert {r["Value"] for r in problems if r["Tab"] == TITLE} >= {
        "stranger@example.com",
        "P-NOSUCH",
        "Sort of",
    }


def test_the_same_answer_read_again_changes_nothing_more(tmp_path: Path) -> None:
    life = story("google", tmp_path)
    life.run()
    sam = pairing_of(life, "sam@example.net")["Pairing ID"]
    life.next_day()
    answer(life, datetime(2026, 11, 3, 12, 0), "sam@example.net", sam, "Mentee", "Yes")
    answer(life, datetime(2026, 11, 3, 12, 0), "sam@example.net", sam, "Mentee", "Yes")
    life.next_day()
    first = life.run()
    assert [c.pairing.pairing_id for c in first.status_changes if c.pairing.pairing_id == sam]
    # The pasted-twice row is reported; the first one counts.
    assert [(p.row, p.column) for p in first.problems if p.tab == TITLE] == [(3, "Timestamp")]
    staff_date = "2026-11-02"
    life.set_pairing(sam, "Contact made on", staff_date)  # staff correct it by hand
    life.next_day()
    again = life.run()
    assert not [c for c in again.status_changes if c.pairing.pairing_id == sam]
    assert pairing_of(life, "sam@example.net")["Contact made on"].startswith(staff_date)


def test_without_a_form_nothing_is_said_and_with_one_a_missing_tab_is_a_warning(
    tmp_path: Path,
) -> None:
    off = Life("memory", tmp_path / "off", matching={"auto_approve": True})
    off.seed(
        [mentor("Ada", "ada@example.org", "Python")],
        [mentee("Sam", "sam@example.net", "Community", "Python")],
    )
    assert not [p for p in off.run().problems if p.tab == TITLE]
    on = Life("memory", tmp_path / "on", **SECTIONS)
    on.seed(
        [mentor("Ada", "ada@example.org", "Python")],
        [mentee("Sam", "sam@example.net", "Community", "Python")],
    )
    report = on.run()
    assert report.ok
    [warning] = [p for p in report.problems if p.tab == TITLE]
    assert "no tab of this name" in warning.problem


def test_request_counts_are_unchanged_with_a_form_and_ten_thousand_answers(
    tmp_path: Path,
) -> None:
    config = make_config(
        tmp_path,
        workbook={"backend": "google", "spreadsheet": "fake"},
        forms={"confirm_url": FORM},
    )
    promised = readme_table()
    commands: tuple[Command, ...] = ("run", "status", "digest")
    for command in commands:
        fake = FakeSheets()
        fake.clock.moment = QUOTA_MONDAY
        seed(fake, 5000)
        stamp = datetime(2026, 10, 30, 9, 0)
        rows: list[list[object]] = [list(HEADER)]
        # About the pairings under way: the Awaiting contact ones and those In contact.
        ids = [*range(5, 10), *(k for k in range(12, 5000) if k % 3 == 0)]
        rows += [
            [stamp + timedelta(seconds=n), "", f"P-{ids[n % len(ids)]:05d}", "Mentor", "Yes"]
            for n in range(10_000)
        ]
        fake.add_tab(TITLE, rows)
        fake.reset_counts()
        runner = Runner(
            config=config,
            store=make_google_store(fake, config.workbook),
            sender=OutboxSender(tmp_path / f"outbox-{command}"),
            composer=build_composer(config),
            clock=fake.clock.now,
        )
        report = runner.run(command)
        assert report.ok, report.result_text()
        assert (fake.reads, fake.writes) == promised[command], command
        if command == "status":
            # The answers were read: the "Awaiting contact" rows (5-9) were confirmed.
            moved = {c.pairing.pairing_id for c in report.status_changes}
            assert {f"P-{n:05d}" for n in range(5, 10)} <= moved

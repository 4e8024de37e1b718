"""``mentorsheet forget EMAIL``: a person erased from every tab, on every store.

The story: Sam and Kim are paired and introduced, Sam's sign-up is on a
form-responses tab, Kim's pairing notes mention Sam, and Sam asks to be
forgotten. Afterwards no cell of any tab holds Sam's email or name, the
pairing keeps its ID, Status and ledger, and no run ever sends anything for
it again, whatever staff set its Status to.
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest

from mentorsheet.app.forget import forget
from mentorsheet.core.schema import MENTEES, MENTORS, PAIRINGS, RUNS
from mentorsheet.errors import NothingToEraseError, UsageError
from tests.life import BACKENDS, Life
from tests.workbooks import mentee, mentor

FORM = "Form responses 1"
FORM_ROWS = [
    ["Timestamp", "Email address", "Full name", "Why do you want a mentor?"],
    ["2026-10-30 09:12:00", "sam@example.net", "Sam Reyes", "I'm Sam and I want to learn python"],
    ["2026-10-31 10:00:00", "kim@example.net", "Kim Park", "sql for my job"],
]
SAM = re.compile(r"sam@example\.net|\bsam\b|\breyes\b", re.IGNORECASE)


def add_tab(life: Life, title: str, rows: list[list[str]]) -> None:
    if life.fake is not None:
        life.fake.add_tab(title, rows, frozen_rows=1)
    elif life.memory is not None:
        life.memory.tabs[title] = [list(row) for row in rows]
    else:
        book = openpyxl.load_workbook(life.path)
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        book.save(life.path)


def every_cell(life: Life) -> dict[str, list[list[str]]]:
    """Every tab's cells as text, title -> rows."""
    if life.fake is not None:
        return {title: life.fake.tab_values(title) for title in life.fake.titles}
    if life.memory is not None:
        return {title: [list(row) for row in rows] for title, rows in life.memory.tabs.items()}
    book = openpyxl.load_workbook(life.path)
    return {
        sheet.title: [
            ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
        ]
        for sheet in book.worksheets
    }


def mentions_of_sam(life: Life) -> list[tuple[str, int, str]]:
    return [
        (title, number, cell)
        for title, rows in every_cell(life).items()
        for number, row in enumerate(rows, start=1)
        for cell in row
        if SAM.search(cell)
    ]


def introduced(kind: str, tmp_path: Path) -> Life:
    """Sam with Ada and Kim with Linus, both introduced; Sam on a form tab and in Kim's notes."""
    life = Life(kind, tmp_path, matching={"auto_approve": True})
    life.seed(
        [
            mentor("Ada Lovelace", "ada@example.org", "python"),
            mentor("Linus Torvalds", "linus@example.org", "sql"),
        ],
        [
            {**mentee("Sam Reyes", "sam@example.net", "Academy", "python"), "Notes": "evenings"},
            mentee("Kim Park", "kim@example.net", "Academy", "sql"),
        ],
    )
    add_tab(life, FORM, FORM_ROWS)
    life.run()  # proposed as Approved and introduced in one go
    [kim] = life.pairings("kim@example.net")
    life.set_pairing(kim["Pairing ID"], "Notes", "Kim met Sam Reyes at the meetup")
    return life


@pytest.mark.parametrize("kind", BACKENDS)
def test_nothing_of_the_person_remains_on_any_tab(kind: str, tmp_path: Path) -> None:
    life = introduced(kind, tmp_path)
    [sam_pairing] = life.pairings("sam@example.net")
    assert mentions_of_sam(life)

    report = forget(life.config, life.store(), "  SAM@Example.net ", clock=life.now)

    assert mentions_of_sam(life) == []
    erased = f"erased {life.today.isoformat()}"
    # The pairing keeps its ID, Status, dates and ledger; only who it was is gone.
    [row] = [r for r in life.records(PAIRINGS) if r["Pairing ID"] == sam_pairing["Pairing ID"]]
    assert row["Status"] == sam_pairing["Status"] == "Awaiting contact"
    assert row["Intro message ID"] == sam_pairing["Intro message ID"] != ""
    assert row["Intro sent on"] == sam_pairing["Intro sent on"]
    assert (row["Mentee"], row["Mentee email"], row["Why"]) == (erased, erased, erased)
    assert (row["Mentor"], row["Mentor email"]) == ("Ada Lovelace", "ada@example.org")
    # Kim's notes keep their words, without Sam's name.
    [kim] = life.pairings("kim@example.net")
    assert kim["Notes"] == f"Kim met {erased} at the meetup"
    assert kim["Mentee"] == "Kim Park"
    # Sam's Mentees row: erased but for the cells that say nothing about who.
    [sam_row] = [r for r in life.records(MENTEES) if r["Route"] and r["Name"] == erased]
    assert (sam_row["Email"], sam_row["Skills wanted"], sam_row["Notes"]) == (erased,) * 3
    assert sam_row["Route"] == "Academy"
    # The form tab: the timestamp stays, Kim's row is untouched.
    form = every_cell(life)[FORM]
    assert form[1][1:] == [erased, erased, erased]
    assert form[1][0].startswith("2026-10-30")
    assert form[2] == FORM_ROWS[2] or form[2][1:] == FORM_ROWS[2][1:]
    # The Runs row says how many cells, never whose.
    runs = life.records(RUNS)
    assert runs[-1]["Command"] == "forget"
    assert str(report.count) in runs[-1]["Result"]
    assert not SAM.search(" ".join(runs[-1].values()))
    assert report.count == len(report.changes) >= 9
    assert {change.tab for change in report.changes} >= {MENTEES, PAIRINGS, FORM}


@pytest.mark.parametrize("kind", BACKENDS)
def test_nothing_is_ever_sent_again_for_an_erased_pairing(kind: str, tmp_path: Path) -> None:
    life = introduced(kind, tmp_path)
    [sam_pairing] = life.pairings("sam@example.net")
    pid = sam_pairing["Pairing ID"]
    forget(life.config, life.store(), "sam@example.net", clock=life.now)
    before = len(life.mailbox.sent)
    # Every status that sends something: intro, reminder (overdue), closing email, re-pair note.
    for status in ("Approved", "Awaiting contact", "Ended", "Re-pair", "In contact"):
        life.set_pairing(pid, "Status", status)
        life.next_day(7)
        report = life.run()
        assert not [k for k, _ in life.mailbox.sent[before:] if k.startswith(pid)], status
        # Not a problem either: an erased row is no one, not a bad email.
        assert not [p for p in report.problems if "erased" in p.value], status
        assert life.pairing(pid)["Status"] == status  # never moved by mentorsheet
    # Ada is free again only when staff end it; Sam is never proposed again.
    assert not life.pairings("sam@example.net")


@pytest.mark.parametrize("kind", BACKENDS)
def test_a_second_forget_says_there_is_nothing_to_erase(kind: str, tmp_path: Path) -> None:
    life = introduced(kind, tmp_path)
    forget(life.config, life.store(), "sam@example.net", clock=life.now)
    runs = len(life.records(RUNS))
    with pytest.raises(NothingToEraseError, match="nothing to erase"):
        forget(life.config, life.store(), "sam@example.net", clock=life.now)
    with pytest.raises(NothingToEraseError, match=r"nobody@example\.net"):
        forget(life.config, life.store(), "nobody@example.net", clock=life.now)
    assert len(life.records(RUNS)) == runs  # nothing written


@pytest.mark.parametrize("kind", BACKENDS)
def test_the_dry_run_writes_nothing(kind: str, tmp_path: Path) -> None:
    life = introduced(kind, tmp_path)
    before = every_cell(life)
    stamp = life.path.stat().st_mtime_ns if kind == "xlsx" else 0
    writes = life.fake.writes if life.fake is not None else 0
    report = forget(life.config, life.store(), "sam@example.net", clock=life.now, dry_run=True)
    assert report.dry_run and report.count >= 9
    assert every_cell(life) == before
    if kind == "xlsx":
        assert life.path.stat().st_mtime_ns == stamp
    if life.fake is not None:
        assert life.fake.writes == writes


@pytest.mark.parametrize("kind", BACKENDS)
def test_forgetting_a_mentor_keeps_their_mentees(kind: str, tmp_path: Path) -> None:
    life = introduced(kind, tmp_path)
    forget(life.config, life.store(), "ada@example.org", clock=life.now)
    cells = " ".join(c for rows in every_cell(life).values() for row in rows for c in row)
    assert not re.search(r"ada@example\.org|lovelace|\bada\b", cells, re.IGNORECASE)
    [sam] = life.pairings("sam@example.net")  # Sam is still there, Ada is not
    assert sam["Mentee"] == "Sam Reyes"
    assert sam["Mentor"] == sam["Mentor email"] == f"erased {life.today.isoformat()}"
    assert [m["Name"] for m in life.records(MENTORS) if m["Name"] == "Linus Torvalds"]


def test_an_address_that_is_not_an_email_is_a_usage_error(tmp_path: Path) -> None:
    life = introduced("memory", tmp_path)
    with pytest.raises(UsageError, match="not an email address"):
        forget(life.config, life.store(), "Sam Reyes", clock=life.now)

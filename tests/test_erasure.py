"""The pure part of erasure (core/erasure) and how the parser reads what it leaves.

Values in, values out: a workbook as read and an email in, the cells to
change out; then the erased workbook parsed: no one, no problem, and a place
held that nothing is sent for.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from mentorsheet.core.erasure import is_erased, placeholder, plan_erasure
from mentorsheet.core.raw import RawTab, RawWorkbook
from mentorsheet.core.schema import MENTEES, MENTORS, PAIRINGS, PROBLEMS, Status
from tests.test_parsing import parse, workbook

DAY = date(2026, 12, 1)
ERASED = "erased 2026-12-01"


def programme_raw() -> RawWorkbook:
    raw = workbook(
        runs=[
            {
                "Started": "2026-11-02T09:00:00",
                "Result": "failed: no Slack member for sam@example.net",
            },
            {"Started": "2026-11-03T09:00:00", "Result": "ok"},
        ],
        mentors=[
            {
                "Name": "Ada Lovelace",
                "Email": "ada@example.org",
                "Skills": "python",
                "Capacity": "2",
                "Active": "yes",
                "Notes": "keen",
            },
        ],
        mentees=[
            {
                "Name": "Sam Reyes",
                "Email": "Sam@Example.net",
                "Route": "Academy",
                "Skills wanted": "python",
                "Requested on": "2026-11-01",
                "Notes": "evenings",
            },
            {
                "Name": "Kim Park",
                "Email": "kim@example.net",
                "Route": "Academy",
                "Skills wanted": "sql",
                "Requested on": "2026-11-02",
                "Notes": "knows Sam Reyes",
            },
        ],
        pairings=[
            {
                "Pairing ID": "P-1",
                "Status": "Awaiting contact",
                "Mentee": "Sam Reyes",
                "Mentee email": "sam@example.net",
                "Mentor": "Ada Lovelace",
                "Mentor email": "ada@example.org",
                "Why": "Shares python",
                "Intro sent on": "2026-11-02T09:00:00",
                "Intro message ID": "<m1@x>",
                "Reminders sent": "0",
            },
            {
                "Pairing ID": "P-2",
                "Status": "Proposed",
                "Mentee": "Kim Park",
                "Mentee email": "kim@example.net",
                "Mentor": "Ada Lovelace",
                "Mentor email": "ada@example.org",
                "Notes": "ask sam reyes first",
            },
        ],
    )
    problems = RawTab(
        PROBLEMS,
        ("Tab", "Row", "Column", "Value", "Problem"),
        (
            ("Mentees", "3", "Email", "sam@example.net", "the same email appears twice"),
            ("Mentors", "9", "Capacity", "three", "not a number"),
        ),
    )
    form = RawTab(
        "Form responses 1",
        ("Timestamp", "Email", "Name", "Score"),
        (
            ("2026-10-30 09:12:00", " SAM@example.net", "Sam Reyes", "4"),
            ("2026-10-31 09:12:00", "kim@example.net", "Kim Park", "5"),
        ),
    )
    return dataclasses.replace(
        raw, tabs={**raw.tabs, PROBLEMS: problems}, others={form.title: form}
    )


def test_the_placeholder_is_recognised_in_any_case_and_spacing() -> None:
    assert placeholder(DAY) == ERASED
    assert is_erased(ERASED) and is_erased("  Erased   2025-01-31 ")
    assert not is_erased("erased") and not is_erased("erased on 2026-12-01")
    assert not is_erased("sam@example.net")


def test_a_mentees_cells_on_every_tab() -> None:
    erasure = plan_erasure(programme_raw(), ["  sam@EXAMPLE.net"], day=DAY)
    changed = {(c.tab, c.row, c.header): c.new for c in erasure.cells}
    assert changed == {
        (MENTEES, 2, "Name"): ERASED,
        (MENTEES, 2, "Email"): ERASED,
        (MENTEES, 2, "Skills wanted"): ERASED,
        (MENTEES, 2, "Notes"): ERASED,
        (PAIRINGS, 2, "Mentee"): ERASED,
        (PAIRINGS, 2, "Mentee email"): ERASED,
        (PAIRINGS, 2, "Why"): ERASED,
        (PAIRINGS, 3, "Notes"): f"ask {ERASED} first",  # a mention on another's row
        ("Form responses 1", 2, "Email"): ERASED,
        ("Form responses 1", 2, "Name"): ERASED,
        (MENTEES, 3, "Notes"): f"knows {ERASED}",  # another person's notes naming Sam
        ("Runs", 2, "Result"): f"failed: no Slack member for {ERASED}",
    }
    # Located by the row's key: the person's email there, or the Pairing ID of a mention.
    keys = {(c.tab, c.row): c.key for c in erasure.cells}
    assert keys[(PAIRINGS, 3)] == "P-2" and keys[(MENTEES, 2)] == "Sam@Example.net"
    assert [p.value for p in erasure.problems] == [ERASED, "three"]
    assert erasure.count == len(erasure.cells) + 1
    assert erasure.found


def test_a_mentor_keeps_capacity_and_active_and_their_mentees_keep_their_side() -> None:
    erasure = plan_erasure(programme_raw(), ["ada@example.org"], day=DAY)
    changed = {(c.tab, c.row, c.header) for c in erasure.cells}
    assert (MENTORS, 2, "Capacity") not in changed and (MENTORS, 2, "Active") not in changed
    assert {(MENTORS, 2, h) for h in ("Name", "Email", "Skills", "Notes")} <= changed
    assert (PAIRINGS, 2, "Mentee") not in changed
    assert {(PAIRINGS, r, h) for r in (2, 3) for h in ("Mentor", "Mentor email")} <= changed


@given(st.emails())
def test_an_email_nobody_has_changes_nothing(email: str) -> None:
    if email.casefold() in {"sam@example.net", "ada@example.org", "kim@example.net"}:
        return
    erasure = plan_erasure(programme_raw(), [email], day=DAY)
    assert erasure.cells == () and erasure.count == 0 and not erasure.found


def erased_workbook() -> RawWorkbook:
    raw = programme_raw()
    erasure = plan_erasure(raw, ["sam@example.net"], day=DAY)

    def applied(tab: RawTab) -> RawTab:
        rows = [list(r) for r in tab.rows]
        for cell in erasure.cells:
            if cell.tab == tab.title:
                rows[cell.row - 2][cell.column] = cell.new
        return dataclasses.replace(tab, rows=tuple(tuple(r) for r in rows))

    return dataclasses.replace(
        raw,
        tabs={key: applied(tab) for key, tab in raw.tabs.items()},
        others={key: applied(tab) for key, tab in raw.others.items()},
    )


def test_erased_rows_are_no_one_and_no_problem() -> None:
    programme = parse(erased_workbook())
    assert [m.email for m in programme.mentees] == ["kim@example.net"]
    assert programme.problems == ()
    assert [p.pairing_id for p in programme.pairings] == ["P-2"]  # P-1 is never acted on
    [held] = programme.held_places
    assert (held.pairing_id, held.status, held.mentee_email, held.mentor_email) == (
        "P-1",
        Status.AWAITING_CONTACT,
        "",
        "ada@example.org",
    )
    assert held.holds_place  # Ada's place stays taken until staff end it
    # A second erasure finds nothing left.
    assert plan_erasure(erased_workbook(), ["sam@example.net"], day=DAY).cells == ()


def test_problems_about_cells_being_erased_are_not_written_back() -> None:
    from mentorsheet.core.erasure import CellErasure, problems_left
    from mentorsheet.core.model import Problem

    cells = [CellErasure("Mentees", 7, 5, "Notes", "Sam's notes", "erased", 1, "sam@example.net")]
    problems = [
        Problem("Mentees", 7, "Paused until", "next spring", "not a date"),  # on the erased row
        Problem("Pairings", 3, "Why", "Sam's notes", "too long"),  # names what goes
        Problem("Mentors", 2, "Email", "tim@@example.org", "not a valid email address"),
        Problem("Runs", None, "", "", "no value"),
    ]
    assert problems_left(problems, cells) == problems[2:]

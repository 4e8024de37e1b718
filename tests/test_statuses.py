"""The status table: complete, the README's words, and obeyed by the lifecycle."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from mentorsheet.config import ScheduleConfig
from mentorsheet.core.lifecycle import BusinessCalendar, plan_status
from mentorsheet.core.model import Pairing
from mentorsheet.core.schema import Status
from mentorsheet.core.statuses import STATUS_TABLE, SetBy, may_move, row_of

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SCHEDULE = ScheduleConfig()
CALENDAR = BusinessCalendar.from_config(SCHEDULE)
# What the README's "set by" column calls mentorsheet: the command that sets the status.
COMMANDS = ("propose", "intro", "status", "digest", "run")


def readme_status_rows() -> dict[str, tuple[str, str]]:
    """Status -> (set by, meaning), from the README's "The Status column" table."""
    section = README.split("### The Status column\n", 1)[1].split("\n#", 1)[0]
    rows: dict[str, tuple[str, str]] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in {"Status", ""} or set(cells[0]) <= {"-"}:
            continue
        rows[cells[0]] = (cells[1], cells[2])
    return rows


def test_every_status_has_one_row() -> None:
    assert set(STATUS_TABLE) == set(Status)
    for status in Status:
        assert row_of(status).status is status
        assert re.fullmatch(r"[0-9A-F]{6}", row_of(status).colour)


def test_mentorsheet_moves_rows_only_to_known_statuses_and_never_in_place() -> None:
    for status, row in STATUS_TABLE.items():
        assert status not in row.mentorsheet_moves_to
        assert row.mentorsheet_moves_to <= set(Status)


def test_the_readme_table_lists_every_status_with_the_tables_meaning() -> None:
    documented = readme_status_rows()
    assert list(documented) == [str(status) for status in STATUS_TABLE]
    for status, row in STATUS_TABLE.items():
        assert documented[str(status)][1] == row.meaning, status


def test_the_readme_says_who_sets_each_status_as_the_table_does() -> None:
    for name, (set_by, _meaning) in readme_status_rows().items():
        row = row_of(Status(name))
        words = set(re.findall(r"[a-z_]+", set_by))
        if "staff" in words:
            assert row.set_by in {SetBy.STAFF, SetBy.EITHER}, name
        if words & set(COMMANDS):
            assert row.set_by in {SetBy.MENTORSHEET, SetBy.EITHER}, name
        if row.set_by is SetBy.STAFF:
            assert words == {"staff"}, name


MONDAY = date(2026, 11, 2)


@st.composite
def pairings(draw: st.DrawFn) -> Pairing:
    intro_day = MONDAY + timedelta(days=draw(st.integers(0, 20)))
    return Pairing(
        row=2,
        pairing_id="P-000001",
        status=draw(st.sampled_from(list(Status))),
        mentee_name="Ada",
        mentee_email="ada@example.org",
        mentor_name="Bob",
        mentor_email="bob@example.org",
        intro_sent_on=draw(st.none() | st.just(datetime.combine(intro_day, time(9), tzinfo=UTC))),
        contact_made_on=draw(st.none() | st.just(intro_day + timedelta(days=1))),
        reminders_sent=draw(st.integers(0, 3)),
        last_reminder_on=draw(st.none() | st.just(intro_day + timedelta(days=3))),
    )


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(pairings(), max_size=6), days=st.integers(0, 40))
def test_every_change_the_lifecycle_plans_is_one_the_table_allows(
    rows: list[Pairing], days: int
) -> None:
    now = datetime.combine(MONDAY + timedelta(days=days), time(12), tzinfo=UTC)
    plan = plan_status(rows, now=now, schedule=SCHEDULE, calendar=CALENDAR)
    for change in plan.changes:
        assert may_move(change.pairing.status, change.new_status), change
    for item in plan.overdue:
        assert row_of(item.pairing.status).waiting_for_contact
    for due in plan.reminders:
        assert row_of(due.pairing.status).waiting_for_contact


def test_every_move_the_table_allows_from_a_waiting_row_is_planned_somewhere() -> None:
    # The lifecycle makes the table's waiting-row moves, and nothing else.
    waiting = [s for s, row in STATUS_TABLE.items() if row.waiting_for_contact]
    assert waiting == [Status.AWAITING_CONTACT, Status.CONTACT_OVERDUE]
    intro = datetime.combine(MONDAY, time(9), tzinfo=UTC)
    later = datetime.combine(MONDAY + timedelta(days=14), time(12), tzinfo=UTC)
    for status in waiting:
        base = Pairing(
            row=2,
            pairing_id="P-000001",
            status=status,
            mentee_name="Ada",
            mentee_email="ada@example.org",
            mentor_name="Bob",
            mentor_email="bob@example.org",
            intro_sent_on=intro,
        )
        contacted = dataclasses.replace(base, contact_made_on=MONDAY + timedelta(days=1))
        planned = {
            change.new_status
            for row in (base, contacted)
            for change in plan_status(
                [row], now=later, schedule=SCHEDULE, calendar=CALENDAR
            ).changes
        }
        assert planned == set(row_of(status).mentorsheet_moves_to), status

"""The tab readers: Mentors, Mentees, Pairings and Runs rows into records.

Decisions worth knowing (the user docs repeat them):

* Every row needs a Name and an Email. Two rows of one tab with the same
  email are both reported and neither is used.
* A Requested on or Contact made on date after ``today`` is reported (check
  the year) and still used as written.
* An unreadable **Paused until** is reported and read as paused until it is
  fixed: better no new mentee (or reminder) than one the person asked not to get.
* A row a person was erased from (``mentorsheet forget``, retention:
  :func:`~mentorsheet.core.erasure.is_erased`) is no one on Mentors and
  Mentees, and on Pairings a place held that mentorsheet never acts on
  again (nothing is sent, nothing proposed); neither is a problem.
* **Pairings** rows mentorsheet cannot act on safely are held out of
  ``Programme.pairings`` but still take their place: a blank or repeated
  Pairing ID, an unknown Status, an unreadable email, a name with a line
  break, or an unreadable Intro sent on, Contact made on, Reminders sent or
  Last reminder on. They are listed in :attr:`Programme.held_places`
  so a mentor is never double-booked and a mentee never paired twice; an
  unknown Status counts as holding the place. An unreadable Score, Route or
  Proposed on is reported, read as blank, and the row is still used.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import TypeVar
from zoneinfo import ZoneInfo

from mentorsheet.core.erasure import is_erased
from mentorsheet.core.model import HeldPlace, Mentee, Mentor, Pairing, Problem, RunRecord
from mentorsheet.core.parsing.dates import parse_date, parse_datetime
from mentorsheet.core.parsing.rows import Column, Row, data_rows, rows_listed, without_repeats
from mentorsheet.core.parsing.values import (
    check_name,
    parse_active,
    parse_capacity,
    parse_email,
    parse_link,
    parse_reminders_sent,
    parse_route,
    parse_score,
    parse_status,
)
from mentorsheet.core.pauses import UNREADABLE
from mentorsheet.core.raw import RawTab
from mentorsheet.core.schema import PC, MenteeColumn, MentorColumn, RunColumn
from mentorsheet.core.skills import SkillNormaliser
from mentorsheet.errors import InvalidFieldError

T = TypeVar("T")


def _paused_until(row: Row, column: Column) -> date | None:
    if not row.value(column):
        return None
    paused = row.read(column, parse_date)
    return UNREADABLE if paused is None else paused


def _required_name(value: str) -> str:
    name = check_name(value)
    if not name:
        raise InvalidFieldError("Name is blank; every row needs a Name and an Email")
    return name


def _required_email(value: str) -> str:
    if not value.strip():
        raise InvalidFieldError("email is blank; every row needs one")
    return parse_email(value)


def _email_key(email: str) -> str:
    # Letter case before the @ rarely tells two people apart; treating it as
    # the same person is the safe reading for "neither row is used".
    return email.casefold()


def _repeated_email(rows: list[int]) -> str:
    return f"the same email appears on rows {rows_listed(rows)}; fix one of them"


def read_mentors(
    tab: RawTab, columns: Mapping[str, int], skills: SkillNormaliser, problems: list[Problem]
) -> tuple[Mentor, ...]:
    entries: list[tuple[Row, str, Mentor | None]] = []
    for row in data_rows(tab, columns, problems):
        if is_erased(row.value(MentorColumn.EMAIL)):
            continue  # an erased person: no one
        name = row.read(MentorColumn.NAME, _required_name)
        email = row.read(MentorColumn.EMAIL, _required_email)
        capacity = row.read(MentorColumn.CAPACITY, parse_capacity)
        active = row.read(MentorColumn.ACTIVE, parse_active)
        calendly = row.read(MentorColumn.CALENDLY, parse_link)
        mentor = None
        if name is not None and email is not None and capacity is not None:
            mentor = Mentor(
                row=row.number,
                name=name,
                email=email,
                skills=skills.split(row.text(MentorColumn.SKILLS)),
                capacity=capacity,
                active=bool(active),
                calendly=calendly or "",
                slack=row.value(MentorColumn.SLACK),
                paused_until=_paused_until(row, MentorColumn.PAUSED_UNTIL),
            )
        if email is not None:
            entries.append((row, email, mentor))
    return tuple(without_repeats(entries, MentorColumn.EMAIL, _email_key, _repeated_email))


def _future(row: Row, column: Column, day: date | None, today: date) -> None:
    if day is not None and day > today:
        row.report(column, "this date is after today; check the year", unreadable=False)


def read_mentees(
    tab: RawTab,
    columns: Mapping[str, int],
    skills: SkillNormaliser,
    today: date,
    problems: list[Problem],
) -> tuple[Mentee, ...]:
    entries: list[tuple[Row, str, Mentee | None]] = []
    for row in data_rows(tab, columns, problems):
        if is_erased(row.value(MenteeColumn.EMAIL)):
            continue  # an erased person: no one
        name = row.read(MenteeColumn.NAME, _required_name)
        email = row.read(MenteeColumn.EMAIL, _required_email)
        route = row.read(MenteeColumn.ROUTE, parse_route)
        requested_on = row.read(MenteeColumn.REQUESTED_ON, parse_date)
        _future(row, MenteeColumn.REQUESTED_ON, requested_on, today)
        mentee = None
        if name is not None and email is not None and route is not None:
            mentee = Mentee(
                row=row.number,
                name=name,
                email=email,
                route=route,
                skills_wanted=skills.split(row.text(MenteeColumn.SKILLS_WANTED)),
                requested_on=requested_on,
                slack=row.value(MenteeColumn.SLACK),
                paused_until=_paused_until(row, MenteeColumn.PAUSED_UNTIL),
            )
        if email is not None:
            entries.append((row, email, mentee))
    return tuple(without_repeats(entries, MenteeColumn.EMAIL, _email_key, _repeated_email))


# A Pairings row with any of these unreadable is left alone by mentorsheet:
# acting on a guess could send an email twice or to the wrong person.
_PAIRING_ESSENTIALS = frozenset(
    {
        PC.PAIRING_ID,
        PC.STATUS,
        PC.MENTEE,
        PC.MENTEE_EMAIL,
        PC.MENTOR,
        PC.MENTOR_EMAIL,
        PC.INTRO_SENT_ON,
        PC.CONTACT_MADE_ON,
        PC.REMINDERS_SENT,
        PC.LAST_REMINDER_ON,
    }
)


def read_pairings(
    tab: RawTab,
    columns: Mapping[str, int],
    zone: ZoneInfo,
    today: date,
    problems: list[Problem],
) -> tuple[tuple[Pairing, ...], tuple[HeldPlace, ...]]:
    with_ids: list[tuple[Row, str, Pairing | None]] = []
    held: dict[int, HeldPlace] = {}
    for row in data_rows(tab, columns, problems):
        pairing_id = row.value(PC.PAIRING_ID)
        if is_erased(row.value(PC.MENTEE_EMAIL)) or is_erased(row.value(PC.MENTOR_EMAIL)):
            held[row.number] = _erased_place(row, pairing_id)
            continue
        if not pairing_id:
            row.report(
                PC.PAIRING_ID,
                "added by hand without a Pairing ID; mentorsheet only manages rows it "
                "created — use propose, or copy an ID",
            )
        status = row.read(PC.STATUS, parse_status)
        mentee_name = row.read(PC.MENTEE, check_name)
        mentee_email = row.read(PC.MENTEE_EMAIL, _required_email)
        mentor_name = row.read(PC.MENTOR, check_name)
        mentor_email = row.read(PC.MENTOR_EMAIL, _required_email)
        if mentor_email is not None and mentor_email == mentee_email:
            # Typed by hand (mentorsheet never proposes it): one person in To and Cc.
            row.report(
                PC.MENTOR_EMAIL,
                "is the mentee's own email: a pairing needs two people; correct the Mentor "
                "or Mentee email",
            )
        route = row.read(PC.ROUTE, lambda text: parse_route(text) if text.strip() else None)
        score = row.read(PC.SCORE, parse_score)
        proposed_on = row.read(PC.PROPOSED_ON, parse_date)
        intro_sent_on = row.read(PC.INTRO_SENT_ON, lambda text: parse_datetime(text, zone))
        contact_made_on = row.read(PC.CONTACT_MADE_ON, parse_date)
        _future(row, PC.CONTACT_MADE_ON, contact_made_on, today)
        reminders_sent = row.read(PC.REMINDERS_SENT, parse_reminders_sent)
        last_reminder_on = row.read(PC.LAST_REMINDER_ON, parse_date)
        pairing = None
        if (
            not row.any_unreadable(_PAIRING_ESSENTIALS)
            and status is not None
            and mentee_email is not None
            and mentor_email is not None
            and reminders_sent is not None
        ):
            pairing = Pairing(
                row=row.number,
                pairing_id=pairing_id,
                status=status,
                mentee_name=mentee_name or "",
                mentee_email=mentee_email,
                mentor_name=mentor_name or "",
                mentor_email=mentor_email,
                route=route,
                score=score,
                why=row.value(PC.WHY),
                proposed_on=proposed_on,
                intro_sent_on=intro_sent_on,
                intro_message_id=row.value(PC.INTRO_MESSAGE_ID),
                contact_made_on=contact_made_on,
                reminders_sent=reminders_sent,
                last_reminder_on=last_reminder_on,
                slack_intro_sent_on=row.value(PC.SLACK_INTRO_SENT_ON),
                slack_intro_link=row.value(PC.SLACK_INTRO_LINK),
                slack_reminders_sent=row.read(PC.SLACK_REMINDERS_SENT, parse_reminders_sent) or 0,
                replaces=row.value(PC.REPLACES),
                closing_email=row.value(PC.CLOSING_EMAIL),
            )
        else:
            held[row.number] = HeldPlace(
                row.number, pairing_id, status, mentee_email or "", mentor_email or ""
            )
        if pairing_id:
            with_ids.append((row, pairing_id, pairing))
    kept = without_repeats(
        with_ids,
        PC.PAIRING_ID,
        lambda pairing_id: pairing_id,
        lambda rows: (
            f"the same Pairing ID appears on rows {rows_listed(rows)}; mentorsheet will "
            "not update these rows until each has its own ID"
        ),
    )
    kept_rows = {pairing.row for pairing in kept}
    for pairing in (record for _row, _id, record in with_ids if record is not None):
        if pairing.row not in kept_rows:
            held[pairing.row] = HeldPlace(
                pairing.row,
                pairing.pairing_id,
                pairing.status,
                pairing.mentee_email,
                pairing.mentor_email,
            )
    return tuple(kept), tuple(held[number] for number in sorted(held))


def _erased_place(row: Row, pairing_id: str) -> HeldPlace:
    """A Pairings row a person was erased from: its place, as far as it still says."""

    def quietly(parse: Callable[[str], T], column: Column) -> T | None:
        try:
            return parse(row.text(column))
        except InvalidFieldError:
            return None

    return HeldPlace(
        row.number,
        pairing_id,
        quietly(parse_status, PC.STATUS),
        quietly(parse_email, PC.MENTEE_EMAIL) or "",
        quietly(parse_email, PC.MENTOR_EMAIL) or "",
    )


def read_runs(
    tab: RawTab, columns: Mapping[str, int], problems: list[Problem]
) -> tuple[RunRecord, ...]:
    return tuple(
        RunRecord(row.number, {column: row.text(column) for column in RunColumn})
        for row in data_rows(tab, columns, problems)
    )

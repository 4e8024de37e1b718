"""What the contact form's answers mean: confirmations, check-ins, and what staff should see.

Pure: the answers come in already checked (:mod:`mentorsheet.core.parsing.responses`).

* **Confirmation.** An answer "Have you been in touch?" Yes, about a pairing
  waiting for contact whose Contact made on is blank, fills Contact made on
  with the answer's day (in the programme's zone) and moves the pairing to
  ``In contact`` through the usual status change, so it is never overdue
  nor reminded again. Either side may confirm; the earliest answer counts.
  The same answer read again changes nothing: Contact made on is filled
  then, and the pairing is no longer waiting.
* **Check-ins.** At each of ``[forms] checkin_business_days`` after Contact
  made on, one email to mentor and mentee together, ledgered in ``Check-ins
  sent`` (the count) and ``Last check-in on``. A pairing that has passed
  several offsets at once (check-ins turned on late) gets one email, counted
  as the latest offset passed, never a burst. No check-in while the mentor
  or the mentee is paused: it goes when they are back.
* **For staff** (the digest): answers since the last digest that confirmed
  contact, pairings confirmed by one side but not the other for a week, and
  answers scoring 2 or less or saying they have stopped meeting.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from mentorsheet.core.model import FormResponse, Pairing, StatusChange
from mentorsheet.core.pauses import paused
from mentorsheet.core.schema import PC, Status
from mentorsheet.core.statuses import waiting_for_contact

ONE_SIDED_AFTER: Final = timedelta(days=7)
LOW_SCORE: Final = 2
FORM_REASON: Final = "confirmed on the contact form by the {role} ({day})"


def _describe(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def confirmations(
    pairings: Iterable[Pairing], responses: Sequence[FormResponse] | None
) -> dict[str, FormResponse]:
    """Pairing ID -> the earliest answer confirming contact, for pairings it moves."""
    waiting = {
        p.pairing_id
        for p in pairings
        if waiting_for_contact(p.status) and p.contact_made_on is None
    }
    found: dict[str, FormResponse] = {}
    for response in responses or ():
        if response.contact is not True or response.pairing_id not in waiting:
            continue
        earlier = found.get(response.pairing_id)
        if earlier is None or response.at < earlier.at:
            found[response.pairing_id] = response
    return found


def with_confirmations(
    pairings: Sequence[Pairing], confirmed: Mapping[str, FormResponse]
) -> tuple[Pairing, ...]:
    """The pairings as the lifecycle should see them: Contact made on from the form."""
    return tuple(
        dataclasses.replace(p, contact_made_on=confirmed[p.pairing_id].day)
        if p.pairing_id in confirmed
        else p
        for p in pairings
    )


def confirmation_change(change: StatusChange, response: FormResponse) -> StatusChange:
    """The In contact change a confirmation makes, saying so (and the cells it writes)."""
    role = response.role or "mentor or mentee"
    return dataclasses.replace(
        change, reason=FORM_REASON.format(role=role, day=_describe(response.day))
    )


def confirmation_cells(response: FormResponse) -> dict[str, str]:
    return {PC.CONTACT_MADE_ON: response.day.isoformat()}


# --- check-ins ----------------------------------------------------------------------


@dataclass(frozen=True)
class CheckinDue:
    pairing: Pairing
    number: int  # 1-based: which offset of checkin_business_days
    business_days: int  # since Contact made on


def checkins_due(
    pairings: Iterable[Pairing],
    *,
    offsets: Sequence[int],
    today: date,
    business_days: Callable[[date, date], int],
    paused_until: Mapping[str, date],
) -> tuple[CheckinDue, ...]:
    """The check-ins due today (see the module doc).

    ``business_days(start, end)`` counts business days (a
    ``BusinessCalendar.business_days_between``); ``paused_until`` maps the
    email of each paused mentor or mentee to the day they are back.
    """
    due: list[CheckinDue] = []
    for pairing in pairings:
        if pairing.status is not Status.IN_CONTACT or pairing.contact_made_on is None:
            continue
        if any(
            paused(paused_until.get(email), today)
            for email in (pairing.mentor_email, pairing.mentee_email)
        ):
            continue
        waited = business_days(pairing.contact_made_on, today)
        passed = sum(1 for offset in offsets if waited >= offset)
        if passed > pairing.checkins_sent:
            due.append(CheckinDue(pairing, passed, waited))
    return tuple(due)


# --- for staff ------------------------------------------------------------------------


@dataclass(frozen=True)
class OneSided:
    """A pairing one side said was in touch, and the other has not (yet) said so."""

    pairing: Pairing
    confirmed_by: str  # "mentor" or "mentee"
    since: date


@dataclass(frozen=True)
class CheckinFlag:
    """An answer staff should read: a low score, or no longer meeting."""

    pairing: Pairing
    response: FormResponse


def since_day(last_digest_day: str | None, today: date) -> date:
    """The first day whose answers the digest counts: the last digest's day, else a week ago."""
    if last_digest_day:
        try:
            return date.fromisoformat(last_digest_day.strip()[:10])
        except ValueError:
            pass
    return today - ONE_SIDED_AFTER


def new_confirmations(responses: Sequence[FormResponse] | None, since: date) -> int:
    """Answers confirming contact dated on or after ``since``."""
    return sum(1 for r in responses or () if r.contact is True and r.day >= since)


def one_sided(
    pairings: Iterable[Pairing], responses: Sequence[FormResponse] | None, today: date
) -> tuple[OneSided, ...]:
    """Pairings under way confirmed by one side only, for a week or more."""
    first: dict[tuple[str, str], date] = {}
    for r in responses or ():
        if r.contact is True and r.role:
            key = (r.pairing_id, r.role)
            first[key] = min(first.get(key, r.day), r.day)
    found: list[OneSided] = []
    for pairing in pairings:
        if pairing.status is not Status.IN_CONTACT:
            continue
        mentor = first.get((pairing.pairing_id, "mentor"))
        mentee = first.get((pairing.pairing_id, "mentee"))
        if (mentor is None) == (mentee is None):
            continue
        role, day = ("mentor", mentor) if mentor is not None else ("mentee", mentee)
        if day is not None and day + ONE_SIDED_AFTER <= today:
            found.append(OneSided(pairing, role, day))
    return tuple(found)


def needing_attention(
    pairings: Iterable[Pairing], responses: Sequence[FormResponse] | None, since: date
) -> tuple[CheckinFlag, ...]:
    """Answers since ``since`` scoring 2 or less, or saying they have stopped meeting."""
    by_id = {p.pairing_id: p for p in pairings}
    return tuple(
        CheckinFlag(by_id[r.pairing_id], r)
        for r in responses or ()
        if r.day >= since
        and r.pairing_id in by_id
        and ((r.score is not None and r.score <= LOW_SCORE) or r.meeting is False)
    )


# --- the digest's words for them (core/digest renders the sections) -------------------

CHECKIN_HEADERS: Final = ("Answered by", "How is it going?", "Still meeting?", "Comment")
CHECKIN_NOTE: Final = (
    "A check-in answer scored 2 or less, or said they no longer meet: ask them how you can help."
)
ONE_SIDED_NOTE: Final = "Ask the other side whether they are in touch too (the form, or a reply)."


def _long_day(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def _yes_no(answer: bool | None) -> str:
    return "" if answer is None else ("yes" if answer else "no")


def checkin_cells(flag: CheckinFlag) -> tuple[str, ...]:
    r = flag.response
    score = "" if r.score is None else f"{r.score}/5"
    return (r.role or "?", score, _yes_no(r.meeting), r.comment)


def checkin_line(flag: CheckinFlag) -> str:
    r = flag.response
    said = [f"how is it going {r.score}/5"] if r.score is not None else []
    if r.meeting is False:
        said.append("no longer meeting")
    line = f"{flag.pairing.pairing_id} ({r.role or 'answer'} on {_long_day(r.day)}): "
    return line + ", ".join(said) + (f"; comment: {r.comment!r}" if r.comment else "")


def one_sided_line(item: OneSided) -> str:
    other = "mentee" if item.confirmed_by == "mentor" else "mentor"
    return (
        f"{item.pairing.pairing_id}: the {item.confirmed_by} said on {_long_day(item.since)} "
        f"that they were in touch; the {other} has not confirmed"
    )


def confirmed_line(count: int) -> list[str]:
    """The digest's line counting confirmations since the last digest (none when 0)."""
    if not count:
        return []
    return [f"Contact confirmed on the form since the last digest: {count}.", ""]

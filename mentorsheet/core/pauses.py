"""Pauses: ``Paused until`` on the Mentors and Mentees tabs.

A paused mentor gets no new mentees and no reminders, and a paused mentee is
not matched, until that day: they are back *on* the date itself. An
unreadable date is reported by the parser and read as paused until it is
fixed (:data:`UNREADABLE`). The digest lists who comes back within the next
week (:func:`returning_soon`).

Pure: ``today`` is an argument.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Final

from mentorsheet.core.model import Mentee, Mentor, Returning

UNREADABLE: Final = date.max  # how the parser reads a Paused until it cannot read
SOON: Final = timedelta(days=7)  # "back within the next week"


def paused(until: date | None, today: date) -> bool:
    """Whether a ``Paused until`` of ``until`` still holds on ``today``."""
    return until is not None and today < until


def short_date(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def pause_text(until: date) -> str:
    """``paused until 3 Dec 2026``, in the words of a reason or a note."""
    if until == UNREADABLE:
        return "paused (Paused until cannot be read: see the Problems tab)"
    return f"paused until {short_date(until)}"


def paused_mentors(mentors: Iterable[Mentor], today: date) -> Mapping[str, date]:
    """Mentor email -> the day they are back, for every mentor paused on ``today``."""
    return {
        m.email: m.paused_until
        for m in mentors
        if m.paused_until is not None and paused(m.paused_until, today)
    }


def paused_mentees(mentees: Iterable[Mentee], today: date) -> Mapping[str, date]:
    """Mentee email -> the day they are back, for every mentee paused on ``today``."""
    return {
        m.email: m.paused_until
        for m in mentees
        if m.paused_until is not None and paused(m.paused_until, today)
    }


def returning_soon(
    mentors: Iterable[Mentor], mentees: Iterable[Mentee], today: date
) -> tuple[Returning, ...]:
    """Who is paused today and back within the next week, soonest first."""
    people: list[Returning] = [
        Returning(tab, person.name, person.email, person.paused_until)
        for tab, group in (("mentor", mentors), ("mentee", mentees))
        for person in group
        if person.paused_until is not None and today < person.paused_until <= today + SOON
    ]
    return tuple(sorted(people, key=lambda r: (r.back_on, r.role, r.email)))

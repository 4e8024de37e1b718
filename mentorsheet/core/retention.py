"""Retention: the people of pairings that ended long ago, erased by ``run``.

``workbook.retention_months`` (0, the default, is off): a pairing whose Status
is ``Ended`` and that ended more than that many months before today has its
personal cells erased as ``forget`` erases them
(:mod:`mentorsheet.core.erasure`): both people's names and emails, Why,
Notes and staff's own columns; its Pairing ID, Status, dates and ledger stay.

When a pairing ended: the moment its closing email went (the ``Closing
email`` cell), else the latest date the row holds (Last reminder on, Contact
made on, Intro sent on, Proposed on) -- nothing else on a row says when it
ended. A row with no date at all is kept. A row whose closing email is still
to go, or to check, is kept until that is settled.

The mentee is erased too -- their Mentees row, their other rows and every
other tab, as ``forget`` does -- once every pairing of theirs has ended that
long ago (or was ``Rejected``), and they have not asked again (a ``Requested
on`` after the last of those pairings was proposed). A mentor is never
erased by retention: they may still be volunteering; their name goes from
the old rows only.

At most :data:`MAX_PAIRINGS_PER_RUN` pairings are erased by one run (the
oldest first; the rest by the next runs), so the finish's one request stays
small even on the first run over years of old rows.

Pure: the workbook as read, the parsed programme, today and the setting in.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Final

from mentorsheet.core.endings import Closing, closing_state
from mentorsheet.core.erasure import Erasure, email_key, plan_erasure, plan_pairing_rows
from mentorsheet.core.model import Pairing, Programme
from mentorsheet.core.raw import RawWorkbook
from mentorsheet.core.schema import Status

MAX_PAIRINGS_PER_RUN: Final = 200


def months_before(day: date, months: int) -> date:
    """``day`` moved back ``months`` calendar months (the 31st becomes the month's last day)."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def ended_on(pairing: Pairing) -> date | None:
    """When ``pairing`` ended, as far as its row says (see the module doc)."""
    if closing_state(pairing.closing_email) is Closing.DONE:
        try:
            return datetime.fromisoformat(pairing.closing_email.strip()).date()
        except ValueError:
            pass  # staff's own words ("no"): dated by the row instead
    intro = pairing.intro_sent_on.date() if pairing.intro_sent_on is not None else None
    days = [
        d
        for d in (pairing.last_reminder_on, pairing.contact_made_on, intro, pairing.proposed_on)
        if d is not None
    ]
    return max(days, default=None)


def expired(pairings: Sequence[Pairing], *, today: date, months: int) -> list[Pairing]:
    """The Ended pairings that ended more than ``months`` months before ``today``."""
    if months <= 0:
        return []
    cutoff = months_before(today, months)
    found: list[Pairing] = []
    for pairing in pairings:
        if pairing.status is not Status.ENDED:
            continue
        if closing_state(pairing.closing_email) in (Closing.DUE, Closing.SENDING, Closing.CHECK):
            continue  # its closing email is still to settle
        ended = ended_on(pairing)
        if ended is not None and ended < cutoff:
            found.append(pairing)
    found.sort(key=lambda p: (ended_on(p) or date.min, p.pairing_id))
    return found[:MAX_PAIRINGS_PER_RUN]


def _done_mentees(programme: Programme, old: Sequence[Pairing]) -> list[str]:
    ids = {p.pairing_id for p in old}
    mentees = {m.email: m for m in programme.mentees}
    held = {email_key(h.mentee_email) for h in programme.held_places if h.mentee_email}
    by_mentee: dict[str, list[Pairing]] = {}
    for pairing in programme.pairings:
        by_mentee.setdefault(pairing.mentee_email, []).append(pairing)
    done: list[str] = []
    for email, rows in by_mentee.items():
        finished = [p for p in rows if p.pairing_id in ids]
        if not finished or email_key(email) in held:
            continue
        if any(p.pairing_id not in ids and p.status is not Status.REJECTED for p in rows):
            continue
        mentee = mentees.get(email)
        last = max((p.proposed_on or date.min for p in finished), default=date.min)
        if mentee is not None and mentee.requested_on is not None and mentee.requested_on > last:
            continue  # they asked again
        done.append(email)
    return done


def plan_retention(
    raw: RawWorkbook,
    programme: Programme,
    *,
    today: date,
    months: int,
    aliases: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
) -> tuple[Erasure, tuple[str, ...]]:
    """What retention erases today, and the Pairing IDs of its pairings (see the module doc)."""
    old = expired(programme.pairings, today=today, months=months)
    if not old:
        return Erasure(), ()
    people = plan_erasure(raw, _done_mentees(programme, old), day=today, aliases=aliases)
    rows = plan_pairing_rows(raw, [p.pairing_id for p in old], day=today, aliases=aliases)
    cells = {(c.tab, c.row, c.column): c for c in [*people.cells, *rows]}
    return Erasure(cells=tuple(cells.values()), found=True), tuple(p.pairing_id for p in old)

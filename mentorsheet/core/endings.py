"""How pairings end: the closing email, the note to a re-paired mentor, and their one ledger cell.

When staff set ``Ended``, one closing email thanks the mentor and the mentee
(and links to ``mail.feedback_form_url`` when it is set). When staff set
``Re-pair``, the old mentor gets one short, kind note that the mentee is
being paired with someone else, and the next proposal for that mentee
records the pairing it replaces (``Replaces``). Both are sent only to people
who were introduced (``Intro sent on`` is filled in), and both are ledgered
in the same Pairings cell, ``Closing email`` -- a pairing ends once, so it
is closed by one message at most:

=====================  ==============================================================
``Closing email``      what it means
=====================  ==============================================================
(blank)                nothing planned: an Ended row stays quiet (see "armed" below)
``due when Ended``     armed: the closing email goes once staff set ``Ended``
``sending``            written just *before* sending; never left behind on success
a date and time        sent then
``check the Sent       it may have gone out: a person looks, writes the date it went,
folder``               or ``due when Ended`` to have it sent again (never sent twice)
anything else          staff's own words ("no", say): nothing is sent
=====================  ==============================================================

Why "armed", and not simply "Ended with a blank cell": a workbook from
before this feature has Ended rows with no such cell, and they must not all
get a closing email the day it is upgraded -- and nothing on an Ended row
says *when* it ended. So the ``status`` step arms the pairings that are under
way (introduced and not over: Awaiting contact, Contact overdue, In contact;
:func:`to_arm`), and only an armed row gets a closing email when it ends. A
row that ended before the upgrade was never armed, so it is never sent
anything, however the column came to be there (``init``, or typed by hand);
a pairing under way at the upgrade is armed by the first run and thanked when
it ends. A pairing introduced since is armed by its intro's mark, so one that
staff end before the next run (the day of its intro, say) is thanked too.
Arming needs no extra request: it rides in the run's first write.

The note to a re-paired mentor needs no arming (``Re-pair`` is new: no row
can predate it): it goes for a ``Re-pair`` row whose cell is blank or armed.

Nothing is planned when the tab has no ``Closing email`` column (there would
be nowhere to record it): ``mentorsheet init`` adds it.

Pure: tables in, lists out.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import date
from enum import Enum
from typing import Final

from mentorsheet.core.model import Pairing, Problem
from mentorsheet.core.schema import PC, Status, header_key
from mentorsheet.core.statuses import under_way

DUE: Final = "due when Ended"
SENDING: Final = "sending"
CHECK: Final = "check the Sent folder"


class Closing(Enum):
    BLANK = "blank"
    DUE = "armed"
    SENDING = "sending"
    CHECK = "check"
    DONE = "sent, or staff said no"


_STATES: Mapping[str, Closing] = {
    header_key(DUE): Closing.DUE,
    header_key(SENDING): Closing.SENDING,
    header_key(CHECK): Closing.CHECK,
}


def closing_state(text: str) -> Closing:
    """What a ``Closing email`` cell says (case and spacing ignored)."""
    if not text.strip():
        return Closing.BLANK
    return _STATES.get(header_key(text), Closing.DONE)


def _introduced(pairing: Pairing) -> bool:
    return pairing.intro_sent_on is not None


def to_arm(pairings: Iterable[Pairing], *, columns: Collection[str]) -> list[Pairing]:
    """The pairings under way whose closing email is not armed yet."""
    if PC.CLOSING_EMAIL not in columns:
        return []
    return [
        p
        for p in pairings
        if under_way(p.status)
        and _introduced(p)
        and closing_state(p.closing_email) is Closing.BLANK
    ]


def closings_due(pairings: Iterable[Pairing], *, columns: Collection[str]) -> list[Pairing]:
    """Ended pairings whose closing email is armed and not yet sent."""
    if PC.CLOSING_EMAIL not in columns:
        return []
    return [
        p
        for p in pairings
        if p.status is Status.ENDED
        and _introduced(p)
        and closing_state(p.closing_email) is Closing.DUE
    ]


def notes_due(pairings: Iterable[Pairing], *, columns: Collection[str]) -> list[Pairing]:
    """Re-pair pairings whose old mentor has not been told yet."""
    if PC.CLOSING_EMAIL not in columns:
        return []
    return [
        p
        for p in pairings
        if p.status is Status.RE_PAIR
        and _introduced(p)
        and closing_state(p.closing_email) in (Closing.BLANK, Closing.DUE)
    ]


NO_LEDGER: Final = (
    "the old mentor was not told of this Re-pair: the Pairings tab has no Closing email "
    "column to record it in; run mentorsheet init to add it"
)


def untold_problems(
    pairings: Iterable[Pairing], *, columns: Collection[str], tab: str
) -> list[Problem]:
    """Re-pair rows whose note cannot go for want of the column: a problem for staff."""
    if PC.CLOSING_EMAIL in columns:
        return []
    return [
        Problem(tab, p.row or None, PC.STATUS.value, p.status.value, NO_LEDGER)
        for p in pairings
        if p.status is Status.RE_PAIR and _introduced(p)
    ]


def to_check(pairings: Iterable[Pairing]) -> tuple[Pairing, ...]:
    """Pairings whose closing message may or may not have gone: a person looks.

    ``sending`` seen when a run reads the tab was left by a run that stopped
    mid-send (runs never overlap), so it is as doubtful as ``check``.
    """
    return tuple(
        p for p in pairings if closing_state(p.closing_email) in (Closing.SENDING, Closing.CHECK)
    )


def replacements(pairings: Iterable[Pairing]) -> Mapping[str, str]:
    """Mentee email -> the Re-pair pairing a new proposal for them replaces.

    For each mentee, their latest ``Re-pair`` pairing that no row replaces yet.
    """
    rows = list(pairings)
    taken = {p.replaces for p in rows if p.replaces}
    latest: dict[str, Pairing] = {}
    for p in rows:
        if p.status is not Status.RE_PAIR or p.pairing_id in taken:
            continue
        known = latest.get(p.mentee_email)
        if known is None or _order(p) > _order(known):
            latest[p.mentee_email] = p
    return {email: p.pairing_id for email, p in latest.items()}


def _order(pairing: Pairing) -> tuple[date, str]:
    return (pairing.proposed_on or date.min, pairing.pairing_id)

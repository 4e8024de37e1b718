"""Who sits this round out, from the pairings they already had and the pauses staff set.

* **A pair that has existed, in any status, is never proposed again** (staff
  rejected it, it ended, it was re-paired, or it is live). The pool holds
  these pairs with the rejections, and the network keeps them apart.
* **A mentee whose mentoring ended is not proposed again unless they asked
  again**: their Requested on is later than that pairing's Proposed on (a new
  form response, or staff typing a new date), or staff set ``Re-pair`` on a
  pairing of theirs proposed since. A ``Rejected`` pairing never ended a
  mentoring, so it holds nobody back; a ``Re-pair`` sends the mentee back to
  the pool with their original Requested on (their place in the queue). An
  ``Ended`` row without a Proposed on (made by hand) is read by its Intro
  sent on; with neither, nothing shows that the mentee asked since, so they
  are held back, and the reason says what to fill in.
* **Paused** mentors and mentees are left out until the day in their
  ``Paused until`` (:mod:`mentorsheet.core.pauses`).

Pure: ``today`` is an argument.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from mentorsheet.core.model import HeldPlace, Mentee, Pairing
from mentorsheet.core.pauses import short_date
from mentorsheet.core.schema import Status


def pairs_seen(
    pairings: Iterable[Pairing], held: Iterable[HeldPlace]
) -> frozenset[tuple[str, str]]:
    """Every (mentee email, mentor email) pair on the Pairings tab, in any status."""
    found = {(p.mentee_email, p.mentor_email) for p in pairings}
    found |= {(h.mentee_email, h.mentor_email) for h in held if h.mentee_email and h.mentor_email}
    return frozenset(found)


def _started(pairing: Pairing) -> date | None:
    if pairing.proposed_on is not None:
        return pairing.proposed_on
    return pairing.intro_sent_on.date() if pairing.intro_sent_on is not None else None


def _asked_again(mentee: Mentee, ended: Pairing, repairs: Sequence[Pairing]) -> bool:
    started = _started(ended)
    if started is None:
        # Undated: only a Re-pair (which staff set after it, surely) shows a new wish.
        return bool(repairs)
    if mentee.requested_on is not None and mentee.requested_on > started:
        return True
    return any((_started(r) or date.max) >= started for r in repairs)


def finished_reason(mentee: Mentee, pairings: Sequence[Pairing]) -> str | None:
    """Why ``mentee`` is held back for having finished a mentoring, or None.

    ``pairings`` are the mentee's own pairings (none holding a place).
    """
    repairs = [p for p in pairings if p.status is Status.RE_PAIR]
    waiting = [
        p for p in pairings if p.status is Status.ENDED and not _asked_again(mentee, p, repairs)
    ]
    if not waiting:
        return None
    last = max(waiting, key=lambda p: (_started(p) or date.min, p.pairing_id))
    mentor = last.mentor_name or last.mentor_email
    started = _started(last)
    if started is None:
        return (
            f"finished a mentoring with {mentor} (pairing {last.pairing_id} has no Proposed on); "
            "fill that in, then add a later Requested on to pair again"
        )
    return (
        f"finished a mentoring with {mentor} (proposed on {short_date(started)}); "
        "add a new Requested on to pair again"
    )

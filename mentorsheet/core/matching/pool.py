"""Who may pair with whom: the programme reduced to the mentors and mentees in play.

A mentor is eligible when Active, not paused, with free places (Capacity
minus their pairings in any status that holds a place: not Rejected, Re-pair
or Ended); a mentee when they have no such pairing, are not paused, and have
not finished a mentoring without asking again
(:mod:`~mentorsheet.core.matching.history`). A pair that has existed in any
status is never proposed again, and nobody is paired with themselves.
Community mentees need a mentor offering at least one skill they want;
Academy mentees may take any eligible mentor.

Eligible mentees are ranked waiting longest first (``requested_on``, none
last, then email): tier 4 of the objective, and the canonical order every
later step relies on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from mentorsheet.core.matching.history import finished_reason, pairs_seen
from mentorsheet.core.model import Mentee, Mentor, Pairing, Programme, Unpaired
from mentorsheet.core.pauses import pause_text, paused
from mentorsheet.core.schema import Status
from mentorsheet.core.statuses import FREEING_STATUSES


@dataclass(frozen=True)
class Pool:
    """The programme reduced to what matching needs, in canonical order."""

    active: tuple[Mentor, ...]  # active mentors, by email
    mentors: tuple[Mentor, ...]  # eligible mentors (active, free places), by email
    free: tuple[int, ...]  # free places of each eligible mentor
    mentees: tuple[Mentee, ...]  # eligible mentees, by rank (waiting longest first)
    wanted: tuple[tuple[str, ...], ...]  # each eligible mentee's wanted skills, de-duplicated
    # (mentee email, mentor email) pairs never to propose: staff rejected them,
    # they were paired before (in any status), or they are one person.
    rejected: frozenset[tuple[str, str]]
    paired_before: frozenset[tuple[str, str]] = frozenset()  # of those, pairs that existed
    paused: tuple[Mentor, ...] = ()  # active mentors with free places, paused this round
    held_back: tuple[Unpaired, ...] = ()  # mentees on the tab sitting this round out


def _rank_key(mentee: Mentee) -> tuple[bool, date, str, int]:
    """Waiting longest first (no date last), then by email."""
    requested = mentee.requested_on
    return (requested is None, requested or date.min, mentee.email, mentee.row)


def _held_back(
    mentees: list[Mentee], pairings: tuple[Pairing, ...], today: date
) -> tuple[list[Mentee], tuple[Unpaired, ...]]:
    """The mentees free to pair this round, and those sitting it out with the reason."""
    own: dict[str, list[Pairing]] = {}
    for pairing in pairings:
        own.setdefault(pairing.mentee_email, []).append(pairing)
    free: list[Mentee] = []
    held: list[Unpaired] = []
    for mentee in mentees:
        if mentee.paused_until is not None and paused(mentee.paused_until, today):
            held.append(Unpaired(mentee, pause_text(mentee.paused_until)))
        elif (reason := finished_reason(mentee, own.get(mentee.email, []))) is not None:
            held.append(Unpaired(mentee, reason))
        else:
            free.append(mentee)
    return free, tuple(held)


def prepare_pool(programme: Programme, *, today: date) -> Pool:
    active = sorted((m for m in programme.mentors if m.active), key=lambda m: (m.email, m.row))
    # Rows the parser held out (bad ID, unknown status…) still count: their
    # place stays taken (never double-book on a guess) and a rejection holds.
    held = list(programme.held_places)
    pairings = pd.DataFrame(
        {
            "mentee_email": [p.mentee_email for p in programme.pairings]
            + [h.mentee_email for h in held],
            "mentor_email": [p.mentor_email for p in programme.pairings]
            + [h.mentor_email for h in held],
            "status": [str(p.status) for p in programme.pairings]
            + [str(h.status) if h.status is not None else "(unknown)" for h in held],
        },
        dtype="object",
    )
    holding = pairings.loc[~pairings["status"].isin([str(s) for s in FREEING_STATUSES])]
    places_in_use = holding["mentor_email"].value_counts()
    mentors = pd.DataFrame(
        {
            "email": [m.email for m in active],
            "capacity": [m.capacity for m in active],
        }
    )
    used = mentors["email"].map(places_in_use).fillna(0).astype("int64")
    free = (mentors["capacity"].astype("int64") - used).clip(lower=0).tolist()
    taken = set(holding["mentee_email"])
    rejected_rows = pairings.loc[pairings["status"] == str(Status.REJECTED)]
    rejected_pairs = frozenset(
        zip(rejected_rows["mentee_email"], rejected_rows["mentor_email"], strict=True)
    )
    # A pair seen in any status is never proposed again (the same mentor twice).
    seen = pairs_seen(programme.pairings, held)
    # Someone who both mentors and asks for a mentor is never paired with themselves.
    mentor_emails = {m.email for m in active}
    themselves = {(m.email, m.email) for m in programme.mentees if m.email in mentor_emails}
    with_places = [(m, f) for m, f in zip(active, free, strict=True) if f > 0]
    eligible = [(m, f) for m, f in with_places if not paused(m.paused_until, today)]
    waiting = sorted((m for m in programme.mentees if m.email not in taken), key=_rank_key)
    mentees, held_back = _held_back(waiting, programme.pairings, today)
    return Pool(
        active=tuple(active),
        mentors=tuple(m for m, _ in eligible),
        free=tuple(int(f) for _, f in eligible),
        mentees=tuple(mentees),
        wanted=tuple(tuple(dict.fromkeys(m.skills_wanted)) for m in mentees),
        rejected=rejected_pairs | seen | frozenset(themselves),
        paired_before=seen - rejected_pairs,
        paused=tuple(m for m, _ in with_places if paused(m.paused_until, today)),
        held_back=held_back,
    )

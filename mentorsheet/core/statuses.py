"""The one table of statuses: what each Pairings Status means and who moves it.

Everything that asks a question about a Status reads it here: the lifecycle
(what mentorsheet may move, and to what), the run's delivery steps (the
statuses an exactly-once send moves through), the digest (waiting for
contact), matching (whether a pairing holds a mentor's place) and ``init``
(dropdown values and colours). Adding a Status is adding a row to
:data:`STATUS_TABLE` (and a member to :class:`~mentorsheet.core.schema.Status`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from mentorsheet.core.schema import Status


class SetBy(StrEnum):
    STAFF = "staff"
    MENTORSHEET = "mentorsheet"
    EITHER = "staff or mentorsheet"


@dataclass(frozen=True)
class StatusRow:
    """One Status: who sets it, where mentorsheet may move it, and what it implies."""

    status: Status
    set_by: SetBy
    # The statuses mentorsheet itself may move a row of this status to. Staff
    # may type any Status at any time; mentorsheet never moves a row elsewhere.
    mentorsheet_moves_to: frozenset[Status]
    holds_place: bool  # the mentor's place is in use and the mentee is taken
    waiting_for_contact: bool  # the mentor has yet to make first contact
    under_way: bool  # introduced and not over: a closing email is armed for it (core/endings)
    colour: str  # a soft RGB hex background, readable with black text
    meaning: str  # in words staff read (the README's table is checked against these)


def _row(
    status: Status,
    set_by: SetBy,
    moves_to: tuple[Status, ...],
    *,
    holds_place: bool = True,
    waiting: bool = False,
    under_way: bool = False,
    colour: str,
    meaning: str,
) -> StatusRow:
    return StatusRow(
        status, set_by, frozenset(moves_to), holds_place, waiting, under_way, colour, meaning
    )


STATUS_TABLE: Final[Mapping[Status, StatusRow]] = {
    row.status: row
    for row in (
        _row(
            Status.PROPOSED,
            SetBy.MENTORSHEET,
            (),
            colour="DDEBF7",
            meaning="a suggested pair, waiting for staff",
        ),
        _row(
            Status.APPROVED,
            SetBy.EITHER,
            (Status.SENDING_INTRO,),
            colour="E2EFDA",
            meaning="send the intro",
        ),
        _row(
            Status.REJECTED,
            SetBy.STAFF,
            (),
            holds_place=False,
            colour="D9D9D9",
            meaning="never propose this pair again; the mentee returns to the pool",
        ),
        _row(
            Status.SENDING_INTRO,
            SetBy.MENTORSHEET,
            (Status.AWAITING_CONTACT, Status.CHECK_INTRO, Status.APPROVED),
            colour="FFF2CC",
            meaning="written *before* sending; never left behind on success",
        ),
        _row(
            Status.CHECK_INTRO,
            SetBy.MENTORSHEET,
            (),
            colour="F8CBAD",
            meaning="it could not be confirmed whether the intro went out: check the Sent "
            "folder and set Awaiting contact, or Approved to send again",
        ),
        _row(
            Status.AWAITING_CONTACT,
            SetBy.EITHER,
            (Status.CONTACT_OVERDUE, Status.IN_CONTACT),
            waiting=True,
            under_way=True,
            colour="FFE699",
            meaning="intro sent; waiting for the mentor to contact the mentee",
        ),
        _row(
            Status.CONTACT_OVERDUE,
            SetBy.MENTORSHEET,
            (Status.IN_CONTACT,),
            waiting=True,
            under_way=True,
            colour="FFC7CE",
            meaning="no contact `due_after_business_days` business days after the intro "
            "(default 2)",
        ),
        _row(
            Status.IN_CONTACT,
            SetBy.MENTORSHEET,
            (),
            under_way=True,
            colour="C6EFCE",
            meaning="Contact made on is filled in",
        ),
        _row(
            Status.RE_PAIR,
            SetBy.STAFF,
            (),
            holds_place=False,
            colour="E4DFEC",
            meaning="the mentor never made contact or had to stop: their place is free, they "
            "get a short note once, and the mentee is paired with someone else, keeping their "
            "Requested on",
        ),
        _row(
            Status.ENDED,
            SetBy.STAFF,
            (),
            holds_place=False,
            colour="EDEDED",
            meaning="the mentoring finished or stopped; the mentor's place is free again, and "
            "a closing email thanks both (once)",
        ),
    )
}


def row_of(status: Status) -> StatusRow:
    return STATUS_TABLE[status]


def holds_place(status: Status) -> bool:
    return STATUS_TABLE[status].holds_place


def waiting_for_contact(status: Status) -> bool:
    return STATUS_TABLE[status].waiting_for_contact


def under_way(status: Status) -> bool:
    return STATUS_TABLE[status].under_way


def may_move(old: Status, new: Status) -> bool:
    """Whether mentorsheet itself may move a row from ``old`` to ``new``."""
    return new in STATUS_TABLE[old].mentorsheet_moves_to


FREEING_STATUSES: Final = frozenset(s for s, row in STATUS_TABLE.items() if not row.holds_place)
WAITING_FOR_CONTACT: Final = frozenset(
    s for s, row in STATUS_TABLE.items() if row.waiting_for_contact
)
STATUS_COLOURS: Final[Mapping[Status, str]] = {s: row.colour for s, row in STATUS_TABLE.items()}

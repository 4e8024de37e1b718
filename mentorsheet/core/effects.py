"""What a delivery step writes, worked out from the step table: cells, markers, pairings.

A :class:`~mentorsheet.core.messages.DeliveryStep` names, for each phase
(mark, sent, doubt, not sent), an :class:`~mentorsheet.core.messages.Effect`:
a Status, cells and where their values come from, fixed ledger texts, or the
step's marker. These functions turn an effect into the cell updates a store
writes (:func:`effect_update`), the marker value (:func:`effect_marker`) and
the pairing as it then stands (:func:`effect_pairing`). Pure: the run's
moment comes in as a :class:`Moment`.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from mentorsheet.core.messages import (
    LEDGER_TEXT,
    DeliveryStep,
    Effect,
    OutgoingMessage,
    Source,
)
from mentorsheet.core.model import Pairing
from mentorsheet.core.schema import PC, PairingColumn

# The Pairing field each cell a delivery step writes is read back into.
PAIRING_FIELDS: Mapping[PairingColumn, str] = {
    PC.STATUS: "status",
    PC.INTRO_SENT_ON: "intro_sent_on",
    PC.INTRO_MESSAGE_ID: "intro_message_id",
    PC.REMINDERS_SENT: "reminders_sent",
    PC.LAST_REMINDER_ON: "last_reminder_on",
    PC.SLACK_INTRO_SENT_ON: "slack_intro_sent_on",
    PC.SLACK_INTRO_LINK: "slack_intro_link",
    PC.SLACK_REMINDERS_SENT: "slack_reminders_sent",
    PC.CLOSING_EMAIL: "closing_email",
    PC.CHECKINS_SENT: "checkins_sent",
    PC.LAST_CHECKIN_ON: "last_checkin_on",
}
_TEXT_FIELDS = frozenset({PC.CLOSING_EMAIL})


@dataclass(frozen=True)
class Moment:
    """The run's moment: ``now`` and its day in the programme's zone."""

    now: datetime
    today: date
    zone: tzinfo

    def stamp(self, moment: datetime) -> str:
        return local_stamp(moment, self.zone)


def local_stamp(moment: datetime, zone: tzinfo) -> str:
    """A moment as cells hold it: the wall time in the programme's zone, without an offset.

    A spreadsheet date-time has no zone, so the stores write this as a real
    date-time (:data:`~mentorsheet.core.schema.CELL_KINDS`) and the parser
    reads it back as local time in the programme's zone. Only the repeated
    hour when clocks go back reads as its first occurrence.
    """
    return moment.astimezone(zone).replace(tzinfo=None).isoformat(timespec="seconds")


@dataclass(frozen=True)
class CellUpdate:
    """Cells to set on the Pairings row of ``pairing_id``, if its Status is still ``expect``."""

    pairing_id: str
    values: Mapping[str, str]
    expect_status: str | None = None
    recheck: bool = False


class CellLedger:
    """Collects cell updates, merged per Pairing ID (the first expectation holds)."""

    def __init__(self) -> None:
        self._values: dict[str, dict[str, str]] = defaultdict(dict)
        self._expect: dict[str, str | None] = {}
        self._recheck: set[str] = set()

    def add(self, update: CellUpdate) -> None:
        pid = update.pairing_id
        self._values[pid].update(update.values)
        self._expect.setdefault(pid, update.expect_status)
        if update.recheck:
            self._recheck.add(pid)

    def drain(self) -> list[CellUpdate]:
        updates = [
            CellUpdate(pid, dict(values), self._expect.get(pid), recheck=pid in self._recheck)
            for pid, values in self._values.items()
        ]
        self._values.clear()
        self._expect.clear()
        self._recheck.clear()
        return updates

    def __len__(self) -> int:
        return len(self._values)


@dataclass(frozen=True)
class Queued:
    """A message in the send queue, with its delivery step and what its mark replaced."""

    message: OutgoingMessage
    step: DeliveryStep
    before: Pairing | None = None  # the pairing just before the mark
    marker_before: str = ""  # the step's marker as read

    @property
    def pairing_id(self) -> str:
        return self.message.pairing_id


# --- the values a step writes ---------------------------------------------------


def _value(
    source: Source, column: PairingColumn | None, queued: Queued, at: Moment, message_id: str
) -> object:
    if source in LEDGER_TEXT:
        return LEDGER_TEXT[source]
    if source is Source.NOW:
        return at.now
    if source is Source.TODAY:
        return at.today
    if source in (Source.MESSAGE_ID, Source.NOTE):
        return message_id  # a declined message's note comes where its id would
    if source is Source.NUMBER:
        return queued.message.number
    if column is None:
        return queued.marker_before
    return getattr(queued.before, PAIRING_FIELDS[column]) if queued.before is not None else None


def _text(value: object, at: Moment) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return at.stamp(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def effect_cells(
    effect: Effect, queued: Queued, at: Moment, message_id: str = ""
) -> dict[str, str]:
    """The cells ``effect`` writes, as text (Status first)."""
    cells: dict[str, str] = {}
    if effect.status is not None:
        cells[PC.STATUS] = effect.status.value
    for column, source in effect.cells:
        cells[column] = _text(_value(source, column, queued, at, message_id), at)
    for column, text in effect.texts:
        cells[column] = text
    return cells


def effect_update(
    effect: Effect, queued: Queued, at: Moment, message_id: str = "", *, expect: str | None
) -> CellUpdate | None:
    cells = effect_cells(effect, queued, at, message_id)
    if not cells:
        return None
    return CellUpdate(queued.pairing_id, cells, expect, recheck=effect.recheck)


def effect_pairing(
    effect: Effect, pairing: Pairing, queued: Queued, at: Moment, message_id: str = ""
) -> Pairing:
    """``pairing`` as it stands once ``effect`` is written."""
    changes: dict[str, Any] = {}  # field name -> value, typed by PAIRING_FIELDS
    if effect.status is not None:
        changes["status"] = effect.status
    for column, source in effect.cells:
        value = _value(source, column, queued, at, message_id)
        # A ledger cell kept as text (the closing email's) is held as the cell reads.
        changes[PAIRING_FIELDS[column]] = _text(value, at) if column in _TEXT_FIELDS else value
    for column, text in effect.texts:
        changes[PAIRING_FIELDS[column]] = text
    return dataclasses.replace(pairing, **changes) if changes else pairing


def effect_marker(effect: Effect, queued: Queued, at: Moment) -> str | None:
    """The marker value ``effect`` writes, or None when it writes no marker."""
    if effect.marker is None:
        return None
    return _text(_value(effect.marker, None, queued, at, ""), at)

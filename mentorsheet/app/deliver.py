"""Exactly-once delivery: mark, send once, record; doubt goes to a person, never a resend.

Gmail has no idempotency key (and no channel is relied on to have one), so
the workbook is the ledger, for introductions, reminders and the digest alike. What each step
writes comes from one table, :data:`~mentorsheet.core.messages.DELIVERY_STEPS`;
this loop applies it and calls the channel, and knows nothing of email.

1. *Mark before*: before anything is sent, one durable write holds the run's
   status changes, its new rows and the mark of every queued intro and
   reminder (an intro becomes ``Sending intro``; a reminder is pre-recorded
   in ``Reminders sent`` and ``Last reminder on``). A row staff changed since
   the read is skipped by the store, and its message is not sent. The
   digest's mark is its marker (``digest`` = the day), set just before it is
   sent.
2. *Send once*: each message is sent once. A failure after which it may
   have gone out (timeout, reset, 5xx, lost response) is never retried: it
   is *doubt*, and doubt goes to a person -- the intro becomes ``Check
   intro``; a reminder stays recorded as sent; the digest stays marked. A
   message certainly not sent gives its step back (an intro returns to
   ``Approved``, rechecked against the sheet so a staff change meanwhile is
   not undone; a reminder's record and the digest's marker are restored), so
   a later run sends it.
3. *Record after*: results are flushed every ``mail.flush_every`` sends that
   have one to record (intros: a sent reminder or digest is recorded by its
   mark already), and at the end of the batch. A run that dies leaves
   ``Sending intro`` behind, which the next run turns into ``Check intro``
   (never a resend); a reminder pre-recorded but not sent is simply not sent
   again (at most once beats twice in someone's inbox).

Intros and reminders stop while a quarter of the run's lease is left
(:data:`SEND_WINDOW`): past the lease another run may take over, find
``Sending intro`` and have staff send again. What is left unsent for lack of
time is given back, as if certainly not sent, for the next run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from mentorsheet.adapters.channels.base import Channel, Preview, Rendered
from mentorsheet.adapters.workbook.contract import PairingUpdate, SkippedWrite, WorkbookSession
from mentorsheet.core.effects import (
    CellLedger,
    CellUpdate,
    Moment,
    Queued,
    effect_marker,
    effect_update,
)
from mentorsheet.core.messages import Effect, Kind, Result
from mentorsheet.errors import DeliveryDeclinedError, DeliveryError

SEND_WINDOW = 0.75  # of the lease: when sending stops, to finish well inside it


class Progress(Protocol):
    """What sending progress is reported to (a rich bar on a terminal, or nothing)."""

    def start(self, total: int) -> None: ...

    def advance(self, description: str) -> None: ...

    def stop(self) -> None: ...


class NoProgress:
    def start(self, total: int) -> None:
        pass

    def advance(self, description: str) -> None:
        pass

    def stop(self) -> None:
        pass


@dataclass(frozen=True)
class SendOutcome:
    kind: Kind
    pairing_id: str
    result: Result
    detail: str = ""
    message_id: str = ""  # a declined message's note, for the ledger
    channel: str = ""


@dataclass(frozen=True)
class Delivered:
    """One queued message and what became of it."""

    queued: Queued
    outcome: SendOutcome
    preview: Preview | None  # what was sent; None when it was not tried

    @property
    def effect(self) -> Effect:
        """What was written once the outcome was known."""
        return self.queued.step.after(self.outcome.result)

    @property
    def listed(self) -> bool:
        """Whether it shows among the run's sends."""
        return self.outcome.result != "skipped" or self.queued.step.lists_time_skip


@dataclass
class DeliveryLog:
    """What a delivery has done so far (kept when a write fails part-way)."""

    marks_skipped: dict[str, str] = field(default_factory=dict)  # Pairing ID -> reason
    results_skipped: list[tuple[str, str]] = field(default_factory=list)
    delivered: list[Delivered] = field(default_factory=list)

    @property
    def left_for_next_run(self) -> int:
        return sum(1 for d in self.delivered if d.outcome.result == "skipped")


@dataclass(frozen=True)
class Batch:
    """The first write and the messages to send after it, in order."""

    new_rows: Sequence[Mapping[str, str]] = ()
    marks: Sequence[CellUpdate] = ()  # the first write's cell updates, marks included
    items: Sequence[tuple[Queued, Rendered]] = ()


def send_window(
    clock: Callable[[], datetime], started: datetime, lease_minutes: float
) -> Callable[[], bool]:
    """Whether the run's lease still leaves room for a send and the writes after it.

    Room for a slow send, its rate-limit retries and the last write: a run
    stops sending while a quarter of its lease is left.
    """
    lease = timedelta(minutes=lease_minutes)
    return lambda: clock() - started < lease * SEND_WINDOW


def to_store(update: CellUpdate) -> PairingUpdate:
    return PairingUpdate(
        update.pairing_id, dict(update.values), update.expect_status, recheck=update.recheck
    )


class Delivery:
    """One exactly-once delivery of a batch through the channels (see the module docstring)."""

    def __init__(
        self,
        session: WorkbookSession,
        channels: Mapping[str, Channel],
        *,
        at: Moment,
        flush_every: int,
        time_left: Callable[[], bool],
        progress: Progress | None = None,
        log: DeliveryLog | None = None,
    ) -> None:
        self._session = session
        self._channels = channels
        self._at = at
        self._flush_every = flush_every
        self._time_left = time_left
        self._progress = progress or NoProgress()
        self.log = log if log is not None else DeliveryLog()
        self._pending = CellLedger()
        self._closed: dict[str, str] = {}  # channel -> why it takes nothing more this run
        self._checked: set[str] = set()  # marked rows asked about since the last flush
        self._marked: set[str] = set()  # those still as the run marked them

    def run(self, batch: Batch) -> None:
        items = self._mark(batch)
        if not items:
            return
        recorded = 0
        self._progress.start(len(items))
        try:
            for index, (queued, rendered) in enumerate(items):
                self._progress.advance(f"{queued.message.kind} {queued.pairing_id}")
                if not self._still_marked(queued, items[index:]):
                    self._unmarked(queued)
                    continue
                delivered = self._send(queued, rendered)
                self.log.delivered.append(delivered)
                self._record(delivered)
                if delivered.outcome.result != "skipped" and queued.step.records_result:
                    recorded += 1
                if recorded >= self._flush_every:
                    self._flush()
                    recorded = 0
                    self._checked.clear()  # the next batch is checked again before it is sent
            if len(self._pending):
                self._flush()
        finally:
            self._progress.stop()

    def _mark(self, batch: Batch) -> list[tuple[Queued, Rendered]]:
        """Write the marks before any send; return what may be sent."""
        skipped: dict[str, str] = {}
        if batch.new_rows or batch.marks:
            # Durable before any send; with nothing to send, the store may keep
            # it for its next save (a marker or the finish).
            # The rows whose result a flush records later: the store may prepare
            # those (and only those) for a cheap write.
            again = {q.pairing_id for q, _r in batch.items if q.step.records_result}
            outcome = self._session.write(
                list(batch.new_rows),
                [to_store(update) for update in batch.marks],
                durable=bool(batch.items),
                again=again,
            )
            skipped = {s.pairing_id: s.reason for s in outcome.skipped}
            self.log.marks_skipped.update(skipped)
        for queued, _rendered in batch.items:
            marker = effect_marker(queued.step.mark, queued, self._at)
            if marker is not None:
                self._session.set_marker(queued.step.marker, marker)
        return [item for item in batch.items if item[0].pairing_id not in skipped]

    def _still_marked(self, queued: Queued, rest: Sequence[tuple[Queued, Rendered]]) -> bool:
        """Whether staff left ``queued``'s row as the run marked it (always, if unmarked).

        Asked of the store once per batch of sends (the next ``flush_every``
        marked rows), before the first of them and again after each flush.
        """
        if queued.step.marked_status is None:
            return True
        if queued.pairing_id not in self._checked:
            batch = [q.pairing_id for q, _r in rest if q.step.marked_status is not None]
            batch = batch[: self._flush_every]
            self._marked.update(self._session.still_marked(batch))
            self._checked.update(batch)
        return queued.pairing_id in self._marked

    def _unmarked(self, queued: Queued) -> None:
        """Staff changed the row after its mark (Rejected, say): not sent, nothing written."""
        marked = queued.step.marked_status
        shown = marked.value if marked is not None else "marked"
        self.log.results_skipped.append(
            (
                queued.pairing_id,
                f"not sent: its Status was changed by staff after the run set {shown!r} "
                "(Rejected?), so nothing was sent and the row was left as staff set it",
            )
        )

    def _send(self, queued: Queued, rendered: Rendered) -> Delivered:
        kind, pid, name = queued.message.kind, queued.pairing_id, queued.message.channel
        if queued.step.within_send_window and not self._time_left():
            skipped = SendOutcome(kind, pid, "skipped", "no time left this run", channel=name)
            return Delivered(queued, skipped, None)
        closed = self._closed.get(queued.message.channel)
        if closed is not None:
            # Untried, so certainly not sent: given back for the next run.
            untried = SendOutcome(kind, pid, "skipped", closed, channel=name)
            return Delivered(queued, untried, None)
        channel = self._channels[queued.message.channel]
        try:
            message_id = channel.send(rendered)
        except DeliveryDeclinedError as exc:
            outcome = SendOutcome(kind, pid, "declined", str(exc), exc.note, channel=name)
        except DeliveryError as exc:
            result: Result = "check" if exc.may_have_sent else "not sent"
            outcome = SendOutcome(kind, pid, result, detail=str(exc), channel=name)
            if exc.channel_closed:
                self._closed[queued.message.channel] = f"not tried: {exc}"
        else:
            outcome = SendOutcome(kind, pid, "sent", message_id=message_id, channel=name)
        return Delivered(queued, outcome, rendered.preview)

    def _record(self, delivered: Delivered) -> None:
        queued, effect = delivered.queued, delivered.effect
        marked = queued.step.marked_status
        update = effect_update(
            effect,
            queued,
            self._at,
            delivered.outcome.message_id,
            expect=marked.value if marked is not None else None,
        )
        if update is not None:
            self._pending.add(update)
        marker = effect_marker(effect, queued, self._at)
        if marker is not None:
            self._session.set_marker(queued.step.marker, marker)

    def _flush(self) -> None:
        # If this write fails, the rows stay "Sending intro": the next run marks
        # them "Check intro" and nothing is sent twice. So stop here, loudly.
        outcome = self._session.write([], [to_store(u) for u in self._pending.drain()])
        results = {d.queued.pairing_id: d.outcome.result for d in self.log.delivered}
        for skipped in outcome.skipped:
            self.log.results_skipped.append(
                (skipped.pairing_id, _skip_reason(skipped, results.get(skipped.pairing_id)))
            )


def _skip_reason(skipped: SkippedWrite, result: Result | None) -> str:
    """Why a result was not recorded; what to do when staff changed the row after a send."""
    if skipped.status_now is None or result not in ("sent", "check"):
        return skipped.reason
    status = skipped.status_now or "(empty)"
    if result == "sent":
        return f"sent, but staff set {status} meanwhile: tell the mentor ({skipped.reason})"
    return (
        f"may have been sent, but staff set {status} meanwhile: check with the mentor "
        f"({skipped.reason})"
    )

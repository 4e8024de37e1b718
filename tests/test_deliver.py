"""The exactly-once delivery loop over a recording session and a scripted channel."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from mentorsheet.adapters.channels.base import Preview, Rendered
from mentorsheet.adapters.workbook.contract import (
    PairingUpdate,
    ReportRows,
    RequestStats,
    SkippedWrite,
    WriteOutcome,
)
from mentorsheet.app.deliver import Batch, Delivery, send_window
from mentorsheet.core.effects import Moment, Queued
from mentorsheet.core.erasure import CellErasure
from mentorsheet.core.messages import (
    DIGEST_MARKER,
    EMAIL,
    DeliveryStep,
    Effect,
    Kind,
    OutgoingMessage,
    step_for,
)
from mentorsheet.core.model import Pairing, Problem, StatusPlan
from mentorsheet.core.plan import RunPlan, plan_digest
from mentorsheet.core.raw import RawWorkbook
from mentorsheet.core.schema import Status
from mentorsheet.errors import DeliveryError
from tests.test_plan import MONDAY, config, overdue_row, plan, row

AT = Moment(MONDAY, MONDAY.date(), config().schedule.zone)


@dataclass
class Session:
    """Records every write and marker, in order with the sends (``events``)."""

    events: list[tuple[str, Any]]
    skip: set[str] = field(default_factory=set)
    writes: list[tuple[list[Mapping[str, str]], list[PairingUpdate], bool]] = field(
        default_factory=list
    )

    def read(self, *, every_tab: bool = False) -> RawWorkbook:
        raise AssertionError("the delivery never reads")

    def write(
        self,
        new_rows: Sequence[Mapping[str, str]],
        updates: Sequence[PairingUpdate],
        *,
        durable: bool = True,
        again: Collection[str] | None = None,
    ) -> WriteOutcome:
        self.writes.append((list(new_rows), list(updates), durable))
        self.events.append(("write", [u.pairing_id for u in updates]))
        skipped = tuple(
            SkippedWrite(u.pairing_id, "Status changed by staff")
            for u in updates
            if u.pairing_id in self.skip
        )
        return WriteOutcome(skipped=skipped)

    def still_marked(self, pairing_ids: Collection[str]) -> set[str]:
        return {pid for pid in pairing_ids if pid not in self.skip}

    def set_marker(self, key: str, value: str) -> None:
        self.events.append(("marker", (key, value)))

    def finish(
        self,
        problems: Sequence[Problem],
        run_row: Mapping[str, str],
        *,
        erase: Sequence[CellErasure] = (),
        report: ReportRows | None = None,
    ) -> None:
        raise AssertionError("the delivery never finishes the run")

    @property
    def stats(self) -> RequestStats:
        return RequestStats()


class ScriptedChannel:
    """A channel whose sends succeed, or fail as scripted per message name."""

    noun = "note"

    def __init__(
        self,
        events: list[tuple[str, Any]],
        name: str = EMAIL,
        fail: Mapping[str, DeliveryError] | None = None,
    ) -> None:
        self.name = name
        self.events = events
        self.fail = dict(fail or {})

    def describe(self) -> str:
        return "scripted"

    def check(self) -> None:
        pass

    def render(self, message: OutgoingMessage) -> Rendered:
        preview = Preview(message.kind, message.pairing_id, "to", "", str(message.key), "")
        return Rendered(message, preview, payload=message)

    def send(self, rendered: Rendered) -> str:
        name = rendered.message.key.name
        self.events.append(("send", name))
        if name in self.fail:
            raise self.fail[name]
        return f"id-{name}"


def delivery(
    session: Session,
    channel: ScriptedChannel,
    *,
    flush_every: int = 10,
    time_left: Any = lambda: True,
) -> Delivery:
    return Delivery(
        session, {channel.name: channel}, at=AT, flush_every=flush_every, time_left=time_left
    )


def batch(result: RunPlan, channel: ScriptedChannel) -> Batch:
    items = [(q, channel.render(q.message)) for q in result.queue]
    return Batch(result.new_rows, result.marks, items)


def approved(*numbers: int) -> list[Pairing]:
    return [row(n, Status.APPROVED) for n in numbers]


def sends(events: list[tuple[str, Any]]) -> list[str]:
    return [name for kind, name in events if kind == "send"]


def test_marks_are_written_durably_before_any_send_and_skipped_rows_are_not_sent() -> None:
    events: list[tuple[str, Any]] = []
    session = Session(events, skip={"P-2"})
    channel = ScriptedChannel(events)
    run = delivery(session, channel)
    run.run(batch(plan(approved(1, 2, 3), steps=frozenset({"intro"})), channel))
    assert events[0] == ("write", ["P-1", "P-2", "P-3"])
    assert session.writes[0][2] is True  # durable: sends follow
    assert sends(events) == ["P-1-intro", "P-3-intro"]
    assert run.log.marks_skipped == {"P-2": "Status changed by staff"}


def test_with_nothing_to_send_the_first_write_need_not_be_durable() -> None:
    events: list[tuple[str, Any]] = []
    session = Session(events)
    channel = ScriptedChannel(events)
    result = plan([row(1, Status.SENDING_INTRO)], steps=frozenset({"intro"}))
    delivery(session, channel).run(batch(result, channel))
    [(_, [update], durable)] = session.writes
    assert (update.values, durable) == ({"Status": "Check intro"}, False)


def test_each_outcome_writes_what_the_step_table_says() -> None:
    events: list[tuple[str, Any]] = []
    session = Session(events)
    channel = ScriptedChannel(
        events,
        fail={
            "P-2-intro": DeliveryError("timed out", may_have_sent=True),
            "P-3-intro": DeliveryError("refused", may_have_sent=False),
        },
    )
    run = delivery(session, channel)
    run.run(batch(plan(approved(1, 2, 3), steps=frozenset({"intro"})), channel))
    assert [d.outcome.result for d in run.log.delivered] == ["sent", "check", "not sent"]
    _, results, _ = session.writes[1]
    by_pid = {u.pairing_id: u for u in results}
    assert by_pid["P-1"].values == {
        "Status": "Awaiting contact",
        "Intro sent on": "2026-11-02T09:00:00",  # local wall time: a date-time cell
        "Intro message ID": "id-P-1-intro",
    }
    assert by_pid["P-2"].values == {"Status": "Check intro"}
    assert by_pid["P-3"].values == {"Status": "Approved"}
    assert {u.expect_status for u in results} == {"Sending intro"}
    assert [u.pairing_id for u in results if u.recheck] == ["P-3"]
    # Each message went to the channel once: doubt is never retried.
    assert sends(events) == ["P-1-intro", "P-2-intro", "P-3-intro"]


def test_results_are_flushed_every_flush_every_intros() -> None:
    events: list[tuple[str, Any]] = []
    session = Session(events)
    channel = ScriptedChannel(events)
    rows = [*approved(1, 2, 3, 4, 5), overdue_row(6)]
    result = plan(rows, steps=frozenset({"intro", "status"}))
    delivery(session, channel, flush_every=2).run(batch(result, channel))
    writes = [names for kind, names in events if kind == "write"]
    assert writes[1:] == [["P-1", "P-2"], ["P-3", "P-4"], ["P-5"]]
    assert sends(events)[-1] == "P-6-reminder-1"  # a sent reminder has nothing to record


def test_a_reminder_certainly_not_sent_is_given_back_and_a_doubtful_one_kept() -> None:
    events: list[tuple[str, Any]] = []
    session = Session(events)
    channel = ScriptedChannel(
        events,
        fail={
            "P-1-reminder-1": DeliveryError("refused", may_have_sent=False),
            "P-2-reminder-1": DeliveryError("lost", may_have_sent=True),
        },
    )
    result = plan([overdue_row(1), overdue_row(2)], steps=frozenset({"status"}))
    delivery(session, channel).run(batch(result, channel))
    [update] = session.writes[-1][1]
    assert update.pairing_id == "P-1"
    assert update.values == {"Reminders sent": "0", "Last reminder on": ""}
    assert (update.expect_status, update.recheck) == (None, False)


def test_with_no_time_left_nothing_more_is_sent_and_each_step_is_given_back() -> None:
    events: list[tuple[str, Any]] = []
    session = Session(events)
    channel = ScriptedChannel(events)
    budget = iter([True])
    run = delivery(session, channel, time_left=lambda: next(budget, False))
    result = plan([*approved(1, 2), overdue_row(3)], steps=frozenset({"intro", "status"}))
    run.run(batch(result, channel))
    assert sends(events) == ["P-1-intro"]
    outcomes = [(d.outcome.pairing_id, d.outcome.result, d.listed) for d in run.log.delivered]
    assert outcomes == [("P-1", "sent", True), ("P-2", "skipped", False), ("P-3", "skipped", True)]
    assert run.log.left_for_next_run == 2
    by_pid = {u.pairing_id: u for u in session.writes[-1][1]}
    assert (by_pid["P-2"].values, by_pid["P-2"].recheck) == ({"Status": "Approved"}, True)
    assert by_pid["P-3"].values == {"Reminders sent": "0", "Last reminder on": ""}


def digest_batch(channel: ScriptedChannel, last: str = "2026-10-30") -> Batch:
    result = plan([row(1, Status.PROPOSED)])
    digest = plan_digest(
        at=AT,
        pairings=tuple(result.pairings.values()),
        status=StatusPlan(),
        match=result.match,
        problems=[],
        markers={DIGEST_MARKER: last},
    )
    assert digest.queued is not None
    return Batch(items=[(digest.queued, channel.render(digest.queued.message))])


@pytest.mark.parametrize(
    ("error", "after"),
    [
        (None, []),
        (DeliveryError("lost", may_have_sent=True), []),
        (DeliveryError("refused", may_have_sent=False), [("marker", ("digest", "2026-10-30"))]),
    ],
    ids=["sent", "doubt", "not sent"],
)
def test_the_digest_marker_is_set_before_the_send_and_freed_only_when_not_sent(
    error: DeliveryError | None, after: list[tuple[str, Any]]
) -> None:
    events: list[tuple[str, Any]] = []
    fail = {"digest-2026-11-02": error} if error is not None else {}
    channel = ScriptedChannel(events, fail=fail)
    delivery(Session(events), channel, time_left=lambda: False).run(digest_batch(channel))
    assert events == [
        ("marker", ("digest", "2026-11-02")),
        ("send", "digest-2026-11-02"),  # the digest does not wait on the lease window
        *after,
    ]


def test_the_loop_sends_through_whichever_channel_the_step_names() -> None:
    events: list[tuple[str, Any]] = []
    session = Session(events)
    pigeon = ScriptedChannel(events, name="pigeon")
    intro = step_for(Kind.INTRO, EMAIL)
    step = DeliveryStep(
        Kind.INTRO,
        "pigeon",
        picks=Status.APPROVED,
        mark=intro.mark,
        sent=Effect(status=Status.AWAITING_CONTACT),
        doubt=intro.doubt,
        not_sent=intro.not_sent,
    )
    pairing = row(1, Status.APPROVED)
    message = OutgoingMessage(Kind.INTRO, "pigeon", MONDAY, pairing=pairing)
    queued = Queued(message, step, before=pairing)
    assert str(message.key) == "P-1/intro/pigeon"
    run = delivery(session, pigeon)
    run.run(Batch(items=[(queued, pigeon.render(message))]))
    assert sends(events) == ["P-1-intro"]
    [update] = session.writes[-1][1]
    assert (update.values, update.expect_status) == (
        {"Status": "Awaiting contact"},
        "Sending intro",
    )


def test_the_send_window_closes_with_a_quarter_of_the_lease_left() -> None:
    now = [MONDAY]
    open_ = send_window(lambda: now[0], MONDAY, lease_minutes=30)
    now[0] = MONDAY + timedelta(minutes=22)
    assert open_()
    now[0] = MONDAY + timedelta(minutes=22, seconds=30)
    assert not open_()

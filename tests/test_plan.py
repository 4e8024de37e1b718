"""The run's plan, called directly: no store, no sender, no clock, no files."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mentorsheet.config import Config, load_config
from mentorsheet.core.effects import Moment
from mentorsheet.core.lifecycle import BusinessCalendar
from mentorsheet.core.messages import (
    DELIVERY_STEPS,
    DIGEST_MARKER,
    Kind,
    OutgoingMessage,
    step_for,
)
from mentorsheet.core.model import Mentee, Mentor, Pairing, Problem, Programme
from mentorsheet.core.plan import RunPlan, plan_digest, plan_run, settle
from mentorsheet.core.schema import MENTORSHEET_PAIRING_COLUMNS, PC, Route, Status
from mentorsheet.core.statuses import may_move

MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # 09:00 in London too (GMT)
ALL = frozenset({"propose", "intro", "status", "digest"})


def config(**sections: dict[str, Any]) -> Config:
    return load_config(None, environ={}, overrides=dict(sections))


def calendar(cfg: Config) -> BusinessCalendar:
    return BusinessCalendar.from_config(cfg.schedule)


def ada(capacity: int = 5) -> Mentor:
    return Mentor(2, "Ada", "ada@example.org", ("python",), capacity, active=True)


def mentee(n: int, *, requested: date | None = None) -> Mentee:
    return Mentee(
        n + 1, f"Mentee {n}", f"m{n}@example.net", Route.COMMUNITY, ("python",), requested
    )


def row(
    n: int,
    status: Status,
    *,
    proposed: date | None = None,
    intro: datetime | None = None,
    reminders: int = 0,
    last_reminder: date | None = None,
) -> Pairing:
    return Pairing(
        row=n + 1,
        pairing_id=f"P-{n}",
        status=status,
        mentee_name=f"Paired {n}",
        mentee_email=f"p{n}@example.net",
        mentor_name="Ada",
        mentor_email="ada@example.org",
        proposed_on=proposed,
        intro_sent_on=intro,
        reminders_sent=reminders,
        last_reminder_on=last_reminder,
    )


def plan(
    pairings: Sequence[Pairing] = (),
    *,
    cfg: Config | None = None,
    steps: frozenset[str] = ALL,
    mentees: Sequence[Mentee] = (),
    refuse: Any = None,
) -> RunPlan:
    cfg = cfg or config()
    programme = Programme(mentors=(ada(),), mentees=tuple(mentees), pairings=tuple(pairings))
    return plan_run(
        programme, config=cfg, steps=steps, calendar=calendar(cfg), now=MONDAY, refuse=refuse
    )


def keys(result: RunPlan) -> list[str]:
    return [str(q.message.key) for q in result.queue]


def marks(result: RunPlan) -> dict[str, tuple[dict[str, str], str | None, bool]]:
    return {u.pairing_id: (dict(u.values), u.expect_status, u.recheck) for u in result.marks}


# --- intros ---------------------------------------------------------------------


def test_approved_rows_oldest_first_up_to_the_budget() -> None:
    rows = [row(n, Status.APPROVED, proposed=date(2026, 10, 10 - n)) for n in (1, 2, 3)]
    result = plan(rows, cfg=config(mail={"max_per_run": 2}), steps=frozenset({"intro"}))
    assert keys(result) == ["P-3/intro/email", "P-2/intro/email"]
    assert result.left_for_next_run == 1
    assert marks(result) == {
        "P-3": ({"Status": "Sending intro"}, "Approved", False),
        "P-2": ({"Status": "Sending intro"}, "Approved", False),
    }
    assert result.pairings["P-3"].status is Status.SENDING_INTRO
    assert result.pairings["P-1"].status is Status.APPROVED
    assert result.new_rows == ()


def test_auto_approved_proposals_are_written_marked_within_the_budget() -> None:
    cfg = config(matching={"auto_approve": True}, mail={"max_per_run": 1})
    result = plan(
        mentees=[mentee(1, requested=date(2026, 10, 1)), mentee(2, requested=date(2026, 10, 2))],
        cfg=cfg,
    )
    statuses = [(r[PC.MENTEE_EMAIL], r[PC.STATUS]) for r in result.new_rows]
    assert statuses == [("m1@example.net", "Sending intro"), ("m2@example.net", "Approved")]
    [queued] = result.queue
    assert queued.message.kind is Kind.INTRO and queued.message.mentee == mentee(
        1, requested=date(2026, 10, 1)
    )
    assert result.left_for_next_run == 1
    assert result.marks == ()  # new rows carry their mark themselves


def test_proposals_without_intro_step_stay_as_proposed() -> None:
    result = plan(mentees=[mentee(1)], steps=frozenset({"propose"}))
    assert [r[PC.STATUS] for r in result.new_rows] == ["Proposed"]
    assert result.queue == () and result.marks == ()


def test_a_refused_message_is_a_problem_and_takes_no_place_in_the_budget() -> None:
    rows = [row(n, Status.APPROVED, proposed=date(2026, 10, n)) for n in (1, 2, 3)]
    asked: list[str] = []

    def refuse(message: OutgoingMessage) -> str | None:
        asked.append(message.pairing_id)
        return (
            "no email could be written for this pairing: bad"
            if message.pairing_id == "P-1"
            else None
        )

    result = plan(
        rows, cfg=config(mail={"max_per_run": 2}), steps=frozenset({"intro"}), refuse=refuse
    )
    assert asked == ["P-1", "P-2", "P-3"]
    assert keys(result) == ["P-2/intro/email", "P-3/intro/email"]
    assert result.left_for_next_run == 0
    assert "P-1" not in marks(result)
    assert result.problems == (
        Problem(
            tab="Pairings",
            row=2,
            column="Pairing ID",
            value="P-1",
            problem="no email could be written for this pairing: bad",
        ),
    )


# --- status and reminders -------------------------------------------------------


def overdue_row(n: int) -> Pairing:
    return row(n, Status.AWAITING_CONTACT, intro=datetime(2026, 10, 26, 9, 0, tzinfo=UTC))


def test_reminders_share_the_budget_after_intros_and_merge_with_the_status_change() -> None:
    rows = [row(1, Status.APPROVED), overdue_row(2), overdue_row(3)]
    result = plan(rows, cfg=config(mail={"max_per_run": 2}), steps=frozenset({"intro", "status"}))
    assert keys(result) == ["P-1/intro/email", "P-2/reminder-1/email"]
    assert result.left_for_next_run == 1
    got = marks(result)
    assert got["P-2"] == (
        {"Status": "Contact overdue", "Reminders sent": "1", "Last reminder on": "2026-11-02"},
        "Awaiting contact",
        False,
    )
    assert got["P-3"] == ({"Status": "Contact overdue"}, "Awaiting contact", False)
    assert result.pairings["P-2"].reminders_sent == 1
    assert result.pairings["P-2"].last_reminder_on == date(2026, 11, 2)
    assert result.pairings["P-3"].reminders_sent == 0


def test_intro_alone_only_turns_stale_sending_intro_into_check_intro() -> None:
    rows = [row(1, Status.SENDING_INTRO), overdue_row(2)]
    result = plan(rows, steps=frozenset({"intro"}))
    assert [(c.pairing.pairing_id, c.new_status) for c in result.changes] == [
        ("P-1", Status.CHECK_INTRO)
    ]
    assert result.queue == ()
    # The whole lifecycle plan is still there, for a digest.
    assert [d.pairing.pairing_id for d in result.status.reminders] == ["P-2"]


def test_digest_alone_changes_nothing_but_explains_the_unpaired() -> None:
    result = plan([row(1, Status.SENDING_INTRO)], mentees=[mentee(1)], steps=frozenset({"digest"}))
    assert result.changes == () and result.marks == () and result.queue == ()
    assert len(result.match.proposals) == 1 and result.new_rows == ()


def test_the_plan_is_a_function_of_its_inputs() -> None:
    rows = [row(1, Status.APPROVED), overdue_row(2), row(3, Status.SENDING_INTRO)]
    first = plan(rows, mentees=[mentee(4)], cfg=config(matching={"auto_approve": True}))
    again = plan(rows, mentees=[mentee(4)], cfg=config(matching={"auto_approve": True}))
    assert first == again


# --- after delivery ---------------------------------------------------------------


def test_settle_shows_skipped_rows_as_read_and_applies_each_outcome() -> None:
    rows = [row(1, Status.APPROVED), row(2, Status.APPROVED), overdue_row(3)]
    result = plan(rows, mentees=[mentee(4)], cfg=config(matching={"auto_approve": True}))
    at = Moment(MONDAY, MONDAY.date(), config().schedule.zone)
    by_pid = {q.pairing_id: q for q in result.queue}
    new_pid = result.new_rows[0][PC.PAIRING_ID]
    sent, not_sent = by_pid["P-1"], by_pid["P-3"]
    after = settle(
        result,
        skipped={"P-2", new_pid},
        outcomes=[
            (sent, sent.step.after("sent"), "id-1"),
            (not_sent, not_sent.step.after("not sent"), ""),
        ],
        at=at,
    )
    pairings = {p.pairing_id: p for p in after}
    assert new_pid not in pairings
    assert pairings["P-2"] == rows[1]
    assert pairings["P-1"].status is Status.AWAITING_CONTACT
    assert pairings["P-1"].intro_sent_on == MONDAY and pairings["P-1"].intro_message_id == "id-1"
    assert pairings["P-3"].status is Status.CONTACT_OVERDUE
    assert pairings["P-3"].reminders_sent == 0 and pairings["P-3"].last_reminder_on is None


# --- the digest -------------------------------------------------------------------


def test_the_digest_is_due_once_a_day_when_something_needs_a_person() -> None:
    result = plan([row(1, Status.PROPOSED)])
    at = Moment(MONDAY, MONDAY.date(), config().schedule.zone)

    def digest(markers: dict[str, str], pairings: Sequence[Pairing]) -> Any:
        return plan_digest(
            at=at,
            pairings=pairings,
            status=result.status,
            match=result.match,
            problems=[],
            markers=markers,
        )

    due = digest({DIGEST_MARKER: "2026-10-30"}, tuple(result.pairings.values()))
    assert due.queued is not None
    assert str(due.queued.message.key) == "digest/2026-11-02/email"
    assert due.queued.message.key.name == "digest-2026-11-02"
    assert due.queued.marker_before == "2026-10-30"
    sent = digest({DIGEST_MARKER: "2026-11-02"}, tuple(result.pairings.values()))
    assert sent.queued is None and sent.note == "already sent today"
    quiet = digest({}, ())
    assert quiet.queued is None and quiet.note == "nothing needs a person"


# --- the step table ------------------------------------------------------------------


def test_every_delivery_step_moves_statuses_only_where_mentorsheet_may() -> None:
    for step in DELIVERY_STEPS.values():
        marked = step.mark.status
        if marked is not None:
            assert step.picks is not None and may_move(step.picks, marked), step
        for effect in (step.sent, step.doubt, step.not_sent):
            if effect.status is not None:
                assert marked is not None and may_move(marked, effect.status), step
            # Giving a row back must not undo what staff did meanwhile.
            if effect is step.not_sent and effect.status is not None:
                assert effect.recheck, step
        for effect in (step.mark, step.sent, step.doubt, step.not_sent):
            assert {column for column, _ in effect.cells} <= MENTORSHEET_PAIRING_COLUMNS
            assert (effect.marker is not None) <= bool(step.marker)
        # Doubt never gives the step back: it is never sent again.
        assert step.doubt.status is not step.picks or step.picks is None
        assert step.doubt.marker is None


def test_the_intro_step_is_the_documented_protocol() -> None:
    intro = step_for(Kind.INTRO, "email")
    assert (intro.picks, intro.mark.status) == (Status.APPROVED, Status.SENDING_INTRO)
    assert intro.sent.status is Status.AWAITING_CONTACT
    assert intro.doubt.status is Status.CHECK_INTRO
    assert intro.not_sent.status is Status.APPROVED and intro.not_sent.recheck


# --- properties -----------------------------------------------------------------------

STATUSES = st.sampled_from(list(Status))


@st.composite
def programmes(draw: st.DrawFn) -> tuple[list[Pairing], list[Mentee]]:
    statuses = draw(st.lists(STATUSES, max_size=12))
    rows = []
    for n, status in enumerate(statuses):
        intro = draw(st.sampled_from([None, datetime(2026, 10, 20, 9, 0, tzinfo=UTC)]))
        proposed = draw(st.sampled_from([None, date(2026, 10, 1), date(2026, 10, 5)]))
        reminders = draw(st.integers(0, 3))
        rows.append(
            dataclasses.replace(
                row(n, status, proposed=proposed, intro=intro, reminders=reminders),
                last_reminder_on=date(2026, 10, 22) if reminders else None,
            )
        )
    mentees = [mentee(100 + k) for k in range(draw(st.integers(0, 4)))]
    return rows, mentees


@settings(max_examples=60, deadline=None)
@given(
    programmes(),
    st.integers(0, 5),
    st.booleans(),
    st.sets(st.sampled_from(sorted(ALL)), min_size=1),
)
def test_plan_properties(
    drawn: tuple[list[Pairing], list[Mentee]], budget: int, auto: bool, steps: set[str]
) -> None:
    rows, mentees = drawn
    cfg = config(mail={"max_per_run": budget}, matching={"auto_approve": auto})
    result = plan(rows, cfg=cfg, steps=frozenset(steps), mentees=mentees)
    # Never more messages than the budget; the rest are counted for the next run.
    assert len(result.queue) <= budget
    assert len({str(q.message.key) for q in result.queue}) == len(result.queue)
    by_pid = marks(result)
    new_rows = {r[PC.PAIRING_ID]: r for r in result.new_rows}
    for queued in result.queue:
        pid = queued.pairing_id
        if queued.message.kind is Kind.INTRO:
            # Every queued intro is marked Approved -> Sending intro before any send.
            if pid in new_rows:
                assert new_rows[pid][PC.STATUS] == "Sending intro"
            else:
                values, expect, _ = by_pid[pid]
                assert (values["Status"], expect) == ("Sending intro", "Approved")
        else:
            values, _, _ = by_pid[pid]
            assert values["Reminders sent"] == str(queued.message.number)
        assert result.pairings[pid] != queued.before or queued.before is None
    # Marks write only what mentorsheet may write, expecting the Status as read.
    as_read = {p.pairing_id: p for p in rows}
    for update in result.marks:
        assert set(update.values) <= MENTORSHEET_PAIRING_COLUMNS
        assert update.expect_status == as_read[update.pairing_id].status.value
        if "Status" in update.values:
            assert may_move(as_read[update.pairing_id].status, Status(update.values["Status"]))

"""The rules of endings, re-pairs and pauses, on the pure plan: tables and ``today`` in.

No store, no sender, no clock: :func:`~mentorsheet.core.plan.plan_run` called
directly, one rule per test.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mentorsheet.config import Config, load_config
from mentorsheet.core.digest import EXHAUSTED_NOTE, build_digest, render_text
from mentorsheet.core.effects import Moment
from mentorsheet.core.endings import Closing, closing_state, replacements
from mentorsheet.core.lifecycle import BusinessCalendar
from mentorsheet.core.messages import Kind, step_for
from mentorsheet.core.model import MatchResult, Mentee, Mentor, Pairing, Programme, StatusPlan
from mentorsheet.core.parsing import parse_workbook
from mentorsheet.core.pauses import returning_soon
from mentorsheet.core.plan import RunPlan, plan_run, settle
from mentorsheet.core.schema import COLUMNS, PAIRINGS, PC, Route, Status
from tests.test_parsing import TODAY as PARSE_DAY
from tests.test_parsing import workbook

MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TODAY = date(2026, 11, 2)
ALL = frozenset({"propose", "intro", "status", "digest"})
INTRO = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
WITH_LEDGER = frozenset(COLUMNS[PAIRINGS])
WITHOUT_LEDGER = WITH_LEDGER - {PC.CLOSING_EMAIL, PC.REPLACES}


def config(**sections: dict[str, Any]) -> Config:
    return load_config(None, environ={}, overrides=dict(sections))


def person(name: str, **changes: Any) -> Mentor:
    mentor = Mentor(2, name.title(), f"{name}@example.org", ("python",), 1, active=True)
    return dataclasses.replace(mentor, **changes)


def sam(**changes: Any) -> Mentee:
    mentee = Mentee(2, "Sam", "sam@example.net", Route.COMMUNITY, ("python",), date(2026, 10, 1))
    return dataclasses.replace(mentee, **changes)


def pairing(pid: str, status: Status, mentor: str = "ada", **changes: Any) -> Pairing:
    row = Pairing(
        row=2,
        pairing_id=pid,
        status=status,
        mentee_name="Sam",
        mentee_email="sam@example.net",
        mentor_name=mentor.title(),
        mentor_email=f"{mentor}@example.org",
        proposed_on=date(2026, 10, 2),
        intro_sent_on=INTRO,
    )
    return dataclasses.replace(row, **changes)


def plan(
    pairings: Sequence[Pairing] = (),
    *,
    mentors: Sequence[Mentor] = (),
    mentees: Sequence[Mentee] = (),
    columns: frozenset[str] = WITH_LEDGER,
    cfg: Config | None = None,
    steps: frozenset[str] = ALL,
    now: datetime = MONDAY,
) -> RunPlan:
    cfg = cfg or config()
    programme = Programme(
        mentors=tuple(mentors) or (person("ada"), person("grace")),
        mentees=tuple(mentees),
        pairings=tuple(pairings),
        pairing_columns=columns,
    )
    return plan_run(
        programme,
        config=cfg,
        steps=steps,
        calendar=BusinessCalendar.from_config(cfg.schedule),
        now=now,
    )


def keys(result: RunPlan) -> list[str]:
    return [str(q.message.key) for q in result.queue]


def marks(result: RunPlan) -> dict[str, tuple[dict[str, str], str | None]]:
    return {u.pairing_id: (dict(u.values), u.expect_status) for u in result.marks}


def proposed(result: RunPlan) -> list[tuple[str, str, str]]:
    return [
        (r[PC.MENTEE_EMAIL], r[PC.MENTOR_EMAIL], r.get(PC.REPLACES, "")) for r in result.new_rows
    ]


# --- the bug: an Ended pairing's mentee was proposed again, to the same mentor ----------------


def test_regression_an_ended_mentee_still_on_the_tab_is_not_proposed_again() -> None:
    result = plan([pairing("P-1", Status.ENDED)], mentors=[person("ada")], mentees=[sam()])
    assert proposed(result) == []
    [held] = result.match.held_back
    assert held.reason == (
        "finished a mentoring with Ada (proposed on 2 Oct 2026); "
        "add a new Requested on to pair again"
    )
    assert result.match.unpaired == ()  # nothing for staff to act on: not in the digest


def test_a_new_requested_on_pairs_again_with_another_mentor() -> None:
    asked = sam(requested_on=date(2026, 10, 30))  # after the pairing's Proposed on
    result = plan([pairing("P-1", Status.ENDED)], mentees=[asked])
    assert proposed(result) == [("sam@example.net", "grace@example.org", "")]


def test_requested_on_the_day_of_the_proposal_is_not_asking_again() -> None:
    same_day = sam(requested_on=date(2026, 10, 2))
    assert proposed(plan([pairing("P-1", Status.ENDED)], mentees=[same_day])) == []


def test_an_ended_row_without_a_proposed_on_is_read_by_its_intro() -> None:
    undated = pairing("P-1", Status.ENDED, proposed_on=None)  # intro on 5 Oct
    assert proposed(plan([undated], mentees=[sam(requested_on=date(2026, 10, 4))])) == []
    assert proposed(plan([undated], mentees=[sam(requested_on=date(2026, 10, 6))])) != []
    neither = dataclasses.replace(undated, intro_sent_on=None)
    result = plan([neither], mentees=[sam(requested_on=date(2026, 10, 30))])
    assert proposed(result) == []
    assert "has no Proposed on" in result.match.held_back[0].reason


def test_a_pair_that_existed_in_any_status_is_never_proposed_again() -> None:
    for status in Status:
        rows = [pairing("P-1", status)]
        # Asked again after it, so only the pair itself stands in the way.
        result = plan(rows, mentors=[person("ada")], mentees=[sam(requested_on=TODAY)])
        assert ("sam@example.net", "ada@example.org", "") not in proposed(result), status


def test_a_rejection_never_held_a_mentee_back() -> None:
    result = plan([pairing("P-1", Status.REJECTED)], mentees=[sam(requested_on=None)])
    assert proposed(result) == [("sam@example.net", "grace@example.org", "")]


# --- Re-pair ---------------------------------------------------------------------------------


def test_re_pair_frees_the_place_returns_the_mentee_and_records_what_it_replaces() -> None:
    ada = person("ada")  # one place: taken by Sam's pairing until it is re-paired
    other = Mentee(3, "Jo", "jo@example.net", Route.COMMUNITY, ("python",), date(2026, 10, 20))
    result = plan([pairing("P-1", Status.RE_PAIR)], mentors=[ada], mentees=[sam(), other])
    # Ada's place is free again but never Sam's: it goes to Jo, and Sam waits for another.
    assert proposed(result) == [("jo@example.net", "ada@example.org", "")]
    result = plan([pairing("P-1", Status.RE_PAIR)], mentees=[sam(), other])
    # Sam keeps his Requested on (1 Oct, before Jo's): with Grace free he is paired first.
    assert ("sam@example.net", "grace@example.org", "P-1") in proposed(result)
    [new] = [r for r in result.new_rows if r[PC.MENTEE_EMAIL] == "sam@example.net"]
    assert result.pairings[new[PC.PAIRING_ID]].replaces == "P-1"


def test_re_pair_sends_the_old_mentor_one_note_marked_before_the_send() -> None:
    result = plan([pairing("P-1", Status.RE_PAIR)], steps=frozenset({"status"}))
    assert keys(result) == ["P-1/repair-note/email"]
    [queued] = result.queue
    assert queued.message.mentor == person("ada")
    assert marks(result) == {"P-1": ({PC.CLOSING_EMAIL: "sending"}, "Re-pair")}
    # Told already, or told but not confirmed: never again.
    for cell in ("2026-11-02T09:00:00+00:00", "check the Sent folder", "sending", "no"):
        told = pairing("P-1", Status.RE_PAIR, closing_email=cell)
        assert plan([told], steps=frozenset({"status"})).queue == (), cell


def test_no_note_for_a_mentor_who_was_never_introduced() -> None:
    never = pairing("P-1", Status.RE_PAIR, intro_sent_on=None)
    assert plan([never], steps=frozenset({"status"})).queue == ()


def test_the_next_proposal_replaces_the_latest_open_re_pair() -> None:
    rows = [
        pairing("P-1", Status.RE_PAIR, proposed_on=date(2026, 9, 1)),
        pairing("P-2", Status.REJECTED, "grace", replaces="P-1"),
        pairing("P-3", Status.RE_PAIR, "linus", proposed_on=date(2026, 10, 1)),
    ]
    assert replacements(rows) == {"sam@example.net": "P-3"}
    rows[2] = dataclasses.replace(rows[2], status=Status.ENDED)
    assert replacements(rows) == {}


# --- closing emails --------------------------------------------------------------------------


def test_pairings_under_way_are_armed_in_the_first_write() -> None:
    rows = [
        pairing("P-1", Status.AWAITING_CONTACT, intro_sent_on=MONDAY),
        pairing("P-2", Status.IN_CONTACT, "grace"),
        pairing("P-3", Status.APPROVED, "linus", intro_sent_on=None),  # not introduced yet
        pairing("P-4", Status.IN_CONTACT, "alan", closing_email="no"),  # staff said no
    ]
    result = plan(rows, steps=frozenset({"status"}))
    assert marks(result) == {
        "P-1": ({PC.CLOSING_EMAIL: "due when Ended"}, "Awaiting contact"),
        "P-2": ({PC.CLOSING_EMAIL: "due when Ended"}, "In contact"),
    }
    assert result.pairings["P-2"].closing_email == "due when Ended"
    # Not without the column, not when closing emails are off; outside the status step
    # only the pairing being introduced, with its intro's mark (ended the same day, it is
    # still thanked).
    assert plan(rows, steps=frozenset({"status"}), columns=WITHOUT_LEDGER).marks == ()
    off = config(mail={"closing_email": False})
    assert plan(rows, steps=frozenset({"status"}), cfg=off).marks == ()
    others = plan(rows, steps=frozenset({"intro", "propose", "digest"}))
    armed = {u.pairing_id: u.values for u in others.marks if PC.CLOSING_EMAIL in u.values}
    assert armed == {"P-3": {PC.STATUS: "Sending intro", PC.CLOSING_EMAIL: "due when Ended"}}
    assert not [
        u
        for u in plan(rows, steps=frozenset({"intro"}), cfg=off).marks
        if PC.CLOSING_EMAIL in u.values
    ]


def test_arming_merges_with_the_status_change_of_the_same_row() -> None:
    overdue = pairing("P-1", Status.AWAITING_CONTACT, intro_sent_on=INTRO, reminders_sent=2)
    result = plan([overdue], steps=frozenset({"status"}), cfg=config(schedule={"max_reminders": 2}))
    assert marks(result) == {
        "P-1": (
            {PC.STATUS: "Contact overdue", PC.CLOSING_EMAIL: "due when Ended"},
            "Awaiting contact",
        )
    }


def test_an_armed_ended_pairing_gets_one_closing_email() -> None:
    ended = pairing("P-1", Status.ENDED, closing_email="due when Ended")
    result = plan([ended], mentees=[sam()], steps=frozenset({"status"}))
    assert keys(result) == ["P-1/closing/email"]
    assert marks(result) == {"P-1": ({PC.CLOSING_EMAIL: "sending"}, "Ended")}
    assert result.queue[0].message.mentee == sam()


def test_ended_rows_that_were_never_armed_get_nothing() -> None:
    # What a workbook from before closing emails holds: Ended, introduced, no ledger.
    for cell in ("", "2026-06-01T10:00:00+00:00", "check the Sent folder", "sending", "no"):
        ended = pairing("P-1", Status.ENDED, closing_email=cell)
        assert plan([ended], steps=frozenset({"status"})).queue == (), cell
    armed = pairing("P-1", Status.ENDED, closing_email="due when Ended")
    assert plan([armed], steps=frozenset({"status"}), columns=WITHOUT_LEDGER).queue == ()
    off = config(mail={"closing_email": False})
    assert plan([armed], steps=frozenset({"status"}), cfg=off).queue == ()
    assert plan([dataclasses.replace(armed, intro_sent_on=None)]).queue == ()


def test_the_closing_steps_write_one_ledger_cell_and_never_give_doubt_back() -> None:
    for kind in (Kind.CLOSING, Kind.REPAIR_NOTE):
        step = step_for(kind, "email")
        assert step.mark.status is None and step.sent.status is None
        assert {c for c, _ in step.mark.cells} == {PC.CLOSING_EMAIL}
    armed = pairing("P-1", Status.ENDED, closing_email="due when Ended")
    result = plan([armed], steps=frozenset({"status"}))
    [queued] = result.queue
    at = Moment(MONDAY, TODAY, config().schedule.zone)
    after = {
        outcome: settle(
            result, skipped=(), outcomes=[(queued, queued.step.after(outcome), "<id>")], at=at
        )[0].closing_email
        for outcome in ("sent", "check", "not sent", "skipped")
    }
    assert after == {
        "sent": "2026-11-02T09:00:00",  # local wall time, as every date-time cell
        "check": "check the Sent folder",
        "not sent": "due when Ended",  # given back: a later run sends it
        "skipped": "due when Ended",
    }
    assert [closing_state(text) for text in after.values()] == [
        Closing.DONE,
        Closing.CHECK,
        Closing.DUE,
        Closing.DUE,
    ]


def test_the_digest_lists_closing_emails_to_check_and_suggests_re_pair() -> None:
    doubtful = [
        pairing("P-1", Status.ENDED, closing_email="check the Sent folder"),
        pairing("P-2", Status.RE_PAIR, "grace", closing_email="Sending"),
    ]
    summary = build_digest(
        day=TODAY, pairings=doubtful, plan=StatusPlan(), match=MatchResult(), problems=()
    )
    assert [p.pairing_id for p in summary.check_closing] == ["P-1", "P-2"]
    assert summary.needs_action()
    text = render_text(summary)
    assert "Closing emails to check (2)" in text
    assert "write in Closing email the date it went, or due when Ended to send" in text
    assert "set Status to Re-pair" in EXHAUSTED_NOTE


# --- pauses ----------------------------------------------------------------------------------


def test_a_paused_mentor_gets_no_new_mentee_until_the_day() -> None:
    grace = person("grace", paused_until=date(2026, 11, 9))
    rows: list[Pairing] = []
    before = plan(rows, mentors=[grace], mentees=[sam()])
    assert proposed(before) == []
    assert before.match.unpaired[0].reason == "every mentor offering python is full or paused"
    back = plan(rows, mentors=[grace], mentees=[sam()], now=datetime(2026, 11, 9, 9, tzinfo=UTC))
    assert proposed(back) == [("sam@example.net", "grace@example.org", "")]


def test_a_paused_mentor_gets_no_reminders_but_stays_on_the_overdue_list() -> None:
    late = pairing("P-1", Status.CONTACT_OVERDUE, reminders_sent=0)
    ada = person("ada", paused_until=date(2026, 11, 4))
    result = plan([late], mentors=[ada], steps=frozenset({"status"}))
    assert result.queue == ()
    [item] = result.status.overdue
    assert item.mentor_paused_until == date(2026, 11, 4)
    summary = build_digest(
        day=TODAY, pairings=[late], plan=result.status, match=MatchResult(), problems=()
    )
    assert "the mentor is paused until 4 Nov 2026 (no reminders)" in render_text(summary)
    on_the_day = datetime(2026, 11, 4, 9, tzinfo=UTC)
    assert keys(plan([late], mentors=[ada], steps=frozenset({"status"}), now=on_the_day)) == [
        "P-1/reminder-1/email"
    ]


def test_a_paused_mentee_is_not_matched_until_the_day() -> None:
    resting = sam(paused_until=date(2026, 11, 3))
    result = plan(mentees=[resting])
    assert proposed(result) == []
    assert [u.reason for u in result.match.held_back] == ["paused until 3 Nov 2026"]
    tuesday = datetime(2026, 11, 3, 9, tzinfo=UTC)
    assert proposed(plan(mentees=[resting], now=tuesday)) != []


def test_an_unreadable_pause_is_read_as_paused_and_says_so() -> None:
    result = plan(mentees=[sam(paused_until=date.max)])
    assert result.match.held_back[0].reason == (
        "paused (Paused until cannot be read: see the Problems tab)"
    )


def test_who_is_back_within_the_week() -> None:
    mentors = [
        person("ada", paused_until=date(2026, 11, 9)),  # in 7 days: listed
        person("grace", paused_until=date(2026, 11, 10)),  # in 8: not yet
        person("linus", paused_until=date(2026, 11, 2)),  # back today: not paused
    ]
    mentees = [sam(paused_until=date(2026, 11, 3))]
    back = returning_soon(mentors, mentees, TODAY)
    assert [(r.role, r.email, r.back_on) for r in back] == [
        ("mentee", "sam@example.net", date(2026, 11, 3)),
        ("mentor", "ada@example.org", date(2026, 11, 9)),
    ]
    summary = build_digest(
        day=TODAY,
        pairings=(),
        plan=StatusPlan(),
        match=MatchResult(),
        problems=(),
        returning=back,
    )
    assert not summary.needs_action()  # news, not work: no digest for it alone
    busy = dataclasses.replace(summary, waiting_approval=(pairing("P-1", Status.PROPOSED),))
    text = render_text(busy)
    assert "Back from a pause this week (2)" in text
    assert "Sam <sam@example.net> (mentee): back on Tuesday 3 November 2026" in text


# --- reading the new columns -----------------------------------------------------------------


def test_the_new_columns_are_read_and_an_unreadable_pause_is_reported() -> None:
    raw = workbook(
        mentors=[
            {
                "Name": "Ada",
                "Email": "ada@example.org",
                "Skills": "python",
                "Capacity": "1",
                "Active": "yes",
                "Paused until": "3 Dec 2026",
            },
            {
                "Name": "Grace",
                "Email": "grace@example.org",
                "Skills": "python",
                "Capacity": "1",
                "Active": "yes",
                "Paused until": "soon",
            },
        ],
        mentees=[
            {
                "Name": "Sam",
                "Email": "sam@example.net",
                "Route": "Academy",
                "Paused until": "2026-12-01",
            }
        ],
        pairings=[
            {
                "Pairing ID": "P-1",
                "Status": "re-pair",
                "Mentee": "Sam",
                "Mentee email": "sam@example.net",
                "Mentor": "Ada",
                "Mentor email": "ada@example.org",
                "Replaces": "P-0",
                "Closing email": " Due when ended ",
            }
        ],
    )
    programme = parse_workbook(raw, config(), today=PARSE_DAY)
    ada, grace = programme.mentors
    assert ada.paused_until == date(2026, 12, 3)
    assert grace.paused_until == date.max  # unreadable: paused until it is fixed
    [problem] = programme.problems
    assert (problem.tab, problem.row, problem.column, problem.value) == (
        "Mentors",
        3,
        "Paused until",
        "soon",
    )
    assert programme.mentees[0].paused_until == date(2026, 12, 1)
    [row] = programme.pairings
    assert (row.status, row.replaces) == (Status.RE_PAIR, "P-0")
    assert closing_state(row.closing_email) is Closing.DUE
    assert {PC.REPLACES, PC.CLOSING_EMAIL} <= programme.pairing_columns


def test_a_re_pair_without_the_ledger_column_is_a_problem_not_a_silent_skip() -> None:
    result = plan([pairing("P-1", Status.RE_PAIR)], columns=WITHOUT_LEDGER)
    assert result.queue == ()
    [problem] = result.problems
    assert (problem.column, problem.value) == ("Status", "Re-pair")
    assert "run mentorsheet init to add it" in problem.problem


# --- properties ------------------------------------------------------------------------------

CELLS = st.sampled_from(
    ["", "due when Ended", "sending", "check the Sent folder", "no", "2026-10-09"]
)


@settings(max_examples=80, deadline=None)
@given(
    rows=st.lists(st.tuples(st.sampled_from(list(Status)), CELLS, st.booleans()), max_size=10),
    budget=st.integers(0, 6),
    closing=st.booleans(),
)
def test_endings_properties(
    rows: list[tuple[Status, str, bool]], budget: int, closing: bool
) -> None:
    mentors = [person(f"m{n}") for n in range(len(rows))]
    pairings = [
        pairing(
            f"P-{n}",
            status,
            f"m{n}",
            mentee_email=f"e{n}@example.net",
            closing_email=cell,
            intro_sent_on=INTRO if introduced else None,
        )
        for n, (status, cell, introduced) in enumerate(rows)
    ]
    cfg = config(mail={"max_per_run": budget, "closing_email": closing})
    result = plan(
        pairings, mentors=mentors or [person("ada")], cfg=cfg, steps=frozenset({"status"})
    )
    by_id = {p.pairing_id: p for p in pairings}
    assert len(result.queue) <= budget
    for queued in result.queue:
        row = by_id[queued.pairing_id]
        if queued.message.kind is Kind.CLOSING:
            # Only an armed, introduced Ended row, and only with closing emails on.
            assert closing and row.status is Status.ENDED and row.intro_sent_on is not None
            assert closing_state(row.closing_email) is Closing.DUE
        elif queued.message.kind is Kind.REPAIR_NOTE:
            assert row.status is Status.RE_PAIR and row.intro_sent_on is not None
            assert closing_state(row.closing_email) in (Closing.BLANK, Closing.DUE)
    for update in result.marks:
        row = by_id[update.pairing_id]
        assert update.expect_status == row.status.value
        cell = update.values.get(PC.CLOSING_EMAIL)
        if cell == "sending":  # a mark: its message is queued
            assert update.pairing_id in {q.pairing_id for q in result.queue}
        elif cell is not None:  # arming: under way, introduced, blank, closing emails on
            assert cell == "due when Ended" and closing
            assert row.status in (
                Status.AWAITING_CONTACT,
                Status.CONTACT_OVERDUE,
                Status.IN_CONTACT,
            )
            assert row.intro_sent_on is not None and row.closing_email == ""
    # Doubt and done are final: never queued again.
    done = {Closing.SENDING, Closing.CHECK, Closing.DONE}
    assert not {
        q.pairing_id
        for q in result.queue
        if q.message.kind in (Kind.CLOSING, Kind.REPAIR_NOTE)
        and closing_state(by_id[q.pairing_id].closing_email) in done
    }

"""The closing email's and the re-pair note's fault matrix, end to end over the fake APIs.

As for introductions (tests/test_intro_faults.py): the fake Gmail and the
fake Sheet fail, mentorsheet records what it knows in the Closing email
cell, and no closing message is ever sent twice. Doubt leaves "check the Sent
folder" for a person and the digest lists it; a message certainly not sent
is armed again and goes with the next run.
"""

from __future__ import annotations

from typing import Any

import pytest

from mentorsheet.core.schema import PAIRINGS
from tests.fakes.gmail_api import FakeGmailApi, Fault
from tests.story import KilledAfterFirstSend, Programme
from tests.workbooks import make_config, mentee, mentor

pytestmark = pytest.mark.usefixtures("instant_backoff")

FLUSH = r"values:batchUpdateByDataFilter"
SUBJECTS = {"closing": "Thank you", "repair-note": "An update about"}


def row(p: Programme) -> dict[str, str]:
    [only] = p.sheets.records(PAIRINGS)
    return only


def set_status(p: Programme, status: str) -> None:
    p.sheets.set_cell(PAIRINGS, 2, "Status", status)


def count(p: Programme, kind: str) -> int:
    return sum(1 for m in p.gmail.sent if str(m.message["Subject"]).startswith(SUBJECTS[kind]))


@pytest.fixture(params=["closing", "repair-note"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def programme(tmp_path: Any, gmail: FakeGmailApi, kind: str) -> Programme:
    """Sam and Ada introduced, under way (armed); staff have just set Ended or Re-pair."""
    config = make_config(tmp_path, workbook={"backend": "google", "spreadsheet": "fake"})
    story = Programme(config, gmail)
    story.seed(
        mentors=[mentor("Ada Lovelace", "ada@example.org", "Python", 1)],
        mentees=[mentee("Sam", "sam@example.net", "Academy", "python")],
    )
    story.run()  # proposes Sam with Ada
    set_status(story, "Approved")
    story.next_day()
    story.run()  # the intro
    story.next_day()
    story.sheets.set_cell(PAIRINGS, 2, "Contact made on", "2026-11-04")
    story.run()  # In contact, and armed
    assert row(story)["Closing email"] == "due when Ended"
    set_status(story, "Ended" if kind == "closing" else "Re-pair")
    story.next_day()
    return story


def test_accepted_once_and_recorded(programme: Programme, kind: str) -> None:
    p = programme
    report = p.run()
    assert [s.result for s in report.sends if s.kind == kind] == ["sent"]
    assert count(p, kind) == 1
    assert row(p)["Closing email"].startswith("2026-11-05T")
    p.next_day()
    p.run()
    assert count(p, kind) == 1


def test_rate_limited_then_accepted_sends_one(programme: Programme, kind: str) -> None:
    p = programme
    p.gmail.fail_next(Fault.RATE_LIMIT)
    p.run()
    assert count(p, kind) == 1
    assert row(p)["Closing email"].startswith("2026-11-05T")


@pytest.mark.parametrize(
    "fault",
    [Fault.SERVER_ERROR, Fault.UNAVAILABLE, Fault.ACCEPT_THEN_DROP, Fault.HANG],
    ids=["500", "503", "response lost after accept", "timeout"],
)
def test_may_have_gone_is_for_a_person_and_never_resent(
    programme: Programme, kind: str, fault: Fault
) -> None:
    p = programme
    p.gmail.fail_next(fault)
    report = p.runner().run("run")
    assert not report.ok  # the scheduled job shows red: someone must look
    assert [s.result for s in report.sends if s.kind == kind] == ["check"]
    assert row(p)["Closing email"] == "check the Sent folder"
    assert report.digest is not None
    assert [r.pairing_id for r in report.digest.check_closing] == [row(p)["Pairing ID"]]
    sent_before = count(p, kind)
    assert sent_before == (1 if fault is Fault.ACCEPT_THEN_DROP else 0)
    for _ in range(2):
        p.next_day()
        report = p.run()
        assert report.digest is not None and len(report.digest.check_closing) == 1
    assert count(p, kind) == sent_before
    assert row(p)["Closing email"] == "check the Sent folder"
    # A person checks the Sent folder; it did not go, so they ask for it again: one send.
    if fault is not Fault.ACCEPT_THEN_DROP:
        p.sheets.set_cell(PAIRINGS, 2, "Closing email", "due when Ended")
        p.next_day()
        p.run()
        assert count(p, kind) == 1


def test_certainly_not_sent_is_given_back_and_sent_next_run(
    programme: Programme, kind: str
) -> None:
    p = programme
    p.gmail.fail_next(Fault.UNAUTHORIZED)
    report = p.runner().run("run")
    assert [s.result for s in report.sends if s.kind == kind] == ["not sent"]
    assert row(p)["Closing email"] == "due when Ended"
    assert count(p, kind) == 0
    p.run()
    assert count(p, kind) == 1


def test_killed_between_send_and_record_is_not_resent(programme: Programme, kind: str) -> None:
    p = programme
    with pytest.raises(SystemExit):
        p.runner(KilledAfterFirstSend(p.sender)).run("run")
    assert count(p, kind) == 1
    assert row(p)["Closing email"] == "sending"
    report = p.run()
    assert count(p, kind) == 1
    assert report.digest is not None and len(report.digest.check_closing) == 1


def test_sheet_write_failing_after_the_send_never_resends(programme: Programme, kind: str) -> None:
    p = programme
    p.sheets.fail_next("POST", FLUSH, 503, times=1000)
    report = p.runner().run("run")
    assert not report.ok
    assert count(p, kind) == 1
    assert row(p)["Closing email"] == "sending"
    p.sheets._faults.clear()
    p.run()
    p.next_day()
    p.run()
    assert count(p, kind) == 1


def test_sheet_write_lost_after_it_was_applied_is_recorded_once(
    programme: Programme, kind: str
) -> None:
    p = programme
    p.sheets.lose_response_next("POST", FLUSH)
    report = p.run()  # the idempotent flush is retried and lands once
    assert [s.result for s in report.sends if s.kind == kind] == ["sent"]
    assert row(p)["Closing email"].startswith("2026-11-05T")
    p.run()
    assert count(p, kind) == 1


def test_staff_changing_the_status_before_the_mark_stops_the_send(
    programme: Programme, kind: str
) -> None:
    p = programme
    # Between the run's read and its first write, staff change their mind.
    p.sheets.once_after(
        lambda r: r.method == "GET" and "'Mentors'" in r.params.get("ranges", [""])[0],
        lambda _fake: set_status(p, "In contact"),
    )
    report = p.runner().run("run")
    assert count(p, kind) == 0
    assert any("it was changed since it was read" in s for s in report.skipped_writes)

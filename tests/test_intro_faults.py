"""The intro fault matrix, end to end: the fake Gmail and the fake Sheet fail, mentorsheet
records what it knows, and no introduction is ever sent twice.

The real gspread / google-auth / google-api-python-client code runs against both
fakes at the HTTP layer; nothing of mentorsheet's is mocked.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import pytest
import requests

from mentorsheet.errors import MentorsheetError
from tests.fakes.gmail_api import FakeGmailApi, Fault
from tests.story import KilledAfterFirstSend, Programme
from tests.workbooks import make_config, mentee, mentor

pytestmark = pytest.mark.usefixtures("instant_backoff")

FLUSH = r"values:batchUpdateByDataFilter"


@pytest.fixture
def programme(tmp_path: Any, gmail: FakeGmailApi) -> Programme:
    config = make_config(tmp_path, workbook={"backend": "google", "spreadsheet": "fake"})
    story = Programme(config, gmail)
    story.seed(
        mentors=[mentor("Ada Lovelace", "ada@example.org", "Python", 2)],
        mentees=[mentee("Sam", "sam@example.net", "Academy", "python")],
    )
    story.run()  # proposes Sam with Ada
    story.staff_set("sam@example.net", "Status", "Approved")
    story.next_day()
    return story


def intro_count(p: Programme) -> int:
    return sum(n for (kind, _), n in p.sent().items() if kind == "intro")


def test_rate_limited_then_accepted_sends_one(programme: Programme) -> None:
    p = programme
    p.gmail.fail_next(Fault.RATE_LIMIT)
    report = p.run()
    assert intro_count(p) == 1
    row = p.pairings()["sam@example.net"]
    assert row["Status"] == "Awaiting contact"
    [intro] = [m for m in p.gmail.sent if str(m.message["Subject"]).startswith("Introduction")]
    assert row["Intro message ID"] == intro.id
    assert report.intros_sent == 1


@pytest.mark.parametrize(
    "fault",
    [Fault.SERVER_ERROR, Fault.UNAVAILABLE, Fault.ACCEPT_THEN_DROP, Fault.HANG],
    ids=["500", "503", "response lost after accept", "timeout"],
)
def test_may_have_gone_becomes_check_intro_and_is_never_resent(
    programme: Programme, fault: Fault
) -> None:
    p = programme
    p.gmail.fail_next(fault)
    report = p.runner().run("run")
    assert not report.ok  # the scheduled job shows red: someone must look
    assert [s.result for s in report.sends if s.kind == "intro"] == ["check"]
    assert p.statuses()["sam@example.net"] == "Check intro"
    sent_before = intro_count(p)
    requests_before = p.gmail.request_count
    assert sent_before == (1 if fault is Fault.ACCEPT_THEN_DROP else 0)
    # Next run, and the day after: nothing is sent for that pairing.
    p.run()
    p.next_day()
    p.run()
    assert intro_count(p) == sent_before
    intro_requests = p.gmail.request_count - requests_before
    digests = sum(n for (kind, _), n in p.sent().items() if kind == "digest")
    assert intro_requests <= digests  # only digests went out since
    assert p.statuses()["sam@example.net"] == "Check intro"


def test_certainly_not_sent_goes_back_to_approved_and_is_sent_next_run(
    programme: Programme,
) -> None:
    p = programme
    p.gmail.fail_next(Fault.UNAUTHORIZED)
    report = p.runner().run("run")
    assert [s.result for s in report.sends if s.kind == "intro"] == ["not sent"]
    assert p.statuses()["sam@example.net"] == "Approved"
    assert intro_count(p) == 0
    p.run()
    assert p.statuses()["sam@example.net"] == "Awaiting contact"
    assert intro_count(p) == 1


def test_killed_between_send_and_record_is_not_resent(programme: Programme) -> None:
    p = programme
    with pytest.raises(SystemExit):
        p.runner(KilledAfterFirstSend(p.sender)).run("run")
    assert intro_count(p) == 1
    assert p.statuses()["sam@example.net"] == "Sending intro"
    p.run()
    assert p.statuses()["sam@example.net"] == "Check intro"
    assert intro_count(p) == 1


def test_sheet_write_failing_after_the_send_never_resends(programme: Programme) -> None:
    p = programme
    # Every attempt at recording the result fails (after the retries run out).
    p.sheets.fail_next("POST", FLUSH, 503, times=1000)
    report = p.runner().run("run")
    assert not report.ok
    assert "HTTP 503" in report.error
    assert intro_count(p) == 1
    assert p.statuses()["sam@example.net"] == "Sending intro"
    p.sheets._faults.clear()
    p.run()
    assert p.statuses()["sam@example.net"] == "Check intro"
    assert intro_count(p) == 1


def test_sheet_write_lost_after_it_was_applied_is_not_a_resend(programme: Programme) -> None:
    p = programme
    p.sheets.lose_response_next("POST", FLUSH)
    report = p.run()  # the idempotent flush is retried and lands once
    assert report.intros_sent == 1
    assert p.statuses()["sam@example.net"] == "Awaiting contact"
    p.run()
    assert intro_count(p) == 1


def test_sheet_timeout_before_the_marks_sends_nothing(programme: Programme) -> None:
    p = programme
    p.sheets.fail_next("POST", r"batchUpdate$", requests.exceptions.ReadTimeout("slow"), times=1000)
    try:
        report = p.runner().run("run")
    except MentorsheetError:
        pass  # the final record could not be written either: the run fails loudly
    else:
        assert not report.ok
    assert intro_count(p) == 0
    p.sheets._faults.clear()
    p.run()
    assert intro_count(p) == 1


class SlowSender:
    """The real Gmail sender on a slow day: each send takes eight minutes."""

    def __init__(self, story: Programme) -> None:
        self.story = story

    def describe(self) -> str:
        return "slow"

    def send(self, message: EmailMessage, *, key: str) -> str:
        self.story.sheets.clock.advance(minutes=8)
        return self.story.sender.send(message, key=key)


def test_a_slow_run_stops_sending_well_inside_its_lease(tmp_path: Any, gmail: FakeGmailApi) -> None:
    config = make_config(tmp_path, workbook={"backend": "google", "spreadsheet": "fake"})
    p = Programme(config, gmail)
    emails = [f"m{n}@example.net" for n in range(4)]
    p.seed(
        mentors=[mentor("Ada Lovelace", "ada@example.org", "Python", 4)],
        mentees=[mentee(f"M{n}", email, "Academy", "python") for n, email in enumerate(emails)],
    )
    p.run()
    for email in emails:
        p.staff_set(email, "Status", "Approved")
    p.next_day()
    report = p.runner(SlowSender(p)).run("run")  # lease 30 min: stops after 22.5
    assert report.ok
    assert report.intros_sent == 3
    assert report.left_for_next_run == 1
    assert sorted(p.statuses().values()) == ["Approved"] + ["Awaiting contact"] * 3
    p.run()
    assert sorted(p.statuses().values()) == ["Awaiting contact"] * 4
    assert intro_count(p) == 4


class StaffActFirst:
    """The real Gmail sender; just before it sends, staff change the sheet."""

    def __init__(self, story: Programme, action: Any) -> None:
        self.story = story
        self.action = action

    def describe(self) -> str:
        return "staff act mid-run"

    def send(self, message: EmailMessage, *, key: str) -> str:
        self.action()
        return self.story.sender.send(message, key=key)


def test_a_rejection_made_during_the_send_is_not_undone(programme: Programme) -> None:
    p = programme
    p.gmail.fail_next(Fault.UNAUTHORIZED)  # certainly not sent: would go back to Approved
    report = p.runner(
        StaffActFirst(p, lambda: p.staff_set("sam@example.net", "Status", "Rejected"))
    ).run("intro")
    assert [s.result for s in report.sends] == ["not sent"]
    assert any("Rejected" in skipped for skipped in report.skipped_writes)
    rows = p.sheets.records("Pairings")
    assert rows[0]["Status"] == "Rejected"
    p.next_day()
    p.run()
    assert intro_count(p) == 0


@pytest.mark.parametrize("fault", [Fault.DAILY_LIMIT, Fault.SENDING_LIMIT_429])
def test_gmails_daily_limit_stops_the_run_sending_and_the_rest_wait(
    tmp_path: Any, gmail: FakeGmailApi, fault: Fault
) -> None:
    config = make_config(
        tmp_path,
        workbook={"backend": "google", "spreadsheet": "fake"},
        matching={"auto_approve": True},
    )
    p = Programme(config, gmail)
    people = [f"mentee{n}@example.net" for n in range(5)]
    p.seed(
        mentors=[mentor("Ada Lovelace", "ada@example.org", "Python", 5)],
        mentees=[
            mentee(f"Mentee {n}", email, "Academy", "python") for n, email in enumerate(people)
        ],
    )
    gmail.fail_next(fault, times=100)  # the limit holds for the rest of the day
    report = p.runner().run("run")
    assert gmail.request_count == 1  # the first refusal stops the run's sending: no retries
    assert not report.ok
    [failed] = report.failed_sends
    assert "daily sending limit" in failed.detail
    assert report.left_for_next_run >= 4  # the rest, untried, wait for the next run
    assert set(p.statuses().values()) == {"Approved"}  # certainly not sent: nothing to check
    gmail.clear_faults()  # the limit lifts overnight
    p.next_day()
    p.run()
    assert (
        sorted(who for (kind, who), n in p.sent().items() if kind == "intro" and n == 1) == people
    )
    assert set(p.statuses().values()) == {"Awaiting contact"}

"""A simulated fortnight: `run` day by day over the fake Sheets and Gmail APIs.

The real gspread / google-auth / google-api-python-client code talks to
stateful fakes at the HTTP layer. Staff act between runs the way they would
in the sheet (approve, reject, fill Contact made on, answer Check intro). The
test checks every status change, that each intro, reminder and digest goes
out exactly once, that a second run the same day sends nothing, that a killed
run is recovered by the next, and that overlapping runs never double-send.
"""

from __future__ import annotations

from collections import Counter
from email.message import EmailMessage
from typing import Any

import pytest

from mentorsheet.adapters.channels.email.gmail import GmailSender
from mentorsheet.core.schema import PAIRINGS, RUNS
from mentorsheet.errors import RunInProgressError
from tests.fakes.gmail_api import FakeGmailApi
from tests.story import KilledAfterFirstSend, Programme
from tests.workbooks import make_config, mentee, mentor

pytestmark = pytest.mark.usefixtures("instant_backoff")


@pytest.fixture
def programme(tmp_path: Any, gmail: FakeGmailApi) -> Programme:
    config = make_config(
        tmp_path,
        workbook={"backend": "google", "spreadsheet": "fake", "wait_seconds": 30},
    )
    story = Programme(config, gmail)
    story.seed(
        mentors=[
            mentor("Ada Lovelace", "ada@example.org", "Python, testing", 2),
            mentor("Grace Hopper", "grace@example.org", "COBOL, Python", 1),
            mentor(
                "Linus",
                "linus@example.org",
                "C, Linux",
                1,
                **{"Calendly link": "https://calendly.com/linus"},
            ),
        ],
        mentees=[
            mentee("Sam", "sam@example.net", "Academy", "", "2026-10-20"),
            mentee("Mo", "mo@example.net", "Community", "Python, testing", "2026-10-21"),
            mentee("Lee", "lee@example.net", "Community", "Linux", "2026-10-22"),
            mentee("Jo", "jo@example.net", "Community", "Rust", "2026-10-23"),
        ],
    )
    return story


def test_a_fortnight_of_runs(programme: Programme) -> None:
    p = programme
    # --- Mon: sign-ups arrive; the run proposes and sends staff a digest.
    report = p.run()
    assert report.proposals_written == 3
    assert p.statuses() == {
        "sam@example.net": "Proposed",
        "mo@example.net": "Proposed",
        "lee@example.net": "Proposed",
    }
    assert [u.mentee.email for u in report.match.unpaired] == ["jo@example.net"]
    assert p.sent() == Counter({("digest", "2026-11-02"): 1})
    # A second run the same day: nothing new written or sent.
    again = p.run()
    assert again.proposals_written == 0
    assert p.sent() == Counter({("digest", "2026-11-02"): 1})
    assert len(p.sheets.records(PAIRINGS)) == 3

    # Staff approve Sam and Mo, reject Lee's proposal.
    p.staff_set("sam@example.net", "Status", "Approved")
    p.staff_set("mo@example.net", "Status", "Approved")
    p.staff_set("lee@example.net", "Status", "Rejected")

    # --- Tue: the run is killed right after the first intro went out.
    p.next_day()
    with pytest.raises(SystemExit):
        p.runner(KilledAfterFirstSend(p.sender)).run("run")
    first_sent = [k for k in p.sent() if k[0] == "intro"]
    assert len(first_sent) == 1
    killed_mentee = first_sent[0][1]
    assert p.statuses()[killed_mentee] == "Sending intro"
    # The next run recovers. The whole batch was marked before sending, and
    # nobody can tell which of it went: both go to Check intro, neither is resent.
    report = p.run()
    other = ({"sam@example.net", "mo@example.net"} - {killed_mentee}).pop()
    assert p.statuses() == {killed_mentee: "Check intro", other: "Check intro"}
    assert {k: v for k, v in p.sent().items() if k[0] == "intro"} == {("intro", killed_mentee): 1}
    # Lee was rejected with Linus, the only Linux mentor: not proposed again.
    assert "lee@example.net" not in p.statuses()
    assert p.sent()[("digest", "2026-11-03")] == 1
    # Staff check the Sent folder: one went (they record it), the other did not.
    p.staff_set(killed_mentee, "Status", "Awaiting contact")
    p.staff_set(killed_mentee, "Intro sent on", "2026-11-03")
    p.staff_set(other, "Status", "Approved")

    # --- Wed: the other introduction goes out, once.
    p.next_day()
    p.run()
    assert p.statuses() == {killed_mentee: "Awaiting contact", other: "Awaiting contact"}
    intros = {k: v for k, v in p.sent().items() if k[0] == "intro"}
    assert intros == {("intro", "sam@example.net"): 1, ("intro", "mo@example.net"): 1}
    assert not [k for k in p.sent() if k[0] == "reminder"]

    # --- Thu: two business days after Tuesday's intro the first is overdue:
    # reminder 1. The other mentor made contact.
    p.next_day()
    p.staff_set(other, "Contact made on", "2026-11-05")
    p.run()
    assert p.statuses() == {killed_mentee: "Contact overdue", other: "In contact"}
    late_mentor = p.pairings()[killed_mentee]["Mentor email"]
    assert p.sent()[("reminder", late_mentor)] == 1
    p.run()  # again the same day: no second reminder
    assert p.sent()[("reminder", late_mentor)] == 1
    assert p.pairings()[killed_mentee]["Reminders sent"] == "1"

    # --- Fri, then the weekend, Mon: not yet three business days since the reminder.
    for _ in range(4):
        p.next_day()
        p.run()
    assert p.sent()[("reminder", late_mentor)] == 1
    # --- Tue: three business days after Thursday's reminder: reminder 2 (the last).
    p.next_day()
    p.run()
    assert p.sent()[("reminder", late_mentor)] == 2
    # --- the rest of the fortnight: no more reminders; staff are told instead.
    for _ in range(4):
        p.next_day()
        report = p.run()
    assert p.sent()[("reminder", late_mentor)] == 2
    assert report.digest is not None
    assert [o.reminders_exhausted for o in report.digest.overdue] == [True]
    # Contact at last.
    p.staff_set(killed_mentee, "Contact made on", "2026-11-13")
    p.next_day()
    p.run()
    assert p.statuses() == {killed_mentee: "In contact", other: "In contact"}

    # Exactly once, overall: every intro once, at most one digest a day.
    sent = p.sent()
    assert all(count == 1 for (kind, _), count in sent.items() if kind in ("intro", "digest"))
    runs = p.sheets.records(RUNS)
    # Mon 2, Tue 1 (the killed run wrote no row), Wed 1, Thu 2, 4, 1, 4, 1.
    assert len(runs) == 2 + 1 + 1 + 2 + 4 + 1 + 4 + 1
    assert all(r["Result"] == "ok" for r in runs)


def test_overlapping_runs_never_double_send(programme: Programme) -> None:
    p = programme
    p.run()
    for email in ("sam@example.net", "mo@example.net"):
        p.staff_set(email, "Status", "Approved")
    p.next_day()
    outcomes: list[str] = []

    class StartsAnotherRun:
        """While the first run is sending, a second scheduled run starts."""

        def __init__(self, inner: GmailSender) -> None:
            self.inner = inner
            self.started = False

        def describe(self) -> str:
            return "starts a second run mid-send"

        def send(self, message: EmailMessage, *, key: str) -> str:
            if not self.started:
                self.started = True
                try:
                    p.runner().run("run")
                    outcomes.append("second run ran")
                except RunInProgressError as exc:
                    outcomes.append(f"second run refused: {exc}")
            return self.inner.send(message, key=key)

    first = p.runner(StartsAnotherRun(p.sender)).run("run")
    assert first.ok
    assert len(outcomes) == 1
    assert outcomes[0].startswith("second run refused")
    # The second run waited (virtual time) before giving up.
    assert sum(p.sheets.clock.slept) >= 1
    intros = {k: v for k, v in p.sent().items() if k[0] == "intro"}
    assert intros == {("intro", "sam@example.net"): 1, ("intro", "mo@example.net"): 1}
    # After the first run finishes, a new run goes ahead and sends nothing again.
    p.run()
    assert {k: v for k, v in p.sent().items() if k[0] == "intro"} == intros

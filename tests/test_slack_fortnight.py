"""A simulated fortnight with Slack on: every intro and reminder once by email and once in
the pairing's group DM, over the fake Sheets, Gmail and Slack APIs."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from tests.fakes.gmail_api import FakeGmailApi
from tests.fakes.slack_api import FakeSlack, Fault
from tests.slack_story import SlackProgramme
from tests.workbooks import make_config, mentee, mentor

pytestmark = pytest.mark.usefixtures("instant_backoff")


@pytest.fixture
def programme(tmp_path: Any, gmail: FakeGmailApi, slack: tuple[FakeSlack, str]) -> SlackProgramme:
    config = make_config(
        tmp_path,
        workbook={"backend": "google", "spreadsheet": "fake"},
        slack={"enabled": True},
    )
    story = SlackProgramme(config, gmail, slack)
    for name, email in (
        ("Ada Lovelace", "ada@example.org"),
        ("Grace Hopper", "grace@example.org"),
        ("Sam Jones", "sam@example.net"),
        ("Mo Khan", "MO@example.net"),  # another case than the sheet's
    ):
        story.slack.add_user(name, email)
    story.seed(
        mentors=[
            mentor("Ada Lovelace", "ada@example.org", "Python, testing", 1),
            mentor("Grace Hopper", "grace@example.org", "COBOL", 1),
        ],
        mentees=[
            mentee("Sam Jones", "sam@example.net", "Academy", "python", "2026-10-20"),
            mentee("Mo Khan", "mo@example.net", "Community", "COBOL", "2026-10-21"),
        ],
    )
    return story


def test_a_fortnight_with_slack(programme: SlackProgramme) -> None:
    p = programme
    p.run()  # Mon: proposals
    assert not p.slack.posted
    p.staff_set("sam@example.net", "Status", "Approved")
    p.staff_set("mo@example.net", "Status", "Approved")
    p.next_day()
    p.run()  # Tue: both introduced, by email and on Slack
    assert sorted(p.slack_intros()) == [
        "Introducing Ada Lovelace and Sam Jones",
        "Introducing Grace Hopper and Mo Khan",
    ]
    # Mo makes contact; Sam's mentor does not.
    p.next_day()
    p.staff_set("mo@example.net", "Contact made on", "2026-11-04")
    for _ in range(12):
        p.run()
        p.run()  # twice a day: the second run sends nothing
        p.next_day()
    emails = Counter(kind for (kind, _who), n in p.sent().items() for _ in range(n))
    assert emails["intro"] == 2
    assert emails["reminder"] == 2  # max_reminders
    assert Counter(p.slack_intros()) == {
        "Introducing Ada Lovelace and Sam Jones": 1,
        "Introducing Grace Hopper and Mo Khan": 1,
    }
    assert p.slack_reminders() == emails["reminder"]
    sam = p.pairings()["sam@example.net"]
    channel = sam["Slack intro link"].split("/")[0]
    assert len(p.slack.posts_in(channel)) == 1 + 2  # the intro and both reminders, there
    assert sam["Slack reminders sent"] == "2"
    assert all(r["Result"] == "ok" for r in p.sheets.records("Runs"))
    # Lookups only for people being introduced: one each, never again.
    assert p.slack.count("users.lookupByEmail") == 4
    assert p.slack.count("conversations.open") == 2


def overdue_sam(p: SlackProgramme) -> None:
    p.run()
    p.staff_set("sam@example.net", "Status", "Approved")
    p.next_day()
    p.run()  # Tue: introduced
    p.next_day(2)  # Thu: overdue, reminder 1


def test_a_reminder_that_may_have_posted_is_not_posted_again(programme: SlackProgramme) -> None:
    p = programme
    overdue_sam(p)
    p.slack.fail_next("chat.postMessage", Fault.LOST)
    report = p.runner().run("run")
    assert [s.result for s in report.sends if s.channel == "slack"] == ["check"]
    assert p.slack_reminders() == 1  # it went, the answer was lost
    for _ in range(2):
        p.runner().run("run")
    assert p.slack_reminders() == 1
    assert p.pairings()["sam@example.net"]["Slack reminders sent"] == "1"


def test_reminders_can_stay_email_only(
    tmp_path: Any, gmail: FakeGmailApi, slack: tuple[FakeSlack, str]
) -> None:
    config = make_config(
        tmp_path,
        workbook={"backend": "google", "spreadsheet": "fake"},
        slack={"enabled": True, "reminders": False},
    )
    p = SlackProgramme(config, gmail, slack)
    p.slack.add_user("Ada Lovelace", "ada@example.org")
    p.slack.add_user("Sam Jones", "sam@example.net")
    p.seed(
        mentors=[mentor("Ada Lovelace", "ada@example.org", "Python", 1)],
        mentees=[mentee("Sam Jones", "sam@example.net", "Academy", "python")],
    )
    overdue_sam(p)
    p.run()
    assert sum(n for (kind, _), n in p.sent().items() if kind == "reminder") == 1
    assert p.slack_reminders() == 0
    assert len(p.slack_intros()) == 1

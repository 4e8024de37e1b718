"""Slack introductions end to end: the fake Sheet, the fake Gmail and the fake Slack Web API.

The real gspread / google-api-python-client / slack_sdk code runs against the
fakes at the HTTP layer. Each intro goes by email and in a Slack group DM of
the mentor and the mentee, exactly once each; the Slack step ledgers in its
own Pairings cells and never touches the Status.
"""

from __future__ import annotations

from typing import Any

import pytest

from mentorsheet.core.messages import SLACK_CHECK
from tests.fakes.gmail_api import FakeGmailApi
from tests.fakes.slack_api import FakeSlack, Fault
from tests.slack_story import SlackProgramme
from tests.story import Programme
from tests.workbooks import make_config, mentee, mentor

pytestmark = pytest.mark.usefixtures("instant_backoff")

SAM = "sam@example.net"


@pytest.fixture
def programme(tmp_path: Any, gmail: FakeGmailApi, slack: tuple[FakeSlack, str]) -> SlackProgramme:
    config = make_config(
        tmp_path,
        workbook={"backend": "google", "spreadsheet": "fake"},
        slack={"enabled": True},
    )
    story = SlackProgramme(config, gmail, slack)
    story.slack.add_user("Ada Lovelace", "ada@example.org")
    story.slack.add_user("Sam Jones", "sam@example.net")
    story.seed(
        mentors=[
            mentor(
                "Ada Lovelace",
                "ada@example.org",
                "Python",
                2,
                **{"Calendly link": "https://calendly.com/ada/first"},
            )
        ],
        mentees=[mentee("Sam Jones", SAM, "Academy", "python")],
    )
    story.run()  # proposes Sam with Ada
    story.staff_set(SAM, "Status", "Approved")
    story.next_day()
    return story


def email_intros(p: Programme) -> int:
    return sum(n for (kind, _), n in p.sent().items() if kind == "intro")


def test_an_intro_goes_by_email_and_in_a_group_dm_once(programme: SlackProgramme) -> None:
    p = programme
    report = p.run()
    assert email_intros(p) == 1
    [post] = p.slack.posted
    assert p.slack.members_of(post.channel) == {"U00000001", "U00000002"}
    row = p.pairings()[SAM]
    assert row["Status"] == "Awaiting contact"  # the email's lifecycle, untouched
    assert row["Slack intro link"] == f"{post.channel}/{post.ts}"
    assert row["Slack intro sent on"].startswith("2026-11-03T")
    assert report.intros_sent == 1  # the Runs row counts introductions, not messages
    # What the message holds: both names, why, the mentee's email, the button, the line.
    assert post.blocks[0]["text"]["text"] == "Introducing Ada Lovelace and Sam Jones"
    assert "Why we paired you" in post.text and SAM in post.text
    assert "reply to let us know" in post.text
    [button] = next(b for b in post.blocks if b["type"] == "actions")["elements"]
    assert button["url"] == "https://calendly.com/ada/first"
    # Later runs post nothing more.
    p.run()
    p.next_day()
    p.run()
    assert len(p.slack.posted) == 1
    assert p.slack.count("users.lookupByEmail") == 2  # one per person, once


def test_the_group_dm_is_the_same_conversation_when_opened_again(
    programme: SlackProgramme,
) -> None:
    p = programme
    first = p.slack.handle("conversations.open", {"users": "U00000001,U00000002"})
    again = p.slack.handle("conversations.open", {"users": "U00000002,U00000001"})
    assert first["channel"]["id"] == again["channel"]["id"] and again["already_open"]
    p.run()
    [post] = p.slack.posted
    assert post.channel == first["channel"]["id"]


@pytest.mark.parametrize(
    "fault", [Fault.LOST, Fault.RESET, Fault.SERVER_ERROR, Fault.HANG],
    ids=["response lost after the post", "reset", "500", "timeout"],
)  # fmt: skip
def test_a_post_that_may_have_gone_is_never_posted_again(
    programme: SlackProgramme, fault: Fault
) -> None:
    p = programme
    p.slack.fail_next("chat.postMessage", fault)
    report = p.runner().run("run")
    assert not report.ok  # a person must look
    posted = len(p.slack.posted)
    assert posted == (0 if fault is Fault.RESET else 1)
    row = p.pairings()[SAM]
    assert row["Slack intro sent on"] == SLACK_CHECK
    assert row["Status"] == "Awaiting contact"  # the email went; its lifecycle goes on
    for _ in range(3):
        p.next_day()
        p.runner().run("run")
    assert len(p.slack.posted) == posted
    assert p.slack.count("chat.postMessage") == 1
    digest = p.gmail.sent[-1].message.get_body(preferencelist=("plain",))
    assert digest is not None and "Slack" in str(digest.get_content())


def test_rate_limited_post_is_posted_once_after_the_wait(programme: SlackProgramme) -> None:
    p = programme
    p.slack.fail_next("chat.postMessage", Fault.RATE_LIMIT)
    p.run()
    assert len(p.slack.posted) == 1
    assert p.slack.count("chat.postMessage") == 2  # the 429, then the post
    assert p.pairings()[SAM]["Slack intro link"]


def test_killed_between_post_and_record_is_not_posted_again(programme: SlackProgramme) -> None:
    p = programme

    class Killed:
        def describe(self) -> str:
            return "killed after one post"

        def post(self, payload: Any) -> str:
            p.poster.post(payload)
            raise SystemExit("killed by the scheduler")

    p.use_poster(Killed())
    with pytest.raises(SystemExit):
        p.runner().run("run")
    assert len(p.slack.posted) == 1
    assert p.pairings()[SAM]["Slack intro sent on"] == "sending"
    p.use_poster(p.poster)
    p.runner().run("run")
    p.next_day()
    p.runner().run("run")
    assert len(p.slack.posted) == 1
    assert email_intros(p) == 1


def test_sheet_write_failing_after_the_posts_never_reposts(programme: SlackProgramme) -> None:
    p = programme
    p.sheets.fail_next("POST", r"values:batchUpdateByDataFilter", 503, times=1000)
    report = p.runner().run("run")
    assert "HTTP 503" in report.error
    assert len(p.slack.posted) == 1
    p.sheets._faults.clear()
    p.runner().run("run")
    p.next_day()
    p.runner().run("run")
    assert len(p.slack.posted) == 1
    assert p.pairings()[SAM]["Slack intro sent on"] == "sending"


def test_certainly_not_posted_is_posted_by_a_later_run(programme: SlackProgramme) -> None:
    p = programme
    p.slack.fail_next("conversations.open", "channel_not_found")
    report = p.runner().run("run")
    assert [s.result for s in report.sends if s.channel == "slack"] == ["not sent"]
    assert p.pairings()[SAM]["Slack intro sent on"] == ""
    assert email_intros(p) == 1
    p.run()
    assert len(p.slack.posted) == 1
    assert email_intros(p) == 1


def test_the_bot_token_is_sent_only_as_the_authorization(programme: SlackProgramme) -> None:
    p = programme
    p.slack.fail_next("chat.postMessage", "invalid_auth")
    report = p.runner().run("run")
    from tests.fakes.slack_api import FAKE_TOKEN

    assert set(p.slack.authorizations) == {f"Bearer {FAKE_TOKEN}"}
    shown = [report.error, *(s.detail for s in report.sends), *(x.problem for x in report.problems)]
    assert not any(FAKE_TOKEN in text for text in shown)
    assert all(FAKE_TOKEN not in str(row) for row in p.sheets.records("Runs"))
    assert all(FAKE_TOKEN not in str(row) for row in p.sheets.records("Problems"))


@pytest.fixture
def with_staff_channel(
    tmp_path: Any, gmail: FakeGmailApi, slack: tuple[FakeSlack, str]
) -> SlackProgramme:
    config = make_config(
        tmp_path,
        workbook={"backend": "google", "spreadsheet": "fake"},
        slack={"enabled": True, "staff_channel": "C0STAFF01"},
    )
    story = SlackProgramme(config, gmail, slack)
    story.slack.channels.add("C0STAFF01")
    story.seed(
        mentors=[mentor("Ada Lovelace", "ada@example.org", "Python", 2)],
        mentees=[mentee("Sam Jones", SAM, "Academy", "python")],
    )
    return story


def test_the_digest_goes_to_the_staff_channel_once_a_day(
    with_staff_channel: SlackProgramme,
) -> None:
    p = with_staff_channel
    p.run()  # a proposal to approve: the digest is due
    p.run()
    [post] = p.slack.posts_in("C0STAFF01")
    assert post.blocks[0]["text"]["text"] == "Mentoring digest, Monday 2 November"
    assert "Sam Jones" in post.text
    assert sum(n for (kind, _), n in p.sent().items() if kind == "digest") == 1
    p.next_day()
    p.run()
    assert len(p.slack.posts_in("C0STAFF01")) == 2


def test_a_staff_channel_the_bot_is_not_in_is_tried_again_next_run(
    with_staff_channel: SlackProgramme,
) -> None:
    p = with_staff_channel
    p.slack.channels.clear()
    report = p.runner().run("run")
    assert [s.result for s in report.sends if s.channel == "slack"] == ["not sent"]
    assert report.digest_sent  # the email digest went
    p.slack.channels.add("C0STAFF01")
    p.run()
    assert len(p.slack.posts_in("C0STAFF01")) == 1

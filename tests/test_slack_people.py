"""Finding people on Slack: member IDs, emails, handles, and those Slack cannot introduce.

Someone not in the workspace, deactivated or a bot: the email goes, the Slack
intro is skipped, ledgered ("skipped: ...") and listed, never retried. A
display handle cannot be looked up: the Slack intro is refused before
anything is written, and Problems says what to write instead.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakes.gmail_api import FakeGmailApi
from tests.fakes.slack_api import FakeSlack
from tests.slack_story import SlackProgramme
from tests.workbooks import make_config, mentee, mentor

pytestmark = pytest.mark.usefixtures("instant_backoff")

SAM = "sam@example.net"


def introduce(
    tmp_path: Any,
    gmail: FakeGmailApi,
    slack: tuple[FakeSlack, str],
    *,
    mentor_slack: str = "",
    mentee_slack: str = "",
    setup: Any = None,
) -> SlackProgramme:
    config = make_config(
        tmp_path, workbook={"backend": "google", "spreadsheet": "fake"}, slack={"enabled": True}
    )
    p = SlackProgramme(config, gmail, slack)
    p.slack.add_user("Ada Lovelace", "ada@example.org")
    p.slack.add_user("Sam Jones", SAM)
    if setup is not None:
        setup(p.slack)
    sam = {**mentee("Sam Jones", SAM, "Academy", "python"), "Slack": mentee_slack}
    p.seed(
        mentors=[mentor("Ada Lovelace", "ada@example.org", "Python", Slack=mentor_slack)],
        mentees=[sam],
    )
    p.run()
    p.staff_set(SAM, "Status", "Approved")
    p.next_day()
    return p


def test_a_member_id_is_used_as_given(
    tmp_path: Any, gmail: FakeGmailApi, slack: tuple[FakeSlack, str]
) -> None:
    p = introduce(tmp_path, gmail, slack, mentor_slack="U00000001")
    p.run()
    assert p.slack.count("users.info") == 1 and p.slack.count("users.lookupByEmail") == 1
    assert len(p.slack.posted) == 1


def test_a_display_handle_is_a_problem_saying_what_to_write(
    tmp_path: Any, gmail: FakeGmailApi, slack: tuple[FakeSlack, str]
) -> None:
    p = introduce(tmp_path, gmail, slack, mentee_slack="@sam")
    report = p.run()
    assert not p.slack.posted
    assert p.pairings()[SAM]["Status"] == "Awaiting contact"  # the email went
    [problem] = [x for x in report.problems if "@sam" in x.problem]
    assert "member ID" in problem.problem and "U012AB3CD" in problem.problem
    assert p.pairings()[SAM]["Slack intro sent on"] == ""  # posted once the cell is fixed


@pytest.mark.parametrize(
    ("setup", "cell", "why"),
    [
        (lambda s: s.users.pop("U00000002"), "", "Sam Jones is not in the workspace"),
        (
            lambda s: s.users["U00000002"].update(deleted=True),
            "U00000002",
            "Sam Jones's account is deactivated",
        ),
        (lambda s: s.users["U00000002"].update(is_bot=True), "U00000002", "Sam Jones is a bot"),
        (None, "W0OTHERTEAM", "Sam Jones is not in the workspace"),  # another workspace's ID
    ],
    ids=["not in the workspace", "deactivated", "a bot", "another workspace's member"],
)
def test_who_slack_cannot_introduce_is_skipped_once_and_listed(
    tmp_path: Any,
    gmail: FakeGmailApi,
    slack: tuple[FakeSlack, str],
    setup: Any,
    cell: str,
    why: str,
) -> None:
    p = introduce(tmp_path, gmail, slack, mentee_slack=cell, setup=setup)
    report = p.run()
    assert not p.slack.posted
    row = p.pairings()[SAM]
    assert row["Status"] == "Awaiting contact"
    assert row["Slack intro sent on"] == f"skipped: {why}"
    assert report.ok  # not an error
    assert [s.result for s in report.sends if s.channel == "slack"] == ["declined"]
    assert any(why in x.problem for x in report.problems)  # the digest lists it, that day
    calls = len(p.slack.calls)
    for _ in range(2):
        p.next_day()
        p.run()
    assert len(p.slack.calls) == calls  # not looked up again, run after run

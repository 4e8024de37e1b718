"""The Slack client never re-sends a post: only a 429 is retried, bounded, after Retry-After."""

from __future__ import annotations

import pytest
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from mentorsheet.adapters.channels.slack.render import Person, SlackPayload
from mentorsheet.adapters.channels.slack.web import make_client
from mentorsheet.errors import DeliveryDeclinedError, DeliveryError
from tests.fakes.slack_api import FakeSlack, Fault
from tests.slack_story import web_poster


def payload(*people: Person) -> SlackPayload:
    return SlackPayload(
        "P-1-intro",
        people,
        "",
        "Hello",
        ({"type": "section", "text": {"type": "mrkdwn", "text": "Hello"}},),
    )


ADA = Person("Ada", "ada@example.org")
SAM = Person("Sam", "SAM@example.net")


def test_the_client_retries_only_rate_limits() -> None:
    client = make_client("xoxb-1", rate_limit_retries=2)
    [handler] = client.retry_handlers
    assert isinstance(handler, RateLimitErrorRetryHandler) and handler.max_retry_count == 2


def test_posts_in_the_group_dm_of_both(slack: tuple[FakeSlack, str]) -> None:
    fake, url = slack
    fake.add_user("Ada", "ada@example.org")
    fake.add_user("Sam", "sam@example.net")  # the sheet's case differs
    link = web_poster(url).post(payload(ADA, SAM))
    channel, ts = link.split("/")
    assert fake.members_of(channel) == {"U00000001", "U00000002"}
    assert [p.ts for p in fake.posts_in(channel)] == [ts]
    assert dict(fake.calls)["conversations.open"] == {"users": "U00000001,U00000002"}


def test_rate_limited_too_often_is_certainly_not_posted(slack: tuple[FakeSlack, str]) -> None:
    fake, url = slack
    fake.add_user("Ada", "ada@example.org")
    fake.fail_next("chat.postMessage", Fault.RATE_LIMIT, times=10)
    fake.retry_after = 0
    with pytest.raises(DeliveryError) as caught:
        web_poster(url).post(payload(ADA))
    assert not caught.value.may_have_sent and caught.value.channel_closed
    assert fake.count("chat.postMessage") == 4  # once, and three retries
    assert not fake.posted


def test_a_retry_after_beyond_the_bound_is_not_waited_for(slack: tuple[FakeSlack, str]) -> None:
    fake, url = slack
    fake.add_user("Ada", "ada@example.org")
    fake.retry_after = 3600
    fake.fail_next("chat.postMessage", Fault.RATE_LIMIT)
    with pytest.raises(DeliveryError) as caught:
        web_poster(url).post(payload(ADA))
    assert not caught.value.may_have_sent
    assert fake.count("chat.postMessage") == 1


@pytest.mark.parametrize(
    "error", ["channel_not_found", "invalid_auth", "not_authed", "missing_scope"]
)
def test_slack_refusals_are_certainly_not_posted(slack: tuple[FakeSlack, str], error: str) -> None:
    fake, url = slack
    fake.add_user("Ada", "ada@example.org")
    fake.fail_next("chat.postMessage", error)
    with pytest.raises(DeliveryError) as caught:
        web_poster(url).post(payload(ADA))
    assert not caught.value.may_have_sent
    assert caught.value.channel_closed is (error != "channel_not_found")


def test_missing_scope_names_what_is_needed(slack: tuple[FakeSlack, str]) -> None:
    fake, url = slack
    fake.add_user("Ada", "ada@example.org")
    fake.scopes = ("users:read", "users:read.email", "im:write", "chat:write")
    with pytest.raises(DeliveryError, match=r"mpim:write.*OAuth & Permissions"):
        web_poster(url).post(payload(ADA))


def test_someone_not_in_the_workspace_is_declined(slack: tuple[FakeSlack, str]) -> None:
    _fake, url = slack
    with pytest.raises(DeliveryDeclinedError) as caught:
        web_poster(url).post(payload(ADA))
    assert caught.value.note == "skipped: Ada is not in the workspace"

"""The story of tests/story.py with the Slack channel on, over the fake Slack Web API."""

from __future__ import annotations

from typing import Any

from mentorsheet.adapters.channels.slack.channel import SlackChannel
from mentorsheet.adapters.channels.slack.web import SlackWebPoster, make_client
from mentorsheet.app.wiring import build_slack_channel
from mentorsheet.config import Config
from tests.fakes.gmail_api import FakeGmailApi
from tests.fakes.slack_api import FAKE_TOKEN, FakeSlack
from tests.story import Programme


def web_poster(url: str, *, timeout: float = 1.0, token: str = FAKE_TOKEN) -> SlackWebPoster:
    return SlackWebPoster(make_client(token, base_url=url, timeout=timeout, rate_limit_retries=3))


class SlackProgramme(Programme):
    """A programme whose runs introduce on Slack too."""

    def __init__(self, config: Config, gmail: FakeGmailApi, slack: tuple[FakeSlack, str]) -> None:
        super().__init__(config, gmail)
        self.slack, self.slack_url = slack
        self.poster: Any = web_poster(self.slack_url)
        self.channels = [build_slack_channel(config, self.poster)]

    def use_poster(self, poster: Any) -> None:
        self.channels = [build_slack_channel(self.config, poster)]

    def slack_intros(self) -> list[str]:
        """The header of every Slack intro posted, in order."""
        return [
            p.blocks[0]["text"]["text"]
            for p in self.slack.posted
            if p.blocks and p.blocks[0].get("type") == "header"
        ]

    def slack_reminders(self) -> int:
        return sum(1 for p in self.slack.posted if "since we introduced you" in p.text)


def slack_channel_of(programme: SlackProgramme) -> SlackChannel:
    channel = programme.channels[0]
    assert isinstance(channel, SlackChannel)
    return channel

"""The Slack channel: each introduction in a group DM of the pairing, and its reminders.

Messages are rendered by :class:`~.render.SlackComposer` and posted by a
poster: the Web API (:class:`~.web.SlackWebPoster`), or the outbox, which
writes each message as ``<name>.slack.json`` beside the emails instead
(``scripts/demo``, dry rehearsals).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final, Protocol

from mentorsheet.adapters.channels.base import Preview, Rendered
from mentorsheet.adapters.channels.slack.render import SlackComposer, SlackPayload
from mentorsheet.core.messages import SLACK, OutgoingMessage
from mentorsheet.errors import DeliveryError

_PREVIEW_LINES: Final = 3


class SlackPoster(Protocol):
    def describe(self) -> str: ...

    def post(self, payload: SlackPayload) -> str:
        """Post once; return ``<channel>/<ts>`` (or the outbox's name), or raise DeliveryError."""
        ...


class SlackChannel:
    """A channel (:class:`~mentorsheet.adapters.channels.base.Channel`) for Slack."""

    name: Final = SLACK
    noun: Final = "Slack message"

    def __init__(self, poster: SlackPoster, composer: SlackComposer) -> None:
        self._poster = poster
        self._composer = composer

    def describe(self) -> str:
        return self._poster.describe()

    def check(self) -> None:
        self._composer.check()

    def render(self, message: OutgoingMessage) -> Rendered:
        payload = self._composer.render(message)
        lines = [line for line in payload.text.splitlines() if line.strip()][:_PREVIEW_LINES]
        to = ", ".join(p.name or p.reference for p in payload.people) or (
            f"channel {payload.channel}" if payload.channel else "the pairing's group DM"
        )
        preview = Preview(
            kind=message.kind,
            pairing_id=message.pairing_id,
            to=f"Slack: {to}",
            cc="",
            subject=f"Slack {message.kind}",
            first_lines="\n".join(lines),
            channel=SLACK,
        )
        return Rendered(message, preview, payload)

    def send(self, rendered: Rendered) -> str:
        if not isinstance(rendered.payload, SlackPayload):
            raise TypeError(f"{rendered.message.key} was not rendered for Slack")
        return self._poster.post(rendered.payload)


class SlackOutbox:
    """Writes each Slack message to a folder as JSON instead of posting it."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    def describe(self) -> str:
        return f"Slack outbox at {self._folder}"

    def post(self, payload: SlackPayload) -> str:
        name = f"{payload.key}.slack.json"
        document = {
            "conversation": payload.channel or {"open_with": [p.reference for p in payload.people]},
            "text": payload.text,
            "blocks": list(payload.blocks),
        }
        try:
            self._folder.mkdir(parents=True, exist_ok=True)
            target = self._folder / name
            if target.exists():
                raise DeliveryError(
                    f"{target} exists already: not written twice", may_have_sent=True
                )
            target.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
        except OSError as exc:
            raise DeliveryError(f"could not write {name}: {exc}", may_have_sent=False) from None
        return f"outbox/{payload.key}"

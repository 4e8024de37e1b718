"""The Slack messages: text from an editable Jinja template, Block Kit built around it.

``intro.slack.j2`` and ``reminder.slack.j2`` (packaged, or the override in
``mail.templates_dir``) render Slack mrkdwn, which is the message's ``text``
(what notifications and screen readers show) and the body of its blocks: a
header with both names, the text in sections of at most 3,000 characters,
the mentor's booking link as a button, and the Pairing ID as context.

Who the message is for is named by reference: a Slack member ID (``U...`` or
``W...``) from the Slack column of Mentors or Mentees, else the email
address, looked up when the message is posted. A display handle (``@ada``)
cannot be looked up through the API: such a message is refused (the run
lists it on Problems) and the email goes alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from mentorsheet.adapters.channels.email.compose import (
    Composer,
    intro_values,
    reminder_values,
    sample_values,
)
from mentorsheet.config import MailConfig
from mentorsheet.core.digest import render_text
from mentorsheet.core.messages import Kind, OutgoingMessage
from mentorsheet.errors import InvalidFieldError

# Slack's documented limits (chat.postMessage, Block Kit).
MAX_TEXT: Final = 40_000  # longer text is truncated by Slack: refused here instead
MAX_BLOCKS: Final = 50
MAX_SECTION: Final = 3_000
MAX_HEADER: Final = 150
MAX_BUTTON: Final = 75
MAX_URL: Final = 3_000

MEMBER_ID: Final = re.compile(r"^[UW][A-Z0-9]{2,}$")


@dataclass(frozen=True)
class Person:
    """Someone a Slack message is for: a member ID, or an email address to look up."""

    name: str
    email: str
    member_id: str = ""  # from the Slack column, when staff gave one

    @property
    def reference(self) -> str:
        return self.member_id or self.email


@dataclass(frozen=True)
class SlackPayload:
    """One Slack message as it will be posted."""

    key: str  # the message's stable name, e.g. P-1-intro
    people: tuple[Person, ...]  # the group DM's members (an intro's)
    channel: str  # the conversation to post in, when known (a reminder's group DM)
    text: str
    blocks: tuple[dict[str, Any], ...]

    def arguments(self, channel: str) -> dict[str, Any]:
        """chat.postMessage's arguments."""
        return {
            "channel": channel,
            "text": self.text,
            "blocks": list(self.blocks),
            "unfurl_links": False,
            "unfurl_media": False,
        }


def slack_person(column: str, value: str, name: str, email: str) -> Person:
    """The person named by a Slack cell (empty: by email); refuses what the API cannot find."""
    text = value.strip()
    if not text:
        return Person(name, email)
    if MEMBER_ID.match(text):
        return Person(name, email, text)
    if text.startswith("@"):
        raise InvalidFieldError(
            f"{column} Slack cell {text!r} is a display name, which Slack's API cannot look "
            "up: write their member ID (in Slack: their profile, ⋮, Copy member ID, e.g. "
            "U012AB3CD), or leave the cell empty to find them by email"
        )
    if "@" in text:
        return Person(name, text)  # another address, the one they use in Slack
    raise InvalidFieldError(
        f"{column} Slack cell {text!r} is not a Slack member ID (U... or W...): write their "
        "member ID, or leave the cell empty to find them by email"
    )


def escape(value: object) -> object:
    """A value as Slack mrkdwn shows it literally (&, < and > are its markup)."""
    if isinstance(value, str):
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value


def _plain(text: str, limit: int) -> dict[str, Any]:
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return {"type": "plain_text", "text": shown, "emoji": True}


def _sections(text: str) -> list[dict[str, Any]]:
    """The text as section blocks, split between paragraphs to stay within 3,000 characters."""
    sections: list[str] = []
    for paragraph in (p.strip() for p in text.split("\n\n")):
        if not paragraph:
            continue
        if len(paragraph) > MAX_SECTION:
            raise InvalidFieldError(
                f"a paragraph of the Slack message is longer than Slack allows ({MAX_SECTION})"
            )
        if sections and len(sections[-1]) + 2 + len(paragraph) <= MAX_SECTION:
            sections[-1] += "\n\n" + paragraph
        else:
            sections.append(paragraph)
    return [{"type": "section", "text": {"type": "mrkdwn", "text": s}} for s in sections]


def _chunks(text: str) -> list[str]:
    """Text in pieces of at most 3,000 characters, split between lines."""
    chunks: list[str] = []
    for line in text.splitlines():
        piece = line if len(line) <= MAX_SECTION else line[: MAX_SECTION - 1] + "…"
        if chunks and len(chunks[-1]) + 1 + len(piece) <= MAX_SECTION:
            chunks[-1] += "\n" + piece
        else:
            chunks.append(piece or " ")
    return chunks


class SlackComposer:
    """Renders the Slack intro and reminder from their templates (see the module docstring)."""

    def __init__(self, mail: MailConfig, composer: Composer, *, staff_channel: str = "") -> None:
        self._mail = mail
        self._composer = composer
        self._staff_channel = staff_channel

    def check(self) -> None:
        for samples in sample_values(self._mail, self._composer.forms):
            self._text("intro", samples["intro"])
            self._text("reminder", samples["reminder"])

    def render(self, message: OutgoingMessage) -> SlackPayload:
        if message.kind is Kind.DIGEST:
            return self._digest(message)
        pairing = message.pairing
        if pairing is None:
            raise ValueError(f"a Slack {message.kind} needs its pairing")
        if message.kind is Kind.REMINDER:
            values = reminder_values(
                self._mail,
                pairing,
                message.mentor,
                number=message.number,
                business_days_waited=message.business_days_waited,
                forms=self._composer.forms,
            )
            text = self._text("reminder", values)
            channel = pairing.slack_intro_link.partition("/")[0]
            parts = [*_sections(text), self._context(pairing.pairing_id)]
            return self._payload(message, (), channel, text, parts)
        values = intro_values(
            self._mail, pairing, message.mentor, message.mentee, self._composer.forms
        )
        mentor = message.mentor
        mentee = message.mentee
        people = (
            slack_person(
                "the mentor's",
                mentor.slack if mentor else "",
                values["mentor_name"],
                pairing.mentor_email,
            ),
            slack_person(
                "the mentee's",
                mentee.slack if mentee else "",
                values["mentee_name"],
                pairing.mentee_email,
            ),
        )
        text = self._text("intro", values)
        title = f"Introducing {values['mentor_name']} and {values['mentee_name']}"
        blocks: list[dict[str, Any]] = [
            {"type": "header", "text": _plain(title, MAX_HEADER)},
            *_sections(text),
        ]
        url = str(values["calendly_url"])
        if url and len(url) <= MAX_URL:
            label = f"Book a first session with {values['mentor_first_name']}"
            blocks.append(
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "button",
                            "text": _plain(label, MAX_BUTTON),
                            "url": url,
                            "style": "primary",
                            "action_id": "book_first_session",
                        }
                    ],
                }
            )
        blocks.append(self._context(pairing.pairing_id))
        return self._payload(message, people, "", text, blocks)

    def _payload(
        self,
        message: OutgoingMessage,
        people: tuple[Person, ...],
        channel: str,
        text: str,
        blocks: list[dict[str, Any]],
    ) -> SlackPayload:
        if len(text) > MAX_TEXT:
            raise InvalidFieldError(f"the Slack message is longer than Slack allows ({MAX_TEXT})")
        if len(blocks) > MAX_BLOCKS:
            raise InvalidFieldError(f"the Slack message has more than {MAX_BLOCKS} blocks")
        return SlackPayload(message.key.name, people, channel, text, tuple(blocks))

    def _digest(self, message: OutgoingMessage) -> SlackPayload:
        """The staff digest for the staff channel: its plain text, in sections."""
        if message.summary is None or message.day is None:
            raise ValueError("a digest needs its day and summary")
        text = str(escape(render_text(message.summary))).strip()
        chunks = _chunks(text)
        shown = chunks[: MAX_BLOCKS - 2]
        blocks: list[dict[str, Any]] = [
            {
                "type": "header",
                "text": _plain(
                    f"Mentoring digest, {message.day:%A} {message.day.day} {message.day:%B}",
                    MAX_HEADER,
                ),
            },
            *({"type": "section", "text": {"type": "mrkdwn", "text": c}} for c in shown),
        ]
        if len(shown) < len(chunks):
            more = "More in the digest email to " + str(escape(self._mail.staff_email))
            blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": more}]})
        fallback = text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"
        return self._payload(message, (), self._staff_channel, fallback, blocks)

    def _context(self, pairing_id: str) -> dict[str, Any]:
        words = f"{escape(self._mail.programme_name)} · pairing {escape(pairing_id)}"
        return {"type": "context", "elements": [{"type": "mrkdwn", "text": words}]}

    def _text(self, kind: str, values: dict[str, Any]) -> str:
        escaped = {name: escape(value) for name, value in values.items()}
        # URLs go inside <...>: only & needs escaping there, and calendly_link
        # already allows http(s) only.
        for name in ("calendly_url", "resources_url", "form_url"):
            escaped[name] = str(values.get(name, "")).replace("&", "&amp;")
        return self._composer.render_named(f"{kind}.slack.j2", escaped).strip()

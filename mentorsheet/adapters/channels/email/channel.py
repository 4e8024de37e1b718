"""The email channel: messages rendered by the :class:`~.compose.Composer`, sent by a sender.

The sender is the outbox or Gmail (:class:`~.base.MailSender`); it is given
the message's stable name (``P-000123-intro``) as its key, which the outbox
uses as the file name.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Final

from mentorsheet.adapters.channels.base import Preview, Rendered
from mentorsheet.adapters.channels.email.base import MailSender
from mentorsheet.adapters.channels.email.compose import Composer
from mentorsheet.adapters.channels.email.weekly import weekly_report_email
from mentorsheet.core.digest import digest_sections, render_markdown, render_text
from mentorsheet.core.forms import confirmed_line
from mentorsheet.core.messages import EMAIL, Kind, OutgoingMessage

_PREVIEW_LINES: Final = 3


class EmailChannel:
    """A channel (:class:`~mentorsheet.adapters.channels.base.Channel`) for email."""

    name: Final = EMAIL
    noun: Final = "email"

    def __init__(self, sender: MailSender, composer: Composer) -> None:
        self._sender = sender
        self._composer = composer

    def describe(self) -> str:
        return self._sender.describe()

    def check(self) -> None:
        self._composer.check()

    def render(self, message: OutgoingMessage) -> Rendered:
        email = self._compose(message)
        return Rendered(message, preview(message.kind, message.pairing_id, email), email)

    def send(self, rendered: Rendered) -> str:
        if not isinstance(rendered.payload, EmailMessage):
            raise TypeError(f"{rendered.message.key} was not rendered for email")
        return self._sender.send(rendered.payload, key=rendered.message.key.name)

    def _compose(self, message: OutgoingMessage) -> EmailMessage:
        if message.kind is Kind.WEEKLY_REPORT:
            if message.report is None:
                raise ValueError("a weekly report needs its report")
            return weekly_report_email(self._composer, message.report, now=message.at)
        if message.kind is Kind.DIGEST:
            if message.day is None or message.summary is None:
                raise ValueError("a digest needs its day and summary")
            return self._composer.digest(
                day=message.day,
                text=render_text(message.summary),
                markdown=render_markdown(message.summary),
                now=message.at,
                sections=digest_sections(message.summary),
                news=confirmed_line(message.summary.confirmations_received),
            )
        pairing = message.pairing
        if pairing is None:
            raise ValueError(f"an {message.kind} needs its pairing")
        if message.kind is Kind.REMINDER:
            return self._composer.reminder(
                pairing,
                message.mentor,
                number=message.number,
                business_days_waited=message.business_days_waited,
                now=message.at,
            )
        if message.kind is Kind.CHECKIN:
            return self._composer.checkin(
                pairing,
                message.mentor,
                message.mentee,
                number=message.number,
                business_days=message.business_days_waited,
                now=message.at,
            )
        if message.kind is Kind.CLOSING:
            return self._composer.closing(pairing, message.mentor, message.mentee, now=message.at)
        if message.kind is Kind.REPAIR_NOTE:
            return self._composer.repair_note(
                pairing, message.mentor, message.mentee, now=message.at
            )
        return self._composer.intro(pairing, message.mentor, message.mentee, now=message.at)


def preview(kind: Kind, pairing_id: str, message: EmailMessage) -> Preview:
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    lines = [line for line in str(text).splitlines() if line.strip()][:_PREVIEW_LINES]
    return Preview(
        kind=kind,
        pairing_id=pairing_id,
        to=str(message.get("To", "")),
        cc=str(message.get("Cc", "")),
        subject=str(message.get("Subject", "")),
        first_lines="\n".join(lines),
    )

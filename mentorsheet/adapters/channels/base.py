"""The channel interface: render an outgoing message, send it once, return its id.

A channel (email today; a Slack group DM next) turns a channel-neutral
:class:`~mentorsheet.core.messages.OutgoingMessage` into its own form and
sends it. The run renders every queued message before it writes anything,
so one that cannot be written (:class:`~mentorsheet.errors.InvalidFieldError`)
is reported and left alone. A channel never writes the workbook and never
retries a send after which the message may have gone: it raises
:class:`~mentorsheet.errors.DeliveryError` with ``may_have_sent`` and the
delivery loop does the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from mentorsheet.core.messages import Kind, OutgoingMessage


@dataclass(frozen=True)
class Preview:
    """A message as it was (or, in a dry run, would be) sent, for people to read."""

    kind: Kind
    pairing_id: str
    to: str
    cc: str
    subject: str
    first_lines: str
    channel: str = "email"  # the channel's name


@dataclass(frozen=True)
class Rendered:
    """A message as one channel will send it."""

    message: OutgoingMessage
    preview: Preview
    payload: object  # the channel's own form (an EmailMessage for email)


class Channel(Protocol):
    @property
    def name(self) -> str:
        """The channel's name in ledger keys and the delivery steps, e.g. ``email``."""
        ...

    @property
    def noun(self) -> str:
        """What it sends, in words staff read: ``email``."""
        ...

    def describe(self) -> str:
        """A short human name for messages, e.g. ``outbox at ./outbox``."""
        ...

    def check(self) -> None:
        """Fail (a :class:`~mentorsheet.errors.UsageError`) before anything is written."""
        ...

    def render(self, message: OutgoingMessage) -> Rendered:
        """The message in this channel's form; raises ``InvalidFieldError`` if it cannot be."""
        ...

    def send(self, rendered: Rendered) -> str:
        """Send once; return the channel's message id, or raise ``DeliveryError``."""
        ...

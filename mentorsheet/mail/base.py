"""The mail sender interface: send one message, return its id, or raise MailError.

A sender never writes the workbook. When it raises
:class:`~mentorsheet.errors.MailError`, ``may_have_sent`` tells the run
whether the message could have gone out anyway; a sender never retries a
request after which that is possible.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol


class MailSender(Protocol):
    def describe(self) -> str:
        """A short human name for messages, e.g. ``outbox at ./outbox``."""
        ...

    def send(self, message: EmailMessage, *, key: str) -> str:
        """Send ``message``; return the backend's message id.

        ``key`` names the message uniquely and stably (for example
        ``P-000123-intro``): the outbox uses it as the file name.
        """
        ...

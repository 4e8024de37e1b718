"""The mail sender interface: send one message, return its id, or raise MailError.

A sender never writes the workbook. When it raises
:class:`~mentorsheet.errors.MailError`, ``may_have_sent`` tells the run
whether the message could have gone out anyway; a sender never retries a
request after which that is possible.
"""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from typing import Final, Protocol


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


# How messages go on the wire: CRLF line ends (RFC 5322). Header lines are left
# unfolded up to RFC 5322's hard limit of 998 characters, because Python's
# folder may move a whole long Subject onto a continuation line, which some
# readers then show with a leading space.
WIRE_POLICY: Final = policy.SMTP.clone(max_line_length=998)

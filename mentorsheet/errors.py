"""One exception tree for everything mentorsheet raises on purpose.

The CLI maps the two branches to exit codes: :class:`UsageError` (bad
configuration or arguments) exits 2, every other :class:`MentorsheetError`
exits 1.
"""

from __future__ import annotations

from collections.abc import Sequence


class MentorsheetError(Exception):
    """Base class of every error mentorsheet raises deliberately."""


class UsageError(MentorsheetError):
    """The user's configuration or arguments are wrong (exit status 2)."""


class ConfigError(UsageError):
    """A configuration key is unknown or has a bad value; names the key."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        super().__init__(f"config key {key!r}: {message}")


class CredentialsError(MentorsheetError):
    """Google credentials are missing or unusable."""


class WorkbookError(MentorsheetError):
    """The workbook could not be read or written."""


class MissingHeaderError(WorkbookError):
    """A required header is missing: the run stops before anything is written."""

    def __init__(self, tab: str, header: str, found: Sequence[str]) -> None:
        self.tab = tab
        self.header = header
        self.found = tuple(found)
        shown = ", ".join(repr(h) for h in self.found if h) or "no headers at all"
        super().__init__(
            f"tab {tab!r} has no {header!r} column (headers found: {shown}); "
            f"add the header or map it under [workbook.headers.{tab}] in the config"
        )


class DuplicateHeaderError(WorkbookError):
    """Two columns of a tab carry the header mentorsheet reads: it cannot tell which is meant."""

    def __init__(self, tab: str, header: str, columns: Sequence[str]) -> None:
        self.tab = tab
        self.header = header
        self.columns = tuple(columns)
        super().__init__(
            f"tab {tab!r} has {len(self.columns)} columns headed {header.strip()!r} (columns "
            f"{' and '.join(self.columns)}); rename or delete all but one, so mentorsheet "
            "reads and writes the one you mean"
        )


class MissingTabError(WorkbookError):
    """A tab mentorsheet needs does not exist."""

    def __init__(self, tab: str, found: Sequence[str]) -> None:
        self.tab = tab
        self.found = tuple(found)
        shown = ", ".join(repr(t) for t in self.found) or "none"
        super().__init__(
            f"the workbook has no {tab!r} tab (tabs found: {shown}); "
            "run `mentorsheet init` to create it"
        )


class WorkbookAccessError(WorkbookError):
    """The workbook is missing, not shared with us, or refused the request."""


class TransientError(WorkbookError):
    """A request failed in a way that may succeed if tried again (429, 5xx, timeout)."""


class RunInProgressError(MentorsheetError):
    """Another run holds the lease or lock; this run did nothing."""


class DeliveryError(MentorsheetError):
    """A message could not be delivered on its channel (email, or any other).

    ``may_have_sent`` says whether the message could have gone out anyway
    (a timeout, a reset connection, a 5xx, a lost response). When it is true
    the send must never be retried automatically. ``channel_closed`` says the
    channel will refuse every other message of this run too (Gmail's daily
    sending limit): the rest wait for the next run, untried.
    """

    def __init__(self, message: str, *, may_have_sent: bool, channel_closed: bool = False) -> None:
        self.may_have_sent = may_have_sent
        self.channel_closed = channel_closed
        super().__init__(message)


class DeliveryDeclinedError(DeliveryError):
    """The channel will not take this message, for good, and it was not sent: e.g. a
    person is not in the Slack workspace. ``note`` is what the ledger records, so
    no later run tries again (the message's other channels are not affected)."""

    def __init__(self, message: str, *, note: str) -> None:
        self.note = note
        super().__init__(message, may_have_sent=False)


class MailError(DeliveryError):
    """An email could not be sent (see :class:`DeliveryError` for ``may_have_sent``)."""


class TemplateError(UsageError):
    """An email template is missing or uses a name that does not exist."""


class InvalidFieldError(MentorsheetError):
    """A value is unusable (e.g. a name that would inject a mail header)."""


class NothingToEraseError(MentorsheetError):
    """``forget``: no cell of any tab holds that email (erased already, or never there)."""

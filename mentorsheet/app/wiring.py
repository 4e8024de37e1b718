"""Build the configured workbook store and channels (the mail sender and composer).

The only place that chooses an adapter from the configuration; everything
else receives them ready-made.
"""

from __future__ import annotations

from pathlib import Path

from mentorsheet.adapters.channels.base import Channel
from mentorsheet.adapters.channels.email.base import MailSender
from mentorsheet.adapters.channels.email.channel import EmailChannel
from mentorsheet.adapters.channels.email.compose import Composer
from mentorsheet.adapters.workbook.contract import WorkbookStore
from mentorsheet.config import Config


def build_store(config: Config) -> WorkbookStore:
    if config.workbook.backend == "google":
        from mentorsheet.adapters.google_auth import SHEETS_SCOPE, load_credentials
        from mentorsheet.adapters.workbook.google.store import GoogleSheetsStore

        credentials = load_credentials([SHEETS_SCOPE])
        return GoogleSheetsStore(
            config.workbook.spreadsheet, config.workbook, credentials=credentials
        )
    from mentorsheet.adapters.workbook.xlsx import XlsxStore

    return XlsxStore(Path(config.workbook.path), config.workbook)


def build_sender(config: Config) -> MailSender:
    if config.mail.backend == "gmail":
        from mentorsheet.adapters.channels.email.gmail import GmailSender
        from mentorsheet.adapters.google_auth import GMAIL_SEND_SCOPE, load_credentials

        credentials = load_credentials([GMAIL_SEND_SCOPE], subject=config.mail.sender)
        return GmailSender(
            credentials,
            sender=config.mail.sender,
            timeout=config.mail.timeout_seconds,
            max_attempts=config.mail.max_attempts,
        )
    from mentorsheet.adapters.channels.email.outbox import OutboxSender

    return OutboxSender(Path(config.mail.outbox_dir))


def build_composer(config: Config) -> Composer:
    return Composer(config.mail)


def build_channels(config: Config) -> tuple[Channel, ...]:
    """The channels a run delivers on: email (through the outbox or Gmail)."""
    return (EmailChannel(build_sender(config), build_composer(config)),)

"""Build the configured workbook store and channels (the mail sender and composer).

The only place that chooses an adapter from the configuration; everything
else receives them ready-made.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mentorsheet.adapters.channels.base import Channel
from mentorsheet.adapters.channels.email.base import MailSender
from mentorsheet.adapters.channels.email.channel import EmailChannel
from mentorsheet.adapters.channels.email.compose import Composer
from mentorsheet.adapters.workbook.contract import WorkbookStore
from mentorsheet.config import Config
from mentorsheet.errors import MentorsheetError, UsageError

if TYPE_CHECKING:
    from mentorsheet.adapters.channels.slack.channel import SlackPoster


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
    return Composer(config.mail, forms=config.forms)


def build_channels(config: Config) -> tuple[Channel, ...]:
    """The channels a run delivers on: email (through the outbox or Gmail), and Slack
    when ``[slack] enabled`` (posted, or written to the outbox beside the emails)."""
    email = EmailChannel(build_sender(config), build_composer(config))
    if not config.slack.enabled:
        return (email,)
    return (email, build_slack_channel(config))


SLACK_TOKEN_VARIABLE = "SLACK_BOT_TOKEN"


def slack_token(environ: Mapping[str, str] | None = None) -> str:
    """The bot token, from the environment only (never a file, never printed)."""
    token = (os.environ if environ is None else environ).get(SLACK_TOKEN_VARIABLE, "").strip()
    if not token:
        raise UsageError(
            f"[slack] is enabled but {SLACK_TOKEN_VARIABLE} is not set: set it to the Slack "
            "app's Bot User OAuth Token (xoxb-…), e.g. from a GitHub secret"
        )
    return token


def build_slack_poster(config: Config, *, base_url: str = "") -> SlackPoster:
    if config.mail.backend == "outbox":
        from mentorsheet.adapters.channels.slack.channel import SlackOutbox

        return SlackOutbox(Path(config.mail.outbox_dir))
    from mentorsheet.adapters.channels.slack.web import SlackWebPoster, make_client

    client = make_client(
        slack_token(),
        base_url=base_url,
        timeout=config.slack.timeout_seconds,
        rate_limit_retries=config.slack.max_rate_limit_retries,
    )
    return SlackWebPoster(client)


def build_slack_channel(config: Config, poster: SlackPoster | None = None) -> Channel:
    from mentorsheet.adapters.channels.slack.channel import SlackChannel
    from mentorsheet.adapters.channels.slack.render import SlackComposer

    composer = SlackComposer(
        config.mail, build_composer(config), staff_channel=config.slack.staff_channel
    )
    return SlackChannel(poster or build_slack_poster(config), composer)


# --- what doctor checks before a run ---------------------------------------------


@dataclass(frozen=True)
class Check:
    """One thing a run needs: its name, whether it holds, and what to do about it."""

    name: str
    ok: bool
    message: str
    warning: bool = False  # holds, but a person should look (shown with "!")


def describe_workbook_access(config: Config) -> list[Check]:
    """What the configured workbook needs before it can be read: a Google Sheet's
    key and credentials, or an ``.xlsx`` file. Ends at the first that fails."""
    if config.workbook.backend == "google":
        from mentorsheet.adapters.google_auth import (
            SHEETS_SCOPE,
            describe_credentials,
            is_user_credentials,
            load_credentials,
        )

        if not config.workbook.spreadsheet:
            return [
                Check(
                    "workbook",
                    False,
                    "no spreadsheet configured: set workbook.spreadsheet or "
                    "MENTORSHEET_SPREADSHEET to the Google Sheet's URL.",
                )
            ]
        try:
            credentials = load_credentials([SHEETS_SCOPE])
        except MentorsheetError as exc:
            return [Check("credentials", False, str(exc))]
        share = (
            "the sheet must be one this account can edit."
            if is_user_credentials(credentials)
            else "share the sheet with this account as Editor."
        )
        return [Check("credentials", True, f"{describe_credentials(credentials)} — {share}")]
    path = Path(config.workbook.path)
    if not path.exists():
        return [
            Check(
                "workbook", False, f"no workbook at {path}: run `mentorsheet init` to create one."
            )
        ]
    return []


def _signed_in_sender(sender: str, account: str) -> Check:
    """With a person's sign-in Gmail sends as that account, whatever mail.sender says."""
    if not account:
        return Check(
            "mail",
            True,
            f"Gmail as the signed-in Google account, which could not be named: mail goes out "
            f"as that account, so make sure it is {sender} (or run `mentorsheet login`).",
            warning=True,
        )
    if account.casefold() != sender.casefold():
        return Check(
            "mail",
            True,
            f"Gmail sends as the signed-in account {account}, but mail.sender is {sender}: set "
            f"mail.sender to {account}, or run `mentorsheet login` again as {sender}.",
            warning=True,
        )
    return Check("mail", True, f"Gmail as {sender}, the signed-in account (no delegation needed).")


def check_mail(config: Config) -> Check:
    """Whether the configured mail backend can send: Gmail credentials, or a writable outbox."""
    if config.mail.backend == "gmail":
        from mentorsheet.adapters.google_auth import (
            GMAIL_SEND_SCOPE,
            describe_credentials,
            is_user_credentials,
            load_credentials,
        )

        try:
            credentials = load_credentials([GMAIL_SEND_SCOPE], subject=config.mail.sender)
        except MentorsheetError as exc:
            return Check("mail", False, str(exc))
        if is_user_credentials(credentials):
            return _signed_in_sender(config.mail.sender, str(getattr(credentials, "account", "")))
        return Check(
            "mail",
            True,
            f"Gmail as {config.mail.sender} via {describe_credentials(credentials)}; "
            "domain-wide delegation must allow https://www.googleapis.com/auth/gmail.send.",
        )
    outbox = Path(config.mail.outbox_dir)
    if outbox.exists() and not outbox.is_dir():
        return Check("mail", False, f"{outbox} is a file: set mail.outbox_dir to a folder.")
    probe = outbox if outbox.exists() else outbox.parent
    if probe.exists() and not os.access(probe, os.W_OK):
        return Check("mail", False, f"cannot write to {probe}: choose a writable mail.outbox_dir.")
    return Check("mail", True, f"outbox: emails are written as .eml files to {outbox}")


def check_slack(config: Config, *, base_url: str = "") -> Check | None:
    """With Slack on: the token works, the workspace and bot, and every scope granted."""
    if not config.slack.enabled:
        return None
    if config.mail.backend == "outbox":
        where = config.mail.outbox_dir
        return Check("slack", True, f"outbox: Slack messages are written as .slack.json to {where}")
    from mentorsheet.adapters.channels.slack.web import SCOPES, SlackWebPoster, make_client

    try:
        client = make_client(slack_token(), base_url=base_url, timeout=config.slack.timeout_seconds)
        workspace = SlackWebPoster(client).workspace()
    except MentorsheetError as exc:
        return Check("slack", False, str(exc))
    named = f"workspace {workspace.team} ({workspace.url}) as the bot {workspace.bot}"
    if workspace.missing:
        missing = "; ".join(f"{scope} (to {SCOPES[scope]})" for scope in workspace.missing)
        return Check(
            "slack",
            False,
            f"{named}, but the app lacks {missing}: add them under OAuth & Permissions → "
            "Bot Token Scopes (or in the app manifest), reinstall the app to the workspace and "
            f"update {SLACK_TOKEN_VARIABLE} if the token changed.",
        )
    return Check("slack", True, f"{named}; every scope mentorsheet needs is granted.")

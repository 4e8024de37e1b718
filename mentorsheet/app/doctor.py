"""``mentorsheet doctor``: check each thing a run needs, and say how to fix it in one sentence."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from mentorsheet.config import Config
from mentorsheet.errors import MentorsheetError


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    message: str


def run_doctor(config: Config, *, now: datetime | None = None) -> list[Check]:
    checks: list[Check] = [Check("config", True, "loaded")]
    checks.extend(_workbook_checks(config, now or datetime.now(UTC)))
    checks.append(_mail_check(config))
    checks.append(_templates_check(config))
    return checks


def _workbook_checks(config: Config, now: datetime) -> list[Check]:
    from mentorsheet.app.wiring import build_store
    from mentorsheet.core.parsing import parse_workbook

    checks: list[Check] = []
    if config.workbook.backend == "google":
        from mentorsheet.adapters.google_auth import (
            SHEETS_SCOPE,
            describe_credentials,
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
        checks.append(
            Check(
                "credentials",
                True,
                f"{describe_credentials(credentials)} — share the sheet with this account "
                "as Editor.",
            )
        )
    else:
        path = Path(config.workbook.path)
        if not path.exists():
            return [
                Check(
                    "workbook",
                    False,
                    f"no workbook at {path}: run `mentorsheet init` to create one.",
                )
            ]
    try:
        store = build_store(config)
        with store.session("doctor", dry_run=True) as session:
            raw = session.read()
        checks.append(Check("access", True, f"read {store.describe()}"))
        programme = parse_workbook(raw, config, today=now.date())
    except MentorsheetError as exc:
        checks.append(Check("workbook", False, str(exc)))
        return checks
    checks.append(
        Check(
            "headers",
            True,
            f"{len(programme.mentors)} mentor(s), {len(programme.mentees)} mentee(s), "
            f"{len(programme.pairings)} pairing(s); {len(programme.problems)} row problem(s) "
            "(a run lists them on the Problems tab)",
        )
    )
    return checks


def _mail_check(config: Config) -> Check:
    if config.mail.backend == "gmail":
        from mentorsheet.adapters.google_auth import (
            GMAIL_SEND_SCOPE,
            describe_credentials,
            load_credentials,
        )

        try:
            credentials = load_credentials([GMAIL_SEND_SCOPE], subject=config.mail.sender)
        except MentorsheetError as exc:
            return Check("mail", False, str(exc))
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


def _templates_check(config: Config) -> Check:
    from mentorsheet.app.wiring import build_composer

    try:
        build_composer(config).check()
    except MentorsheetError as exc:
        return Check("templates", False, str(exc))
    return Check("templates", True, f"every template in {config.mail.templates_dir} renders")

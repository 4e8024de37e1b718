"""A programme in the fake Google Sheet and the fake Gmail, and ways to run mentorsheet on it."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

from mentorsheet.adapters.channels.base import Channel
from mentorsheet.adapters.channels.email.gmail import GmailSender
from mentorsheet.app.run import Runner, RunReport
from mentorsheet.app.wiring import build_composer
from mentorsheet.config import Config
from mentorsheet.core.schema import MENTEES, MENTORS, PAIRINGS, PROBLEMS, RUNS
from tests.fakes.gmail_api import FakeGmailApi, make_gmail_sender
from tests.fakes.sheets_api import FakeSheets, make_google_store
from tests.workbooks import tab_rows

MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # Mon 2 Nov 2026, no bank holidays that fortnight

Sent = Counter[tuple[str, str]]


class Programme:
    """The fake spreadsheet, the fake Gmail, and a way to run mentorsheet against them."""

    def __init__(self, config: Config, gmail: FakeGmailApi) -> None:
        self.config = config
        self.gmail = gmail
        self.sheets = FakeSheets()
        self.sheets.clock.moment = MONDAY
        self.sender: GmailSender = make_gmail_sender(gmail, sender=config.mail.sender)
        self.channels: list[Channel] = []  # further channels (Slack), beside the email

    def seed(self, mentors: list[dict[str, str]], mentees: list[dict[str, str]]) -> None:
        self.sheets.add_tab(MENTORS, tab_rows(MENTORS, mentors), frozen_rows=1)
        self.sheets.add_tab(MENTEES, tab_rows(MENTEES, mentees), frozen_rows=1)
        for tab in (PAIRINGS, PROBLEMS, RUNS):
            self.sheets.add_tab(tab, tab_rows(tab, []), frozen_rows=1)

    def runner(self, sender: Any = None) -> Runner:
        return Runner(
            config=self.config,
            store=make_google_store(self.sheets, self.config.workbook),
            sender=sender or self.sender,
            composer=build_composer(self.config),
            channels=self.channels,
            clock=self.sheets.clock.now,
        )

    def run(self, sender: Any = None) -> RunReport:
        report = self.runner(sender).run("run")
        assert report.ok, report.result_text()
        return report

    def next_day(self, days: int = 1) -> None:
        self.sheets.clock.moment += timedelta(days=days)

    def pairings(self) -> dict[str, dict[str, str]]:
        """Pairings by mentee email (one live pairing per mentee in this story)."""
        rows = self.sheets.records(PAIRINGS)
        live = [r for r in rows if r["Status"] not in ("Rejected", "Ended")]
        return {r["Mentee email"]: r for r in live}

    def statuses(self) -> dict[str, str]:
        return {email: row["Status"] for email, row in self.pairings().items()}

    def staff_set(self, mentee_email: str, column: str, value: str) -> None:
        rows = self.sheets.records(PAIRINGS)
        for number, row in enumerate(rows, start=2):
            if row["Mentee email"] == mentee_email and row["Status"] not in ("Rejected", "Ended"):
                self.sheets.set_cell(PAIRINGS, number, column, value)
                return
        raise AssertionError(f"no live pairing for {mentee_email}")

    def sent(self) -> Sent:
        """(kind, person) for every message in Gmail's Sent folder."""
        counts: Sent = Counter()
        for message in self.gmail.sent:
            parsed = message.message
            subject = str(parsed["Subject"])
            kind = (
                "intro"
                if subject.startswith("Introduction")
                else "reminder"
                if subject.startswith("Reminder")
                else "digest"
            )
            who = str(parsed["Cc"].addresses[0].addr_spec) if kind == "intro" else ""
            if kind == "reminder":
                who = str(parsed["To"].addresses[0].addr_spec)
            if kind == "digest":
                who = str(parsed["Date"].datetime.date())
            counts[(kind, who)] += 1
        return counts


class KilledAfterFirstSend:
    """The real Gmail sender; the process is killed right after the first message is accepted."""

    def __init__(self, inner: GmailSender) -> None:
        self.inner = inner

    def describe(self) -> str:
        return "killed after one send"

    def send(self, message: EmailMessage, *, key: str) -> str:
        self.inner.send(message, key=key)
        raise SystemExit("killed by the scheduler")

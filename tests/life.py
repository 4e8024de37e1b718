"""A programme on any store (xlsx, the Google store over the Sheets fake, memory), run day by day.

For the stories of a pairing's whole life: staff act between runs the way
they would in the sheet (by Pairing ID or by email, never by row number),
and every email mentorsheet sends is kept, by its stable name
(``P-…-intro``, ``P-…-closing``, ``P-…-repair-note``, ``digest-<day>``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import openpyxl

from mentorsheet.adapters.workbook.contract import WorkbookStore
from mentorsheet.adapters.workbook.memory import MemoryStore
from mentorsheet.adapters.workbook.xlsx import XlsxStore
from mentorsheet.app.run import Runner, RunReport
from mentorsheet.app.wiring import build_composer
from mentorsheet.core.schema import MENTEES, MENTORS, PAIRINGS, PROBLEMS, RUNS, header_key
from mentorsheet.errors import DeliveryError
from tests.fakes.sheets_api import FakeSheets, make_google_store
from tests.workbooks import Clock, make_config, tab_rows, write_xlsx

MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # no bank holidays for weeks either side
BACKENDS = ("xlsx", "google", "memory")


class Mailbox:
    """A mail sender that keeps what it is given; ``fail`` makes the next send raise."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, EmailMessage]] = []
        self.fail: list[DeliveryError] = []

    def describe(self) -> str:
        return "a test mailbox"

    def send(self, message: EmailMessage, *, key: str) -> str:
        if self.fail:
            error = self.fail.pop(0)
            if error.may_have_sent:
                self.sent.append((key, message))  # it went, but nobody was told
            raise error
        self.sent.append((key, message))
        return f"<{key}@test>"

    def count(self, suffix: str) -> Counter[str]:
        """How often each message whose name ends with ``-suffix`` was sent, by that name."""
        return Counter(key for key, _ in self.sent if key.endswith(f"-{suffix}"))

    def of(self, suffix: str) -> list[EmailMessage]:
        return [message for key, message in self.sent if key.endswith(f"-{suffix}")]


class Life:
    """A programme in one store, a settable clock and a mailbox."""

    def __init__(self, kind: str, tmp_path: Path, **sections: Mapping[str, Any]) -> None:
        self.kind = kind
        self.config = make_config(tmp_path, **sections)
        self.mailbox = Mailbox()
        self.clock = Clock(MONDAY)
        self.fake: FakeSheets | None = None
        self.memory: MemoryStore | None = None
        self.path = Path(self.config.workbook.path)

    def seed(
        self, mentors: Sequence[Mapping[str, str]], mentees: Sequence[Mapping[str, str]]
    ) -> None:
        if self.kind == "xlsx":
            write_xlsx(self.path, self.config, mentors=mentors, mentees=mentees)
            return
        tabs = {
            MENTORS: tab_rows(MENTORS, mentors),
            MENTEES: tab_rows(MENTEES, mentees),
            **{tab: tab_rows(tab, []) for tab in (PAIRINGS, PROBLEMS, RUNS)},
        }
        if self.kind == "memory":
            self.memory = MemoryStore.from_tabs(self.config.workbook, tabs)
            return
        self.fake = FakeSheets()
        self.fake.clock.moment = MONDAY
        for title, rows in tabs.items():
            self.fake.add_tab(title, rows, frozen_rows=1)

    # --- running -------------------------------------------------------------------------

    def store(self) -> WorkbookStore:
        if self.fake is not None:
            return make_google_store(self.fake, self.config.workbook)
        if self.memory is not None:
            return self.memory
        return XlsxStore(self.path, self.config.workbook)

    def now(self) -> datetime:
        return self.fake.clock.now() if self.fake is not None else self.clock()

    def run(self, command: str = "run", *, ok: bool = True) -> RunReport:
        runner = Runner(
            config=self.config,
            store=self.store(),
            sender=self.mailbox,
            composer=build_composer(self.config),
            clock=self.now,
        )
        report = runner.run(command)  # type: ignore[arg-type]
        if ok:
            assert report.ok, report.result_text()
        return report

    def next_day(self, days: int = 1) -> None:
        if self.fake is not None:
            self.fake.clock.moment += timedelta(days=days)
        self.clock.set(self.clock() + timedelta(days=days))

    @property
    def today(self) -> date:
        return self.now().date()

    # --- reading and editing the sheet as staff do ------------------------------------------

    def records(self, tab: str) -> list[dict[str, str]]:
        if self.fake is not None:
            return self.fake.records(tab)
        if self.memory is not None:
            return self.memory.records(tab)
        book = openpyxl.load_workbook(self.path)
        rows = [
            ["" if value is None else str(value) for value in row]
            for row in book[tab].iter_rows(values_only=True)
        ]
        return [dict(zip(rows[0], row, strict=False)) for row in rows[1:] if any(row)]

    def pairings(self, mentee_email: str) -> list[dict[str, str]]:
        """The mentee's Pairings rows, oldest first (as appended)."""
        return [r for r in self.records(PAIRINGS) if r["Mentee email"] == mentee_email]

    def pairing(self, pairing_id: str) -> dict[str, str]:
        [row] = [r for r in self.records(PAIRINGS) if r["Pairing ID"] == pairing_id]
        return row

    def set_pairing(self, pairing_id: str, column: str, value: str) -> None:
        self._set(PAIRINGS, "Pairing ID", pairing_id, column, value)

    def set_person(self, tab: str, email: str, column: str, value: str) -> None:
        self._set(tab, "Email", email, column, value)

    def _set(self, tab: str, key_column: str, key: str, column: str, value: str) -> None:
        rows = self.records(tab)
        [number] = [n for n, r in enumerate(rows, start=2) if r[key_column] == key]
        if self.fake is not None:
            self.fake.set_cell(tab, number, column, value)
        elif self.memory is not None:
            self.memory.staff_set_cell(tab, number, column, value)
        else:
            book = openpyxl.load_workbook(self.path)
            sheet = book[tab]
            header = [header_key(str(cell.value or "")) for cell in sheet[1]]
            cell = sheet.cell(row=number, column=header.index(header_key(column)) + 1)
            cell.value = value
            cell.data_type = "s"
            book.save(self.path)

"""Shared fixtures: a small seeded workbook on every store backend.

``store_backend`` is parametrised over ``xlsx``, ``google`` and ``memory``: the
same workbook, seeded as text, behind :class:`~mentorsheet.adapters.workbook.xlsx.XlsxStore`,
behind the Google Sheets store talking to the stateful Sheets API fake, or held by
:class:`~mentorsheet.adapters.workbook.memory.MemoryStore`.
Its ``staff_*`` methods change the workbook the way staff would during a
run (sorting, inserting, deleting rows), per backend.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import stamina

from mentorsheet.adapters.workbook.contract import WorkbookStore
from mentorsheet.adapters.workbook.memory import MemoryStore
from mentorsheet.adapters.workbook.xlsx import XlsxStore
from mentorsheet.config import WorkbookConfig
from mentorsheet.core.schema import COLUMNS, MENTEES, MENTORS, PAIRINGS, PROBLEMS, RUNS, header_key

MENTORS_TITLE = "Form responses 1"  # a renamed tab, mapped in the config


def cells(text: str) -> list[str]:
    """A row written compactly: cells separated by "|"."""
    return text.split("|") if text else []


# Every tab as its title and text rows (header first), the same on every backend.
SEED: dict[str, list[list[str]]] = {
    MENTORS_TITLE: [
        cells(
            "Name|E-mail address|Skills| capacity |Calendly link|Slack|Active|Notes|Staff comments"
        ),
        cells("Ada Lovelace|ada@example.org|python, sql|2|||yes||keen"),
        cells("Grace Hopper|GRACE@Example.org|cobol; leadership|1||@grace|no"),
        cells(""),
        cells("Linus|linus@example.org|c|3|||TRUE||"),
    ],
    MENTEES: [
        list(COLUMNS[MENTEES]),
        cells("Bob|bob@example.org|Academy|python|2026-10-01|"),
        cells("Cleo|cleo@example.org|Community|sql, c||prefers evenings"),
    ],
    PAIRINGS: [
        # Lower-case "pairing id", an aliased "Message-ID" and a staff column in the middle.
        cells(
            "pairing id|Status|Mentee|Mentee email|Staff note|Mentor|Mentor email|Route|Score|Why"
            "|Proposed on|Intro sent on|Message-ID|Contact made on|Reminders sent"
            "|Last reminder on|Notes"
        ),
        cells(
            "P-0001|Proposed|Bob|bob@example.org|call Bob|Ada Lovelace|ada@example.org|Academy"
            "|1|python|2026-10-02"
        ),
        cells(
            "P-0002|Approved|Cleo|cleo@example.org||Linus|linus@example.org|Community|0.5|c"
            "|2026-10-03"
        ),
        cells(
            "P-0003|Awaiting contact|Dan|dan@example.org||Ada Lovelace|ada@example.org|Academy|1"
            "|python|2026-09-01|2026-09-02T09:00:00|<m-3@example.org>||0"
        ),
    ],
    PROBLEMS: [
        list(COLUMNS[PROBLEMS]),
        cells("Mentors|9|Email|nope|not an email address"),
    ],
    RUNS: [
        list(COLUMNS[RUNS]),
        cells("2026-10-01T08:00:00|2026-10-01T08:00:05|run|live|1|0|0|1|ok"),
    ],
}
OTHER_TAB = "Staff lists"  # a tab mentorsheet does not know: left alone
SEED[OTHER_TAB] = [["anything"], ["kept"]]


def store_config(**changes: Any) -> WorkbookConfig:
    """The fixture workbook's config: a renamed tab, header aliases and a short wait."""
    settings: dict[str, Any] = {
        "tabs": {MENTORS: MENTORS_TITLE},
        "headers": {
            MENTORS: {"Email": ["E-mail address"]},
            PAIRINGS: {"Intro message ID": ["Message-ID"]},
        },
        "wait_seconds": 0.2,
        **changes,
    }
    return WorkbookConfig.model_validate(settings)


def write_xlsx(path: Path, tabs: Mapping[str, Sequence[Sequence[object]]]) -> None:
    """Create an .xlsx file holding ``tabs`` (title -> rows), cells typed as given."""
    book = openpyxl.Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for title, rows in tabs.items():
        sheet = book.create_sheet(title)
        for number, row in enumerate(rows, start=1):
            for column, value in enumerate(row, start=1):
                if value not in (None, ""):
                    cell = sheet.cell(row=number, column=column, value=value)
                    if isinstance(value, str):
                        cell.data_type = "s"
    book.save(path)


def _column_index(header: Sequence[object], name: str) -> int:
    keys = [header_key(str(text or "")) for text in header]
    return keys.index(header_key(name))


class StoreBackend:
    """A seeded store plus the staff actions a test needs, for one backend."""

    kind: str
    store: WorkbookStore
    config: WorkbookConfig

    def staff_sort_pairings_by(self, column: str, *, descending: bool = False) -> None:
        raise NotImplementedError

    def staff_insert_pairings_row(self, before_row: int, values: Sequence[str]) -> None:
        raise NotImplementedError

    def staff_delete_pairings_row(self, row: int) -> None:
        raise NotImplementedError

    def staff_set_pairings_cell(self, row: int, column: str, value: str) -> None:
        raise NotImplementedError


class XlsxBackend(StoreBackend):
    kind = "xlsx"

    def __init__(self, path: Path, config: WorkbookConfig) -> None:
        self.path = path
        self.config = config
        write_xlsx(path, SEED)
        self.store = XlsxStore(path, config)

    def _edit(self) -> tuple[openpyxl.Workbook, Any]:
        book = openpyxl.load_workbook(self.path)
        return book, book[PAIRINGS]

    def staff_sort_pairings_by(self, column: str, *, descending: bool = False) -> None:
        book, sheet = self._edit()
        header = [cell.value for cell in sheet[1]]
        index = _column_index(header, column)
        rows = [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]
        rows.sort(key=lambda row: str(row[index] or ""), reverse=descending)
        for number, row in enumerate(rows, start=2):
            for position, value in enumerate(row, start=1):
                sheet.cell(row=number, column=position).value = value
        book.save(self.path)

    def staff_insert_pairings_row(self, before_row: int, values: Sequence[str]) -> None:
        book, sheet = self._edit()
        sheet.insert_rows(before_row)
        for position, value in enumerate(values, start=1):
            sheet.cell(row=before_row, column=position).value = value or None
        book.save(self.path)

    def staff_delete_pairings_row(self, row: int) -> None:
        book, sheet = self._edit()
        sheet.delete_rows(row)
        book.save(self.path)

    def staff_set_pairings_cell(self, row: int, column: str, value: str) -> None:
        book, sheet = self._edit()
        index = _column_index([cell.value for cell in sheet[1]], column)
        sheet.cell(row=row, column=index + 1).value = value
        book.save(self.path)


class GoogleBackend(StoreBackend):
    kind = "google"

    def __init__(self, config: WorkbookConfig) -> None:
        from tests.fakes.sheets_api import FakeSheets, make_google_store

        self.config = config
        self.fake = FakeSheets()
        for title, rows in SEED.items():
            self.fake.add_tab(title, rows, frozen_rows=1)
        self.store = make_google_store(self.fake, config)

    def staff_sort_pairings_by(self, column: str, *, descending: bool = False) -> None:
        self.fake.sort_rows(PAIRINGS, column, descending=descending)

    def staff_insert_pairings_row(self, before_row: int, values: Sequence[str]) -> None:
        self.fake.insert_row(PAIRINGS, before_row, values)

    def staff_delete_pairings_row(self, row: int) -> None:
        self.fake.delete_row(PAIRINGS, row)

    def staff_set_pairings_cell(self, row: int, column: str, value: str) -> None:
        self.fake.set_cell(PAIRINGS, row, column, value)


class MemoryBackend(StoreBackend):
    kind = "memory"

    def __init__(self, config: WorkbookConfig) -> None:
        self.config = config
        self.memory = MemoryStore.from_tabs(config, SEED)
        self.store = self.memory

    def staff_sort_pairings_by(self, column: str, *, descending: bool = False) -> None:
        self.memory.staff_sort(PAIRINGS, column, descending=descending)

    def staff_insert_pairings_row(self, before_row: int, values: Sequence[str]) -> None:
        self.memory.staff_insert_row(PAIRINGS, before_row, values)

    def staff_delete_pairings_row(self, row: int) -> None:
        self.memory.staff_delete_row(PAIRINGS, row)

    def staff_set_pairings_cell(self, row: int, column: str, value: str) -> None:
        self.memory.staff_set_cell(PAIRINGS, row, column, value)


@pytest.fixture(params=["xlsx", "google", "memory"])
def store_backend(request: pytest.FixtureRequest, tmp_path: Path) -> StoreBackend:
    """A fresh store seeded with :data:`SEED`, once per backend."""
    config = store_config()
    if request.param == "xlsx":
        return XlsxBackend(tmp_path / "programme.xlsx", config)
    if request.param == "memory":
        return MemoryBackend(config)
    return GoogleBackend(config)


# --- shared by the tests that run mentorsheet over the fake Google APIs ---------------


@pytest.fixture
def instant_backoff() -> Iterator[None]:
    """Retries without real waits: stamina takes no injected sleep."""
    stamina.set_testing(True, attempts=1000, cap=True)
    yield
    stamina.set_testing(False)


@pytest.fixture
def gmail() -> Iterator[Any]:
    """A running fake Gmail API (see tests/fakes/gmail_api.py)."""
    from tests.fakes.gmail_api import running_fake_gmail

    with running_fake_gmail(hang_seconds=2.0) as fake:
        yield fake


@pytest.fixture
def slack() -> Iterator[Any]:
    """A running fake Slack Web API and its base URL (see tests/fakes/slack_api.py)."""
    from tests.fakes.slack_api import running_fake_slack

    with running_fake_slack() as fake_and_url:
        yield fake_and_url

"""Build small programme workbooks for tests (xlsx on disk, or rows for the Sheets fake)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl

from mentorsheet.adapters.workbook.xlsx import XlsxStore
from mentorsheet.adapters.workbook.xlsx_format import cell_text
from mentorsheet.config import Config, load_config
from mentorsheet.core.schema import COLUMNS, MENTEES, MENTORS, PAIRINGS

Row = Mapping[str, str]


def mentor(name: str, email: str, skills: str, capacity: int = 1, **extra: str) -> dict[str, str]:
    return {
        "Name": name,
        "Email": email,
        "Skills": skills,
        "Capacity": str(capacity),
        "Active": "yes",
        **extra,
    }


def mentee(
    name: str, email: str, route: str, skills: str, requested: str = "2026-11-01"
) -> dict[str, str]:
    return {
        "Name": name,
        "Email": email,
        "Route": route,
        "Skills wanted": skills,
        "Requested on": requested,
    }


def pairing(
    pairing_id: str,
    status: str,
    mentee_email: str = "sam@example.net",
    mentee_name: str = "Sam",
    *,
    mentor_email: str = "ada@example.org",
    mentor_name: str = "Ada",
    **extra: str,
) -> dict[str, str]:
    return {
        "Pairing ID": pairing_id,
        "Status": status,
        "Mentee": mentee_name,
        "Mentee email": mentee_email,
        "Mentor": mentor_name,
        "Mentor email": mentor_email,
        **extra,
    }


def tab_rows(tab: str, records: Sequence[Row]) -> list[list[str]]:
    """Header plus records, as the lists of cells a sheet holds."""
    return [list(COLUMNS[tab])] + [[r.get(c, "") for c in COLUMNS[tab]] for r in records]


def write_xlsx(
    path: Path,
    config: Config,
    *,
    mentors: Sequence[Row] = (),
    mentees: Sequence[Row] = (),
    pairings: Sequence[Row] = (),
) -> None:
    XlsxStore(path, config.workbook).init_tabs()
    book = openpyxl.load_workbook(path)
    for tab, records in ((MENTORS, mentors), (MENTEES, mentees), (PAIRINGS, pairings)):
        sheet = book[config.workbook.tab_title(tab)]
        for record in records:
            sheet.append([record.get(c, "") for c in COLUMNS[tab]])
            for cell in sheet[sheet.max_row]:
                cell.data_type = "s"
    book.save(path)


def read_xlsx_tab(path: Path, title: str) -> list[dict[str, str]]:
    """A tab's rows by header, each cell as the text a run reads (dates as ISO text)."""
    book = openpyxl.load_workbook(path)
    sheet = book[title]
    rows = [[cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    header = rows[0]
    return [dict(zip(header, row, strict=False)) for row in rows[1:] if any(row)]


def make_config(tmp_path: Path, **sections: Mapping[str, Any]) -> Config:
    """A config for tests: workbook and outbox inside ``tmp_path``, short waits."""
    overrides: dict[str, dict[str, Any]] = {
        "workbook": {"path": str(tmp_path / "programme.xlsx"), "wait_seconds": 0.2},
        "mail": {
            "outbox_dir": str(tmp_path / "outbox"),
            "templates_dir": str(
                Path(__file__).resolve().parent.parent / "mentorsheet" / "templates"
            ),
            "sender": "mentoring@example.org",
            "staff_email": "staff@example.org",
        },
    }
    for section, values in sections.items():
        overrides.setdefault(section, {}).update(values)
    return load_config(None, environ={}, overrides=overrides)


class Clock:
    """A settable clock for runs: the code under test never reads the real time."""

    def __init__(self, start: datetime) -> None:
        self.now = start.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment.astimezone(UTC)

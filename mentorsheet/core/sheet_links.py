"""Where an item of the digest is in the workbook: its tab and row, and a link for a Google Sheet.

Pure: the ids come from the read (:class:`~mentorsheet.core.raw.RawWorkbook`
carries the spreadsheet's key and each tab's ``gid``); an ``.xlsx`` has none,
and its places are shown as text ("Pairings row 5").
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from mentorsheet.core.raw import RawWorkbook

GOOGLE_SHEETS: Final = "https://docs.google.com/spreadsheets/d/"


@dataclass(frozen=True)
class Place:
    """A row of a tab (or the tab, for a row not written yet), and its link when it has one."""

    tab: str  # the tab's title, as in the workbook
    row: int | None  # the spreadsheet row number (the header is row 1)
    url: str = ""  # the row in the Google Sheet; "" for an .xlsx
    new: bool = False  # a row this run adds: it has no number yet, and goes below the others

    def __str__(self) -> str:
        if self.row is not None:
            return f"{self.tab} row {self.row}"
        return f"{self.tab}, a new row at the end" if self.new else self.tab


@dataclass(frozen=True)
class SheetLinks:
    """How to point at a row: the spreadsheet's key and its tabs' ids (none for an .xlsx)."""

    spreadsheet_id: str = ""
    sheet_ids: Mapping[str, int] = field(default_factory=dict)  # by tab title
    titles: Mapping[str, str] = field(default_factory=dict)  # canonical tab name -> title

    @classmethod
    def of(cls, raw: RawWorkbook) -> SheetLinks:
        """The links of the workbook as read."""
        return cls(
            spreadsheet_id=raw.spreadsheet_id,
            sheet_ids={t.title: t.sheet_id for t in raw.tabs.values() if t.sheet_id is not None},
            titles={tab: t.title for tab, t in raw.tabs.items()},
        )

    def title(self, tab: str) -> str:
        """The title of the canonical tab ``tab`` in this workbook."""
        return self.titles.get(tab, tab)

    def place(self, tab_title: str, row: int | None) -> Place | None:
        """Row ``row`` of the tab titled ``tab_title``; below row 1 (not written yet): the tab."""
        if not tab_title:
            return None
        number = row if row is not None and row >= 1 else None
        gid = self.sheet_ids.get(tab_title)
        if not self.spreadsheet_id or gid is None:
            return Place(tab_title, number)
        key = urllib.parse.quote(self.spreadsheet_id, safe="")
        url = f"{GOOGLE_SHEETS}{key}/edit#gid={gid}"
        if number is not None:
            url += f"&range=A{number}"
        return Place(tab_title, number, url)

"""The workbook as a store read it: every tab's cells as text, before parsing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RawTab:
    """A tab as read: its title, header row and data rows, every cell as text.

    ``rows[i]`` is spreadsheet row ``i + 2`` (row 1 is the header). Rows may
    be shorter than the header; trailing empty cells are not guaranteed.
    Dates that the backend stores as dates are given as ISO text
    (``2026-11-03`` or ``2026-11-03T09:30:00``); other numbers as their
    plain text (``3``, ``2.5``).
    """

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    sheet_id: int | None = None  # a Google Sheet's tab id (its ``gid``); None for an .xlsx


@dataclass(frozen=True)
class RawWorkbook:
    """Every tab mentorsheet knows, keyed by canonical tab name (absent when missing)."""

    tabs: Mapping[str, RawTab]
    titles: tuple[str, ...]  # every tab title in the workbook, for error messages
    markers: Mapping[str, str] = field(default_factory=dict)
    # The tabs mentorsheet does not know, by title: read only when every tab is asked for
    # (``forget`` looks for a person on every tab).
    others: Mapping[str, RawTab] = field(default_factory=dict)
    spreadsheet_id: str = ""  # a Google Sheet's key, for links to its rows; "" for an .xlsx

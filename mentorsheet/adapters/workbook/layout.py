"""How ``init`` lays out a tab, on every backend: headers to add, dropdowns, Status colours.

The columns are found by the same rule runs write by
(:func:`~mentorsheet.adapters.workbook.rows.present_columns`, aliases first),
so the Status dropdown and colours land on the column runs write, even when
a tab has both a column with the standard name and a configured alias.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mentorsheet.adapters.workbook.rows import missing_headers, present_columns, strip_trailing
from mentorsheet.core.schema import DROPDOWNS, PAIRINGS, PC, STRICT_DROPDOWNS


@dataclass(frozen=True)
class TabLayout:
    """A tab's columns once ``init`` has added the missing headers at the end."""

    columns: Mapping[str, int]  # canonical column -> 0-based position
    added: tuple[str, ...]  # headers to add, in order
    added_at: int  # position of the first added header

    def dropdowns(self, tab: str) -> list[Dropdown]:
        return [
            Dropdown(column, self.columns[column], choices, (tab, column) in STRICT_DROPDOWNS)
            for (dropdown_tab, column), choices in DROPDOWNS.items()
            if dropdown_tab == tab and column in self.columns
        ]

    def status_position(self, tab: str) -> int | None:
        """Where the Status colours go (Pairings only)."""
        return self.columns.get(PC.STATUS) if tab == PAIRINGS else None


@dataclass(frozen=True)
class Dropdown:
    column: str
    position: int
    choices: tuple[str, ...]
    strict: bool  # refuse other input where the backend can (else only warn)


def layout_of(
    tab: str, header: Sequence[str], aliases: Mapping[str, Sequence[str]] | None = None
) -> TabLayout:
    """The layout of an existing tab whose header row is ``header``."""
    columns = present_columns(tab, header, aliases)
    added = missing_headers(tab, header, aliases)
    start = len(strip_trailing(header))
    columns.update({column: start + offset for offset, column in enumerate(added)})
    return TabLayout(columns=columns, added=tuple(added), added_at=start)


# What init says it did, in the same words on every backend.


def created_tab(title: str, header: Sequence[str]) -> str:
    return f"created tab {title!r} with columns {', '.join(str(column) for column in header)}"


def created_report_tab(title: str) -> str:
    return f"created tab {title!r} for the programme report (rewritten on every run)"


def added_headers(title: str, added: Sequence[str]) -> str:
    shown = ", ".join(repr(str(column)) for column in added)
    return f"added the missing header(s) {shown} to the end of tab {title!r}"


def added_dropdown(title: str, column: str) -> str:
    return f"added a {column} dropdown to tab {title!r}"


def coloured(title: str, count: int) -> str:
    return f"coloured {count} Status value(s) on tab {title!r}"

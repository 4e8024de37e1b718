"""Reading a tab row by row: cells by canonical column, each problem recorded on its row.

* **Blank rows** — a row whose mentorsheet columns are all empty or
  whitespace is skipped silently, even if a staff-added extra column has
  something in it (extra columns are ignored throughout).
* A key (an email, a Pairing ID) repeated on several rows is reported on
  every one of them, and none of those rows is kept as a record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TypeVar

from mentorsheet.core.model import Problem
from mentorsheet.core.raw import RawTab
from mentorsheet.core.schema import (
    MenteeColumn,
    MentorColumn,
    PairingColumn,
    ResponseColumn,
    RunColumn,
)
from mentorsheet.errors import InvalidFieldError

_T = TypeVar("_T")


# A column a row is read by: a typo in its name is a type error.
Column = MentorColumn | MenteeColumn | PairingColumn | RunColumn | ResponseColumn


class Row:
    """One data row of a tab: its cells by canonical column, and its problems."""

    def __init__(
        self,
        title: str,
        columns: Mapping[str, int],
        cells: tuple[str, ...],
        number: int,
        problems: list[Problem],
    ) -> None:
        self.title = title
        self.columns = columns
        self.cells = cells
        self.number = number
        self.problems = problems
        self.unreadable: set[Column] = set()

    def text(self, column: Column) -> str:
        index = self.columns.get(column)
        if index is None or index >= len(self.cells):
            return ""
        return self.cells[index]

    def value(self, column: Column) -> str:
        return self.text(column).strip()

    def is_blank(self) -> bool:
        return not any(
            index < len(self.cells) and self.cells[index].strip() for index in self.columns.values()
        )

    def report(self, column: Column, reason: str, *, unreadable: bool = True) -> None:
        self.problems.append(
            Problem(self.title, self.number, str(column), self.text(column), reason)
        )
        if unreadable:
            self.unreadable.add(column)

    def read(self, column: Column, parse: Callable[[str], _T]) -> _T | None:
        """``parse`` of the cell, or None with a problem recorded."""
        try:
            return parse(self.text(column))
        except InvalidFieldError as exc:
            self.report(column, str(exc))
            return None

    def any_unreadable(self, columns: Iterable[Column]) -> bool:
        return not self.unreadable.isdisjoint(columns)


def data_rows(tab: RawTab, columns: Mapping[str, int], problems: list[Problem]) -> Iterator[Row]:
    for offset, cells in enumerate(tab.rows):
        row = Row(tab.title, columns, tuple(str(cell) for cell in cells), offset + 2, problems)
        if not row.is_blank():
            yield row


def rows_listed(rows: list[int]) -> str:
    shown = [str(row) for row in rows]
    return f"{', '.join(shown[:-1])} and {shown[-1]}"


def without_repeats(
    entries: list[tuple[Row, str, _T | None]],
    column: Column,
    key: Callable[[str], str],
    message: Callable[[list[int]], str],
) -> list[_T]:
    """Records whose ``key`` is unique; every row sharing one is reported instead.

    ``entries`` are (row, the readable value, the record or None when the row
    is unusable for other reasons — it still counts as a repeat).
    """
    rows_by_key: dict[str, list[int]] = {}
    for row, value, _record in entries:
        rows_by_key.setdefault(key(value), []).append(row.number)
    kept: list[_T] = []
    for row, value, record in entries:
        rows = rows_by_key[key(value)]
        if len(rows) > 1:
            row.report(column, message(rows))
        elif record is not None:
            kept.append(record)
    return kept

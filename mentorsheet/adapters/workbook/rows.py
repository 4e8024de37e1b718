"""Tabs as text grids, and their headers: what every store reads and writes through.

A grid is a tab as rows of text, ``grid[0]`` the header row; positions are
0-based (grid row ``r`` is spreadsheet row ``r + 1``). Headers are resolved
by the one rule, :func:`~mentorsheet.core.schema.resolve_columns`: configured
aliases win over the standard name.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from mentorsheet.core.raw import RawTab
from mentorsheet.core.schema import COLUMNS, resolve_columns
from mentorsheet.errors import MissingHeaderError

Grid = Sequence[Sequence[str]]


def text_at(grid: Grid, row: int, column: int) -> str:
    cells = grid[row] if row < len(grid) else ()
    return cells[column] if column < len(cells) else ""


def strip_trailing(cells: Sequence[str]) -> tuple[str, ...]:
    end = len(cells)
    while end and cells[end - 1] == "":
        end -= 1
    return tuple(cells[:end])


def data_end(grid: Grid) -> int:
    """The grid row just after the last one holding anything (at least 1: below the header)."""
    for row in range(len(grid) - 1, 0, -1):
        if any(text != "" for text in grid[row]):
            return row + 1
    return 1


def row_texts(columns: Mapping[str, int], values: Mapping[str, str]) -> tuple[str, ...]:
    """``values`` (by canonical column) placed by header position; absent columns left out.

    A canonical column the tab lacks can only be an optional one
    (:func:`resolve_columns` raised for required ones): there is nowhere to
    put it, so it is left out.
    """
    texts = [""] * (max(columns.values(), default=-1) + 1)
    for column, text in values.items():
        if column in columns:
            texts[columns[column]] = text
    return strip_trailing(texts)


def adjacent_runs(cells: Mapping[int, str]) -> Iterator[tuple[int, list[str]]]:
    """Contiguous runs of column positions: ``(first column, texts)``."""
    run_start = -1
    texts: list[str] = []
    for position in sorted(cells):
        if texts and position == run_start + len(texts):
            texts.append(cells[position])
            continue
        if texts:
            yield run_start, texts
        run_start, texts = position, [cells[position]]
    if texts:
        yield run_start, texts


def rows_by_id(grid: Grid, id_column: int) -> dict[str, list[int]]:
    """The grid rows holding each Pairing ID now."""
    found: dict[str, list[int]] = {}
    for row in range(1, len(grid)):
        pairing_id = text_at(grid, row, id_column).strip()
        if pairing_id:
            found.setdefault(pairing_id, []).append(row)
    return found


def raw_tab(title: str, grid: Grid) -> RawTab:
    """A grid as :class:`RawTab`: trailing blank cells and trailing empty rows dropped."""
    rows = [strip_trailing(row) for row in grid]
    while rows and not rows[-1]:
        rows.pop()
    header = rows[0] if rows else ()
    return RawTab(title=title, header=header, rows=tuple(rows[1:]))


def present_columns(
    tab: str, header: Sequence[str], aliases: Mapping[str, Sequence[str]] | None = None
) -> dict[str, int]:
    """The canonical columns of ``tab`` found in ``header``, never raising for missing ones.

    The same rule as :func:`resolve_columns`, which does the matching: each
    missing required column is offered once past the header's end (where it
    shadows nothing the header holds), and left out of the answer.
    """
    offered = list(header)
    while True:
        try:
            found = resolve_columns(tab, offered, aliases)
        except MissingHeaderError as missing:
            offered.append(missing.header)
            continue
        return {column: at for column, at in found.items() if at < len(header)}


def missing_headers(
    tab: str, header: Sequence[str], aliases: Mapping[str, Sequence[str]] | None = None
) -> list[str]:
    """The canonical columns of ``tab`` its header lacks (by name or alias), in tab order."""
    found = present_columns(tab, header, aliases)
    return [column for column in COLUMNS[tab] if column not in found]

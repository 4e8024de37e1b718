"""Where each erasure lands now: rows located by their key at write time, never by number.

Staff may sort, insert or delete rows between the read that planned an
erasure (:mod:`mentorsheet.core.erasure`) and the write that makes it. A store
that loads the tab at write time (the ``.xlsx`` file under its lock, the
memory store) calls :func:`locate` on the rows as they are then: a cell is
changed on every row whose key cell (the person's email there, or the Pairing
ID of a row that only mentions them) still holds the key, and only while the
cell still holds the text that was read. A row that moved is found where it
is; a row that is gone, or a cell staff changed meanwhile, is left alone.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from mentorsheet.core.erasure import CellErasure, email_key


def _text(cells: Sequence[str], column: int) -> str:
    return cells[column] if column < len(cells) else ""


def by_tab(erasures: Sequence[CellErasure]) -> Mapping[str, list[CellErasure]]:
    tabs: dict[str, list[CellErasure]] = {}
    for erasure in erasures:
        tabs.setdefault(erasure.tab, []).append(erasure)
    return tabs


def locate(
    grid: Sequence[Sequence[str]], erasures: Sequence[CellErasure]
) -> Iterator[tuple[int, int, str]]:
    """(0-based grid row, column, new text) of each erasure of one tab, as its rows are now.

    Every location is found before any is changed, so a key cell that is
    itself erased still locates the rest of its row.
    """
    found: dict[tuple[int, int], str] = {}
    for erasure in erasures:
        key = email_key(erasure.key)
        for row in range(1, len(grid)):
            cells = grid[row]
            if email_key(_text(cells, erasure.key_column)) != key:
                continue
            if _text(cells, erasure.column).strip() == erasure.old.strip():
                found.setdefault((row, erasure.column), erasure.new)
    for (row, column), text in sorted(found.items()):
        yield row, column, text

"""Erasures as Sheets requests: each a find and replace of exactly the text read, in its cell.

Sheets has no conditional write, and ``finish()`` makes its erasures in its
one ``batchUpdate`` without reading the tabs again. Two things keep an
erasure off another person's cells when staff move rows between the read
and the finish:

* an ``erasing`` session takes a write lock on every tab with the run lease
  and removes it in the finish (:mod:`.lock`): nobody but the run's account,
  and the spreadsheet's owner, can edit meanwhile;
* each cell is changed by a ``findReplace`` limited to that one cell, finding
  the whole text it held when read (case kept, never a pattern): if a row did
  move there (an owner's edit in those seconds), the cell mostly holds another
  person's text and nothing is replaced. Every request of the batch applies,
  or none.

Only a cell of another person's that happens to hold the very same text
(the same skills, say) could still be replaced, and only after an owner's
edit. So the finish asks for the erased tabs back in its response and checks
every cell it changed against its row's key there (:func:`misplaced`); one
changed on a row that is not the person's is put back, by the same kind of
guarded find and replace, in one more request, and the command says to run
it again for what was left. A normal forget never needs that request.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from mentorsheet.adapters.workbook.google.cells import Json, TabInfo, grid_texts, sheet_by_title
from mentorsheet.adapters.workbook.google.client import SheetsClient
from mentorsheet.core.erasure import CellErasure, email_key

log = logging.getLogger(__name__)


def erase_requests(
    erasures: Sequence[CellErasure], tabs: Mapping[str, TabInfo]
) -> list[tuple[CellErasure, Json]]:
    """One ``findReplace`` per cell (a tab that is gone meanwhile is skipped)."""
    return [
        (erasure, _find_replace(erasure, tabs[erasure.tab], erasure.old, erasure.new))
        for erasure in erasures
        if erasure.tab in tabs
    ]


def _find_replace(erasure: CellErasure, tab: TabInfo, find: str, replacement: str) -> Json:
    cell = {
        "sheetId": tab.sheet_id,
        "startRowIndex": erasure.row - 1,
        "endRowIndex": erasure.row,
        "startColumnIndex": erasure.column,
        "endColumnIndex": erasure.column + 1,
    }
    return {
        "findReplace": {
            "find": find,
            "replacement": replacement,
            "matchCase": True,
            "matchEntireCell": True,
            "searchByRegex": False,
            "includeFormulas": False,
            "range": cell,
        }
    }


def misplaced(
    sent: Sequence[tuple[CellErasure, Json]],
    replies: Sequence[Mapping[str, Any]],
    spreadsheet: Mapping[str, Any],
    tabs: Mapping[str, TabInfo],
) -> list[Json]:
    """Requests putting back each cell changed on a row that is not its key's, as the
    finish's response shows the tabs (none when no row moved)."""
    grids = {title: grid_texts(sheet_by_title(spreadsheet, title) or {}) for title in tabs}
    back: list[Json] = []
    for (erasure, _request), reply in zip(sent, replies, strict=False):
        if not (reply or {}).get("findReplace", {}).get("valuesChanged"):
            continue
        grid = grids.get(erasure.tab) or []
        row = grid[erasure.row - 1] if erasure.row - 1 < len(grid) else ()
        key = row[erasure.key_column] if erasure.key_column < len(row) else ""
        # The key cell holds the key, or was itself erased in this batch (the email).
        if email_key(key) in (email_key(erasure.key), email_key(erasure.new)):
            continue
        back.append(_find_replace(erasure, tabs[erasure.tab], erasure.new, erasure.old))
    return back


def put_back(
    api: SheetsClient,
    sent: Sequence[tuple[CellErasure, Json]],
    response: Mapping[str, Any],
    tabs: Mapping[str, TabInfo],
) -> None:
    """Cells an owner's row move put under an erasure, put back: one request, only then."""
    spreadsheet = response.get("updatedSpreadsheet") or {}
    back = misplaced(sent, list(response.get("replies") or []), spreadsheet, tabs)
    if back:
        api.update("put back cells of rows moved during the erasure", back)
        log.warning(
            "rows were moved while the erasure ran: %d cell(s) of other rows were put "
            "back as they were; run the command again to erase what is left",
            len(back),
        )

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
  move there (an owner's edit in those seconds), the cell holds another
  person's text and nothing is replaced. Every request of the batch applies,
  or none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from mentorsheet.adapters.workbook.google.cells import Json, TabInfo
from mentorsheet.core.erasure import CellErasure


def erase_requests(erasures: Sequence[CellErasure], tabs: Mapping[str, TabInfo]) -> list[Json]:
    """One ``findReplace`` per cell (a tab that is gone meanwhile is skipped)."""
    requests_: list[Json] = []
    for erasure in erasures:
        tab = tabs.get(erasure.tab)
        if tab is None:
            continue
        cell = {
            "sheetId": tab.sheet_id,
            "startRowIndex": erasure.row - 1,
            "endRowIndex": erasure.row,
            "startColumnIndex": erasure.column,
            "endColumnIndex": erasure.column + 1,
        }
        requests_.append(
            {
                "findReplace": {
                    "find": erasure.old,
                    "replacement": erasure.new,
                    "matchCase": True,
                    "matchEntireCell": True,
                    "searchByRegex": False,
                    "includeFormulas": False,
                    "range": cell,
                }
            }
        )
    return requests_

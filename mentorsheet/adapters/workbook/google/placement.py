"""A write plan as Sheets requests: typed cells' formats, cells set, new rows inserted."""

from __future__ import annotations

from mentorsheet.adapters.workbook.google.cells import (
    Json,
    TabInfo,
    format_cells,
    row_range,
    write_cells,
)
from mentorsheet.adapters.workbook.plan import WritePlan
from mentorsheet.adapters.workbook.rows import adjacent_runs


def _formats(plan: WritePlan, sheet_id: int) -> list[Json]:
    """Number formats for the typed cells mentorsheet may write later on the rows located.

    Later writes of the run go by data filter (:mod:`.tags`), whose RAW
    values can be numbers but can set no format; every row they can reach
    was located, and tagged, by a write like this one, which gives its
    typed cells their format (new rows get theirs with their values).
    """
    kinds = plan.kinds
    written = {(cell.row, cell.column) for cell in plan.cells}
    requests_: list[Json] = []
    for row in sorted({row for row, _pid in plan.located if row < plan.append_at}):
        unset = {at: "" for at in plan.owned_typed if (row, at) not in written}
        for start, texts in adjacent_runs(unset):
            column_kinds = [kinds[start + offset] for offset in range(len(texts))]
            requests_.append(format_cells(sheet_id, row, start, column_kinds))
    return requests_


def placement(plan: WritePlan, tab: TabInfo) -> list[Json]:
    """The plan as Sheets requests: formats and cells set, then new rows inserted below the data."""
    sheet_id = tab.sheet_id
    kinds = plan.kinds
    requests_ = _formats(plan, sheet_id)
    requests_.extend(
        write_cells(sheet_id, row, start, [texts], kinds) for row, start, texts in plan.cell_runs()
    )
    if plan.new_rows:
        start, count = plan.append_at, len(plan.new_rows)
        if start < tab.row_count:
            # Inserted, not written over: a row typed there meanwhile is pushed down.
            insert = {"range": row_range(sheet_id, start, start + count)}
            requests_.append({"insertDimension": {**insert, "inheritFromBefore": start > 1}})
        else:
            append = {"sheetId": sheet_id, "dimension": "ROWS", "length": count}
            requests_.append({"appendDimension": append})
        # Every typed cell of a new row, blank ones too, gets its format.
        width = max(kinds, default=-1) + 1
        rows = [[*texts, *[""] * (width - len(texts))] for texts in plan.new_rows]
        requests_.append(write_cells(sheet_id, start, 0, rows, kinds))
    return requests_

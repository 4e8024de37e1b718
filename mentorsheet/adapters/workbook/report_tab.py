"""The Report tab on each backend: rewritten whole, in the run's finishing request or save.

The core gives the rows (:func:`mentorsheet.core.report.report_rows`): text
and numbers. A number is written as a number cell, text as a string cell,
never as a formula (a mentor named ``=HYPERLINK(...)`` stays text). When the
tab is missing at run time (deleted by hand, or a workbook older than the
report), it is created by the same request or save: on Google Sheets an
``addSheet`` ahead of the cells in the finishing ``batchUpdate``, so the
request count is the same with or without the tab.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from openpyxl.styles import Font
from openpyxl.workbook import Workbook

from mentorsheet.adapters.workbook.google.cells import TabInfo
from mentorsheet.adapters.workbook.layout import created_report_tab
from mentorsheet.adapters.workbook.xlsx_format import set_text
from mentorsheet.core.model import Problem
from mentorsheet.core.schema import REPORT_PLACEHOLDER, ReportCell, is_report_tab

Json = dict[str, Any]
_WIDTHS = (44, 26, 14, 16, 14, 12)  # characters, for the first columns
_BOLD = Font(bold=True)


def _is_title(rows: Sequence[Sequence[ReportCell]], index: int) -> bool:
    """A section title: one cell after an empty row (or the report's first row)."""
    return index == 0 or (len(rows[index]) == 1 and not rows[index - 1])


def write_xlsx_report(workbook: Workbook, title: str, rows: Sequence[Sequence[ReportCell]]) -> None:
    """Rewrite (or create) the Report tab of an openpyxl workbook."""
    # Made again where it was: nothing of an old report (values, sizes) is left behind.
    index = workbook.sheetnames.index(title) if title in workbook.sheetnames else None
    if index is not None:
        workbook.remove(workbook[title])
    sheet = workbook.create_sheet(title, index)
    for index, cells in enumerate(rows):
        header = index > 0 and not _is_title(rows, index) and _is_title(rows, index - 1)
        for column, value in enumerate(cells, start=1):
            cell = sheet.cell(row=index + 1, column=column)
            if isinstance(value, str):
                set_text(cell, value)
            else:
                cell.value = value
            if _is_title(rows, index) or header:
                cell.font = _BOLD
    for offset, width in enumerate(_WIDTHS):
        sheet.column_dimensions[chr(ord("A") + offset)].width = width


def add_xlsx_report_tab(workbook: Workbook, title: str) -> list[str]:
    """``init``: the Report tab, made when missing; what was done."""
    if title in workbook.sheetnames:
        return []
    write_xlsx_report(workbook, title, [[REPORT_PLACEHOLDER]])
    return [created_report_tab(title)]


def spare_foreign_tab(
    title: str,
    first_cell: str,
    report: Sequence[Sequence[ReportCell]] | None,
    problems: Sequence[Problem],
) -> tuple[Sequence[Sequence[ReportCell]] | None, Sequence[Problem]]:
    """The report and problems to finish with: no report over a staff tab of the same title.

    Such a tab (its A1 not the report's) is left as it is, and a Problem says so.
    """
    if report is None or is_report_tab(first_cell):
        return report, problems
    why = (
        "this tab is not mentorsheet's report, so no report was written to it: rename it, "
        "or give the report another tab under [workbook.tabs] Report"
    )
    return None, [*problems, Problem(title, 1, "", first_cell, why)]


def first_cell(spreadsheet: Mapping[str, Any], title: str) -> str:
    """A1 of the tab ``title`` in a ``spreadsheets.get`` answer ("" when absent)."""
    for sheet in spreadsheet.get("sheets") or []:
        if (sheet.get("properties") or {}).get("title") == title:
            for block in sheet.get("data") or []:
                for row in (block.get("rowData") or [])[:1]:
                    for cell in (row.get("values") or [])[:1]:
                        return str(cell.get("formattedValue", ""))
    return ""


def xlsx_first_cell(workbook: Workbook, title: str) -> str:
    """A1 of the tab ``title`` as text ("" when there is no such tab)."""
    if title not in workbook.sheetnames:
        return ""
    value = workbook[title]["A1"].value
    return "" if value is None else str(value)


def _cell(value: ReportCell) -> Json:
    if isinstance(value, str):
        # stringValue is stored as typed: "=IMPORTXML(...)" stays text, never a formula.
        return {"userEnteredValue": {"stringValue": value}} if value != "" else {}
    return {"userEnteredValue": {"numberValue": float(value)}}


def _new_sheet_id(used: Collection[int]) -> int:
    while True:
        candidate = 1 + secrets.randbelow(2**31 - 2)
        if candidate not in used:
            return candidate


def report_requests(
    title: str, tabs: Mapping[str, TabInfo], rows: Sequence[Sequence[ReportCell]] | None
) -> list[Json]:
    """Sheets requests rewriting the Report tab ``title`` (added first when not in ``tabs``).

    ``tabs``: the spreadsheet's tabs by title, as last looked at. None: no requests.
    """
    if rows is None:
        return []
    requests_: list[Json] = []
    info = tabs.get(title)
    if info is not None:  # every cell's value goes, then the rows are appended from the top
        sheet_id = info.sheet_id
        whole = {"sheetId": sheet_id}
        requests_.append({"updateCells": {"range": whole, "fields": "userEnteredValue"}})
    else:
        sheet_id = _new_sheet_id({tab.sheet_id for tab in tabs.values()})
        requests_.append({"addSheet": {"properties": {"sheetId": sheet_id, "title": title}}})
    data = [{"values": [_cell(value) for value in cells]} for cells in rows]
    if data:
        requests_.append(
            {"appendCells": {"sheetId": sheet_id, "rows": data, "fields": "userEnteredValue"}}
        )
    return requests_

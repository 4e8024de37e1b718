"""``init`` on a Google Sheet: missing tabs and headers, frozen headers, dropdowns, colours.

Never changes existing data; only adds what is missing, so a second run sends
no write at all. Costs 2 reads (the tabs with their formatting, then the
first two rows of the existing tabs) and at most 1 write (one atomic
``batchUpdate`` with everything). Columns are found as runs find them
(:mod:`mentorsheet.adapters.workbook.layout`), so the Status dropdown and
colours land on the column runs write.

mentorsheet's own Pairings columns, and the Problems and Runs tabs, are
protected with a warning only: staff can still edit after confirming.
Protections are recognised by their description, so staff moving a
protected column does not duplicate it.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from gspread.http_client import ParamsType
from gspread.utils import absolute_range_name

from mentorsheet.adapters.workbook.google.cells import (
    Json,
    TabInfo,
    first_grid,
    grid_texts,
    sheet_by_title,
    tab_infos,
    write_header,
)
from mentorsheet.adapters.workbook.google.client import SheetsClient
from mentorsheet.adapters.workbook.layout import (
    Dropdown,
    TabLayout,
    added_dropdown,
    added_headers,
    coloured,
    created_report_tab,
    created_tab,
    layout_of,
)
from mentorsheet.config import WorkbookConfig
from mentorsheet.core.schema import (
    COLUMNS,
    PAIRINGS,
    PROBLEMS,
    REPORT,
    REPORT_PLACEHOLDER,
    RUNS,
    SLACK_COLUMNS,
    STAFF_PAIRING_COLUMNS,
    TABS,
)
from mentorsheet.core.statuses import STATUS_COLOURS

INIT_FIELDS: Final = (
    "sheets(properties(sheetId,title,sheetType,gridProperties(rowCount,columnCount,"
    "frozenRowCount)),conditionalFormats(ranges,booleanRule(condition)),"
    "protectedRanges(protectedRangeId,description,range,warningOnly))"
)
INIT_CELLS_FIELDS: Final = (
    "sheets(properties(sheetId,title),"
    "data(startRow,rowData(values(formattedValue,dataValidation))))"
)

# mentorsheet's own columns: protected with a warning (staff can still edit after a prompt).
# Not the Slack channel's: staff settle its checks in those cells, and a sheet
# without Slack keeps the protections it had.
PROTECTED_PAIRINGS_COLUMNS: Final = tuple(
    column
    for column in COLUMNS[PAIRINGS]
    if column not in STAFF_PAIRING_COLUMNS and column not in SLACK_COLUMNS
)
WHOLE_TAB_PROTECTED: Final = (PROBLEMS, RUNS)


def init_tabs(client: SheetsClient, config: WorkbookConfig, *, dry_run: bool) -> list[str]:
    """Create missing tabs and headers, freeze headers, add dropdowns, colours, protections."""
    spreadsheet = client.read("read the spreadsheet's tabs", {"fields": INIT_FIELDS})
    infos = tab_infos(spreadsheet)
    titles = {tab: config.tab_title(tab) for tab in TABS}
    existing = [title for title in titles.values() if title in infos]
    cells: Json = {}
    if existing:
        params: ParamsType = {
            "ranges": [absolute_range_name(title, "1:2") for title in existing],
            "includeGridData": "true",
            "fields": INIT_CELLS_FIELDS,
        }
        cells = client.read("read the header rows", params)
    used_ids = {info.sheet_id for info in infos.values()}
    requests_: list[Json] = []
    done: list[str] = []
    for tab, title in titles.items():
        info = infos.get(title)
        if info is None:
            sheet_id = _new_sheet_id(used_ids)
            used_ids.add(sheet_id)
            requests_.extend(_new_tab_requests(sheet_id, title, COLUMNS[tab]))
            done.append(created_tab(title, COLUMNS[tab]))
            formats = _Formats(tab, title, sheet_id, layout_of(tab, ()), done)
            requests_.extend(formats.requests())
            continue
        sheet = sheet_by_title(cells, title) or {}
        layout = layout_of(tab, _header(sheet), config.headers.get(tab, {}))
        requests_.extend(_complete_header(info, layout, done))
        formats = _Formats(
            tab,
            title,
            info.sheet_id,
            layout,
            done,
            info=info,
            second_row=_second_row_cells(sheet),
            sheet=sheet_by_title(spreadsheet, title),
        )
        requests_.extend(formats.requests())
    report = config.tab_title(REPORT)
    if report not in infos:  # mentorsheet's own tab, rewritten on every run
        sheet_id = _new_sheet_id(used_ids)
        requests_.append({"addSheet": {"properties": {"sheetId": sheet_id, "title": report}}})
        requests_.append(write_header(sheet_id, 0, [REPORT_PLACEHOLDER]))
        done.append(created_report_tab(report))
    if requests_ and not dry_run:
        client.update("set up the tabs", requests_)
    return done


def _header(sheet: Mapping[str, Any]) -> tuple[str, ...]:
    rows = grid_texts(sheet)
    return rows[0] if rows else ()


def _new_sheet_id(used: set[int]) -> int:
    while True:
        candidate = 1 + secrets.randbelow(2**31 - 2)
        if candidate not in used:
            return candidate


def _new_tab_requests(sheet_id: int, title: str, header: Sequence[str]) -> list[Json]:
    grid = {"rowCount": 1000, "columnCount": max(26, len(header)), "frozenRowCount": 1}
    properties = {"sheetId": sheet_id, "title": title, "gridProperties": grid}
    return [{"addSheet": {"properties": properties}}, write_header(sheet_id, 0, header)]


def _complete_header(info: TabInfo, layout: TabLayout, done: list[str]) -> list[Json]:
    """The missing headers at the end of the header row, and a frozen header row."""
    requests_: list[Json] = []
    if layout.added:
        needed = layout.added_at + len(layout.added) - info.column_count
        if needed > 0:
            append = {"sheetId": info.sheet_id, "dimension": "COLUMNS", "length": needed}
            requests_.append({"appendDimension": append})
        requests_.append(write_header(info.sheet_id, layout.added_at, layout.added))
        done.append(added_headers(info.title, layout.added))
    if info.frozen_rows < 1:
        frozen = {"sheetId": info.sheet_id, "gridProperties": {"frozenRowCount": 1}}
        requests_.append(
            {
                "updateSheetProperties": {
                    "properties": frozen,
                    "fields": "gridProperties.frozenRowCount",
                }
            }
        )
        done.append(f"froze the header row of {info.title!r}")
    return requests_


def _second_row_cells(sheet: Mapping[str, Any]) -> dict[int, Json]:
    start, rows = first_grid(sheet)
    index = 1 - start
    if index < 0 or index >= len(rows):
        return {}
    return dict(enumerate(rows[index].get("values") or []))


def _has_dropdown(cell: Mapping[str, Any] | None, choices: Sequence[str]) -> bool:
    rule = (cell or {}).get("dataValidation") or {}
    condition = rule.get("condition") or {}
    values = [str(v.get("userEnteredValue", "")) for v in condition.get("values") or []]
    return condition.get("type") == "ONE_OF_LIST" and set(values) == set(choices)


def _column_below_header(sheet_id: int, position: int) -> Json:
    """One column from row 2 down, rows added later included (no end row)."""
    return {
        "sheetId": sheet_id,
        "startRowIndex": 1,
        "startColumnIndex": position,
        "endColumnIndex": position + 1,
    }


def _condition(kind: str, values: Sequence[str]) -> Json:
    return {"type": kind, "values": [{"userEnteredValue": value} for value in values]}


@dataclass
class _Formats:
    """Dropdowns, Status colours and warning-only protections one tab does not have yet.

    ``info``, ``second_row`` and ``sheet`` describe an existing tab (its grid,
    the cells of its row 2, its formatting); they are empty for a new one.
    """

    tab: str
    title: str
    sheet_id: int
    layout: TabLayout
    done: list[str]
    info: TabInfo | None = None
    second_row: Mapping[int, Json] = field(default_factory=dict)
    sheet: Mapping[str, Any] | None = None

    def requests(self) -> list[Json]:
        requests_ = [
            self._dropdown(dropdown)
            for dropdown in self.layout.dropdowns(self.tab)
            if self._lacks(dropdown)
        ]
        status = self.layout.status_position(self.tab)
        if status is not None:
            requests_.extend(self._colours(status))
        requests_.extend(self._protections())
        return requests_

    def _lacks(self, dropdown: Dropdown) -> bool:
        if self.info is None:
            return True
        if self.info.row_count <= 1:
            return False  # no data rows to validate
        return not _has_dropdown(self.second_row.get(dropdown.position), dropdown.choices)

    def _dropdown(self, dropdown: Dropdown) -> Json:
        rule = {"condition": _condition("ONE_OF_LIST", dropdown.choices), "showCustomUi": True}
        grid_range = _column_below_header(self.sheet_id, dropdown.position)
        self.done.append(added_dropdown(self.title, dropdown.column))
        return {
            "setDataValidation": {"range": grid_range, "rule": rule | {"strict": dropdown.strict}}
        }

    def _colours(self, position: int) -> list[Json]:
        present: set[str] = set()
        for rule in (self.sheet or {}).get("conditionalFormats") or []:
            condition = (rule.get("booleanRule") or {}).get("condition") or {}
            values = condition.get("values") or [{}]
            ranges = rule.get("ranges") or []
            on_status = any(r.get("startColumnIndex") == position for r in ranges)
            if condition.get("type") == "TEXT_EQ" and on_status:
                present.add(str(values[0].get("userEnteredValue", "")))
        requests_ = []
        for status, colour in STATUS_COLOURS.items():
            if status.value in present:
                continue
            red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4))
            rgb = {"red": red, "green": green, "blue": blue}
            rule = {
                "ranges": [_column_below_header(self.sheet_id, position)],
                "booleanRule": {
                    "condition": _condition("TEXT_EQ", [status.value]),
                    "format": {"backgroundColorStyle": {"rgbColor": rgb}},
                },
            }
            requests_.append({"addConditionalFormatRule": {"index": 0, "rule": rule}})
        if requests_:
            self.done.append(coloured(self.title, len(requests_)))
        return requests_

    def _protections(self) -> list[Json]:
        # Recognised by description, so staff moving a protected column does not duplicate it.
        protected = (self.sheet or {}).get("protectedRanges") or []
        described = {str(p.get("description", "")) for p in protected}
        requests_ = [
            {"addProtectedRange": {"protectedRange": protected_range}}
            for protected_range in self._wanted_protections()
            if protected_range["description"] not in described
        ]
        if requests_:
            self.done.append(
                f"protected {len(requests_)} range(s) of tab {self.title!r} with a warning "
                "(staff are asked to confirm before editing mentorsheet's cells)"
            )
        return requests_

    def _wanted_protections(self) -> list[Json]:
        if self.tab in WHOLE_TAB_PROTECTED:
            whole_tab = {"sheetId": self.sheet_id}
            return [_warning(whole_tab, f"mentorsheet rewrites the {self.tab} tab")]
        if self.tab != PAIRINGS:
            return []
        wanted = []
        for column in PROTECTED_PAIRINGS_COLUMNS:
            position = self.layout.columns.get(column)
            if position is not None:
                whole_column = {
                    "sheetId": self.sheet_id,
                    "startColumnIndex": position,
                    "endColumnIndex": position + 1,
                }
                wanted.append(_warning(whole_column, f"mentorsheet writes the {column} column"))
        return wanted


def _warning(grid_range: Json, description: str) -> Json:
    return {"range": grid_range, "description": description, "warningOnly": True}

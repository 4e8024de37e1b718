"""Sheets v4 shapes: cells decoded as text and encoded from it, tabs, and request bodies.

Reading: a cell comes back with its effective value and number format and is
given as the text the pure core parses (see :func:`cell_text`). Writing
(:func:`value_cell`): text goes out as ``stringValue``, so user text is never
parsed as a formula; the dates, date-times and numbers of typed columns
(:data:`~mentorsheet.core.schema.CELL_KINDS`) go out as ``numberValue`` (a
date as its serial, days since 1899-12-30) with a DATE or DATE_TIME number
format, and are read back by :func:`cell_text` as the same text. Never
``formulaValue``. Request and response shapes follow the Sheets v4 discovery
document.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

from gspread.exceptions import NoValidUrlKeyFound
from gspread.utils import extract_id_from_url, rowcol_to_a1

from mentorsheet.adapters.workbook.rows import raw_tab, strip_trailing
from mentorsheet.adapters.workbook.values import DATE_PATTERN, DATETIME_PATTERN, typed_value
from mentorsheet.core.raw import RawTab
from mentorsheet.core.schema import CellKind
from mentorsheet.errors import ConfigError

Json = dict[str, Any]

SHEETS_EPOCH: Final = datetime(1899, 12, 30)

CELL_FIELDS: Final = "formattedValue,effectiveValue,effectiveFormat(numberFormat(type))"
META_FIELDS: Final = "metadataId,metadataKey,metadataValue"
TEXT_FIELDS: Final = "userEnteredValue"
TYPED_FIELDS: Final = "userEnteredValue,userEnteredFormat.numberFormat"
FORMAT_FIELDS: Final = "userEnteredFormat.numberFormat"

# The number format of each typed kind; a number keeps the automatic format.
NUMBER_FORMATS: Final[dict[CellKind, Json]] = {
    CellKind.DATE: {"type": "DATE", "pattern": DATE_PATTERN},
    CellKind.DATETIME: {"type": "DATE_TIME", "pattern": DATETIME_PATTERN},
}


# --- cells ----------------------------------------------------------------------------


def cell_text(cell: Mapping[str, Any]) -> str:
    """A cell as the text the pure core parses (see :class:`RawTab`).

    Strings are given exactly as stored ("007" stays "007", "1,2" stays
    "1,2"); date and date-time cells as ISO text from their serial number;
    plain numbers as plain text ("3", "2.5"); other formatted numbers
    (currency, percent, time) and errors as Sheets shows them.
    """
    value = cell.get("effectiveValue") or {}
    formatted = str(cell.get("formattedValue", ""))
    if "stringValue" in value:
        return str(value["stringValue"])
    if "boolValue" in value:
        return "TRUE" if value["boolValue"] else "FALSE"
    if "numberValue" in value:
        number = float(value["numberValue"])
        kind = ((cell.get("effectiveFormat") or {}).get("numberFormat") or {}).get("type")
        if kind == "DATE":
            return serial_to_datetime(number).date().isoformat()
        if kind == "DATE_TIME":
            return serial_to_datetime(number).isoformat()
        if kind in (None, "NUMBER", "NUMBER_FORMAT_TYPE_UNSPECIFIED"):
            return number_text(number)
        return formatted
    return formatted


def serial_to_datetime(serial: float) -> datetime:
    """A Sheets date serial (days since 1899-12-30) as a naive datetime, to the second."""
    moment = SHEETS_EPOCH + timedelta(days=serial)
    return (moment + timedelta(microseconds=500_000)).replace(microsecond=0)


def number_text(number: float) -> str:
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number)


def to_serial(moment: date) -> float:
    """A date or naive datetime as a Sheets date serial (days since 1899-12-30)."""
    if isinstance(moment, datetime):
        return (moment - SHEETS_EPOCH).total_seconds() / 86400
    return float((moment - SHEETS_EPOCH.date()).days)


def text_cell(text: str) -> Json:
    # stringValue is stored as typed: "=IMPORTXML(...)" stays text, never a formula.
    return {"userEnteredValue": {"stringValue": text}} if text != "" else {}


def format_cell(kind: CellKind) -> Json:
    """A cell that sets only the number format of ``kind`` (nothing for text and numbers)."""
    number_format = NUMBER_FORMATS.get(kind)
    return {"userEnteredFormat": {"numberFormat": dict(number_format)}} if number_format else {}


def value_cell(kind: CellKind, text: str) -> Json:
    """``text`` as a cell of a ``kind`` column, for a request whose fields are TYPED_FIELDS.

    A date or date-time is its serial with its number format; a number a
    plain ``numberValue`` in the automatic format; anything else (and text
    not in its kind's form) ``stringValue`` in the automatic format. A blank
    date or date-time cell still gets its format, for the values written to
    it later by data filter (which can set no format).
    """
    value = typed_value(kind, text)
    if isinstance(value, str):
        return text_cell(value) if value != "" else format_cell(kind)
    if isinstance(value, date):  # a datetime too
        return {"userEnteredValue": {"numberValue": to_serial(value)}, **format_cell(kind)}
    return {"userEnteredValue": {"numberValue": float(value)}}


def raw_value(kind: CellKind, text: str) -> str | float:
    """``text`` as a value for ``valueInputOption: RAW``: a number for typed values.

    RAW stores a JSON number as a number and a string as a string, never
    parsed (so never a formula), and sets no number format: a date written
    so shows as a date through the format the first write on its row set.
    """
    value = typed_value(kind, text)
    if isinstance(value, str):
        return value
    if isinstance(value, date):
        return to_serial(value)
    return value


def header_cell(text: str) -> Json:
    return {
        "userEnteredValue": {"stringValue": text},
        "userEnteredFormat": {"textFormat": {"bold": True}},
    }


# --- tabs -------------------------------------------------------------------------------


@dataclass
class TabInfo:
    sheet_id: int
    title: str
    index: int
    row_count: int
    column_count: int
    frozen_rows: int = 0


def tab_infos(spreadsheet: Mapping[str, Any]) -> dict[str, TabInfo]:
    tabs: dict[str, TabInfo] = {}
    for sheet in spreadsheet.get("sheets") or []:
        props = sheet.get("properties") or {}
        grid = props.get("gridProperties") or {}
        title = str(props.get("title", ""))
        tabs[title] = TabInfo(
            sheet_id=int(props.get("sheetId", 0)),
            title=title,
            index=int(props.get("index", len(tabs))),
            row_count=int(grid.get("rowCount", 0)),
            column_count=int(grid.get("columnCount", 0)),
            frozen_rows=int(grid.get("frozenRowCount", 0)),
        )
    return tabs


def sheet_by_title(spreadsheet: Mapping[str, Any], title: str) -> Json | None:
    for sheet in spreadsheet.get("sheets") or []:
        if (sheet.get("properties") or {}).get("title") == title:
            found: Json = sheet
            return found
    return None


def first_grid(sheet: Mapping[str, Any]) -> tuple[int, list[Json]]:
    """A sheet's first grid range: its start row and its row data."""
    grid = (sheet.get("data") or [{}])[0]
    return int(grid.get("startRow", 0)), list(grid.get("rowData") or [])


def grid_texts(sheet: Mapping[str, Any]) -> list[tuple[str, ...]]:
    """Every row of a sheet's first grid range as texts, indexed from the range's start row."""
    start, data = first_grid(sheet)
    rows: list[tuple[str, ...]] = [() for _ in range(start)]
    for row in data:
        rows.append(strip_trailing([cell_text(cell) for cell in (row.get("values") or [])]))
    return rows


def sheet_raw_tab(title: str, sheet: Mapping[str, Any], *, sheet_id: int | None = None) -> RawTab:
    return dataclasses.replace(raw_tab(title, grid_texts(sheet)), sheet_id=sheet_id)


def header_of(sheet: Mapping[str, Any] | None) -> tuple[str, ...]:
    rows = grid_texts(sheet or {})
    return rows[0] if rows else ()


def column_letter(index: int) -> str:
    return re.sub(r"\d+", "", rowcol_to_a1(1, index + 1))


def spreadsheet_key(spreadsheet: str) -> str:
    """The key of a Google Sheet given as its URL or its key."""
    text = spreadsheet.strip()
    if not text:
        raise ConfigError(
            "workbook.spreadsheet", "is empty: set it to the Google Sheet's URL or key"
        )
    if "/" in text or "=" in text:
        try:
            return extract_id_from_url(text)
        except NoValidUrlKeyFound:
            raise ConfigError(
                "workbook.spreadsheet",
                f"{text!r} is not a Google Sheets URL (…/spreadsheets/d/KEY/…)",
            ) from None
    if not re.fullmatch(r"[A-Za-z0-9_-]+", text):
        raise ConfigError("workbook.spreadsheet", f"{text!r} is neither a Sheets URL nor a key")
    return text


# --- request shapes ---------------------------------------------------------------------

SPREADSHEET: Final[Json] = {"spreadsheet": True}  # a metadata location


def lookup(**fields: Any) -> Json:
    return {"developerMetadataLookup": fields}


def delete_metadata(**fields: Any) -> Json:
    return {"deleteDeveloperMetadata": {"dataFilter": lookup(**fields)}}


def create_metadata(
    key: str, value: str, location: Mapping[str, Any], *, metadata_id: int | None = None
) -> Json:
    metadata: Json = {
        "metadataKey": key,
        "metadataValue": value,
        "location": dict(location),
        "visibility": "DOCUMENT",
    }
    if metadata_id is not None:
        metadata["metadataId"] = metadata_id
    return {"createDeveloperMetadata": {"developerMetadata": metadata}}


def row_range(sheet_id: int, start: int, end: int) -> Json:
    return {"sheetId": sheet_id, "dimension": "ROWS", "startIndex": start, "endIndex": end}


def _rows_data(
    rows: Sequence[Sequence[str]], column: int, kinds: Mapping[int, CellKind]
) -> tuple[list[Json], str]:
    """Row data for ``rows`` starting at ``column`` (kinds by position), and its fields."""
    typed = any(column + offset in kinds for texts in rows for offset in range(len(texts)))
    data = [
        {
            "values": [
                value_cell(kinds.get(column + offset, CellKind.TEXT), text)
                if typed
                else text_cell(text)
                for offset, text in enumerate(texts)
            ]
        }
        for texts in rows
    ]
    return data, TYPED_FIELDS if typed else TEXT_FIELDS


def write_cells(
    sheet_id: int,
    row: int,
    column: int,
    rows: Sequence[Sequence[str]],
    kinds: Mapping[int, CellKind] | None = None,
) -> Json:
    """Set the cells from (``row``, ``column``); ``kinds``: the typed positions of the tab."""
    start = {"sheetId": sheet_id, "rowIndex": row, "columnIndex": column}
    data, fields = _rows_data(rows, column, kinds or {})
    return {"updateCells": {"start": start, "rows": data, "fields": fields}}


def append_cells(
    sheet_id: int, rows: Sequence[Sequence[str]], kinds: Mapping[int, CellKind] | None = None
) -> Json:
    data, fields = _rows_data(rows, 0, kinds or {})
    return {"appendCells": {"sheetId": sheet_id, "rows": data, "fields": fields}}


def format_cells(sheet_id: int, row: int, column: int, kinds: Sequence[CellKind]) -> Json:
    """Set only the number formats of the cells from (``row``, ``column``), values untouched."""
    start = {"sheetId": sheet_id, "rowIndex": row, "columnIndex": column}
    data = [{"values": [format_cell(kind) for kind in kinds]}]
    return {"updateCells": {"start": start, "rows": data, "fields": FORMAT_FIELDS}}


def write_header(sheet_id: int, column: int, texts: Sequence[str]) -> Json:
    """Bold header cells on the first row, from ``column`` on."""
    start = {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": column}
    return {
        "updateCells": {
            "start": start,
            "rows": [{"values": [header_cell(text) for text in texts]}],
            "fields": "userEnteredValue,userEnteredFormat.textFormat.bold",
        }
    }

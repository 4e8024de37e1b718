"""A stateful fake of the Google Sheets v4 REST API, at the HTTP layer.

The real gspread, google-auth and requests code runs against it: the fake is
a ``requests`` transport adapter mounted on ``https://sheets.googleapis.com/``
of an ``AuthorizedSession`` (what ``responses`` does, without patching
anything globally). Every other host is refused, so no test reaches the
network.

What it models: tabs as grids of cells (values, number formats, bold, data
validation), sheet ids and grid sizes, developer metadata on the spreadsheet,
sheets and rows (row metadata moves with its row when rows are inserted,
deleted or sorted, and goes when its row is deleted; Google's 30,000
characters of keys and values per spreadsheet and per sheet are enforced), conditional format
rules and protected ranges. Endpoints: ``spreadsheets.get`` (``ranges``,
``includeGridData``, ``fields``), ``spreadsheets.batchUpdate`` (applied
atomically: all or nothing), ``values.get``, ``values.batchGet``,
``values.batchUpdate``, ``values.batchGetByDataFilter``,
``values.batchUpdateByDataFilter`` and ``developerMetadata.search``.

Every request body and query string is validated against the Sheets v4
discovery document shipped with google-api-python-client; like Google, the
fake answers 400 for an unknown field, a wrong type, a bad enum value, or a
batchUpdate ``Request`` without exactly one kind set.

For tests it counts requests (reads, writes), logs them, injects faults
(HTTP errors, timeouts, a response lost after the request was applied), runs
hooks between requests, and offers staff actions (insert, delete, sort rows,
edit cells) on a virtual clock.
"""

from __future__ import annotations

import copy
import functools
import itertools
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from http import HTTPStatus
from importlib import resources
from typing import Any, Final
from urllib.parse import parse_qs, unquote, urlsplit

import google.oauth2.credentials
import requests
from google.auth.credentials import Credentials
from google.auth.transport.requests import AuthorizedSession
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from typing_extensions import override

from mentorsheet.adapters.workbook.google.store import GoogleSheetsStore
from mentorsheet.config import WorkbookConfig

Json = dict[str, Any]
BASE: Final = "https://sheets.googleapis.com/"
SHEETS_EPOCH: Final = datetime(1899, 12, 30)
INT32: Final = 2**31
# Characters of developer metadata (keys and values) per spreadsheet and per sheet.
METADATA_LIMIT: Final = 30_000


@functools.cache
def load_discovery() -> Json:
    """The Sheets v4 discovery document shipped with google-api-python-client."""
    path = resources.files("googleapiclient.discovery_cache") / "documents" / "sheets.v4.json"
    document: Json = json.loads(path.read_text(encoding="utf-8"))
    return document


# --- errors ---------------------------------------------------------------------


class ApiError(Exception):
    """An error answer, shaped like Google's: ``{"error": {code, message, status}}``."""

    def __init__(self, code: int, message: str, status: str = "INVALID_ARGUMENT") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    def payload(self) -> Json:
        return {"error": {"code": self.code, "message": self.message, "status": self.status}}


def bad_request(message: str) -> ApiError:
    return ApiError(400, message, "INVALID_ARGUMENT")


# --- validation against the discovery document -------------------------------------


# One JSON type's check: (validator, value, schema, path), raising ApiError.
_Check = Callable[["DiscoveryValidator", Any, Mapping[str, Any], str], None]


class DiscoveryValidator:
    """Checks request bodies and query strings the way the Sheets front end does."""

    def __init__(self, document: Json | None = None) -> None:
        self.document = document or load_discovery()
        self.schemas: Mapping[str, Json] = self.document["schemas"]
        self.methods: dict[str, Json] = {}
        self._collect(self.document.get("resources", {}))

    def _collect(self, resources_: Mapping[str, Any]) -> None:
        for resource in resources_.values():
            for method in resource.get("methods", {}).values():
                self.methods[method["id"]] = method
            self._collect(resource.get("resources", {}))

    def validate(self, value: Any, schema_name: str, path: str = "") -> None:
        """Raise :class:`ApiError` (400) unless ``value`` fits schema ``schema_name``."""
        self._check(value, {"$ref": schema_name}, path)

    def _check(self, value: Any, schema: Mapping[str, Any], path: str) -> None:
        if "$ref" in schema:
            name = schema["$ref"]
            self._check(value, self.schemas[name], path)
            return
        if value is None:
            return  # JSON null means "not set" for a proto field
        check = self._checks.get(str(schema.get("type")))
        if check is not None:
            check(self, value, schema, path)
        # "any" (and untyped) accepts every JSON value

    def _check_object(self, value: Any, schema: Mapping[str, Any], path: str) -> None:
        where = path or "(root)"
        if not isinstance(value, dict):
            raise bad_request(
                f"Invalid JSON payload received. Invalid value at '{where}': "
                f"expected an object, got {json.dumps(value)}"
            )
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            child = f"{path}.{key}" if path else key
            if key in properties:
                self._check(item, properties[key], child)
            elif extra is not None:
                self._check(item, extra, child)
            else:
                raise bad_request(
                    f'Invalid JSON payload received. Unknown name "{key}" at '
                    f"'{where}': Cannot find field."
                )

    def _check_array(self, value: Any, schema: Mapping[str, Any], path: str) -> None:
        if not isinstance(value, list):
            raise bad_request(
                f"Invalid JSON payload received. Invalid value at '{path or '(root)'}': "
                f"expected a list, got {json.dumps(value)}"
            )
        for index, item in enumerate(value):
            self._check(item, schema.get("items", {}), f"{path}[{index}]")

    def _check_string(self, value: Any, schema: Mapping[str, Any], path: str) -> None:
        where = path or "(root)"
        if not isinstance(value, str):
            raise bad_request(
                f"Invalid JSON payload received. Invalid value at '{where}' "
                f"(TYPE_STRING), {json.dumps(value)}"
            )
        if "enum" in schema and value not in schema["enum"]:
            raise bad_request(
                f"Invalid JSON payload received. Invalid value at '{where}' (enum), \"{value}\""
            )

    def _check_integer(self, value: Any, schema: Mapping[str, Any], path: str) -> None:
        where = path or "(root)"
        number = value
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
            number = int(value)  # proto3 JSON accepts integers written as strings
        if isinstance(number, bool) or not isinstance(number, int):
            raise bad_request(
                f"Invalid JSON payload received. Invalid value at '{where}' "
                f"(TYPE_INT32), {json.dumps(value)}"
            )
        if schema.get("format") == "int32" and not -INT32 <= number < INT32:
            raise bad_request(
                f"Invalid JSON payload received. Invalid value at '{where}' "
                f"(TYPE_INT32), {value}: out of range"
            )

    def _check_number(self, value: Any, schema: Mapping[str, Any], path: str) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad_request(
                f"Invalid JSON payload received. Invalid value at '{path or '(root)'}' "
                f"(TYPE_DOUBLE), {json.dumps(value)}"
            )

    def _check_boolean(self, value: Any, schema: Mapping[str, Any], path: str) -> None:
        if not isinstance(value, bool):
            raise bad_request(
                f"Invalid JSON payload received. Invalid value at '{path or '(root)'}' "
                f"(TYPE_BOOL), {json.dumps(value)}"
            )

    _checks: Final[
        Mapping[str, Callable[[DiscoveryValidator, Any, Mapping[str, Any], str], None]]
    ] = {
        "object": _check_object,
        "array": _check_array,
        "string": _check_string,
        "integer": _check_integer,
        "number": _check_number,
        "boolean": _check_boolean,
    }

    def check_query(self, method_id: str, query: Mapping[str, list[str]]) -> None:
        method = self.methods[method_id]
        known = {
            name: spec
            for name, spec in method.get("parameters", {}).items()
            if spec.get("location") == "query"
        }
        known.update(self.document.get("parameters", {}))
        for name, values in query.items():
            spec = known.get(name)
            if spec is None:
                raise bad_request(
                    f'Invalid JSON payload received. Unknown name "{name}": '
                    "Cannot bind query parameter. Field '{name}' could not be found in request "
                    "message."
                )
            if len(values) > 1 and not spec.get("repeated"):
                raise bad_request(f"Parameter {name!r} is not repeated but was given twice.")
            for text in values:
                if spec.get("type") == "boolean" and text not in ("true", "false"):
                    raise bad_request(f"Invalid value for bool field {name!r}: {text!r}")
                if "enum" in spec and text not in spec["enum"]:
                    raise bad_request(f"Invalid value at {name!r} (enum), {text!r}")

    def check_body(self, method_id: str, body: Any) -> None:
        method = self.methods[method_id]
        request = method.get("request")
        if request is None:
            if body is not None:
                raise bad_request("This method takes no request body.")
            return
        if not isinstance(body, dict):
            raise bad_request("Invalid JSON payload received: the body must be a JSON object.")
        self.validate(body, request["$ref"])


@functools.cache
def _shared_validator() -> DiscoveryValidator:
    return DiscoveryValidator()


# --- field masks ----------------------------------------------------------------------

FieldTree = dict[str, Any]  # name -> subtree, or True for "the whole field"


def parse_fields(mask: str) -> FieldTree:
    """Parse a partial-response mask like ``a,b(c,d/e),f/g`` into a tree."""
    position = 0

    def parse_list() -> FieldTree:
        nonlocal position
        tree: FieldTree = {}
        while position < len(mask):
            start = position
            while position < len(mask) and mask[position] not in ",()":
                position += 1
            path = mask[start:position].strip()
            sub: Any = True
            if position < len(mask) and mask[position] == "(":
                position += 1
                sub = parse_list()
                if position >= len(mask) or mask[position] != ")":
                    raise bad_request(f"Invalid field selection {mask!r}")
                position += 1
            if path:
                _merge_path(tree, path.split("/"), sub)
            if position < len(mask) and mask[position] == ",":
                position += 1
                continue
            break
        return tree

    tree = parse_list()
    if position != len(mask):
        raise bad_request(f"Invalid field selection {mask!r}")
    return tree


def _merge_path(tree: FieldTree, parts: list[str], sub: Any) -> None:
    head, rest = parts[0], parts[1:]
    if rest:
        child = tree.get(head)
        if child is True:
            return
        if not isinstance(child, dict):
            child = tree[head] = {}
        _merge_path(child, rest, sub)
        return
    existing = tree.get(head)
    if existing is True or sub is True:
        tree[head] = True
    elif isinstance(existing, dict):
        for key, value in sub.items():
            _merge_path(existing, [key], value)
    else:
        tree[head] = sub


class _Pruned(dict[str, Any]):
    """A part of a response already cut to its mask: :func:`prune` leaves it alone."""


def prune(value: Any, tree: Any) -> Any:
    if tree is True or tree is None or isinstance(value, _Pruned):
        return value
    if isinstance(value, list):
        return [prune(item, tree) for item in value]
    if isinstance(value, dict):
        if "*" in tree:
            return value
        return {key: prune(item, tree[key]) for key, item in value.items() if key in tree}
    return value


def _wants(tree: Any, *path: str) -> bool:
    """Whether the mask selects anything under ``path`` (no mask: everything)."""
    node = tree
    for part in path:
        if node is True or node is None:
            return True
        if "*" in node:
            return True
        if part not in node:
            return False
        node = node[part]
    return True


# --- A1 ranges ---------------------------------------------------------------------


@dataclass(frozen=True)
class GridBox:
    """A rectangle of a sheet, 0-based, end-exclusive; ``None`` ends are unbounded."""

    title: str | None
    start_row: int
    end_row: int | None
    start_column: int
    end_column: int | None


def column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + (ord(letter) - ord("A") + 1)
    return number


def column_letters(index: int) -> str:
    letters = ""
    number = index + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def quote_title(title: str) -> str:
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", title):
        return title
    return "'" + title.replace("'", "''") + "'"


def parse_a1(text: str) -> GridBox:
    title: str | None = None
    cells = text
    if text.startswith("'"):
        end = 1
        name = ""
        while end < len(text):
            if text[end] == "'":
                if end + 1 < len(text) and text[end + 1] == "'":
                    name += "'"
                    end += 2
                    continue
                break
            name += text[end]
            end += 1
        title = name
        rest = text[end + 1 :]
        cells = rest[1:] if rest.startswith("!") else ""
        if rest and not rest.startswith("!"):
            raise bad_request(f"Unable to parse range: {text}")
    elif "!" in text:
        title, cells = text.split("!", 1)
    elif not re.fullmatch(r"[A-Z]*\d*(:[A-Z]*\d*)?", text):
        title, cells = text, ""
    if not cells:
        return GridBox(title, 0, None, 0, None)
    match = re.fullmatch(r"([A-Z]*)(\d*)(?::([A-Z]*)(\d*))?", cells.upper())
    if match is None:
        raise bad_request(f"Unable to parse range: {text}")
    c1, r1, c2, r2 = match.groups()
    if c2 is None and r2 is None:  # a single cell
        if not c1 or not r1:
            raise bad_request(f"Unable to parse range: {text}")
        return GridBox(title, int(r1) - 1, int(r1), column_number(c1) - 1, column_number(c1))
    return GridBox(
        title,
        int(r1) - 1 if r1 else 0,
        int(r2) if r2 else None,
        column_number(c1) - 1 if c1 else 0,
        column_number(c2) if c2 else None,
    )


# --- the spreadsheet model -------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One cell. Immutable: writes replace cells, so snapshots can share them."""

    value: Json | None = (
        None  # ExtendedValue as entered: stringValue/numberValue/boolValue/formulaValue
    )
    number_format: Json | None = None  # NumberFormat
    text_format: Json | None = None  # TextFormat (bold, …)
    validation: Json | None = None  # DataValidationRule
    note: str | None = None

    @property
    def empty(self) -> bool:
        return not self.value

    def effective(self) -> Json | None:
        if not self.value:
            return None
        if "formulaValue" in self.value:
            return {"errorValue": {"type": "ERROR", "message": "the fake does not run formulas"}}
        return dict(self.value)

    def formatted(self) -> str:
        value = self.value or {}
        if "stringValue" in value:
            return str(value["stringValue"])
        if "boolValue" in value:
            return "TRUE" if value["boolValue"] else "FALSE"
        if "formulaValue" in value:
            return "#ERROR!"
        if "numberValue" in value:
            return format_number(float(value["numberValue"]), self.number_format)
        return ""


_DATE_TOKENS = re.compile(r"yyyy|yy|mm|dd|hh|ss|[^ymdhs]+|.", re.IGNORECASE)


def format_date_pattern(moment: datetime, pattern: str) -> str:
    """A date-time shown through a Sheets date pattern (the common tokens only).

    As in Sheets, ``mm`` is minutes right after ``hh`` or before ``ss``, else the month.
    """
    tokens = _DATE_TOKENS.findall(pattern)
    shown: list[str] = []
    for index, token in enumerate(tokens):
        key = token.lower()
        if key == "mm":
            before = [t.lower() for t in tokens[:index] if t.lower() in ("hh", "dd", "yyyy", "mm")]
            after = [t.lower() for t in tokens[index + 1 :] if t.lower() in ("ss", "dd", "hh")]
            minutes = (before and before[-1] == "hh") or (after and after[0] == "ss")
            shown.append(f"{moment:%M}" if minutes else f"{moment:%m}")
        else:
            codes = {"yyyy": "%Y", "yy": "%y", "dd": "%d", "hh": "%H", "ss": "%S"}
            shown.append(moment.strftime(codes[key]) if key in codes else token)
    return "".join(shown)


def format_number(number: float, number_format: Json | None) -> str:
    kind = (number_format or {}).get("type")
    moment = SHEETS_EPOCH + timedelta(days=number)
    moment = (moment + timedelta(microseconds=500_000)).replace(microsecond=0)
    if kind in ("DATE", "DATE_TIME", "TIME") and (number_format or {}).get("pattern"):
        return format_date_pattern(moment, str((number_format or {})["pattern"]))
    if kind == "DATE":
        return f"{moment:%d/%m/%Y}"  # a UK-style display: the store must not parse it
    if kind == "DATE_TIME":
        return f"{moment:%d/%m/%Y %H:%M:%S}"
    if kind == "TIME":
        return f"{moment:%H:%M:%S}"
    if kind == "PERCENT":
        return f"{number * 100:g}%"
    if kind == "CURRENCY":
        return f"£{number:,.2f}"
    pattern = (number_format or {}).get("pattern", "")
    if kind == "NUMBER" and pattern.startswith("0.") and set(pattern[2:]) == {"0"}:
        return f"{number:.{len(pattern) - 2}f}"
    return f"{number:.10g}"


class Row:
    """A grid row. Its identity carries its row metadata when rows move."""

    __slots__ = ("cells",)

    def __init__(self, cells: list[Cell] | None = None) -> None:
        self.cells: list[Cell] = cells or []

    def get(self, column: int) -> Cell:
        return self.cells[column] if column < len(self.cells) else EMPTY

    def put(self, column: int, cell: Cell) -> None:
        if column >= len(self.cells):
            self.cells.extend([EMPTY] * (column + 1 - len(self.cells)))
        self.cells[column] = cell

    def has_data(self) -> bool:
        return any(not cell.empty for cell in self.cells)

    def copy(self) -> Row:
        return Row(list(self.cells))


EMPTY: Final = Cell()


@dataclass
class Tab:
    sheet_id: int
    title: str
    rows: list[Row]
    column_count: int
    frozen_rows: int = 0
    conditional_formats: list[Json] = field(default_factory=list)
    protected_ranges: list[Json] = field(default_factory=list)
    # Validation set on whole columns from a row down (unbounded ranges): column -> (start, rule)
    column_rules: dict[int, tuple[int, Json]] = field(default_factory=dict)

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def data_end(self) -> int:
        for index in range(len(self.rows) - 1, -1, -1):
            if self.rows[index].has_data():
                return index + 1
        return 0

    def validation(self, row: int, column: int) -> Json | None:
        cell = self.rows[row].get(column)
        if cell.validation is not None:
            return cell.validation
        rule = self.column_rules.get(column)
        if rule is not None and row >= rule[0]:
            return rule[1]
        return None


@dataclass
class Metadata:
    metadata_id: int
    key: str
    value: str
    visibility: str
    location: str  # SPREADSHEET, SHEET, ROW
    sheet_id: int | None = None
    row: Row | None = None


@dataclass
class Book:
    """The spreadsheet's whole state; ``snapshot`` makes the copy a batchUpdate works on."""

    tabs: list[Tab] = field(default_factory=list)
    metadata: dict[int, Metadata] = field(default_factory=dict)
    next_protected_id: int = 1000

    def tab(self, title: str) -> Tab:
        for tab in self.tabs:
            if tab.title == title:
                return tab
        raise bad_request(f"Unable to parse range: {quote_title(title)}")

    def tab_by_id(self, sheet_id: Any) -> Tab:
        for tab in self.tabs:
            if tab.sheet_id == sheet_id:
                return tab
        raise bad_request(f"No grid with id: {sheet_id}")

    def snapshot(self) -> Book:
        rows: dict[int, Row] = {}
        tabs = []
        for tab in self.tabs:
            copied = []
            for row in tab.rows:
                new = row.copy()
                rows[id(row)] = new
                copied.append(new)
            tabs.append(
                replace(
                    tab,
                    rows=copied,
                    conditional_formats=copy.deepcopy(tab.conditional_formats),
                    protected_ranges=copy.deepcopy(tab.protected_ranges),
                    column_rules=dict(tab.column_rules),
                )
            )
        metadata = {
            key: replace(item, row=rows[id(item.row)] if item.row is not None else None)
            for key, item in self.metadata.items()
        }
        return Book(tabs=tabs, metadata=metadata, next_protected_id=self.next_protected_id)

    def row_position(self, row: Row) -> tuple[Tab, int]:
        for tab in self.tabs:
            for index, candidate in enumerate(tab.rows):
                if candidate is row:
                    return tab, index
        raise KeyError("row not in book")

    def metadata_json(
        self, item: Metadata, positions: Mapping[int, tuple[int, int]] | None = None
    ) -> Json:
        location: Json = {"locationType": item.location}
        if item.location == "SPREADSHEET":
            location["spreadsheet"] = True
        elif item.location == "SHEET":
            location["sheetId"] = item.sheet_id
        else:
            assert item.row is not None
            if positions is not None and id(item.row) in positions:
                sheet_id, index = positions[id(item.row)]
            else:
                tab, index = self.row_position(item.row)
                sheet_id = tab.sheet_id
            location["dimensionRange"] = {
                "sheetId": sheet_id,
                "dimension": "ROWS",
                "startIndex": index,
                "endIndex": index + 1,
            }
        return {
            "metadataId": item.metadata_id,
            "metadataKey": item.key,
            "metadataValue": item.value,
            "location": location,
            "visibility": item.visibility,
        }

    def row_positions(self) -> dict[int, tuple[int, int]]:
        return {
            id(row): (tab.sheet_id, index)
            for tab in self.tabs
            for index, row in enumerate(tab.rows)
        }


def _typed_cell(value: object) -> Cell:
    """A cell as a person would have typed it (dates as date cells)."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return Cell(value={"boolValue": value})
    if isinstance(value, int | float):
        return Cell(value={"numberValue": float(value)})
    if isinstance(value, datetime):
        serial = (value.replace(tzinfo=None) - SHEETS_EPOCH).total_seconds() / 86400
        return Cell(value={"numberValue": serial}, number_format={"type": "DATE_TIME"})
    if isinstance(value, date):
        serial = float((value - SHEETS_EPOCH.date()).days)
        return Cell(value={"numberValue": serial}, number_format={"type": "DATE"})
    return Cell(value={"stringValue": str(value)})


def _input_value(value: Any, option: str) -> Json | None:
    """A values-API cell under valueInputOption RAW or USER_ENTERED (None: leave the cell)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int | float):
        return {"numberValue": float(value)}
    text = str(value)
    if option == "USER_ENTERED":
        if text.startswith("="):
            return {"formulaValue": text}
        if text.upper() in ("TRUE", "FALSE"):
            return {"boolValue": text.upper() == "TRUE"}
        try:
            return {"numberValue": float(text.replace(",", ""))}
        except ValueError:
            pass
    return {"stringValue": text}


class StaffEditRefused(PermissionError):
    """A staff edit the sheet's protection refuses (Google Sheets shows a dialog)."""


# --- recorded requests and faults ----------------------------------------------------------


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    params: Mapping[str, list[str]]
    body: Any
    timeout: Any
    status: int  # 0 when an exception was raised instead of answering
    outcome: str  # "ok", "error", "injected", "raised", "lost"

    @property
    def is_read(self) -> bool:
        return self.method == "GET" or self.path.endswith(
            ("developerMetadata:search", "values:batchGetByDataFilter")
        )

    @property
    def endpoint(self) -> str:
        """A short name: ``get``, ``batchUpdate``, ``values.batchUpdateByDataFilter`` …"""
        tail = self.path.split("/v4/spreadsheets/", 1)[-1]
        if "/values/" in tail:
            return "values.get"
        if ":" in tail:
            head, verb = tail.rsplit(":", 1)
            return (
                f"values.{verb}"
                if head.endswith("/values")
                else (f"developerMetadata.{verb}" if head.endswith("/developerMetadata") else verb)
            )
        return "get"


@dataclass
class _Fault:
    method: str
    pattern: re.Pattern[str]
    action: int | BaseException | type[BaseException] | str
    remaining: int


class FakeClock:
    """A virtual clock: ``sleep`` advances it instantly."""

    def __init__(self, start: datetime | None = None) -> None:
        self.moment = start or datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self.moment

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.moment += timedelta(seconds=seconds)

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


Hook = Callable[["FakeSheets", RecordedRequest], None]


# --- the fake ---------------------------------------------------------------------------------


class FakeSheets:
    """One spreadsheet behind a fake Sheets v4 endpoint. See the module docstring."""

    def __init__(
        self,
        spreadsheet_id: str = "1FakeSheetKey_abcdefghijklmnopqrstuvwxyz012",
        *,
        title: str = "Mentoring programme",
    ) -> None:
        self.spreadsheet_id = spreadsheet_id
        self.title = title
        self.book = Book()
        self.validator = _shared_validator()
        self.clock = FakeClock()
        self.requests: list[RecordedRequest] = []
        self.reads = 0
        self.writes = 0
        self.deny_access = False
        self.strict_metadata_delete = False  # 400 when a delete filter matches nothing
        # Who the staff actions below act as: protected ranges apply to them.
        self.owner = "owner@example.org"
        self.staff_user = "staff@example.org"
        self.acting_as = self.staff_user
        self.require_timeout = True
        self._faults: list[_Fault] = []
        self._hooks: list[Hook] = []
        self._ids = itertools.count(101)

    # --- wiring ---------------------------------------------------------------

    def session(self, credentials: Credentials | None = None) -> AuthorizedSession:
        """An authorised session whose only reachable host is this fake."""
        creds = credentials or google.oauth2.credentials.Credentials(  # type: ignore[no-untyped-call]
            token="fake-access-token"
        )
        session = AuthorizedSession(creds)  # type: ignore[no-untyped-call]
        session.mount("https://", _NoNetwork())
        session.mount("http://", _NoNetwork())
        session.mount(BASE, _Adapter(self))
        return session

    # --- set-up and inspection for tests -----------------------------------------

    def add_tab(
        self,
        title: str,
        rows: Sequence[Sequence[object]] = (),
        *,
        row_count: int | None = None,
        column_count: int | None = None,
        frozen_rows: int = 0,
        sheet_id: int | None = None,
    ) -> int:
        """Add a tab holding ``rows`` (str as text, numbers, bools, dates as date cells)."""
        width = max([len(row) for row in rows] + [0])
        grid_rows = [Row([_typed_cell(value) for value in row]) for row in rows]
        total = row_count if row_count is not None else max(1000, len(grid_rows))
        grid_rows.extend(Row() for _ in range(total - len(grid_rows)))
        new_id = sheet_id if sheet_id is not None else next(self._ids)
        self.book.tabs.append(
            Tab(
                sheet_id=new_id,
                title=title,
                rows=grid_rows,
                column_count=column_count if column_count is not None else max(26, width),
                frozen_rows=frozen_rows,
            )
        )
        return new_id

    @property
    def titles(self) -> list[str]:
        return [tab.title for tab in self.book.tabs]

    def tab(self, title: str) -> Tab:
        return self.book.tab(title)

    def tab_values(self, title: str) -> list[list[str]]:
        """What a person sees: formatted text, trailing blanks trimmed."""
        tab = self.book.tab(title)
        rows = [[cell.formatted() for cell in row.cells] for row in tab.rows[: tab.data_end()]]
        for row in rows:
            while row and row[-1] == "":
                row.pop()
        return rows

    def records(self, title: str) -> list[dict[str, str]]:
        """Data rows as dicts keyed by the header row's text."""
        values = self.tab_values(title)
        if not values:
            return []
        header = values[0]
        return [
            {name: (row[i] if i < len(row) else "") for i, name in enumerate(header) if name}
            for row in values[1:]
        ]

    def cell(self, title: str, row: int, column: int) -> Json:
        """The value as entered in ``row``/``column`` (1-based): an ExtendedValue dict."""
        return dict(self.book.tab(title).rows[row - 1].get(column - 1).value or {})

    def number_format(self, title: str, row: int, column: int) -> Json | None:
        """The number format entered in ``row``/``column`` (1-based), if any."""
        found = self.book.tab(title).rows[row - 1].get(column - 1).number_format
        return dict(found) if found else None

    def validation(self, title: str, row: int, column: int) -> Json | None:
        return self.book.tab(title).validation(row - 1, column - 1)

    def metadata(self, key: str | None = None) -> list[Json]:
        positions = self.book.row_positions()
        return [
            self.book.metadata_json(item, positions)
            for item in self.book.metadata.values()
            if key is None or item.key == key
        ]

    def set_metadata(
        self,
        key: str,
        value: str,
        *,
        metadata_id: int | None = None,
        row: tuple[str, int] | None = None,
    ) -> int:
        """Create developer metadata directly (``row``: (tab title, 1-based row))."""
        new_id = metadata_id if metadata_id is not None else self._new_metadata_id()
        if row is None:
            item = Metadata(new_id, key, value, "DOCUMENT", "SPREADSHEET")
        else:
            tab = self.book.tab(row[0])
            item = Metadata(
                new_id, key, value, "DOCUMENT", "ROW", tab.sheet_id, tab.rows[row[1] - 1]
            )
        self.book.metadata[new_id] = item
        return new_id

    # Staff actions: rows and columns are 1-based, as people count them.

    def column_index(self, title: str, column: str | int) -> int:
        if isinstance(column, int):
            return column - 1
        header = [
            cell.formatted().strip().casefold() for cell in self.book.tab(title).rows[0].cells
        ]
        return header.index(column.strip().casefold())

    def staff_check(self, title: str) -> None:
        """Refuse a staff edit of ``title`` while a protected range without them covers it.

        Staff edit as :attr:`staff_user`; the owner (:attr:`owner`) may always
        edit, as in Google Sheets. Warning-only ranges only warn.
        """
        if self.acting_as == self.owner:
            return
        for protected in self.book.tab(title).protected_ranges:
            users = (protected.get("editors") or {}).get("users") or []
            if not protected.get("warningOnly") and self.acting_as not in users:
                raise StaffEditRefused(
                    f"{title} is protected ({protected.get('description', '')}): "
                    f"{self.acting_as} may not edit it"
                )

    def set_cell(self, title: str, row: int, column: str | int, value: object) -> None:
        self.staff_check(title)
        tab = self.book.tab(title)
        index = self.column_index(title, column)
        old = tab.rows[row - 1].get(index)
        typed = _typed_cell(value)
        tab.rows[row - 1].put(
            index,
            replace(old, value=typed.value, number_format=typed.number_format or old.number_format),
        )

    def insert_row(self, title: str, before_row: int, values: Sequence[object] = ()) -> None:
        self.staff_check(title)
        tab = self.book.tab(title)
        tab.rows.insert(before_row - 1, Row([_typed_cell(value) for value in values]))

    def append_row(self, title: str, values: Sequence[object]) -> int:
        """Type ``values`` into the first row after the data; returns its row number."""
        self.staff_check(title)
        tab = self.book.tab(title)
        index = tab.data_end()
        if index >= len(tab.rows):
            tab.rows.append(Row())
        for column, value in enumerate(values):
            tab.rows[index].put(column, _typed_cell(value))
        return index + 1

    def delete_row(self, title: str, row: int) -> None:
        self.staff_check(title)
        tab = self.book.tab(title)
        gone = tab.rows.pop(row - 1)
        self._drop_row_metadata([gone])

    def insert_column(self, title: str, before: str | int, header: str = "") -> None:
        """Insert a column before ``before`` (a header or a 1-based number), as staff do."""
        self.staff_check(title)
        tab = self.book.tab(title)
        index = self.column_index(title, before)
        for row in tab.rows:
            if index < len(row.cells):
                row.cells.insert(index, EMPTY)
        tab.column_count += 1
        if header:
            tab.rows[0].put(index, _typed_cell(header))

    def delete_column(self, title: str, column: str | int) -> None:
        """Delete a column (a header or a 1-based number), as staff do."""
        self.staff_check(title)
        tab = self.book.tab(title)
        index = self.column_index(title, column)
        for row in tab.rows:
            if index < len(row.cells):
                del row.cells[index]
        tab.column_count -= 1

    def sort_rows(
        self, title: str, column: str | int, *, descending: bool = False, header_rows: int = 1
    ) -> None:
        """Sort the data rows by one column's text, as Data > Sort range does."""
        self.staff_check(title)
        tab = self.book.tab(title)
        index = self.column_index(title, column)
        end = tab.data_end()
        body = tab.rows[header_rows:end]
        body.sort(key=lambda row: row.get(index).formatted().casefold(), reverse=descending)
        tab.rows[header_rows:end] = body

    # --- faults, hooks, counters -----------------------------------------------

    def fail_next(
        self,
        method: str,
        path_regex: str,
        failure: int | BaseException | type[BaseException],
        times: int = 1,
    ) -> None:
        """The next ``times`` matching requests fail: an HTTP status, or an exception raised
        by the transport (e.g. ``requests.exceptions.ReadTimeout``). Nothing is applied."""
        self._faults.append(_Fault(method.upper(), re.compile(path_regex), failure, times))

    def lose_response_next(self, method: str, path_regex: str, times: int = 1) -> None:
        """The next matching requests are applied, then the connection drops."""
        self._faults.append(_Fault(method.upper(), re.compile(path_regex), "lose", times))

    def after_request(self, hook: Hook) -> Callable[[], None]:
        """Run ``hook(fake, request)`` after every request; returns a remover."""
        self._hooks.append(hook)
        return lambda: self._hooks.remove(hook) if hook in self._hooks else None

    def once_after(
        self, predicate: Callable[[RecordedRequest], bool], action: Callable[[FakeSheets], object]
    ) -> None:
        """Run ``action(fake)`` once, after the first request matching ``predicate``."""

        def hook(fake: FakeSheets, request: RecordedRequest) -> None:
            if predicate(request):
                remove()
                action(fake)

        remove = self.after_request(hook)

    def reset_counts(self) -> None:
        self.reads = 0
        self.writes = 0
        self.requests.clear()

    # --- HTTP ------------------------------------------------------------------

    def handle(self, request: requests.PreparedRequest, timeout: Any) -> requests.Response:
        url = urlsplit(request.url or "")
        method = (request.method or "GET").upper()
        params = parse_qs(url.query, keep_blank_values=True)
        raw = request.body
        body: Any = None
        if raw:
            body = json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
        path = url.path
        record = RecordedRequest(method, path, params, body, timeout, 0, "ok")
        if record.is_read:
            self.reads += 1
        else:
            self.writes += 1
        if self.require_timeout and timeout is None:
            raise AssertionError(f"{method} {path} was sent without a timeout")

        fault = self._take_fault(method, path)
        if fault is not None and fault.action != "lose":
            action = fault.action
            if isinstance(action, int):
                error = _status_error(action)
                self._finish(replace(record, status=action, outcome="injected"))
                return _response(request, action, error.payload())
            self._finish(replace(record, outcome="raised"))
            if isinstance(action, BaseException):
                raise action
            assert isinstance(action, type)
            raise action(f"injected by the fake on {method} {path}")

        try:
            status, payload = 200, self._dispatch(method, path, params, body, request)
            outcome = "ok"
        except ApiError as exc:
            status, payload, outcome = exc.code, exc.payload(), "error"
        if fault is not None:  # "lose": applied, then the connection drops
            self._finish(replace(record, status=status, outcome="lost"))
            raise requests.exceptions.ConnectionError(
                f"connection dropped after {method} {path} was applied (injected)"
            )
        self._finish(replace(record, status=status, outcome=outcome))
        return _response(request, status, payload)

    def _finish(self, record: RecordedRequest) -> None:
        self.requests.append(record)
        for hook in list(self._hooks):
            hook(self, record)

    def _take_fault(self, method: str, path: str) -> _Fault | None:
        for fault in self._faults:
            if fault.remaining > 0 and fault.method == method and fault.pattern.search(path):
                fault.remaining -= 1
                return fault
        return None

    def _dispatch(
        self,
        method: str,
        path: str,
        params: Mapping[str, list[str]],
        body: Any,
        request: requests.PreparedRequest,
    ) -> Json:
        authorization = request.headers.get("Authorization", "")
        if not authorization.startswith("Bearer "):
            raise ApiError(
                401, "Request is missing required authentication credential.", "UNAUTHENTICATED"
            )
        match = re.fullmatch(r"/v4/spreadsheets/([^/:]+)(.*)", path)
        if match is None:
            raise ApiError(404, f"The requested URL {path} was not found.", "NOT_FOUND")
        key, rest = match.groups()
        routes: dict[
            tuple[str, str], tuple[str, Callable[[Mapping[str, list[str]], Any], Json]]
        ] = {
            ("GET", ""): ("sheets.spreadsheets.get", self._get),
            ("POST", ":batchUpdate"): ("sheets.spreadsheets.batchUpdate", self._batch_update),
            ("GET", "/values:batchGet"): (
                "sheets.spreadsheets.values.batchGet",
                self._values_batch_get,
            ),
            ("POST", "/values:batchUpdate"): (
                "sheets.spreadsheets.values.batchUpdate",
                self._values_batch_update,
            ),
            ("POST", "/values:batchGetByDataFilter"): (
                "sheets.spreadsheets.values.batchGetByDataFilter",
                self._values_get_by_data_filter,
            ),
            ("POST", "/values:batchUpdateByDataFilter"): (
                "sheets.spreadsheets.values.batchUpdateByDataFilter",
                self._values_by_data_filter,
            ),
            ("POST", "/developerMetadata:search"): (
                "sheets.spreadsheets.developerMetadata.search",
                self._metadata_search,
            ),
        }
        route = routes.get((method, rest))
        range_name = None
        if route is None and method == "GET" and rest.startswith("/values/"):
            range_name = unquote(rest[len("/values/") :])
            route = ("sheets.spreadsheets.values.get", self._values_get)
        if route is None:
            raise ApiError(404, f"The requested URL {path} was not found.", "NOT_FOUND")
        method_id, handler = route
        if key != self.spreadsheet_id:
            raise ApiError(404, "Requested entity was not found.", "NOT_FOUND")
        if self.deny_access:
            raise ApiError(403, "The caller does not have permission", "PERMISSION_DENIED")
        self.validator.check_query(method_id, params)
        self.validator.check_body(method_id, body)
        if range_name is not None:
            return self._values_get({**params, "__range": [range_name]}, body)
        return handler(params, body)

    # --- spreadsheets.get ---------------------------------------------------------

    def _get(self, params: Mapping[str, list[str]], _body: Any) -> Json:
        mask = parse_fields(params["fields"][0]) if "fields" in params else None
        include = params.get("includeGridData", ["false"])[0] == "true"
        with_grid = _wants(mask, "sheets", "data") if mask is not None else include
        spreadsheet = self._spreadsheet_json(
            self.book, params.get("ranges", []), with_grid=with_grid, mask=mask
        )
        pruned: Json = prune(spreadsheet, mask)
        return pruned

    def _spreadsheet_json(
        self, book: Book, ranges: Sequence[str], *, with_grid: bool, mask: Any
    ) -> Json:
        boxes = [parse_a1(text) for text in ranges]
        first = book.tabs[0].title if book.tabs else None
        wanted: dict[str, list[GridBox]] = {}
        for box in boxes:
            title = box.title if box.title is not None else first
            if title is None:
                raise bad_request("Unable to parse range")
            book.tab(title)  # 400 when there is no such tab
            wanted.setdefault(title, []).append(box)
        positions = book.row_positions()
        sheets = []
        for index, tab in enumerate(book.tabs):
            if boxes and tab.title not in wanted:
                continue
            sheet: Json = {
                "properties": {
                    "sheetId": tab.sheet_id,
                    "title": tab.title,
                    "index": index,
                    "sheetType": "GRID",
                    "gridProperties": {
                        "rowCount": tab.row_count,
                        "columnCount": tab.column_count,
                        **({"frozenRowCount": tab.frozen_rows} if tab.frozen_rows else {}),
                    },
                }
            }
            if tab.conditional_formats:
                sheet["conditionalFormats"] = copy.deepcopy(tab.conditional_formats)
            if tab.protected_ranges:
                sheet["protectedRanges"] = copy.deepcopy(tab.protected_ranges)
            sheet_metadata = [
                book.metadata_json(m, positions)
                for m in book.metadata.values()
                if m.location == "SHEET" and m.sheet_id == tab.sheet_id
            ]
            if sheet_metadata:
                sheet["developerMetadata"] = sheet_metadata
            if with_grid:
                tab_boxes = wanted.get(tab.title) or [GridBox(tab.title, 0, None, 0, None)]
                grid_mask = _sub_mask(mask, "sheets", "data")
                sheet["data"] = [
                    self._grid_json(book, tab, box, grid_mask, positions) for box in tab_boxes
                ]
            sheets.append(sheet)
        spreadsheet: Json = {
            "spreadsheetId": self.spreadsheet_id,
            "properties": {"title": self.title, "locale": "en_GB", "timeZone": "Europe/London"},
            "sheets": sheets,
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{self.spreadsheet_id}/edit",
        }
        top = [
            book.metadata_json(m, positions)
            for m in book.metadata.values()
            if m.location == "SPREADSHEET"
        ]
        if top:
            spreadsheet["developerMetadata"] = top
        return spreadsheet

    def _grid_json(
        self,
        book: Book,
        tab: Tab,
        box: GridBox,
        grid_mask: Any,
        positions: Mapping[int, tuple[int, int]],
    ) -> Json:
        """One GridData, already cut to ``grid_mask`` (the mask under ``sheets.data``)."""
        end_row = min(box.end_row if box.end_row is not None else tab.row_count, tab.row_count)
        end_column = min(
            box.end_column if box.end_column is not None else tab.column_count, tab.column_count
        )
        grid: Json = _Pruned()
        if box.start_row and _wants(grid_mask, "startRow"):
            grid["startRow"] = box.start_row
        if box.start_column and _wants(grid_mask, "startColumn"):
            grid["startColumn"] = box.start_column
        if _wants(grid_mask, "rowData"):
            cell_mask = _sub_mask(grid_mask, "rowData", "values")
            row_data: list[Json] = []
            last = 0
            # Cells holding nothing but a column's validation still answer with it.
            ruled = max([column + 1 for column in tab.column_rules] + [0])
            for index in range(box.start_row, end_row):
                row = tab.rows[index]
                width = max(len(row.cells), ruled)
                values = [
                    self._cell_json(tab, index, column, cell_mask)
                    for column in range(box.start_column, min(end_column, width))
                ]
                while values and not values[-1]:
                    values.pop()
                row_data.append({"values": values} if values else {})
                if values:
                    last = len(row_data)
            grid["rowData"] = row_data[:last]
        if _wants(grid_mask, "rowMetadata"):
            meta_mask = _sub_mask(grid_mask, "rowMetadata")
            by_row: dict[int, list[Metadata]] = {}
            for item in book.metadata.values():
                if item.row is not None:
                    by_row.setdefault(id(item.row), []).append(item)
            row_metadata = []
            for index in range(box.start_row, end_row):
                items = by_row.get(id(tab.rows[index]), [])
                entry: Json = {"pixelSize": 21}
                if items:
                    entry["developerMetadata"] = [book.metadata_json(m, positions) for m in items]
                row_metadata.append(prune(entry, meta_mask))
            grid["rowMetadata"] = row_metadata
        return grid

    def _cell_json(self, tab: Tab, row: int, column: int, mask: Any) -> Json:
        cell = tab.rows[row].get(column)
        out: Json = {}

        def put(key: str, value: Any) -> None:
            if _wants(mask, key):
                sub = mask.get(key) if isinstance(mask, dict) and "*" not in mask else None
                out[key] = prune(value, sub) if isinstance(sub, dict) else value

        if cell.value:
            put("userEnteredValue", dict(cell.value))
            put("effectiveValue", cell.effective())
            put("formattedValue", cell.formatted())
        entered: Json = {}
        if cell.number_format:
            entered["numberFormat"] = dict(cell.number_format)
        if cell.text_format:
            entered["textFormat"] = dict(cell.text_format)
        if entered:
            put("userEnteredFormat", entered)
            put("effectiveFormat", copy.deepcopy(entered))
        rule = tab.validation(row, column)
        if rule is not None:
            put("dataValidation", copy.deepcopy(rule))
        if cell.note:
            put("note", cell.note)
        return out

    # --- batchUpdate --------------------------------------------------------------

    def _batch_update(self, params: Mapping[str, list[str]], body: Json) -> Json:
        work = self.book.snapshot()
        replies = []
        for index, request in enumerate(body.get("requests") or []):
            kinds = [key for key, value in request.items() if value is not None]
            if len(kinds) != 1:
                raise bad_request(
                    f"Invalid requests[{index}]: "
                    + ("No request set." if not kinds else "More than one kind of request set.")
                )
            kind = kinds[0]
            handler = getattr(self, f"_req_{kind}", None)
            if handler is None:
                raise bad_request(f"Invalid requests[{index}]: the fake does not implement {kind}.")
            try:
                reply = handler(work, request[kind])
            except ApiError as exc:
                raise bad_request(f"Invalid requests[{index}].{kind}: {exc.message}") from None
            replies.append(reply or {})
        self.book = work  # all or nothing
        response: Json = {"spreadsheetId": self.spreadsheet_id, "replies": replies}
        if body.get("includeSpreadsheetInResponse"):
            with_grid = bool(body.get("responseIncludeGridData"))
            mask = parse_fields(params["fields"][0]) if "fields" in params else None
            sub = mask.get("updatedSpreadsheet") if isinstance(mask, dict) else None
            if sub is not None and sub is not True:
                with_grid = _wants(sub, "sheets", "data")
            response["updatedSpreadsheet"] = self._spreadsheet_json(
                self.book,
                body.get("responseRanges") or [],
                with_grid=with_grid,
                mask=sub,
            )
        if "fields" in params:
            response = prune(response, parse_fields(params["fields"][0]))
        return response

    def _req_addSheet(self, book: Book, request: Json) -> Json:
        props = request.get("properties") or {}
        title = props.get("title") or f"Sheet{len(book.tabs) + 1}"
        if any(tab.title == title for tab in book.tabs):
            raise bad_request(f'A sheet with the name "{title}" already exists.')
        sheet_id = props.get("sheetId")
        if sheet_id is None:
            sheet_id = next(self._ids)
        if any(tab.sheet_id == sheet_id for tab in book.tabs):
            raise bad_request(f"A sheet with the id {sheet_id} already exists.")
        grid = props.get("gridProperties") or {}
        tab = Tab(
            sheet_id=int(sheet_id),
            title=title,
            rows=[Row() for _ in range(int(grid.get("rowCount", 1000)))],
            column_count=int(grid.get("columnCount", 26)),
            frozen_rows=int(grid.get("frozenRowCount", 0)),
        )
        book.tabs.append(tab)
        return {
            "addSheet": {
                "properties": {
                    "sheetId": tab.sheet_id,
                    "title": title,
                    "index": len(book.tabs) - 1,
                    "sheetType": "GRID",
                    "gridProperties": {"rowCount": tab.row_count, "columnCount": tab.column_count},
                }
            }
        }

    def _req_updateSheetProperties(self, book: Book, request: Json) -> None:
        props = request.get("properties") or {}
        fields_ = request.get("fields")
        if not fields_:
            raise bad_request("At least one field must be specified.")
        tab = book.tab_by_id(props.get("sheetId"))
        grid = props.get("gridProperties") or {}
        for name in (part.strip() for part in fields_.split(",")):
            if name == "title":
                tab.title = props["title"]
            elif name == "gridProperties.frozenRowCount":
                tab.frozen_rows = int(grid.get("frozenRowCount", 0))
            else:
                raise bad_request(f"the fake does not implement updating {name}")

    def _dimension(self, book: Book, dimension_range: Json) -> tuple[Tab, str, int, int]:
        tab = book.tab_by_id(dimension_range.get("sheetId"))
        dimension = dimension_range.get("dimension")
        if dimension not in ("ROWS", "COLUMNS"):
            raise bad_request("dimension must be ROWS or COLUMNS")
        start = dimension_range.get("startIndex")
        end = dimension_range.get("endIndex")
        if start is None or end is None or not 0 <= int(start) < int(end):
            raise bad_request("The range must be bounded, with startIndex < endIndex.")
        return tab, dimension, int(start), int(end)

    def _req_insertDimension(self, book: Book, request: Json) -> None:
        tab, dimension, start, end = self._dimension(book, request.get("range") or {})
        before = bool(request.get("inheritFromBefore"))
        if before and start == 0:
            raise bad_request("inheritFromBefore requires a start index greater than 0.")
        if dimension == "ROWS":
            if start >= tab.row_count:
                raise bad_request(
                    f"range.startIndex ({start}) must be less than the grid's row count "
                    f"({tab.row_count}); use appendDimension to add rows at the end."
                )
            model = tab.rows[start - 1] if before else tab.rows[start]
            template = [replace(cell, value=None, note=None) for cell in model.cells]
            tab.rows[start:start] = [Row(list(template)) for _ in range(end - start)]
        else:
            if start >= tab.column_count:
                raise bad_request("range.startIndex must be less than the grid's column count.")
            for row in tab.rows:
                if start < len(row.cells):
                    row.cells[start:start] = [EMPTY] * (end - start)
            tab.column_count += end - start

    def _req_appendDimension(self, book: Book, request: Json) -> None:
        tab = book.tab_by_id(request.get("sheetId"))
        length = int(request.get("length") or 0)
        if length <= 0:
            raise bad_request("length must be positive.")
        if request.get("dimension") == "ROWS":
            tab.rows.extend(Row() for _ in range(length))
        elif request.get("dimension") == "COLUMNS":
            tab.column_count += length
        else:
            raise bad_request("dimension must be ROWS or COLUMNS")

    def _req_deleteDimension(self, book: Book, request: Json) -> None:
        tab, dimension, start, end = self._dimension(book, request.get("range") or {})
        if dimension == "ROWS":
            if end > tab.row_count:
                raise bad_request("The range exceeds the grid's row count.")
            gone = tab.rows[start:end]
            del tab.rows[start:end]
            self._drop_row_metadata(gone, book)
        else:
            for row in tab.rows:
                del row.cells[start:end]
            tab.column_count -= end - start

    def _drop_row_metadata(self, rows: Iterable[Row], book: Book | None = None) -> None:
        target = book or self.book
        gone = {id(row) for row in rows}
        for key in [
            k for k, m in target.metadata.items() if m.row is not None and id(m.row) in gone
        ]:
            del target.metadata[key]

    def _grid_box(self, book: Book, grid_range: Json) -> tuple[Tab, int, int, int, int]:
        tab = book.tab_by_id(grid_range.get("sheetId", 0))
        start_row = int(grid_range.get("startRowIndex", 0))
        end_row = int(grid_range.get("endRowIndex", tab.row_count))
        start_column = int(grid_range.get("startColumnIndex", 0))
        end_column = int(grid_range.get("endColumnIndex", tab.column_count))
        if end_row > tab.row_count or end_column > tab.column_count:
            raise bad_request(
                f"Range ({tab.title}!{column_letters(start_column)}{start_row + 1}:"
                f"{column_letters(max(end_column - 1, 0))}{end_row}) exceeds grid limits. "
                f"Max rows: {tab.row_count}, max columns: {tab.column_count}"
            )
        if start_row > end_row or start_column > end_column:
            raise bad_request("The range's start is after its end.")
        return tab, start_row, end_row, start_column, end_column

    def _apply_cell(self, tab: Tab, row: int, column: int, data: Json, fields_: list[str]) -> None:
        old = tab.rows[row].get(column)
        new = old
        for name in fields_:
            if name in ("*", "userEnteredValue"):
                value = data.get("userEnteredValue")
                new = replace(new, value=dict(value) if value else None)
            if name in ("*", "userEnteredFormat") or name.startswith("userEnteredFormat."):
                entered = data.get("userEnteredFormat") or {}
                if name in ("*", "userEnteredFormat"):
                    new = replace(
                        new,
                        number_format=entered.get("numberFormat"),
                        text_format=entered.get("textFormat"),
                    )
                elif name.startswith("userEnteredFormat.textFormat"):
                    text = dict(new.text_format or {})
                    leaf = name.split(".")[-1]
                    source = entered.get("textFormat") or {}
                    if leaf == "textFormat":
                        text = dict(source)
                    elif leaf in source:
                        text[leaf] = source[leaf]
                    else:
                        text.pop(leaf, None)
                    new = replace(new, text_format=text or None)
                elif name.startswith("userEnteredFormat.numberFormat"):
                    new = replace(new, number_format=entered.get("numberFormat"))
                else:
                    raise bad_request(f"the fake does not implement the field {name}")
            if name in ("*", "dataValidation"):
                new = replace(new, validation=data.get("dataValidation"))
            if name in ("*", "note"):
                new = replace(new, note=data.get("note"))
            if name not in (
                "*",
                "userEnteredValue",
                "dataValidation",
                "note",
            ) and not name.startswith("userEnteredFormat"):
                raise bad_request(f"the fake does not implement the field {name}")
        tab.rows[row].put(column, new)

    @staticmethod
    def _field_list(request: Json) -> list[str]:
        fields_ = request.get("fields")
        if not fields_:
            raise bad_request("At least one field must be specified.")
        return [name.strip() for name in fields_.split(",") if name.strip()]

    def _req_updateCells(self, book: Book, request: Json) -> None:
        fields_ = self._field_list(request)
        rows = request.get("rows") or []
        has_range, has_start = request.get("range") is not None, request.get("start") is not None
        if has_range == has_start:
            raise bad_request("Exactly one of start and range must be set.")
        if has_start:
            start = request["start"]
            tab = book.tab_by_id(start.get("sheetId", 0))
            row0, column0 = int(start.get("rowIndex", 0)), int(start.get("columnIndex", 0))
            height = len(rows)
            width = max([len(r.get("values") or []) for r in rows] + [0])
            self._grid_box(
                book,
                {
                    "sheetId": tab.sheet_id,
                    "startRowIndex": row0,
                    "endRowIndex": row0 + height,
                    "startColumnIndex": column0,
                    "endColumnIndex": column0 + width,
                },
            )
            for offset, row in enumerate(rows):
                for column, data in enumerate(row.get("values") or []):
                    self._apply_cell(tab, row0 + offset, column0 + column, data or {}, fields_)
            return
        tab, row0, row1, column0, column1 = self._grid_box(book, request["range"])
        # Cells of the range that ``rows`` does not cover are cleared (for ``fields``).
        for row in range(row0, row1):
            offset = row - row0
            given = (rows[offset].get("values") or []) if offset < len(rows) else []
            existing = len(tab.rows[row].cells)
            for column in range(column0, column1):
                if column - column0 < len(given):
                    self._apply_cell(tab, row, column, given[column - column0] or {}, fields_)
                elif column < existing:
                    self._apply_cell(tab, row, column, {}, fields_)

    def _req_findReplace(self, book: Book, request: Json) -> Json:
        """Find and replace over a range, a sheet or every sheet, as Sheets documents it.

        ``matchEntireCell`` compares the cell's whole shown text; without
        ``matchCase`` letter case is ignored; ``searchByRegex`` takes a
        (Java-style, here Python) pattern. Formula cells are skipped unless
        ``includeFormulas``. The replaced cell holds the new text as a string.
        """
        find = request.get("find")
        if not find:
            raise bad_request("find must be set and non-empty.")
        scopes = [key for key in ("range", "sheetId", "allSheets") if request.get(key) is not None]
        if len(scopes) != 1:
            raise bad_request("Exactly one of range, sheetId or allSheets must be set.")
        boxes: list[tuple[Tab, int, int, int, int]] = []
        if "range" in scopes:
            boxes.append(self._grid_box(book, request["range"]))
        elif "sheetId" in scopes:
            tab = book.tab_by_id(request["sheetId"])
            boxes.append((tab, 0, tab.row_count, 0, tab.column_count))
        else:
            boxes.extend((tab, 0, tab.row_count, 0, tab.column_count) for tab in book.tabs)
        flags = 0 if request.get("matchCase") else re.IGNORECASE
        pattern = find if request.get("searchByRegex") else re.escape(find)
        if request.get("matchEntireCell"):
            pattern = f"(?:{pattern})\\Z"
        compiled = re.compile(pattern, flags)
        replacement = str(request.get("replacement") or "")
        if request.get("searchByRegex"):  # Java's $1 is Python's \\g<1>
            java = re.sub(r"\$(\d+)", r"\\g<\1>", replacement)
            substitute: Any = java
        else:
            substitute = lambda _match: replacement  # noqa: E731 -- literal text, no groups
        values = occurrences = 0
        rows: set[tuple[int, int]] = set()
        sheets: set[int] = set()
        for tab, row0, row1, column0, column1 in boxes:
            for row in range(row0, min(row1, len(tab.rows))):
                for column in range(column0, column1):
                    cell = tab.rows[row].get(column)
                    if cell.empty or ("formulaValue" in (cell.value or {})):
                        continue  # includeFormulas: the fake does not run formulas
                    text = cell.formatted()
                    if request.get("matchEntireCell"):
                        found = 1 if compiled.match(text) else 0
                        new = replacement if found else text
                    else:
                        new, found = compiled.subn(substitute, text)
                    if not found:
                        continue
                    tab.rows[row].put(column, replace(cell, value={"stringValue": new}))
                    values += 1
                    occurrences += found
                    rows.add((tab.sheet_id, row))
                    sheets.add(tab.sheet_id)
        changed = {
            "valuesChanged": values,
            "occurrencesChanged": occurrences,
            "rowsChanged": len(rows),
            "sheetsChanged": len(sheets),
            "formulasChanged": 0,
        }
        return {"findReplace": {key: value for key, value in changed.items() if value}}

    def _req_appendCells(self, book: Book, request: Json) -> None:
        if request.get("tableId"):
            raise bad_request("the fake does not implement tables")
        tab = book.tab_by_id(request.get("sheetId"))
        fields_ = self._field_list(request)
        rows = request.get("rows") or []
        start = tab.data_end()
        need = start + len(rows) - tab.row_count
        if need > 0:
            tab.rows.extend(Row() for _ in range(need))
        width = max([len(r.get("values") or []) for r in rows] + [0])
        tab.column_count = max(tab.column_count, width)
        for offset, row in enumerate(rows):
            for column, data in enumerate(row.get("values") or []):
                self._apply_cell(tab, start + offset, column, data or {}, fields_)

    def _new_metadata_id(self, book: Book | None = None) -> int:
        used = (book or self.book).metadata
        while True:
            candidate = 1_000_000 + next(self._ids) * 7919 % 900_000_000
            if candidate not in used:
                return candidate

    def _req_createDeveloperMetadata(self, book: Book, request: Json) -> Json:
        data = request.get("developerMetadata") or {}
        key = data.get("metadataKey")
        if not key:
            raise bad_request("Developer metadata must specify a key.")
        visibility = data.get("visibility")
        if visibility not in ("DOCUMENT", "PROJECT"):
            raise bad_request("Developer metadata must specify a visibility.")
        metadata_id = data.get("metadataId")
        if metadata_id is not None:
            if int(metadata_id) <= 0:
                raise bad_request("metadataId must be positive.")
            if int(metadata_id) in book.metadata:
                raise bad_request(f"Developer metadata with ID {metadata_id} already exists.")
        else:
            metadata_id = self._new_metadata_id(book)
        location = data.get("location") or {}
        kinds = [
            k for k in ("spreadsheet", "sheetId", "dimensionRange") if location.get(k) is not None
        ]
        if len(kinds) != 1:
            raise bad_request("Developer metadata location must set exactly one location.")
        if kinds[0] == "spreadsheet":
            if location["spreadsheet"] is not True:
                raise bad_request("location.spreadsheet must be true.")
            item = Metadata(
                int(metadata_id), key, data.get("metadataValue", ""), visibility, "SPREADSHEET"
            )
        elif kinds[0] == "sheetId":
            tab = book.tab_by_id(location["sheetId"])
            item = Metadata(
                int(metadata_id),
                key,
                data.get("metadataValue", ""),
                visibility,
                "SHEET",
                tab.sheet_id,
            )
        else:
            tab, dimension, start, end = self._dimension(book, location["dimensionRange"])
            if dimension != "ROWS":
                raise bad_request("the fake only implements ROW metadata")
            if end != start + 1:
                raise bad_request("A dimension range for metadata must be a single row or column.")
            if start >= tab.row_count:
                raise bad_request("The dimension range exceeds the grid.")
            item = Metadata(
                int(metadata_id),
                key,
                data.get("metadataValue", ""),
                visibility,
                "ROW",
                tab.sheet_id,
                tab.rows[start],
            )
        self._check_metadata_limit(book, item)
        book.metadata[item.metadata_id] = item
        return {"createDeveloperMetadata": {"developerMetadata": book.metadata_json(item)}}

    @staticmethod
    def _check_metadata_limit(book: Book, item: Metadata) -> None:
        """Google's limit: 30,000 characters (keys and values) per spreadsheet and per sheet."""

        def size(entry: Metadata) -> int:
            return len(entry.key) + len(entry.value)

        same_place = [
            entry
            for entry in book.metadata.values()
            if (entry.location == "SPREADSHEET") == (item.location == "SPREADSHEET")
            and entry.sheet_id == item.sheet_id
        ]
        used = sum(size(entry) for entry in same_place)
        if used + size(item) > METADATA_LIMIT:
            where = "spreadsheet" if item.location == "SPREADSHEET" else f"sheet {item.sheet_id}"
            raise bad_request(
                f"Adding this developer metadata to the {where} would exceed the limit of "
                f"{METADATA_LIMIT} characters (currently {used} characters)."
            )

    def _matching(self, book: Book, data_filter: Json) -> list[Metadata]:
        lookup = data_filter.get("developerMetadataLookup")
        if lookup is None:
            raise bad_request("the fake only implements developerMetadataLookup data filters")
        found = []
        for item in book.metadata.values():
            if "metadataId" in lookup and item.metadata_id != int(lookup["metadataId"]):
                continue
            if "metadataKey" in lookup and item.key != lookup["metadataKey"]:
                continue
            if "metadataValue" in lookup and item.value != lookup["metadataValue"]:
                continue
            if "visibility" in lookup and item.visibility != lookup["visibility"]:
                continue
            if "locationType" in lookup and item.location != lookup["locationType"]:
                continue
            where = lookup.get("metadataLocation")
            if where is not None:
                if where.get("spreadsheet") and item.location != "SPREADSHEET":
                    continue
                if "sheetId" in where and item.sheet_id != where["sheetId"]:
                    continue
            found.append(item)
        return found

    def _req_deleteDeveloperMetadata(self, book: Book, request: Json) -> Json:
        matches = self._matching(book, request.get("dataFilter") or {})
        if not matches and self.strict_metadata_delete:
            raise bad_request("No developer metadata matches the data filter.")
        deleted = [book.metadata_json(item) for item in matches]
        for item in matches:
            del book.metadata[item.metadata_id]
        return {"deleteDeveloperMetadata": {"deletedDeveloperMetadata": deleted}}

    def _req_updateDeveloperMetadata(self, book: Book, request: Json) -> Json:
        names = self._field_list(request)
        data = request.get("developerMetadata") or {}
        matches: list[Metadata] = []
        for data_filter in request.get("dataFilters") or []:
            matches.extend(m for m in self._matching(book, data_filter) if m not in matches)
        for item in matches:
            for name in names:
                if name == "metadataValue":
                    item.value = data.get("metadataValue", "")
                elif name == "metadataKey":
                    item.key = data.get("metadataKey", "")
                else:
                    raise bad_request(f"the fake does not implement updating {name}")
        return {
            "updateDeveloperMetadata": {
                "developerMetadata": [book.metadata_json(m) for m in matches]
            }
        }

    def _req_setDataValidation(self, book: Book, request: Json) -> None:
        grid_range = request.get("range") or {}
        tab, row0, row1, column0, column1 = self._grid_box(book, grid_range)
        rule = request.get("rule")
        bounded = "endRowIndex" in grid_range
        for column in range(column0, column1):
            if not bounded:  # the whole column from row0 down, rows added later included
                if rule is None:
                    tab.column_rules.pop(column, None)
                else:
                    tab.column_rules[column] = (row0, copy.deepcopy(rule))
            for row in range(row0, row1):
                cell = tab.rows[row].get(column)
                if bounded:
                    tab.rows[row].put(column, replace(cell, validation=copy.deepcopy(rule)))
                elif cell.validation is not None:
                    tab.rows[row].put(column, replace(cell, validation=None))

    def _req_addConditionalFormatRule(self, book: Book, request: Json) -> None:
        rule = request.get("rule") or {}
        ranges = rule.get("ranges") or []
        if not ranges:
            raise bad_request("A conditional format rule needs at least one range.")
        if (rule.get("booleanRule") is None) == (rule.get("gradientRule") is None):
            raise bad_request("Exactly one of booleanRule and gradientRule must be set.")
        tab = book.tab_by_id(ranges[0].get("sheetId", 0))
        index = int(request.get("index", 0))
        tab.conditional_formats.insert(index, copy.deepcopy(rule))

    def _req_deleteProtectedRange(self, book: Book, request: Json) -> None:
        wanted = request.get("protectedRangeId")
        for tab in book.tabs:
            for protected in tab.protected_ranges:
                if protected.get("protectedRangeId") == wanted:
                    tab.protected_ranges.remove(protected)
                    return
        raise bad_request(f"No protected range with id: {wanted}")

    def _req_addProtectedRange(self, book: Book, request: Json) -> Json:
        protected = copy.deepcopy(request.get("protectedRange") or {})
        if protected.get("warningOnly") and protected.get("editors"):
            raise bad_request("A warning-only protected range cannot have editors.")
        tab = book.tab_by_id((protected.get("range") or {}).get("sheetId", 0))
        protected["protectedRangeId"] = book.next_protected_id
        book.next_protected_id += 1
        protected.setdefault("requestingUserCanEdit", True)
        tab.protected_ranges.append(protected)
        return {"addProtectedRange": {"protectedRange": protected}}

    # --- values -------------------------------------------------------------------

    def _value_range(self, tab: Tab, box: GridBox, render: str) -> Json:
        end_row = min(box.end_row if box.end_row is not None else tab.row_count, tab.row_count)
        end_column = min(
            box.end_column if box.end_column is not None else tab.column_count, tab.column_count
        )
        values: list[list[Any]] = []
        for index in range(box.start_row, end_row):
            row = tab.rows[index]
            cells: list[Any] = []
            for column in range(box.start_column, end_column):
                cell = row.get(column)
                if (
                    render == "UNFORMATTED_VALUE"
                    and cell.value
                    and "formulaValue" not in cell.value
                ):
                    cells.append(next(iter(cell.value.values())))
                elif render == "FORMULA" and cell.value and "formulaValue" in cell.value:
                    cells.append(cell.value["formulaValue"])
                else:
                    cells.append(cell.formatted())
            while cells and cells[-1] == "":
                cells.pop()
            values.append(cells)
        while values and not values[-1]:
            values.pop()
        shown = (
            f"{quote_title(tab.title)}!{column_letters(box.start_column)}{box.start_row + 1}:"
            f"{column_letters(end_column - 1)}{end_row}"
        )
        result: Json = {"range": shown, "majorDimension": "ROWS"}
        if values:
            result["values"] = values
        return result

    def _values_get(self, params: Mapping[str, list[str]], _body: Any) -> Json:
        box = parse_a1(params["__range"][0])
        tab = self.book.tab(box.title or self.book.tabs[0].title)
        render = params.get("valueRenderOption", ["FORMATTED_VALUE"])[0]
        return self._value_range(tab, box, render)

    def _values_batch_get(self, params: Mapping[str, list[str]], _body: Any) -> Json:
        render = params.get("valueRenderOption", ["FORMATTED_VALUE"])[0]
        ranges = []
        for text in params.get("ranges", []):
            box = parse_a1(text)
            tab = self.book.tab(box.title or self.book.tabs[0].title)
            ranges.append(self._value_range(tab, box, render))
        return {"spreadsheetId": self.spreadsheet_id, "valueRanges": ranges}

    @staticmethod
    def _input_option(body: Json) -> str:
        option = body.get("valueInputOption")
        if option not in ("RAW", "USER_ENTERED"):
            raise bad_request("'valueInputOption' is required but not specified")
        return str(option)

    def _write_values(
        self,
        book: Book,
        tab: Tab,
        box: tuple[int, int, int, int],
        values: list[list[Any]],
        option: str,
    ) -> tuple[int, int]:
        row0, row1, column0, column1 = box
        if len(values) > row1 - row0 or any(len(row) > column1 - column0 for row in values):
            raise bad_request(
                "Requested writing within range, but tried writing beyond the range matched by "
                "the data filter."
            )
        written = 0
        for offset, row in enumerate(values):
            for column, value in enumerate(row):
                entered = _input_value(value, option)
                if entered is None:
                    continue
                target = tab.rows[row0 + offset]
                target.put(column0 + column, replace(target.get(column0 + column), value=entered))
                written += 1
        return written, len(values)

    def _values_batch_update(self, _params: Mapping[str, list[str]], body: Json) -> Json:
        option = self._input_option(body)
        work = self.book.snapshot()
        responses = []
        for item in body.get("data") or []:
            box = parse_a1(item.get("range", ""))
            tab = work.tab(box.title or work.tabs[0].title)
            end_row = box.end_row if box.end_row is not None else tab.row_count
            end_column = box.end_column if box.end_column is not None else tab.column_count
            values = item.get("values") or []
            if box.end_row is None or box.end_column is None:
                end_row = max(end_row, box.start_row + len(values))
            if end_row > tab.row_count:
                raise bad_request("Range exceeds grid limits.")
            cells, rows = self._write_values(
                work, tab, (box.start_row, end_row, box.start_column, end_column), values, option
            )
            responses.append(
                {"updatedRange": item.get("range"), "updatedCells": cells, "updatedRows": rows}
            )
        self.book = work
        return {"spreadsheetId": self.spreadsheet_id, "responses": responses}

    def _values_by_data_filter(self, _params: Mapping[str, list[str]], body: Json) -> Json:
        option = self._input_option(body)
        work = self.book.snapshot()
        responses = []
        total = 0
        for item in body.get("data") or []:
            data_filter = item.get("dataFilter") or {}
            if item.get("majorDimension", "ROWS") != "ROWS":
                raise bad_request("the fake only implements majorDimension ROWS")
            matched = self._matching(work, data_filter)
            entry: Json = {"dataFilter": data_filter}
            for metadata in matched:
                if metadata.row is None:
                    raise bad_request(
                        "A data filter for values must match rows, columns or sheets."
                    )
                tab, index = work.row_position(metadata.row)
                cells, _rows = self._write_values(
                    work,
                    tab,
                    (index, index + 1, 0, tab.column_count),
                    item.get("values") or [],
                    option,
                )
                total += cells
                last_column = column_letters(tab.column_count - 1)
                entry["updatedRange"] = (
                    f"{quote_title(tab.title)}!A{index + 1}:{last_column}{index + 1}"
                )
                entry["updatedRows"] = 1
                entry["updatedCells"] = cells
                if body.get("includeValuesInResponse"):
                    render = body.get("responseValueRenderOption", "FORMATTED_VALUE")
                    entry["updatedData"] = self._value_range(
                        tab, GridBox(tab.title, index, index + 1, 0, tab.column_count), render
                    )
            responses.append(entry)
        self.book = work
        return {
            "spreadsheetId": self.spreadsheet_id,
            "totalUpdatedCells": total,
            "responses": responses,
        }

    def _values_get_by_data_filter(self, _params: Mapping[str, list[str]], body: Json) -> Json:
        """``values:batchGetByDataFilter``: row metadata lookups and grid ranges (ROWS)."""
        if body.get("majorDimension", "ROWS") != "ROWS":
            raise bad_request("the fake only implements majorDimension ROWS")
        render = body.get("valueRenderOption", "FORMATTED_VALUE")
        matched = []
        for data_filter in body.get("dataFilters") or []:
            grid = data_filter.get("gridRange")
            boxes: list[tuple[Tab, GridBox]] = []
            if grid is not None:
                tab = self.book.tab_by_id(grid.get("sheetId", 0))
                boxes.append(
                    (
                        tab,
                        GridBox(
                            tab.title,
                            int(grid.get("startRowIndex", 0)),
                            grid.get("endRowIndex"),
                            int(grid.get("startColumnIndex", 0)),
                            grid.get("endColumnIndex"),
                        ),
                    )
                )
            else:
                for metadata in self._matching(self.book, data_filter):
                    if metadata.row is None:
                        raise bad_request("A data filter for values must match rows.")
                    tab, index = self.book.row_position(metadata.row)
                    boxes.append((tab, GridBox(tab.title, index, index + 1, 0, None)))
            for tab, box in boxes:
                matched.append(
                    {
                        "valueRange": self._value_range(tab, box, render),
                        "dataFilters": [data_filter],
                    }
                )
        return {"spreadsheetId": self.spreadsheet_id, "valueRanges": matched}

    def _metadata_search(self, _params: Mapping[str, list[str]], body: Json) -> Json:
        positions = self.book.row_positions()
        found = []
        for data_filter in body.get("dataFilters") or []:
            for item in self._matching(self.book, data_filter):
                found.append(
                    {
                        "developerMetadata": self.book.metadata_json(item, positions),
                        "dataFilters": [data_filter],
                    }
                )
        return {"matchedDeveloperMetadata": found} if found else {}


def _sub_mask(mask: Any, *path: str) -> Any:
    """The mask under ``path`` (``None``: everything is selected there)."""
    node = mask
    for part in path:
        if node is None or node is True or (isinstance(node, dict) and "*" in node):
            return None
        node = node.get(part, {})
    return None if node is True else node


def _status_error(status: int) -> ApiError:
    names = {
        400: ("INVALID_ARGUMENT", "Invalid request (injected)."),
        401: ("UNAUTHENTICATED", "Request had invalid authentication credentials."),
        403: ("PERMISSION_DENIED", "The caller does not have permission"),
        404: ("NOT_FOUND", "Requested entity was not found."),
        429: (
            "RESOURCE_EXHAUSTED",
            "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per "
            "minute per user' of service 'sheets.googleapis.com'.",
        ),
        500: ("INTERNAL", "Internal error encountered."),
        503: ("UNAVAILABLE", "The service is currently unavailable."),
    }
    status_name, message = names.get(status, ("UNKNOWN", f"HTTP {status} (injected)."))
    return ApiError(status, message, status_name)


def _response(request: requests.PreparedRequest, status: int, payload: Json) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(payload).encode("utf-8")
    response.headers = CaseInsensitiveDict({"Content-Type": "application/json; charset=UTF-8"})
    response.url = request.url or ""
    response.request = request
    response.encoding = "utf-8"
    try:
        response.reason = HTTPStatus(status).phrase
    except ValueError:
        response.reason = "Unknown"
    return response


class _Adapter(BaseAdapter):
    def __init__(self, fake: FakeSheets) -> None:
        super().__init__()
        self.fake = fake

    @override
    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        return self.fake.handle(request, timeout)

    def close(self) -> None:
        pass


class _NoNetwork(BaseAdapter):
    @override
    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        raise AssertionError(f"a test tried to reach {request.url}: tests use no real network")

    def close(self) -> None:
        pass


def make_google_store(
    fake: FakeSheets,
    config: WorkbookConfig,
    *,
    credentials: Credentials | None = None,
) -> GoogleSheetsStore:
    """A :class:`GoogleSheetsStore` wired to ``fake``: static token, virtual clock and sleep.

    ``credentials`` (e.g. service-account credentials) only name the account in
    messages; requests always carry the fake's static token.
    """
    return GoogleSheetsStore(
        fake.spreadsheet_id,
        config,
        credentials=credentials,
        session=fake.session(),
        clock=fake.clock.now,
        sleep=fake.clock.sleep,
    )

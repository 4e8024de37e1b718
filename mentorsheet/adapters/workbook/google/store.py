"""The programme workbook as a Google Sheet, through the Sheets v4 REST API.

The HTTP layer is gspread 6's thin :class:`~gspread.http_client.HTTPClient`
over a google-auth ``AuthorizedSession`` (passed in, never patched), with a
timeout on every request. The spreadsheet is opened by key, never by title.

Request budget
--------------
Sheets allows 60 requests a minute per user, so a whole ``run`` costs a fixed
number of requests whatever the row count: **at most 3 reads and 5 writes**,
the run lease included. Only extra flushes of a long send batch add one write
each, and only waiting for another run's lease, or recovering from a failed
request, adds more.

======================  =====  ======  ==========================================
step                    reads  writes  request
======================  =====  ======  ==========================================
session enter           1      1       ``spreadsheets.get`` (tabs, developer
                                       metadata); ``batchUpdate`` taking the lease
``read()``              1              ``spreadsheets.get`` of every tab's cells
first ``write()``       1      1       ``spreadsheets.get`` of Pairings (re-locate
                                       rows by Pairing ID); one atomic
                                       ``batchUpdate``
each later ``write()``         1       ``values:batchUpdateByDataFilter`` on the
                                       rows tagged by the first write
``set_marker()``               1       ``batchUpdate`` (spreadsheet metadata)
``finish()``                   1       one atomic ``batchUpdate``: Problems,
                                       Runs, tags and lease removed
======================  =====  ======  ==========================================

A step a command does not need costs nothing: a ``run`` that writes, flushes
once and records the digest costs 3 reads and 5 writes (measured the same on a
5,000-row Pairings tab as on a 20-row one); ``propose`` 3 reads and 3 writes; a
run with nothing to write 2 reads and 2 writes; any ``--dry-run`` and
``doctor`` 2 reads and no writes; ``init`` at most 2 reads and 1 write. Each
extra flush of a long send batch adds 1 write, and taking the digest marker
back after a failed digest adds 1.

Landing writes on the right row
-------------------------------
Rows are never addressed by the numbers seen at ``read()``: staff may insert,
delete or sort rows at any moment. The first write re-reads the Pairings tab
just before writing and locates each row by its Pairing ID (a missing or
duplicated ID, or a Status that is no longer the expected one, is skipped and
reported). Its single ``batchUpdate`` then, atomically: writes the cells
(``stringValue``: user text is never parsed as a formula), inserts the new
rows at the end of the data (inserting, not overwriting, so a row a person
adds at the same moment is pushed down rather than lost), and tags every row
it touched or added with ROW developer metadata (``mentorsheet.pairing``).
Sheets keeps such metadata on its row wherever the row moves, and deletes it
with the row. The response carries the Pairing ID column so the store checks
each tag sits on the row with the right ID.

Later writes of the run (the flushes of the sending loop) address the tagged
rows through ``developerMetadataLookup`` data filters, with no extra read: the
filter finds the row wherever it now is, a deleted row matches nothing (the
update is skipped and reported), and the updated row comes back in the
response so its Pairing ID is checked again. A row not tagged this run falls
back to the re-locating read. Tags are removed by ``finish()`` (per-sheet
metadata is limited in size), and a tag left by a killed run is ignored: each
carries its run's token.

The one window this cannot close is the second or so between the re-locating
read and the first write: if rows move exactly then, the check on the response
finds it and the run stops with an error naming the pairings to look at.

The run lease
-------------
Spreadsheet-level developer metadata ``mentorsheet.lease`` holds the holder,
a random token and an expiry. It is created with a fixed ``metadataId``:
metadata IDs are unique within a spreadsheet, so when two runs race for the
lease Sheets accepts one creation and rejects the other (compare-and-swap),
rather than both believing they won. Taking over an expired lease deletes it
(matched by ID *and* its old value) and creates ours in the same atomic
request. A run that finds a live lease polls (injected ``sleep``) until
``wait_seconds`` pass, then raises :class:`RunInProgressError`. ``read()``
confirms the lease is still ours. A killed run's lease expires after
``lease_minutes``; an exception releases it at once (best effort).

Retries
-------
Reads and idempotent writes failing with 429, 5xx, a timeout or a dropped
connection are retried by ``stamina`` (bounded exponential backoff with
jitter, ``max_attempts`` in all), never by gspread's unbounded
``BackOffHTTPClient``. Writes that are not idempotent re-read before trying
again: the first write re-locates rows and only adds Pairing IDs that are not
there yet (a lost response never duplicates a row), the lease creation checks
whether the lease is already ours, and ``finish()`` checks whether the lease
is gone (its request removes the lease atomically with the Runs row).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final, TypeVar

import google.auth.exceptions
import requests
import stamina
from google.auth.credentials import Credentials
from google.auth.transport.requests import AuthorizedSession
from gspread.exceptions import APIError, NoValidUrlKeyFound
from gspread.http_client import FileType, HTTPClient, ParamsType
from gspread.urls import SPREADSHEETS_API_V4_BASE_URL
from gspread.utils import absolute_range_name, extract_id_from_url, rowcol_to_a1
from typing_extensions import override

from mentorsheet.adapters.google_auth import SHEETS_SCOPE, load_credentials, service_account_email
from mentorsheet.adapters.workbook.contract import (
    PairingUpdate,
    RequestStats,
    SkippedWrite,
    WriteOutcome,
)
from mentorsheet.config import WorkbookConfig
from mentorsheet.core.model import Problem
from mentorsheet.core.raw import RawTab, RawWorkbook
from mentorsheet.core.schema import (
    COLUMNS,
    DROPDOWNS,
    MENTORSHEET_PAIRING_COLUMNS,
    PAIRINGS,
    PROBLEMS,
    RUNS,
    STAFF_PAIRING_COLUMNS,
    STRICT_DROPDOWNS,
    TABS,
    header_key,
    resolve_columns,
    same_status,
)
from mentorsheet.core.statuses import STATUS_COLOURS
from mentorsheet.errors import (
    ConfigError,
    CredentialsError,
    MentorsheetError,
    MissingTabError,
    RunInProgressError,
    TransientError,
    WorkbookAccessError,
    WorkbookError,
)

log = logging.getLogger(__name__)

Json = dict[str, Any]
T = TypeVar("T")

LEASE_KEY: Final = "mentorsheet.lease"
# Fixed so that two racing runs cannot both create a lease (IDs are unique per spreadsheet).
LEASE_ID: Final = 0x6D656E74  # "ment", a positive int32
MARKER_PREFIX: Final = "mentorsheet.marker."
TAG_KEY: Final = "mentorsheet.pairing"
POLL_SECONDS: Final = 5.0

SHEETS_EPOCH: Final = datetime(1899, 12, 30)

_CELL_FIELDS: Final = "formattedValue,effectiveValue,effectiveFormat(numberFormat(type))"
_META_FIELDS: Final = "metadataId,metadataKey,metadataValue"
ENTER_FIELDS: Final = (
    f"spreadsheetId,developerMetadata({_META_FIELDS}),"
    "sheets(properties(sheetId,title,index,gridProperties(rowCount,columnCount,frozenRowCount)))"
)
READ_FIELDS: Final = (
    f"developerMetadata({_META_FIELDS}),"
    "sheets(properties(sheetId,title,gridProperties(rowCount,columnCount)),"
    f"data(startRow,rowData(values({_CELL_FIELDS}))))"
)
RELOCATE_FIELDS: Final = (
    "sheets(properties(sheetId,title,gridProperties(rowCount,columnCount)),"
    f"data(startRow,rowData(values({_CELL_FIELDS})),"
    f"rowMetadata(developerMetadata({_META_FIELDS}))))"
)
WRITE_RESPONSE_FIELDS: Final = (
    "replies(createDeveloperMetadata(developerMetadata(metadataId,metadataValue,location))),"
    f"updatedSpreadsheet(sheets(properties(title),data(startRow,rowData(values({_CELL_FIELDS})))))"
)
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
PROTECTED_PAIRINGS_COLUMNS: Final = tuple(
    column for column in COLUMNS[PAIRINGS] if column not in STAFF_PAIRING_COLUMNS
)
WHOLE_TAB_PROTECTED: Final = (PROBLEMS, RUNS)


# --- cells --------------------------------------------------------------------


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


def _text_cell(text: str) -> Json:
    # stringValue is stored as typed: "=IMPORTXML(...)" stays text, never a formula.
    return {"userEnteredValue": {"stringValue": text}} if text != "" else {}


def _strip_trailing(cells: Sequence[str]) -> tuple[str, ...]:
    end = len(cells)
    while end and cells[end - 1] == "":
        end -= 1
    return tuple(cells[:end])


def _grid_texts(sheet: Mapping[str, Any]) -> list[tuple[str, ...]]:
    """Every row of a sheet's first grid range as texts, indexed from the range's start row."""
    grids = sheet.get("data") or [{}]
    grid = grids[0]
    start = int(grid.get("startRow", 0))
    rows: list[tuple[str, ...]] = [() for _ in range(start)]
    for row in grid.get("rowData") or []:
        rows.append(_strip_trailing([cell_text(cell) for cell in (row.get("values") or [])]))
    return rows


def _raw_tab(title: str, sheet: Mapping[str, Any]) -> RawTab:
    rows = _grid_texts(sheet)
    while rows and not rows[-1]:
        rows.pop()
    header = rows[0] if rows else ()
    return RawTab(title=title, header=header, rows=tuple(rows[1:]))


def _column_letter(index: int) -> str:
    return re.sub(r"\d+", "", rowcol_to_a1(1, index + 1))


def _cell_runs(cells: Mapping[int, str]) -> Iterator[tuple[int, list[str]]]:
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


# --- the HTTP layer -------------------------------------------------------------


class _CountingHTTPClient(HTTPClient):
    """gspread's thin client, counting every request it sends (retries included)."""

    def __init__(self, auth: Credentials | None, session: requests.Session) -> None:
        super().__init__(auth, session=session)  # type: ignore[arg-type]
        self.reads = 0
        self.writes = 0

    @override
    def request(
        self,
        method: str,
        endpoint: str,
        params: ParamsType | None = None,
        data: bytes | None = None,
        json: Mapping[str, Any] | None = None,
        files: FileType = None,
        headers: Any = None,
    ) -> requests.Response:
        if method.lower() == "get" or endpoint.endswith("developerMetadata:search"):
            self.reads += 1
        else:
            self.writes += 1
        return super().request(
            method, endpoint, params=params, data=data, json=json, files=files, headers=headers
        )


class _RequestRejected(WorkbookError):
    """Sheets answered 400: the request itself was refused (not retried)."""


def _status_of(exc: APIError) -> int:
    return int(exc.response.status_code)


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, APIError):
        status = _status_of(exc)
        return status == 429 or status >= 500
    return isinstance(
        exc,
        requests.Timeout
        | requests.ConnectionError
        | requests.exceptions.ChunkedEncodingError
        | google.auth.exceptions.TransportError,
    )


class SheetsApi:
    """The few Sheets v4 calls the store makes, with retries and errors mapped."""

    def __init__(
        self,
        key: str,
        client: _CountingHTTPClient,
        *,
        attempts: int,
        account: str | None,
    ) -> None:
        self.key = key
        self.client = client
        self.attempts = attempts
        self.account = account

    @property
    def stats(self) -> RequestStats:
        return RequestStats(reads=self.client.reads, writes=self.client.writes)

    # Each call is one HTTP request; ``run`` adds the retries.

    def get(self, params: ParamsType) -> Json:
        result: Json = self.client.spreadsheets_get(self.key, params=params)
        return result

    def batch_update(self, body: Mapping[str, Any], *, fields: str | None = None) -> Json:
        url = f"{SPREADSHEETS_API_V4_BASE_URL}/{self.key}:batchUpdate"
        params: ParamsType | None = {"fields": fields} if fields else None
        result: Json = self.client.request("post", url, params=params, json=body).json()
        return result

    def update_by_data_filter(self, body: Mapping[str, Any]) -> Json:
        url = f"{SPREADSHEETS_API_V4_BASE_URL}/{self.key}/values:batchUpdateByDataFilter"
        result: Json = self.client.request("post", url, json=body).json()
        return result

    def run(self, what: str, call: Callable[[int], T]) -> T:
        """``call(attempt_number)`` with bounded, jittered exponential backoff; errors mapped."""
        try:
            for attempt in stamina.retry_context(
                on=_retryable,
                attempts=self.attempts,
                timeout=None,
                wait_initial=2.0,
                wait_max=32.0,
                wait_jitter=1.0,
            ):
                with attempt:
                    return call(attempt.num)
        except APIError as exc:
            raise self._error(exc, what) from None
        except (requests.RequestException, google.auth.exceptions.TransportError) as exc:
            raise TransientError(
                f"Google Sheets did not answer in time to {what} after {self.attempts} "
                f"attempt(s) ({type(exc).__name__}); check the connection and try again."
            ) from None
        except google.auth.exceptions.RefreshError:
            raise CredentialsError(
                "Google refused to issue an access token for these credentials: check the "
                "service-account key in GOOGLE_APPLICATION_CREDENTIALS is current."
            ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _error(self, exc: APIError, what: str) -> MentorsheetError:
        status = _status_of(exc)
        message = str(exc.error.get("message", "")).strip()
        who = self.account or "the service account mentorsheet runs as"
        if status == 401:
            return CredentialsError(
                "Google did not accept the credentials (HTTP 401): check that "
                "GOOGLE_APPLICATION_CREDENTIALS names a current service-account key."
            )
        if status == 403 and ("has not been used" in message or "is disabled" in message):
            return WorkbookAccessError(
                "The Google Sheets API is not enabled for the credentials' Cloud project: "
                "enable it in the Google Cloud console (APIs & Services)."
            )
        if status == 403:
            return WorkbookAccessError(
                f"Google Sheets refused access to spreadsheet {self.key!r}: share it with "
                f"{who} as Editor."
            )
        if status == 404:
            return WorkbookAccessError(
                f"Google Sheets found no spreadsheet {self.key!r}: check workbook.spreadsheet, "
                f"and that the sheet is shared with {who} as Editor."
            )
        if status == 429 or status >= 500:
            return TransientError(
                f"Google Sheets kept failing to {what} (HTTP {status}) after {self.attempts} "
                "attempt(s); try again in a few minutes."
            )
        return _RequestRejected(f"Google Sheets refused to {what}: {message or f'HTTP {status}'}")


# --- the store ------------------------------------------------------------------


@dataclass
class _TabInfo:
    sheet_id: int
    title: str
    index: int
    row_count: int
    column_count: int
    frozen_rows: int = 0


@dataclass(frozen=True)
class _Lease:
    metadata_id: int
    value: str
    holder: str
    token: str
    expires: datetime


@dataclass
class _PairingsGrid:
    """The Pairings tab as the re-locating read found it."""

    tab: _TabInfo
    rows: list[tuple[str, ...]]  # by 0-based grid row; rows[0] is the header
    columns: dict[str, int]
    tags: dict[int, list[tuple[int, str, str]]]  # grid row -> (metadataId, run token, Pairing ID)

    def text(self, row: int, column: int) -> str:
        cells = self.rows[row] if row < len(self.rows) else ()
        return cells[column] if column < len(cells) else ""

    def rows_by_id(self) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        id_column = self.columns["Pairing ID"]
        for row in range(1, len(self.rows)):
            pairing_id = self.text(row, id_column).strip()
            if pairing_id:
                found.setdefault(pairing_id, []).append(row)
        return found

    def data_end(self) -> int:
        """The grid index just after the last row holding anything (at least 1)."""
        for row in range(len(self.rows) - 1, 0, -1):
            if any(text.strip() for text in self.rows[row]):
                return row + 1
        return 1


@dataclass
class _Plan:
    requests: list[Json] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)
    skipped: list[SkippedWrite] = field(default_factory=list)
    tag_rows: list[tuple[int, str]] = field(default_factory=list)  # (grid row, Pairing ID) to tag
    adopted: dict[str, int] = field(default_factory=dict)  # Pairing ID -> existing tag id
    statuses: dict[str, str] = field(default_factory=dict)


def _lease_of(metadata: Sequence[Mapping[str, Any]]) -> _Lease | None:
    for item in metadata:
        if item.get("metadataId") == LEASE_ID or item.get("metadataKey") == LEASE_KEY:
            value = str(item.get("metadataValue", ""))
            try:
                data = json.loads(value)
                expires = datetime.fromisoformat(str(data["expires"]))
                if expires.tzinfo is None:
                    expires = expires.replace(tzinfo=UTC)
                return _Lease(
                    metadata_id=int(item.get("metadataId", 0)),
                    value=value,
                    holder=str(data.get("holder", "another run")),
                    token=str(data.get("token", "")),
                    expires=expires,
                )
            except (ValueError, KeyError, TypeError):
                # Unreadable: treat as expired rather than block every run forever.
                return _Lease(
                    int(item.get("metadataId", 0)),
                    value,
                    "unknown",
                    "",
                    datetime.min.replace(tzinfo=UTC),
                )
    return None


def _markers_of(metadata: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    markers: dict[str, str] = {}
    for item in sorted(metadata, key=lambda m: int(m.get("metadataId", 0))):
        key = str(item.get("metadataKey", ""))
        if key.startswith(MARKER_PREFIX):
            markers[key[len(MARKER_PREFIX) :]] = str(item.get("metadataValue", ""))
    return markers


def _tab_infos(spreadsheet: Mapping[str, Any]) -> dict[str, _TabInfo]:
    tabs: dict[str, _TabInfo] = {}
    for sheet in spreadsheet.get("sheets") or []:
        props = sheet.get("properties") or {}
        grid = props.get("gridProperties") or {}
        title = str(props.get("title", ""))
        tabs[title] = _TabInfo(
            sheet_id=int(props.get("sheetId", 0)),
            title=title,
            index=int(props.get("index", len(tabs))),
            row_count=int(grid.get("rowCount", 0)),
            column_count=int(grid.get("columnCount", 0)),
            frozen_rows=int(grid.get("frozenRowCount", 0)),
        )
    return tabs


def _sheet_by_title(spreadsheet: Mapping[str, Any], title: str) -> Json | None:
    for sheet in spreadsheet.get("sheets") or []:
        if (sheet.get("properties") or {}).get("title") == title:
            found: Json = sheet
            return found
    return None


def _check_owned(update: PairingUpdate) -> None:
    # Staff own the other cells of an existing row: never write them.
    foreign = [column for column in update.values if column not in MENTORSHEET_PAIRING_COLUMNS]
    if foreign:
        raise WorkbookError(
            f"refusing to update {', '.join(foreign)} of pairing {update.pairing_id!r}: "
            "mentorsheet only writes " + ", ".join(sorted(MENTORSHEET_PAIRING_COLUMNS))
        )


def _check_known(tab: str, values: Mapping[str, str], what: str) -> None:
    unknown = [column for column in values if column not in COLUMNS[tab]]
    if unknown:
        raise WorkbookError(f"{what} names no {tab} column: {', '.join(unknown)}")


# --- request builders (shapes as in the Sheets v4 discovery document) -------------------

SPREADSHEET: Final[Json] = {"spreadsheet": True}  # a metadata location


def _lookup(**fields: Any) -> Json:
    return {"developerMetadataLookup": fields}


def _delete_metadata(**lookup: Any) -> Json:
    return {"deleteDeveloperMetadata": {"dataFilter": _lookup(**lookup)}}


def _create_metadata(
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


def _rows(sheet_id: int, start: int, end: int) -> Json:
    return {"sheetId": sheet_id, "dimension": "ROWS", "startIndex": start, "endIndex": end}


def _row_texts(columns: Mapping[str, int], values: Mapping[str, str]) -> list[str]:
    """``values`` (by canonical column) placed by header position; absent columns left out."""
    texts = [""] * (max(columns.values()) + 1)
    for column, text in values.items():
        if column in columns:
            texts[columns[column]] = text
    return list(_strip_trailing(texts))


def _write_cells(sheet_id: int, row: int, column: int, rows: Sequence[Sequence[str]]) -> Json:
    start = {"sheetId": sheet_id, "rowIndex": row, "columnIndex": column}
    data = [{"values": [_text_cell(text) for text in texts]} for texts in rows]
    return {"updateCells": {"start": start, "rows": data, "fields": "userEnteredValue"}}


def _append_cells(sheet_id: int, rows: Sequence[Sequence[str]]) -> Json:
    data = [{"values": [_text_cell(text) for text in texts]} for texts in rows]
    return {"appendCells": {"sheetId": sheet_id, "rows": data, "fields": "userEnteredValue"}}


class GoogleSheetsSession:
    """One run's session on the spreadsheet: see the module docstring for its requests."""

    def __init__(self, store: GoogleSheetsStore, holder: str, *, dry_run: bool) -> None:
        self._store = store
        self._api = store.api()
        self._config = store.config
        self._holder = holder
        self._dry_run = dry_run
        self._token = secrets.token_hex(8)
        self._lease_value = ""
        self._lease_expires = datetime.min.replace(tzinfo=UTC)
        self._holding = False
        self._tabs: dict[str, _TabInfo] = {}
        self._titles: tuple[str, ...] = ()
        self._headers: dict[str, tuple[str, ...]] = {}
        self._markers_present: set[str] = set()
        self._columns: dict[str, int] = {}
        self._tags: dict[str, int] = {}  # Pairing ID -> this run's row tag
        self._statuses: dict[str, str] = {}  # Pairing ID -> Status as last read or written
        self._stale_tags = False
        self._open = True
        self._finished = False

    @property
    def stats(self) -> RequestStats:
        return self._api.stats

    # --- lease ------------------------------------------------------------------

    def enter(self) -> None:
        if self._dry_run:
            self._absorb(self._fetch_spreadsheet())
            return
        self._acquire()

    def _fetch_spreadsheet(self) -> Json:
        return self._api.run("open the spreadsheet", lambda _n: self._fetch_spreadsheet_once())

    def _fetch_spreadsheet_once(self) -> Json:
        return self._api.get({"fields": ENTER_FIELDS})

    def _absorb(self, spreadsheet: Mapping[str, Any]) -> list[Json]:
        self._tabs = _tab_infos(spreadsheet)
        self._titles = tuple(sorted(self._tabs, key=lambda title: self._tabs[title].index))
        metadata: list[Json] = list(spreadsheet.get("developerMetadata") or [])
        self._markers_present = {
            str(m.get("metadataKey"))
            for m in metadata
            if str(m.get("metadataKey", "")).startswith(MARKER_PREFIX)
        }
        return metadata

    def _acquire(self) -> None:
        clock, sleep = self._store.clock, self._store.sleep
        deadline = clock() + timedelta(seconds=self._config.wait_seconds)
        refused: str | None = None
        while True:
            lease = _lease_of(self._absorb(self._fetch_spreadsheet()))
            now = clock()
            if lease is not None and lease.token == self._token:
                self._lease_value, self._lease_expires = lease.value, lease.expires
                self._holding = True
                return
            if lease is None or lease.expires <= now:
                refusal = self._try_take(lease, now)
                if refusal is None:
                    return
                if refused is not None:
                    # Refused again with the lease free: the winner of a race may have
                    # finished already. Keep trying, slowly, until the deadline.
                    if now >= deadline:
                        raise WorkbookError(f"Google Sheets refused the run lease: {refusal}")
                    sleep(max(0.0, min(POLL_SECONDS, (deadline - now).total_seconds())))
                refused = refusal
                continue  # someone else's creation won: look again
            if now >= deadline:
                raise RunInProgressError(
                    f"Another mentorsheet run ({lease.holder}) is using the spreadsheet until "
                    f"{lease.expires.astimezone(UTC):%Y-%m-%d %H:%M} UTC; this run waited "
                    f"{self._config.wait_seconds:g} s and changed nothing — try again later."
                )
            sleep(max(0.0, min(POLL_SECONDS, (deadline - now).total_seconds())))
            refused = None

    def _try_take(self, expired: _Lease | None, now: datetime) -> str | None:
        """Create our lease (replacing an expired one); the refusal text if another run won."""
        expires = now + timedelta(minutes=self._config.lease_minutes)
        value = json.dumps(
            {"holder": self._holder, "token": self._token, "expires": expires.isoformat()},
            separators=(",", ":"),
        )
        requests_: list[Json] = []
        if expired is not None:  # matched by its value too: never delete a fresh one
            requests_.append(
                _delete_metadata(metadataId=expired.metadata_id, metadataValue=expired.value)
            )
        requests_.append(_create_metadata(LEASE_KEY, value, SPREADSHEET, metadata_id=LEASE_ID))

        def take(attempt: int) -> None:
            if attempt > 1:  # a lost response may have created it already
                lease = _lease_of(self._absorb(self._fetch_spreadsheet_once()))
                if lease is not None and lease.token == self._token:
                    return
            self._api.batch_update({"requests": requests_}, fields="spreadsheetId")

        try:
            self._api.run("take the run lease", take)
        except _RequestRejected as exc:
            return str(exc)
        self._lease_value = value
        self._lease_expires = expires
        self._holding = True
        return None

    def _check_lease(self, lease: _Lease | None) -> None:
        if lease is None or lease.token != self._token:
            holder = f" ({lease.holder})" if lease is not None else ""
            raise RunInProgressError(
                f"This run's lease on the spreadsheet was taken over by another run{holder} "
                "(it ran longer than workbook.lease_minutes); it stopped before writing more."
            )

    def _check_writable(self, what: str) -> None:
        if self._dry_run:
            raise WorkbookError(f"dry run: refusing to {what} in {self._store.describe()}")
        if not self._open:
            raise WorkbookError(f"the session on {self._store.describe()} is closed")
        if self._finished:
            raise WorkbookError(f"the run on {self._store.describe()} has already finished")
        if self._store.clock() >= self._lease_expires:
            raise RunInProgressError(
                f"This run's lease on {self._store.describe()} expired at "
                f"{self._lease_expires:%Y-%m-%d %H:%M} UTC (workbook.lease_minutes), so another "
                f"run may have started; it stopped before it could {what}."
            )

    def release(self) -> None:
        """Best effort, one request: drop the lease (and row tags) after an exception."""
        self._open = False
        if not self._holding or self._finished:
            return
        if self._store.clock() >= self._lease_expires:
            # The lease may be another run's by now: leave its lease and tags alone.
            self._holding = False
            return
        requests_ = [*self._tag_cleanup(), self._lease_delete()]
        try:
            self._api.batch_update({"requests": requests_}, fields="spreadsheetId")
        except Exception as exc:  # the run is failing already, and the lease expires anyway
            log.warning(
                "could not release the run lease (%s); it expires by itself after %s minutes",
                type(exc).__name__,
                self._config.lease_minutes,
            )
        self._holding = False

    def close(self) -> None:
        self._open = False

    def _lease_delete(self) -> Json:
        return _delete_metadata(metadataId=LEASE_ID, metadataValue=self._lease_value)

    def _tag_cleanup(self) -> list[Json]:
        if not self._tags and not self._stale_tags:
            return []
        return [_delete_metadata(metadataKey=TAG_KEY, locationType="ROW")]

    # --- read -------------------------------------------------------------------

    def read(self) -> RawWorkbook:
        titles = {tab: self._config.tab_title(tab) for tab in TABS}
        present = {tab: title for tab, title in titles.items() if title in self._tabs}
        params: ParamsType
        if present:
            params = {
                "ranges": [absolute_range_name(title) for title in present.values()],
                "includeGridData": "true",
                "fields": READ_FIELDS,
            }
        else:
            params = {"fields": f"developerMetadata({_META_FIELDS})"}
        spreadsheet = self._api.run("read the spreadsheet", lambda _n: self._api.get(params))
        metadata: list[Json] = list(spreadsheet.get("developerMetadata") or [])
        if not self._dry_run:
            self._check_lease(_lease_of(metadata))
        self._markers_present |= {
            str(m.get("metadataKey"))
            for m in metadata
            if str(m.get("metadataKey", "")).startswith(MARKER_PREFIX)
        }
        tabs: dict[str, RawTab] = {}
        for tab, title in present.items():
            sheet = _sheet_by_title(spreadsheet, title)
            if sheet is None:
                continue
            info = _tab_infos({"sheets": [sheet]}).get(title)
            if info is not None:
                info.index = self._tabs[title].index
                self._tabs[title] = info
            tabs[tab] = _raw_tab(title, sheet)
            self._headers[tab] = tabs[tab].header
        return RawWorkbook(tabs=tabs, titles=self._titles, markers=_markers_of(metadata))

    # --- write ------------------------------------------------------------------

    def write(
        self,
        new_rows: Sequence[Mapping[str, str]],
        updates: Sequence[PairingUpdate],
        *,
        durable: bool = True,  # every Sheets write is durable anyway: ignored
    ) -> WriteOutcome:
        self._check_writable("write Pairings rows")
        if not new_rows and not updates:
            return WriteOutcome()
        for update in updates:
            _check_owned(update)
        for values in new_rows:
            _check_known(PAIRINGS, values, "a new Pairings row")
        if not new_rows and all(
            u.pairing_id.strip() in self._tags and not u.recheck for u in updates
        ):
            try:
                return self._write_tagged(updates)
            except _RequestRejected as exc:
                log.info("data-filter write refused (%s); re-locating rows instead", exc)
        return self._write_located(new_rows, updates)

    def _relocate(self) -> _PairingsGrid:
        title = self._config.tab_title(PAIRINGS)
        params: ParamsType = {
            "ranges": [absolute_range_name(title)],
            "includeGridData": "true",
            "fields": RELOCATE_FIELDS,
        }
        spreadsheet = self._api.get(params)
        sheet = _sheet_by_title(spreadsheet, title)
        if sheet is None:
            raise MissingTabError(title, self._titles)
        info = _tab_infos({"sheets": [sheet]})[title]
        rows = _grid_texts(sheet)
        header = rows[0] if rows else ()
        columns = resolve_columns(PAIRINGS, header, self._config.headers.get(PAIRINGS))
        tags: dict[int, list[tuple[int, str, str]]] = {}
        grid = (sheet.get("data") or [{}])[0]
        start = int(grid.get("startRow", 0))
        for offset, meta in enumerate(grid.get("rowMetadata") or []):
            for item in meta.get("developerMetadata") or []:
                if item.get("metadataKey") != TAG_KEY:
                    continue
                try:
                    tag = json.loads(str(item.get("metadataValue", "")))
                    entry = (int(item["metadataId"]), str(tag["run"]), str(tag["id"]))
                except (ValueError, KeyError, TypeError):
                    entry = (int(item.get("metadataId", 0)), "", "")
                tags.setdefault(start + offset, []).append(entry)
        return _PairingsGrid(tab=info, rows=rows, columns=columns, tags=tags)

    def _write_located(
        self, new_rows: Sequence[Mapping[str, str]], updates: Sequence[PairingUpdate]
    ) -> WriteOutcome:
        # IDs skipped by the request that was sent (already there before this write).
        first_skips: set[str] = set()
        sent = False

        def attempt(_number: int) -> WriteOutcome:
            nonlocal sent
            grid = self._relocate()
            # After a sent request failed, rows it added may be there: they count as done.
            plan = self._plan(grid, new_rows, updates, retry=sent, first_skips=first_skips)
            tags = dict(plan.adopted)
            if plan.requests:
                if not sent:
                    first_skips.update(s.pairing_id.strip() for s in plan.skipped)
                    sent = True
                response = self._api.batch_update(
                    {
                        "requests": plan.requests,
                        "includeSpreadsheetInResponse": True,
                        "responseRanges": [
                            absolute_range_name(
                                grid.tab.title,
                                f"{_column_letter(grid.columns['Pairing ID'])}:"
                                f"{_column_letter(grid.columns['Pairing ID'])}",
                            )
                        ],
                        "responseIncludeGridData": True,
                    },
                    fields=WRITE_RESPONSE_FIELDS,
                )
                tags.update(self._verify_tags(response, plan))
            self._columns = grid.columns
            self._tags.update(tags)
            self._statuses.update(plan.statuses)
            self._stale_tags = self._stale_tags or any(
                run != self._token for entries in grid.tags.values() for _id, run, _pid in entries
            )
            return WriteOutcome(applied=tuple(plan.applied), skipped=tuple(plan.skipped))

        return self._api.run("write the Pairings tab", attempt)

    def _plan(
        self,
        grid: _PairingsGrid,
        new_rows: Sequence[Mapping[str, str]],
        updates: Sequence[PairingUpdate],
        *,
        retry: bool,
        first_skips: set[str],
    ) -> _Plan:
        plan = _Plan()
        sheet_id = grid.tab.sheet_id
        columns = grid.columns
        status_column = columns["Status"]
        rows_by_id = grid.rows_by_id()
        ours = {
            row: (metadata_id, pairing_id)
            for row, entries in grid.tags.items()
            for metadata_id, run, pairing_id in entries
            if run == self._token
        }

        def tag(row: int, pairing_id: str) -> None:
            mine = ours.get(row)
            if mine is not None and mine[1] == pairing_id:
                plan.adopted[pairing_id] = mine[0]
            else:
                plan.tag_rows.append((row, pairing_id))

        cell_requests: list[Json] = []
        for update in updates:
            pairing_id = update.pairing_id.strip()
            rows = rows_by_id.get(pairing_id, [])
            reason = ""
            if not rows:
                reason = "no Pairings row has this Pairing ID now (deleted or changed by staff?)"
            elif len(rows) > 1:
                shown = ", ".join(str(row + 1) for row in rows)
                reason = f"this Pairing ID is on rows {shown}: it is not clear which one to update"
            if reason:
                plan.skipped.append(SkippedWrite(update.pairing_id, reason))
                continue
            row = rows[0]
            missing = [column for column in update.values if column not in columns]
            if missing:
                plan.skipped.append(
                    SkippedWrite(
                        update.pairing_id, f"the Pairings tab has no {', '.join(missing)} column"
                    )
                )
                continue
            cells = {columns[column]: text for column, text in update.values.items()}
            already = all(grid.text(row, position) == text for position, text in cells.items())
            current = grid.text(row, status_column)
            if (
                update.expect_status is not None
                and not same_status(current, update.expect_status)
                and not (retry and already)
            ):
                plan.skipped.append(
                    SkippedWrite(
                        update.pairing_id,
                        f"its Status is now {current.strip() or '(empty)'!r}, not "
                        f"{update.expect_status!r}: it was changed since it was read",
                    )
                )
                continue
            if not already:
                cell_requests.extend(
                    _write_cells(sheet_id, row, start, [texts])
                    for start, texts in _cell_runs(cells)
                )
            plan.applied.append(update.pairing_id)
            plan.statuses[pairing_id] = update.values.get("Status", current)
            tag(row, pairing_id)

        to_add: list[Mapping[str, str]] = []
        batch_ids: set[str] = set()
        for values in new_rows:
            pairing_id = values.get("Pairing ID", "").strip()
            if not pairing_id:
                plan.skipped.append(SkippedWrite("", "a new Pairings row has no Pairing ID"))
                continue
            if pairing_id in batch_ids:
                plan.skipped.append(
                    SkippedWrite(
                        pairing_id, "not added: this Pairing ID appears twice in the batch"
                    )
                )
                continue
            batch_ids.add(pairing_id)
            existing = rows_by_id.get(pairing_id, [])
            if existing and retry and pairing_id not in first_skips and len(existing) == 1:
                # Added by this write's earlier attempt, whose response was lost.
                plan.applied.append(pairing_id)
                plan.statuses[pairing_id] = values.get("Status", "")
                tag(existing[0], pairing_id)
                continue
            if existing:
                shown = ", ".join(str(row + 1) for row in existing)
                plan.skipped.append(
                    SkippedWrite(
                        pairing_id, f"not added: this Pairing ID is already on row {shown}"
                    )
                )
                continue
            to_add.append(values)

        plan.requests.extend(cell_requests)
        if to_add:
            start = grid.data_end()
            count = len(to_add)
            if start < grid.tab.row_count:
                # Inserted, not written over: a row typed there meanwhile is pushed down.
                insert = {"range": _rows(sheet_id, start, start + count)}
                plan.requests.append(
                    {"insertDimension": {**insert, "inheritFromBefore": start > 1}}
                )
            else:
                append = {"sheetId": sheet_id, "dimension": "ROWS", "length": count}
                plan.requests.append({"appendDimension": append})
            plan.requests.append(
                _write_cells(sheet_id, start, 0, [_row_texts(columns, v) for v in to_add])
            )
            for offset, values in enumerate(to_add):
                pairing_id = values["Pairing ID"].strip()
                plan.applied.append(pairing_id)
                plan.statuses[pairing_id] = values.get("Status", "")
                plan.tag_rows.append((start + offset, pairing_id))

        for row, pairing_id in plan.tag_rows:
            tag_value = json.dumps({"id": pairing_id, "run": self._token}, separators=(",", ":"))
            location = {"dimensionRange": _rows(sheet_id, row, row + 1)}
            plan.requests.append(_create_metadata(TAG_KEY, tag_value, location))
        return plan

    def _verify_tags(self, response: Mapping[str, Any], plan: _Plan) -> dict[str, int]:
        """Tag ids by Pairing ID, after checking each tagged row holds that Pairing ID."""
        replies = response.get("replies") or []
        created = [
            reply["createDeveloperMetadata"]["developerMetadata"]
            for reply in replies
            if reply and "createDeveloperMetadata" in reply
        ]
        sheets = (response.get("updatedSpreadsheet") or {}).get("sheets") or []
        # Google may return every tab here; the Pairing IDs are in the Pairings one.
        title = self._config.tab_title(PAIRINGS)
        pairings = [
            sheet for sheet in sheets if (sheet.get("properties") or {}).get("title") == title
        ]
        ids_now = _grid_texts(pairings[0]) if pairings else None
        tags: dict[str, int] = {}
        misplaced: list[str] = []
        for (row, pairing_id), metadata in zip(plan.tag_rows, created, strict=False):
            tags[pairing_id] = int(metadata["metadataId"])
            if ids_now is not None:
                found = ids_now[row][0] if row < len(ids_now) and ids_now[row] else ""
                if found.strip() != pairing_id:
                    misplaced.append(pairing_id)
        if ids_now is None:
            log.warning("Sheets sent no Pairing ID column back; the write could not be checked")
        if misplaced:
            self._tags.update(tags)
            raise WorkbookError(
                "Rows of the Pairings tab moved while mentorsheet was writing, so these "
                f"pairings may be on the wrong rows: {', '.join(misplaced)}; check their "
                "Status and intro cells by hand before the next run."
            )
        return tags

    def _write_tagged(self, updates: Sequence[PairingUpdate]) -> WriteOutcome:
        columns = self._columns
        id_column = columns["Pairing ID"]
        skipped: list[SkippedWrite] = []
        data: list[Json] = []
        sent: dict[int, PairingUpdate] = {}
        for update in updates:
            pairing_id = update.pairing_id.strip()
            known = self._statuses.get(pairing_id)
            if (
                update.expect_status is not None
                and known is not None
                and not same_status(known, update.expect_status)
            ):
                skipped.append(
                    SkippedWrite(
                        update.pairing_id,
                        f"its Status is {known!r}, not {update.expect_status!r}",
                    )
                )
                continue
            missing = [column for column in update.values if column not in columns]
            if missing:
                skipped.append(
                    SkippedWrite(
                        update.pairing_id, f"the Pairings tab has no {', '.join(missing)} column"
                    )
                )
                continue
            positions = {columns[column]: text for column, text in update.values.items()}
            # null cells are skipped by Sheets: only mentorsheet's own cells are written.
            row: list[str | None] = [None] * (max(positions) + 1)
            for position, text in positions.items():
                row[position] = text
            metadata_id = self._tags[pairing_id]
            sent[metadata_id] = update
            data.append(
                {
                    "dataFilter": {"developerMetadataLookup": {"metadataId": metadata_id}},
                    "majorDimension": "ROWS",
                    "values": [row],
                }
            )
        if not data:
            return WriteOutcome(skipped=tuple(skipped))
        body = {
            "valueInputOption": "RAW",
            "data": data,
            "includeValuesInResponse": True,
            "responseValueRenderOption": "FORMATTED_VALUE",
        }
        response = self._api.run(
            "record results on the Pairings tab",
            lambda _n: self._api.update_by_data_filter(body),
        )
        landed: dict[int, list[Any]] = {}
        for item in response.get("responses") or []:
            lookup = (item.get("dataFilter") or {}).get("developerMetadataLookup") or {}
            if item.get("updatedRange") and "metadataId" in lookup:
                values = (item.get("updatedData") or {}).get("values") or [[]]
                landed[int(lookup["metadataId"])] = list(values[0])
        applied: list[str] = []
        misplaced: list[str] = []
        for metadata_id, update in sent.items():
            pairing_id = update.pairing_id.strip()
            if metadata_id not in landed:
                skipped.append(
                    SkippedWrite(
                        update.pairing_id,
                        "its row was deleted during the run, so nothing was written",
                    )
                )
                self._tags.pop(pairing_id, None)
                continue
            row_now = landed[metadata_id]
            found = str(row_now[id_column]) if id_column < len(row_now) else ""
            if found.strip() != pairing_id:
                misplaced.append(update.pairing_id)
                continue
            applied.append(update.pairing_id)
            if "Status" in update.values:
                self._statuses[pairing_id] = update.values["Status"]
        if misplaced:
            raise WorkbookError(
                "A tagged Pairings row no longer holds its Pairing ID (rows or columns moved), "
                f"so these updates may be on the wrong rows: {', '.join(misplaced)}; check them "
                "by hand before the next run."
            )
        return WriteOutcome(applied=tuple(applied), skipped=tuple(skipped))

    # --- markers and finish -------------------------------------------------------

    def set_marker(self, key: str, value: str) -> None:
        self._check_writable("record a marker")
        name = MARKER_PREFIX + key
        request: Json
        if name in self._markers_present:
            request = {
                "updateDeveloperMetadata": {
                    "dataFilters": [_lookup(metadataKey=name, locationType="SPREADSHEET")],
                    "developerMetadata": {"metadataValue": value},
                    "fields": "metadataValue",
                }
            }
        else:  # a retried creation may leave a duplicate: harmless, both hold ``value``
            request = _create_metadata(name, value, SPREADSHEET)
        body = {"requests": [request]}
        self._api.run(
            "record a marker",
            lambda _n: self._api.batch_update(body, fields="spreadsheetId"),
        )
        self._markers_present.add(name)

    def finish(self, problems: Sequence[Problem], run_row: Mapping[str, str]) -> None:
        self._check_writable("finish the run")
        _check_known(RUNS, run_row, "the Runs row")
        layout = self._finish_layout()
        problems_tab, problem_columns = layout[PROBLEMS]
        runs_tab, run_columns = layout[RUNS]

        content: list[Json] = []
        if problems_tab.row_count > 1:  # clear every row below the header, then append
            below_header = {"sheetId": problems_tab.sheet_id, "startRowIndex": 1}
            content.append({"updateCells": {"range": below_header, "fields": "userEnteredValue"}})
        if problems:
            rows = [_row_texts(problem_columns, problem.as_row()) for problem in problems]
            content.append(_append_cells(problems_tab.sheet_id, rows))
        content.append(_append_cells(runs_tab.sheet_id, [_row_texts(run_columns, run_row)]))
        cleanup = [*self._tag_cleanup(), self._lease_delete()]

        def attempt(number: int) -> None:
            if number > 1:  # the lease goes with the Runs row: gone means done
                lease = _lease_of(self._absorb(self._fetch_spreadsheet_once()))
                if lease is None or lease.token != self._token:
                    return
            try:
                self._api.batch_update({"requests": [*content, *cleanup]}, fields="spreadsheetId")
            except APIError as exc:
                if _status_of(exc) != 400:
                    raise
                # Deleting metadata that is no longer there may be refused: keep only what
                # certainly exists (our lease, if still ours) and try once more.
                lease = _lease_of(self._absorb(self._fetch_spreadsheet_once()))
                keep = [self._lease_delete()] if lease and lease.token == self._token else []
                self._api.batch_update({"requests": [*content, *keep]}, fields="spreadsheetId")

        self._api.run("finish the run (Problems and Runs tabs)", attempt)
        self._finished = True
        self._holding = False

    def _finish_layout(self) -> dict[str, tuple[_TabInfo, dict[str, int]]]:
        titles = {tab: self._config.tab_title(tab) for tab in (PROBLEMS, RUNS)}
        missing_headers = [tab for tab in titles if tab not in self._headers]
        if missing_headers:  # read() was not called: fetch the two header rows
            params: ParamsType = {
                "ranges": [absolute_range_name(titles[tab], "1:1") for tab in missing_headers],
                "includeGridData": "true",
                "fields": "sheets(properties(sheetId,title,gridProperties(rowCount,columnCount)),"
                f"data(startRow,rowData(values({_CELL_FIELDS}))))",
            }
            missing_tabs = [titles[t] for t in missing_headers if titles[t] not in self._tabs]
            if missing_tabs:
                raise MissingTabError(missing_tabs[0], self._titles)
            spreadsheet = self._api.run("read the header rows", lambda _n: self._api.get(params))
            for tab in missing_headers:
                sheet = _sheet_by_title(spreadsheet, titles[tab])
                if sheet is not None:
                    rows = _grid_texts(sheet)
                    self._headers[tab] = rows[0] if rows else ()
        layout: dict[str, tuple[_TabInfo, dict[str, int]]] = {}
        for tab, title in titles.items():
            info = self._tabs.get(title)
            if info is None:
                raise MissingTabError(title, self._titles)
            header = self._headers.get(tab, ())
            layout[tab] = (info, resolve_columns(tab, header, self._config.headers.get(tab)))
        return layout


class GoogleSheetsStore:
    """The workbook as a Google Sheet (see the module docstring for the design)."""

    def __init__(
        self,
        spreadsheet: str,
        config: WorkbookConfig,
        *,
        credentials: Credentials | None = None,
        session: requests.Session | None = None,
        clock: Callable[[], datetime] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.key = spreadsheet_key(spreadsheet)
        self.config = config
        self.credentials = credentials
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.sleep: Callable[[float], None] = sleep or time.sleep
        self._http = session
        self._api: SheetsApi | None = None

    def describe(self) -> str:
        return f"Google Sheet {self.key}"

    def api(self) -> SheetsApi:
        """The HTTP layer, built on first use (credentials are only loaded when needed)."""
        if self._api is None:
            credentials = self.credentials
            http = self._http
            if http is None:
                if credentials is None:
                    credentials = load_credentials([SHEETS_SCOPE])
                    self.credentials = credentials
                http = AuthorizedSession(credentials)  # type: ignore[no-untyped-call]
            client = _CountingHTTPClient(credentials, http)
            client.set_timeout(self.config.timeout_seconds)
            account = service_account_email(credentials) if credentials is not None else None
            self._api = SheetsApi(
                self.key, client, attempts=self.config.max_attempts, account=account
            )
        return self._api

    @contextmanager
    def session(self, holder: str, *, dry_run: bool = False) -> Iterator[GoogleSheetsSession]:
        # A fresh client per session, so ``stats`` counts this session's requests only.
        self._api = None
        session = GoogleSheetsSession(self, holder, dry_run=dry_run)
        session.enter()
        try:
            yield session
        except BaseException:
            session.release()
            raise
        else:
            session.release()  # a no-op once finish() has released the lease
        finally:
            session.close()

    # --- init ---------------------------------------------------------------------

    def init_tabs(self, *, dry_run: bool = False) -> list[str]:
        """Create missing tabs and headers, freeze headers, add dropdowns, colours, protections.

        Never changes existing data; only adds what is missing, so a second run
        sends no write at all. Costs 2 reads and at most 1 write.
        """
        self._api = None
        api = self.api()
        spreadsheet = api.run(
            "read the spreadsheet's tabs", lambda _n: api.get({"fields": INIT_FIELDS})
        )
        sheets = {
            str((s.get("properties") or {}).get("title", "")): s
            for s in spreadsheet.get("sheets") or []
        }
        infos = _tab_infos(spreadsheet)
        titles = {tab: self.config.tab_title(tab) for tab in TABS}
        existing = [title for title in titles.values() if title in infos]
        cells: Json = {}
        if existing:
            params: ParamsType = {
                "ranges": [absolute_range_name(title, "1:2") for title in existing],
                "includeGridData": "true",
                "fields": INIT_CELLS_FIELDS,
            }
            cells = api.run("read the header rows", lambda _n: api.get(params))
        used_ids = {info.sheet_id for info in infos.values()}
        requests_: list[Json] = []
        done: list[str] = []
        for tab in TABS:
            title = titles[tab]
            info = infos.get(title)
            if info is None:
                sheet_id = _new_sheet_id(used_ids)
                used_ids.add(sheet_id)
                header = COLUMNS[tab]
                requests_.extend(_new_tab_requests(sheet_id, title, header))
                done.append(f"created tab {title!r} with its {len(header)} headers")
                columns = {column: index for index, column in enumerate(header)}
                requests_.extend(
                    _format_requests(
                        tab=tab,
                        title=title,
                        sheet_id=sheet_id,
                        columns=columns,
                        second_row={},
                        sheet=None,
                        info=None,
                        done=done,
                    )
                )
                continue
            sheet = _sheet_by_title(cells, title) or {}
            rows = _grid_texts(sheet)
            header = rows[0] if rows else ()
            columns, header_requests = _complete_header(tab, info, header, self.config, done)
            requests_.extend(header_requests)
            if info.frozen_rows < 1:
                requests_.append(
                    {
                        "updateSheetProperties": {
                            "properties": {
                                "sheetId": info.sheet_id,
                                "gridProperties": {"frozenRowCount": 1},
                            },
                            "fields": "gridProperties.frozenRowCount",
                        }
                    }
                )
                done.append(f"froze the header row of {title!r}")
            second_row = _second_row_cells(sheet)
            requests_.extend(
                _format_requests(
                    tab=tab,
                    title=title,
                    sheet_id=info.sheet_id,
                    columns=columns,
                    second_row=second_row,
                    sheet=sheets.get(title),
                    info=info,
                    done=done,
                )
            )
        if requests_ and not dry_run:
            body = {"requests": requests_}
            api.run(
                "set up the tabs",
                lambda _n: api.batch_update(body, fields="spreadsheetId"),
            )
        return done


# --- init helpers -------------------------------------------------------------------


def _new_sheet_id(used: set[int]) -> int:
    while True:
        candidate = 1 + secrets.randbelow(2**31 - 2)
        if candidate not in used:
            return candidate


def _new_tab_requests(sheet_id: int, title: str, header: Sequence[str]) -> list[Json]:
    return [
        {
            "addSheet": {
                "properties": {
                    "sheetId": sheet_id,
                    "title": title,
                    "gridProperties": {
                        "rowCount": 1000,
                        "columnCount": max(26, len(header)),
                        "frozenRowCount": 1,
                    },
                }
            }
        },
        {
            "updateCells": {
                "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0},
                "rows": [
                    {
                        "values": [
                            {
                                "userEnteredValue": {"stringValue": text},
                                "userEnteredFormat": {"textFormat": {"bold": True}},
                            }
                            for text in header
                        ]
                    }
                ],
                "fields": "userEnteredValue,userEnteredFormat.textFormat.bold",
            }
        },
    ]


def _matched_columns(
    tab: str, header: Sequence[str], aliases: Mapping[str, Sequence[str]]
) -> dict[str, int]:
    """Canonical columns found in ``header`` (with aliases), never raising for missing ones."""
    positions: dict[str, int] = {}
    for index, text in enumerate(header):
        key = header_key(text)
        if key and key not in positions:
            positions[key] = index
    found: dict[str, int] = {}
    for column in COLUMNS[tab]:
        for candidate in (column, *aliases.get(column, ())):
            position = positions.get(header_key(candidate))
            if position is not None:
                found[column] = position
                break
    return found


def _complete_header(
    tab: str,
    info: _TabInfo,
    header: Sequence[str],
    config: WorkbookConfig,
    done: list[str],
) -> tuple[dict[str, int], list[Json]]:
    columns = _matched_columns(tab, header, config.headers.get(tab, {}))
    missing = [column for column in COLUMNS[tab] if column not in columns]
    if not missing:
        return columns, []
    start = len(_strip_trailing(list(header)))
    requests_: list[Json] = []
    needed = start + len(missing) - info.column_count
    if needed > 0:
        requests_.append(
            {
                "appendDimension": {
                    "sheetId": info.sheet_id,
                    "dimension": "COLUMNS",
                    "length": needed,
                }
            }
        )
    requests_.append(
        {
            "updateCells": {
                "start": {"sheetId": info.sheet_id, "rowIndex": 0, "columnIndex": start},
                "rows": [
                    {
                        "values": [
                            {
                                "userEnteredValue": {"stringValue": column},
                                "userEnteredFormat": {"textFormat": {"bold": True}},
                            }
                            for column in missing
                        ]
                    }
                ],
                "fields": "userEnteredValue,userEnteredFormat.textFormat.bold",
            }
        }
    )
    for offset, column in enumerate(missing):
        columns[column] = start + offset
    shown = ", ".join(repr(column) for column in missing)
    done.append(f"added the missing header(s) {shown} to the end of tab {info.title!r}")
    return columns, requests_


def _second_row_cells(sheet: Mapping[str, Any]) -> dict[int, Json]:
    grid = (sheet.get("data") or [{}])[0]
    start = int(grid.get("startRow", 0))
    rows = grid.get("rowData") or []
    index = 1 - start
    if index < 0 or index >= len(rows):
        return {}
    return dict(enumerate(rows[index].get("values") or []))


def _has_dropdown(cell: Mapping[str, Any] | None, choices: Sequence[str]) -> bool:
    rule = (cell or {}).get("dataValidation") or {}
    condition = rule.get("condition") or {}
    values = [str(v.get("userEnteredValue", "")) for v in condition.get("values") or []]
    return condition.get("type") == "ONE_OF_LIST" and set(values) == set(choices)


def _format_requests(
    *,
    tab: str,
    title: str,
    sheet_id: int,
    columns: Mapping[str, int],
    second_row: Mapping[int, Json],
    sheet: Mapping[str, Any] | None,
    info: _TabInfo | None,
    done: list[str],
) -> list[Json]:
    """Dropdowns, Status colours and warning-only protections that are not there yet."""
    requests_: list[Json] = []
    for (dropdown_tab, column), choices in DROPDOWNS.items():
        strict = (dropdown_tab, column) in STRICT_DROPDOWNS
        if dropdown_tab != tab or column not in columns:
            continue
        position = columns[column]
        if info is not None and (
            info.row_count <= 1 or _has_dropdown(second_row.get(position), choices)
        ):
            continue  # already there (or no data rows to validate)
        rule = {"condition": _condition("ONE_OF_LIST", choices), "showCustomUi": True}
        grid_range = _column_below_header(sheet_id, position)
        requests_.append(
            {"setDataValidation": {"range": grid_range, "rule": rule | {"strict": strict}}}
        )
        done.append(f"added a {column} dropdown to tab {title!r}")
    if tab == PAIRINGS and "Status" in columns:
        requests_.extend(_colour_requests(title, sheet_id, columns["Status"], sheet, done))
    requests_.extend(_protection_requests(tab, title, sheet_id, columns, sheet, done))
    return requests_


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


def _colour_requests(
    title: str, sheet_id: int, position: int, sheet: Mapping[str, Any] | None, done: list[str]
) -> list[Json]:
    coloured: set[str] = set()
    for rule in (sheet or {}).get("conditionalFormats") or []:
        condition = (rule.get("booleanRule") or {}).get("condition") or {}
        values = condition.get("values") or [{}]
        on_status = any(r.get("startColumnIndex") == position for r in rule.get("ranges") or [])
        if condition.get("type") == "TEXT_EQ" and on_status:
            coloured.add(str(values[0].get("userEnteredValue", "")))
    requests_ = []
    for status, colour in STATUS_COLOURS.items():
        red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4))
        if status.value in coloured:
            continue
        fill = {"backgroundColorStyle": {"rgbColor": {"red": red, "green": green, "blue": blue}}}
        rule = {
            "ranges": [_column_below_header(sheet_id, position)],
            "booleanRule": {"condition": _condition("TEXT_EQ", [status.value]), "format": fill},
        }
        requests_.append({"addConditionalFormatRule": {"index": 0, "rule": rule}})
    if requests_:
        done.append(f"coloured {len(requests_)} Status value(s) on tab {title!r}")
    return requests_


def _protection_requests(
    tab: str,
    title: str,
    sheet_id: int,
    columns: Mapping[str, int],
    sheet: Mapping[str, Any] | None,
    done: list[str],
) -> list[Json]:
    # Recognised by description, so staff moving a protected column does not duplicate it.
    described = {str(p.get("description", "")) for p in (sheet or {}).get("protectedRanges") or []}
    wanted: list[tuple[str, Json]] = []
    if tab == PAIRINGS:
        for column in PROTECTED_PAIRINGS_COLUMNS:
            if column in columns:
                position = columns[column]
                whole_column = {
                    "sheetId": sheet_id,
                    "startColumnIndex": position,
                    "endColumnIndex": position + 1,
                }
                wanted.append((f"mentorsheet writes the {column} column", whole_column))
    elif tab in WHOLE_TAB_PROTECTED:
        wanted.append((f"mentorsheet rewrites the {tab} tab", {"sheetId": sheet_id}))
    requests_ = [
        {
            "addProtectedRange": {
                "protectedRange": {"range": grid_range, "description": text, "warningOnly": True}
            }
        }
        for text, grid_range in wanted
        if text not in described
    ]
    if requests_:
        done.append(
            f"protected {len(requests_)} range(s) of tab {title!r} with a warning "
            "(staff are asked to confirm before editing mentorsheet's cells)"
        )
    return requests_

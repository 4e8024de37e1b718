"""The programme workbook as a Google Sheet, through the Sheets v4 REST API.

This module glues the parts together: the Sheets client with its retries and
request counting (:mod:`.client`), cells read as text and written typed
(:mod:`.cells`), the run lease (:mod:`.lease`), row tags that land later
writes on the right rows (:mod:`.tags`) and ``init``'s formatting
(:mod:`.init_format`). Where each
write goes is decided by the write contract every store shares
(:mod:`mentorsheet.adapters.workbook.plan`); this store turns the plan into
one atomic ``batchUpdate``.

Request budget
--------------
Sheets allows 60 requests a minute per user, so a whole ``run`` costs a fixed
number of requests whatever the row count: **at most 4 reads and 5 writes**,
the run lease included (3 and 6 under a service account, see below). Only extra
flushes of a long send batch, waiting for another run's lease, or recovering from a
failed request add more.

======================  =====  ======  ==========================================
step                    reads  writes  request
======================  =====  ======  ==========================================
session enter           1      1       ``spreadsheets.get`` (tabs, developer
                                       metadata); ``batchUpdate`` taking the lease
``read()``              1              ``spreadsheets.get`` of every tab's cells
first ``write()``       1      1       ``spreadsheets.get`` of Pairings (re-locate
                                       rows by Pairing ID); one atomic
                                       ``batchUpdate``
each later ``write()``  1      1       ``values:batchGetByDataFilter`` of the
                                       header and the tagged rows (:mod:`.recheck`),
                                       ``values:batchUpdateByDataFilter`` on them;
                       (0)    (2)      under a service account: a ``batchUpdate``
                                       taking the lock and answering with the tab,
                                       then one lifting it (:mod:`.lock`)
``set_marker()``               1       ``batchUpdate`` (spreadsheet metadata)
``finish()``                   1       one atomic ``batchUpdate``: Problems,
                                       Report, Runs, tags and lease removed
======================  =====  ======  ==========================================

Rows beyond the row tags' budget (:mod:`.tags`: about 250 intros, more than the
default ``mail.max_per_run`` of 200) add one read to the flush that reaches them.
A step a command does not need costs nothing (the README's table has each
command's cost, measured by ``tests/test_quota.py``).

Writes that are not idempotent
------------------------------
Reads and idempotent writes are simply retried (:mod:`.client`). The others
re-read before trying again: the first write re-locates rows and plans again
as a retry (a row already holding its values counts as done, and only
Pairing IDs that are not there yet are added, so a lost response never
duplicates a row), the lease creation checks whether the lease is already
ours (:mod:`.lease`), and ``finish()`` checks whether the lease is gone (its
request removes the lease atomically with the Runs row).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import requests
from google.auth.credentials import Credentials
from google.auth.transport.requests import AuthorizedSession
from gspread.exceptions import APIError
from gspread.http_client import ParamsType
from gspread.utils import absolute_range_name

from mentorsheet.adapters.google_auth import SHEETS_SCOPE, load_credentials, service_account_email
from mentorsheet.adapters.workbook.contract import (
    PairingUpdate,
    ReportRows,
    RequestStats,
    WriteOutcome,
)
from mentorsheet.adapters.workbook.google.cells import (
    CELL_FIELDS,
    META_FIELDS,
    SPREADSHEET,
    Json,
    TabInfo,
    append_cells,
    column_letter,
    create_metadata,
    grid_texts,
    header_of,
    lookup,
    sheet_by_title,
    sheet_raw_tab,
    spreadsheet_key,
    tab_infos,
)
from mentorsheet.adapters.workbook.google.client import (
    CountingHTTPClient,
    RequestRejected,
    SheetsClient,
    status_of,
)
from mentorsheet.adapters.workbook.google.erasures import erase_requests, put_back
from mentorsheet.adapters.workbook.google.init_format import init_tabs
from mentorsheet.adapters.workbook.google.lease import RunLease
from mentorsheet.adapters.workbook.google.lock import WriteLock
from mentorsheet.adapters.workbook.google.placement import placement
from mentorsheet.adapters.workbook.google.recheck import recheck
from mentorsheet.adapters.workbook.google.tags import RowTags, Tags, row_tags
from mentorsheet.adapters.workbook.guard import SessionGuard
from mentorsheet.adapters.workbook.plan import (
    check_known,
    check_write,
    plan_finish,
    plan_write,
)
from mentorsheet.adapters.workbook.report_tab import first_cell, report_requests, spare_foreign_tab
from mentorsheet.adapters.workbook.rows import rows_by_id
from mentorsheet.config import WorkbookConfig
from mentorsheet.core.erasure import CellErasure
from mentorsheet.core.model import Problem
from mentorsheet.core.raw import RawTab, RawWorkbook
from mentorsheet.core.schema import PAIRINGS, PC, PROBLEMS, READ_TABS, REPORT, RUNS, resolve_columns
from mentorsheet.errors import MissingTabError

log = logging.getLogger(__name__)

MARKER_PREFIX: Final = "mentorsheet.marker."

ENTER_FIELDS: Final = (
    f"spreadsheetId,developerMetadata({META_FIELDS}),"
    "sheets(properties(sheetId,title,index,gridProperties(rowCount,columnCount,frozenRowCount)),"
    "protectedRanges(protectedRangeId,description))"
)
READ_FIELDS: Final = (
    f"developerMetadata({META_FIELDS}),"
    "sheets(properties(sheetId,title,gridProperties(rowCount,columnCount)),"
    f"data(startRow,rowData(values({CELL_FIELDS}))))"
)
RELOCATE_FIELDS: Final = (
    "sheets(properties(sheetId,title,gridProperties(rowCount,columnCount)),"
    "protectedRanges(protectedRangeId),"
    f"data(startRow,rowData(values({CELL_FIELDS})),"
    f"rowMetadata(developerMetadata({META_FIELDS}))))"
)
WRITE_RESPONSE_FIELDS: Final = (
    "replies(createDeveloperMetadata(developerMetadata(metadataId,metadataValue,location))),"
    f"updatedSpreadsheet(sheets(properties(title),data(startRow,rowData(values({CELL_FIELDS})))))"
)
ERASE_RESPONSE_FIELDS: Final = (
    "spreadsheetId,replies(findReplace(valuesChanged)),"
    f"updatedSpreadsheet(sheets(properties(title),data(startRow,rowData(values({CELL_FIELDS})))))"
)
LOCKED_READ_FIELDS: Final = (
    "updatedSpreadsheet(sheets(properties(sheetId,title,gridProperties(rowCount,columnCount)),"
    "protectedRanges(protectedRangeId,description),"
    f"data(startRow,rowData(values({CELL_FIELDS})),"
    f"rowMetadata(developerMetadata({META_FIELDS})))))"
)
HEADER_FIELDS: Final = (
    "sheets(properties(sheetId,title,gridProperties(rowCount,columnCount)),"
    f"data(startRow,rowData(values({CELL_FIELDS}))))"
)


def _markers_of(metadata: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    markers: dict[str, str] = {}
    for item in sorted(metadata, key=lambda m: int(m.get("metadataId", 0))):
        key = str(item.get("metadataKey", ""))
        if key.startswith(MARKER_PREFIX):
            markers[key[len(MARKER_PREFIX) :]] = str(item.get("metadataValue", ""))
    return markers


@dataclass
class _PairingsNow:
    """The Pairings tab as the re-locating read found it."""

    tab: TabInfo
    rows: list[tuple[str, ...]]  # by 0-based grid row; rows[0] is the header
    tags: Tags
    locks: set[int]  # the tab's protected ranges


class GoogleSheetsSession:
    """One run's session on the spreadsheet: see the module docstring for its requests."""

    def __init__(
        self, store: GoogleSheetsStore, holder: str, *, dry_run: bool, erasing: bool = False
    ) -> None:
        self._store = store
        self._erasing = erasing
        self._api = store.api()
        self._config = store.config
        self._guard = SessionGuard(store.describe(), dry_run=dry_run)
        self._lease = RunLease(
            self._api,
            store.config,
            holder,
            clock=store.clock,
            sleep=store.sleep,
            look=self._look,
        )
        self._tabs: dict[str, TabInfo] = {}
        self._titles: tuple[str, ...] = ()
        self._headers: dict[str, tuple[str, ...]] = {}
        self._markers_present: set[str] = set()
        self._report_a1 = ""  # the Report tab's first cell, as the read found it
        self._tags = RowTags(self._lease.token, store.config.tab_title(PAIRINGS))
        self._lock = WriteLock(self._api.account, self._lease.token, self._tags.pairings_title)
        self._lease.with_lease = self._lock_requests
        self._lease.replies = self._lock.taken

    @property
    def stats(self) -> RequestStats:
        return self._api.stats

    # --- lease ------------------------------------------------------------------

    def enter(self) -> None:
        if self._guard.dry_run:
            self._api.run("open the spreadsheet", lambda _n: self._look())
            return
        self._lease.acquire()

    def _look(self) -> list[Json]:
        """One read of the tabs and the spreadsheet's metadata, remembered; the metadata."""
        spreadsheet = self._api.get({"fields": ENTER_FIELDS})
        self._tabs = tab_infos(spreadsheet)
        self._titles = tuple(sorted(self._tabs, key=lambda title: self._tabs[title].index))
        metadata: list[Json] = list(spreadsheet.get("developerMetadata") or [])
        self._markers_present = set(self._marker_keys(metadata))
        self._lock.seen(spreadsheet)
        return metadata

    def _lock_requests(self) -> list[Json]:
        """Taken with the lease: the write lock on Pairings (see :mod:`.lock`)."""
        pairings = self._tabs.get(self._tags.pairings_title)
        # An erasing session locks every other tab too, to the finish (see :mod:`.erasures`).
        others = [t.sheet_id for t in self._tabs.values() if t is not pairings and self._erasing]
        return self._lock.take_requests(pairings.sheet_id if pairings else None, others)

    @staticmethod
    def _marker_keys(metadata: Sequence[Mapping[str, Any]]) -> Iterator[str]:
        for item in metadata:
            key = str(item.get("metadataKey", ""))
            if key.startswith(MARKER_PREFIX):
                yield key

    def _check_writable(self, what: str) -> None:
        self._guard.check_writable(what)
        self._lease.check_time(self._store.describe(), what)

    def release(self) -> None:
        """Best effort, one request: drop the lease (and row tags) after an exception."""
        self._guard.open = False
        if not self._guard.finished:
            self._lease.release([*self._tags.cleanup(), *self._lock.remove_requests()])

    def close(self) -> None:
        self._guard.open = False

    # --- read -------------------------------------------------------------------

    def read(self, *, every_tab: bool = False) -> RawWorkbook:
        # The contact form's responses tab, when there, is one more range of the same read.
        titles = {tab: self._config.tab_title(tab) for tab in READ_TABS}
        present = {tab: title for tab, title in titles.items() if title in self._tabs}
        known = set(present.values())
        others = [title for title in self._titles if every_tab and title not in known]
        report = self._config.tab_title(REPORT)
        first = [report] if report in self._tabs and report not in others else []  # its A1
        params: ParamsType
        if present or others:
            params = {
                "ranges": [absolute_range_name(t) for t in [*present.values(), *others]]
                + [absolute_range_name(t, "A1") for t in first],
                "includeGridData": "true",
                "fields": READ_FIELDS,
            }
        else:
            params = {"fields": f"developerMetadata({META_FIELDS})"}
        spreadsheet = self._api.read("read the spreadsheet", params)
        metadata: list[Json] = list(spreadsheet.get("developerMetadata") or [])
        if not self._guard.dry_run:
            self._lease.check(metadata)
        self._markers_present.update(self._marker_keys(metadata))
        tabs: dict[str, RawTab] = {}
        for tab, title in present.items():
            sheet = sheet_by_title(spreadsheet, title)
            if sheet is None:
                continue
            info = tab_infos({"sheets": [sheet]}).get(title)
            if info is not None:
                info.index = self._tabs[title].index
                self._tabs[title] = info
            tabs[tab] = sheet_raw_tab(title, sheet, sheet_id=self._tabs[title].sheet_id)
            self._headers[tab] = tabs[tab].header
        found = ((t, sheet_by_title(spreadsheet, t)) for t in others)
        self._report_a1 = first_cell(spreadsheet, report)  # a staff tab is never rewritten
        return RawWorkbook(
            tabs=tabs,
            titles=self._titles,
            markers=_markers_of(metadata),
            others={title: sheet_raw_tab(title, sheet) for title, sheet in found if sheet},
            spreadsheet_id=self._store.key,
        )

    # --- write ------------------------------------------------------------------

    def write(
        self,
        new_rows: Sequence[Mapping[str, str]],
        updates: Sequence[PairingUpdate],
        *,
        durable: bool = True,  # every Sheets write is durable anyway: ignored
        again: Collection[str] | None = None,
    ) -> WriteOutcome:
        self._check_writable("write Pairings rows")
        if not new_rows and not updates:
            return WriteOutcome()
        check_write(new_rows, updates)
        # With a write lock to take, every write re-reads and writes under it (see
        # :mod:`.lock`); without one (a person's own sign-in) a flush writes by row tags.
        if self._lock.account is None and self._tags.covers(new_rows, updates):
            try:
                self._recheck()
                return self._tags.write(self._api, updates)
            except RequestRejected as exc:
                log.info("data-filter write refused (%s); re-locating rows instead", exc)
        return self._write_located(new_rows, updates, again)

    def _recheck(self) -> None:
        """The flush's read of its rows, as staff may have changed them (:mod:`.recheck`)."""
        sheet_id = self._tab(PAIRINGS).sheet_id
        recheck(self._api, self._tags, sheet_id, self._config.headers.get(PAIRINGS))

    def still_marked(self, pairing_ids: Collection[str]) -> set[str]:
        if not {pairing_id.strip() for pairing_id in pairing_ids} <= self._tags.fresh:
            # Rows the latest read did not cover (untagged, beyond the tags' budget).
            now = self._relocate()
            header = now.rows[0] if now.rows else ()
            columns = resolve_columns(PAIRINGS, header, self._config.headers.get(PAIRINGS))
            self._tags.refresh(now.rows, columns)
        return self._tags.still_marked(pairing_ids)

    def _relocate(self) -> _PairingsNow:
        title = self._config.tab_title(PAIRINGS)
        params: ParamsType = {
            "ranges": [absolute_range_name(title)],
            "includeGridData": "true",
            "fields": RELOCATE_FIELDS,
        }
        sheet = sheet_by_title(self._api.get(params), title)
        if sheet is None:
            raise MissingTabError(title, self._titles)
        info = tab_infos({"sheets": [sheet]})[title]
        locks = {int(p["protectedRangeId"]) for p in sheet.get("protectedRanges") or []}
        return _PairingsNow(tab=info, rows=grid_texts(sheet), tags=row_tags(sheet), locks=locks)

    def _locked_relocate(self) -> _PairingsNow:
        """The Pairings tab read under a fresh write lock, both in one atomic ``batchUpdate``."""
        title = self._config.tab_title(PAIRINGS)
        body: Json = {
            "requests": self._lock.take_requests(self._tab(PAIRINGS).sheet_id),
            "includeSpreadsheetInResponse": True,
            "responseRanges": [absolute_range_name(title)],
            "responseIncludeGridData": True,
        }
        response = self._api.batch_update(body, fields=LOCKED_READ_FIELDS)
        sheet = sheet_by_title(response.get("updatedSpreadsheet") or {}, title)
        if sheet is None:
            raise MissingTabError(title, self._titles)
        self._lock.seen({"sheets": [sheet]})  # ours (and one a lost response left), by name
        info = tab_infos({"sheets": [sheet]})[title]
        locks = {int(p["protectedRangeId"]) for p in sheet.get("protectedRanges") or []}
        return _PairingsNow(tab=info, rows=grid_texts(sheet), tags=row_tags(sheet), locks=locks)

    def _write_located(
        self,
        new_rows: Sequence[Mapping[str, str]],
        updates: Sequence[PairingUpdate],
        again: Collection[str] | None = None,
    ) -> WriteOutcome:
        # The IDs skipped by the request that was sent (there before this write), once sent.
        retried: frozenset[str] | None = None

        def attempt(_number: int) -> WriteOutcome:
            nonlocal retried
            now = self._locked_relocate() if self._lock.wanted() else self._relocate()
            plan = plan_write(
                now.rows,
                new_rows,
                updates,
                aliases=self._config.headers.get(PAIRINGS),
                retried=retried,
            )
            where = rows_by_id(now.rows, plan.columns[PC.PAIRING_ID])
            wanted = self._tags.wanted(plan.located, where, again)
            tagging = self._tags.tagging(now.tab.sheet_id, wanted, now.tags)
            # The write lock goes in the same atomic request (see :mod:`.lock`).
            unlock = self._lock.remove_requests(now.locks)
            requests_ = [*placement(plan, now.tab), *tagging.requests, *unlock]
            tags = dict(tagging.adopted)
            if requests_:
                if retried is None:
                    retried = frozenset(s.pairing_id.strip() for s in plan.skipped)
                response = self._api.batch_update(
                    self._located_body(requests_, now.tab.title, plan.columns[PC.PAIRING_ID]),
                    fields=WRITE_RESPONSE_FIELDS,
                )
                if unlock:
                    self._lock.lifted()
                tags.update(self._tags.verify(response, tagging, plan.located))
            self._tags.columns = plan.columns
            self._tags.settle(tagging, tags)
            self._tags.statuses.update(plan.statuses)
            self._tags.written.update(plan.statuses)
            self._tags.refresh(now.rows, plan.columns)
            self._tags.statuses.update(plan.statuses)
            return plan.outcome()

        return self._api.run("write the Pairings tab", attempt)

    @staticmethod
    def _located_body(requests_: list[Json], title: str, id_column: int) -> Json:
        """The write, answered with the Pairing ID column to check the tags against."""
        letter = column_letter(id_column)
        return {
            "requests": requests_,
            "includeSpreadsheetInResponse": True,
            "responseRanges": [absolute_range_name(title, f"{letter}:{letter}")],
            "responseIncludeGridData": True,
        }

    # --- markers and finish -------------------------------------------------------

    def set_marker(self, key: str, value: str) -> None:
        self._check_writable("record a marker")
        name = MARKER_PREFIX + key
        request: Json
        if name in self._markers_present:
            request = {
                "updateDeveloperMetadata": {
                    "dataFilters": [lookup(metadataKey=name, locationType="SPREADSHEET")],
                    "developerMetadata": {"metadataValue": value},
                    "fields": "metadataValue",
                }
            }
        else:  # a retried creation may leave a duplicate: harmless, both hold ``value``
            request = create_metadata(name, value, SPREADSHEET)
        self._api.update("record a marker", [request])
        self._markers_present.add(name)

    def finish(
        self,
        problems: Sequence[Problem],
        run_row: Mapping[str, str],
        *,
        erase: Sequence[CellErasure] = (),
        report: ReportRows | None = None,
    ) -> None:
        self._check_writable("finish the run")
        check_known(RUNS, run_row, "the Runs row")
        report_title = self._config.tab_title(REPORT)
        report, problems = spare_foreign_tab(report_title, self._report_a1, report, problems)
        plan = plan_finish(
            self._header(PROBLEMS), self._header(RUNS), problems, run_row, self._config.headers
        )
        problems_tab, runs_tab = self._tab(PROBLEMS), self._tab(RUNS)
        # Before Problems is cleared: the erasures' cells are where the read found them.
        sent = erase_requests(erase, self._tabs)
        rewrite: list[Json] = [request for _erasure, request in sent]
        if problems_tab.row_count > 1:  # clear every row below the header, then append
            below_header = {"sheetId": problems_tab.sheet_id, "startRowIndex": 1}
            rewrite.append({"updateCells": {"range": below_header, "fields": "userEnteredValue"}})
        if plan.problem_rows:
            rewrite.append(append_cells(problems_tab.sheet_id, plan.problem_rows))
        rewrite.append(append_cells(runs_tab.sheet_id, [plan.run_row], plan.run_kinds))
        cleanup = [
            *self._tags.cleanup(),
            *self._lock.remove_requests(),
            self._lease.delete_request(),
        ]

        checked = sorted({erasure.tab for erasure, _request in sent})
        response: Json = {}

        def batch(requests_: list[Json]) -> Json:
            if not checked:
                return self._api.batch_update({"requests": requests_}, fields="spreadsheetId")
            # The erased tabs come back, to check no row moved under an erasure (.erasures).
            body = {
                "requests": requests_,
                "includeSpreadsheetInResponse": True,
                "responseRanges": [absolute_range_name(title) for title in checked],
                "responseIncludeGridData": True,
            }
            return self._api.batch_update(body, fields=ERASE_RESPONSE_FIELDS)

        def attempt(number: int) -> None:
            nonlocal response
            if number > 1 and not self._lease.ours(self._look()):
                return  # the lease goes with the Runs row: gone means done
            content = [*rewrite, *report_requests(report_title, self._tabs, report)]
            try:
                response = batch([*content, *cleanup])
            except APIError as exc:
                if status_of(exc) != 400:
                    raise
                # Deleting metadata that is no longer there may be refused: keep only what
                # certainly exists (our lease, if still ours) and try once more.
                keep: list[Json] = []
                if self._lease.ours(self._look()):  # the look also finds our write lock
                    keep = [*self._lock.remove_requests(), self._lease.delete_request()]
                content = [*rewrite, *report_requests(report_title, self._tabs, report)]
                response = batch([*content, *keep])

        self._api.run("finish the run (Problems and Runs tabs)", attempt)
        if sent and response:
            put_back(self._api, sent, response, self._tabs)
        self._guard.finished = True
        self._lease.holding = False

    def _tab(self, tab: str) -> TabInfo:
        title = self._config.tab_title(tab)
        info = self._tabs.get(title)
        if info is None:
            raise MissingTabError(title, self._titles)
        return info

    def _header(self, tab: str) -> tuple[str, ...]:
        """The header row of ``tab`` as read; fetched with the other missing ones if not read."""
        if tab not in self._headers:
            wanted = [t for t in (PROBLEMS, RUNS) if t not in self._headers]
            for name in wanted:
                self._tab(name)  # raises for a missing tab before any request
            params: ParamsType = {
                "ranges": [absolute_range_name(self._config.tab_title(t), "1:1") for t in wanted],
                "includeGridData": "true",
                "fields": HEADER_FIELDS,
            }
            spreadsheet = self._api.read("read the header rows", params)
            for name in wanted:
                self._headers[name] = header_of(
                    sheet_by_title(spreadsheet, self._config.tab_title(name))
                )
        return self._headers[tab]


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
        self._api: SheetsClient | None = None

    def describe(self) -> str:
        return f"Google Sheet {self.key}"

    def api(self) -> SheetsClient:
        """The HTTP layer, built on first use (credentials are only loaded when needed)."""
        if self._api is None:
            credentials = self.credentials
            http = self._http
            if http is None:
                if credentials is None:
                    credentials = load_credentials([SHEETS_SCOPE])
                    self.credentials = credentials
                http = AuthorizedSession(credentials)  # type: ignore[no-untyped-call]
            client = CountingHTTPClient(credentials, http)
            client.set_timeout(self.config.timeout_seconds)
            account = service_account_email(credentials) if credentials is not None else None
            self._api = SheetsClient(
                self.key,
                client,
                attempts=self.config.max_attempts,
                account=account,
                credentials=credentials,
            )
        return self._api

    @contextmanager
    def session(
        self, holder: str, *, dry_run: bool = False, erasing: bool = False
    ) -> Iterator[GoogleSheetsSession]:
        # A fresh client per session, so ``stats`` counts this session's requests only.
        self._api = None
        session = GoogleSheetsSession(self, holder, dry_run=dry_run, erasing=erasing)
        session.enter()
        try:
            yield session
        finally:
            session.release()  # a no-op once finish() has released the lease
            session.close()

    def init_tabs(self, *, dry_run: bool = False) -> list[str]:
        """Create missing tabs and headers, freeze headers, add dropdowns, colours, protections.

        Never changes existing data; only adds what is missing, so a second run
        sends no write at all. Costs 2 reads and at most 1 write.
        """
        self._api = None
        return init_tabs(self.api(), self.config, dry_run=dry_run)

"""A workbook held in memory: tabs as lists of text rows, on the same write contract.

Values are kept as the text the contract carries: a typed column's value is
already in the one text form its typed cell reads back as on the other
stores, so a run sees the same workbook here as there.

Meant for fast tests of a run: build one from a dict of tab title to rows
(:meth:`MemoryStore.from_tabs`), run against it, and read its tabs back
(:meth:`MemoryStore.rows`, :meth:`MemoryStore.records`). Where each write goes
is decided by the planner every store shares
(:mod:`mentorsheet.adapters.workbook.plan`); this store only sets list items.

Like the others: one session at a time holds the lease (a second one raises
:class:`~mentorsheet.errors.RunInProgressError` at once, there is nobody to
wait for), dry-run sessions take no lease and refuse writes, and the
``staff_*`` methods change the tabs the way staff would during a run.
Request counting: each ``read()`` is one read, and each ``write()`` that
changes anything, ``set_marker()`` and ``finish()`` one write.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager

from mentorsheet.adapters.workbook.contract import PairingUpdate, RequestStats, WriteOutcome
from mentorsheet.adapters.workbook.erase import by_tab, locate
from mentorsheet.adapters.workbook.guard import SessionGuard
from mentorsheet.adapters.workbook.layout import (
    added_headers,
    created_report_tab,
    created_tab,
    layout_of,
)
from mentorsheet.adapters.workbook.plan import check_write, plan_finish, plan_write, still_marked
from mentorsheet.adapters.workbook.report_tab import spare_foreign_tab
from mentorsheet.adapters.workbook.rows import data_end, present_columns, raw_tab, text_at
from mentorsheet.config import WorkbookConfig
from mentorsheet.core.erasure import CellErasure
from mentorsheet.core.model import Problem
from mentorsheet.core.raw import RawTab, RawWorkbook
from mentorsheet.core.schema import (
    COLUMNS,
    PAIRINGS,
    PROBLEMS,
    READ_TABS,
    REPORT,
    REPORT_PLACEHOLDER,
    RUNS,
    TABS,
    ReportCell,
    header_key,
)
from mentorsheet.errors import MissingTabError, RunInProgressError

TextGrid = list[list[str]]


def _put(grid: TextGrid, row: int, column: int, text: str) -> None:
    while len(grid) <= row:
        grid.append([])
    cells = grid[row]
    while len(cells) <= column:
        cells.append("")
    cells[column] = text


def _put_row(grid: TextGrid, row: int, texts: Sequence[str]) -> None:
    for column, text in enumerate(texts):
        if text != "":
            _put(grid, row, column, text)


class MemorySession:
    """One run's access to a :class:`MemoryStore`; made by :meth:`MemoryStore.session`."""

    def __init__(self, store: MemoryStore, *, dry_run: bool) -> None:
        self._store = store
        self._guard = SessionGuard(store.describe(), dry_run=dry_run)
        self._reads = 0
        self._writes = 0
        self._written: dict[str, str] = {}  # Pairing ID -> Status at this run's last write

    @property
    def stats(self) -> RequestStats:
        return RequestStats(reads=self._reads, writes=self._writes)

    def close(self) -> None:
        self._guard.open = False

    def read(self, *, every_tab: bool = False) -> RawWorkbook:
        self._guard.check_open()
        self._reads += 1
        tabs: dict[str, RawTab] = {}
        for tab in READ_TABS:
            title = self._store.config.tab_title(tab)
            if title in self._store.tabs:
                tabs[tab] = raw_tab(title, self._store.tabs[title])
        titles = tuple(self._store.tabs)
        known = {raw.title for raw in tabs.values()}
        others = {
            title: raw_tab(title, grid)
            for title, grid in self._store.tabs.items()
            if every_tab and title not in known
        }
        return RawWorkbook(
            tabs=tabs, titles=titles, markers=dict(self._store.markers), others=others
        )

    def write(
        self,
        new_rows: Sequence[Mapping[str, str]],
        updates: Sequence[PairingUpdate],
        *,
        durable: bool = True,  # memory is as durable as it gets: ignored
        again: Collection[str] | None = None,  # nothing to prepare for later writes
    ) -> WriteOutcome:
        self._guard.check_writable("write Pairings rows")
        if not new_rows and not updates:
            return WriteOutcome()
        check_write(new_rows, updates)
        grid = self._store.grid(PAIRINGS)
        plan = plan_write(grid, new_rows, updates, aliases=self._aliases(PAIRINGS))
        self._written.update(plan.statuses)
        for cell in plan.cells:
            _put(grid, cell.row, cell.column, cell.text)
        for offset, texts in enumerate(plan.new_rows):
            _put_row(grid, plan.append_at + offset, texts)
        if plan.cells or plan.new_rows:
            self._writes += 1
        return plan.outcome()

    def still_marked(self, pairing_ids: Collection[str]) -> set[str]:
        grid = self._store.grid(PAIRINGS)
        return still_marked(grid, self._written, pairing_ids, self._aliases(PAIRINGS))

    def set_marker(self, key: str, value: str) -> None:
        self._guard.check_writable("record a marker")
        self._store.markers[key] = value
        self._writes += 1

    def finish(
        self,
        problems: Sequence[Problem],
        run_row: Mapping[str, str],
        *,
        erase: Sequence[CellErasure] = (),
        report: Sequence[Sequence[ReportCell]] | None = None,
    ) -> None:
        self._guard.check_writable("finish the run")
        report_title = self._store.config.tab_title(REPORT)
        existing = self._store.tabs.get(report_title) or [[""]]
        first = (existing[0] or [""])[0]
        report, problems = spare_foreign_tab(report_title, first, report, problems)
        problems_grid, runs_grid = self._store.grid(PROBLEMS), self._store.grid(RUNS)
        plan = plan_finish(
            problems_grid[0] if problems_grid else (),
            runs_grid[0] if runs_grid else (),
            problems,
            run_row,
            self._store.config.headers,
        )
        for title, erasures in by_tab(erase).items():
            grid = self._store.tabs.get(title)
            for row, column, text in locate(grid or [], erasures):
                _put(grid or [], row, column, text)
        # Rewritten: whole rows go, so staff columns beside the problems don't go stale.
        del problems_grid[1:]
        for offset, texts in enumerate(plan.problem_rows, start=1):
            _put_row(problems_grid, offset, texts)
        _put_row(runs_grid, data_end(runs_grid), plan.run_row)
        if report is not None:  # created when missing, as the other stores do
            self._store.tabs[report_title] = [[str(cell) for cell in row] for row in report]
        self._writes += 1
        self._guard.finished = True

    def _aliases(self, tab: str) -> Mapping[str, Sequence[str]]:
        return self._store.config.headers.get(tab, {})


class MemoryStore:
    """The workbook as tabs of text rows in memory (title -> rows, header row first)."""

    def __init__(
        self,
        config: WorkbookConfig,
        tabs: Mapping[str, Sequence[Sequence[object]]] | None = None,
        *,
        markers: Mapping[str, str] | None = None,
    ) -> None:
        self.config = config
        self.tabs: dict[str, TextGrid] = {
            title: [["" if cell is None else str(cell) for cell in row] for row in rows]
            for title, rows in (tabs or {}).items()
        }
        self.markers: dict[str, str] = dict(markers or {})
        self.holder: str | None = None  # who holds the lease

    @classmethod
    def from_tabs(
        cls, config: WorkbookConfig, tabs: Mapping[str, Sequence[Sequence[object]]]
    ) -> MemoryStore:
        """A store holding ``tabs`` (title -> rows, header first; cells become text)."""
        return cls(config, tabs)

    def describe(self) -> str:
        return "the workbook in memory"

    @contextmanager
    def session(
        self,
        holder: str,
        *,
        dry_run: bool = False,
        erasing: bool = False,  # every write locates its rows at write time: nothing to lock
    ) -> Iterator[MemorySession]:
        if not dry_run:
            if self.holder is not None:
                raise RunInProgressError(
                    f"another mentorsheet run ({self.holder}) is using {self.describe()}; "
                    "try again when that run has finished."
                )
            self.holder = holder
        session = MemorySession(self, dry_run=dry_run)
        try:
            yield session
        finally:
            session.close()
            if not dry_run:
                self.holder = None

    def init_tabs(self, *, dry_run: bool = False) -> list[str]:
        """Create missing tabs and add missing headers (there is no formatting to hold)."""
        done: list[str] = []
        for tab in TABS:
            title = self.config.tab_title(tab)
            if title not in self.tabs:
                done.append(created_tab(title, COLUMNS[tab]))
                if not dry_run:
                    self.tabs[title] = [list(COLUMNS[tab])]
                continue
            grid = self.tabs[title]
            layout = layout_of(tab, grid[0] if grid else [], self.config.headers.get(tab, {}))
            if layout.added:
                done.append(added_headers(title, layout.added))
                if not dry_run:
                    _put_row(grid, 0, [""] * layout.added_at + list(layout.added))
        report = self.config.tab_title(REPORT)
        if report not in self.tabs:
            done.append(created_report_tab(report))
            if not dry_run:
                self.tabs[report] = [[REPORT_PLACEHOLDER]]
        return done

    # --- the tabs, for tests --------------------------------------------------------------

    def grid(self, tab: str) -> TextGrid:
        """The rows of ``tab`` (a canonical name or a title) themselves, header first."""
        title = self._title(tab)
        if title not in self.tabs:
            raise MissingTabError(title, tuple(self.tabs))
        return self.tabs[title]

    def rows(self, tab: str) -> list[list[str]]:
        """A copy of the rows of ``tab``, header first."""
        return [list(row) for row in self.grid(tab)]

    def records(self, tab: str) -> list[dict[str, str]]:
        """The data rows of canonical ``tab`` by canonical column (absent columns left out)."""
        grid = self.grid(tab)
        columns = present_columns(tab, grid[0] if grid else (), self.config.headers.get(tab))
        return [
            {column: text_at(grid, row, at) for column, at in columns.items()}
            for row in range(1, len(grid))
        ]

    # --- staff editing during a run (rows numbered as the spreadsheet does) -----------------

    def staff_sort(self, tab: str, column: str, *, descending: bool = False) -> None:
        grid = self.grid(tab)
        at = self._column(tab, column)
        grid[1:] = sorted(grid[1:], key=lambda row: text_at([row], 0, at), reverse=descending)

    def staff_insert_row(self, tab: str, before_row: int, values: Sequence[str]) -> None:
        self.grid(tab).insert(before_row - 1, list(values))

    def staff_delete_row(self, tab: str, row: int) -> None:
        del self.grid(tab)[row - 1]

    def staff_set_cell(self, tab: str, row: int, column: str, value: str) -> None:
        _put(self.grid(tab), row - 1, self._column(tab, column), value)

    def _title(self, tab: str) -> str:
        return self.config.tab_title(tab) if tab in READ_TABS else tab

    def _column(self, tab: str, column: str) -> int:
        """Where ``column`` (a canonical name, alias or header text) is on ``tab``."""
        grid = self.grid(tab)
        header = grid[0] if grid else []
        if tab in READ_TABS:
            found = present_columns(tab, header, self.config.headers.get(tab))
            if column in found:
                return found[column]
        keys = [header_key(text) for text in header]
        return keys.index(header_key(column))

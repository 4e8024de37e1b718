"""The write contract, once for every store: where a batch of Pairings writes goes.

A store hands over the Pairings tab as text, as it is just before writing
(the header row first, then every row), and the batch; :func:`plan_write`
answers which cells to set, where the new rows go, which Pairing IDs that
applies, and why the others are skipped. The store then only moves cells:
the ``.xlsx`` store into openpyxl cells, the Google store into one
``batchUpdate``, the memory store into lists.

The rules, the same on every store:

- A row is located by its Pairing ID as the tab is *now*, never by the row
  number seen when it was read (staff insert, delete and sort rows). An ID
  that is missing or on two rows is skipped and reported, never guessed at.
- An update with ``expect_status`` is skipped unless the row's Status still
  reads as that value (compared as the parser reads statuses).
- An update may only set mentorsheet's own cells
  (:data:`~mentorsheet.core.schema.MENTORSHEET_PAIRING_COLUMNS`), and a new
  row only known columns: anything else is a programming error, raised
  before anything is written.
- Headers are found by :func:`~mentorsheet.core.schema.resolve_columns`
  (configured aliases win over the standard name).
- New rows go just below the last row holding anything; an ID already on
  the tab, or twice in the batch, is not added.
- Values are text; :data:`~mentorsheet.core.schema.CELL_KINDS` says which
  columns hold dates, date-times and numbers, and the plan gives each typed
  position its kind (``kinds``) so the store writes a real value there
  (:func:`~mentorsheet.adapters.workbook.values.typed_value`).
- A store may refuse a row it cannot write (``refuse``: the ``.xlsx`` store's
  merged cells), checked on every cell mentorsheet may write on that row so
  a row that could not take an intro's result is refused before the send.

Retried attempts (``retried``): when a store sent a write whose response was
lost and tries again, the tab may already hold that write. An update whose
cells already hold its values then counts as done even though its Status
moved (the earlier attempt moved it), and a new row whose ID is now on
exactly one row counts as added, unless the earlier attempt had itself
skipped that ID (it was there before).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from mentorsheet.adapters.workbook.contract import PairingUpdate, SkippedWrite, WriteOutcome
from mentorsheet.adapters.workbook.rows import (
    Grid,
    adjacent_runs,
    data_end,
    row_texts,
    rows_by_id,
    text_at,
)
from mentorsheet.core.model import Problem
from mentorsheet.core.schema import (
    CELL_KINDS,
    COLUMNS,
    MENTORSHEET_PAIRING_COLUMNS,
    PAIRINGS,
    PC,
    PROBLEMS,
    RUNS,
    CellKind,
    resolve_columns,
    same_status,
)
from mentorsheet.errors import WorkbookError

# (grid row, column position, column name) -> why the store cannot write there, or "".
Refusal = Callable[[int, int, str], str]


@dataclass(frozen=True)
class CellWrite:
    row: int  # 0-based grid row: 0 is the header, spreadsheet row ``row + 1``
    column: int  # 0-based column position
    text: str


@dataclass
class WritePlan:
    """What a batch does to the Pairings tab; every position is 0-based."""

    columns: Mapping[str, int]  # canonical column -> position, as resolved
    cells: list[CellWrite] = field(default_factory=list)
    append_at: int = 1  # grid row of the first new row
    new_rows: list[tuple[str, ...]] = field(default_factory=list)  # texts by position
    applied: list[str] = field(default_factory=list)
    skipped: list[SkippedWrite] = field(default_factory=list)
    # Every row the batch wrote, added, or found already done: (grid row, Pairing ID).
    located: list[tuple[int, str]] = field(default_factory=list)
    statuses: dict[str, str] = field(default_factory=dict)  # Pairing ID -> Status now

    @property
    def kinds(self) -> dict[int, CellKind]:
        """The typed positions of the tab and their kinds (every other position is text)."""
        return typed_positions(PAIRINGS, self.columns)

    @property
    def owned_typed(self) -> list[int]:
        """The typed positions mentorsheet may write on an existing row, in order."""
        kinds = self.kinds
        return sorted(
            at
            for column, at in self.columns.items()
            if column in MENTORSHEET_PAIRING_COLUMNS and at in kinds
        )

    def outcome(self) -> WriteOutcome:
        return WriteOutcome(applied=tuple(self.applied), skipped=tuple(self.skipped))

    def cell_runs(self) -> Iterator[tuple[int, int, list[str]]]:
        """The cell writes as runs of adjacent cells: ``(grid row, first column, texts)``."""
        by_row: dict[int, dict[int, str]] = {}
        for cell in self.cells:
            by_row.setdefault(cell.row, {})[cell.column] = cell.text
        for row, cells in by_row.items():
            for start, texts in adjacent_runs(cells):
                yield row, start, texts


def typed_positions(tab: str, columns: Mapping[str, int]) -> dict[int, CellKind]:
    """Position -> kind for the typed columns of ``tab`` found at ``columns``."""
    kinds = CELL_KINDS.get(tab, {})
    return {at: kinds[column] for column, at in columns.items() if column in kinds}


# --- checks before anything is read -----------------------------------------------


def check_known(tab: str, values: Mapping[str, str], what: str) -> None:
    unknown = [column for column in values if column not in COLUMNS[tab]]
    if unknown:
        raise WorkbookError(f"{what} names no {tab} column: {', '.join(unknown)}")


def check_owned(update: PairingUpdate) -> None:
    # Staff own the other cells of an existing row: never write them.
    foreign = [column for column in update.values if column not in MENTORSHEET_PAIRING_COLUMNS]
    if foreign:
        raise WorkbookError(
            f"refusing to update {', '.join(foreign)} of pairing {update.pairing_id!r}: "
            "mentorsheet only writes " + ", ".join(sorted(MENTORSHEET_PAIRING_COLUMNS))
        )


def check_write(new_rows: Sequence[Mapping[str, str]], updates: Sequence[PairingUpdate]) -> None:
    """Raise for a batch no store may write at all (before any request or load)."""
    for update in updates:
        check_owned(update)
    for values in new_rows:
        check_known(PAIRINGS, values, "a new Pairings row")


def missing_columns(columns: Mapping[str, int], values: Mapping[str, str]) -> str:
    """Why ``values`` cannot be written on this tab (a column it lacks), or ""."""
    missing = [column for column in values if column not in columns]
    return f"the Pairings tab has no {', '.join(missing)} column" if missing else ""


def status_moved(current: str, expected: str) -> str:
    return (
        f"its Status is now {current.strip() or '(empty)'!r}, "
        f"not {expected!r}: it was changed since it was read"
    )


# --- the plan ------------------------------------------------------------------------


@dataclass
class _Planner:
    grid: Grid
    columns: Mapping[str, int]
    retried: frozenset[str] | None
    refuse: Refusal | None
    by_id: dict[str, list[int]]
    plan: WritePlan

    def update(self, update: PairingUpdate) -> None:
        pairing_id = update.pairing_id.strip()
        rows = self.by_id.get(pairing_id, [])
        reason = _why_not_located(rows) or missing_columns(self.columns, update.values)
        row = rows[0] if rows else 0
        cells = {self.columns[c]: text for c, text in update.values.items() if c in self.columns}
        already = all(text_at(self.grid, row, at) == text for at, text in cells.items())
        current = text_at(self.grid, row, self.columns[PC.STATUS])
        moved = (
            "" if reason else self._status_changed(update.expect_status, current, already=already)
        )
        reason = reason or moved or self._refused(row, update.values)
        if reason:
            found = current.strip() if moved else None
            self.plan.skipped.append(SkippedWrite(update.pairing_id, reason, found))
            return
        if not already:
            self.plan.cells.extend(CellWrite(row, at, text) for at, text in sorted(cells.items()))
        self._located(row, pairing_id, update.values.get(PC.STATUS, current))
        self.plan.applied.append(update.pairing_id)

    def new_row(self, values: Mapping[str, str], batch: set[str]) -> bool:
        """Whether ``values`` is to be added (else it was skipped, or found added already)."""
        pairing_id = values.get(PC.PAIRING_ID, "").strip()
        reason = ""
        if not pairing_id:
            reason = "a new Pairings row has no Pairing ID"
        elif pairing_id in batch:
            reason = "not added: this Pairing ID appears twice in the batch"
        if reason:
            self.plan.skipped.append(SkippedWrite(pairing_id, reason))
            return False
        batch.add(pairing_id)
        existing = self.by_id.get(pairing_id, [])
        retried = self.retried is not None and pairing_id not in self.retried
        if retried and len(existing) == 1:
            # Added by this write's earlier attempt, whose response was lost.
            self._located(existing[0], pairing_id, values.get(PC.STATUS, ""))
            self.plan.applied.append(pairing_id)
            return False
        if existing:
            shown = ", ".join(str(row + 1) for row in existing)
            self.plan.skipped.append(
                SkippedWrite(pairing_id, f"not added: this Pairing ID is already on row {shown}")
            )
            return False
        return True

    def append(self, to_add: Sequence[Mapping[str, str]]) -> None:
        self.plan.append_at = data_end(self.grid)
        for offset, values in enumerate(to_add):
            pairing_id = values[PC.PAIRING_ID].strip()
            self.plan.new_rows.append(row_texts(self.columns, values))
            self._located(self.plan.append_at + offset, pairing_id, values.get(PC.STATUS, ""))
            self.plan.applied.append(pairing_id)

    def _status_changed(self, expected: str | None, current: str, *, already: bool) -> str:
        if expected is None or same_status(current, expected):
            return ""
        if self.retried is not None and already:
            return ""  # moved by this write's earlier attempt
        return status_moved(current, expected)

    def _located(self, row: int, pairing_id: str, status: str) -> None:
        self.plan.located.append((row, pairing_id))
        self.plan.statuses[pairing_id] = status

    def _refused(self, row: int, values: Mapping[str, str]) -> str:
        if self.refuse is None:
            return ""
        # Every cell mentorsheet may write on this row, not only this write's: a
        # row that could not take an intro's result is refused before the send.
        owned = [c for c in MENTORSHEET_PAIRING_COLUMNS if c in self.columns]
        for column in sorted({*values, *owned}, key=self.columns.__getitem__):
            reason = self.refuse(row, self.columns[column], column)
            if reason:
                return reason
        return ""


def _why_not_located(rows: Sequence[int]) -> str:
    if not rows:
        return "no Pairings row has this Pairing ID now (deleted or changed by staff?)"
    if len(rows) > 1:
        shown = ", ".join(str(row + 1) for row in rows)
        return f"this Pairing ID is on rows {shown}: it is not clear which one to update"
    return ""


def plan_write(
    grid: Grid,
    new_rows: Sequence[Mapping[str, str]],
    updates: Sequence[PairingUpdate],
    *,
    aliases: Mapping[str, Sequence[str]] | None = None,
    retried: frozenset[str] | None = None,
    refuse: Refusal | None = None,
) -> WritePlan:
    """Plan a batch on the Pairings tab as ``grid`` holds it now (see the module docstring).

    ``retried`` is None on a first attempt; on a retry after a sent request
    failed, the Pairing IDs that sent attempt had skipped. Raises
    :class:`~mentorsheet.errors.MissingHeaderError` for a missing required
    header and :class:`~mentorsheet.errors.WorkbookError` for a batch no
    store may write (:func:`check_write`).
    """
    check_write(new_rows, updates)
    header = grid[0] if grid else ()
    columns = resolve_columns(PAIRINGS, header, aliases)
    planner = _Planner(
        grid=grid,
        columns=columns,
        retried=retried,
        refuse=refuse,
        by_id=rows_by_id(grid, columns[PC.PAIRING_ID]),
        plan=WritePlan(columns=columns),
    )
    for update in updates:
        planner.update(update)
    batch: set[str] = set()
    planner.append([values for values in new_rows if planner.new_row(values, batch)])
    return planner.plan


def still_marked(
    grid: Grid,
    written: Mapping[str, str],
    pairing_ids: Collection[str],
    aliases: Mapping[str, Sequence[str]] | None = None,
) -> set[str]:
    """Of ``pairing_ids``, those on exactly one row whose Status still reads as ``written``'s."""
    header = grid[0] if grid else ()
    columns = resolve_columns(PAIRINGS, header, aliases)
    by_id = rows_by_id(grid, columns[PC.PAIRING_ID])
    kept: set[str] = set()
    for pairing_id in pairing_ids:
        rows = by_id.get(pairing_id.strip(), [])
        wrote = written.get(pairing_id.strip())
        if wrote is None or len(rows) != 1:
            continue
        if same_status(text_at(grid, rows[0], columns[PC.STATUS]), wrote):
            kept.add(pairing_id)
    return kept


@dataclass(frozen=True)
class FinishPlan:
    """The Problems rows (the whole tab below its header) and the Runs row, as texts.

    Problems are all text; ``run_kinds`` gives the typed positions of the Runs row.
    """

    problem_rows: tuple[tuple[str, ...], ...]
    run_row: tuple[str, ...]
    run_kinds: Mapping[int, CellKind] = field(default_factory=dict)


def plan_finish(
    problems_header: Sequence[str],
    runs_header: Sequence[str],
    problems: Sequence[Problem],
    run_row: Mapping[str, str],
    headers: Mapping[str, Mapping[str, Sequence[str]]],
) -> FinishPlan:
    """Place the problems and the Runs row by their tabs' headers (``headers``: the aliases)."""
    check_known(RUNS, run_row, "the Runs row")
    problem_columns = resolve_columns(PROBLEMS, problems_header, headers.get(PROBLEMS))
    run_columns = resolve_columns(RUNS, runs_header, headers.get(RUNS))
    return FinishPlan(
        problem_rows=tuple(row_texts(problem_columns, problem.as_row()) for problem in problems),
        run_row=row_texts(run_columns, run_row),
        run_kinds=typed_positions(RUNS, run_columns),
    )

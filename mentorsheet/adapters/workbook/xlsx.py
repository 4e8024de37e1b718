"""The local ``.xlsx`` workbook store (openpyxl): the embedded default backend.

How it keeps the promises of :mod:`mentorsheet.adapters.workbook.contract`:

- **No overlapping runs.** A session holds an OS file lock (``flock``) on the
  sibling file ``<name>.lock`` from start to end. The OS drops the lock of a
  killed process, so a crashed run never blocks the next one. Dry runs only
  read and take no lock.
- **Writes land on the right row.** Every write re-loads the file from disk
  (staff may have saved it with rows inserted, sorted or deleted since the
  read) and locates each row by its Pairing ID at that moment; an ID that is
  missing, duplicated or whose Status has moved is skipped and reported.
- **Text stays text.** openpyxl turns a ``str`` starting with ``=`` into a
  formula unless the cell's data type is forced to string, which we do for
  every value written.
- **A crash never leaves a broken workbook.** Saves go to a temporary file in
  the same directory, are flushed to disk, then renamed over the workbook.
- **Staff formatting survives.** The workbook is loaded in full (not
  read-only) and saved back, so fonts, fills, widths, validations,
  conditional formats and other tabs are kept. What openpyxl cannot carry
  (drawn shapes, form controls, some Excel extensions) is lost on a save.
- **A workbook open in a spreadsheet program is not written.** Its owner
  would later save their copy over ours and undo what the run recorded
  (possibly causing an introduction to be sent twice), so a run refuses to
  start, and a save refuses to happen, while LibreOffice's or Excel's lock
  file sits beside the workbook.

Markers live in the workbook's custom document properties (names
``mentorsheet.<key>``): invisible in the grid, kept by Excel and LibreOffice,
and saved in the same file, so they are as durable as the data they describe.

Request counting: each load of the file counts as one read and each save as
one write (see :attr:`XlsxSession.stats`). A write loads the file again only
when it changed since this session last loaded or saved it, so a ``run``
costs one read for ``read()``, one load for its first write, and one save per
write, ``set_marker`` and ``finish``.

Text comes back as XML keeps it: CR LF and lone CR read as LF, and the few
characters XML cannot hold at all (most control characters) are dropped
when written.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Final

import openpyxl
from filelock import FileLock, Timeout
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.formatting.rule import CellIsRule
from openpyxl.packaging.custom import CustomPropertyList, StringProperty
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.properties import CalcProperties
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

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
    MENTEES,
    MENTORS,
    MENTORSHEET_PAIRING_COLUMNS,
    PAIRINGS,
    PROBLEMS,
    RUNS,
    TABS,
    header_key,
    resolve_columns,
    same_status,
)
from mentorsheet.core.statuses import STATUS_COLOURS
from mentorsheet.errors import (
    MissingTabError,
    RunInProgressError,
    WorkbookAccessError,
    WorkbookError,
)

MARKER_PREFIX: Final = "mentorsheet."
Fingerprint = tuple[int, int, int, int]  # device, inode, size, modification time (ns)

# Characters an .xlsx (XML 1.0) cannot hold: a file containing one cannot be opened again.
NOT_XML: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
LAST_ROW: Final = 1_048_576  # the last row of an .xlsx sheet: validations cover whole columns

# Column widths (in characters) wider than the header needs.
WIDE_COLUMNS: Final[Mapping[str, int]] = {
    "Name": 24,
    "Email": 30,
    "Skills": 36,
    "Skills wanted": 36,
    "Calendly link": 32,
    "Mentee": 24,
    "Mentor": 24,
    "Mentee email": 30,
    "Mentor email": 30,
    "Why": 48,
    "Notes": 36,
    "Intro message ID": 36,
    "Value": 30,
    "Problem": 60,
    "Started": 22,
    "Finished": 22,
    "Result": 40,
    "Digest": 22,
}


def cell_text(value: object) -> str:
    """A cell's value as the text the pure core parses (see :class:`RawTab`)."""
    if value is None:
        return ""
    if isinstance(value, bool):  # before int: bool is an int
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        # A date typed into a cell is stored as midnight: give it as a date.
        if value.time() == time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def _strip_trailing_blanks(cells: Iterable[str]) -> tuple[str, ...]:
    values = list(cells)
    while values and values[-1] == "":
        values.pop()
    return tuple(values)


def _raw_tab(sheet: ReadOnlyWorksheet) -> RawTab:
    # Some programs write a wrong sheet size; read every row there is instead.
    sheet.reset_dimensions()
    rows = [_strip_trailing_blanks(cell_text(value) for value in row) for row in sheet.values]
    while rows and not rows[-1]:
        rows.pop()
    header = rows[0] if rows else ()
    return RawTab(title=sheet.title, header=header, rows=tuple(rows[1:]))


def _set_text(cell: Cell | MergedCell, text: str) -> None:
    """Write ``text`` into ``cell`` as a string, never as a formula."""
    if isinstance(cell, MergedCell):  # raising before the save leaves the file as it was
        raise WorkbookError(
            f"cell {cell.coordinate} of tab {cell.parent.title!r} is inside merged cells; "
            "unmerge them so mentorsheet can write there"
        )
    cleaned = NOT_XML.sub("", text)
    if cleaned == "":
        cell.value = None
        return
    cell.value = cleaned
    cell.data_type = "s"  # openpyxl made it "f" when it starts with "="


def _editor_lock_files(path: Path) -> list[Path]:
    """Lock files that LibreOffice and Excel keep beside a workbook they have open."""
    name = path.name
    # Excel names its owner file "~$" + the name, dropping leading characters of long names.
    candidates = [f".~lock.{name}#", f"~${name}", f"~${name[1:]}", f"~${name[2:]}"]
    return [path.with_name(candidate) for candidate in dict.fromkeys(candidates)]


class _Columns:
    """Where a tab's canonical columns are (1-based), found by header name."""

    def __init__(self, sheet: Worksheet, tab: str, aliases: Mapping[str, Sequence[str]]) -> None:
        header = [cell_text(cell.value) for cell in sheet[1]]
        self.positions = {
            column: index + 1 for column, index in resolve_columns(tab, header, aliases).items()
        }
        self.tab = tab

    def check_known(self, values: Mapping[str, str], what: str) -> None:
        unknown = [column for column in values if column not in COLUMNS[self.tab]]
        if unknown:
            raise WorkbookError(f"{what} names no {self.tab} column: {', '.join(unknown)}")

    def write_row(self, sheet: Worksheet, row: int, values: Mapping[str, str]) -> None:
        # A canonical column the tab lacks can only be an optional one (resolve_columns
        # raised for required ones); there is nowhere to put it, so it is left out.
        for column, text in values.items():
            position = self.positions.get(column)
            if position is not None:
                _set_text(sheet.cell(row=row, column=position), text)


def _scan_pairings(sheet: Worksheet, id_column: int) -> tuple[dict[str, list[int]], int]:
    """Rows of each Pairing ID now, and the last row holding anything at all."""
    rows_by_id: dict[str, list[int]] = {}
    last = 1
    for number, values in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        if any(value is not None and value != "" for value in values):
            last = number
        if id_column <= len(values):
            pairing_id = cell_text(values[id_column - 1]).strip()
            if pairing_id:
                rows_by_id.setdefault(pairing_id, []).append(number)
    return rows_by_id, last


def _last_filled_row(sheet: Worksheet) -> int:
    last = 1
    for number, values in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        if any(value is not None and value != "" for value in values):
            last = number
    return last


class XlsxSession:
    """One run's access to the workbook file; made by :meth:`XlsxStore.session`."""

    def __init__(self, store: XlsxStore, *, writable: bool) -> None:
        self._store = store
        self._writable = writable
        self._open = True
        self._finished = False
        self._reads = 0
        self._writes = 0
        # The workbook as last loaded or saved, and the file it matches (see _editable).
        self._kept: tuple[Workbook, Fingerprint | None] | None = None
        # Changed but not saved yet (a write with durable=False).
        self._pending: tuple[Workbook, Fingerprint | None] | None = None

    @property
    def stats(self) -> RequestStats:
        return RequestStats(reads=self._reads, writes=self._writes)

    def close(self) -> None:
        self._open = False
        self._kept = None
        self._pending = None

    # --- reading ---------------------------------------------------------------

    def read(self) -> RawWorkbook:
        # Cached values, not formulas: what staff see in their spreadsheet program.
        # Read-only mode streams the sheets: faster, and nothing is saved from it.
        workbook = self._load(data_only=True, read_only=True)
        try:
            config = self._store.config
            tabs: dict[str, RawTab] = {}
            for tab in TABS:
                title = config.tab_title(tab)
                if title in workbook.sheetnames:
                    sheet = workbook[title]
                    if isinstance(sheet, ReadOnlyWorksheet):
                        tabs[tab] = _raw_tab(sheet)  # sheets are parsed here, lazily
            titles = tuple(workbook.sheetnames)
            markers = _markers_of(workbook)
        except Exception as exc:  # as in XlsxStore.load: a damaged sheet
            raise self._store.unreadable(exc) from None
        finally:
            workbook.close()
        return RawWorkbook(tabs=tabs, titles=titles, markers=markers)

    # --- writing ---------------------------------------------------------------

    def write(
        self,
        new_rows: Sequence[Mapping[str, str]],
        updates: Sequence[PairingUpdate],
        *,
        durable: bool = True,
    ) -> WriteOutcome:
        self._check_writable("write Pairings rows")
        if not new_rows and not updates:
            return WriteOutcome()
        for update in updates:
            self._check_owned(update)
        workbook, loaded_as = self._editable()
        sheet = self._sheet(workbook, PAIRINGS)
        columns = _Columns(sheet, PAIRINGS, self._aliases(PAIRINGS))
        for values in new_rows:
            columns.check_known(values, "a new Pairings row")
        rows_by_id, last = _scan_pairings(sheet, columns.positions["Pairing ID"])
        status_column = columns.positions["Status"]
        applied: list[str] = []
        skipped: list[SkippedWrite] = []

        for update in updates:
            pairing_id = update.pairing_id.strip()
            reason = self._why_not_update(sheet, columns, rows_by_id, update, status_column)
            if reason:
                skipped.append(SkippedWrite(update.pairing_id, reason))
                continue
            columns.write_row(sheet, rows_by_id[pairing_id][0], update.values)
            applied.append(update.pairing_id)

        for values in new_rows:
            pairing_id = values.get("Pairing ID", "").strip()
            if not pairing_id:
                skipped.append(SkippedWrite("", "a new Pairings row has no Pairing ID"))
                continue
            if pairing_id in rows_by_id:
                rows = ", ".join(str(row) for row in rows_by_id[pairing_id])
                skipped.append(
                    SkippedWrite(pairing_id, f"not added: this Pairing ID is already on row {rows}")
                )
                continue
            last += 1
            columns.write_row(sheet, last, values)
            rows_by_id[pairing_id] = [last]
            applied.append(pairing_id)

        if applied and durable:
            self._save(workbook)
        elif applied:
            # Saved with the next marker or finish: one save of a large workbook
            # fewer when nothing is sent in between.
            self._pending = (workbook, loaded_as)
        else:
            self._kept = (workbook, loaded_as)  # unchanged: still the file on disk
        return WriteOutcome(applied=tuple(applied), skipped=tuple(skipped))

    def set_marker(self, key: str, value: str) -> None:
        self._check_writable("record a marker")
        workbook, _ = self._editable()
        name = MARKER_PREFIX + key
        properties = _custom_properties(workbook)
        if name in properties.names:
            del properties[name]
        properties.append(StringProperty(name=name, value=value))
        self._save(workbook)

    def finish(self, problems: Sequence[Problem], run_row: Mapping[str, str]) -> None:
        self._check_writable("finish the run")
        workbook, _ = self._editable()
        problem_sheet = self._sheet(workbook, PROBLEMS)
        runs_sheet = self._sheet(workbook, RUNS)
        problem_columns = _Columns(problem_sheet, PROBLEMS, self._aliases(PROBLEMS))
        runs_columns = _Columns(runs_sheet, RUNS, self._aliases(RUNS))
        runs_columns.check_known(run_row, "the Runs row")

        # Rewritten: whole rows go, so staff columns beside the problems don't go stale.
        if problem_sheet.max_row >= 2:
            problem_sheet.delete_rows(2, problem_sheet.max_row - 1)
        problems = [*problems, *self._formula_problems(workbook)]
        for offset, problem in enumerate(problems):
            problem_columns.write_row(problem_sheet, 2 + offset, problem.as_row())
        runs_columns.write_row(runs_sheet, _last_filled_row(runs_sheet) + 1, run_row)

        self._save(workbook)
        self._finished = True

    # --- helpers ---------------------------------------------------------------

    def _formula_problems(self, workbook: Workbook) -> list[Problem]:
        """Formulas in the tabs mentorsheet reads, which its saves leave without a result.

        openpyxl keeps a formula but not its last value, so after a save the cell
        reads as empty until Excel or LibreOffice recalculates and saves the file.
        Staff are told on every run, on the Problems tab, while such cells remain.
        """
        found: list[Problem] = []
        for tab in (MENTORS, MENTEES, PAIRINGS):
            title = self._store.config.tab_title(tab)
            sheet = workbook[title] if title in workbook.sheetnames else None
            if not isinstance(sheet, Worksheet):
                continue
            header = [cell_text(cell.value) for cell in sheet[1]]
            for row in sheet.iter_rows(min_row=2):
                for cell in row:
                    if isinstance(cell, Cell) and cell.data_type == "f" and cell.column:
                        position = cell.column - 1
                        column = header[position] if position < len(header) else ""
                        found.append(
                            Problem(
                                tab=title,
                                row=cell.row,
                                column=column or cell.column_letter,
                                value=str(cell.value),
                                problem=(
                                    "holds a formula: mentorsheet saves this workbook without "
                                    "formula results, so the cell reads as empty until the file "
                                    "is opened and saved in Excel or LibreOffice; type the value "
                                    "instead"
                                ),
                            )
                        )
        return found

    def _aliases(self, tab: str) -> Mapping[str, Sequence[str]]:
        return self._store.config.headers.get(tab, {})

    def _check_writable(self, what: str) -> None:
        if not self._writable:
            raise WorkbookError(f"dry run: refusing to {what} in {self._store.describe()}")
        if not self._open:
            raise WorkbookError(f"the session on {self._store.describe()} is closed")
        if self._finished:
            raise WorkbookError(f"the run on {self._store.describe()} has already finished")

    @staticmethod
    def _check_owned(update: PairingUpdate) -> None:
        # Staff own the other cells of an existing row: never write them.
        foreign = [column for column in update.values if column not in MENTORSHEET_PAIRING_COLUMNS]
        if foreign:
            raise WorkbookError(
                f"refusing to update {', '.join(foreign)} of pairing {update.pairing_id!r}: "
                "mentorsheet only writes " + ", ".join(sorted(MENTORSHEET_PAIRING_COLUMNS))
            )

    @staticmethod
    def _why_not_update(
        sheet: Worksheet,
        columns: _Columns,
        rows_by_id: Mapping[str, list[int]],
        update: PairingUpdate,
        status_column: int,
    ) -> str:
        rows = rows_by_id.get(update.pairing_id.strip(), [])
        if not rows:
            return "no Pairings row has this Pairing ID now (deleted or changed by staff?)"
        if len(rows) > 1:
            shown = ", ".join(str(row) for row in rows)
            return f"this Pairing ID is on rows {shown}: it is not clear which one to update"
        if update.expect_status is not None:
            current = cell_text(sheet.cell(row=rows[0], column=status_column).value)
            if not same_status(current, update.expect_status):
                return (
                    f"its Status is now {current.strip() or '(empty)'!r}, "
                    f"not {update.expect_status!r}: it was changed since it was read"
                )
        missing = [column for column in update.values if column not in columns.positions]
        if missing:
            return f"the Pairings tab has no {', '.join(missing)} column"
        # Every cell mentorsheet may write on this row, not only this write's: a
        # row that could not take an intro's result is refused before the send.
        owned = [c for c in MENTORSHEET_PAIRING_COLUMNS if c in columns.positions]
        for column in sorted({*update.values, *owned}, key=columns.positions.__getitem__):
            cell = sheet.cell(row=rows[0], column=columns.positions[column])
            if isinstance(cell, MergedCell):
                return (
                    f"cell {cell.coordinate} ({column}) is inside merged cells; "
                    "unmerge them so mentorsheet can write there"
                )
        return ""

    def _sheet(self, workbook: Workbook, tab: str) -> Worksheet:
        title = self._store.config.tab_title(tab)
        sheet = workbook[title] if title in workbook.sheetnames else None
        if not isinstance(sheet, Worksheet):
            raise MissingTabError(title, workbook.sheetnames)
        return sheet

    def _load(self, *, data_only: bool, read_only: bool = False) -> Workbook:
        if not self._open:
            raise WorkbookError(f"the session on {self._store.describe()} is closed")
        workbook = self._store.load(data_only=data_only, read_only=read_only)
        self._reads += 1
        return workbook

    def _editable(self) -> tuple[Workbook, Fingerprint | None]:
        """The workbook as it is on disk now, ready to change, and the file it came from.

        Each write must see what staff saved since the last one, so the file is
        loaded again, unless it is still exactly the file this session saved
        or loaded last (same inode, size and modification time): then the copy
        in memory is that file, and loading it again would only cost time.
        A copy that was changed but not saved is never kept.
        """
        pending, self._pending = self._pending, None
        if pending is not None:
            if pending[1] != self._store.fingerprint():
                raise WorkbookError(
                    f"{self._store.path} was changed by someone else during the run, before "
                    "mentorsheet had saved its Pairings changes; nothing more was written and "
                    "nothing was sent: run it again"
                )
            return pending
        kept, self._kept = self._kept, None
        if kept is not None and kept[1] is not None and kept[1] == self._store.fingerprint():
            return kept
        # Taken before loading: if the file changes meanwhile, the next write reloads.
        fingerprint = self._store.fingerprint()
        return self._load(data_only=False), fingerprint

    def _save(self, workbook: Workbook) -> None:
        fingerprint = self._store.save(workbook)
        self._writes += 1
        self._kept = (workbook, fingerprint)


def _custom_properties(workbook: Workbook) -> CustomPropertyList[object]:
    # Added in openpyxl 3.1; the type stubs do not list it yet.
    properties: CustomPropertyList[object] = workbook.custom_doc_props  # type: ignore[attr-defined]
    return properties


def _markers_of(workbook: Workbook) -> dict[str, str]:
    return {
        prop.name[len(MARKER_PREFIX) :]: str(prop.value)
        for prop in _custom_properties(workbook)
        if prop.name.startswith(MARKER_PREFIX) and prop.value is not None
    }


class XlsxStore:
    """The workbook as a local ``.xlsx`` file.

    ``clock`` is accepted for parity with the Google store, whose lease
    needs the time; the OS file lock used here does not.
    """

    def __init__(
        self,
        path: Path,
        config: WorkbookConfig,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.path = Path(path)
        self.config = config
        self.clock = clock
        self.lock_path = self.path.with_name(self.path.name + ".lock")

    def describe(self) -> str:
        return str(self.path)

    @contextmanager
    def session(self, holder: str, *, dry_run: bool = False) -> Iterator[XlsxSession]:
        if dry_run:
            session = XlsxSession(self, writable=False)
            try:
                yield session
            finally:
                session.close()
            return
        with self._exclusive():
            self._refuse_if_open_in_editor()
            self._remove_stale_temporaries()
            session = XlsxSession(self, writable=True)
            try:
                yield session
            finally:
                session.close()

    def init_tabs(self, *, dry_run: bool = False) -> list[str]:
        """Create the file and missing tabs, add missing headers; return what was done.

        An empty list means there was nothing to do (and the file was not saved).
        With ``dry_run`` the same list is returned and nothing is saved.
        """
        with self._exclusive():
            exists = self.path.exists()
            if exists:
                self._refuse_if_open_in_editor()
            workbook = self.load(data_only=False) if exists else Workbook()
            placeholder = None if exists else workbook.active
            done: list[str] = [] if exists else [f"created the workbook {self.path}"]
            for tab in TABS:
                title = self.config.tab_title(tab)
                if title not in workbook.sheetnames:
                    _create_tab(workbook, tab, title)
                    done.append(f"created tab {title!r} with columns {', '.join(COLUMNS[tab])}")
                    continue
                sheet = workbook[title]
                if not isinstance(sheet, Worksheet):
                    raise WorkbookError(f"{title!r} in {self.path} is a chart, not a sheet")
                added = _add_missing_headers(sheet, tab, self.config.headers.get(tab, {}))
                if added:
                    done.append(f"added column(s) {', '.join(added)} to tab {title!r}")
            if placeholder is not None:
                workbook.remove(placeholder)  # openpyxl's empty "Sheet"
                workbook.active = 0
            if not done:
                return []  # nothing to do: no save, the file is untouched
            if not dry_run:
                self.save(workbook)
            return done

    # --- file access (used by sessions) ----------------------------------------

    def load(self, *, data_only: bool, read_only: bool = False) -> Workbook:
        """Load the whole workbook from disk (``read_only``: streamed, close it after use)."""
        try:
            return openpyxl.load_workbook(self.path, read_only=read_only, data_only=data_only)
        except FileNotFoundError:
            raise WorkbookAccessError(
                f"there is no workbook at {self.path}; run `mentorsheet init` to create it"
            ) from None
        except PermissionError:
            raise WorkbookAccessError(f"no permission to read {self.path}") from None
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise self.unreadable(exc) from None

    def unreadable(self, exc: Exception) -> WorkbookAccessError:
        return WorkbookAccessError(
            f"{self.path} could not be read as an .xlsx workbook ({type(exc).__name__}: {exc})"
        )

    def fingerprint(self) -> Fingerprint | None:
        """What identifies the file's current version (None when it is missing)."""
        try:
            info = self.path.stat()
        except OSError:
            return None
        return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)

    def save(self, workbook: Workbook) -> Fingerprint:
        """Save atomically: a temporary file beside the workbook, flushed, then renamed.

        Returns the fingerprint of the file written (the rename keeps it).
        """
        self._refuse_if_open_in_editor()
        # openpyxl keeps formulas but not their last results: ask Excel and
        # LibreOffice to recalculate on opening so staff formulas show values.
        if workbook.calculation is None:
            workbook.calculation = CalcProperties()
        workbook.calculation.fullCalcOnLoad = True
        directory = self.path.parent
        try:
            handle, temporary = tempfile.mkstemp(
                prefix=f".{self.path.name}.", suffix=".tmp", dir=directory
            )
        except OSError as exc:
            raise WorkbookAccessError(f"cannot write in {directory}: {exc.strerror}") from None
        try:
            with os.fdopen(handle, "wb") as stream:
                workbook.save(stream)
                stream.flush()
                os.fsync(stream.fileno())
                info = os.fstat(stream.fileno())
            try:
                mode = stat.S_IMODE(self.path.stat().st_mode)
            except FileNotFoundError:
                # A new workbook gets the usual permissions (mkstemp's are owner-only).
                mode = 0o666 & ~_umask()
            os.chmod(temporary, mode)
            os.replace(temporary, self.path)
        except BaseException as exc:
            with suppress(OSError):
                os.unlink(temporary)
            if isinstance(exc, OSError):
                raise WorkbookAccessError(
                    f"could not save {self.path} (it is unchanged): {exc.strerror or exc}"
                ) from None
            raise
        _fsync_directory(directory)
        return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)

    # --- locking ---------------------------------------------------------------

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        lock = FileLock(self.lock_path, timeout=self.config.wait_seconds)
        try:
            lock.acquire()
        except Timeout:
            raise RunInProgressError(
                f"another mentorsheet run is using {self.path} (it holds {self.lock_path}); "
                f"waited {self.config.wait_seconds:g} s. Try again when that run has finished."
            ) from None
        except OSError as exc:
            raise WorkbookAccessError(
                f"cannot lock {self.path} (lock file {self.lock_path}): {exc.strerror or exc}"
            ) from None
        try:
            yield
        finally:
            lock.release()

    def _refuse_if_open_in_editor(self) -> None:
        for lock_file in _editor_lock_files(self.path):
            if lock_file.exists():
                raise WorkbookAccessError(
                    f"{self.path} is open in a spreadsheet program ({lock_file.name} is beside "
                    "it): close it there and run again, or delete that file if nobody has the "
                    "workbook open"
                )

    def _remove_stale_temporaries(self) -> None:
        # Left by a run killed mid-save; we hold the lock, so no save is in progress.
        pattern = re.compile(re.escape(f".{self.path.name}.") + r"[^/\\]*\.tmp")
        if not self.path.parent.is_dir():
            return
        for entry in self.path.parent.iterdir():
            if pattern.fullmatch(entry.name):
                with suppress(OSError):
                    entry.unlink()


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable; not possible (nor needed) on every platform.
    with suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _create_tab(workbook: Workbook, tab: str, title: str) -> None:
    sheet = workbook.create_sheet(title)
    bold = Font(bold=True)
    for position, column in enumerate(COLUMNS[tab], start=1):
        cell = sheet.cell(row=1, column=position)
        _set_text(cell, column)
        cell.font = bold
        width = max(WIDE_COLUMNS.get(column, 0), len(column) + 4, 10)
        sheet.column_dimensions[get_column_letter(position)].width = width
    sheet.freeze_panes = "A2"
    for (dropdown_tab, column), choices in DROPDOWNS.items():
        if dropdown_tab == tab:
            _add_dropdown(sheet, COLUMNS[tab].index(column) + 1, column, choices)
    if tab == PAIRINGS:
        letter = get_column_letter(COLUMNS[tab].index("Status") + 1)
        cells = f"{letter}2:{letter}{LAST_ROW}"
        for status, colour in STATUS_COLOURS.items():
            fill = PatternFill(start_color=colour, end_color=colour, fill_type="solid")
            rule = CellIsRule(  # type: ignore[no-untyped-call]
                operator="equal", formula=[f'"{status.value}"'], fill=fill
            )
            sheet.conditional_formatting.add(cells, rule)
    # No protection of mentorsheet's columns here: .xlsx sheet protection is
    # all-or-nothing and needs a password, unlike Google's warning-only kind.


def _add_dropdown(sheet: Worksheet, position: int, column: str, choices: Sequence[str]) -> None:
    letter = get_column_letter(position)
    validation = DataValidation(
        type="list",
        formula1='"' + ",".join(choices) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",  # staff may still enter another value after a warning
        errorTitle=f"Unexpected {column}",
        error=f"{column} is usually one of: {', '.join(choices)}",
    )
    validation.add(f"{letter}2:{letter}{LAST_ROW}")
    sheet.add_data_validation(validation)


def _add_missing_headers(
    sheet: Worksheet, tab: str, aliases: Mapping[str, Sequence[str]]
) -> list[str]:
    """Append the headers of absent columns to the header row; never touch data."""
    header = _strip_trailing_blanks(cell_text(cell.value) for cell in sheet[1])
    present = {header_key(text) for text in header if text.strip()}
    missing = [
        column
        for column in COLUMNS[tab]
        if not any(header_key(name) in present for name in (column, *aliases.get(column, ())))
    ]
    for offset, column in enumerate(missing, start=len(header) + 1):
        cell = sheet.cell(row=1, column=offset)
        _set_text(cell, column)
        cell.font = Font(bold=True)
    return missing

"""The local ``.xlsx`` workbook store (openpyxl): the embedded default backend.

How it keeps the promises of :mod:`mentorsheet.adapters.workbook.contract`:

- **No overlapping runs.** A session holds an OS file lock (``flock``) on the
  sibling file ``<name>.lock`` from start to end. The OS drops the lock of a
  killed process, so a crashed run never blocks the next one. Dry runs only
  read and take no lock.
- **Writes land on the right row.** Every write re-loads the file from disk
  (staff may have saved it with rows inserted, sorted or deleted since the
  read) and hands the Pairings tab as it is then to the planner every store
  shares (:mod:`mentorsheet.adapters.workbook.plan`): rows are located by
  Pairing ID, and an ID that is missing, duplicated or whose Status has moved
  is skipped and reported. This store adds one refusal of its own: a row whose
  mentorsheet cells are merged. It then only sets the planned cells.
- **Text stays text** (:mod:`mentorsheet.adapters.workbook.xlsx_format`):
  every text is written as a string cell, never as a formula; the dates and
  numbers of typed columns as date and number cells with a number format.
- **A crash never leaves a broken workbook.** Saves go to a temporary file in
  the same directory, are flushed to disk, then renamed over the workbook,
  unless someone saved the workbook since it was loaded: then the change is
  made again on their version (a staff edit is never saved over).
  A symbolic link (common in synced folders) is saved through: the temporary
  file goes beside the real file, and locks are looked for by the real file.
- **Staff formatting survives.** The workbook is loaded in full and saved back,
  so fonts, fills, widths, validations, conditional formats and other tabs are
  kept; what openpyxl cannot carry (shapes, form controls) is lost on a save.
- **A workbook open in a spreadsheet program is not written.** Its owner
  would later save their copy over ours and undo what the run recorded
  (possibly causing an introduction to be sent twice), so a run refuses to
  start, and a save refuses to happen, while LibreOffice's or Excel's lock
  file sits beside the workbook.

Markers live in the workbook's custom document properties (names
``mentorsheet.<key>``): invisible in the grid, kept by Excel and LibreOffice,
and saved in the same file, so they are as durable as the data they describe.

Request counting: each load of the file is one read and each save one write
(:attr:`XlsxSession.stats`). A write loads the file again only when it changed
since this session last loaded or saved it, so a ``run`` costs one read for
``read()``, one load for its first write, and one save per write,
``set_marker`` and ``finish``. Text comes back as XML keeps it: CR LF and lone
CR read as LF, and the few characters XML cannot hold at all (most control
characters) are dropped when written.
"""

from __future__ import annotations

import io
import os
import re
import stat
import tempfile
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path
from typing import Final, TypeVar

import openpyxl
from filelock import FileLock, Timeout
from openpyxl.cell.cell import MergedCell
from openpyxl.packaging.custom import StringProperty
from openpyxl.workbook.properties import CalcProperties
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

from mentorsheet.adapters.workbook import report_tab
from mentorsheet.adapters.workbook.contract import PairingUpdate, RequestStats, WriteOutcome
from mentorsheet.adapters.workbook.erase import by_tab, locate
from mentorsheet.adapters.workbook.guard import SessionGuard
from mentorsheet.adapters.workbook.layout import created_tab
from mentorsheet.adapters.workbook.plan import (
    Refusal,
    check_write,
    plan_finish,
    plan_write,
    still_marked,
)
from mentorsheet.adapters.workbook.rows import data_end, raw_tab
from mentorsheet.adapters.workbook.xlsx_files import (
    MARKER_PREFIX,
    FileChangedError,
    custom_properties,
    editor_lock_files,
    fsync_directory,
    markers_of,
    umask,
)
from mentorsheet.adapters.workbook.xlsx_format import (
    cell_text,
    create_tab,
    formula_problems,
    lay_out,
    set_value,
)
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
    RUNS,
    TABS,
    CellKind,
    ReportCell,
)
from mentorsheet.errors import (
    MissingTabError,
    RunInProgressError,
    WorkbookAccessError,
    WorkbookError,
)

SAVE_ATTEMPTS: Final = 3  # a write done again on a file staff saved meanwhile
T = TypeVar("T")
Fingerprint = tuple[int, int, int, int]  # device, inode, size, modification time (ns)


def _raw_tab(sheet: ReadOnlyWorksheet) -> RawTab:
    # Some programs write a wrong sheet size; read every row there is instead.
    sheet.reset_dimensions()
    return raw_tab(sheet.title, [[cell_text(value) for value in row] for row in sheet.values])


def _grid(sheet: Worksheet) -> list[list[str]]:
    """A sheet's cells as text, header row first (formula cells as their formula)."""
    return [[cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]


def _put_row(
    sheet: Worksheet, row: int, texts: Sequence[str], kinds: Mapping[int, CellKind]
) -> None:
    """Write ``texts`` into grid row ``row`` (0-based), leaving the cells of blank texts alone.

    ``kinds``: the typed positions of the tab (the rest is text).
    """
    for position, text in enumerate(texts):
        if text != "":
            cell = sheet.cell(row=row + 1, column=position + 1)
            set_value(cell, kinds.get(position, CellKind.TEXT), text)


def _merged_refusal(sheet: Worksheet) -> Refusal:
    def refuse(row: int, position: int, column: str) -> str:
        cell = sheet.cell(row=row + 1, column=position + 1)
        if isinstance(cell, MergedCell):
            return (
                f"cell {cell.coordinate} ({column}) is inside merged cells; "
                "unmerge them so mentorsheet can write there"
            )
        return ""

    return refuse


class XlsxSession:
    """One run's access to the workbook file; made by :meth:`XlsxStore.session`."""

    def __init__(self, store: XlsxStore, *, writable: bool) -> None:
        self._store = store
        self._guard = SessionGuard(store.describe(), dry_run=not writable)
        self._reads = 0
        self._writes = 0
        # The workbook as last loaded or saved, and the file it matches (see _editable).
        self._kept: tuple[Workbook, Fingerprint | None] | None = None
        # Changed but not saved yet (a write with durable=False).
        self._pending: tuple[Workbook, Fingerprint | None] | None = None
        self._written: dict[str, str] = {}  # Pairing ID -> Status at this run's last write
        self._held = False  # the workbook being changed holds a write not saved yet

    @property
    def stats(self) -> RequestStats:
        return RequestStats(reads=self._reads, writes=self._writes)

    def close(self) -> None:
        self._guard.open = False
        self._kept = None
        self._pending = None

    # --- reading ---------------------------------------------------------------

    def read(self, *, every_tab: bool = False) -> RawWorkbook:
        # Cached values, not formulas: what staff see in their spreadsheet program.
        # Read-only mode streams the sheets: faster, and nothing is saved from it.
        workbook = self._load(data_only=True, read_only=True)
        try:
            config = self._store.config
            tabs: dict[str, RawTab] = {}
            for tab in READ_TABS:
                title = config.tab_title(tab)
                if title in workbook.sheetnames:
                    sheet = workbook[title]
                    if isinstance(sheet, ReadOnlyWorksheet):
                        tabs[tab] = _raw_tab(sheet)  # sheets are parsed here, lazily
            known = {raw.title for raw in tabs.values()}
            others = {
                sheet.title: _raw_tab(sheet)
                for sheet in workbook.worksheets
                if every_tab and sheet.title not in known and isinstance(sheet, ReadOnlyWorksheet)
            }
            titles = tuple(workbook.sheetnames)
            markers = markers_of(workbook)
        except Exception as exc:  # as in XlsxStore.load: a damaged sheet
            raise self._store.unreadable(exc) from None
        finally:
            workbook.close()
        return RawWorkbook(tabs=tabs, titles=titles, markers=markers, others=others)

    # --- writing ---------------------------------------------------------------

    def write(
        self,
        new_rows: Sequence[Mapping[str, str]],
        updates: Sequence[PairingUpdate],
        *,
        durable: bool = True,
        again: Collection[str] | None = None,  # every write re-locates: nothing to prepare
    ) -> WriteOutcome:
        self._guard.check_writable("write Pairings rows")
        if not new_rows and not updates:
            return WriteOutcome()
        check_write(new_rows, updates)
        return self._saving(lambda: self._write(new_rows, updates, durable=durable))

    def _write(
        self,
        new_rows: Sequence[Mapping[str, str]],
        updates: Sequence[PairingUpdate],
        *,
        durable: bool,
    ) -> WriteOutcome:
        workbook, loaded_as = self._editable()
        sheet = self._sheet(workbook, PAIRINGS)
        plan = plan_write(
            _grid(sheet),
            new_rows,
            updates,
            aliases=self._aliases(PAIRINGS),
            refuse=_merged_refusal(sheet),
        )
        self._written.update(plan.statuses)
        kinds = plan.kinds
        for cell in plan.cells:
            target = sheet.cell(row=cell.row + 1, column=cell.column + 1)
            set_value(target, kinds.get(cell.column, CellKind.TEXT), cell.text)
        for offset, texts in enumerate(plan.new_rows):
            _put_row(sheet, plan.append_at + offset, texts, kinds)
        applied = plan.applied

        if applied and durable:
            self._save(workbook, loaded_as)
        elif applied:
            # Saved with the next marker or finish: one save of a large workbook
            # fewer when nothing is sent in between.
            self._pending = (workbook, loaded_as)
        else:
            self._kept = (workbook, loaded_as)  # unchanged: still the file on disk
        return plan.outcome()

    def still_marked(self, pairing_ids: Collection[str]) -> set[str]:
        """As the file is now: re-loaded if staff saved it since this session's last look."""
        if self._pending is not None:  # nothing was sent since that write: it is the file
            workbook = self._pending[0]
        else:
            workbook, loaded_as = self._editable()
            self._kept = (workbook, loaded_as)  # unchanged: still the file on disk
        grid = _grid(self._sheet(workbook, PAIRINGS))
        return still_marked(grid, self._written, pairing_ids, self._aliases(PAIRINGS))

    def set_marker(self, key: str, value: str) -> None:
        self._guard.check_writable("record a marker")
        self._saving(lambda: self._set_marker(key, value))

    def _set_marker(self, key: str, value: str) -> None:
        workbook, loaded_as = self._editable()
        name = MARKER_PREFIX + key
        properties = custom_properties(workbook)
        if name in properties.names:
            del properties[name]
        properties.append(StringProperty(name=name, value=value))
        self._save(workbook, loaded_as)

    def finish(
        self,
        problems: Sequence[Problem],
        run_row: Mapping[str, str],
        *,
        erase: Sequence[CellErasure] = (),
        report: Sequence[Sequence[ReportCell]] | None = None,
    ) -> None:
        self._guard.check_writable("finish the run")
        self._saving(lambda: self._finish(problems, run_row, erase, report))
        self._guard.finished = True

    def _finish(
        self,
        problems: Sequence[Problem],
        run_row: Mapping[str, str],
        erase: Sequence[CellErasure],
        report: Sequence[Sequence[ReportCell]] | None,
    ) -> None:
        workbook, loaded_as = self._editable()
        # Located in the file as it is now, under its lock (adapters/workbook/erase).
        for title, erasures in by_tab(erase).items():
            sheet = workbook[title] if title in workbook.sheetnames else None
            if isinstance(sheet, Worksheet):
                for row, column, text in locate(_grid(sheet), erasures):
                    set_value(sheet.cell(row=row + 1, column=column + 1), CellKind.TEXT, text)
        title = self._store.config.tab_title(REPORT)
        first = report_tab.xlsx_first_cell(workbook, title)
        report, problems = report_tab.spare_foreign_tab(title, first, report, problems)
        if report is not None:  # in the same save as Problems and Runs
            report_tab.write_xlsx_report(workbook, title, report)
        problem_sheet = self._sheet(workbook, PROBLEMS)
        runs_sheet = self._sheet(workbook, RUNS)
        runs_grid = _grid(runs_sheet)
        plan = plan_finish(
            [cell_text(cell.value) for cell in problem_sheet[1]],
            runs_grid[0] if runs_grid else (),
            # Once each: problems read back from the tab (forget) may hold them already.
            list(dict.fromkeys([*problems, *formula_problems(workbook, self._store.config)])),
            run_row,
            self._store.config.headers,
        )
        # Rewritten: whole rows go, so staff columns beside the problems don't go stale.
        if problem_sheet.max_row >= 2:
            problem_sheet.delete_rows(2, problem_sheet.max_row - 1)
        for offset, texts in enumerate(plan.problem_rows, start=1):
            _put_row(problem_sheet, offset, texts, {})
        _put_row(runs_sheet, data_end(runs_grid), plan.run_row, plan.run_kinds)
        self._save(workbook, loaded_as)

    # --- helpers ---------------------------------------------------------------

    def _aliases(self, tab: str) -> Mapping[str, Sequence[str]]:
        return self._store.config.headers.get(tab, {})

    def _sheet(self, workbook: Workbook, tab: str) -> Worksheet:
        title = self._store.config.tab_title(tab)
        sheet = workbook[title] if title in workbook.sheetnames else None
        if not isinstance(sheet, Worksheet):
            raise MissingTabError(title, workbook.sheetnames)
        return sheet

    def _load(self, *, data_only: bool, read_only: bool = False) -> Workbook:
        self._guard.check_open()
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
        self._held = pending is not None  # a held change cannot be made again
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

    def _save(self, workbook: Workbook, since: Fingerprint | None) -> None:
        fingerprint = self._store.save(workbook, since=since)
        self._writes += 1
        self._kept = (workbook, fingerprint)

    def _saving(self, change: Callable[[], T]) -> T:
        """``change`` (load, change, save), done again on the file as it is now if staff
        saved it in between: their edits are never saved over."""
        for attempt in range(1, SAVE_ATTEMPTS + 1):
            try:
                return change()
            except FileChangedError:
                if self._held or attempt == SAVE_ATTEMPTS:
                    raise WorkbookError(
                        f"{self._store.path} was changed by someone else during the run, "
                        "while mentorsheet was saving it; nothing more was written and "
                        "nothing more was sent: run it again"
                    ) from None
        raise AssertionError("unreachable")  # pragma: no cover


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

    @property
    def target(self) -> Path:
        """The workbook file itself, through any symbolic links (resolved at each use).

        A workbook in a synced folder is often a link to the real file: saving
        over the link would replace it by a plain file and leave the real
        workbook without the run's records, so saves go to the target.
        """
        return Path(os.path.realpath(self.path))

    @property
    def lock_path(self) -> Path:
        """The run lock, beside the real file: runs through a link and through the file share it."""
        target = self.target
        return target.with_name(target.name + ".lock")

    def describe(self) -> str:
        return str(self.path)

    @contextmanager
    def session(
        self,
        holder: str,
        *,
        dry_run: bool = False,
        erasing: bool = False,  # erasures are located in the file at save time: no lock needed
    ) -> Iterator[XlsxSession]:
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
                aliases = self.config.headers.get(tab, {})
                if title not in workbook.sheetnames:
                    done.append(created_tab(title, COLUMNS[tab]))
                    done.extend(lay_out(create_tab(workbook, title, tab), tab, aliases))
                    continue
                sheet = workbook[title]
                if not isinstance(sheet, Worksheet):
                    raise WorkbookError(f"{title!r} in {self.path} is a chart, not a sheet")
                done.extend(lay_out(sheet, tab, aliases))
            done.extend(report_tab.add_xlsx_report_tab(workbook, self.config.tab_title(REPORT)))
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
            # Streamed sheets read the file lazily: a save staff make meanwhile would
            # pull it from under the reader, so stream from a snapshot of its bytes.
            source = io.BytesIO(self.path.read_bytes()) if read_only else self.path
            return openpyxl.load_workbook(source, read_only=read_only, data_only=data_only)
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

    def save(self, workbook: Workbook, *, since: Fingerprint | None = None) -> Fingerprint:
        """Save atomically: a temporary file beside the workbook, flushed, then renamed.

        With ``since`` (the file as it was loaded), refuses with
        :class:`FileChangedError`, saving nothing, if someone saved the file
        meanwhile: renaming over it would undo their edits. Returns the
        fingerprint of the file written (the rename keeps it).
        """
        self._refuse_if_open_in_editor()
        # openpyxl keeps formulas but not their last results: ask Excel and
        # LibreOffice to recalculate on opening so staff formulas show values.
        if workbook.calculation is None:
            workbook.calculation = CalcProperties()
        workbook.calculation.fullCalcOnLoad = True
        target = self.target
        directory = target.parent
        try:
            handle, temporary = tempfile.mkstemp(
                prefix=f".{target.name}.", suffix=".tmp", dir=directory
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
                mode = stat.S_IMODE(target.stat().st_mode)
            except FileNotFoundError:
                # A new workbook gets the usual permissions (mkstemp's are owner-only).
                mode = 0o666 & ~umask()
            os.chmod(temporary, mode)
            if since is not None and self.fingerprint() != since:
                raise FileChangedError(f"{self.path} was saved by someone else meanwhile")
            # Renamed over the real file, in its own folder: a link to it stays a link.
            os.replace(temporary, target)
        except BaseException as exc:
            with suppress(OSError):
                os.unlink(temporary)
            if isinstance(exc, OSError):
                raise WorkbookAccessError(
                    f"could not save {self.path} (it is unchanged): {exc.strerror or exc}"
                ) from None
            raise
        fsync_directory(directory)
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
        # Beside the link and beside the real file: the program may have opened either.
        paths = dict.fromkeys((self.path, self.target))
        for lock_file in [lock for path in paths for lock in editor_lock_files(path)]:
            if lock_file.exists():
                raise WorkbookAccessError(
                    f"{self.path} is open in a spreadsheet program ({lock_file.name} is beside "
                    "it): close it there and run again, or delete that file if nobody has the "
                    "workbook open"
                )

    def _remove_stale_temporaries(self) -> None:
        # Left by a run killed mid-save; we hold the lock, so no save is in progress.
        target = self.target
        pattern = re.compile(re.escape(f".{target.name}.") + r"[^/\\]*\.tmp")
        if not target.parent.is_dir():
            return
        for entry in target.parent.iterdir():
            if pattern.fullmatch(entry.name):
                with suppress(OSError):
                    entry.unlink()

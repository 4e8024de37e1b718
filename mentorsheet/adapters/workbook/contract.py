"""The workbook store interface: what every backend (Google Sheets, .xlsx) offers.

A run talks to its store through one :class:`WorkbookSession`, opened with
the run's lease held (no two runs overlap). The session reads every tab in
one go, applies batches of writes keyed by Pairing ID (never by row number,
which staff may change by inserting, deleting or sorting rows during a run),
keeps small named markers (the digest ledger), and finishes by rewriting
Problems, appending the Runs row and releasing the lease.

All values cross this interface as text, and the store decides nothing
about them: the core makes each value, in one canonical form per column kind
(:class:`~mentorsheet.core.schema.CellKind`: an ISO date, a local ISO
date-time without offset, a decimal number, or any text), and
:data:`~mentorsheet.core.schema.CELL_KINDS` says which columns are typed. A
store only encodes: a date, date-time or number column's value as a real
date or number cell of its backend, with a date format
(:mod:`mentorsheet.adapters.workbook.values`), every other value as text
(never as a formula). It reads typed cells back as that same text, and text
cells as they are, so old text dates and new typed ones read alike and the
pure core parses both.

Why text and a table rather than typed values here: the core already speaks
the parser's text forms; the write planner compares what a row holds with
what a retried write would put there, which works unchanged when both sides
are the same text; the memory store can stay a grid of text; and a value
that is not in its kind's form is still written faithfully (as text), so a
store can never turn text into something else by mistake.

Where a write goes (rows located by Pairing ID, skips and their reasons, the
cells mentorsheet may write, new rows placed below the data) is decided once
for every store by :mod:`mentorsheet.adapters.workbook.plan`; headers are
found once by :mod:`mentorsheet.adapters.workbook.rows` and laid out by
``init`` by :mod:`mentorsheet.adapters.workbook.layout`. A store only reads
its cells as text and moves (and encodes) the planned cells.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from mentorsheet.core.erasure import CellErasure
from mentorsheet.core.model import Problem
from mentorsheet.core.raw import RawWorkbook
from mentorsheet.core.schema import ReportCell

ReportRows = Sequence[Sequence[ReportCell]]  # the Report tab's rows (core/report.report_rows)


@dataclass(frozen=True)
class PairingUpdate:
    """Cells to set on the Pairings row whose Pairing ID is ``pairing_id``.

    ``values`` maps canonical column names to text (in the canonical form of
    the column's kind, see the module docstring). When ``expect_status`` is
    given, the write is skipped (and reported) unless the row's Status is
    still that value when the store writes: staff may have changed it.
    """

    pairing_id: str
    values: Mapping[str, str]
    expect_status: str | None = None
    # Check ``expect_status`` against the sheet as it is now, even where the
    # store could write without a read: for a write that moves a row back
    # (to Approved), which must not undo what staff did in the meantime.
    recheck: bool = False


@dataclass(frozen=True)
class SkippedWrite:
    pairing_id: str
    reason: str
    # The Status found on the row when the write was skipped because staff had
    # changed it (None for any other reason): the run tells what it sent meanwhile.
    status_now: str | None = None


@dataclass(frozen=True)
class WriteOutcome:
    applied: tuple[str, ...] = ()  # Pairing IDs updated or appended
    skipped: tuple[SkippedWrite, ...] = ()


@dataclass(frozen=True)
class RequestStats:
    reads: int = 0
    writes: int = 0


class WorkbookSession(Protocol):
    def read(self, *, every_tab: bool = False) -> RawWorkbook:
        """Every tab in one go (one or two requests, whatever the row count).

        The tabs mentorsheet knows; with ``every_tab`` also the others, in
        ``RawWorkbook.others`` (``forget`` looks for a person everywhere), in
        the same request.
        """
        ...

    def write(
        self,
        new_rows: Sequence[Mapping[str, str]],
        updates: Sequence[PairingUpdate],
        *,
        durable: bool = True,
        again: Collection[str] | None = None,
    ) -> WriteOutcome:
        """Append Pairings rows and update existing ones by Pairing ID, as one batch.

        A row that cannot be located for certain (deleted, duplicated ID,
        status changed) is skipped and reported, never guessed at. With
        ``durable=False`` (the run passes it when nothing is sent before its
        next write) a store may keep the change until that next write, marker
        or finish, to save a costly save. ``again`` names the Pairing IDs of
        this batch that later writes of the run will update (the run passes it
        with its marks); a store may prepare only those rows for a cheap later
        write. None means not known: any row of the batch may be written again.
        """
        ...

    def still_marked(self, pairing_ids: Collection[str]) -> set[str]:
        """Of ``pairing_ids``, those whose row still holds the Status this run last wrote there.

        Asked before each batch of sends: a row staff changed since (set to
        Rejected, say), deleted or duplicated is left out, and its message is
        not sent. As of the store's latest look at the rows: the ``.xlsx``
        store re-loads the file if it changed, the Google store answers from
        the read its last write made (re-reading only rows that read missed).
        """
        ...

    def set_marker(self, key: str, value: str) -> None:
        """Durably record a small named value (read back in ``RawWorkbook.markers``)."""
        ...

    def finish(
        self,
        problems: Sequence[Problem],
        run_row: Mapping[str, str],
        *,
        erase: Sequence[CellErasure] = (),
        report: ReportRows | None = None,
    ) -> None:
        """Rewrite Problems, make the erasures, append the Runs row, release the lease.

        All in the one write. Each erasure is located by its row's key as the
        tab is at write time where the store can re-read it
        (:mod:`mentorsheet.adapters.workbook.erase`), and changes a cell only if
        it still holds the text that was read; the Google store writes each as
        a find and replace of that text in that cell, under a write lock taken
        with the lease by an ``erasing`` session.

        With ``report`` (the rows of :func:`~mentorsheet.core.report.report_rows`)
        the Report tab is rewritten with them in the same write, and created
        there when missing; without it the Report tab is left alone. Its
        numbers are written as numbers, its texts as text, never formulas.
        """
        ...

    @property
    def stats(self) -> RequestStats:
        """Requests made so far (reads and writes), for the docs' quota promises."""
        ...


class WorkbookStore(Protocol):
    def describe(self) -> str:
        """A short human name for messages, e.g. the file path or sheet key."""
        ...

    def session(
        self, holder: str, *, dry_run: bool = False, erasing: bool = False
    ) -> AbstractContextManager[WorkbookSession]:
        """Open a run: take the lease (waiting briefly for another run), yield the session.

        ``erasing``: the session will erase cells on any tab at its finish, so
        a store that cannot re-locate rows at write time locks every tab from
        the lease to the finish (the Google store: :mod:`.google.lock`).

        With ``dry_run`` no lease is written and the session refuses writes.
        Raises :class:`~mentorsheet.errors.RunInProgressError` when another
        run still holds the lease after the wait.
        """
        ...

    def init_tabs(self, *, dry_run: bool = False) -> list[str]:
        """Create missing tabs and headers, and the formatting the backend holds; say what was done.

        With ``dry_run``, return what would be done and change nothing.
        """
        ...

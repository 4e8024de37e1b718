"""``mentorsheet forget EMAIL``: erase a person from every tab (the right to erasure).

One session, as a run: the lease (and, on Google, a write lock on every
tab), one read of every tab, the pure plan of :mod:`mentorsheet.core.erasure`,
then the finish: the erasures, Problems rewritten without the person and a
Runs row saying how many cells were erased (never whose), in one write. On
Google that is 2 reads and 2 writes, whatever the workbook's size.

The clock is read here; the core gets the day (in the programme's zone) that
the placeholder ``erased YYYY-MM-DD`` carries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from mentorsheet.adapters.workbook.contract import RequestStats, WorkbookStore
from mentorsheet.app.run import holder_name
from mentorsheet.config import Config
from mentorsheet.core.effects import local_stamp
from mentorsheet.core.erasure import CellErasure, Erasure, plan_erasure
from mentorsheet.core.schema import PROBLEMS, REPORT_PLACEHOLDER, RunColumn
from mentorsheet.errors import NothingToEraseError, UsageError


@dataclass(frozen=True)
class Change:
    """One cell erased (or that would be), as printed: never its old value."""

    tab: str
    row: int | None
    column: str


@dataclass(frozen=True)
class ForgetReport:
    email: str
    dry_run: bool
    changes: tuple[Change, ...]
    stats: RequestStats

    @property
    def count(self) -> int:
        return len(self.changes)


def _changes(erasure: Erasure, problems_title: str) -> tuple[Change, ...]:
    cells = [Change(c.tab, c.row, c.header) for c in erasure.cells]
    # Problems is rewritten: its changed cells are counted by problem, in order.
    cells += [Change(problems_title, None, "Value or Problem")] * erasure.problems_changed
    return tuple(cells)


def runs_row(started: datetime, finished: datetime, config: Config, count: int) -> dict[str, str]:
    zone = config.schedule.zone
    return {
        RunColumn.STARTED: local_stamp(started, zone),
        RunColumn.FINISHED: local_stamp(finished, zone),
        RunColumn.COMMAND: "forget",
        RunColumn.MODE: "live",
        RunColumn.PROPOSED: "0",
        RunColumn.INTROS_SENT: "0",
        RunColumn.OVERDUE: "0",
        RunColumn.PROBLEMS: "",
        RunColumn.RESULT: f"ok: {count} cell(s) of one person erased",
        RunColumn.DIGEST: "",
    }


def forget(
    config: Config,
    store: WorkbookStore,
    email: str,
    *,
    clock: Callable[[], datetime],
    dry_run: bool = False,
) -> ForgetReport:
    """Erase every cell of the person with ``email`` on every tab (see the module doc).

    Raises :class:`NothingToEraseError` when no cell holds the email: a
    second ``forget`` of the same person, or an email that was never there
    (once erased, the two cannot be told apart).
    """
    wanted = email.strip()
    if "@" not in wanted:
        raise UsageError(f"{email!r} is not an email address: forget takes the person's email")
    started = clock()
    today = started.astimezone(config.schedule.zone).date()
    with store.session(holder_name(started), dry_run=dry_run, erasing=True) as session:
        raw = session.read(every_tab=True)
        erasure = plan_erasure(raw, [wanted], day=today, aliases=config.workbook.headers)
        if not erasure.count:
            raise NothingToEraseError(
                f"nothing to erase: no cell of {store.describe()} holds {wanted} "
                "(erased already, or never there); nothing was changed"
            )
        changes = _changes(erasure, config.workbook.tab_title(PROBLEMS))
        if not dry_run:
            row = runs_row(started, clock(), config, erasure.count)
            row[RunColumn.PROBLEMS] = str(len(erasure.problems))
            # The Report tab may name the person too: it is cleared in the same write,
            # and the next run writes it again without them.
            session.finish(
                erasure.problems, row, erase=erasure.cells, report=[[REPORT_PLACEHOLDER]]
            )
        stats = session.stats
    return ForgetReport(email=wanted, dry_run=dry_run, changes=changes, stats=stats)


__all__ = ["CellErasure", "Change", "ForgetReport", "forget"]

"""What every session refuses, whatever its store: writing in a dry run, or once closed or done."""

from __future__ import annotations

from mentorsheet.errors import WorkbookError


class SessionGuard:
    """A session's state: dry run or not, open, finished; raises for what it may not do."""

    def __init__(self, where: str, *, dry_run: bool) -> None:
        self.where = where  # the store, as its describe() says
        self.dry_run = dry_run
        self.open = True
        self.finished = False

    def check_open(self) -> None:
        if not self.open:
            raise WorkbookError(f"the session on {self.where} is closed")

    def check_writable(self, what: str) -> None:
        if self.dry_run:
            raise WorkbookError(f"dry run: refusing to {what} in {self.where}")
        self.check_open()
        if self.finished:
            raise WorkbookError(f"the run on {self.where} has already finished")

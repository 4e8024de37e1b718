"""A short write lock on the Pairings tab, around each write of a run.

A write re-reads the Pairings tab, plans, and writes in one atomic
``batchUpdate``; an edit in the second between that read and that write could
land before it (rows moved, a ``Rejected`` written over, a column deleted).
So the tab is protected, with the run's account as its only editor, from
before each such read until the write: the request that takes the run lease
adds the protection for the first write, and for each later write (a flush
of results) the read itself is a ``batchUpdate`` that adds it and answers
with the tab. The write removes it in the same atomic request, so no staff
edit lands in between, and the tab is open while the emails go out. Staff
who try to edit in those seconds see Google's "protected" dialog, and edit
again.

The spreadsheet's owner can always edit a protected range. An edit of the
owner's in that window is still caught afterwards when it moves rows: the
write's response carries the Pairing ID column and every row written is
checked against it (:meth:`.tags.RowTags.verify`); the run then stops and
names the pairings to look at.

The lock needs the run's account by name (a service account's address);
with a person's own sign-in it is not taken, and a flush reads and writes by
row tags instead (:mod:`.recheck`). A lock left by a killed run, or a second
one a retried request added, is removed by the next write or lease request;
``finish()`` and the release after an exception remove this run's.

A session that erases cells at its finish (``forget``, which never writes
Pairings rows) protects every other tab too, with the lease, and keeps them
all protected until the finish, which removes them in the same atomic
request as the erasures (see :mod:`.erasures`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from mentorsheet.adapters.workbook.google.cells import Json

PREFIX: Final = "mentorsheet run "


class WriteLock:
    """This run's protected range on the Pairings tab, if it holds one."""

    def __init__(self, account: str | None, token: str, pairings_title: str) -> None:
        self.account = account
        self.description = f"{PREFIX}{token}: writing, edit again in a few seconds"
        self.pairings_title = pairings_title
        self.lock_id: int | None = None
        self.stale: list[int] = []  # locks of runs that are gone
        self.others: list[int] = []  # an erasing session's locks on the other tabs
        self._asked_pairings = False

    def seen(self, spreadsheet: Mapping[str, Any]) -> None:
        """Ours and stale locks, from a read listing the sheets' protected ranges."""
        self.stale = []
        self.lock_id = None
        others: list[int] = []
        sheets = list(spreadsheet.get("sheets") or [])
        for sheet in sheets:
            on_pairings = (sheet.get("properties") or {}).get("title") == self.pairings_title
            for protected in sheet.get("protectedRanges") or []:
                description = str(protected.get("description", ""))
                if not description.startswith(PREFIX):
                    continue
                if description == self.description and not on_pairings:
                    others.append(int(protected["protectedRangeId"]))  # an erasing session's
                elif description == self.description and self.lock_id is None:
                    self.lock_id = int(protected["protectedRangeId"])
                else:  # another run's, or a second of ours a retried request added
                    self.stale.append(int(protected["protectedRangeId"]))
        if len(sheets) > 1:  # a listing of the other tabs too
            self.others = others

    def take_requests(self, sheet_id: int | None, others: Sequence[int] = ()) -> list[Json]:
        """With the lease: stale locks removed, ours added (none without an account).

        ``others``: the other tabs' sheet IDs, locked too by an erasing session.
        """
        requests_: list[Json] = [
            {"deleteProtectedRange": {"protectedRangeId": stale}} for stale in self.stale
        ]
        self._asked_pairings = False
        if self.account is None:
            return requests_
        wanted = [] if self.others else list(others)
        if sheet_id is not None and self.lock_id is None:
            self._asked_pairings = True
            wanted.insert(0, sheet_id)
        for sheet in wanted:
            protected = {
                "range": {"sheetId": sheet},
                "description": self.description,
                "warningOnly": False,
                "editors": {"users": [self.account]},
            }
            requests_.append({"addProtectedRange": {"protectedRange": protected}})
        return requests_

    def taken(self, replies: Sequence[Mapping[str, Any]]) -> None:
        added = [
            int(reply["addProtectedRange"]["protectedRange"]["protectedRangeId"])
            for reply in replies
            if (reply or {}).get("addProtectedRange")
        ]
        if added and self._asked_pairings:
            self.lock_id = added.pop(0)
        self.others.extend(added)
        self._asked_pairings = False
        self.stale = []

    def lifted(self) -> None:
        """The write that removed :meth:`remove_requests` went through."""
        self.lock_id = None
        self.stale = []

    def wanted(self) -> bool:
        """Whether a write must first take the lock: it can be taken, and is not held."""
        return self.account is not None and self.lock_id is None

    def remove_requests(self, present: set[int] | None = None) -> list[Json]:
        """Ours removed, and stale ones seen (if ``present`` is given: only those still there).

        Without ``present`` (the finish, a release) the other tabs' locks too.
        """
        ours = [] if self.lock_id is None else [self.lock_id]
        found = [lock for lock in [*ours, *self.stale] if present is None or lock in present]
        found += self.others if present is None else []
        return [{"deleteProtectedRange": {"protectedRangeId": lock}} for lock in found]

"""A short write lock on the Pairings tab, from the run lease to the first write.

The first write re-reads the Pairings tab, plans, and writes in one atomic
``batchUpdate``; an edit in the second between that read and that write could
land before it (rows moved, a ``Rejected`` written over). So the request that
takes the run lease also protects the Pairings tab, with the run's account
as its only editor, and the first write removes that protection in the same
atomic ``batchUpdate``: no staff edit lands in between. Staff who try to edit
meanwhile see Google's "protected" dialog for those few seconds, and edit
again.

The spreadsheet's owner can always edit a protected range. An edit of the
owner's in that window is still caught afterwards: the first write's response
carries the Pairing ID column and every row written is checked against it
(:meth:`.tags.RowTags.verify`); the run then stops before sending anything
and names the pairings to look at.

The lock needs the run's account by name (a service account's address);
with a person's own sign-in it is not taken. A lock left by a killed run is
removed by the next run's lease request; ``finish()`` and the release after an
exception remove this run's if the first write did not.

A session that erases cells at its finish (``forget``: no first write) locks
every tab the same way, from the lease to the finish, which removes the locks
in the same atomic request as the erasures (see :mod:`.erasures`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from mentorsheet.adapters.workbook.google.cells import Json

PREFIX: Final = "mentorsheet run "


class WriteLock:
    """This run's protected range on the Pairings tab, if it holds one."""

    def __init__(self, account: str | None, token: str, pairings_title: str) -> None:
        self.account = account
        self.description = f"{PREFIX}{token}: writing, edit again in a few seconds"
        self.pairings_title = pairings_title
        self.lock_ids: list[int] = []  # ours: Pairings, or every tab of an erasing session
        self.stale: list[int] = []  # locks of runs that are gone

    def seen(self, spreadsheet: Mapping[str, Any]) -> None:
        """Ours and stale locks, from a read listing the sheets' protected ranges."""
        self.stale = []
        self.lock_ids = []
        for sheet in spreadsheet.get("sheets") or []:
            for protected in sheet.get("protectedRanges") or []:
                description = str(protected.get("description", ""))
                if not description.startswith(PREFIX):
                    continue
                if description == self.description:
                    self.lock_ids.append(int(protected["protectedRangeId"]))
                else:
                    self.stale.append(int(protected["protectedRangeId"]))

    def take_requests(self, sheet_ids: Iterable[int]) -> list[Json]:
        """With the lease: stale locks removed, ours added (none without an account)."""
        requests_: list[Json] = [
            {"deleteProtectedRange": {"protectedRangeId": stale}} for stale in self.stale
        ]
        if self.account is None or self.lock_ids:
            return requests_
        for sheet_id in sheet_ids:
            protected = {
                "range": {"sheetId": sheet_id},
                "description": self.description,
                "warningOnly": False,
                "editors": {"users": [self.account]},
            }
            requests_.append({"addProtectedRange": {"protectedRange": protected}})
        return requests_

    def taken(self, replies: Sequence[Mapping[str, Any]]) -> None:
        for reply in replies:
            added = (reply or {}).get("addProtectedRange")
            if added:
                self.lock_ids.append(int(added["protectedRange"]["protectedRangeId"]))
        self.stale = []

    def remove_requests(self, present: set[int] | None = None) -> list[Json]:
        """Ours removed (if ``present`` is given: only those still there)."""
        return [
            {"deleteProtectedRange": {"protectedRangeId": lock_id}}
            for lock_id in self.lock_ids
            if present is None or lock_id in present
        ]

    def removed(self, requests_: Sequence[Json]) -> None:
        """Forget the locks ``requests_`` (from :meth:`remove_requests`) removed."""
        gone = {int(r["deleteProtectedRange"]["protectedRangeId"]) for r in requests_}
        self.lock_ids = [lock_id for lock_id in self.lock_ids if lock_id not in gone]

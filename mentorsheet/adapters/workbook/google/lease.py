"""The run lease on a Google Sheet: no two runs write the spreadsheet at once.

Spreadsheet-level developer metadata ``mentorsheet.lease`` holds the holder,
a random token and an expiry. It is created with a fixed ``metadataId``:
metadata IDs are unique within a spreadsheet, so when two runs race for the
lease Sheets accepts one creation and rejects the other (compare-and-swap),
rather than both believing they won. Taking over an expired lease deletes it
(matched by ID *and* its old value) and creates ours in the same atomic
request. A run that finds a live lease polls (injected ``sleep``) until
``wait_seconds`` pass, then raises :class:`RunInProgressError`; refused again
with the lease free (the winner of a race may have finished already), it
keeps trying until the same deadline. ``read()`` confirms the lease is still
ours, and no write is sent once it has expired. A killed run's lease expires
after ``lease_minutes``; an exception releases it at once (best effort), but
never after it expired: it may be another run's by then.

The creation is not idempotent: a retried attempt first looks whether a lost
response had created the lease already (it carries our token).
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from mentorsheet.adapters.workbook.google.cells import (
    SPREADSHEET,
    Json,
    create_metadata,
    delete_metadata,
)
from mentorsheet.adapters.workbook.google.client import RequestRejected, SheetsClient
from mentorsheet.config import WorkbookConfig
from mentorsheet.errors import RunInProgressError, WorkbookError

log = logging.getLogger(__name__)

LEASE_KEY: Final = "mentorsheet.lease"
# Fixed so that two racing runs cannot both create a lease (IDs are unique per spreadsheet).
LEASE_ID: Final = 0x6D656E74  # "ment", a positive int32
POLL_SECONDS: Final = 5.0
TAKE_REPLIES: Final = "replies(addProtectedRange(protectedRange(protectedRangeId)))"
NEVER: Final = datetime.min.replace(tzinfo=UTC)

# One request that reads the spreadsheet's metadata (and absorbs what else it says).
Look = Callable[[], Sequence[Mapping[str, Any]]]


@dataclass(frozen=True)
class Lease:
    """A lease as found in the spreadsheet's metadata."""

    metadata_id: int
    value: str
    holder: str
    token: str
    expires: datetime


def lease_of(metadata: Sequence[Mapping[str, Any]]) -> Lease | None:
    for item in metadata:
        if item.get("metadataId") == LEASE_ID or item.get("metadataKey") == LEASE_KEY:
            return _parse(int(item.get("metadataId", 0)), str(item.get("metadataValue", "")))
    return None


def _parse(metadata_id: int, value: str) -> Lease:
    try:
        data = json.loads(value)
        expires = datetime.fromisoformat(str(data["expires"]))
        if expires.tzinfo is None:
            expires = expires.replace(tzinfo=UTC)
        holder = str(data.get("holder", "another run"))
        return Lease(metadata_id, value, holder, str(data.get("token", "")), expires)
    except (ValueError, KeyError, TypeError, AttributeError):
        # Unreadable: treat as expired rather than block every run forever.
        return Lease(metadata_id, value, "unknown", "", NEVER)


class RunLease:
    """This run's lease: taken by :meth:`acquire`, checked before writes, released at the end."""

    def __init__(
        self,
        client: SheetsClient,
        config: WorkbookConfig,
        holder: str,
        *,
        clock: Callable[[], datetime],
        sleep: Callable[[float], None],
        look: Look,
    ) -> None:
        self.client = client
        self.config = config
        self.holder = holder
        self.clock = clock
        self.sleep = sleep
        self.look = look
        self.token = secrets.token_hex(8)
        self.value = ""
        self.expires = NEVER
        self.holding = False
        # More requests for the lease's own (the write lock), and what to do with the replies.
        self.with_lease: Callable[[], list[Json]] = list
        self.replies: Callable[[list[Json]], None] = lambda _replies: None

    def ours(self, metadata: Sequence[Mapping[str, Any]]) -> bool:
        lease = lease_of(metadata)
        return lease is not None and lease.token == self.token

    def acquire(self) -> None:
        deadline = self.clock() + timedelta(seconds=self.config.wait_seconds)
        refused: str | None = None
        while True:
            lease = lease_of(self.client.run("open the spreadsheet", lambda _n: self.look()))
            now = self.clock()
            if lease is not None and lease.token == self.token:
                self.value, self.expires, self.holding = lease.value, lease.expires, True
                return
            if lease is not None and lease.expires > now:
                self._wait_for(lease, now, deadline)
                refused = None
                continue
            refusal = self._try_take(lease, now)
            if refusal is None:
                return
            if refused is not None:
                # Refused again with the lease free: the winner of a race may have
                # finished already. Keep trying, slowly, until the deadline.
                if now >= deadline:
                    raise WorkbookError(f"Google Sheets refused the run lease: {refusal}")
                self._pause(now, deadline)
            refused = refusal  # someone else's creation won: look again

    def _wait_for(self, lease: Lease, now: datetime, deadline: datetime) -> None:
        if now >= deadline:
            raise RunInProgressError(
                f"Another mentorsheet run ({lease.holder}) is using the spreadsheet until "
                f"{lease.expires.astimezone(UTC):%Y-%m-%d %H:%M} UTC; this run waited "
                f"{self.config.wait_seconds:g} s and changed nothing — try again later."
            )
        self._pause(now, deadline)

    def _pause(self, now: datetime, deadline: datetime) -> None:
        self.sleep(max(0.0, min(POLL_SECONDS, (deadline - now).total_seconds())))

    def _try_take(self, expired: Lease | None, now: datetime) -> str | None:
        """Create our lease (replacing an expired one); the refusal text if another run won."""
        expires = now + timedelta(minutes=self.config.lease_minutes)
        value = json.dumps(
            {"holder": self.holder, "token": self.token, "expires": expires.isoformat()},
            separators=(",", ":"),
        )
        requests_: list[Json] = []
        if expired is not None:  # matched by its value too: never delete a fresh one
            requests_.append(
                delete_metadata(metadataId=expired.metadata_id, metadataValue=expired.value)
            )
        requests_.append(create_metadata(LEASE_KEY, value, SPREADSHEET, metadata_id=LEASE_ID))
        requests_.extend(self.with_lease())

        def take(attempt: int) -> None:
            if attempt > 1 and self.ours(self.look()):  # a lost response created it already
                return
            response = self.client.batch_update(
                {"requests": requests_}, fields=f"spreadsheetId,{TAKE_REPLIES}"
            )
            self.replies(list(response.get("replies") or []))

        try:
            self.client.run("take the run lease", take)
        except RequestRejected as exc:
            return str(exc)
        self.value, self.expires, self.holding = value, expires, True
        return None

    def check(self, metadata: Sequence[Mapping[str, Any]]) -> None:
        """Raise unless the lease in ``metadata`` is still ours."""
        lease = lease_of(metadata)
        if lease is None or lease.token != self.token:
            holder = f" ({lease.holder})" if lease is not None else ""
            raise RunInProgressError(
                f"This run's lease on the spreadsheet was taken over by another run{holder} "
                "(it ran longer than workbook.lease_minutes); it stopped before writing more."
            )

    def expired(self) -> bool:
        return self.clock() >= self.expires

    def check_time(self, where: str, what: str) -> None:
        """Raise once the lease has run out: another run may have started."""
        if self.expired():
            raise RunInProgressError(
                f"This run's lease on {where} expired at "
                f"{self.expires:%Y-%m-%d %H:%M} UTC (workbook.lease_minutes), so another "
                f"run may have started; it stopped before it could {what}."
            )

    def delete_request(self) -> Json:
        return delete_metadata(metadataId=LEASE_ID, metadataValue=self.value)

    def release(self, cleanup: Sequence[Json]) -> None:
        """Best effort, one request: drop the lease (and ``cleanup``) after an exception."""
        if not self.holding:
            return
        self.holding = False
        if self.expired():
            return  # the lease may be another run's by now: leave it and its tags alone
        requests_ = [*cleanup, self.delete_request()]
        try:
            self.client.batch_update({"requests": requests_}, fields="spreadsheetId")
        except Exception as exc:  # the run is failing already, and the lease expires anyway
            log.warning(
                "could not release the run lease (%s); it expires by itself after %s minutes",
                type(exc).__name__,
                self.config.lease_minutes,
            )

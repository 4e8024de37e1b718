"""Row tags: later writes of a run find their Pairings rows without reading the tab again.

Landing writes on the right row
-------------------------------
Rows are never addressed by the numbers seen at ``read()``: staff may insert,
delete or sort rows at any moment. The first write re-reads the Pairings tab
just before writing and locates each row by its Pairing ID (the shared
planner, :mod:`mentorsheet.adapters.workbook.plan`: a missing or duplicated
ID, or a Status that is no longer the expected one, is skipped and
reported). Its single ``batchUpdate`` then, atomically: writes the cells
(``stringValue``: user text is never parsed as a formula; dates and numbers
as ``numberValue`` with their number format), gives the typed cells
mentorsheet writes on every row it located their number format, inserts the
new rows at the end of the data (inserting, not overwriting, so a row a
person adds at the same moment is pushed down rather than lost), and tags
with ROW developer metadata (``mentorsheet.pairing``) the rows a later write
of the run will update (``again``: the rows whose intro it is about to send;
a new proposal that is not sent needs none).
Sheets keeps such metadata on its row wherever the row moves, and deletes it
with the row. The response carries the Pairing ID column so the store checks
each row it wrote, added or tagged holds the right ID (:meth:`RowTags.verify`).

Later writes of the run (the flushes of the sending loop) address the tagged
rows through ``developerMetadataLookup`` data filters, with no extra read
(:meth:`RowTags.write`): the filter finds the row wherever it now is, a
deleted row matches nothing (the update is skipped and reported), and the
updated row comes back in the response so its Pairing ID is checked again.
These writes are ``valueInputOption: RAW``: a string is stored as it is
(never parsed, so never a formula) and a JSON number as a number, but no
number format can be set. A date goes as its serial number, and shows as a
date through the format the located write gave its cell: the first write on
a row this run is always that ``batchUpdate``.
A row not tagged this run falls back to the re-locating read.

Google allows 30,000 characters of developer metadata (keys and values) per
sheet, about 500 tags, and refuses the whole write past it. So at most
:data:`TAG_BUDGET` characters of this run's tags live at once (about 250
rows); the rows beyond wait (``pending``). A flush that reaches one of them
re-locates (one read) and, in the same request, removes the tags already used
(``spent``), another run's and a lost attempt's, and tags the next rows that
fit. The remaining tags are removed by ``finish()``; a tag left by a killed
run is ignored (each carries its run's token) and removed by the next run.

The second or so between the re-locating read and the first write is closed
by the run's write lock (:mod:`.lock`) where it can be taken; an edit that
still lands then (the owner's, or with no lock) is found by the check on the
response, and the run stops with an error naming the pairings to look at.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from mentorsheet.adapters.workbook.contract import PairingUpdate, SkippedWrite, WriteOutcome
from mentorsheet.adapters.workbook.google.cells import (
    Json,
    create_metadata,
    delete_metadata,
    grid_texts,
    raw_value,
    row_range,
)
from mentorsheet.adapters.workbook.google.client import SheetsClient
from mentorsheet.adapters.workbook.plan import missing_columns, status_moved
from mentorsheet.adapters.workbook.rows import rows_by_id, text_at
from mentorsheet.core.schema import PAIRINGS, PC, cell_kind, same_status
from mentorsheet.errors import WorkbookError

log = logging.getLogger(__name__)

TAG_KEY: Final = "mentorsheet.pairing"
# Characters of this run's row tags alive at once (keys and values): half of
# the 30,000 Google allows per sheet, leaving room for a killed run's tags and
# anyone else's metadata. About 250 rows.
TAG_BUDGET: Final = 15_000

# Grid row -> the tags on it: (metadataId, run token, Pairing ID).
Tags = dict[int, list[tuple[int, str, str]]]
# Pairing ID -> the grid rows holding it.
RowsById = Mapping[str, list[int]]


def row_tags(sheet: Mapping[str, Any]) -> Tags:
    """The row tags of a sheet read with its ``rowMetadata``, by grid row."""
    grid = (sheet.get("data") or [{}])[0]
    start = int(grid.get("startRow", 0))
    tags: Tags = {}
    for offset, meta in enumerate(grid.get("rowMetadata") or []):
        for item in meta.get("developerMetadata") or []:
            if item.get("metadataKey") != TAG_KEY:
                continue
            try:
                tag = json.loads(str(item.get("metadataValue", "")))
                entry = (int(item["metadataId"]), str(tag["run"]), str(tag["id"]))
            except (ValueError, KeyError, TypeError):
                entry = (int(item.get("metadataId", 0)), "", "")
            tags.setdefault(start + offset, []).append(entry)
    return tags


@dataclass
class Tagging:
    """The tags a located write adds and removes, and this run's tags it keeps."""

    requests: list[Json] = field(default_factory=list)
    rows: list[tuple[int, str]] = field(default_factory=list)  # (grid row, Pairing ID) tagged
    adopted: dict[str, int] = field(default_factory=dict)  # Pairing ID -> existing tag id
    dropped: set[int] = field(default_factory=set)  # tag ids removed by this write
    left: list[str] = field(default_factory=list)  # wanted, but beyond the budget


def tag_value(pairing_id: str, token: str) -> str:
    return json.dumps({"id": pairing_id, "run": token}, separators=(",", ":"))


class RowTags:
    """This run's row tags, and what it knows of the rows they are on."""

    def __init__(self, token: str, pairings_title: str, *, budget: int = TAG_BUDGET) -> None:
        self.token = token
        self.pairings_title = pairings_title
        self.budget = budget
        self.ids: dict[str, int] = {}  # Pairing ID -> this run's row tag
        self.statuses: dict[str, str] = {}  # Pairing ID -> Status as last read or written
        self.columns: Mapping[str, int] = {}  # Pairings columns at the last located write
        self.stale = False  # tags of other runs were seen: finish removes them too
        self.pending: list[str] = []  # rows to tag, in order, once the budget allows
        self.spent: set[str] = set()  # rows whose later write went by their tag
        self.written: dict[str, str] = {}  # Pairing ID -> Status at this run's last write
        self.fresh: set[str] = set()  # rows whose ``statuses`` come from the latest read
        self.changed: dict[str, str] = {}  # Pairing ID -> why its tagged row is not its row now

    def refresh(self, grid: Sequence[Sequence[str]], columns: Mapping[str, int]) -> None:
        """``statuses`` of every row this run wrote, from the whole tab as just read."""
        where = rows_by_id(grid, columns[PC.PAIRING_ID])
        for pairing_id in self.written:
            rows = where.get(pairing_id, [])
            self.statuses[pairing_id] = (
                text_at(grid, rows[0], columns[PC.STATUS]) if len(rows) == 1 else ""
            )
        self.fresh = set(self.written)

    def still_marked(self, pairing_ids: Collection[str]) -> set[str]:
        """Those rows whose Status as last read is the one this run last wrote."""
        return {
            pairing_id
            for pairing_id in pairing_ids
            if (key := pairing_id.strip()) in self.written
            and key not in self.changed
            and same_status(self.statuses.get(key, ""), self.written[key])
        }

    def size(self, pairing_id: str) -> int:
        """Characters a tag counts against the sheet's developer metadata limit."""
        return len(TAG_KEY) + len(tag_value(pairing_id, self.token))

    def covers(self, new_rows: Sequence[object], updates: Sequence[PairingUpdate]) -> bool:
        """Whether the batch can go by data filter: only updates of rows tagged this run."""
        return not new_rows and all(
            u.pairing_id.strip() in self.ids and not u.recheck for u in updates
        )

    def wanted(
        self,
        located: Sequence[tuple[int, str]],
        where: RowsById,
        again: Collection[str] | None,
    ) -> dict[str, int]:
        """The rows worth a tag, in order (Pairing ID -> grid row now).

        Only rows a later write of the run will update: those of this write
        named in ``again`` (every row it locates when None), unless written
        before this write (a row's later write re-locating means it is done
        with), then the rows still waiting for a tag.
        """
        wanted = {
            pairing_id: row
            for row, pairing_id in located
            if pairing_id not in self.statuses and (again is None or pairing_id in again)
        }
        here = {pairing_id for _row, pairing_id in located}
        for pairing_id in self.pending:
            rows = where.get(pairing_id, [])
            if pairing_id not in here and len(rows) == 1:
                wanted.setdefault(pairing_id, rows[0])
        return wanted

    def tagging(self, sheet_id: int, wanted: Mapping[str, int], found: Tags) -> Tagging:
        """Tags for the ``wanted`` rows within the budget; tags no longer needed removed.

        Google allows 30,000 characters of developer metadata per sheet, so at
        most :data:`TAG_BUDGET` characters of tags live at once: a tag whose
        row's later write is done (``spent``), another run's tag and a tag left
        by a lost attempt go in the same request, and the rows beyond the budget
        wait in ``pending`` for the next located write (until then their writes
        re-locate, which costs one read).
        """
        self.stale = self.stale or any(
            run != self.token for entries in found.values() for _id, run, _pid in entries
        )
        tagging = Tagging()
        live = 0
        for row, entries in found.items():
            for metadata_id, run, pairing_id in entries:
                ours = run == self.token and pairing_id not in self.spent
                if ours and wanted.get(pairing_id) == row:
                    tagging.adopted[pairing_id] = metadata_id
                elif not (ours and self.ids.get(pairing_id) == metadata_id):
                    tagging.dropped.add(metadata_id)
                    tagging.requests.append(delete_metadata(metadataId=metadata_id))
                    continue
                live += self.size(pairing_id)
        room = self.budget - live
        for pairing_id, row in wanted.items():
            if pairing_id in tagging.adopted:
                continue
            size = self.size(pairing_id)
            if size > room:
                tagging.left.append(pairing_id)
                continue
            room -= size
            tagging.rows.append((row, pairing_id))
            location = {"dimensionRange": row_range(sheet_id, row, row + 1)}
            tagging.requests.append(
                create_metadata(TAG_KEY, tag_value(pairing_id, self.token), location)
            )
        return tagging

    def settle(self, tagging: Tagging, tags: Mapping[str, int]) -> None:
        """After a located write: the tags now live, and the rows still waiting for one."""
        self.ids = {pid: tag for pid, tag in self.ids.items() if tag not in tagging.dropped}
        self.ids.update(tags)
        self.pending = list(tagging.left)

    def verify(
        self,
        response: Mapping[str, Any],
        tagging: Tagging,
        located: Sequence[tuple[int, str]] = (),
    ) -> dict[str, int]:
        """Tag ids by Pairing ID, after checking each written or tagged row holds its ID.

        ``located``: every row the write set cells on or added (grid row,
        Pairing ID), tagged or not.
        """
        replies = response.get("replies") or []
        created = [
            reply["createDeveloperMetadata"]["developerMetadata"]
            for reply in replies
            if reply and "createDeveloperMetadata" in reply
        ]
        sheets = (response.get("updatedSpreadsheet") or {}).get("sheets") or []
        # Google may return every tab here; the Pairing IDs are in the Pairings one.
        pairings = [
            sheet
            for sheet in sheets
            if (sheet.get("properties") or {}).get("title") == self.pairings_title
        ]
        ids_now = grid_texts(pairings[0]) if pairings else None
        tags: dict[str, int] = {}
        misplaced: list[str] = []
        for (_row, pairing_id), metadata in zip(tagging.rows, created, strict=False):
            tags[pairing_id] = int(metadata["metadataId"])
        for row, pairing_id in dict.fromkeys([*located, *tagging.rows]):
            if ids_now is not None:
                found = ids_now[row][0] if row < len(ids_now) and ids_now[row] else ""
                if found.strip() != pairing_id:
                    misplaced.append(pairing_id)
        if ids_now is None:
            log.warning("Sheets sent no Pairing ID column back; the write could not be checked")
        if misplaced:
            self.ids.update(tags)
            raise WorkbookError(
                "Rows of the Pairings tab moved while mentorsheet was writing, so these "
                f"pairings may be on the wrong rows: {', '.join(misplaced)}; check their "
                "Status and intro cells by hand before the next run."
            )
        return tags

    def cleanup(self) -> list[Json]:
        """The request removing every row tag (ours and stale ones), if there are any."""
        if not self.ids and not self.stale:
            return []
        return [delete_metadata(metadataKey=TAG_KEY, locationType="ROW")]

    # --- writes by data filter ------------------------------------------------------------

    def write(self, client: SheetsClient, updates: Sequence[PairingUpdate]) -> WriteOutcome:
        """Updates of tagged rows, in one ``values:batchUpdateByDataFilter`` with no read."""
        skipped: list[SkippedWrite] = []
        data: list[Json] = []
        sent: dict[int, PairingUpdate] = {}
        for update in updates:
            refused = self._why_not(update)
            if refused is not None:
                skipped.append(refused)
                continue
            metadata_id = self.ids[update.pairing_id.strip()]
            sent[metadata_id] = update
            data.append(self._filtered_row(metadata_id, update))
        if not data:
            return WriteOutcome(skipped=tuple(skipped))
        body = {
            "valueInputOption": "RAW",
            "data": data,
            "includeValuesInResponse": True,
            "responseValueRenderOption": "FORMATTED_VALUE",
        }
        response = client.run(
            "record results on the Pairings tab", lambda _n: client.update_by_data_filter(body)
        )
        applied = self._landed(response, sent, skipped)
        return WriteOutcome(applied=tuple(applied), skipped=tuple(skipped))

    def _why_not(self, update: PairingUpdate) -> SkippedWrite | None:
        pairing_id = update.pairing_id.strip()
        if pairing_id in self.changed:
            return SkippedWrite(update.pairing_id, self.changed[pairing_id])
        known = self.statuses.get(pairing_id)
        expected = update.expect_status
        if expected is not None and known is not None and not same_status(known, expected):
            return SkippedWrite(update.pairing_id, status_moved(known, expected), known.strip())
        reason = missing_columns(self.columns, update.values)
        return SkippedWrite(update.pairing_id, reason) if reason else None

    def _filtered_row(self, metadata_id: int, update: PairingUpdate) -> Json:
        # RAW: a string is stored as a string (never a formula), a number as a
        # number, in the format the located write gave the cell (a date's).
        positions = {
            self.columns[column]: raw_value(cell_kind(PAIRINGS, column), text)
            for column, text in update.values.items()
        }
        # null cells are skipped by Sheets: only mentorsheet's own cells are written.
        row: list[str | float | None] = [None] * (max(positions) + 1)
        for position, value in positions.items():
            row[position] = value
        return {
            "dataFilter": {"developerMetadataLookup": {"metadataId": metadata_id}},
            "majorDimension": "ROWS",
            "values": [row],
        }

    def _landed(
        self,
        response: Mapping[str, Any],
        sent: Mapping[int, PairingUpdate],
        skipped: list[SkippedWrite],
    ) -> list[str]:
        """The updates that landed on their rows; raises for any that landed elsewhere."""
        landed: dict[int, list[Any]] = {}
        for item in response.get("responses") or []:
            lookup = (item.get("dataFilter") or {}).get("developerMetadataLookup") or {}
            if item.get("updatedRange") and "metadataId" in lookup:
                values = (item.get("updatedData") or {}).get("values") or [[]]
                landed[int(lookup["metadataId"])] = list(values[0])
        id_column = self.columns[PC.PAIRING_ID]
        applied: list[str] = []
        misplaced: list[str] = []
        for metadata_id, update in sent.items():
            pairing_id = update.pairing_id.strip()
            if metadata_id not in landed:
                skipped.append(
                    SkippedWrite(
                        update.pairing_id,
                        "its row was deleted during the run, so nothing was written",
                    )
                )
                self.ids.pop(pairing_id, None)
                continue
            row_now = landed[metadata_id]
            found = str(row_now[id_column]) if id_column < len(row_now) else ""
            if found.strip() != pairing_id:
                misplaced.append(update.pairing_id)
                continue
            applied.append(update.pairing_id)
            self.spent.add(pairing_id)
            if PC.STATUS in update.values:
                self.statuses[pairing_id] = update.values[PC.STATUS]
                self.written[pairing_id] = update.values[PC.STATUS]
        if misplaced:
            raise WorkbookError(
                "A tagged Pairings row no longer holds its Pairing ID (rows or columns moved), "
                f"so these updates may be on the wrong rows: {', '.join(misplaced)}; check them "
                "by hand before the next run."
            )
        return applied

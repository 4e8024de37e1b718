"""The flush's own read: Status, Pairing ID and header as the sheet holds them just before.

A flush records the results of the intros just sent on their tagged rows
(:mod:`.tags`), by data filter, with no read of the tab. Staff may have
changed those rows while the run was sending: set a Status to ``Rejected``,
typed over a Pairing ID, or inserted, deleted or moved a column. So each such
flush first reads, in one ``values:batchGetByDataFilter``, the header row and
every row this run still holds a tag on (at most the tags' budget, about 250
rows), and then:

- resolves the columns again from the header: a column inserted or deleted
  meanwhile moves where the results go (a required header gone stops the
  run with an error, before anything is written);
- takes each row's Status as the sheet holds it now, so an update whose
  expected Status has changed (``Rejected`` by staff) is skipped and
  reported, never written over;
- leaves out a row whose Pairing ID cell no longer holds its Pairing ID.

The same read answers the delivery's "is this row still marked?" for the
next batch of sends (:meth:`RowTags.still_marked`), so it costs one read per
flush and nothing more. What it cannot see is an edit in the fraction of a
second between this read and the write that follows.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from mentorsheet.adapters.workbook.google.cells import Json, lookup
from mentorsheet.adapters.workbook.google.client import SheetsClient
from mentorsheet.adapters.workbook.google.tags import RowTags
from mentorsheet.adapters.workbook.rows import text_at
from mentorsheet.core.schema import PAIRINGS, PC, resolve_columns

log = logging.getLogger(__name__)


def recheck(
    client: SheetsClient,
    tags: RowTags,
    sheet_id: int,
    aliases: Mapping[str, Sequence[str]] | None,
) -> None:
    """One read of the header and this run's tagged rows; updates ``tags`` (see the docstring)."""
    live = {tag: pairing_id for pairing_id, tag in tags.ids.items() if pairing_id not in tags.spent}
    header_filter: Json = {"gridRange": {"sheetId": sheet_id, "startRowIndex": 0, "endRowIndex": 1}}
    body = {
        "dataFilters": [header_filter, *(lookup(metadataId=tag) for tag in live)],
        "majorDimension": "ROWS",
        "valueRenderOption": "FORMATTED_VALUE",
    }
    response = client.run(
        "re-read the Pairings rows before recording results",
        lambda _n: client.get_by_data_filter(body),
    )
    header, rows = _matched(response)
    columns = resolve_columns(PAIRINGS, header, aliases)
    if tags.columns and dict(columns) != dict(tags.columns):
        log.info("Pairings columns moved during the run; results go by the header as it is now")
    tags.columns = columns
    fresh: set[str] = set()
    for tag, pairing_id in live.items():
        row = rows.get(tag)
        if row is None:
            continue  # the row was deleted: the write reports it
        found = text_at([row], 0, columns[PC.PAIRING_ID]).strip()
        if found != pairing_id:
            shown = found or "empty"
            tags.changed[pairing_id] = (
                f"the row it was on now has Pairing ID {shown!r} (changed by staff during the "
                "run?), so nothing was written there"
            )
        tags.statuses[pairing_id] = text_at([row], 0, columns[PC.STATUS])
        fresh.add(pairing_id)
    tags.fresh = fresh


def _matched(response: Mapping[str, Any]) -> tuple[tuple[str, ...], dict[int, list[str]]]:
    """The header row, and each tagged row's cells by tag id, from the response."""
    header: tuple[str, ...] = ()
    rows: dict[int, list[str]] = {}
    for matched in response.get("valueRanges") or []:
        values = (matched.get("valueRange") or {}).get("values") or [[]]
        cells = [str(value) for value in values[0]] if values else []
        for data_filter in matched.get("dataFilters") or []:
            if "gridRange" in data_filter:
                header = tuple(cells)
            tag = (data_filter.get("developerMetadataLookup") or {}).get("metadataId")
            if tag is not None:
                rows[int(tag)] = cells
    return header, rows

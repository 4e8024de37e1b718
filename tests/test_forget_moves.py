"""Staff moving rows between forget's read and its finish never cost another person a cell.

On every store (the ``store_backend`` fixture): the erasures are planned from
the read, staff sort the Pairings tab and insert a row above, then the finish
makes them. The ``.xlsx`` and memory stores find the person's rows where they
are now; the Google store (here without a write lock: no account to name)
changes only cells still holding what was read and puts back any cell of a
row that moved under an erasure.
"""

from __future__ import annotations

from datetime import date

from mentorsheet.core.erasure import plan_erasure
from mentorsheet.core.schema import PAIRINGS
from tests.conftest import StoreBackend

ERASED = "erased 2026-12-01"
INSERTED = [
    "P-0009",
    "Proposed",
    "Zoe",
    "zoe@example.org",
    "call Zoe",
    "Ada Lovelace",
    "ada@example.org",
    "Academy",
    "1",
    "python",
    "2026-10-05",
]


def pairings(backend: StoreBackend) -> dict[str, list[str]]:
    with backend.store.session("look", dry_run=True) as session:
        tab = session.read().tabs[PAIRINGS]
    return {row[0]: list(row) for row in tab.rows if row and row[0]}


def test_rows_moved_before_the_finish_are_found_or_left_whole(store_backend: StoreBackend) -> None:
    before = pairings(store_backend)
    with store_backend.store.session("forget", erasing=True) as session:
        raw = session.read(every_tab=True)
        erasure = plan_erasure(raw, ["bob@example.org"], day=date(2026, 12, 1))
        assert {(c.tab, c.row) for c in erasure.cells if c.tab == PAIRINGS} == {(PAIRINGS, 2)}
        store_backend.staff_sort_pairings_by("Pairing ID", descending=True)
        store_backend.staff_insert_pairings_row(2, INSERTED)
        session.finish(erasure.problems, {}, erase=erasure.cells)
    after = pairings(store_backend)
    # Nobody else lost a cell: every other row is as it was.
    assert after["P-0009"] == INSERTED
    for pid in ("P-0002", "P-0003"):
        assert after[pid] == before[pid], pid
    bob = after["P-0001"]
    if store_backend.kind in ("xlsx", "memory"):  # found where it moved to
        assert bob[2:5] == [ERASED] * 3  # Mentee, Mentee email, the staff note "call Bob"
        assert bob[9] == ERASED  # Why
    else:  # left whole, for a second forget to find
        assert bob == before["P-0001"]
    assert bob[0:2] == ["P-0001", "Proposed"]

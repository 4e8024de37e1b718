"""What only the in-memory store does: built from a dict, read back, its lease and counts.

The behaviour every store shares is in tests/test_store_behaviour.py, which
runs on the memory store too.
"""

from __future__ import annotations

import pytest

from mentorsheet.adapters.workbook.contract import PairingUpdate, WorkbookStore
from mentorsheet.adapters.workbook.memory import MemoryStore
from mentorsheet.core.model import Problem
from mentorsheet.core.schema import (
    COLUMNS,
    MENTORS,
    PAIRINGS,
    PC,
    PROBLEMS,
    REPORT,
    REPORT_PLACEHOLDER,
    RUNS,
    TABS,
)
from mentorsheet.errors import (
    MentorsheetError,
    MissingTabError,
    RunInProgressError,
    WorkbookError,
)
from tests.conftest import MENTORS_TITLE, SEED, store_config


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore.from_tabs(store_config(), SEED)


def test_is_a_workbook_store(store: MemoryStore) -> None:
    typed: WorkbookStore = store
    assert typed.describe()


def test_tabs_read_back_by_canonical_name_or_title(store: MemoryStore) -> None:
    assert store.rows(MENTORS) == store.rows(MENTORS_TITLE) == SEED[MENTORS_TITLE]
    records = store.records(PAIRINGS)
    assert [r[PC.PAIRING_ID] for r in records] == ["P-0001", "P-0002", "P-0003"]
    assert records[2][PC.INTRO_MESSAGE_ID] == "<m-3@example.org>"  # found by its alias
    with pytest.raises(MissingTabError):
        store.rows("Nowhere")


def test_cells_given_as_other_types_become_text() -> None:
    store = MemoryStore.from_tabs(store_config(), {RUNS: [["Started", "Proposed"], [None, 3]]})
    assert store.rows(RUNS) == [["Started", "Proposed"], ["", "3"]]


def test_writes_land_in_the_rows(store: MemoryStore) -> None:
    with store.session("run") as session:
        session.write(
            [{PC.PAIRING_ID: "P-0004", PC.STATUS: "Proposed", PC.NOTES: "new"}],
            [PairingUpdate("P-0002", {PC.STATUS: "Sending intro"}, expect_status="Approved")],
        )
        session.set_marker("digest", "2026-11-03")
        session.finish([Problem(MENTORS, 3, "Name", "x", "bad")], {"Command": "run"})
        stats = session.stats

    by_id = {r[PC.PAIRING_ID]: r for r in store.records(PAIRINGS)}
    assert by_id["P-0002"][PC.STATUS] == "Sending intro"
    assert by_id["P-0004"][PC.NOTES] == "new"
    assert store.rows(PROBLEMS)[1:] == [["Mentors", "3", "Name", "x", "bad"]]
    assert store.records(RUNS)[-1]["Command"] == "run"
    assert store.markers == {"digest": "2026-11-03"}
    assert (stats.reads, stats.writes) == (0, 3)


def test_a_write_that_changes_nothing_is_not_counted(store: MemoryStore) -> None:
    with store.session("run") as session:
        assert session.read().tabs[PAIRINGS].rows
        outcome = session.write([], [PairingUpdate("P-9999", {PC.STATUS: "Ended"})])
        assert outcome.skipped
        assert (session.stats.reads, session.stats.writes) == (1, 0)


def holder_of(store: MemoryStore) -> str | None:
    """Read afresh: the lease changes behind mypy's narrowing of the attribute."""
    return store.holder


def test_one_session_at_a_time_holds_the_lease(store: MemoryStore) -> None:
    with store.session("first"):
        assert holder_of(store) == "first"
        with pytest.raises(RunInProgressError, match="first"), store.session("second"):
            pytest.fail("a second run must not start")
        # A dry run takes no lease.
        with store.session("peek", dry_run=True) as peek, pytest.raises(WorkbookError):
            peek.set_marker("digest", "x")
    assert holder_of(store) is None

    def crash() -> None:
        with store.session("crash"):
            raise KeyError("boom")

    with pytest.raises(KeyError):
        crash()
    assert holder_of(store) is None


def test_a_closed_or_finished_session_refuses(store: MemoryStore) -> None:
    with store.session("run") as session:
        session.finish([], {})
        with pytest.raises(WorkbookError, match="finished"):
            session.set_marker("digest", "x")
    with pytest.raises(MentorsheetError, match="closed"):
        session.read()


def test_init_creates_every_tab_and_staff_edits_move_rows() -> None:
    store = MemoryStore(store_config())
    done = store.init_tabs()
    assert len(done) == len(TABS) + 1  # and the Report tab
    assert store.rows(PAIRINGS) == [list(COLUMNS[PAIRINGS])]
    assert store.rows(REPORT) == [[REPORT_PLACEHOLDER]]

    store.staff_insert_row(PAIRINGS, 2, ["P-2", "Approved"])
    store.staff_insert_row(PAIRINGS, 2, ["P-1", "Proposed"])
    store.staff_sort(PAIRINGS, PC.PAIRING_ID, descending=True)
    assert [row[0] for row in store.rows(PAIRINGS)[1:]] == ["P-2", "P-1"]
    store.staff_set_cell(PAIRINGS, 3, "status", "Rejected")
    store.staff_delete_row(PAIRINGS, 2)
    assert store.rows(PAIRINGS)[1:] == [["P-1", "Rejected"]]

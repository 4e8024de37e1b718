"""The write lock: Pairings protected from the lease to the first write (Google Sheets)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import stamina

from mentorsheet.adapters.workbook.contract import PairingUpdate
from mentorsheet.adapters.workbook.google.lock import PREFIX
from mentorsheet.adapters.workbook.google.store import GoogleSheetsStore
from mentorsheet.core.schema import PAIRINGS
from mentorsheet.errors import WorkbookError
from tests.fakes.sheets_api import FakeSheets, RecordedRequest, StaffEditRefused
from tests.test_gsheets_store import SERVICE_ACCOUNT, is_relocation, make_config, seed, status_of


class ServiceAccount:
    service_account_email = SERVICE_ACCOUNT


@pytest.fixture(autouse=True)
def _no_backoff() -> Iterator[None]:
    with stamina.set_testing(True, attempts=100, cap=True):
        yield


@pytest.fixture
def fake() -> FakeSheets:
    fake = FakeSheets()
    seed(fake)
    return fake


def store_for(fake: FakeSheets, credentials: Any = None) -> GoogleSheetsStore:
    account: Any = credentials or ServiceAccount()
    return GoogleSheetsStore(
        fake.spreadsheet_id,
        make_config(),
        credentials=account,  # names the account only
        session=fake.session(),
        clock=fake.clock.now,
        sleep=fake.clock.sleep,
    )


def locks(fake: FakeSheets) -> list[dict[str, Any]]:
    return [
        p
        for p in fake.book.tab(PAIRINGS).protected_ranges
        if str(p.get("description", "")).startswith(PREFIX)
    ]


def test_staff_edits_wait_from_the_lease_to_the_first_write(fake: FakeSheets) -> None:
    with store_for(fake).session("run") as session:
        (lock,) = locks(fake)
        assert lock["editors"] == {"users": [SERVICE_ACCOUNT]}
        assert not lock["warningOnly"]
        session.read()
        with pytest.raises(StaffEditRefused):
            fake.set_cell(PAIRINGS, 3, "Status", "Rejected")
        fake.reset_counts()
        session.write([], [PairingUpdate("P-0002", {"Status": "Sending intro"})])
        assert fake.writes == 1  # removed in the first write's own request
        assert locks(fake) == []
        fake.set_cell(PAIRINGS, 3, "Notes", "staff may edit again")
        session.finish([], {})
    assert status_of(fake, "P-0002") == "Sending intro"


def test_a_run_that_writes_nothing_removes_the_lock_when_it_finishes(fake: FakeSheets) -> None:
    with store_for(fake).session("run") as session:
        session.read()
        assert locks(fake)
        session.finish([], {})
    assert locks(fake) == []


def test_a_failing_run_removes_the_lock(fake: FakeSheets) -> None:
    def failing_run() -> None:
        with store_for(fake).session("run") as session:
            session.read()
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        failing_run()
    assert locks(fake) == []


def test_a_killed_runs_lock_is_removed_by_the_next_run(fake: FakeSheets) -> None:
    killed = store_for(fake).session("killed")
    killed.__enter__()  # never left: the process died
    assert locks(fake)
    fake.clock.advance(minutes=120)  # its lease has expired
    with store_for(fake).session("next") as session:
        assert len(locks(fake)) == 1  # the dead run's is gone, ours is there
        session.read()
        session.finish([], {})
    assert locks(fake) == []


def test_without_an_account_to_name_no_lock_is_taken(fake: FakeSheets) -> None:
    class PersonalSignIn:
        pass

    with store_for(fake, PersonalSignIn()).session("run") as session:
        assert locks(fake) == []
        session.finish([], {})


def test_the_owner_may_still_edit_and_a_move_then_stops_the_run(fake: FakeSheets) -> None:
    def owner_sorts(f: FakeSheets) -> None:
        f.acting_as = f.owner
        f.sort_rows(PAIRINGS, "Pairing ID", descending=True)

    fake.once_after(is_relocation, owner_sorts)
    with store_for(fake).session("run") as session:
        session.read()
        update = PairingUpdate("P-0002", {"Status": "Sending intro"})
        with pytest.raises(WorkbookError, match="P-0002"):
            session.write([], [update])
    assert locks(fake) == []


def test_the_lock_turns_the_flush_read_into_a_write() -> None:
    from tests.test_gsheets_store import full_run

    fake = FakeSheets()
    seed(fake, pairings=20)
    # As without it (4, 5), but the flush's read takes the lock: one request either way.
    assert full_run(store_for(fake), 20) == (3, 6)
    assert locks(fake) == []


def is_locked_read(request: RecordedRequest) -> bool:
    """The flush's read: a batchUpdate that adds the lock and answers with the tab."""
    body: Any = request.body or {}
    return (
        request.path.endswith(":batchUpdate")
        and bool(body.get("responseIncludeGridData"))
        and any("addProtectedRange" in r for r in body.get("requests") or [])
    )


def marked_session(fake: FakeSheets) -> Any:
    """A session past its first write: P-0002 and P-0003 marked, the lock lifted."""
    session_cm = store_for(fake).session("run")
    session = session_cm.__enter__()
    session.read()
    session.write(
        [],
        [PairingUpdate(pid, {"Status": "Sending intro"}) for pid in ("P-0002", "P-0003")],
    )
    assert locks(fake) == []
    return session_cm, session


def results(*pairing_ids: str) -> list[PairingUpdate]:
    return [
        PairingUpdate(pid, {"Status": "Awaiting contact"}, expect_status="Sending intro")
        for pid in pairing_ids
    ]


def test_no_staff_edit_lands_between_a_flushs_read_and_its_write(fake: FakeSheets) -> None:
    session_cm, session = marked_session(fake)
    fake.set_cell(PAIRINGS, 3, "Notes", "while the emails go out, staff edit freely")
    refused: list[str] = []

    def reject_now(f: FakeSheets) -> None:
        try:
            f.set_cell(PAIRINGS, 4, "Status", "Rejected")  # P-0003, in the second that matters
        except StaffEditRefused as exc:
            refused.append(str(exc))

    fake.once_after(is_locked_read, reject_now)
    outcome = session.write([], results("P-0002", "P-0003"))
    assert refused, "the edit landed between the flush's read and its write"
    assert set(outcome.applied) == {"P-0002", "P-0003"}
    assert locks(fake) == []  # lifted by the write itself
    fake.set_cell(PAIRINGS, 4, "Status", "Rejected")  # a moment later it goes through
    session.finish([], {})
    session_cm.__exit__(None, None, None)
    assert status_of(fake, "P-0003") == "Rejected"


def test_a_rejected_set_before_the_flushs_read_is_never_written_over(fake: FakeSheets) -> None:
    session_cm, session = marked_session(fake)
    fake.set_cell(PAIRINGS, 4, "Status", "Rejected")  # during the sends: the tab is open
    outcome = session.write([], results("P-0002", "P-0003"))
    assert outcome.applied == ("P-0002",)
    (skipped,) = outcome.skipped
    assert (skipped.pairing_id, skipped.status_now) == ("P-0003", "Rejected")
    session.finish([], {})
    session_cm.__exit__(None, None, None)
    assert status_of(fake, "P-0003") == "Rejected"


def test_a_lost_answer_to_the_flushs_read_leaves_no_lock_behind(fake: FakeSheets) -> None:
    session_cm, session = marked_session(fake)
    fake.lose_response_next("POST", r":batchUpdate$")  # the lock was added, the answer lost
    outcome = session.write([], results("P-0002"))
    assert outcome.applied == ("P-0002",)
    assert locks(fake) == []  # the retry's second lock and the first both removed
    session.finish([], {})
    session_cm.__exit__(None, None, None)
    assert status_of(fake, "P-0002") == "Awaiting contact"


def test_the_owner_sorting_in_a_flushs_second_stops_the_run(fake: FakeSheets) -> None:
    session_cm, session = marked_session(fake)

    def owner_sorts(f: FakeSheets) -> None:
        f.acting_as = f.owner  # the owner may edit a protected tab
        f.sort_rows(PAIRINGS, "Pairing ID", descending=True)

    fake.once_after(is_locked_read, owner_sorts)
    with pytest.raises(WorkbookError, match="P-0002"):
        session.write([], results("P-0002", "P-0003"))
    session_cm.__exit__(WorkbookError, None, None)
    assert locks(fake) == []

"""Staff edits while a run is sending: a status staff set is never overwritten.

Staff may set ``Rejected`` on a row the run has already marked ``Sending
intro``. Before each batch of sends the run asks its store whether each row
is still as it marked it (``still_marked``), and every flush of results is
skipped on a row whose Status staff changed, which is reported: not sent, or
"sent, but staff set Rejected meanwhile: tell the mentor".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import stamina

from mentorsheet.adapters.channels.email.outbox import OutboxSender
from mentorsheet.adapters.workbook.contract import PairingUpdate
from mentorsheet.app.run import Runner
from mentorsheet.app.wiring import build_composer
from mentorsheet.core.schema import MENTEES, MENTORS, PAIRINGS, PROBLEMS, RUNS
from tests.conftest import StoreBackend
from tests.fakes.sheets_api import FakeSheets, RecordedRequest, make_google_store
from tests.workbooks import make_config, mentor, tab_rows

MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
SENT = {"Status": "Awaiting contact", "Intro sent on": "2026-11-02T09:00:00"}


@pytest.fixture(autouse=True)
def _no_backoff() -> Iterator[None]:
    with stamina.set_testing(True, attempts=100, cap=True):
        yield


def status_of(backend: StoreBackend, pairing_id: str) -> str:
    with backend.store.session("look", dry_run=True) as session:
        tab = session.read().tabs[PAIRINGS]
    header = [h.strip().casefold() for h in tab.header]
    at_id, at_status = header.index("pairing id"), header.index("status")
    return next(row[at_status] for row in tab.rows if row[at_id] == pairing_id)


def test_a_rejected_set_during_the_sends_is_honoured_on_every_store(
    store_backend: StoreBackend,
) -> None:
    # Seed: P-0001 on row 2, P-0002 (Approved) on row 3.
    with store_backend.store.session("run") as session:
        session.read()
        marks = [
            PairingUpdate("P-0001", {"Status": "Sending intro"}),
            PairingUpdate("P-0002", {"Status": "Sending intro"}, expect_status="Approved"),
        ]
        assert set(session.write([], marks, again={"P-0001", "P-0002"}).applied) == {
            "P-0001",
            "P-0002",
        }
        assert session.still_marked(["P-0001", "P-0002"]) == {"P-0001", "P-0002"}
        # While P-0002's intro goes out, staff reject P-0001 (not sent yet) and,
        # just after the send, P-0002 itself.
        store_backend.staff_set_pairings_cell(2, "Status", "Rejected")
        store_backend.staff_set_pairings_cell(3, "Status", "Rejected")
        flush = session.write([], [PairingUpdate("P-0002", SENT, expect_status="Sending intro")])
        assert flush.applied == ()
        assert [(s.pairing_id, s.status_now) for s in flush.skipped] == [("P-0002", "Rejected")]
        # The next batch is checked before it is sent: P-0001 is not.
        assert session.still_marked(["P-0001"]) == set()
        session.finish([], {})
    assert status_of(store_backend, "P-0001") == "Rejected"
    assert status_of(store_backend, "P-0002") == "Rejected"


# --- whole runs over the Sheets fake ------------------------------------------------------


class Outbox(OutboxSender):
    """The outbox, with a staff action after the n-th send."""

    def __init__(self, directory: Path, after: dict[int, Callable[[], None]]) -> None:
        super().__init__(directory)
        self.sent: list[str] = []
        self._after = after

    def send(self, message: EmailMessage, *, key: str) -> str:
        message_id = super().send(message, key=key)
        self.sent.append(str(message["To"]))
        action = self._after.get(len(self.sent))
        if action is not None:
            action()
        return message_id


def seed(fake: FakeSheets, approved: int) -> None:
    rows = [
        {
            "Pairing ID": f"P-{n:04d}",
            "Status": "Approved",
            "Mentee": f"Mentee {n}",
            "Mentee email": f"mentee{n}@example.net",
            "Mentor": "Ada",
            "Mentor email": "ada@example.org",
            "Proposed on": "2026-10-01",
        }
        for n in range(1, approved + 1)
    ]
    fake.add_tab(MENTORS, tab_rows(MENTORS, [mentor("Ada", "ada@example.org", "python", 9)]))
    fake.add_tab(MENTEES, tab_rows(MENTEES, []))
    fake.add_tab(PAIRINGS, tab_rows(PAIRINGS, rows))
    fake.add_tab(PROBLEMS, tab_rows(PROBLEMS, []))
    fake.add_tab(RUNS, tab_rows(RUNS, []))


def reject(fake: FakeSheets, pairing_id: str) -> Callable[[], None]:
    def action() -> None:
        row = [r["Pairing ID"] for r in fake.records(PAIRINGS)].index(pairing_id) + 2
        fake.set_cell(PAIRINGS, row, "Status", "Rejected")

    return action


def test_a_run_never_overwrites_a_rejected_and_says_what_it_sent(tmp_path: Path) -> None:
    fake = FakeSheets()
    seed(fake, 4)
    fake.clock.moment = MONDAY
    config = make_config(
        tmp_path, workbook={"backend": "google", "spreadsheet": "fake"}, mail={"flush_every": 2}
    )
    # After the first send: staff reject it (sent already) and P-0004 (in the next batch).
    actions = {1: lambda: (reject(fake, "P-0001")(), reject(fake, "P-0004")())}
    outbox = Outbox(Path(config.mail.outbox_dir), actions)  # type: ignore[arg-type]
    seen: list[RecordedRequest] = []
    fake.after_request(lambda _fake, request: seen.append(request))
    report = Runner(
        config=config,
        store=make_google_store(fake, config.workbook),
        sender=outbox,
        composer=build_composer(config),
        clock=fake.clock.now,
    ).run("intro")
    statuses = {r["Pairing ID"]: r["Status"] for r in fake.records(PAIRINGS)}
    assert statuses == {
        "P-0001": "Rejected",
        "P-0002": "Awaiting contact",
        "P-0003": "Awaiting contact",
        "P-0004": "Rejected",
    }
    assert len(outbox.sent) == 3  # P-0004's intro is never sent
    problems = {p.value: p.problem for p in report.problems}
    assert "sent, but staff set Rejected meanwhile: tell the mentor" in problems["P-0001"]
    assert problems["P-0004"].startswith("not updated this run: not sent")
    shown = "\n".join(report.skipped_writes)
    assert "P-0001: sent, but staff set Rejected meanwhile: tell the mentor" in shown
    # Nothing but the first write ever wrote a Pairing ID.
    for request in seen:
        for item in (request.body or {}).get("data") or []:
            assert item["values"][0][0] is None


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda f: f.insert_column(PAIRINGS, "Pairing ID", "Staff"), id="before-id"),
        pytest.param(lambda f: f.insert_column(PAIRINGS, "Mentee", "Note"), id="after-status"),
        pytest.param(lambda f: f.delete_column(PAIRINGS, "Notes"), id="delete-notes"),
    ],
)
def test_columns_moved_during_the_sends_are_followed(
    tmp_path: Path, edit: Callable[[FakeSheets], None]
) -> None:
    fake = FakeSheets()
    seed(fake, 4)
    fake.clock.moment = MONDAY
    config = make_config(
        tmp_path, workbook={"backend": "google", "spreadsheet": "fake"}, mail={"flush_every": 2}
    )
    outbox = Outbox(Path(config.mail.outbox_dir), {1: lambda: edit(fake)})
    report = Runner(
        config=config,
        store=make_google_store(fake, config.workbook),
        sender=outbox,
        composer=build_composer(config),
        clock=fake.clock.now,
    ).run("intro")
    assert report.ok, report.result_text()
    records = fake.records(PAIRINGS)
    assert [r["Pairing ID"] for r in records] == ["P-0001", "P-0002", "P-0003", "P-0004"]
    for record in records:
        assert record["Status"] == "Awaiting contact"
        assert record["Intro sent on"].startswith("2026-11-02")
        assert record["Intro message ID"].startswith("<")
        assert record.get("Mentee", "").startswith("Mentee")
        assert not record.get("Staff") and not record.get("Note")


def test_a_required_column_deleted_during_the_sends_stops_the_run_before_writing(
    tmp_path: Path,
) -> None:
    fake = FakeSheets()
    seed(fake, 4)
    fake.clock.moment = MONDAY
    config = make_config(
        tmp_path, workbook={"backend": "google", "spreadsheet": "fake"}, mail={"flush_every": 2}
    )
    outbox = Outbox(Path(config.mail.outbox_dir), {1: lambda: fake.delete_column(PAIRINGS, "Why")})
    report = Runner(
        config=config,
        store=make_google_store(fake, config.workbook),
        sender=outbox,
        composer=build_composer(config),
        clock=fake.clock.now,
    ).run("intro")
    assert not report.ok
    assert "Why" in report.error
    assert len(outbox.sent) == 2  # the first batch; nothing after the failed flush
    records = fake.records(PAIRINGS)
    assert [r["Pairing ID"] for r in records] == ["P-0001", "P-0002", "P-0003", "P-0004"]
    # Nothing recorded blind: the marks stay (the next run asks staff to check them).
    assert [r["Status"] for r in records] == ["Sending intro"] * 4
    assert not any(r.get("Intro message ID") or r.get("Intro sent on") for r in records)


def test_an_xlsx_saved_by_staff_while_a_write_is_made_keeps_their_edit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import openpyxl

    from mentorsheet.adapters.workbook.xlsx import XlsxSession, XlsxStore
    from tests.conftest import SEED, store_config, write_xlsx
    from tests.workbooks import read_xlsx_tab

    path = tmp_path / "programme.xlsx"
    write_xlsx(path, SEED)
    load = XlsxSession._load
    edits: list[int] = []

    def load_then_staff_save(self: XlsxSession, **kwargs: Any) -> Any:
        workbook = load(self, **kwargs)
        if not kwargs.get("read_only") and not edits:  # the write's load
            edits.append(1)
            book = openpyxl.load_workbook(path)
            book[PAIRINGS].cell(row=3, column=2).value = "Rejected"  # P-0002
            book[PAIRINGS].cell(row=5, column=1).value = "P-0900"  # a row typed meanwhile
            book.save(path)
        return workbook

    monkeypatch.setattr(XlsxSession, "_load", load_then_staff_save)
    store = XlsxStore(path, store_config())
    with store.session("run") as session:
        session.read()
        outcome = session.write(
            [], [PairingUpdate("P-0002", {"Status": "Sending intro"}, expect_status="Approved")]
        )
        assert outcome.applied == ()
        assert [(s.pairing_id, s.status_now) for s in outcome.skipped] == [("P-0002", "Rejected")]
        session.finish([], {})
    rows = {r["pairing id"]: r["Status"] for r in read_xlsx_tab(path, PAIRINGS)}
    assert rows["P-0002"] == "Rejected"
    assert "P-0900" in rows

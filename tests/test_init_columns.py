"""``init`` formats the columns runs write, on every backend that formats.

With Status aliased to "State" and a Pairings tab holding both a "Status" and
a "State" column, runs write "State" (configured aliases win): the Status
dropdown and colours must land there too, not on "Status".
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

from mentorsheet.adapters.workbook.contract import PairingUpdate
from mentorsheet.adapters.workbook.memory import MemoryStore
from mentorsheet.adapters.workbook.xlsx import XlsxStore
from mentorsheet.config import WorkbookConfig
from mentorsheet.core.schema import COLUMNS, PAIRINGS, PC, Status
from tests.conftest import store_config, write_xlsx
from tests.fakes.sheets_api import FakeSheets, make_google_store

HEADER = [*COLUMNS[PAIRINGS], "State"]
STATUS_AT = HEADER.index(PC.STATUS)  # 0-based
STATE_AT = HEADER.index("State")
ROW = ["P-1", "old text", "Bob", "bob@example.org", "Ada", "ada@example.org", "Academy"]
TABS = {PAIRINGS: [HEADER, [*ROW, *[""] * (STATE_AT - len(ROW)), "Approved"]]}
APPROVE = PairingUpdate("P-1", {PC.STATUS: Status.SENDING_INTRO}, expect_status=Status.APPROVED)


def aliased_config() -> WorkbookConfig:
    return store_config(headers={PAIRINGS: {PC.STATUS: ["State"]}})


def test_google_init_formats_the_aliased_status_column() -> None:
    fake = FakeSheets()
    fake.add_tab(PAIRINGS, TABS[PAIRINGS], frozen_rows=1)
    store = make_google_store(fake, aliased_config())

    done = store.init_tabs()

    assert "added a Status dropdown to tab 'Pairings'" in done
    rule = fake.validation(PAIRINGS, 2, STATE_AT + 1)
    assert rule is not None
    assert [v["userEnteredValue"] for v in rule["condition"]["values"]] == list(Status)
    assert fake.validation(PAIRINGS, 2, STATUS_AT + 1) is None
    starts = {
        grid_range["startColumnIndex"]
        for rule in fake.tab(PAIRINGS).conditional_formats
        for grid_range in rule["ranges"]
    }
    assert starts == {STATE_AT}
    # The run writes the column init formatted.
    with store.session("run") as session:
        assert session.write([], [APPROVE]).applied == ("P-1",)
    assert fake.records(PAIRINGS)[0]["State"] == Status.SENDING_INTRO
    assert fake.records(PAIRINGS)[0]["Status"] == "old text"
    assert store.init_tabs() == []


def test_xlsx_init_formats_the_aliased_status_column(tmp_path: Path) -> None:
    path = tmp_path / "programme.xlsx"
    write_xlsx(path, TABS)
    store = XlsxStore(path, aliased_config())

    done = store.init_tabs()

    assert "added a Status dropdown to tab 'Pairings'" in done
    state, status = get_column_letter(STATE_AT + 1), get_column_letter(STATUS_AT + 1)
    sheet = openpyxl.load_workbook(path)[PAIRINGS]
    validations = sheet.data_validations.dataValidation
    assert [str(v.sqref).split(":")[0] for v in validations] == [f"{state}2"]
    assert validations[0].formula1 == '"' + ",".join(Status) + '"'
    coloured = [str(formats.sqref) for formats in sheet.conditional_formatting]
    assert coloured == [f"{state}2:{state}1048576"]
    assert not any(f"{status}2" in formats.sqref for formats in sheet.conditional_formatting)
    with store.session("run") as session:
        assert session.write([], [APPROVE]).applied == ("P-1",)
    sheet = openpyxl.load_workbook(path)[PAIRINGS]
    assert sheet[f"{state}2"].value == Status.SENDING_INTRO
    assert sheet[f"{status}2"].value == "old text"


def test_init_formats_an_existing_pairings_tab_alike_on_both_backends(tmp_path: Path) -> None:
    """An existing Pairings tab without formatting gets the dropdown and colours on both."""
    config = store_config()
    rows = [list(COLUMNS[PAIRINGS]), ROW]
    fake = FakeSheets()
    fake.add_tab(PAIRINGS, rows, frozen_rows=1)
    path = tmp_path / "programme.xlsx"
    write_xlsx(path, {PAIRINGS: rows})

    on_google = make_google_store(fake, config).init_tabs()
    on_xlsx = XlsxStore(path, config).init_tabs()

    def about_pairings_status(done: list[str]) -> list[str]:
        return [line for line in done if "'Pairings'" in line and "Status" in line]

    assert about_pairings_status(on_google) == about_pairings_status(on_xlsx)
    assert about_pairings_status(on_xlsx) == [
        "added a Status dropdown to tab 'Pairings'",
        f"coloured {len(Status)} Status value(s) on tab 'Pairings'",
    ]
    # And neither does it again.
    assert about_pairings_status(make_google_store(fake, config).init_tabs()) == []
    assert XlsxStore(path, config).init_tabs() == []


def test_memory_init_adds_missing_tabs_and_headers() -> None:
    store = MemoryStore.from_tabs(aliased_config(), TABS)

    assert store.init_tabs(dry_run=True) == store.init_tabs()
    assert store.init_tabs() == []
    assert store.rows(PAIRINGS)[0] == HEADER  # "State" is Status: nothing added

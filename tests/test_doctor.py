"""doctor's checks: the backend-specific ones come from the wiring, with doctor's wording."""

from __future__ import annotations

from pathlib import Path

import pytest

from mentorsheet.app.doctor import run_doctor
from mentorsheet.app.wiring import check_mail, describe_workbook_access
from mentorsheet.config import Config, MailConfig, WorkbookConfig


def test_a_missing_xlsx_workbook_stops_the_workbook_checks(tmp_path: Path) -> None:
    config = Config(workbook=WorkbookConfig(path=tmp_path / "absent.xlsx"))
    [check] = describe_workbook_access(config)
    assert (check.name, check.ok) == ("workbook", False)
    assert "mentorsheet init" in check.message
    names = [c.name for c in run_doctor(config)]
    assert names == ["config", "workbook", "mail", "templates"]


def test_an_existing_xlsx_workbook_needs_nothing_first(tmp_path: Path) -> None:
    (tmp_path / "book.xlsx").write_bytes(b"")
    assert (
        describe_workbook_access(Config(workbook=WorkbookConfig(path=tmp_path / "book.xlsx"))) == []
    )


def test_a_google_backend_without_a_spreadsheet_says_which_key_to_set() -> None:
    [check] = describe_workbook_access(Config(workbook=WorkbookConfig(backend="google")))
    assert (check.name, check.ok) == ("workbook", False)
    assert "workbook.spreadsheet" in check.message


@pytest.mark.parametrize("as_file", [False, True])
def test_the_outbox_must_be_a_folder(tmp_path: Path, as_file: bool) -> None:
    outbox = tmp_path / "out"
    if as_file:
        outbox.write_text("not a folder", encoding="utf-8")
    check = check_mail(Config(mail=MailConfig(outbox_dir=outbox)))
    assert check.name == "mail"
    assert check.ok is not as_file


def test_a_pairings_tab_without_the_closing_email_column_is_warned_of(tmp_path: Path) -> None:
    from mentorsheet.core.schema import PAIRINGS, PC
    from tests.workbooks import make_config, write_xlsx

    config = make_config(tmp_path)
    write_xlsx(Path(config.workbook.path), config)
    assert not [c for c in run_doctor(config) if c.name == "ledger columns"]  # init added it

    import openpyxl

    book = openpyxl.load_workbook(config.workbook.path)
    sheet = book[PAIRINGS]
    [at] = [cell.column for cell in sheet[1] if cell.value == PC.CLOSING_EMAIL]
    sheet.delete_cols(at)
    book.save(config.workbook.path)
    [check] = [c for c in run_doctor(config) if c.name == "ledger columns"]
    assert check.ok and check.warning
    assert "no Closing email" in check.message
    assert "closing emails and re-pair notes" in check.message
    assert "mentorsheet init" in check.message

"""``mentorsheet forget`` at the command line: what it prints, and its exit codes."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from mentorsheet.core.schema import MENTEES
from tests.test_cli import in_tmp, invoke, write_config

__all__ = ["in_tmp"]


def seeded(folder: Path) -> Path:
    config = write_config(folder / "m.toml")
    assert invoke("init", "--config", str(config)).exit_code == 0
    book = openpyxl.load_workbook(folder / "book.xlsx")
    book[MENTEES].append(["Sam Reyes", "sam@example.net", "Academy", "python", "2026-11-01"])
    book.save(folder / "book.xlsx")
    return config


def test_forget_prints_each_cell_and_exits_0_then_1(in_tmp: Path) -> None:
    config = seeded(in_tmp)
    dry = invoke("forget", "sam@example.net", "--dry-run", "--config", str(config))
    assert dry.exit_code == 0, dry.output
    assert "- Mentees row 2, Name: would erase" in dry.output
    assert "Dry run: 3 cell(s) of sam@example.net would be erased" in dry.output

    done = invoke("forget", "sam@example.net", "--config", str(config))
    assert done.exit_code == 0, done.output
    assert "- Mentees row 2, Email: erased" in done.output
    assert "Sam Reyes" not in done.output  # never the erased values
    assert "3 cell(s) of sam@example.net erased" in done.output

    again = invoke("forget", "sam@example.net", "--config", str(config))
    assert again.exit_code == 1
    assert "nothing to erase" in again.output


def test_an_email_nobody_has_exits_1_and_says_so(in_tmp: Path) -> None:
    config = seeded(in_tmp)
    result = invoke("forget", "nobody@example.net", "--config", str(config))
    assert result.exit_code == 1
    assert "nothing to erase" in result.output and "nobody@example.net" in result.output


def test_a_name_instead_of_an_email_is_a_usage_error(in_tmp: Path) -> None:
    config = seeded(in_tmp)
    result = invoke("forget", "Sam Reyes", "--config", str(config))
    assert result.exit_code == 2
    assert "not an email address" in result.output

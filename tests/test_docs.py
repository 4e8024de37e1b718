"""The README's promises that a test can hold it to (the quota table has its own test)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from click.testing import CliRunner

from mentorsheet.cli.main import main
from mentorsheet.config import ENVIRONMENT

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    return README.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_quick_start_is_exactly_two_working_scripts() -> None:
    block = re.search(r"```console\n(.*?)```", section("Quick start"), flags=re.S)
    assert block is not None
    commands = [line for line in block.group(1).splitlines() if line.strip()]
    assert commands == ["scripts/demo", "scripts/test"]
    for command in commands:
        assert os.access(ROOT / command, os.X_OK), f"{command} is not executable"
    assert "scripts/test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_commands_table_matches_the_cli() -> None:
    documented = re.findall(r"^\| `([a-z]+)` \|", section("Using it for your programme"), re.M)
    assert isinstance(main.commands, dict)
    assert sorted(documented) == sorted(main.commands)
    for name in documented:
        help_text = CliRunner().invoke(main, [name, "--help"]).output
        for option in ("--config", "--spreadsheet", "--verbose", "--quiet"):
            assert option in help_text, f"{name} lacks {option}"
        # doctor only reads; login and report write only their own file
        if name not in ("doctor", "login", "report"):
            assert "--dry-run" in help_text, f"{name} lacks --dry-run"


def test_environment_variables_named_in_the_readme_exist() -> None:
    named = set(re.findall(r"`(MENTORSHEET_[A-Z_]+)`", README))
    known = set(ENVIRONMENT) | {
        "MENTORSHEET_CONFIG",
        "MENTORSHEET_GMAIL_ACCESS_TOKEN",
        "MENTORSHEET_OAUTH_CLIENT",
    }
    assert named, "the README names no environment variable"
    assert named <= known, f"unknown in README: {sorted(named - known)}"


def test_status_table_lists_every_status_in_order() -> None:
    from mentorsheet.core.schema import Status

    table = section("The workbook").split("### The Status column", 1)[1]
    listed = re.findall(r"^\| ([A-Z][a-z-]+(?: [a-z]+)?) \|", table, flags=re.M)
    assert listed[0] == "Status"  # the header row
    assert listed[1:] == [status.value for status in Status]


def test_the_workbook_table_lists_every_column_in_order() -> None:
    from mentorsheet.core.schema import COLUMNS, MENTEES, MENTORS, PAIRINGS, PROBLEMS, RUNS

    table = section("The workbook")
    for tab in (MENTORS, MENTEES, PAIRINGS, PROBLEMS, RUNS):
        [row] = re.findall(rf"^\| {tab} \|[^|]*\| (.*) \|$", table, re.M)
        listed = [re.sub(r" \(.*\)$", "", cell.strip()) for cell in row.split(",")]
        assert listed == list(COLUMNS[tab]), tab

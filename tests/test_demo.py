"""The bundled demo, as the README's quick start runs it: build, run, start over."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mentorsheet.app.demo import main as build_demo
from mentorsheet.cli.main import main
from tests.workbooks import read_xlsx_tab

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def demo_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("MENTORSHEET_CONFIG", "MENTORSHEET_SPREADSHEET", "MENTORSHEET_WORKBOOK_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "demo.toml"
    config.write_text((ROOT / "config" / "demo.toml").read_text(encoding="utf-8"), "utf-8")
    return config


def run(config: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["run", "--config", str(config)], catch_exceptions=False)
    return result.exit_code, result.output


def test_the_demo_runs_clean_then_sends_nothing_twice(demo_config: Path) -> None:
    assert build_demo(["--config", str(demo_config)]) == 0
    code, output = run(demo_config)
    assert code == 0, output
    sent = sorted(p.name for p in Path("demo/outbox").glob("*.eml"))
    assert any(name.endswith("-intro.eml") for name in sent)
    code, output = run(demo_config)
    assert code == 0, output
    assert sorted(p.name for p in Path("demo/outbox").glob("*.eml")) == sent


def test_starting_over_the_same_day_is_clean_too(demo_config: Path) -> None:
    assert build_demo(["--config", str(demo_config)]) == 0
    assert run(demo_config)[0] == 0
    assert build_demo(["--config", str(demo_config), "--fresh"]) == 0
    code, output = run(demo_config)
    assert code == 0, output  # no "not confirmed sent" from the last run's files
    assert "not confirmed sent" not in output


def test_the_demo_shows_a_form_answer_moving_its_pairing_and_two_refused_answers(
    demo_config: Path,
) -> None:
    assert build_demo(["--config", str(demo_config)]) == 0
    code, output = run(demo_config)
    assert code == 0, output
    pairings = read_xlsx_tab(Path("demo/mentorsheet.xlsx"), "Pairings")
    [confirmed] = [r for r in pairings if r["Pairing ID"] == "D-CONFIRMED"]
    assert confirmed["Status"] == "In contact"  # no staff edit: the mentee's answer
    assert confirmed["Contact made on"]
    assert not list(Path("demo/outbox").glob("D-CONFIRMED-reminder*"))
    problems = read_xlsx_tab(Path("demo/mentorsheet.xlsx"), "Problems")
    form = [(r["Column"], r["Value"]) for r in problems if r["Tab"] == "Form responses 1"]
    assert form == [("Pairing ID", "D-WAITNG"), ("Email address", "stranger@example.com")]
    assert Path("demo/outbox/D-CONTACT-checkin-1.eml").is_file()
    assert "Check-ins needing attention (1)" in output

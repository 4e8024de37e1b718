"""The bundled demo, as the README's quick start runs it: build, run, start over."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mentorsheet.app.demo import main as build_demo
from mentorsheet.cli.main import main

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

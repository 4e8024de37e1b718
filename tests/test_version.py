"""The version is written once, in mentorsheet/__init__.py, and shown by --version."""

from __future__ import annotations

import tomllib
from pathlib import Path

from click.testing import CliRunner

import mentorsheet
from mentorsheet.cli.main import main

ROOT = Path(__file__).resolve().parent.parent


def test_pyproject_reads_the_version_from_the_package() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"]
    assert "version" in project["project"]["dynamic"]
    source = project["tool"]["hatch"]["version"]["path"]
    assert (ROOT / source).resolve() == Path(mentorsheet.__file__).resolve()


def test_version_option_prints_it() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"mentorsheet, version {mentorsheet.__version__}\n"

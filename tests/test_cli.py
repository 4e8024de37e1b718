"""The command line as a user meets it: commands, exit codes, plain output off a terminal."""

from __future__ import annotations

import os
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner, Result

from mentorsheet.cli.main import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("MENTORSHEET_", "GOOGLE_")) or name == "GITHUB_STEP_SUMMARY":
            monkeypatch.delenv(name)
    # Without credentials, google-auth would try the metadata server: point it nowhere.
    monkeypatch.setenv("GCE_METADATA_HOST", "127.0.0.1:9")
    monkeypatch.setenv("GCE_METADATA_IP", "127.0.0.1:9")
    monkeypatch.setenv("NO_GCE_CHECK", "True")
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))
    return tmp_path


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def write_config(path: Path, extra: str = "") -> Path:
    templates = ROOT / "mentorsheet" / "templates"
    path.write_text(
        f'[workbook]\npath = "book.xlsx"\nwait_seconds = 0.5\n'
        f'[mail]\noutbox_dir = "out"\ntemplates_dir = "{templates}"\n' + extra,
        encoding="utf-8",
    )
    return path


def test_help_lists_every_command() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("init", "doctor", "propose", "intro", "status", "digest", "run", "report"):
        assert command in result.output
    for command in ("propose", "intro", "status", "digest", "run"):
        sub = invoke(command, "--help")
        assert "--dry-run" in sub.output and "--config" in sub.output
        assert "--spreadsheet" in sub.output and "--verbose" in sub.output


def test_init_creates_a_workbook_with_every_tab_and_is_idempotent(in_tmp: Path) -> None:
    config = write_config(in_tmp / "m.toml")
    first = invoke("init", "--config", str(config))
    assert first.exit_code == 0, first.output
    book = openpyxl.load_workbook(in_tmp / "book.xlsx")
    assert book.sheetnames == ["Mentors", "Mentees", "Pairings", "Problems", "Runs", "Report"]
    assert [c.value for c in book["Pairings"][1]][:2] == ["Pairing ID", "Status"]
    before = (in_tmp / "book.xlsx").read_bytes()
    second = invoke("init", "--config", str(config))
    assert second.exit_code == 0
    assert "nothing to do" in second.output
    assert (in_tmp / "book.xlsx").read_bytes() == before


def test_unknown_config_key_is_a_usage_error(in_tmp: Path) -> None:
    config = write_config(in_tmp / "m.toml", "[schedule]\ndue_after = 3\n")
    result = invoke("run", "--config", str(config))
    assert result.exit_code == 2
    assert "schedule.due_after" in result.output


def test_missing_workbook_is_a_failure_with_a_hint(in_tmp: Path) -> None:
    config = write_config(in_tmp / "m.toml")
    result = invoke("run", "--config", str(config))
    assert result.exit_code == 1
    assert "init" in result.output


def test_run_on_a_fresh_workbook_reports_plainly(in_tmp: Path) -> None:
    config = write_config(in_tmp / "m.toml")
    assert invoke("init", "--config", str(config)).exit_code == 0
    result = invoke("run", "--config", str(config))
    assert result.exit_code == 0, result.output
    assert "Result: ok" in result.output
    assert "\x1b[" not in result.output  # no terminal escapes off a terminal


def test_doctor_explains_missing_google_credentials_in_one_sentence(in_tmp: Path) -> None:
    config = write_config(
        in_tmp / "m.toml",
        "[workbook.headers]\n",
    )
    result = invoke(
        "doctor",
        "--config",
        str(config),
        "--spreadsheet",
        "https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789/edit",
    )
    assert result.exit_code == 1
    [line] = [line for line in result.output.splitlines() if line.startswith("✗ credentials")]
    sentence = line.split(":", 1)[1].strip()
    assert "GOOGLE_APPLICATION_CREDENTIALS" in sentence
    assert sentence.count(". ") == 0  # one sentence


def test_doctor_passes_on_a_good_local_setup(in_tmp: Path) -> None:
    config = write_config(in_tmp / "m.toml")
    invoke("init", "--config", str(config))
    result = invoke("doctor", "--config", str(config))
    assert result.exit_code == 0, result.output
    assert "✓ templates" in result.output and "✓ headers" in result.output


def test_github_step_summary_gets_the_digest(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write_config(in_tmp / "m.toml")
    invoke("init", "--config", str(config))
    book = openpyxl.load_workbook(in_tmp / "book.xlsx")
    book["Mentees"].append(["Jo", "jo@example.net", "Community", "Rust", "2026-11-01", ""])
    book.save(in_tmp / "book.xlsx")
    summary = in_tmp / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = invoke("run", "--config", str(config))
    assert result.exit_code == 0, result.output
    text = summary.read_text(encoding="utf-8")
    assert "Jo" in text and "rust" in text.lower()


def test_init_dry_run_changes_nothing(in_tmp: Path) -> None:
    config = write_config(in_tmp / "m.toml")
    result = invoke("init", "--dry-run", "--config", str(config))
    assert result.exit_code == 0, result.output
    assert "created tab 'Pairings'" in result.output
    assert "was not changed" in result.output
    assert not (in_tmp / "book.xlsx").exists()


@pytest.mark.parametrize("name", ["programme.ods", "old.xls"])
def test_spreadsheet_that_is_not_xlsx_is_a_usage_error(in_tmp: Path, name: str) -> None:
    result = invoke("propose", "--spreadsheet", name)
    assert result.exit_code == 2
    assert "not an .xlsx workbook" in result.output


def test_doctor_refuses_an_outbox_that_is_a_file(in_tmp: Path) -> None:
    config = write_config(in_tmp / "m.toml")
    invoke("init", "--config", str(config))
    (in_tmp / "out").write_text("not a folder", encoding="utf-8")
    result = invoke("doctor", "--config", str(config))
    assert result.exit_code == 1
    assert "✗ mail" in result.output


# --- a new programme folder, as after `pip install mentorsheet` -------------------------


def test_init_in_an_empty_folder_writes_a_commented_config_and_never_overwrites_it(
    in_tmp: Path,
) -> None:
    first = invoke("init")
    assert first.exit_code == 0, first.output
    written = (in_tmp / "mentorsheet.toml").read_text(encoding="utf-8")
    assert "[mail]" in written and "# sender = " in written
    assert (in_tmp / "mentorsheet.xlsx").is_file()
    (in_tmp / "mentorsheet.toml").write_text('[mail]\nsender = "mine@example.org"\n', "utf-8")
    second = invoke("init")
    assert second.exit_code == 0, second.output
    assert "mentorsheet.toml" not in second.output
    assert (in_tmp / "mentorsheet.toml").read_text(encoding="utf-8").startswith("[mail]")


def test_a_run_in_a_new_folder_sends_with_the_packaged_templates(in_tmp: Path) -> None:
    assert invoke("init").exit_code == 0
    book = openpyxl.load_workbook(in_tmp / "mentorsheet.xlsx")
    book["Mentors"].append(["Ada Lovelace", "ada@example.org", "python", 1, "", "", "yes", ""])
    book["Mentees"].append(["Sam Jones", "sam@example.net", "Academy", "python", "", ""])
    book.save(in_tmp / "mentorsheet.xlsx")
    (in_tmp / "mentorsheet.toml").write_text("[matching]\nauto_approve = true\n", "utf-8")
    result = invoke("run")
    assert result.exit_code == 0, result.output
    [intro] = (in_tmp / "outbox").glob("*-intro.eml")
    assert "Sam Jones" in intro.read_text(encoding="utf-8")


def test_init_templates_copies_them_out_and_doctor_names_the_overrides(in_tmp: Path) -> None:
    assert invoke("init", "--templates", "my-templates").exit_code == 0
    copied = sorted(p.name for p in (in_tmp / "my-templates").iterdir())
    assert "intro.txt.j2" in copied and "digest.subject.j2" in copied
    for name in copied:
        if name != "intro.txt.j2":  # keep one override; the rest fall back to the package
            (in_tmp / "my-templates" / name).unlink()
    (in_tmp / "mentorsheet.toml").write_text('[mail]\ntemplates_dir = "my-templates"\n', "utf-8")
    result = invoke("doctor")
    assert "✓ templates" in result.output
    assert "overridden in my-templates: intro.txt.j2" in result.output
    again = invoke("init", "--templates", "my-templates")
    assert again.exit_code == 0
    assert sorted(p.name for p in (in_tmp / "my-templates").iterdir()) == copied
    assert (in_tmp / "my-templates" / "intro.txt.j2").stat().st_size > 0


def test_python_dash_m_runs_the_same_command() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "mentorsheet", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    from mentorsheet import __version__

    assert done.stdout.strip() == f"mentorsheet, version {__version__}"

"""Configuration: defaults, file, environment and arguments, and errors naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mentorsheet.cli.main import main
from mentorsheet.config import Config, load_config, render_reference_toml
from mentorsheet.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mentorsheet.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_when_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(environ={})
    assert config == Config()
    assert config.schedule.due_after_business_days == 2
    assert config.mail.max_per_run == 200
    assert config.workbook.backend == "xlsx"


def test_file_then_environment_then_arguments(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[workbook]\nbackend = "google"\nspreadsheet = "from-file"\n[mail]\nmax_per_run = 10\n',
    )
    assert load_config(path, environ={}).workbook.spreadsheet == "from-file"
    env = {"MENTORSHEET_SPREADSHEET": "from-env", "MENTORSHEET_MAX_PER_RUN": "7"}
    config = load_config(path, environ=env)
    assert config.workbook.spreadsheet == "from-env"
    assert config.mail.max_per_run == 7
    config = load_config(path, environ=env, overrides={"workbook": {"spreadsheet": "from-arg"}})
    assert config.workbook.spreadsheet == "from-arg"
    assert config.mail.max_per_run == 7


def test_config_file_chosen_by_environment(tmp_path: Path) -> None:
    path = write(tmp_path, "[schedule]\nmax_reminders = 5\n")
    config = load_config(environ={"MENTORSHEET_CONFIG": str(path)})
    assert config.schedule.max_reminders == 5


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[mail]\nmax_per_rum = 3\n", "mail.max_per_rum"),
        ("[mail]\nmax_per_run = -1\n", "mail.max_per_run"),
        ('[mail]\nbackend = "smtp"\n', "mail.backend"),
        ('[schedule]\ntimezone = "Mars/Olympus"\n', "schedule.timezone"),
        ("[nonsense]\nx = 1\n", "nonsense"),
        ('[workbook.headers.Mentors]\nSkils = ["x"]\n', "workbook.headers"),
        ('[workbook.tabs]\nMentor = "x"\n', "workbook.tabs"),
    ],
)
def test_bad_keys_and_values_name_the_key(tmp_path: Path, text: str, key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), environ={})
    assert caught.value.key == key
    assert key in str(caught.value)


def test_bad_environment_value_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, ""), environ={"MENTORSHEET_MAX_PER_RUN": "lots"})
    assert caught.value.key == "mail.max_per_run"
    assert "MENTORSHEET_MAX_PER_RUN" in str(caught.value)


def test_missing_and_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no config file"):
        load_config(tmp_path / "absent.toml", environ={})
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[mail\n"), environ={})


def test_shipped_config_documents_every_key_with_its_default() -> None:
    shipped = (ROOT / "config" / "mentorsheet.toml").read_text(encoding="utf-8")
    assert shipped == render_reference_toml(), "regenerate config/mentorsheet.toml"
    for section, section_field in Config.model_fields.items():
        annotation = section_field.annotation
        assert annotation is not None
        for key, key_field in annotation.model_fields.items():
            assert key_field.description, f"{section}.{key} has no description"
            assert f"# {key} = " in shipped


def test_shipped_config_files_load() -> None:
    for name in ("mentorsheet.toml", "demo.toml"):
        load_config(ROOT / "config" / name, environ={})


def test_holiday_region_defaults_to_england_only_for_gb(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, ""), environ={}).schedule.holidays_subdivision == "ENG"
    other = load_config(write(tmp_path, '[schedule]\nholidays_country = "DE"\n'), environ={})
    assert other.schedule.holidays_subdivision is None


@pytest.mark.parametrize(
    ("text", "key", "shown"),
    [
        ('[schedule]\nholidays_country = "XX"\n', "schedule.holidays_country", "'XX'"),
        ('[schedule]\nholidays_subdivision = "ZZZ"\n', "schedule.holidays_subdivision", "SCT"),
        (
            '[schedule]\nholidays_country = "DE"\nholidays_subdivision = "ENG"\n',
            "schedule.holidays_subdivision",
            "BE",
        ),
    ],
)
def test_unknown_holiday_country_or_region_fails_at_load(
    tmp_path: Path, text: str, key: str, shown: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    assert caught.value.key == key
    assert key in str(caught.value)
    assert shown in str(caught.value)
    assert str(path) in str(caught.value)  # where the value came from


def test_doctor_reports_an_unknown_holiday_country_as_a_config_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MENTORSHEET_CONFIG", raising=False)
    path = write(tmp_path, '[schedule]\nholidays_country = "XX"\n')
    result = CliRunner().invoke(main, ["doctor", "--config", str(path)], catch_exceptions=False)
    assert result.exit_code == 2, result.output
    [line] = result.output.splitlines()
    assert line.startswith("✗ config: ")
    assert "schedule.holidays_country" in line

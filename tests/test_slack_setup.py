"""Slack's set-up: the token only from the environment, doctor's checks, the outbox."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from mentorsheet.adapters.channels.slack.web import SCOPES
from mentorsheet.app.run import Runner
from mentorsheet.app.wiring import build_channels, build_store, check_slack, slack_token
from mentorsheet.config import render_reference_toml
from mentorsheet.errors import ConfigError, UsageError
from tests.fakes.slack_api import ALL_SCOPES, FAKE_TOKEN, FakeSlack
from tests.workbooks import Clock, make_config, mentee, mentor, write_xlsx

MONDAY_9 = "2026-11-02T09:00:00+00:00"


def test_slack_is_off_by_default_and_adds_no_channel(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    assert not config.slack.enabled and config.slack.reminders
    assert [c.name for c in build_channels(config)] == ["email"]
    assert "[slack]" in render_reference_toml()
    # No key can hold the token: a file that tries is refused.
    with pytest.raises(ConfigError, match=r"slack\.bot_token.*unknown key"):
        make_config(tmp_path, slack={"bot_token": "xoxb-1"})


def test_the_token_comes_from_the_environment_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    with pytest.raises(UsageError, match="SLACK_BOT_TOKEN is not set"):
        slack_token()
    assert slack_token({"SLACK_BOT_TOKEN": " xoxb-1 "}) == "xoxb-1"


def test_doctor_names_the_workspace_and_bot(
    tmp_path: Path, slack: tuple[FakeSlack, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake, url = slack
    monkeypatch.setenv("SLACK_BOT_TOKEN", FAKE_TOKEN)
    config = make_config(tmp_path, slack={"enabled": True}, mail={"backend": "gmail"})
    check = check_slack(config, base_url=url)
    assert check is not None and check.ok
    assert "Mentoring Workspace" in check.message and "mentorsheet" in check.message
    assert FAKE_TOKEN not in check.message


@pytest.mark.parametrize("missing", sorted(SCOPES))
def test_doctor_names_a_missing_scope_and_how_to_add_it(
    tmp_path: Path, slack: tuple[FakeSlack, str], monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    fake, url = slack
    fake.scopes = tuple(s for s in ALL_SCOPES if s != missing)
    monkeypatch.setenv("SLACK_BOT_TOKEN", FAKE_TOKEN)
    config = make_config(tmp_path, slack={"enabled": True}, mail={"backend": "gmail"})
    check = check_slack(config, base_url=url)
    assert check is not None and not check.ok
    assert missing in check.message and "OAuth & Permissions" in check.message
    assert "reinstall" in check.message


@pytest.mark.parametrize("token", ["xoxb-wrong", ""])
def test_doctor_with_a_bad_token_says_so_without_showing_it(
    tmp_path: Path, slack: tuple[FakeSlack, str], monkeypatch: pytest.MonkeyPatch, token: str
) -> None:
    _fake, url = slack
    monkeypatch.setenv("SLACK_BOT_TOKEN", token)
    config = make_config(tmp_path, slack={"enabled": True}, mail={"backend": "gmail"})
    check = check_slack(config, base_url=url)
    assert check is not None and not check.ok
    assert "SLACK_BOT_TOKEN" in check.message
    if token:
        assert "invalid_auth" in check.message and token not in check.message


def test_outbox_writes_each_slack_message_beside_the_emails(tmp_path: Path) -> None:
    config = make_config(tmp_path, slack={"enabled": True}, matching={"auto_approve": True})
    write_xlsx(
        tmp_path / "programme.xlsx",
        config,
        mentors=[
            mentor(
                "Ada Lovelace",
                "ada@example.org",
                "Python",
                1,
                **{"Calendly link": "https://calendly.com/ada"},
            )
        ],
        mentees=[mentee("Sam Jones", "sam@example.net", "Academy", "python")],
    )
    clock: Any = Clock(datetime.fromisoformat(MONDAY_9))
    runner = Runner(
        config=config, store=build_store(config), channels=build_channels(config), clock=clock
    )
    report = runner.run("run")
    assert report.ok, report.result_text()
    outbox = Path(config.mail.outbox_dir)
    [slack_file] = sorted(outbox.glob("*-intro.slack.json"))
    assert sorted(outbox.glob("*-intro.eml"))
    document = json.loads(slack_file.read_text("utf-8"))
    assert document["conversation"] == {"open_with": ["ada@example.org", "sam@example.net"]}
    kinds = [block["type"] for block in document["blocks"]]
    assert kinds[0] == "header" and "actions" in kinds and kinds[-1] == "context"
    assert "reply to let us know" in document["text"]


def test_a_pairings_tab_without_the_slack_columns_stops_before_writing(tmp_path: Path) -> None:
    config = make_config(tmp_path, slack={"enabled": True}, matching={"auto_approve": True})
    write_xlsx(
        tmp_path / "programme.xlsx",
        config,
        mentors=[mentor("Ada Lovelace", "ada@example.org", "Python")],
        mentees=[mentee("Sam Jones", "sam@example.net", "Academy", "python")],
    )
    import openpyxl

    book = openpyxl.load_workbook(tmp_path / "programme.xlsx")
    sheet = book["Pairings"]
    for cell in sheet[1]:
        if str(cell.value or "").startswith("Slack"):
            cell.value = None
    book.save(tmp_path / "programme.xlsx")
    clock: Any = Clock(datetime.fromisoformat(MONDAY_9))
    runner = Runner(
        config=config, store=build_store(config), channels=build_channels(config), clock=clock
    )
    report = runner.run("run")
    assert "run `mentorsheet init`" in report.error
    assert "Slack intro sent on" in report.error
    assert not list(Path(config.mail.outbox_dir).glob("*"))

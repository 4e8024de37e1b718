"""A programme signed in with ``mentorsheet login``: Sheets and Gmail act as that account.

The saved ``authorized_user`` file comes from the real google-auth-oauthlib
flow (against the fake token endpoint of tests/test_google_login.py); the run
goes over the fake Sheets API and the fake Gmail API with the real client
libraries.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import google.auth.exceptions
import google.oauth2.credentials
import pytest
import requests
from google.auth.transport.requests import Request

from mentorsheet.adapters.channels.email.gmail import GmailSender
from mentorsheet.adapters.google_auth import (
    GMAIL_SEND_SCOPE,
    SHEETS_SCOPE,
    SIGN_IN_AGAIN,
    load_credentials,
)
from mentorsheet.adapters.google_login import login
from mentorsheet.adapters.workbook.google.store import GoogleSheetsStore
from mentorsheet.app.run import Runner
from mentorsheet.app.wiring import build_composer
from mentorsheet.core.schema import MENTEES, MENTORS, PAIRINGS, PROBLEMS, RUNS
from mentorsheet.errors import CredentialsError, MailError
from tests.fakes.gmail_api import FAKE_TOKEN, FakeGmailApi
from tests.fakes.sheets_api import FakeSheets
from tests.story import MONDAY
from tests.test_google_login import REFRESH_TOKEN, ConsentPage, FakeTokenEndpoint
from tests.workbooks import make_config, mentee, mentor, tab_rows

ACCOUNT = "mentoring@example.org"


@pytest.fixture
def signed_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The file `mentorsheet login` saves, its access token the one the fakes accept."""
    monkeypatch.setattr("tests.test_google_login.ACCESS_TOKEN", FAKE_TOKEN)
    page = ConsentPage()
    try:
        return login(
            {
                "installed": {
                    "client_id": "1234-desktop.apps.googleusercontent.com",
                    "client_secret": "GOCSPX-client-secret-value",
                    "auth_uri": "https://accounts.google.com/o/oauth2/auth",
                    "token_uri": "https://oauth2.googleapis.com/token",
                }
            },
            account=ACCOUNT,
            path=tmp_path / "sign-in.json",
            open_url=page,
            session_adapter=FakeTokenEndpoint(),
            timeout_seconds=10,
            prompt=None,
        )
    finally:
        for thread in page.threads:
            thread.join(timeout=10)


def test_a_run_signed_in_as_the_mailbox_sends_as_that_account(
    tmp_path: Path, signed_in: Path, gmail: FakeGmailApi
) -> None:
    config = make_config(
        tmp_path,
        workbook={"backend": "google", "spreadsheet": "fake"},
        matching={"auto_approve": True},
        mail={"sender": ACCOUNT, "backend": "gmail"},
    )
    # What the wiring asks for: Sheets, then Gmail "as" mail.sender (no delegation here).
    sheets_credentials = load_credentials([SHEETS_SCOPE], environ={}, login_file=signed_in)
    gmail_credentials = load_credentials(
        [GMAIL_SEND_SCOPE], subject=ACCOUNT, environ={}, login_file=signed_in
    )
    assert isinstance(gmail_credentials, google.oauth2.credentials.Credentials)
    assert gmail_credentials.refresh_token == REFRESH_TOKEN  # the user's own, not delegated
    sheets = FakeSheets()
    sheets.clock.moment = MONDAY
    sheets.add_tab(
        MENTORS, tab_rows(MENTORS, [mentor("Ada Lovelace", "ada@example.org", "Python", 1)])
    )
    sheets.add_tab(
        MENTEES, tab_rows(MENTEES, [mentee("Sam", "sam@example.net", "Academy", "python")])
    )
    for tab in (PAIRINGS, PROBLEMS, RUNS):
        sheets.add_tab(tab, tab_rows(tab, []), frozen_rows=1)
    runner = Runner(
        config=config,
        store=GoogleSheetsStore(
            sheets.spreadsheet_id,
            config.workbook,
            credentials=sheets_credentials,
            session=sheets.session(sheets_credentials),
            clock=sheets.clock.now,
            sleep=sheets.clock.sleep,
        ),
        sender=GmailSender(
            gmail_credentials,
            sender=ACCOUNT,
            timeout=5.0,
            max_attempts=2,
            api_endpoint=gmail.endpoint,
        ),
        composer=build_composer(config),
        clock=sheets.clock.now,
    )
    report = runner.run("run")
    assert report.ok, report.result_text()
    assert report.intros_sent == 1
    assert set(gmail.authorizations) == {f"Bearer {FAKE_TOKEN}"}
    [intro] = [m for m in gmail.sent if "Sam" in str(m.message["Subject"])]
    assert ACCOUNT in str(intro.message["From"])
    [row] = sheets.records(PAIRINGS)
    assert row["Status"] == "Awaiting contact"


def test_a_revoked_sign_in_stops_gmail_with_the_sign_in_again_sentence(
    gmail: FakeGmailApi,
) -> None:
    credentials = google.oauth2.credentials.Credentials(  # type: ignore[no-untyped-call]
        token=None,
        refresh_token=REFRESH_TOKEN,
        token_uri=gmail.endpoint.rstrip("/") + "/token",
        client_id="1234-desktop.apps.googleusercontent.com",
        client_secret="GOCSPX-client-secret-value",
    )
    sender = GmailSender(
        credentials, sender=ACCOUNT, timeout=5.0, max_attempts=1, api_endpoint=gmail.endpoint
    )
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = ACCOUNT, "ada@example.org", "Hello"
    message.set_content("Hello")
    with pytest.raises(MailError) as refused:
        sender.send(message, key="P-1-intro")
    assert not refused.value.may_have_sent  # no token, so nothing could have gone
    assert SIGN_IN_AGAIN.rstrip(".") in str(refused.value)
    assert REFRESH_TOKEN not in str(refused.value)
    assert gmail.sent == []


def test_a_revoked_sign_in_stops_sheets_with_the_same_sentence(tmp_path: Path) -> None:
    credentials = google.oauth2.credentials.Credentials(  # type: ignore[no-untyped-call]
        token=None,
        refresh_token=REFRESH_TOKEN,
        token_uri="https://oauth2.googleapis.com/token",
        client_id="1234-desktop.apps.googleusercontent.com",
        client_secret="GOCSPX-client-secret-value",
    )
    token_endpoint = requests.Session()
    token_endpoint.mount("https://", FakeTokenEndpoint(refresh="invalid_grant"))
    config = make_config(tmp_path, workbook={"backend": "google", "spreadsheet": "fake"})
    sheets = FakeSheets()
    store = GoogleSheetsStore(
        sheets.spreadsheet_id,
        config.workbook,
        credentials=credentials,
        session=sheets.session(credentials),
        clock=sheets.clock.now,
        sleep=sheets.clock.sleep,
    )

    def refresh(_attempt: int) -> Any:
        credentials.refresh(Request(token_endpoint))  # type: ignore[no-untyped-call]

    with pytest.raises(CredentialsError) as refused:
        store.api().run("read the spreadsheet", refresh)
    assert str(refused.value) == SIGN_IN_AGAIN
    with pytest.raises(google.auth.exceptions.RefreshError, match="invalid_grant"):
        credentials.refresh(Request(token_endpoint))  # type: ignore[no-untyped-call]

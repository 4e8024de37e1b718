"""``mentorsheet login``: the real google-auth-oauthlib flow against a fake token endpoint.

The browser step is replaced by a request to the flow's own local redirect
with a code, as Google's consent page would make after the user agrees.
"""

from __future__ import annotations

import base64
import json
import stat
import threading
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import google.auth.exceptions
import google.oauth2.credentials
import pytest
import requests
from google.auth.transport.requests import Request
from requests.adapters import BaseAdapter
from typing_extensions import override

from mentorsheet.adapters.google_auth import (
    GMAIL_SEND_SCOPE,
    SHEETS_SCOPE,
    SIGN_IN_AGAIN,
    describe_credentials,
    is_user_credentials,
    load_credentials,
    refresh_failure,
)
from mentorsheet.adapters.google_login import LOGIN_SCOPES, login, read_client_config
from mentorsheet.errors import CredentialsError, UsageError

ACCOUNT = "mentoring@example.org"
CLIENT: dict[str, dict[str, Any]] = {
    "installed": {
        "client_id": "1234-desktop.apps.googleusercontent.com",
        "client_secret": "GOCSPX-client-secret-value",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
        "redirect_uris": ["http://localhost"],
    }
}
REFRESH_TOKEN = "1//refresh-token-secret-value"
ACCESS_TOKEN = "ya29.access-token-secret-value"
SECRETS = (REFRESH_TOKEN, ACCESS_TOKEN, CLIENT["installed"]["client_secret"])


class FakeTokenEndpoint(BaseAdapter):
    """Google's token endpoint: exchanges one code (PKCE checked) and refreshes tokens."""

    def __init__(self, *, code: str = "4/auth-code", refresh: str = "ok") -> None:
        super().__init__()
        self.code = code
        self.refresh = refresh  # "ok" or "invalid_grant"
        self.forms: list[dict[str, str]] = []
        self.verifiers: dict[str, str] = {}

    @override
    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        assert request.method == "POST"
        assert request.url == CLIENT["installed"]["token_uri"]
        body = request.body
        text = body.decode() if isinstance(body, bytes) else str(body)
        form = {key: values[0] for key, values in parse_qs(text).items()}
        self.forms.append(form)
        if form.get("grant_type") == "authorization_code":
            return self._exchange(request, form)
        if form.get("grant_type") == "refresh_token":
            if self.refresh == "invalid_grant" or form.get("refresh_token") != REFRESH_TOKEN:
                return _answer(
                    request,
                    400,
                    {"error": "invalid_grant", "error_description": "Token has been revoked."},
                )
            return _answer(request, 200, {"access_token": "ya29.new", "expires_in": 3599})
        return _answer(request, 400, {"error": "unsupported_grant_type"})

    def _exchange(
        self, request: requests.PreparedRequest, form: dict[str, str]
    ) -> requests.Response:
        if form.get("code") != self.code or not form.get("code_verifier"):
            return _answer(request, 400, {"error": "invalid_grant"})
        if _client_id(request, form) != CLIENT["installed"]["client_id"]:
            return _answer(request, 401, {"error": "invalid_client"})
        return _answer(
            request,
            200,
            {
                "access_token": ACCESS_TOKEN,
                "expires_in": 3599,
                "refresh_token": REFRESH_TOKEN,
                "scope": " ".join(LOGIN_SCOPES),
                "token_type": "Bearer",
            },
        )

    @override
    def close(self) -> None:
        pass


def _client_id(request: requests.PreparedRequest, form: dict[str, str]) -> str:
    """The client, authenticated in the body or with HTTP Basic (both are Google's)."""
    header = str(request.headers.get("Authorization", ""))
    if header.startswith("Basic "):
        user, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        return user if secret == CLIENT["installed"]["client_secret"] else ""
    if form.get("client_secret") != CLIENT["installed"]["client_secret"]:
        return ""
    return form.get("client_id", "")


def _answer(
    request: requests.PreparedRequest, status: int, body: dict[str, Any]
) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    response.headers["Content-Type"] = "application/json"
    response.request = request
    response.url = str(request.url)
    return response


class ConsentPage:
    """Plays the user agreeing on Google's page: the browser follows the redirect with a code."""

    def __init__(self, code: str = "4/auth-code", *, deny: bool = False) -> None:
        self.code = code
        self.deny = deny
        self.opened: list[str] = []
        self.threads: list[threading.Thread] = []

    def __call__(self, url: str) -> None:
        self.opened.append(url)
        query = {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
        answer = {"error": "access_denied"} if self.deny else {"code": self.code}
        answer["state"] = query["state"]
        target = f"{query['redirect_uri']}?{urlencode(answer)}"
        thread = threading.Thread(target=requests.get, args=(target,), kwargs={"timeout": 10})
        thread.start()
        self.threads.append(thread)

    def query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.opened[0]).query).items()}


def _login(tmp_path: Path, page: ConsentPage, endpoint: FakeTokenEndpoint) -> Path:
    try:
        return login(
            CLIENT,
            account=ACCOUNT,
            path=tmp_path / "config" / "mentorsheet" / "google-authorized-user.json",
            open_url=page,
            session_adapter=endpoint,
            timeout_seconds=10,
            prompt=None,
        )
    finally:
        for thread in page.threads:
            thread.join(timeout=10)


def test_login_asks_for_the_two_scopes_as_the_programme_mailbox(tmp_path: Path) -> None:
    page, endpoint = ConsentPage(), FakeTokenEndpoint()
    _login(tmp_path, page, endpoint)
    query = page.query()
    assert query["scope"].split() == [SHEETS_SCOPE, GMAIL_SEND_SCOPE]
    assert query["login_hint"] == ACCOUNT
    assert query["access_type"] == "offline"
    assert query["code_challenge_method"] == "S256"
    assert urlsplit(query["redirect_uri"]).hostname == "localhost"
    [exchange] = endpoint.forms
    assert exchange["grant_type"] == "authorization_code"
    assert exchange["redirect_uri"] == query["redirect_uri"]


def test_login_saves_an_authorized_user_file_only_its_owner_reads(tmp_path: Path) -> None:
    path = _login(tmp_path, ConsentPage(), FakeTokenEndpoint())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = json.loads(path.read_text())
    assert saved["type"] == "authorized_user"
    assert saved["refresh_token"] == REFRESH_TOKEN
    assert saved["account"] == ACCOUNT
    assert sorted(saved["scopes"]) == sorted(LOGIN_SCOPES)
    # Google's own loader reads it back (as gcloud's application-default file).
    credentials = load_credentials([SHEETS_SCOPE], environ={}, login_file=path)
    assert is_user_credentials(credentials)
    assert ACCOUNT in describe_credentials(credentials)


def test_the_saved_sign_in_needs_no_delegation_to_send(tmp_path: Path) -> None:
    path = _login(tmp_path, ConsentPage(), FakeTokenEndpoint())
    credentials = load_credentials([GMAIL_SEND_SCOPE], subject=ACCOUNT, environ={}, login_file=path)
    assert isinstance(credentials, google.oauth2.credentials.Credentials)
    assert credentials.token == ACCESS_TOKEN
    assert not credentials.expired


def test_an_authorized_user_file_in_the_variable_works_the_same(tmp_path: Path) -> None:
    path = _login(tmp_path, ConsentPage(), FakeTokenEndpoint())
    environ = {"GOOGLE_APPLICATION_CREDENTIALS": str(path)}
    credentials = load_credentials(
        [SHEETS_SCOPE, GMAIL_SEND_SCOPE], subject=ACCOUNT, environ=environ
    )
    assert is_user_credentials(credentials)


def test_a_denied_consent_is_one_clear_error_without_secrets(tmp_path: Path) -> None:
    with pytest.raises(CredentialsError, match="login` again") as caught:
        _login(tmp_path, ConsentPage(deny=True), FakeTokenEndpoint())
    assert not any(secret in str(caught.value) for secret in SECRETS)
    assert not (tmp_path / "config").exists() or not any((tmp_path / "config").rglob("*.json"))


def test_a_revoked_sign_in_says_to_log_in_again(tmp_path: Path) -> None:
    path = _login(tmp_path, ConsentPage(), FakeTokenEndpoint())
    credentials = google.oauth2.credentials.Credentials.from_authorized_user_file(  # type: ignore[no-untyped-call]
        str(path), scopes=list(LOGIN_SCOPES)
    )
    credentials.expiry = None
    credentials.token = None
    session = requests.Session()
    session.mount("https://", FakeTokenEndpoint(refresh="invalid_grant"))
    with pytest.raises(google.auth.exceptions.RefreshError) as refused:
        credentials.refresh(Request(session))
    error = refresh_failure(credentials, refused.value)
    assert str(error) == SIGN_IN_AGAIN
    assert "mentorsheet login" in SIGN_IN_AGAIN
    assert not any(secret in str(error) for secret in SECRETS)


def test_an_unusable_saved_sign_in_names_the_file_not_its_contents(tmp_path: Path) -> None:
    path = tmp_path / "google-authorized-user.json"
    path.write_text(json.dumps({"type": "authorized_user", "refresh_token": REFRESH_TOKEN}))
    with pytest.raises(CredentialsError, match="login` again") as caught:
        load_credentials([SHEETS_SCOPE], environ={}, login_file=path)
    assert str(path) in str(caught.value)
    assert REFRESH_TOKEN not in str(caught.value)


def test_only_a_desktop_app_client_is_accepted(tmp_path: Path) -> None:
    web = tmp_path / "web.json"
    web.write_text(json.dumps({"web": CLIENT["installed"]}))
    with pytest.raises(UsageError, match="Desktop app"):
        read_client_config(web)
    desktop = tmp_path / "desktop.json"
    desktop.write_text(json.dumps(CLIENT))
    assert read_client_config(desktop) == CLIENT
    with pytest.raises(UsageError, match="no OAuth client file"):
        read_client_config(tmp_path / "missing.json")

"""Google credentials: ADC, exact scopes, delegation, and no secret ever shown."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import google.auth.jwt
import google.oauth2.credentials
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import identity_pool
from google.auth.credentials import Credentials
from google.auth.transport.requests import Request
from google.oauth2 import service_account
from requests.adapters import BaseAdapter
from typing_extensions import override

from mentorsheet.adapters.google_auth import (
    GMAIL_SEND_SCOPE,
    SHEETS_SCOPE,
    delegate,
    describe_credentials,
    load_credentials,
)
from mentorsheet.errors import CredentialsError

SERVICE_ACCOUNT = "mentorsheet@programme-project.iam.gserviceaccount.com"
SENDER = "mentoring@example.org"
TOKEN = "ya29.secret-delegated-token-value"


def _private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


@pytest.fixture(scope="module")
def private_key() -> str:
    return _private_key_pem()


@pytest.fixture
def key_file(tmp_path: Path, private_key: str) -> Path:
    """A throwaway service-account key file, as the Cloud console would download it."""
    path = tmp_path / "service-account.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "programme-project",
                "private_key_id": "0123456789abcdef",
                "private_key": private_key,
                "client_email": SERVICE_ACCOUNT,
                "client_id": "123456789",
                "token_uri": "https://oauth2.googleapis.com/token",
            }
        )
    )
    return path


@pytest.fixture
def federated(tmp_path: Path) -> Credentials:
    """Workload Identity Federation credentials like google-github-actions/auth sets up.

    Built from the config directly: loading the file through ADC would look up
    the project over the network.
    """
    subject_token = tmp_path / "oidc-token"
    subject_token.write_text("header.payload.signature")
    info = {
        "type": "external_account",
        "audience": "//iam.googleapis.com/projects/1/locations/global/"
        "workloadIdentityPools/github/providers/github",
        "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
        "token_url": "https://sts.googleapis.com/v1/token",
        "credential_source": {"file": str(subject_token)},
    }
    credentials: Credentials = identity_pool.Credentials.from_info(  # type: ignore[no-untyped-call]
        info, scopes=[SHEETS_SCOPE]
    )
    return credentials


class _TokenEndpoint(BaseAdapter):
    """Google's OAuth token endpoint, answering a service account's JWT grant."""

    def __init__(self) -> None:
        super().__init__()
        self.assertions: list[str] = []

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
        body = request.body
        text = body.decode() if isinstance(body, bytes) else str(body)
        self.assertions.append(parse_qs(text)["assertion"][0])
        response = requests.Response()
        response.status_code = 200
        response._content = json.dumps({"access_token": "issued", "expires_in": 3600}).encode()
        response.headers["Content-Type"] = "application/json"
        response.request = request
        return response

    @override
    def close(self) -> None:
        pass


def _grant_claims(credentials: object) -> dict[str, Any]:
    """Refresh against the fake token endpoint; the claims of the JWT the credentials signed."""
    endpoint = _TokenEndpoint()
    session = requests.Session()
    session.mount("https://", endpoint)
    credentials.refresh(Request(session))  # type: ignore[attr-defined]
    claims: dict[str, Any] = google.auth.jwt.decode(  # type: ignore[no-untyped-call]
        endpoint.assertions[0], verify=False
    )
    return claims


def _one_sentence(message: str) -> bool:
    body = message.rstrip(".")
    return message.endswith(".") and ". " not in body


def test_service_account_key_gets_exactly_the_sheets_scope(key_file: Path) -> None:
    credentials = load_credentials(
        [SHEETS_SCOPE], environ={"GOOGLE_APPLICATION_CREDENTIALS": str(key_file)}
    )
    assert isinstance(credentials, service_account.Credentials)
    assert list(credentials.scopes or []) == [SHEETS_SCOPE]
    claims = _grant_claims(credentials)
    assert claims["scope"] == SHEETS_SCOPE
    assert claims["iss"] == SERVICE_ACCOUNT
    assert "sub" not in claims
    assert describe_credentials(credentials) == f"service account {SERVICE_ACCOUNT}"


def test_gmail_credentials_are_delegated_to_the_sender(key_file: Path) -> None:
    credentials = load_credentials(
        [GMAIL_SEND_SCOPE],
        subject=SENDER,
        environ={"GOOGLE_APPLICATION_CREDENTIALS": str(key_file)},
    )
    claims = _grant_claims(credentials)
    assert claims["sub"] == SENDER
    assert claims["scope"] == GMAIL_SEND_SCOPE


def test_the_default_search_honours_the_environment_variable(
    key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    credentials = load_credentials([SHEETS_SCOPE])
    assert isinstance(credentials, service_account.Credentials)
    assert list(credentials.scopes or []) == [SHEETS_SCOPE]


@pytest.mark.parametrize(
    "scopes",
    [
        ["https://www.googleapis.com/auth/drive"],
        [SHEETS_SCOPE, "https://www.googleapis.com/auth/drive"],
        [],
    ],
)
def test_wider_scopes_are_refused(key_file: Path, scopes: list[str]) -> None:
    with pytest.raises(CredentialsError):
        load_credentials(scopes, environ={"GOOGLE_APPLICATION_CREDENTIALS": str(key_file)})


def test_no_credentials_is_one_sentence_saying_what_to_do() -> None:
    with pytest.raises(CredentialsError) as caught:
        load_credentials([SHEETS_SCOPE], environ={})
    message = str(caught.value)
    assert "GOOGLE_APPLICATION_CREDENTIALS" in message
    assert "google-github-actions/auth" in message
    assert _one_sentence(message)


def test_a_missing_key_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.json"
    with pytest.raises(CredentialsError) as caught:
        load_credentials([SHEETS_SCOPE], environ={"GOOGLE_APPLICATION_CREDENTIALS": str(missing)})
    message = str(caught.value)
    assert str(missing) in message
    assert _one_sentence(message)


def test_an_unusable_key_file_never_shows_its_key(tmp_path: Path, private_key: str) -> None:
    broken = tmp_path / "broken.json"
    # A key file missing its client_email: google-auth refuses it.
    broken.write_text(json.dumps({"type": "service_account", "private_key": private_key}))
    with pytest.raises(CredentialsError) as caught:
        load_credentials([SHEETS_SCOPE], environ={"GOOGLE_APPLICATION_CREDENTIALS": str(broken)})
    message = str(caught.value)
    assert "PRIVATE KEY" not in message
    assert private_key.splitlines()[1] not in message
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__
    assert _one_sentence(message)


def test_a_file_that_is_not_json_is_refused_in_one_sentence(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.json"
    garbage.write_text("this is not json at all")
    with pytest.raises(CredentialsError) as caught:
        load_credentials([SHEETS_SCOPE], environ={"GOOGLE_APPLICATION_CREDENTIALS": str(garbage)})
    assert "this is not json" not in str(caught.value)
    assert _one_sentence(str(caught.value))


def test_federated_credentials_use_the_delegated_token_for_gmail(federated: Credentials) -> None:
    assert "Workload Identity Federation" in describe_credentials(federated)
    gmail = delegate(
        federated,
        SENDER,
        [GMAIL_SEND_SCOPE],
        environ={"MENTORSHEET_GMAIL_ACCESS_TOKEN": TOKEN},
    )
    assert isinstance(gmail, google.oauth2.credentials.Credentials)
    assert gmail.token == TOKEN
    assert list(gmail.scopes or []) == [GMAIL_SEND_SCOPE]
    description = describe_credentials(gmail)
    assert TOKEN not in description
    assert TOKEN not in repr(gmail)


def test_federated_credentials_without_a_token_cannot_send_as_the_sender(
    federated: Credentials,
) -> None:
    with pytest.raises(CredentialsError) as caught:
        delegate(federated, SENDER, [GMAIL_SEND_SCOPE], environ={})
    message = str(caught.value)
    assert "MENTORSHEET_GMAIL_ACCESS_TOKEN" in message
    assert SENDER in message
    assert _one_sentence(message)


def test_service_account_credentials_take_the_subject_even_with_a_token(key_file: Path) -> None:
    environ = {
        "GOOGLE_APPLICATION_CREDENTIALS": str(key_file),
        "MENTORSHEET_GMAIL_ACCESS_TOKEN": TOKEN,
    }
    credentials = load_credentials([GMAIL_SEND_SCOPE], subject=SENDER, environ=environ)
    assert isinstance(credentials, service_account.Credentials)
    assert _grant_claims(credentials)["sub"] == SENDER


def test_descriptions_never_show_key_material(key_file: Path, private_key: str) -> None:
    credentials = load_credentials(
        [SHEETS_SCOPE], environ={"GOOGLE_APPLICATION_CREDENTIALS": str(key_file)}
    )
    for text in (describe_credentials(credentials), repr(credentials), str(credentials)):
        assert "PRIVATE KEY" not in text
        assert private_key.splitlines()[1] not in text

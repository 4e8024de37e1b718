"""The Gmail backend against a fake Gmail API at the HTTP layer.

The real google-api-python-client, google-auth and requests/urllib3 code runs;
only the server is fake. The fault matrix checks that nothing below the
sender ever repeats a send that may have reached Gmail.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import google_auth_httplib2
import httplib2
import pytest
import stamina
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from requests.adapters import HTTPAdapter

from mentorsheet.adapters.channels.email.base import MailSender
from mentorsheet.adapters.channels.email.compose import Composer
from mentorsheet.adapters.channels.email.gmail import (
    GmailSender,
    NoResendHttp,
    is_rate_limited,
    rate_limit_backoff,
)
from mentorsheet.config import MailConfig
from mentorsheet.core.model import Mentor, Pairing
from mentorsheet.core.schema import Route, Status
from mentorsheet.errors import MailError
from tests.fakes.gmail_api import (
    FAKE_TOKEN,
    FakeGmailApi,
    Fault,
    decode_raw,
    discovery_schemas,
    fake_credentials,
    make_gmail_sender,
    running_fake_gmail,
    schema_errors,
)

SHIPPED = Path(__file__).resolve().parents[1] / "mentorsheet" / "templates"
NOW = datetime(2024, 6, 3, 8, 0, tzinfo=UTC)
MAX_ATTEMPTS = 3
MAIL = MailConfig(sender="mentoring@example.org", sender_name="Mentoring Programme")


@pytest.fixture(autouse=True)
def _no_backoff_waits() -> Iterator[None]:
    # stamina's testing mode: no sleeping between attempts; cap=True keeps the
    # sender's own max_attempts as the bound under test.
    with stamina.set_testing(True, attempts=1000, cap=True):
        yield


@pytest.fixture
def fake() -> Iterator[FakeGmailApi]:
    with running_fake_gmail() as server:
        yield server


@pytest.fixture
def sender(fake: FakeGmailApi) -> Iterator[GmailSender]:
    gmail = make_gmail_sender(fake, timeout=5.0, max_attempts=MAX_ATTEMPTS)
    yield gmail
    gmail.close()


def intro(mentee_name: str = "Bob Smith") -> EmailMessage:
    pairing = Pairing(
        row=2,
        pairing_id="P-000009",
        status=Status.APPROVED,
        mentee_name=mentee_name,
        mentee_email="bob@example.org",
        mentor_name="Ada Lovelace",
        mentor_email="ada@example.org",
        route=Route.COMMUNITY,
        why="Shared skills: python.",
    )
    mentor = Mentor(
        row=2,
        name="Ada Lovelace",
        email="ada@example.org",
        skills=("python",),
        capacity=1,
        active=True,
        calendly="https://calendly.com/ada",
    )
    return Composer(MAIL, templates_dir=SHIPPED).intro(pairing, mentor, None, now=NOW)


def body_text(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def send_failing(sender: GmailSender, key: str = "P-000009-intro") -> MailError:
    with pytest.raises(MailError) as caught:
        sender.send(intro(), key=key)
    assert FAKE_TOKEN not in str(caught.value)
    return caught.value


# --- what goes over the wire --------------------------------------------------------


def test_is_a_mail_sender(sender: GmailSender) -> None:
    backend: MailSender = sender
    assert backend.describe() == "Gmail as mentoring@example.org"


def test_the_request_carries_the_whole_message(fake: FakeGmailApi, sender: GmailSender) -> None:
    message_id = sender.send(intro("Zoë O'Brien, Jr."), key="P-000009-intro")

    assert fake.request_count == 1
    [body] = fake.bodies
    assert isinstance(body, dict)
    assert set(body) == {"raw"}
    assert schema_errors(body, discovery_schemas()["Message"]) == []
    assert "=" not in body["raw"].rstrip("=")  # base64url, no standard alphabet
    assert "+" not in body["raw"]
    assert "/" not in body["raw"]

    [sent] = fake.sent
    assert sent.id == message_id
    assert sent.raw == decode_raw(body["raw"])
    received = sent.message
    assert [(a.display_name, a.addr_spec) for a in received["From"].addresses] == [
        ("Mentoring Programme", "mentoring@example.org")
    ]
    assert [(a.display_name, a.addr_spec) for a in received["To"].addresses] == [
        ("Ada Lovelace", "ada@example.org")
    ]
    assert [(a.display_name, a.addr_spec) for a in received["Cc"].addresses] == [
        ("Zoë O'Brien, Jr.", "bob@example.org")
    ]
    assert "Ada Lovelace" in received["Subject"]
    assert received["Message-ID"].endswith("@example.org>")
    text = body_text(received)
    assert "Zoë O'Brien, Jr. <bob@example.org>" in text
    assert "https://calendly.com/ada" in text
    assert "Shared skills: python." in text


def test_the_request_is_authorised_with_the_credentials(
    fake: FakeGmailApi, sender: GmailSender
) -> None:
    sender.send(intro(), key="k")
    assert fake.authorizations == [f"Bearer {FAKE_TOKEN}"]


def test_several_sends_on_one_connection(fake: FakeGmailApi, sender: GmailSender) -> None:
    ids = [sender.send(intro(f"Mentee {n}"), key=f"P-{n}-intro") for n in range(5)]
    assert len(set(ids)) == 5
    assert ids == [sent.id for sent in fake.sent]
    assert fake.request_count == 5


# --- the fault matrix ---------------------------------------------------------------


@pytest.mark.parametrize(
    "fault", [Fault.RATE_LIMIT, Fault.RATE_LIMIT_403, Fault.USER_RATE_LIMIT_403]
)
def test_rate_limit_then_success_sends_once(
    fake: FakeGmailApi, sender: GmailSender, fault: Fault
) -> None:
    fake.fail_next(fault)
    message_id = sender.send(intro(), key="P-000009-intro")
    assert fake.request_count == 2
    assert [sent.id for sent in fake.sent] == [message_id]


def test_rate_limits_are_retried_a_bounded_number_of_times(
    fake: FakeGmailApi, sender: GmailSender
) -> None:
    fake.fail_next(Fault.RATE_LIMIT, times=100)
    error = send_failing(sender)
    assert error.may_have_sent is False
    assert "rate-limited" in str(error)
    assert fake.request_count == MAX_ATTEMPTS
    assert fake.sent == []


def test_rate_limits_spread_over_attempts_still_succeed(
    fake: FakeGmailApi, sender: GmailSender
) -> None:
    fake.fail_next(Fault.RATE_LIMIT, times=MAX_ATTEMPTS - 1)
    sender.send(intro(), key="k")
    assert fake.request_count == MAX_ATTEMPTS
    assert len(fake.sent) == 1


@pytest.mark.parametrize("fault", [Fault.SERVER_ERROR, Fault.UNAVAILABLE])
def test_server_error_may_have_sent_and_is_not_retried(
    fake: FakeGmailApi, sender: GmailSender, fault: Fault
) -> None:
    fake.fail_next(fault)
    error = send_failing(sender)
    assert error.may_have_sent is True
    assert "Sent folder" in str(error)
    assert fake.request_count == 1


def test_timeout_may_have_sent_and_is_not_retried(fake: FakeGmailApi) -> None:
    sender = make_gmail_sender(fake, timeout=0.3, max_attempts=MAX_ATTEMPTS)
    fake.fail_next(Fault.HANG)
    error = send_failing(sender)
    sender.close()
    assert error.may_have_sent is True
    assert "timed out" in str(error)
    assert fake.request_count == 1


def test_response_lost_after_accept_is_not_resent(fake: FakeGmailApi, sender: GmailSender) -> None:
    fake.fail_next(Fault.ACCEPT_THEN_DROP)
    error = send_failing(sender)
    assert error.may_have_sent is True
    assert fake.request_count == 1  # exactly one request reached the server
    assert len(fake.sent) == 1  # and the email did go: no silent second copy


def test_connection_dropped_before_the_body_cannot_be_told_apart(
    fake: FakeGmailApi, sender: GmailSender
) -> None:
    # The client cannot know whether the server read the request, so it must assume it did.
    fake.fail_next(Fault.DROP_BEFORE_BODY)
    error = send_failing(sender)
    assert error.may_have_sent is True
    assert fake.request_count == 1
    assert fake.sent == []


def test_sending_works_again_after_a_dropped_connection(
    fake: FakeGmailApi, sender: GmailSender
) -> None:
    fake.fail_next(Fault.ACCEPT_THEN_DROP)
    send_failing(sender, key="first")
    sender.send(intro(), key="second")
    assert fake.request_count == 2
    assert len(fake.sent) == 2


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (Fault.INVALID_RECIPIENT, "HTTP 400: Invalid To header"),
        (Fault.UNAUTHORIZED, "HTTP 401"),
        (Fault.FORBIDDEN, "delegation"),
    ],
)
def test_client_errors_are_known_not_to_have_sent(
    fake: FakeGmailApi, sender: GmailSender, fault: Fault, expected: str
) -> None:
    fake.fail_next(fault)
    error = send_failing(sender)
    assert error.may_have_sent is False
    assert expected in str(error)
    assert fake.request_count == 1  # neither retried nor re-sent after a token refresh
    assert fake.sent == []


def test_wrong_credentials_are_refused_without_leaking_them(fake: FakeGmailApi) -> None:
    from google.oauth2.credentials import Credentials

    secret = "ya29.not-the-right-token"
    sender = GmailSender(
        Credentials(token=secret),  # type: ignore[no-untyped-call]
        sender="mentoring@example.org",
        timeout=5.0,
        max_attempts=MAX_ATTEMPTS,
        api_endpoint=fake.endpoint,
    )
    with pytest.raises(MailError) as caught:
        sender.send(intro(), key="k")
    sender.close()
    assert caught.value.may_have_sent is False
    assert secret not in str(caught.value)
    assert fake.sent == []


def test_a_server_that_cannot_be_reached_was_not_sent_to() -> None:
    with running_fake_gmail() as stopped:
        pass  # started and stopped: its port now refuses connections
    sender = make_gmail_sender(stopped)
    error = send_failing(sender)
    sender.close()
    assert error.may_have_sent is False
    assert "could not connect" in str(error)


def test_an_expired_token_without_refresh_is_not_a_send(fake: FakeGmailApi) -> None:
    from google.oauth2.credentials import Credentials

    expired = Credentials(  # type: ignore[no-untyped-call]
        token=FAKE_TOKEN, expiry=datetime(2000, 1, 1)
    )
    sender = GmailSender(
        expired,
        sender="mentoring@example.org",
        timeout=5.0,
        max_attempts=MAX_ATTEMPTS,
        api_endpoint=fake.endpoint,
    )
    with pytest.raises(MailError) as caught:
        sender.send(intro(), key="k")
    sender.close()
    assert caught.value.may_have_sent is False
    assert "access token" in str(caught.value)
    assert fake.request_count == 0


# --- why the transport matters ------------------------------------------------------


def test_the_transport_never_retries_on_its_own() -> None:
    http = NoResendHttp(fake_credentials(), timeout=5.0)
    for url in ("https://gmail.googleapis.com/", "http://127.0.0.1/"):
        adapter = http.session.get_adapter(url)
        assert isinstance(adapter, HTTPAdapter)
        retries = adapter.max_retries
        assert retries.total == 0
        assert retries.read is False
    http.close()


def test_httplib2_would_send_twice_which_is_why_it_is_not_used(fake: FakeGmailApi) -> None:
    # The hazard the default transport avoids: httplib2 re-sends a request whose
    # connection dropped before the response, so the fake ends up with two emails.
    resending = google_auth_httplib2.AuthorizedHttp(
        fake_credentials(), http=httplib2.Http(timeout=5)
    )
    sender = make_gmail_sender(fake, http=resending)
    fake.fail_next(Fault.ACCEPT_THEN_DROP)
    sender.send(intro(), key="k")
    assert fake.request_count == 2
    assert len(fake.sent) == 2


# --- classifying Gmail's answers ---------------------------------------------------------


def http_error(status: int, reason: str = "", retry_after: str | None = None) -> HttpError:
    headers = {"status": str(status)}
    if retry_after is not None:
        headers["retry-after"] = retry_after
    content = b'{"error": {"code": %d, "message": "m", "errors": [{"reason": "%s"}]}}' % (
        status,
        reason.encode(),
    )
    return HttpError(httplib2.Response(headers), content)


@pytest.mark.parametrize(
    ("error", "limited"),
    [
        (http_error(429), True),
        (http_error(403, "rateLimitExceeded"), True),
        (http_error(403, "userRateLimitExceeded"), True),
        (http_error(403, "insufficientPermissions"), False),
        (http_error(403, "dailyLimitExceeded"), False),
        (http_error(500, "backendError"), False),
        (http_error(400, "invalidArgument"), False),
    ],
)
def test_is_rate_limited(error: HttpError, limited: bool) -> None:
    assert is_rate_limited(error) is limited
    assert (rate_limit_backoff(error) is not False) is limited


def test_retry_after_is_honoured_within_bounds() -> None:
    assert rate_limit_backoff(http_error(429, retry_after="7")) == 7.0
    assert rate_limit_backoff(http_error(429, retry_after="3600")) == 60.0
    assert rate_limit_backoff(http_error(429, retry_after="Wed, 21 Oct 2015 07:28:00 GMT")) is True
    assert rate_limit_backoff(ValueError("not an HTTP error")) is False


# --- the fake's own checks ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ({"raw": "aGk", "bogus": 1}, "unknown field 'bogus'"),
        ({"raw": 5}, "expected a string"),
        ({"raw": "a+b/"}, "not base64url"),
        ({"labelIds": "SENT", "raw": "aGk"}, "expected an array"),
        ({}, "'raw' RFC822 payload"),
    ],
)
def test_the_fake_rejects_bodies_gmail_would_reject(
    fake: FakeGmailApi, body: dict[str, object], complaint: str
) -> None:
    http = NoResendHttp(fake_credentials(), timeout=5.0)
    service = build(
        "gmail",
        "v1",
        http=http,
        static_discovery=True,
        cache_discovery=False,
        client_options={"api_endpoint": fake.endpoint},
    )
    with pytest.raises(HttpError) as caught:
        service.users().messages().send(userId="me", body=body).execute()
    http.close()
    assert caught.value.resp.status == 400
    assert complaint in caught.value.content.decode()
    assert fake.sent == []


def test_the_fake_requires_a_recipient(fake: FakeGmailApi, sender: GmailSender) -> None:
    message = EmailMessage()
    message["From"] = "mentoring@example.org"
    message["Subject"] = "nobody"
    message.set_content("no recipients")
    with pytest.raises(MailError) as caught:
        sender.send(message, key="k")
    assert caught.value.may_have_sent is False
    assert "Recipient address required" in str(caught.value)


def test_decode_raw_accepts_unpadded_base64url() -> None:
    data = "héllo wörld?>".encode()
    encoded = base64.urlsafe_b64encode(data).decode().rstrip("=")
    assert decode_raw(encoded) == data

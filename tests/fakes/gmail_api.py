"""A fake Gmail API v1 (``users.messages.send``) served over loopback HTTP.

The real google-api-python-client, google-auth and requests/urllib3 code runs
against it, connection handling included, so faults such as "the server
accepted the message, then the connection dropped" behave as on the wire.

It keeps the accepted messages as its Sent folder (decoded: base64url ->
MIME), counts every send request, validates each request body against the
``Message`` schema of the discovery document shipped with the client library,
and can be told to fail the next N sends in a chosen way (:class:`Fault`).

Use :func:`running_fake_gmail` as a context manager and
:func:`make_gmail_sender` to get a :class:`GmailSender` wired to it with
credentials that never touch the network.
"""

from __future__ import annotations

import base64
import binascii
import importlib.resources
import json
import re
import socket
import threading
from collections import deque
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from enum import Enum
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final, cast
from urllib.parse import urlsplit

from google.oauth2.credentials import Credentials

from mentorsheet.adapters.channels.email.gmail import GmailSender, HttpTransport

SEND_PATH: Final = "/gmail/v1/users/me/messages/send"
# Google's token endpoint, as far as a refused refresh goes: a sign-in revoked, expired
# or unused for six months is answered with ``invalid_grant``.
TOKEN_PATH: Final = "/token"
FAKE_TOKEN: Final = "fake-token"
SENDER: Final = "mentoring@example.org"
_BASE64URL: Final = re.compile(r"^[A-Za-z0-9_-]*={0,2}$")


class Fault(Enum):
    """How the fake answers a send it was told to fail."""

    RATE_LIMIT = "429 rateLimitExceeded"
    RATE_LIMIT_403 = "403 rateLimitExceeded"
    USER_RATE_LIMIT_403 = "403 userRateLimitExceeded"
    FORBIDDEN = "403 insufficientPermissions (not a rate limit)"
    DAILY_LIMIT = "403 dailyLimitExceeded: the account's daily sending limit"
    SENDING_LIMIT_429 = "429 userRateLimitExceeded, retry after a time (the sending limit)"
    UNAUTHORIZED = "401 authError"
    INVALID_RECIPIENT = "400 Invalid To header"
    SERVER_ERROR = "500 backendError"
    UNAVAILABLE = "503 backendError"
    HANG = "read the request, then answer nothing until the client gives up"
    ACCEPT_THEN_DROP = "send the message, then drop the connection without a response"
    DROP_BEFORE_BODY = "drop the connection before reading the body (nothing sent)"


# status, message, reason, domain, status name
_ERRORS: Final[Mapping[Fault, tuple[int, str, str, str, str]]] = {
    Fault.RATE_LIMIT: (
        429,
        "Resource has been exhausted (e.g. check quota).",
        "rateLimitExceeded",
        "usageLimits",
        "RESOURCE_EXHAUSTED",
    ),
    Fault.RATE_LIMIT_403: (
        403,
        "Rate Limit Exceeded",
        "rateLimitExceeded",
        "usageLimits",
        "PERMISSION_DENIED",
    ),
    Fault.USER_RATE_LIMIT_403: (
        403,
        "User-rate limit exceeded.",
        "userRateLimitExceeded",
        "usageLimits",
        "PERMISSION_DENIED",
    ),
    Fault.DAILY_LIMIT: (
        403,
        "Daily user sending quota exceeded.",
        "dailyLimitExceeded",
        "usageLimits",
        "RESOURCE_EXHAUSTED",
    ),
    Fault.SENDING_LIMIT_429: (
        429,
        "User-rate limit exceeded.  Retry after 2026-11-03T07:00:00.000Z",
        "userRateLimitExceeded",
        "usageLimits",
        "RESOURCE_EXHAUSTED",
    ),
    Fault.FORBIDDEN: (
        403,
        "Request had insufficient authentication scopes.",
        "insufficientPermissions",
        "global",
        "PERMISSION_DENIED",
    ),
    Fault.UNAUTHORIZED: (
        401,
        "Request had invalid authentication credentials.",
        "authError",
        "global",
        "UNAUTHENTICATED",
    ),
    Fault.INVALID_RECIPIENT: (
        400,
        "Invalid To header",
        "invalidArgument",
        "global",
        "INVALID_ARGUMENT",
    ),
    Fault.SERVER_ERROR: (500, "Backend Error", "backendError", "global", "INTERNAL"),
    Fault.UNAVAILABLE: (
        503,
        "The service is currently unavailable.",
        "backendError",
        "global",
        "UNAVAILABLE",
    ),
}


@dataclass(frozen=True)
class SentMessage:
    """One message in the fake's Sent folder."""

    id: str
    thread_id: str
    raw: bytes
    message: EmailMessage


@cache
def discovery_schemas() -> Mapping[str, Any]:
    """The ``schemas`` of the Gmail v1 discovery document that ships with the client."""
    document = (
        importlib.resources.files("googleapiclient.discovery_cache")
        .joinpath("documents")
        .joinpath("gmail.v1.json")
    )
    return cast(Mapping[str, Any], json.loads(document.read_text(encoding="utf-8"))["schemas"])


def schema_errors(value: object, schema: Mapping[str, Any], path: str = "message") -> list[str]:
    """Where ``value`` breaks a discovery-document schema: unknown fields, wrong types."""
    if "$ref" in schema:
        return schema_errors(value, discovery_schemas()[schema["$ref"]], path)
    kind = schema.get("type")
    if kind == "object":
        return _object_errors(value, schema, path)
    if kind == "array":
        return _array_errors(value, schema, path)
    if kind == "string":
        return _string_errors(value, schema, path)
    return _scalar_errors(value, kind, path)


def _object_errors(value: object, schema: Mapping[str, Any], path: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{path}: expected an object"]
    properties: Mapping[str, Any] = schema.get("properties", {})
    extra: Mapping[str, Any] | None = schema.get("additionalProperties")
    errors: list[str] = []
    for key, item in value.items():
        if key in properties:
            errors += schema_errors(item, properties[key], f"{path}.{key}")
        elif extra is not None:
            errors += schema_errors(item, extra, f"{path}.{key}")
        else:
            errors.append(f"{path}: unknown field {key!r}")
    return errors


def _array_errors(value: object, schema: Mapping[str, Any], path: str) -> list[str]:
    if not isinstance(value, list):
        return [f"{path}: expected an array"]
    items: Mapping[str, Any] = schema.get("items", {})
    return [e for i, item in enumerate(value) for e in schema_errors(item, items, f"{path}[{i}]")]


def _string_errors(value: object, schema: Mapping[str, Any], path: str) -> list[str]:
    if not isinstance(value, str):
        return [f"{path}: expected a string"]
    if schema.get("format") == "byte" and not _BASE64URL.match(value):
        return [f"{path}: not base64url"]
    if schema.get("format") in {"int64", "uint64"} and not value.lstrip("-").isdigit():
        return [f"{path}: expected an integer in a string"]
    return []


def _scalar_errors(value: object, kind: object, path: str) -> list[str]:
    """Integers, numbers and booleans (a bool is neither of the first two); any other
    type is not checked."""
    if kind == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
        return [] if ok else [f"{path}: expected an integer"]
    if kind == "number":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return [] if ok else [f"{path}: expected a number"]
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{path}: expected a boolean"]
    return []


def decode_raw(raw: str) -> bytes:
    """base64url (padding optional) -> the message bytes."""
    return base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))


def _google_error(code: int, message: str, reason: str, domain: str, status: str) -> bytes:
    body = {
        "error": {
            "code": code,
            "message": message,
            "errors": [{"message": message, "domain": domain, "reason": reason}],
            "status": status,
        }
    }
    return json.dumps(body).encode("utf-8")


class FakeGmailApi:
    """The fake server's state: Sent folder, request count, queued faults."""

    def __init__(self, *, hang_seconds: float = 10.0) -> None:
        self._lock = threading.Lock()
        self._sent: list[SentMessage] = []
        self._bodies: list[object] = []
        self._faults: deque[Fault] = deque()
        self._authorizations: list[str] = []
        self.request_count = 0
        self.hang_seconds = hang_seconds
        self._release = threading.Event()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},  # so close() returns at once
            name="fake-gmail",
            daemon=True,
        )

    # --- lifecycle ---------------------------------------------------------------

    def start(self) -> FakeGmailApi:
        self._thread.start()
        return self

    def close(self) -> None:
        self._release.set()  # let hung handlers finish
        self._server.shutdown()
        self._server.drop_open_connections()
        self._server.server_close()
        self._thread.join()

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    # --- what tests look at ------------------------------------------------------

    @property
    def sent(self) -> list[SentMessage]:
        with self._lock:
            return list(self._sent)

    @property
    def bodies(self) -> list[object]:
        """Every send request's JSON body as received (including refused ones)."""
        with self._lock:
            return list(self._bodies)

    @property
    def authorizations(self) -> list[str]:
        with self._lock:
            return list(self._authorizations)

    def clear_faults(self) -> None:
        """Answer every send normally again (a limit lifted overnight, say)."""
        with self._lock:
            self._faults.clear()

    def fail_next(self, fault: Fault, times: int = 1) -> None:
        """Answer the next ``times`` send requests with ``fault``."""
        with self._lock:
            self._faults.extend([fault] * times)

    # --- called by the handler ---------------------------------------------------

    def _next_fault(self) -> Fault | None:
        with self._lock:
            self.request_count += 1
            return self._faults.popleft() if self._faults else None

    def _record(self, body: object, authorization: str) -> None:
        with self._lock:
            self._bodies.append(body)
            self._authorizations.append(authorization)

    def _accept(self, raw: bytes, message: EmailMessage) -> SentMessage:
        with self._lock:
            number = len(self._sent) + 1
            message_id = f"18c{number:013x}"
            stored = SentMessage(id=message_id, thread_id=message_id, raw=raw, message=message)
            self._sent.append(stored)
            return stored

    def _hang(self) -> None:
        self._release.wait(self.hang_seconds)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeGmailApi) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def drop_open_connections(self) -> None:
        """End kept-alive connections so their handler threads finish."""
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Google's front end
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class names it)
        """Quiet: tests read state, not logs."""

    def do_POST(self) -> None:
        fake = self.server.fake
        if urlsplit(self.path).path == TOKEN_PATH:
            self._read_body()
            revoked = {"error": "invalid_grant", "error_description": "Token has been revoked."}
            self._answer(400, json.dumps(revoked).encode("utf-8"))
            return
        if urlsplit(self.path).path != SEND_PATH:
            self._read_body()
            self._answer(404, _google_error(404, "Not Found", "notFound", "global", "NOT_FOUND"))
            return
        fault = fake._next_fault()
        if fault is Fault.DROP_BEFORE_BODY:
            self._drop()
            return
        data = self._read_body()
        if fault is Fault.HANG:
            fake._hang()
            self._drop()
            return
        authorization = self.headers.get("Authorization", "")
        try:
            body: object = json.loads(data)
        except ValueError:
            body = None
        fake._record(body, authorization)
        if authorization != f"Bearer {FAKE_TOKEN}":
            self._answer(401, _google_error(*_ERRORS[Fault.UNAUTHORIZED]))
            return
        if fault is not None and fault in _ERRORS:
            self._answer(_ERRORS[fault][0], _google_error(*_ERRORS[fault]))
            return
        refusal = _refusal(body)
        if refusal:
            self._answer(
                400, _google_error(400, refusal, "invalidArgument", "global", "INVALID_ARGUMENT")
            )
            return
        raw = decode_raw(cast(dict[str, str], body)["raw"])
        message = BytesParser(policy=policy.default).parsebytes(raw)
        stored = fake._accept(raw, message)
        if fault is Fault.ACCEPT_THEN_DROP:
            self._drop()
            return
        reply = {"id": stored.id, "threadId": stored.thread_id, "labelIds": ["SENT"]}
        self._answer(200, json.dumps(reply).encode("utf-8"))

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _drop(self) -> None:
        """Close the connection without a response."""
        self.close_connection = True
        with suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


def _refusal(body: object) -> str:
    """Why Gmail would answer 400, or ``""``."""
    if not isinstance(body, dict):
        return "Invalid JSON payload received."
    errors = schema_errors(body, discovery_schemas()["Message"])
    if errors:
        return "Invalid JSON payload received. " + "; ".join(errors)
    raw = body.get("raw")
    if not isinstance(raw, str) or not raw:
        return "'raw' RFC822 payload message string or uploading message via /upload/* URL required"
    try:
        data = decode_raw(raw)
    except (binascii.Error, ValueError):
        return "Invalid value for ByteString"
    message = BytesParser(policy=policy.default).parsebytes(data)
    if not any(message.get_all(name) for name in ("To", "Cc", "Bcc")):
        return "Recipient address required"
    for name in ("From", "To", "Cc"):
        for header in message.get_all(name) or ():
            if getattr(header, "defects", ()):
                return f"Invalid {name} header"
    return ""


@contextmanager
def running_fake_gmail(*, hang_seconds: float = 10.0) -> Iterator[FakeGmailApi]:
    """A started :class:`FakeGmailApi`, closed on exit."""
    fake = FakeGmailApi(hang_seconds=hang_seconds).start()
    try:
        yield fake
    finally:
        fake.close()


def fake_credentials() -> Credentials:
    """OAuth credentials holding a token that never expires: no token request is made."""
    return Credentials(token=FAKE_TOKEN)  # type: ignore[no-untyped-call]


def make_gmail_sender(
    fake: FakeGmailApi,
    *,
    timeout: float = 5.0,
    max_attempts: int = 3,
    http: HttpTransport | None = None,
    sender: str = SENDER,
) -> GmailSender:
    """A :class:`GmailSender` talking to ``fake``."""
    return GmailSender(
        fake_credentials(),
        sender=sender,
        http=http,
        timeout=timeout,
        max_attempts=max_attempts,
        api_endpoint=fake.endpoint,
    )

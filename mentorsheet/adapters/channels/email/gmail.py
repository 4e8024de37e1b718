"""The Gmail backend: ``users.messages.send`` through google-api-python-client.

The Gmail API has no idempotency key, so a send that may have reached Gmail
must never be repeated by anything below the run's ledger. Three layers could
repeat it on their own, and each is shut off here:

* google-api-python-client retries when ``execute(num_retries=...)`` is
  above zero: this module always passes ``num_retries=0``.
* Its default transport, httplib2, silently sends a request again when the
  connection drops before the response arrives (``httplib2.RETRIES`` in
  ``Http._conn_request``) -- exactly the case where Gmail may already have
  sent the email. Rather than patch the library or subclass its private
  ``_conn_request``, :class:`NoResendHttp` is a small httplib2-compatible
  transport over google-auth's :class:`~google.auth.transport.requests.AuthorizedSession`
  (``requests``/urllib3). Its adapters are mounted explicitly with urllib3
  ``Retry(total=0, read=False)`` -- requests' own default, pinned so that a
  changed default cannot slip in -- so urllib3 never repeats a request; no
  redirect is followed, and every request has the timeout. It offers
  httplib2's ``request(...)`` returning ``(httplib2.Response, bytes)``, which
  is all the client library uses. tests/test_gmail.py proves the difference:
  with the connection dropped after the server accepted the message, httplib2
  reaches the server twice (two emails), this transport once.
* ``AuthorizedSession`` refreshes the token and re-sends on a 401; that is
  switched off too (``refresh_status_codes=()``). An expired token is still
  refreshed *before* the request is sent.

What is retried, then, is decided here alone, and only when Gmail refused
the request before acting on it: HTTP 429 and 403 with reason
``rateLimitExceeded`` / ``userRateLimitExceeded``, with bounded exponential
backoff and jitter through ``stamina`` (honouring ``Retry-After``; tests
switch the waits off with ``stamina.set_testing``). A
timeout, a dropped connection, a 5xx or a lost response raise
:class:`~mentorsheet.errors.MailError` with ``may_have_sent=True``; a
connection that could not even be opened, a failed token refresh and other
4xx raise it with ``may_have_sent=False``.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any, Final, Protocol

import google.auth.exceptions
import httplib2
import requests
import stamina
import urllib3
from google.auth.credentials import Credentials
from google.auth.transport.requests import AuthorizedSession
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from requests.adapters import HTTPAdapter

from mentorsheet.adapters.channels.email.base import WIRE_POLICY
from mentorsheet.adapters.google_auth import refresh_failure
from mentorsheet.errors import ConfigError, MailError

# Gmail's answer once the account has sent its daily allowance (2,000 a day on
# Workspace, fewer on a personal account): nothing more goes out until it resets,
# so retrying only wastes the run's time.
DAILY_LIMIT_REASONS: Final = frozenset({"dailyLimitExceeded", "dailyLimitExceededUnreg"})
DAILY_LIMIT_WORDS: Final = ("daily", "sending limit", "sending quota")
# The sending limit's 429 names the time it lifts ("Retry after 2026-12-02T07:…"),
# which a per-minute rate limit never does.
RETRY_AFTER_A_TIME: Final = re.compile(r"retry after \d{4}-\d{2}-\d{2}", re.IGNORECASE)
RATE_LIMIT_REASONS: Final = frozenset(
    {"rateLimitExceeded", "userRateLimitExceeded", "RATE_LIMIT_EXCEEDED"}
)
_BACKOFF_INITIAL: Final = 1.0
_BACKOFF_MAX: Final = 32.0
_BACKOFF_JITTER: Final = 1.0
_RETRY_AFTER_MAX: Final = 60.0


class HttpTransport(Protocol):
    """What google-api-python-client needs of its ``http`` object (httplib2's interface)."""

    def request(
        self,
        uri: str,
        method: str = "GET",
        body: str | bytes | None = None,
        headers: Mapping[str, str] | None = None,
        redirections: int = 5,
        connection_type: object = None,
    ) -> tuple[httplib2.Response, bytes]: ...


class NoResendHttp:
    """An httplib2-compatible transport that puts each request on the wire at most once."""

    def __init__(self, credentials: Credentials, *, timeout: float) -> None:
        # Named like httplib2-based transports' attribute, where the client library looks.
        self.credentials = credentials
        self._timeout = timeout
        # refresh_status_codes=(): no refresh-and-resend after a 401.
        self._session = AuthorizedSession(  # type: ignore[no-untyped-call]
            credentials, refresh_status_codes=()
        )
        never_resend = HTTPAdapter(max_retries=urllib3.util.Retry(total=0, read=False))
        self._session.mount("https://", never_resend)
        self._session.mount("http://", never_resend)

    @property
    def session(self) -> requests.Session:
        return self._session

    def request(
        self,
        uri: str,
        method: str = "GET",
        body: str | bytes | None = None,
        headers: Mapping[str, str] | None = None,
        redirections: int = 5,
        connection_type: object = None,
    ) -> tuple[httplib2.Response, bytes]:
        data = body.encode("utf-8") if isinstance(body, str) else body
        response = self._session.request(  # type: ignore[no-untyped-call]
            method,
            uri,
            data=data,
            headers=dict(headers or {}),
            timeout=self._timeout,
            allow_redirects=False,  # a redirected POST would be a second send
        )
        info = {name.lower(): value for name, value in response.headers.items()}
        info["status"] = str(response.status_code)
        result = httplib2.Response(info)
        result.reason = response.reason or ""
        return result, response.content

    def close(self) -> None:
        self._session.close()  # type: ignore[no-untyped-call]


class GmailSender:
    """A mail sender (:class:`~.base.MailSender`) sending through the Gmail API as ``me``."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        sender: str,
        http: HttpTransport | None = None,
        timeout: float,
        max_attempts: int,
        api_endpoint: str | None = None,
    ) -> None:
        """Build the client (no request is made).

        ``http`` replaces the default :class:`NoResendHttp` transport (which
        uses ``credentials`` and ``timeout``); it must never re-send a request
        on its own. ``max_attempts`` bounds the attempts of a rate-limited send.
        ``api_endpoint`` points the client elsewhere (e.g. a test server).
        """
        if max_attempts < 1:
            raise ConfigError("mail.max_attempts", "must be at least 1")
        self._sender = sender
        self._credentials = credentials  # only to word a refused token refresh
        self._max_attempts = max_attempts
        self._http: HttpTransport = (
            http if http is not None else NoResendHttp(credentials, timeout=timeout)
        )
        client_options = {"api_endpoint": api_endpoint} if api_endpoint else None
        # Static discovery: the API description ships with the library, no request made.
        self._service: Any = build(
            "gmail",
            "v1",
            http=self._http,
            static_discovery=True,
            cache_discovery=False,
            client_options=client_options,
        )

    def describe(self) -> str:
        return f"Gmail as {self._sender}"

    def close(self) -> None:
        close = getattr(self._http, "close", None)
        if callable(close):
            close()

    def send(self, message: EmailMessage, *, key: str) -> str:
        raw = base64.urlsafe_b64encode(message.as_bytes(policy=WIRE_POLICY)).decode("ascii")
        try:
            for attempt in stamina.retry_context(
                on=rate_limit_backoff,
                attempts=self._max_attempts,
                timeout=None,  # bounded by attempts and wait_max instead
                wait_initial=_BACKOFF_INITIAL,
                wait_max=_BACKOFF_MAX,
                wait_jitter=_BACKOFF_JITTER,
            ):
                with attempt:
                    request = self._service.users().messages().send(userId="me", body={"raw": raw})
                    response = request.execute(num_retries=0)
        except HttpError as exc:
            raise _from_http_error(exc, key=key, attempts=self._max_attempts) from exc
        except google.auth.exceptions.RefreshError as exc:
            # Raised while getting a token, before the email was sent.
            reason = str(refresh_failure(self._credentials, exc)).rstrip(".")
            raise MailError(
                f"Gmail send of {key!r} not attempted: {reason}", may_have_sent=False
            ) from None
        except google.auth.exceptions.GoogleAuthError as exc:
            # Raised while getting a token, before the email was sent.
            raise MailError(
                f"Gmail send of {key!r} not attempted: could not get an access token "
                f"({type(exc).__name__}); check the credentials and domain-wide delegation",
                may_have_sent=False,
            ) from exc
        except requests.RequestException as exc:
            raise _from_transport_error(exc, key=key) from exc
        except Exception as exc:
            # Anything else happened during the request: it cannot be known not to have gone.
            raise MailError(
                f"Gmail send of {key!r} failed unexpectedly ({type(exc).__name__}); "
                "it may have been sent: check the Sent folder",
                may_have_sent=True,
            ) from exc
        message_id = response.get("id") if isinstance(response, dict) else None
        if not isinstance(message_id, str) or not message_id:
            raise MailError(
                f"Gmail accepted {key!r} but returned no message id; check the Sent folder",
                may_have_sent=True,
            )
        return message_id


# --- classifying failures ----------------------------------------------------------


def _error_body(exc: HttpError) -> tuple[str, frozenset[str]]:
    """Google's error message and the ``reason`` values of its error details."""
    try:
        data = json.loads(exc.content.decode("utf-8"))
        error = data["error"]
    except (ValueError, KeyError, TypeError, AttributeError):
        return "", frozenset()
    if not isinstance(error, dict):
        return "", frozenset()
    reasons: set[str] = set()
    for key in ("errors", "details"):
        items = error.get(key)
        if isinstance(items, list):
            reasons.update(
                item["reason"]
                for item in items
                if isinstance(item, dict) and isinstance(item.get("reason"), str)
            )
    message = error.get("message")
    return (message if isinstance(message, str) else ""), frozenset(reasons)


def is_daily_limit(exc: HttpError) -> bool:
    """True when Gmail refuses because the account's daily sending limit is reached."""
    if exc.resp.status not in (403, 429):
        return False
    message, reasons = _error_body(exc)
    return (
        bool(reasons & DAILY_LIMIT_REASONS)
        or any(word in message.casefold() for word in DAILY_LIMIT_WORDS)
        or RETRY_AFTER_A_TIME.search(message) is not None
    )


def is_rate_limited(exc: HttpError) -> bool:
    """True for Gmail's "slow down" refusals, after which nothing was sent.

    Not the daily sending limit: waiting a few seconds does not lift it.
    """
    if is_daily_limit(exc):
        return False
    status = exc.resp.status
    if status == 429:
        return True
    return status == 403 and bool(_error_body(exc)[1] & RATE_LIMIT_REASONS)


def rate_limit_backoff(exc: Exception) -> bool | float:
    """stamina's backoff hook: retry rate limits only, waiting ``Retry-After`` when given."""
    if not isinstance(exc, HttpError) or not is_rate_limited(exc):
        return False
    retry_after = exc.resp.get("retry-after", "")
    try:
        seconds = float(retry_after)
    except (TypeError, ValueError):
        return True
    return min(max(seconds, 0.0), _RETRY_AFTER_MAX)


def _from_http_error(exc: HttpError, *, key: str, attempts: int) -> MailError:
    status = exc.resp.status
    message, reasons = _error_body(exc)
    said = f"HTTP {status}" + (f": {message}" if message else "")
    if is_daily_limit(exc):
        return MailError(
            f"Gmail's daily sending limit is reached ({said}): {key!r} and the rest of this "
            "run's emails were not sent and wait for the next run",
            may_have_sent=False,
            channel_closed=True,
        )
    if is_rate_limited(exc):
        return MailError(
            f"Gmail did not send {key!r}: still rate-limited after {attempts} attempt(s) ({said})",
            may_have_sent=False,
        )
    if 400 <= status < 500:
        hint = ""
        if status == 401:
            hint = "; the credentials were refused"
        elif status == 403:
            hint = "; check domain-wide delegation, the gmail.send scope and the sender account" + (
                f" (reason: {', '.join(sorted(reasons))})" if reasons else ""
            )
        return MailError(f"Gmail refused {key!r} ({said}){hint}", may_have_sent=False)
    return MailError(
        f"Gmail failed while sending {key!r} ({said}); it may have been sent: "
        "check the Sent folder",
        may_have_sent=True,
    )


def _connection_never_opened(exc: requests.RequestException) -> bool:
    """True when the connection failed before any byte of the request was written."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    causes: list[object] = [exc, *exc.args]
    seen: set[int] = set()
    while causes:
        cause = causes.pop()
        if cause is None or id(cause) in seen:
            continue
        seen.add(id(cause))
        if isinstance(cause, urllib3.exceptions.ConnectTimeoutError):  # NewConnectionError too
            return True
        if isinstance(cause, urllib3.exceptions.MaxRetryError):
            causes.append(cause.reason)
        if isinstance(cause, BaseException):
            causes.extend([cause.__cause__, cause.__context__])
    return False


def _from_transport_error(exc: requests.RequestException, *, key: str) -> MailError:
    if _connection_never_opened(exc):
        return MailError(
            f"Gmail send of {key!r} not attempted: could not connect ({type(exc).__name__})",
            may_have_sent=False,
        )
    what = "timed out" if isinstance(exc, requests.Timeout) else "lost the connection"
    return MailError(
        f"Gmail send of {key!r} {what} ({type(exc).__name__}); it may have been sent: "
        "check the Sent folder",
        may_have_sent=True,
    )

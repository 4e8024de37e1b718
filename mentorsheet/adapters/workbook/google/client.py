"""A thin Sheets v4 client: one method per endpoint, with retries, errors and counting.

The HTTP layer is gspread 6's thin :class:`~gspread.http_client.HTTPClient`
over a google-auth ``AuthorizedSession`` (passed in, never patched), with a
timeout on every request. The spreadsheet is opened by key, never by title.
Every request sent is counted here (retries included), as a read or a write,
for the docs' quota promises.

Retries
-------
Reads and idempotent writes failing with 429, 5xx, a timeout or a dropped
connection are retried by ``stamina`` (bounded exponential backoff with
jitter, ``max_attempts`` in all), never by gspread's unbounded
``BackOffHTTPClient``: :meth:`SheetsClient.run` retries a call, which is told
its attempt number, so a write that is not idempotent re-reads before trying
again (the store, the lease and ``finish`` each say how). Errors that remain
are mapped to mentorsheet's: 401 and token refusals to
:class:`CredentialsError`, 403 and 404 to :class:`WorkbookAccessError` naming
the account to share with, 429 and 5xx to :class:`TransientError`, other
refusals (400) to :class:`RequestRejected`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import google.auth.exceptions
import requests
import stamina
from google.auth.credentials import Credentials
from gspread.exceptions import APIError
from gspread.http_client import FileType, HTTPClient, ParamsType
from gspread.urls import SPREADSHEETS_API_V4_BASE_URL
from typing_extensions import override

from mentorsheet.adapters.google_auth import refresh_failure
from mentorsheet.adapters.workbook.contract import RequestStats
from mentorsheet.errors import (
    CredentialsError,
    MentorsheetError,
    TransientError,
    WorkbookAccessError,
    WorkbookError,
)

Json = dict[str, Any]
T = TypeVar("T")


class CountingHTTPClient(HTTPClient):
    """gspread's thin client, counting every request it sends (retries included)."""

    def __init__(self, auth: Credentials | None, session: requests.Session) -> None:
        super().__init__(auth, session=session)  # type: ignore[arg-type]
        self.reads = 0
        self.writes = 0

    @override
    def request(
        self,
        method: str,
        endpoint: str,
        params: ParamsType | None = None,
        data: bytes | None = None,
        json: Mapping[str, Any] | None = None,
        files: FileType = None,
        headers: Any = None,
    ) -> requests.Response:
        if method.lower() == "get" or endpoint.endswith(
            ("developerMetadata:search", "values:batchGetByDataFilter")
        ):
            self.reads += 1
        else:
            self.writes += 1
        return super().request(
            method, endpoint, params=params, data=data, json=json, files=files, headers=headers
        )


class RequestRejected(WorkbookError):
    """Sheets answered 400: the request itself was refused (not retried)."""


def status_of(exc: APIError) -> int:
    return int(exc.response.status_code)


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, APIError):
        status = status_of(exc)
        return status == 429 or status >= 500
    return isinstance(
        exc,
        requests.Timeout
        | requests.ConnectionError
        | requests.exceptions.ChunkedEncodingError
        | google.auth.exceptions.TransportError,
    )


class SheetsClient:
    """The few Sheets v4 calls the store makes, with retries and errors mapped."""

    def __init__(
        self,
        key: str,
        client: CountingHTTPClient,
        *,
        attempts: int,
        account: str | None,
        credentials: Credentials | None = None,
    ) -> None:
        self.key = key
        self.client = client
        self.attempts = attempts
        self.account = account
        self.credentials = credentials  # only to word a refused token refresh

    @property
    def stats(self) -> RequestStats:
        return RequestStats(reads=self.client.reads, writes=self.client.writes)

    # Each call is one HTTP request; ``run`` adds the retries.

    def get(self, params: ParamsType) -> Json:
        """``spreadsheets.get``."""
        result: Json = self.client.spreadsheets_get(self.key, params=params)
        return result

    def batch_update(self, body: Mapping[str, Any], *, fields: str | None = None) -> Json:
        """``spreadsheets.batchUpdate``: applied atomically, all or nothing."""
        url = f"{SPREADSHEETS_API_V4_BASE_URL}/{self.key}:batchUpdate"
        params: ParamsType | None = {"fields": fields} if fields else None
        result: Json = self.client.request("post", url, params=params, json=body).json()
        return result

    def update_by_data_filter(self, body: Mapping[str, Any]) -> Json:
        """``spreadsheets.values.batchUpdateByDataFilter``."""
        url = f"{SPREADSHEETS_API_V4_BASE_URL}/{self.key}/values:batchUpdateByDataFilter"
        result: Json = self.client.request("post", url, json=body).json()
        return result

    def get_by_data_filter(self, body: Mapping[str, Any]) -> Json:
        """``spreadsheets.values.batchGetByDataFilter`` (a read, though a POST)."""
        url = f"{SPREADSHEETS_API_V4_BASE_URL}/{self.key}/values:batchGetByDataFilter"
        result: Json = self.client.request("post", url, json=body).json()
        return result

    # Retried calls.

    def run(self, what: str, call: Callable[[int], T]) -> T:
        """``call(attempt_number)`` with bounded, jittered exponential backoff; errors mapped."""
        try:
            for attempt in stamina.retry_context(
                on=_retryable,
                attempts=self.attempts,
                timeout=None,
                wait_initial=2.0,
                wait_max=32.0,
                wait_jitter=1.0,
            ):
                with attempt:
                    return call(attempt.num)
        except APIError as exc:
            raise self._error(exc, what) from None
        except (requests.RequestException, google.auth.exceptions.TransportError) as exc:
            raise TransientError(
                f"Google Sheets did not answer in time to {what} after {self.attempts} "
                f"attempt(s) ({type(exc).__name__}); check the connection and try again."
            ) from None
        except google.auth.exceptions.RefreshError as exc:
            raise refresh_failure(self.credentials, exc) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def read(self, what: str, params: ParamsType) -> Json:
        """``spreadsheets.get``, retried."""
        return self.run(what, lambda _n: self.get(params))

    def update(self, what: str, requests_: list[Json]) -> Json:
        """An idempotent ``batchUpdate`` of ``requests_``, retried."""
        body = {"requests": requests_}
        return self.run(what, lambda _n: self.batch_update(body, fields="spreadsheetId"))

    def _error(self, exc: APIError, what: str) -> MentorsheetError:
        status = status_of(exc)
        message = str(exc.error.get("message", "")).strip()
        who = self.account or "the service account mentorsheet runs as"
        if status == 401:
            return CredentialsError(
                "Google did not accept the credentials (HTTP 401): check that "
                "GOOGLE_APPLICATION_CREDENTIALS names a current service-account key."
            )
        if status == 403 and ("has not been used" in message or "is disabled" in message):
            return WorkbookAccessError(
                "The Google Sheets API is not enabled for the credentials' Cloud project: "
                "enable it in the Google Cloud console (APIs & Services)."
            )
        if status == 403:
            return WorkbookAccessError(
                f"Google Sheets refused access to spreadsheet {self.key!r}: share it with "
                f"{who} as Editor."
            )
        if status == 404:
            return WorkbookAccessError(
                f"Google Sheets found no spreadsheet {self.key!r}: check workbook.spreadsheet, "
                f"and that the sheet is shared with {who} as Editor."
            )
        if status == 429 or status >= 500:
            return TransientError(
                f"Google Sheets kept failing to {what} (HTTP {status}) after {self.attempts} "
                "attempt(s); try again in a few minutes."
            )
        return RequestRejected(f"Google Sheets refused to {what}: {message or f'HTTP {status}'}")

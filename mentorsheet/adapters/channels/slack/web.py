"""Posting to Slack through its Web API (slack_sdk), once.

``chat.postMessage`` has no idempotency key, so a post is never repeated
here: the client is built with only a bounded rate-limit retry (a 429 means
Slack did nothing; its ``Retry-After`` is honoured), not slack_sdk's default
retry of a failed connection. A post that fails in a way after which it may
have gone (a timeout, a reset connection, a 5xx, a lost response) raises
:class:`~mentorsheet.errors.DeliveryError` with ``may_have_sent=True``; the
delivery loop ledgers it for a person to check.

Before the post: each person is found (``users.info`` for a member ID,
``users.lookupByEmail`` otherwise) and the group DM opened with
``conversations.open`` -- which returns the same conversation for the same
members, so opening it again is harmless. Someone not in the workspace,
deactivated, or a bot is *declined*: ledgered, never retried, the email goes
alone. The token is given by the wiring (from ``SLACK_BOT_TOKEN``) and never
appears in a message or an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from mentorsheet.adapters.channels.slack.render import Person, SlackPayload
from mentorsheet.core.messages import SLACK_SKIPPED
from mentorsheet.errors import DeliveryDeclinedError, DeliveryError

# What the bot needs, and why (doctor checks them; the README's manifest asks for them).
SCOPES: Final = {
    "users:read": "find a member by ID (users.info)",
    "users:read.email": "find a member by email (users.lookupByEmail)",
    "im:write": "open direct messages (conversations.open)",
    "mpim:write": "open the group DM of a pairing (conversations.open)",
    "chat:write": "post the introductions and reminders (chat.postMessage)",
}
# Errors after which nothing this run can succeed: the rest wait, untried.
_CLOSING: Final = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "missing_scope",
        "no_permission",
        "team_access_not_granted",
        "ratelimited",
    }
)
MAX_RETRY_AFTER: Final = 120.0  # seconds: a longer Retry-After is not waited for


def _error_code(exc: Exception) -> tuple[int, str, dict[str, Any]]:
    """HTTP status, Slack's error code and the response data of a SlackApiError."""
    response = getattr(exc, "response", None)
    status = int(getattr(response, "status_code", 0) or 0)
    data = getattr(response, "data", None)
    body = data if isinstance(data, dict) else {}
    return status, str(body.get("error", "")), body


def _explain(code: str, body: dict[str, Any]) -> str:
    if code == "missing_scope":
        needed = body.get("needed", "?")
        return (
            f"the Slack app lacks the scope {needed}: add it under OAuth & Permissions, "
            "reinstall the app and update SLACK_BOT_TOKEN"
        )
    if code in ("invalid_auth", "not_authed", "token_revoked", "account_inactive"):
        return f"Slack refused the bot token ({code}): check SLACK_BOT_TOKEN"
    return f"Slack said {code or 'an error'}"


def make_client(
    token: str, *, base_url: str = "", timeout: float = 30.0, rate_limit_retries: int = 3
) -> Any:
    """A slack_sdk WebClient that never re-sends a request that may have been done."""
    from slack_sdk import WebClient
    from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

    class _BoundedRateLimit(RateLimitErrorRetryHandler):
        def _can_retry(
            self, *, state: Any, request: Any, response: Any = None, error: Any = None
        ) -> bool:
            if not super()._can_retry(state=state, request=request, response=response, error=error):
                return False
            wait = {k.lower(): v for k, v in response.headers.items()}.get("retry-after", ["1"])
            try:
                return float(wait[0]) <= MAX_RETRY_AFTER
            except (TypeError, ValueError, IndexError):
                return True

    handler = _BoundedRateLimit(max_retry_count=rate_limit_retries)
    options: dict[str, Any] = {
        "token": token,
        "timeout": int(max(1, timeout)),
        "retry_handlers": [handler],
    }
    if base_url:
        options["base_url"] = base_url
    return WebClient(**options)


@dataclass(frozen=True)
class Workspace:
    """What ``auth.test`` says: the workspace, the bot, and the scopes it was granted."""

    team: str
    bot: str
    url: str
    scopes: frozenset[str]

    @property
    def missing(self) -> list[str]:
        return [scope for scope in SCOPES if scope not in self.scopes]


class SlackWebPoster:
    """Opens a pairing's group DM and posts in it, through the Web API."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def describe(self) -> str:
        return "Slack (Web API)"

    def workspace(self) -> Workspace:
        """``auth.test``; raises DeliveryError when the token does not work."""
        from slack_sdk.errors import SlackApiError

        try:
            response = self._client.auth_test()
        except SlackApiError as exc:
            _status, code, body = _error_code(exc)
            raise DeliveryError(_explain(code, body), may_have_sent=False) from None
        except Exception as exc:
            raise DeliveryError(
                f"Slack could not be reached ({type(exc).__name__})", may_have_sent=False
            ) from None
        headers = {k.lower(): v for k, v in (response.headers or {}).items()}
        granted = headers.get("x-oauth-scopes", "")
        if isinstance(granted, list):
            granted = ",".join(granted)
        scopes = frozenset(s.strip() for s in str(granted).split(",") if s.strip())
        return Workspace(
            team=str(response.get("team", "")),
            bot=str(response.get("user", "")),
            url=str(response.get("url", "")),
            scopes=scopes,
        )

    def post(self, payload: SlackPayload) -> str:
        """Post once; return ``<channel>/<ts>``."""
        channel = payload.channel or self._open([self._member(p) for p in payload.people])
        return f"{channel}/{self._post(channel, payload)}"

    # --- before the post: nothing can have been posted yet ------------------------

    def _call(self, method: str, **arguments: Any) -> dict[str, Any]:
        from slack_sdk.errors import SlackApiError

        try:
            response = getattr(self._client, method)(**arguments)
        except SlackApiError as exc:
            _status, code, body = _error_code(exc)
            if code in ("users_not_found", "user_not_found"):
                raise _NotFound(code) from None
            raise DeliveryError(
                f"{_explain(code, body)} ({method.replace('_', '.', 1)})",
                may_have_sent=False,
                channel_closed=code in _CLOSING or _status == 429,
            ) from None
        except Exception as exc:
            raise DeliveryError(
                f"Slack could not be reached ({type(exc).__name__}); nothing was posted",
                may_have_sent=False,
            ) from None
        data = response.data
        return data if isinstance(data, dict) else {}

    def _member(self, person: Person) -> str:
        try:
            if person.member_id:
                user = self._call("users_info", user=person.member_id).get("user", {})
            else:
                user = self._call("users_lookupByEmail", email=person.email).get("user", {})
        except _NotFound:
            where = f"member ID {person.member_id}" if person.member_id else person.email
            raise DeliveryDeclinedError(
                f"{person.name} ({where}) is not in the Slack workspace",
                note=f"{SLACK_SKIPPED}: {person.name} is not in the workspace",
            ) from None
        if user.get("deleted"):
            raise DeliveryDeclinedError(
                f"{person.name}'s Slack account is deactivated",
                note=f"{SLACK_SKIPPED}: {person.name}'s account is deactivated",
            )
        if user.get("is_bot") or user.get("is_app_user"):
            raise DeliveryDeclinedError(
                f"{person.name} is a bot on Slack, not a person",
                note=f"{SLACK_SKIPPED}: {person.name} is a bot",
            )
        return str(user.get("id", ""))

    def _open(self, members: list[str]) -> str:
        data = self._call("conversations_open", users=",".join(members))
        return str(data.get("channel", {}).get("id", ""))

    # --- the post: once ------------------------------------------------------------

    def _post(self, channel: str, payload: SlackPayload) -> str:
        from slack_sdk.errors import SlackApiError

        try:
            response = self._client.chat_postMessage(**payload.arguments(channel))
        except SlackApiError as exc:
            status, code, body = _error_code(exc)
            if status in {200, 429} or (400 <= status < 500 and code):
                # Slack answered and refused: nothing was posted.
                raise DeliveryError(
                    f"{_explain(code, body)} (chat.postMessage)",
                    may_have_sent=False,
                    channel_closed=code in _CLOSING or status == 429,
                ) from None
            raise DeliveryError(
                f"Slack answered HTTP {status} to the post: it may have been posted",
                may_have_sent=True,
            ) from None
        except Exception as exc:
            # A timeout, a reset, an answer that was lost or unreadable.
            raise DeliveryError(
                f"the post to Slack failed ({type(exc).__name__}): it may have been posted",
                may_have_sent=True,
            ) from None
        return str(response.get("ts", ""))


class _NotFound(Exception):
    """Slack has no such member."""

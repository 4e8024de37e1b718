"""A fake Slack Web API served over loopback HTTP, stateful, for the real slack_sdk client.

``WebClient(base_url=fake.endpoint)`` talks to it: form, query and JSON
bodies, the Bearer token, and the answers as Slack gives them -- HTTP 200
with ``ok: false`` and an ``error`` (``missing_scope`` with ``needed`` and
``provided``, ``users_not_found``, ``invalid_auth``, ``not_authed``,
``channel_not_found``...), HTTP 429 with ``Retry-After``, and the
``x-oauth-scopes`` header. It keeps a workspace of members, the group DMs
``conversations.open`` made (the same one for the same members) and every
posted message, and can be told to fail the next request of a method in a
chosen way (:class:`Fault`), including "posted, then the answer was lost".

It enforces Slack's documented arguments and limits: chat.postMessage needs
``channel`` and ``text`` or ``blocks``, ``text`` at most 40,000 characters,
at most 50 blocks, a section's text at most 3,000, a header's 150, a
button's 75; conversations.open takes 1 to 8 users.
"""

from __future__ import annotations

import json
import socket
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from enum import Enum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

BOT: Final = "UBOT00001"
FAKE_TOKEN: Final = "xoxb-fake-slack-token-0000"
ALL_SCOPES: Final = ("users:read", "users:read.email", "im:write", "mpim:write", "chat:write")
NEEDS: Final = {
    "auth.test": "",
    "users.info": "users:read",
    "users.lookupByEmail": "users:read.email",
    "conversations.open": "mpim:write",
    "chat.postMessage": "chat:write",
}
POST_ARGUMENTS: Final = frozenset(
    {
        "channel", "text", "blocks", "attachments", "as_user", "icon_emoji", "icon_url",
        "link_names", "markdown_text", "metadata", "mrkdwn", "parse", "reply_broadcast",
        "thread_ts", "unfurl_links", "unfurl_media", "username",
    }
)  # fmt: skip


class Fault(Enum):
    RATE_LIMIT = "429 with Retry-After: 1 (nothing done)"
    SERVER_ERROR = "500 (after doing it, for chat.postMessage)"
    RESET = "the connection reset before anything was done"
    HANG = "read the request, then answer nothing until the client gives up (done)"
    LOST = "done, then the connection dropped without an answer"


@dataclass(frozen=True)
class Posted:
    channel: str
    ts: str
    text: str
    blocks: tuple[Any, ...]


@dataclass
class FakeSlack:
    """The workspace and what was done in it."""

    team: str = "Mentoring Workspace"
    scopes: tuple[str, ...] = ALL_SCOPES
    hang_seconds: float = 2.0
    retry_after: int = 1
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    conversations: dict[frozenset[str], str] = field(default_factory=dict)
    channels: set[str] = field(default_factory=set)  # channels the bot was invited to
    posted: list[Posted] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    authorizations: list[str] = field(default_factory=list)
    _faults: dict[str, deque[Fault | str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _release: threading.Event = field(default_factory=threading.Event)

    def add_user(
        self, name: str, email: str, *, deleted: bool = False, is_bot: bool = False
    ) -> str:
        member = f"U{len(self.users) + 1:08d}"
        self.users[member] = {
            "id": member,
            "name": name.split(maxsplit=1)[0].lower(),
            "real_name": name,
            "deleted": deleted,
            "is_bot": is_bot,
            "profile": {"email": email, "real_name": name},
        }
        return member

    def fail_next(self, method: str, fault: Fault | str, times: int = 1) -> None:
        """Fail the next ``times`` calls of ``method``; a string is an ``ok: false`` error."""
        with self._lock:
            self._faults.setdefault(method, deque()).extend([fault] * times)

    def count(self, method: str) -> int:
        return sum(1 for name, _ in self.calls if name == method)

    def posts_in(self, channel: str) -> list[Posted]:
        return [p for p in self.posted if p.channel == channel]

    def members_of(self, channel: str) -> frozenset[str]:
        for members, conversation in self.conversations.items():
            if conversation == channel:
                return members
        return frozenset()

    # --- the methods --------------------------------------------------------------

    def handle(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "team": self.team,
                "user": "mentorsheet",
                "team_id": "T0001",
                "user_id": BOT,
                "url": "https://mentoring.slack.com/",
                "bot_id": "B01",
            }
        if method == "users.info":
            user = self.users.get(str(args.get("user", "")))
            return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
        if method == "users.lookupByEmail":
            wanted = str(args.get("email", "")).casefold()
            for user in self.users.values():
                if user["profile"]["email"].casefold() == wanted and not user["deleted"]:
                    return {"ok": True, "user": user}
            return {"ok": False, "error": "users_not_found"}
        if method == "conversations.open":
            members = [m for m in str(args.get("users", "")).split(",") if m]
            if not 1 <= len(members) <= 8:
                return {
                    "ok": False,
                    "error": "too_many_users" if members else "users_list_not_supplied",
                }
            for member in members:
                if member not in self.users:
                    return {"ok": False, "error": "user_not_found"}
                if self.users[member]["deleted"]:
                    return {"ok": False, "error": "user_disabled"}
            key = frozenset(members)
            already = key in self.conversations
            if not already:
                self.conversations[key] = f"G{len(self.conversations) + 1:08d}"
            return {"ok": True, "already_open": already, "channel": {"id": self.conversations[key]}}
        if method == "chat.postMessage":
            return self._post(args)
        return {"ok": False, "error": "unknown_method"}

    def _post(self, args: dict[str, Any]) -> dict[str, Any]:
        unknown = set(args) - POST_ARGUMENTS
        if unknown:
            return {"ok": False, "error": "invalid_arguments", "unknown": sorted(unknown)}
        channel = str(args.get("channel", ""))
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if channel not in self.conversations.values() and channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        text, blocks = args.get("text"), args.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        if not text and not blocks:
            return {"ok": False, "error": "no_text"}
        if text is not None and len(str(text)) > 40_000:
            return {"ok": False, "error": "msg_too_long"}
        problem = block_problem(blocks or [])
        if problem:
            return {"ok": False, "error": "invalid_blocks", "errors": [problem]}
        ts = f"{1_700_000_000 + len(self.posted)}.{len(self.posted):06d}"
        self.posted.append(Posted(channel, ts, str(text or ""), tuple(blocks or ())))
        return {"ok": True, "channel": channel, "ts": ts, "message": {"text": text}}

    # --- the wire ----------------------------------------------------------------

    def _next_fault(self, method: str) -> Fault | str | None:
        with self._lock:
            queue = self._faults.get(method)
            return queue.popleft() if queue else None

    def _auth(self, authorization: str, method: str) -> dict[str, Any] | None:
        if not authorization.startswith("Bearer ") or authorization == "Bearer ":
            return {"ok": False, "error": "not_authed"}
        if authorization != f"Bearer {FAKE_TOKEN}":
            return {"ok": False, "error": "invalid_auth"}
        needed = NEEDS.get(method, "")
        if method == "conversations.open" and "mpim:write" not in self.scopes:
            needed = "mpim:write"
        if needed and needed not in self.scopes:
            return {"ok": False, "error": "missing_scope", "needed": needed,
                    "provided": ",".join(self.scopes)}  # fmt: skip
        return None


def block_problem(blocks: Any) -> str:
    """Why Slack would refuse these blocks (Block Kit's documented limits), or ""."""
    if not isinstance(blocks, list):
        return "blocks must be an array"
    if len(blocks) > 50:
        return "no more than 50 items allowed [json-pointer:/blocks]"
    for number, block in enumerate(blocks):
        kind = block.get("type") if isinstance(block, dict) else None
        text = block.get("text", {}) if isinstance(block, dict) else {}
        if kind == "header" and (
            text.get("type") != "plain_text" or len(text.get("text", "")) > 150
        ):
            return f"invalid header [json-pointer:/blocks/{number}/text]"
        if kind == "section" and not 1 <= len(text.get("text", "")) <= 3000:
            return f"must be 1 to 3000 characters [json-pointer:/blocks/{number}/text]"
        if kind == "actions":
            for element in block.get("elements", []):
                label = element.get("text", {}).get("text", "")
                if element.get("type") != "button" or not 1 <= len(label) <= 75:
                    return f"invalid button [json-pointer:/blocks/{number}/elements]"
                if len(element.get("url", "")) > 3000:
                    return f"url too long [json-pointer:/blocks/{number}/elements]"
        if kind not in ("header", "section", "actions", "context", "divider"):
            return f"unknown block type {kind!r} [json-pointer:/blocks/{number}]"
    return ""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeSlack) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake
        self.open_sockets: set[socket.socket] = set()

    def process_request(self, request: Any, client_address: Any) -> None:
        self.open_sockets.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        self.open_sockets.discard(request)
        super().shutdown_request(request)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Quiet."""

    def do_GET(self) -> None:
        self.do_POST()

    def do_POST(self) -> None:
        fake = self.server.fake
        parts = urlsplit(self.path)
        method = parts.path.rsplit("/", 1)[-1]
        fault = fake._next_fault(method)
        if fault is Fault.RESET:
            with fake._lock:
                fake.calls.append((method, {}))  # asked for, never read
            self._drop()
            return
        args = self._arguments(parts.query)
        with fake._lock:
            fake.calls.append((method, args))
            fake.authorizations.append(self.headers.get("Authorization", ""))
        if fault is Fault.RATE_LIMIT:
            self._answer(429, {"ok": False, "error": "ratelimited"}, retry_after=fake.retry_after)
            return
        if isinstance(fault, str):
            self._answer(200, {"ok": False, "error": fault})
            return
        refused = fake._auth(self.headers.get("Authorization", ""), method)
        with fake._lock:
            reply = refused or fake.handle(method, args)
        if fault is Fault.HANG:
            fake._release.wait(fake.hang_seconds)
            self._drop()
        elif fault is Fault.LOST:
            self._drop()
        elif fault is Fault.SERVER_ERROR:
            self._answer(500, {"ok": False, "error": "internal_error"})
        else:
            self._answer(200, reply)

    def _arguments(self, query: str) -> dict[str, Any]:
        args: dict[str, Any] = dict(parse_qsl(query))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if "json" in self.headers.get("Content-Type", ""):
            args.update(json.loads(body or b"{}"))
        elif body:
            args.update(parse_qsl(body.decode("utf-8")))
        return args

    def _answer(self, status: int, body: dict[str, Any], *, retry_after: int = 0) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-oauth-scopes", ",".join(self.server.fake.scopes))
        if retry_after:
            self.send_header("Retry-After", str(retry_after))
        self.end_headers()
        self.wfile.write(data)

    def _drop(self) -> None:
        self.close_connection = True
        with suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


@contextmanager
def running_fake_slack(**options: Any) -> Iterator[tuple[FakeSlack, str]]:
    """A started fake and its base URL (``http://127.0.0.1:<port>/api/``), closed on exit."""
    fake = FakeSlack(**options)
    server = _Server(fake)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield fake, f"http://{host!s}:{port}/api/"
    finally:
        fake._release.set()
        server.shutdown()
        for sock in list(server.open_sockets):
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        server.server_close()
        thread.join()

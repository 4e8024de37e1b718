"""``mentorsheet login``: sign in as the programme mailbox, without domain-wide delegation.

Google's installed-app OAuth flow (google-auth-oauthlib) asks for exactly the
two scopes mentorsheet uses, with a browser on this machine and a redirect to
a one-shot server on ``localhost``. The result is saved as an
``authorized_user`` JSON file — the format ``gcloud auth application-default
login`` writes and every Google client library reads — in the user's config
folder (platformdirs), readable by its owner only (mode 0600). Sheets and
Gmail then both act as the signed-in user: no delegation, Gmail ``userId=me``,
and mail goes out as that account.

The file holds a refresh token: it is never printed or logged, and an error
never quotes it. In GitHub Actions the same JSON is a repository secret
written to a file and named by ``GOOGLE_APPLICATION_CREDENTIALS``.
"""

from __future__ import annotations

import json
import os
import tempfile
import webbrowser
from collections.abc import Callable, Mapping
from contextlib import suppress
from pathlib import Path
from typing import Any, Final

from mentorsheet.adapters.google_auth import GMAIL_SEND_SCOPE, SHEETS_SCOPE
from mentorsheet.errors import CredentialsError, UsageError

LOGIN_SCOPES: Final = (SHEETS_SCOPE, GMAIL_SEND_SCOPE)
BROWSER_NAME: Final = "mentorsheet-login"

PROMPT: Final = (
    "Sign in as the programme mailbox in the browser window that opened. If none did, "
    "open this address on this machine:\n{url}"
)
SUCCESS: Final = "mentorsheet is signed in. You can close this tab and return to the terminal."


def read_client_config(path: Path) -> dict[str, Any]:
    """The OAuth client JSON of a "Desktop app" client, as the Cloud console downloads it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(
            f"there is no OAuth client file at {path}: download the JSON of a 'Desktop app' "
            "OAuth client (Google Cloud console, APIs & Services, Credentials)"
        ) from None
    except (OSError, ValueError):
        raise UsageError(f"{path} is not an OAuth client JSON file") from None
    if not isinstance(data, dict) or "installed" not in data:
        kind = next(iter(data), "unknown") if isinstance(data, dict) else "unknown"
        raise UsageError(
            f"{path} is not a 'Desktop app' OAuth client (it is of type {kind!r}): create an "
            "OAuth client ID of application type 'Desktop app' and download its JSON"
        )
    return data


class _Opener(webbrowser.BaseBrowser):
    """Hands the sign-in address to a callable (the real browser, or a test's)."""

    def __init__(self, open_url: Callable[[str], object]) -> None:
        super().__init__(BROWSER_NAME)
        self._open_url = open_url

    def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
        self._open_url(url)
        return True


def login(
    client_config: Mapping[str, Any],
    *,
    account: str,
    path: Path,
    open_url: Callable[[str], object] = webbrowser.open,
    session_adapter: Any = None,
    port: int = 0,
    timeout_seconds: float | None = 300,
    prompt: str | None = PROMPT,
) -> Path:
    """Run the sign-in flow for ``account`` and save the result at ``path`` (mode 0600).

    ``open_url`` is given the consent page's address (a browser by default).
    ``session_adapter`` is a requests transport adapter mounted for ``https://``
    on the flow's session, so the token exchange can be answered by a fake.
    """
    from google_auth_oauthlib.flow import InstalledAppFlow

    flow = InstalledAppFlow.from_client_config(dict(client_config), scopes=list(LOGIN_SCOPES))
    if session_adapter is not None:
        flow.oauth2session.mount("https://", session_adapter)
    webbrowser.register(BROWSER_NAME, None, _Opener(open_url))
    try:
        credentials = flow.run_local_server(
            host="localhost",
            port=port,
            browser=BROWSER_NAME,
            authorization_prompt_message=prompt or "",
            success_message=SUCCESS,
            timeout_seconds=timeout_seconds,
            # Offline access with a fresh consent: Google then issues a refresh token.
            access_type="offline",
            prompt="consent",
            login_hint=account,
        )
    except Exception as exc:
        # The library's text can quote the token response: give the kind only.
        raise CredentialsError(
            f"Google sign-in did not complete ({type(exc).__name__}); run `mentorsheet login` "
            "again and finish the sign-in in the browser"
        ) from None
    granted = set(getattr(credentials, "granted_scopes", None) or credentials.scopes or ())
    missing = [scope for scope in LOGIN_SCOPES if granted and scope not in granted]
    if missing:
        raise CredentialsError(
            "Google sign-in did not grant " + ", ".join(missing) + ": run `mentorsheet login` "
            "again and tick every permission on the consent page"
        )
    if not credentials.refresh_token:
        raise CredentialsError(
            "Google issued no refresh token, so the sign-in would stop working within the hour: "
            "remove mentorsheet's access at myaccount.google.com/permissions and sign in again"
        )
    info = {
        "type": "authorized_user",
        "client_id": credentials.client_id,
        "client_secret": credentials.client_secret,
        "refresh_token": credentials.refresh_token,
        "scopes": list(LOGIN_SCOPES),
        "account": account,
    }
    if credentials.token and credentials.expiry is not None:
        # The first access token too, so the next command needs no refresh.
        info["token"] = credentials.token
        info["expiry"] = credentials.expiry.strftime("%Y-%m-%dT%H:%M:%SZ")
    save_private_json(path, info)
    return path


def save_private_json(path: Path, data: Mapping[str, Any]) -> None:
    """Write ``data`` at ``path`` readable by its owner only, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(data, stream, indent=2)
            stream.write("\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary)
        raise

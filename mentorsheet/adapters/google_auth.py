"""Google credentials, the way Google's own tools find them, with the narrowest scopes.

mentorsheet asks for exactly two scopes and never anything wider (gspread's
defaults include full Drive access, so its ``service_account()`` / ``oauth()``
helpers are never used):

- :data:`SHEETS_SCOPE` to read and write the programme's spreadsheet;
- :data:`GMAIL_SEND_SCOPE` to send as the programme's address.

Credentials are looked for, in this order:

1. the file named by ``GOOGLE_APPLICATION_CREDENTIALS``: a service-account
   key, a Workload Identity Federation configuration (what
   ``google-github-actions/auth`` sets up), or an ``authorized_user`` sign-in;
2. the sign-in ``mentorsheet login`` saved in the user's config folder;
3. the rest of Application Default Credentials (for example
   ``gcloud auth application-default login`` with both scopes).

User credentials (an ``authorized_user`` sign-in) act as the signed-in
account for Sheets and Gmail alike: no delegation is needed or possible,
and mail goes out as that account.

With a service account, Gmail sends as the programme's address through
domain-wide delegation, which needs service-account credentials that can
take a ``subject``. Federated (``external_account``) credentials cannot; for
them the workflow can mint a delegated access token with
``google-github-actions/auth`` (``token_format: access_token``,
``access_token_subject``, ``access_token_scopes``) and pass it in
``MENTORSHEET_GMAIL_ACCESS_TOKEN``.

Every failure is a :class:`~mentorsheet.errors.CredentialsError` whose message
is one sentence saying how to fix it. No key, token or credential material is
ever put in a message: the library's own error text is dropped, not chained.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

import google.auth
import google.auth.exceptions
import google.oauth2.credentials
from google.auth.credentials import Credentials

from mentorsheet.errors import CredentialsError

SHEETS_SCOPE: Final = "https://www.googleapis.com/auth/spreadsheets"
GMAIL_SEND_SCOPE: Final = "https://www.googleapis.com/auth/gmail.send"
ALLOWED_SCOPES: Final = frozenset({SHEETS_SCOPE, GMAIL_SEND_SCOPE})

CREDENTIALS_VARIABLE: Final = "GOOGLE_APPLICATION_CREDENTIALS"
GMAIL_TOKEN_VARIABLE: Final = "MENTORSHEET_GMAIL_ACCESS_TOKEN"

LOGIN_FILE_NAME: Final = "google-authorized-user.json"

NO_CREDENTIALS: Final = (
    "No Google credentials found: run `mentorsheet login` to sign in as the programme "
    "mailbox, or set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file, or run "
    "in GitHub Actions after google-github-actions/auth."
)

SIGN_IN_AGAIN: Final = (
    "Google no longer accepts the saved sign-in (invalid_grant: it was revoked, the "
    "password changed, it went unused for six months, or the OAuth consent screen is still "
    "in 'Testing', whose sign-ins expire after 7 days): run `mentorsheet login` again."
)


def default_login_path() -> Path:
    """Where ``mentorsheet login`` saves the sign-in: the user's config folder."""
    import platformdirs

    return platformdirs.user_config_path("mentorsheet") / LOGIN_FILE_NAME


def is_user_credentials(credentials: Credentials) -> bool:
    """A person's sign-in (``authorized_user``), which acts as that account itself."""
    return (
        isinstance(credentials, google.oauth2.credentials.Credentials)
        and credentials.refresh_token is not None
    )


def refresh_failure(credentials: Credentials | None, exc: Exception) -> CredentialsError:
    """The one-sentence error for a token refresh Google refused (never its raw text)."""
    if credentials is not None and is_user_credentials(credentials) and "invalid_grant" in str(exc):
        return CredentialsError(SIGN_IN_AGAIN)
    if credentials is not None and is_user_credentials(credentials):
        return CredentialsError(
            "Google refused to refresh the saved sign-in: run `mentorsheet login` again."
        )
    return CredentialsError(
        "Google refused to issue an access token for these credentials: check the "
        "service-account key in GOOGLE_APPLICATION_CREDENTIALS is current."
    )


def load_credentials(
    scopes: Sequence[str],
    *,
    subject: str | None = None,
    environ: Mapping[str, str] | None = None,
    login_file: Path | None = None,
) -> Credentials:
    """Credentials limited to ``scopes``, delegated to ``subject`` if given and needed.

    With ``environ`` (tests), only its ``GOOGLE_APPLICATION_CREDENTIALS`` and
    ``login_file`` are consulted, never the machine's own set-up; without it,
    the saved sign-in and then the full ADC search of ``google.auth.default``
    apply.
    """
    requested = list(dict.fromkeys(scopes))
    wider = [scope for scope in requested if scope not in ALLOWED_SCOPES]
    if not requested or wider:
        raise CredentialsError(
            "mentorsheet only asks Google for the spreadsheets and gmail.send scopes; "
            f"refusing {', '.join(wider) or 'an empty scope list'}."
        )
    env = os.environ if environ is None else environ
    if login_file is None and environ is None:
        login_file = default_login_path()
    credentials = _application_default(
        requested, env, search_machine=environ is None, login_file=login_file
    )
    if subject is None or is_user_credentials(credentials):
        return credentials
    return delegate(credentials, subject, requested, environ=env)


def describe_credentials(credentials: Credentials) -> str:
    """Who the credentials act as, for ``mentorsheet doctor`` (never any secret)."""
    email = service_account_email(credentials)
    if email:
        return f"service account {email}"
    account = str(getattr(credentials, "account", "") or "")
    if is_user_credentials(credentials) and account:
        return f"the Google account {account} (signed in with `mentorsheet login`)"
    if isinstance(credentials, google.oauth2.credentials.Credentials):
        if credentials.refresh_token is None and credentials.token is not None:
            return "an access token (no account name available)"
        return "user credentials from gcloud application-default login"
    module = type(credentials).__module__
    if module.startswith("google.auth.identity_pool") or module.startswith(
        "google.auth.external_account"
    ):
        return "Workload Identity Federation credentials (no service account impersonated)"
    return f"Google credentials of type {type(credentials).__name__}"


def service_account_email(credentials: Credentials) -> str | None:
    """The service account the credentials act as, when they say (to share the sheet with)."""
    email = getattr(credentials, "service_account_email", None)
    if isinstance(email, str) and "@" in email:
        return email
    return None


def _application_default(
    scopes: list[str], env: Mapping[str, str], *, search_machine: bool, login_file: Path | None
) -> Credentials:
    path = env.get(CREDENTIALS_VARIABLE, "").strip()
    if not path and login_file is not None and login_file.is_file():
        return _saved_login(login_file, scopes)
    try:
        if path:
            if not os.path.isfile(path):
                raise CredentialsError(
                    f"GOOGLE_APPLICATION_CREDENTIALS names {path!r}, which is not a file: "
                    "point it at the service-account key file (JSON) you downloaded."
                )
            # What google.auth.default does with this variable, including silencing the
            # warning about untrusted files: this one is the operator's own choice.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                credentials, _project = google.auth.load_credentials_from_file(  # type: ignore[no-untyped-call]
                    path, scopes=scopes
                )
        elif search_machine:
            credentials, _project = google.auth.default(scopes=scopes)
        else:
            raise CredentialsError(NO_CREDENTIALS)
    except CredentialsError:
        raise
    except (google.auth.exceptions.GoogleAuthError, OSError, ValueError):
        # The library's text may quote the file; it is dropped, never chained.
        if path:
            raise CredentialsError(
                f"The file {path!r} named by GOOGLE_APPLICATION_CREDENTIALS is not usable "
                "Google credentials: download a new service-account key (JSON) and point the "
                "variable at it."
            ) from None
        raise CredentialsError(NO_CREDENTIALS) from None
    if not isinstance(credentials, Credentials):
        raise CredentialsError(NO_CREDENTIALS)
    return credentials


def delegate(
    credentials: Credentials,
    subject: str,
    scopes: Sequence[str],
    *,
    environ: Mapping[str, str] | None = None,
) -> Credentials:
    """Credentials acting as ``subject`` (domain-wide delegation), or a delegated token.

    Service-account credentials take the subject themselves. Others (e.g.
    Workload Identity Federation) cannot; then the access token in
    ``MENTORSHEET_GMAIL_ACCESS_TOKEN``, minted for ``subject``, is used.
    """
    env = os.environ if environ is None else environ
    with_subject = getattr(credentials, "with_subject", None)
    if callable(with_subject):
        delegated = with_subject(subject)
        if not isinstance(delegated, Credentials):  # pragma: no cover - google-auth contract
            raise CredentialsError(f"The Google credentials cannot act as {subject}.")
        return delegated
    token = env.get(GMAIL_TOKEN_VARIABLE, "").strip()
    if token:
        return google.oauth2.credentials.Credentials(token, scopes=list(scopes))  # type: ignore[no-untyped-call]
    raise CredentialsError(
        f"Sending as {subject} needs a service-account key with domain-wide delegation in "
        "GOOGLE_APPLICATION_CREDENTIALS, or a delegated access token in "
        "MENTORSHEET_GMAIL_ACCESS_TOKEN (google-github-actions/auth with token_format: "
        "access_token and access_token_subject)."
    )


def _saved_login(path: Path, scopes: list[str]) -> Credentials:
    try:
        credentials = google.oauth2.credentials.Credentials.from_authorized_user_file(  # type: ignore[no-untyped-call]
            str(path), scopes=scopes
        )
    except (OSError, ValueError):
        # The library's text may quote the file (a refresh token): dropped, never chained.
        raise CredentialsError(
            f"The saved sign-in at {path} is not usable: run `mentorsheet login` again."
        ) from None
    if not isinstance(credentials, Credentials):  # pragma: no cover - google-auth contract
        raise CredentialsError(NO_CREDENTIALS)
    return credentials

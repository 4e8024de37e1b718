"""Single cell values: text in, a value out, or :class:`InvalidFieldError` with a plain reason.

Decisions worth knowing (the user docs repeat them):

* **Emails** are validated and normalised by ``email-validator`` without
  DNS lookups: trimmed, then lower-cased whole (an ``xn--`` domain shown in
  Unicode), so one person has one key in every tab whatever the case staff
  typed. Unicode before the @ (SMTPUTF8) is refused when read: the emails
  could not promise to deliver it.
* **Names** keep formula-like text (``=IMPORTXML(...)``, ``+1``, ``@x``) as
  plain text — stores write it RAW — but a line break or other control
  character is rejected: it could forge email headers.
* **Active**: yes/no, true/false (Sheets checkboxes), y/n, 1/0, ✓ ✔ ☑ / ✗ ✘,
  any case. Blank means not active, without a problem. A bare ``x`` is
  reported (it can mean ticked or crossed out) and the mentor is treated as
  not active, as is any other value.
* **Route**: Academy or Community, any case or spacing; "Academy applicant",
  "Community member" and "Direct contact" (a Community mentee) are accepted.

Dates are read by :mod:`mentorsheet.core.parsing.dates`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Final
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

from mentorsheet.core.schema import Route, Status, header_key
from mentorsheet.errors import InvalidFieldError


def parse_email(value: str) -> str:
    """The normalised email, or :class:`InvalidFieldError` with a plain reason."""
    text = value.strip()
    if not text:
        raise InvalidFieldError("not a valid email address: it is blank")
    try:
        # Non-ASCII before the @ needs SMTPUTF8 end to end, which mail headers
        # built here cannot promise: refuse it on reading, not at sending.
        checked = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise InvalidFieldError(f"not a valid email address: {_plain(str(exc))}") from None
    # One person, one key, in every tab: mail systems ignore case, and staff
    # type "Ada@" in one tab and "ada@" in another.
    return checked.normalized.lower()


def _plain(message: str) -> str:
    """email-validator's sentence, fitted after a colon."""
    message = message.replace("@-sign", "@").rstrip(".")
    return message[:1].lower() + message[1:]


_LINE_BREAKS = frozenset("\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029")


# Unicode's bidirectional formatting characters (embeddings, overrides, isolates and
# marks): in a To name or a subject they reorder what people read.
BIDI_CONTROLS: Final = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def check_name(value: str) -> str:
    """The trimmed name; a line break or control character raises :class:`InvalidFieldError`.

    Names go into email headers (To, the greeting); a line break there could
    add headers of its own. Formula-like text is left alone: it is just text.
    """
    text = value.strip()
    for char in text:
        if char in _LINE_BREAKS:
            raise InvalidFieldError(
                "contains a line break, which could be used to forge email headers"
            )
        if char < " " or "\x7f" <= char <= "\x9f":
            raise InvalidFieldError(
                f"contains a control character (U+{ord(char):04X}), "
                "which could be used to forge email headers"
            )
        if char in BIDI_CONTROLS:
            raise InvalidFieldError(
                f"contains an invisible text-direction character (U+{ord(char):04X}), "
                "which can make a name or subject read as something else; retype the name"
            )
    return text


_WHOLE_NUMBER = re.compile(r"\+?\d+(?:\.0*)?")
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def _whole_number(value: str, reason: str) -> int:
    text = value.strip()
    if not _WHOLE_NUMBER.fullmatch(text):
        raise InvalidFieldError(reason)
    return int(Decimal(text))


def parse_capacity(value: str) -> int:
    """Capacity: ``"3"``, ``" 3 "`` or ``"3.0"`` is 3; blank, negative or fractional is refused."""
    if not value.strip():
        raise InvalidFieldError(
            "capacity is blank; write how many mentees this mentor can take (0 for none)"
        )
    return _whole_number(value, "capacity must be a whole number of mentees, 0 or more")


def parse_reminders_sent(value: str) -> int:
    """Reminders sent: a whole number, 0 or more; blank is 0."""
    if not value.strip():
        return 0
    return _whole_number(value, "Reminders sent must be a whole number, 0 or more")


def parse_score(value: str) -> float | None:
    text = value.strip()
    if not text:
        return None
    if not _DECIMAL.fullmatch(text) or not math.isfinite(score := float(text)):
        raise InvalidFieldError("Score must be a number such as 0.75, or blank")
    return score


_YES = frozenset({"yes", "y", "true", "1", "✓", "✔", "☑"})
_NO = frozenset({"no", "n", "false", "0", "✗", "✘"})


def parse_active(value: str) -> bool:
    """Active from yes/no-like text; blank is not active. See the module doc."""
    text = value.strip().casefold()
    if not text:
        return False
    if text in _YES:
        return True
    if text in _NO:
        return False
    if text == "x":
        raise InvalidFieldError("Active must be yes or no (an x can mean ticked or crossed out)")
    raise InvalidFieldError("Active must be yes or no")


_ROUTES: Mapping[str, Route] = {
    header_key(text): route
    for text, route in (
        ("Academy", Route.ACADEMY),
        ("Academy applicant", Route.ACADEMY),
        ("Community", Route.COMMUNITY),
        ("Community member", Route.COMMUNITY),
        ("Direct contact", Route.COMMUNITY),
    )
}


def parse_route(value: str) -> Route:
    route = _ROUTES.get(header_key(value))
    if route is None:
        raise InvalidFieldError("Route must be Academy or Community")
    return route


_STATUSES: Mapping[str, Status] = {header_key(status.value): status for status in Status}


def parse_status(value: str) -> Status:
    status = _STATUSES.get(header_key(value))
    if status is None:
        known = ", ".join(status.value for status in Status)
        blank = "Status is blank" if not value.strip() else "Status not recognised"
        raise InvalidFieldError(
            f"{blank}; use one of: {known}. mentorsheet leaves this row alone "
            "and counts it as taking the mentor's place"
        )
    return status


def parse_link(value: str) -> str:
    """An http(s) web address, trimmed; blank stays blank."""
    text = value.strip()
    if not text:
        return ""
    parts = urlsplit(text)
    if parts.scheme.lower() != "https" or not parts.netloc or re.search(r"\s", text):
        raise InvalidFieldError("Calendly link must be a web address starting with https://")
    return text

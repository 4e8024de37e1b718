"""The workbook's shape: tab names, canonical column names, statuses.

Columns are always found by header name, never by position. Header matching
ignores case and spacing, and the config can add aliases (for example the
question texts of a Google Form).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Final

from mentorsheet.errors import MissingHeaderError

MENTORS: Final = "Mentors"
MENTEES: Final = "Mentees"
PAIRINGS: Final = "Pairings"
PROBLEMS: Final = "Problems"
RUNS: Final = "Runs"

TABS: Final = (MENTORS, MENTEES, PAIRINGS, PROBLEMS, RUNS)

COLUMNS: Final[Mapping[str, tuple[str, ...]]] = {
    MENTORS: ("Name", "Email", "Skills", "Capacity", "Calendly link", "Slack", "Active", "Notes"),
    MENTEES: ("Name", "Email", "Route", "Skills wanted", "Requested on", "Notes"),
    PAIRINGS: (
        "Pairing ID",
        "Status",
        "Mentee",
        "Mentee email",
        "Mentor",
        "Mentor email",
        "Route",
        "Score",
        "Why",
        "Proposed on",
        "Intro sent on",
        "Intro message ID",
        "Contact made on",
        "Reminders sent",
        "Last reminder on",
        "Notes",
    ),
    PROBLEMS: ("Tab", "Row", "Column", "Value", "Problem"),
    RUNS: (
        "Started",
        "Finished",
        "Command",
        "Mode",
        "Proposed",
        "Intros sent",
        "Overdue",
        "Problems",
        "Result",
        "Digest",
    ),
}

# Columns without which a tab cannot be used at all. The rest are optional:
# a missing optional column reads as empty.
REQUIRED: Final[Mapping[str, tuple[str, ...]]] = {
    MENTORS: ("Name", "Email", "Skills", "Capacity", "Active"),
    MENTEES: ("Name", "Email", "Route"),
    PAIRINGS: COLUMNS[PAIRINGS][:15],  # all but Notes: mentorsheet writes them
    PROBLEMS: COLUMNS[PROBLEMS],
    RUNS: COLUMNS[RUNS][:9],
}

# Pairings columns staff edit (Status moves along the lifecycle by both).
STAFF_PAIRING_COLUMNS: Final = ("Status", "Contact made on", "Notes")

# Pairings cells mentorsheet may write on an existing row. Staff own the rest
# (Contact made on, Notes); Status is shared and only moved along the lifecycle.
MENTORSHEET_PAIRING_COLUMNS: Final = frozenset(
    {"Status", "Intro sent on", "Intro message ID", "Reminders sent", "Last reminder on"}
)


class Status(StrEnum):
    PROPOSED = "Proposed"
    APPROVED = "Approved"
    REJECTED = "Rejected"
    SENDING_INTRO = "Sending intro"
    CHECK_INTRO = "Check intro"
    AWAITING_CONTACT = "Awaiting contact"
    CONTACT_OVERDUE = "Contact overdue"
    IN_CONTACT = "In contact"
    ENDED = "Ended"


# A mentor's place is in use, and a mentee is taken, in every status but these.
FREEING_STATUSES: Final = frozenset({Status.REJECTED, Status.ENDED})


class Route(StrEnum):
    ACADEMY = "Academy"
    COMMUNITY = "Community"


def header_key(text: str) -> str:
    """Normalise a header for matching: case- and space-insensitive."""
    return re.sub(r"\s+", "", text).casefold()


def same_status(left: str, right: str) -> bool:
    """Whether two Status texts mean the same, matched as the parser reads them."""
    return header_key(left) == header_key(right)


def resolve_columns(
    tab: str,
    found: Sequence[str],
    aliases: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, int]:
    """Map each canonical column of ``tab`` to its 0-based position in ``found``.

    Optional columns that are absent are left out of the result; a missing
    required column raises :class:`MissingHeaderError` naming the tab, the
    header and the headers that were found.
    """
    positions: dict[str, int] = {}
    for index, text in enumerate(found):
        key = header_key(str(text))
        if key and key not in positions:
            positions[key] = index
    resolved: dict[str, int] = {}
    for column in COLUMNS[tab]:
        # Configured aliases first: they say which column staff mean, even when a
        # column with the standard name is also there (a form's tab, say).
        candidates = [*((aliases or {}).get(column, ())), column]
        for candidate in candidates:
            position = positions.get(header_key(candidate))
            if position is not None:
                resolved[column] = position
                break
        else:
            if column in REQUIRED[tab]:
                raise MissingHeaderError(tab, column, [str(h) for h in found])
    return resolved


# How `init` presents the workbook, on either backend.
DROPDOWNS: Final[Mapping[tuple[str, str], tuple[str, ...]]] = {
    (PAIRINGS, "Status"): tuple(status.value for status in Status),
    (MENTEES, "Route"): tuple(route.value for route in Route),
    (MENTORS, "Active"): ("yes", "no"),
}
# Dropdowns that refuse other input (where the backend can); the rest only warn.
STRICT_DROPDOWNS: Final = frozenset({(PAIRINGS, "Status")})

# A soft background colour per Status (RGB hex), readable with black text.
STATUS_COLOURS: Final[Mapping[Status, str]] = {
    Status.PROPOSED: "DDEBF7",
    Status.APPROVED: "E2EFDA",
    Status.REJECTED: "D9D9D9",
    Status.SENDING_INTRO: "FFF2CC",
    Status.CHECK_INTRO: "F8CBAD",
    Status.AWAITING_CONTACT: "FFE699",
    Status.CONTACT_OVERDUE: "FFC7CE",
    Status.IN_CONTACT: "C6EFCE",
    Status.ENDED: "EDEDED",
}

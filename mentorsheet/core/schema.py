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

from mentorsheet.errors import DuplicateHeaderError, MissingHeaderError

MENTORS: Final = "Mentors"
MENTEES: Final = "Mentees"
PAIRINGS: Final = "Pairings"
PROBLEMS: Final = "Problems"
RUNS: Final = "Runs"

TABS: Final = (MENTORS, MENTEES, PAIRINGS, PROBLEMS, RUNS)
# The answers of the Google Form mentors and mentees confirm contact with: a tab
# the form writes ("Link to Sheets"), optional, read with the others, never written.
RESPONSES: Final = "Responses"
OPTIONAL_TABS: Final = (RESPONSES,)
READ_TABS: Final = (*TABS, *OPTIONAL_TABS)
# A tab's title when the config names none: the standard name, or the form's own.
DEFAULT_TITLES: Final[Mapping[str, str]] = {RESPONSES: "Form responses 1"}
# mentorsheet's own report of how the programme is doing (core/report): rewritten on
# every run, never read back, so it is not one of the TABS a run reads.
REPORT: Final = "Report"
REPORT_PLACEHOLDER: Final = "Programme report: mentorsheet rewrites this tab on every run."
REPORT_MARK: Final = "Programme report"  # how the Report tab's first cell always starts


def is_report_tab(first_cell: str) -> bool:
    """Whether a tab whose A1 holds ``first_cell`` is mentorsheet's Report (or empty).

    A staff tab that happens to bear the Report tab's title is never rewritten.
    """
    return not first_cell.strip() or first_cell.strip().startswith(REPORT_MARK)


ReportCell = str | int | float  # a Report tab cell: text or a number, never a formula


class MentorColumn(StrEnum):
    NAME = "Name"
    EMAIL = "Email"
    SKILLS = "Skills"
    CAPACITY = "Capacity"
    CALENDLY = "Calendly link"
    SLACK = "Slack"
    ACTIVE = "Active"
    NOTES = "Notes"
    PAUSED_UNTIL = "Paused until"  # no new mentees and no reminders before this date


class MenteeColumn(StrEnum):
    NAME = "Name"
    EMAIL = "Email"
    ROUTE = "Route"
    SKILLS_WANTED = "Skills wanted"
    REQUESTED_ON = "Requested on"
    NOTES = "Notes"
    SLACK = "Slack"
    PAUSED_UNTIL = "Paused until"  # not matched before this date


class PairingColumn(StrEnum):
    PAIRING_ID = "Pairing ID"
    STATUS = "Status"
    MENTEE = "Mentee"
    MENTEE_EMAIL = "Mentee email"
    MENTOR = "Mentor"
    MENTOR_EMAIL = "Mentor email"
    ROUTE = "Route"
    SCORE = "Score"
    WHY = "Why"
    PROPOSED_ON = "Proposed on"
    INTRO_SENT_ON = "Intro sent on"
    INTRO_MESSAGE_ID = "Intro message ID"
    CONTACT_MADE_ON = "Contact made on"
    REMINDERS_SENT = "Reminders sent"
    LAST_REMINDER_ON = "Last reminder on"
    SLACK_INTRO_SENT_ON = "Slack intro sent on"
    SLACK_INTRO_LINK = "Slack intro link"
    SLACK_REMINDERS_SENT = "Slack reminders sent"
    NOTES = "Notes"
    # Added after the first release, so optional (init adds them): the Re-pair
    # pairing a new row replaces, and the ledger of the message that closes a
    # pairing (core/endings explains its values).
    REPLACES = "Replaces"
    CLOSING_EMAIL = "Closing email"
    # The check-in emails' ledger (core/forms): how many went, and the day of the last.
    CHECKINS_SENT = "Check-ins sent"
    LAST_CHECKIN_ON = "Last check-in on"


class ResponseColumn(StrEnum):
    """The questions of the contact form, as Google Forms heads its responses tab."""

    TIMESTAMP = "Timestamp"
    EMAIL = "Email address"  # when the form collects emails
    PAIRING_ID = "Pairing ID"
    ROLE = "Who is answering?"
    CONTACT = "Have you been in touch?"
    SCORE = "How is it going?"
    MEETING = "Are you still meeting?"
    COMMENT = "Anything you would like to tell us?"


class ProblemColumn(StrEnum):
    TAB = "Tab"
    ROW = "Row"
    COLUMN = "Column"
    VALUE = "Value"
    PROBLEM = "Problem"


class RunColumn(StrEnum):
    STARTED = "Started"
    FINISHED = "Finished"
    COMMAND = "Command"
    MODE = "Mode"
    PROPOSED = "Proposed"
    INTROS_SENT = "Intros sent"
    OVERDUE = "Overdue"
    PROBLEMS = "Problems"
    RESULT = "Result"
    DIGEST = "Digest"


# Column names as typed constants (a typo is a mypy error, not a run-time one);
# they compare and hash as their header text, so they key the same dicts.
PC = PairingColumn

# The Pairings columns of the Slack channel: optional, so a workbook without
# them runs as before with Slack off.
SLACK_COLUMNS: Final = (PC.SLACK_INTRO_SENT_ON, PC.SLACK_INTRO_LINK, PC.SLACK_REMINDERS_SENT)

# The check-ins' ledger: optional, added by init (no check-in is sent without it).
CHECKIN_COLUMNS: Final = (PC.CHECKINS_SENT, PC.LAST_CHECKIN_ON)

COLUMNS: Final[Mapping[str, tuple[str, ...]]] = {
    MENTORS: tuple(MentorColumn),
    MENTEES: tuple(MenteeColumn),
    PAIRINGS: tuple(PairingColumn),
    PROBLEMS: tuple(ProblemColumn),
    RUNS: tuple(RunColumn),
    RESPONSES: tuple(ResponseColumn),
}

# Columns without which a tab cannot be used at all. The rest are optional:
# a missing optional column reads as empty.
REQUIRED: Final[Mapping[str, tuple[str, ...]]] = {
    MENTORS: (
        MentorColumn.NAME,
        MentorColumn.EMAIL,
        MentorColumn.SKILLS,
        MentorColumn.CAPACITY,
        MentorColumn.ACTIVE,
    ),
    MENTEES: (MenteeColumn.NAME, MenteeColumn.EMAIL, MenteeColumn.ROUTE),
    # mentorsheet writes them; the later additions are optional so older workbooks still
    # run (init adds them), the Slack ones needed only with [slack] on.
    PAIRINGS: tuple(
        c
        for c in PairingColumn
        if c not in (PC.NOTES, PC.REPLACES, PC.CLOSING_EMAIL, *CHECKIN_COLUMNS)
        and c not in SLACK_COLUMNS
    ),
    PROBLEMS: COLUMNS[PROBLEMS],
    RUNS: tuple(c for c in RunColumn if c is not RunColumn.DIGEST),
    RESPONSES: (ResponseColumn.TIMESTAMP, ResponseColumn.PAIRING_ID),
}

# Pairings columns staff edit (Status moves along the lifecycle by both).
STAFF_PAIRING_COLUMNS: Final = (PC.STATUS, PC.CONTACT_MADE_ON, PC.NOTES)

# Pairings cells mentorsheet may write on an existing row. Staff own the rest
# (Contact made on, Notes); Status is shared and only moved along the lifecycle.
MENTORSHEET_PAIRING_COLUMNS: Final = frozenset(
    {
        PC.STATUS,
        PC.INTRO_SENT_ON,
        PC.INTRO_MESSAGE_ID,
        PC.REMINDERS_SENT,
        PC.LAST_REMINDER_ON,
        PC.CLOSING_EMAIL,
        # Filled from a form response only while it is blank (core/forms).
        PC.CONTACT_MADE_ON,
    }
    | set(SLACK_COLUMNS)
    | set(CHECKIN_COLUMNS)
)


class CellKind(StrEnum):
    """What a column mentorsheet writes holds, so a store writes it as a real value.

    The core hands every value over as text in one canonical form per kind
    (:data:`CELL_KINDS` says which columns are typed); a store turns that text
    into the typed cell its backend has (:mod:`mentorsheet.adapters.workbook.values`),
    and reads typed cells back as that same text.
    """

    TEXT = "text"  # anything; always written as text, never as a formula
    NUMBER = "number"  # decimal text: "2", "0.75"
    DATE = "date"  # ISO date: "2026-12-01"
    DATETIME = "datetime"  # ISO local wall time in the programme's zone: "2026-12-01T18:22:25"


# The typed columns mentorsheet writes; every other column is text.
CELL_KINDS: Final[Mapping[str, Mapping[str, CellKind]]] = {
    PAIRINGS: {
        PC.SCORE: CellKind.NUMBER,
        PC.PROPOSED_ON: CellKind.DATE,
        PC.INTRO_SENT_ON: CellKind.DATETIME,
        PC.CONTACT_MADE_ON: CellKind.DATE,
        PC.REMINDERS_SENT: CellKind.NUMBER,
        PC.LAST_REMINDER_ON: CellKind.DATE,
        PC.CHECKINS_SENT: CellKind.NUMBER,
        PC.LAST_CHECKIN_ON: CellKind.DATE,
    },
    RUNS: {RunColumn.STARTED: CellKind.DATETIME, RunColumn.FINISHED: CellKind.DATETIME},
}


def cell_kind(tab: str, column: str) -> CellKind:
    """The kind of canonical ``column`` of ``tab`` (text unless :data:`CELL_KINDS` says else)."""
    return CELL_KINDS.get(tab, {}).get(column, CellKind.TEXT)


class Status(StrEnum):
    PROPOSED = "Proposed"
    APPROVED = "Approved"
    REJECTED = "Rejected"
    SENDING_INTRO = "Sending intro"
    CHECK_INTRO = "Check intro"
    AWAITING_CONTACT = "Awaiting contact"
    CONTACT_OVERDUE = "Contact overdue"
    IN_CONTACT = "In contact"
    RE_PAIR = "Re-pair"
    ENDED = "Ended"


class Route(StrEnum):
    ACADEMY = "Academy"
    COMMUNITY = "Community"


def header_key(text: str) -> str:
    """Normalise a header for matching: case- and space-insensitive."""
    return re.sub(r"\s+", "", text).casefold()


def same_status(left: str, right: str) -> bool:
    """Whether two Status texts mean the same, matched as the parser reads them."""
    return header_key(left) == header_key(right)


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column position: 0 is A, 26 is AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


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
    positions: dict[str, list[int]] = {}
    for index, text in enumerate(found):
        key = header_key(str(text))
        if key:
            positions.setdefault(key, []).append(index)
    resolved: dict[str, int] = {}
    for column in COLUMNS[tab]:
        # Configured aliases first: they say which column staff mean, even when a
        # column with the standard name is also there (a form's tab, say).
        candidates = [*((aliases or {}).get(column, ())), column]
        for candidate in candidates:
            at = positions.get(header_key(candidate))
            if at is not None:
                if len(at) > 1:
                    # Reading one and writing the other would lose data: staff choose.
                    raise DuplicateHeaderError(
                        tab, str(found[at[0]]), [column_letter(i) for i in at]
                    )
                resolved[column] = at[0]
                break
        else:
            if column in REQUIRED[tab]:
                raise MissingHeaderError(tab, column, [str(h) for h in found])
    return resolved


# How `init` presents the workbook, on either backend.
DROPDOWNS: Final[Mapping[tuple[str, str], tuple[str, ...]]] = {
    (PAIRINGS, PC.STATUS): tuple(status.value for status in Status),
    (MENTEES, MenteeColumn.ROUTE): tuple(route.value for route in Route),
    (MENTORS, MentorColumn.ACTIVE): ("yes", "no"),
}
# Dropdowns that refuse other input (where the backend can); the rest only warn.
STRICT_DROPDOWNS: Final = frozenset({(PAIRINGS, PC.STATUS)})

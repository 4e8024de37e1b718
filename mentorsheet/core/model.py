"""Typed records of the workbook, as the pure core sees them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from mentorsheet.core.schema import ProblemColumn, Route, Status
from mentorsheet.core.statuses import FREEING_STATUSES


@dataclass(frozen=True)
class Problem:
    """A cell (or row) that could not be used, in words staff can act on."""

    tab: str
    row: int | None  # the spreadsheet row number (the header is row 1)
    column: str
    value: str
    problem: str

    def as_row(self) -> dict[str, str]:
        return {
            ProblemColumn.TAB: self.tab,
            ProblemColumn.ROW: "" if self.row is None else str(self.row),
            ProblemColumn.COLUMN: self.column,
            ProblemColumn.VALUE: self.value,
            ProblemColumn.PROBLEM: self.problem,
        }


@dataclass(frozen=True)
class Mentor:
    row: int
    name: str
    email: str  # normalised
    skills: tuple[str, ...]  # normalised, synonyms applied, de-duplicated, in order given
    capacity: int
    active: bool
    calendly: str = ""
    slack: str = ""
    paused_until: date | None = None  # no new mentees and no reminders before this day


@dataclass(frozen=True)
class Mentee:
    row: int
    name: str
    email: str  # normalised
    route: Route
    skills_wanted: tuple[str, ...]
    requested_on: date | None = None
    slack: str = ""
    paused_until: date | None = None  # not matched before this day


@dataclass(frozen=True)
class Pairing:
    row: int
    pairing_id: str
    status: Status
    mentee_name: str
    mentee_email: str
    mentor_name: str
    mentor_email: str
    route: Route | None = None
    score: float | None = None
    why: str = ""
    proposed_on: date | None = None
    intro_sent_on: datetime | None = None  # timezone-aware when known
    intro_message_id: str = ""
    contact_made_on: date | None = None
    reminders_sent: int = 0
    last_reminder_on: date | None = None
    # The Slack channel's ledger: "" (not yet), "sending", a time (posted),
    # "check: ...", "skipped: ..." (its rows of core/messages.DELIVERY_STEPS).
    slack_intro_sent_on: str | datetime = ""
    slack_intro_link: str = ""  # "<channel>/<ts>" of the intro in the pairing's group DM
    slack_reminders_sent: int = 0
    replaces: str = ""  # the Pairing ID of the Re-pair pairing this one replaces
    closing_email: str = ""  # the closing message's ledger cell, as text (core/endings)
    checkins_sent: int = 0  # check-in emails sent (core/forms)
    last_checkin_on: date | None = None


@dataclass(frozen=True)
class HeldPlace:
    """A Pairings row mentorsheet will not act on, which may still take a place.

    Emails are normalised, or blank when unreadable; ``status`` is None when
    the Status is not one mentorsheet knows.
    """

    row: int
    pairing_id: str
    status: Status | None
    mentee_email: str
    mentor_email: str

    @property
    def holds_place(self) -> bool:
        """Unknown statuses hold the place: never double-book on a guess."""
        return self.status is None or self.status not in FREEING_STATUSES


@dataclass(frozen=True)
class RunRecord:
    """One row of the Runs tab (as text: mentorsheet only reads it back for the digest)."""

    row: int
    values: Mapping[str, str]


@dataclass(frozen=True)
class FormResponse:
    """One usable answer of the contact form (core/forms), its Pairing ID normalised."""

    row: int
    pairing_id: str
    at: datetime  # aware, in the programme's zone
    role: str  # "mentor", "mentee", or "" when the form says neither
    email: str = ""  # the responder's, when the form collects emails
    contact: bool | None = None  # "Have you been in touch?"
    score: int | None = None  # "How is it going?" 1-5
    meeting: bool | None = None  # "Are you still meeting?"
    comment: str = ""

    @property
    def day(self) -> date:
        return self.at.date()


@dataclass(frozen=True)
class Programme:
    """Everything read from the workbook in one go, validated."""

    mentors: tuple[Mentor, ...] = ()
    mentees: tuple[Mentee, ...] = ()
    pairings: tuple[Pairing, ...] = ()
    runs: tuple[RunRecord, ...] = ()
    problems: tuple[Problem, ...] = ()
    markers: Mapping[str, str] = field(default_factory=dict)
    # Pairings rows held out of ``pairings`` (bad ID, status, email…) that
    # still count for capacity and eligibility: never double-book on a guess.
    held_places: tuple[HeldPlace, ...] = ()
    # The Pairings columns the tab has (optional ones may be missing): a
    # message is only planned when its ledger column is there to record it.
    pairing_columns: frozenset[str] = frozenset()
    # The contact form's answers that passed every check (core/forms), in row order;
    # None when the workbook has no responses tab.
    responses: tuple[FormResponse, ...] | None = None


# --- what the pure core decides ------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    """A pair chosen by the matcher, with the reason in plain English."""

    mentee: Mentee
    mentor: Mentor
    score: float  # coverage: |wanted ∩ offered| / |wanted|, 0 when nothing is wanted
    shared_skills: tuple[str, ...]
    why: str


@dataclass(frozen=True)
class Unpaired:
    """A mentee the matcher could not pair this time, and why."""

    mentee: Mentee
    reason: str


@dataclass(frozen=True)
class SkillGap:
    """A skill wanted by unpaired mentees without enough free mentor places."""

    skill: str
    wanted_by: int  # unpaired mentees wanting it
    free_places: int  # free places of active mentors offering it


@dataclass(frozen=True)
class MatchResult:
    proposals: tuple[Proposal, ...] = ()
    unpaired: tuple[Unpaired, ...] = ()
    skill_gaps: tuple[SkillGap, ...] = ()
    # Mentees on the tab left out of this round on purpose, and why (paused, or
    # finished a mentoring without asking again): not "unpaired", nothing to act on.
    held_back: tuple[Unpaired, ...] = ()


@dataclass(frozen=True)
class Returning:
    """A mentor or mentee whose pause ends soon (the digest lists them)."""

    role: str  # "mentor" or "mentee"
    name: str
    email: str
    back_on: date


@dataclass(frozen=True)
class StatusChange:
    """Move a pairing along the lifecycle (e.g. Awaiting contact -> Contact overdue)."""

    pairing: Pairing
    new_status: Status
    reason: str


@dataclass(frozen=True)
class ReminderDue:
    """Reminder number ``number`` (1-based) is due to the pairing's mentor."""

    pairing: Pairing
    number: int
    business_days_waited: int


@dataclass(frozen=True)
class OverdueItem:
    """A pairing still without contact after the due business days."""

    pairing: Pairing
    business_days_waited: int
    reminders_sent: int
    reminders_exhausted: bool  # max_reminders reached: only staff are told now
    mentor_paused_until: date | None = None  # no reminders while the mentor is paused


@dataclass(frozen=True)
class StatusPlan:
    changes: tuple[StatusChange, ...] = ()
    reminders: tuple[ReminderDue, ...] = ()
    overdue: tuple[OverdueItem, ...] = ()

"""How the programme is doing: one pure function, :func:`build_report`, and its numbers.

The Report tab (:func:`report_rows`), ``mentorsheet report``'s HTML file and
the weekly report email all show the :class:`ProgrammeReport` this module
builds, so they can never disagree.

The rules, in one place
    * **Days to first contact** are business days (:class:`BusinessCalendar`)
      from the local date of *Intro sent on* to *Contact made on*, for every
      pairing with both. The median is the usual one (the mean of the two
      middle values of an even count); the 90th percentile is the
      nearest-rank one: the smallest value at least 90 % of the pairings
      reached, always a number that was observed.
    * **Went overdue**, of the pairings with an *Intro sent on*: the lifecycle's
      own rule (:mod:`mentorsheet.core.lifecycle`), a pairing is overdue once
      ``due_after_business_days`` business days have passed since the intro
      without contact. So: contact came that late or later, or no contact is
      recorded and that many business days have passed by today, or the
      Status is *Contact overdue*.
    * **Funnel**: a pairing counts at every stage it reached, and reaching a
      stage means reaching the ones before it. Every row was *Proposed*
      (by mentorsheet or typed by staff). It reached *Approved* unless it is
      still Proposed or was Rejected, or if an intro went out. *Intro sent*:
      an *Intro sent on* is recorded, or its Status says introduced
      (Awaiting contact, Contact overdue, In contact). *In contact*: *Contact
      made on* is filled in, or the Status is In contact. *Ended*: the Status
      is Ended. A Re-pair row stops where its dates stop.
    * **Current mentees** of a mentor: their pairings introduced and not over
      (Awaiting contact, Contact overdue, In contact); *overdue*: those in
      Contact overdue.
    * **Skill supply against demand** uses matching's own pool
      (:mod:`mentorsheet.core.matching.pool`): supply is the free places of
      the mentors who may take a mentee today, per skill they offer; demand
      the mentees waiting to be paired today, per skill they want.
    * **Waiting** mentees are the pool's (unpaired, not paused, not finished);
      they wait business days from *Requested on* to today.
    * **Pairings per month**: by *Proposed on*, else the intro's date.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from mentorsheet.config import Config
from mentorsheet.core.lifecycle import BusinessCalendar
from mentorsheet.core.matching.pool import prepare_pool
from mentorsheet.core.model import Pairing, Programme
from mentorsheet.core.schema import ReportCell, Route, Status
from mentorsheet.core.statuses import under_way

NO_ROUTE: Final = "(no route)"
ROUTES: Final = (Route.ACADEMY.value, Route.COMMUNITY.value, NO_ROUTE)
FUNNEL_STAGES: Final = ("Proposed", "Approved", "Intro sent", "In contact", "Ended")
LONGEST_WAITING: Final = 10  # how many of the mentees waiting longest are listed

_INTRODUCED: Final = frozenset({Status.AWAITING_CONTACT, Status.CONTACT_OVERDUE, Status.IN_CONTACT})
_NOT_APPROVED: Final = frozenset({Status.PROPOSED, Status.REJECTED})


@dataclass(frozen=True)
class StatusCount:
    status: str
    by_route: Mapping[str, int]  # route (or NO_ROUTE) -> pairings

    @property
    def total(self) -> int:
        return sum(self.by_route.values())


@dataclass(frozen=True)
class MentorLoad:
    name: str
    email: str
    capacity: int
    current: int  # pairings introduced and not over
    overdue: int  # of those, in Contact overdue


@dataclass(frozen=True)
class SkillBalance:
    skill: str
    free_places: int  # free places of mentors who may take a mentee today and offer it
    waiting: int  # waiting mentees who want it

    @property
    def short_by(self) -> int:
        return max(0, self.waiting - self.free_places)


@dataclass(frozen=True)
class WaitingMentee:
    name: str
    email: str
    route: str
    requested_on: date | None
    business_days: int | None  # None without a Requested on


@dataclass(frozen=True)
class ProgrammeReport:
    """The programme's numbers on ``day`` (see the module docstring for each rule)."""

    day: date
    due_after_business_days: int
    statuses: tuple[StatusCount, ...]  # every Status, in lifecycle order
    days_to_contact: tuple[int, ...]  # sorted
    introduced: int  # pairings with an Intro sent on
    went_overdue: int  # of those
    mentors: tuple[MentorLoad, ...]  # most current mentees first
    skills: tuple[SkillBalance, ...]  # shortest first, then by name
    longest_waiting: tuple[WaitingMentee, ...]
    waiting_by_route: Mapping[str, tuple[int, ...]]  # business days waited, sorted
    per_month: tuple[tuple[str, int], ...]  # ("2026-11", pairings), in month order
    funnel: tuple[tuple[str, int], ...]  # FUNNEL_STAGES with their counts

    @property
    def pairings(self) -> int:
        return sum(count.total for count in self.statuses)

    @property
    def median_days_to_contact(self) -> float | None:
        return statistics.median(self.days_to_contact) if self.days_to_contact else None

    @property
    def p90_days_to_contact(self) -> int | None:
        values = self.days_to_contact
        if not values:
            return None
        return values[math.ceil(0.9 * len(values)) - 1]

    @property
    def overdue_share(self) -> float | None:
        return self.went_overdue / self.introduced if self.introduced else None

    @property
    def waiting(self) -> int:
        return sum(len(days) for days in self.waiting_by_route.values())


def _route(pairing: Pairing) -> str:
    return pairing.route.value if pairing.route is not None else NO_ROUTE


def funnel_stage(pairing: Pairing) -> int:
    """How far along :data:`FUNNEL_STAGES` a pairing got: 0 (Proposed) to 4 (Ended)."""
    status = pairing.status
    if status is Status.ENDED:
        return 4
    if pairing.contact_made_on is not None or status is Status.IN_CONTACT:
        return 3
    if pairing.intro_sent_on is not None or status in _INTRODUCED:
        return 2
    return 0 if status in _NOT_APPROVED else 1


def _went_overdue(pairing: Pairing, contact_days: int | None, waited: int, *, due: int) -> bool:
    if pairing.status is Status.CONTACT_OVERDUE:
        return True
    if contact_days is not None:
        return contact_days >= due
    return waited >= due


def _month(pairing: Pairing, calendar: BusinessCalendar) -> str | None:
    day = pairing.proposed_on
    if day is None and pairing.intro_sent_on is not None:
        day = calendar.local_date(pairing.intro_sent_on)
    return f"{day:%Y-%m}" if day is not None else None


def _mentor_loads(programme: Programme) -> tuple[MentorLoad, ...]:
    current: Counter[str] = Counter()
    overdue: Counter[str] = Counter()
    names: dict[str, str] = {}
    for pairing in programme.pairings:
        names.setdefault(pairing.mentor_email, pairing.mentor_name)
        if under_way(pairing.status):
            current[pairing.mentor_email] += 1
        if pairing.status is Status.CONTACT_OVERDUE:
            overdue[pairing.mentor_email] += 1
    capacity = {m.email: m.capacity for m in programme.mentors}
    names.update({m.email: m.name for m in programme.mentors})
    loads = [
        MentorLoad(names[email], email, capacity.get(email, 0), current[email], overdue[email])
        for email in names
    ]
    return tuple(sorted(loads, key=lambda m: (-m.current, -m.overdue, m.name.casefold(), m.email)))


def _skills_and_waiting(
    programme: Programme, today: date, calendar: BusinessCalendar
) -> tuple[tuple[SkillBalance, ...], tuple[WaitingMentee, ...], dict[str, tuple[int, ...]]]:
    pool = prepare_pool(programme, today=today)
    supply: Counter[str] = Counter()
    for mentor, free in zip(pool.mentors, pool.free, strict=True):
        for skill in dict.fromkeys(mentor.skills):
            supply[skill] += free
    demand: Counter[str] = Counter(skill for wanted in pool.wanted for skill in wanted)
    skills = sorted(
        (SkillBalance(s, supply[s], demand[s]) for s in set(supply) | set(demand)),
        key=lambda b: (-b.short_by, -b.waiting, b.skill),
    )
    waiting: list[WaitingMentee] = []
    by_route: dict[str, list[int]] = {route: [] for route in ROUTES[:2]}
    for mentee in pool.mentees:  # waiting longest first
        days = (
            calendar.business_days_between(mentee.requested_on, today)
            if mentee.requested_on is not None
            else None
        )
        waiting.append(
            WaitingMentee(mentee.name, mentee.email, mentee.route.value, mentee.requested_on, days)
        )
        if days is not None:
            by_route.setdefault(mentee.route.value, []).append(days)
    return (
        tuple(skills),
        tuple(waiting[:LONGEST_WAITING]),
        {route: tuple(sorted(days)) for route, days in by_route.items()},
    )


def build_report(
    programme: Programme, *, today: date, calendar: BusinessCalendar, due_after_business_days: int
) -> ProgrammeReport:
    """The programme's report on ``today`` (pure: the module docstring has the rules)."""
    counts: dict[Status, Counter[str]] = {status: Counter() for status in Status}
    days: list[int] = []
    introduced = overdue = 0
    months: Counter[str] = Counter()
    stages = [0] * len(FUNNEL_STAGES)
    for pairing in programme.pairings:
        counts[pairing.status][_route(pairing)] += 1
        for stage in range(funnel_stage(pairing) + 1):
            stages[stage] += 1
        if (month := _month(pairing, calendar)) is not None:
            months[month] += 1
        if pairing.intro_sent_on is None:
            continue
        introduced += 1
        intro_day = calendar.local_date(pairing.intro_sent_on)
        contact: int | None = None
        if pairing.contact_made_on is not None:
            contact = calendar.business_days_between(intro_day, pairing.contact_made_on)
            days.append(contact)
        waited = calendar.business_days_between(intro_day, today)
        overdue += _went_overdue(pairing, contact, waited, due=due_after_business_days)
    skills, longest, by_route = _skills_and_waiting(programme, today, calendar)
    return ProgrammeReport(
        day=today,
        due_after_business_days=due_after_business_days,
        statuses=tuple(
            StatusCount(status.value, {route: counts[status][route] for route in ROUTES})
            for status in Status
        ),
        days_to_contact=tuple(sorted(days)),
        introduced=introduced,
        went_overdue=overdue,
        mentors=_mentor_loads(programme),
        skills=skills,
        longest_waiting=longest,
        waiting_by_route=by_route,
        per_month=tuple(sorted(months.items())),
        funnel=tuple(zip(FUNNEL_STAGES, stages, strict=True)),
    )


def programme_report(
    programme: Programme, today: date, config: Config, calendar: BusinessCalendar
) -> ProgrammeReport:
    """:func:`build_report` with the configuration's overdue rule."""
    return build_report(
        programme,
        today=today,
        calendar=calendar,
        due_after_business_days=config.schedule.due_after_business_days,
    )


# --- the Report tab ----------------------------------------------------------------


def share_text(share: float | None) -> str:
    return "–" if share is None else f"{share:.0%}"


def days_text(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:g}"


def headline(report: ProgrammeReport) -> list[tuple[str, str]]:
    """The few numbers every form of the report leads with."""
    return [
        ("Pairings", str(report.pairings)),
        ("Introduced", str(report.introduced)),
        ("Median business days to first contact", days_text(report.median_days_to_contact)),
        ("90th percentile business days to first contact", days_text(report.p90_days_to_contact)),
        (
            f"Went overdue (no contact within {report.due_after_business_days} business days)",
            f"{report.went_overdue} of {report.introduced} ({share_text(report.overdue_share)})",
        ),
        ("Mentees waiting for a mentor", str(report.waiting)),
    ]


def _section(
    title: str, header: Sequence[str], rows: Sequence[Sequence[ReportCell]]
) -> list[list[ReportCell]]:
    body: list[list[ReportCell]] = [list(row) for row in rows] or [["(none)"]]
    return [[], [title], list(header), *body]


def report_rows(report: ProgrammeReport) -> list[list[ReportCell]]:
    """The Report tab, rewritten each run: text and numbers, never a formula."""
    rows: list[list[ReportCell]] = [
        [f"Programme report, {report.day.isoformat()}", "rewritten by mentorsheet on every run"],
        [],
    ]
    # A count is a number cell; "2.5" and "3 of 5 (60%)" stay as written.
    rows += [[label, int(value) if value.isdigit() else value] for label, value in headline(report)]
    rows += _section(
        "Pairings by Status and Route",
        ["Status", *ROUTES, "Total"],
        [
            [count.status, *(count.by_route[r] for r in ROUTES), count.total]
            for count in report.statuses
        ],
    )
    rows += _section(
        "Funnel (a pairing counts at every stage it reached)",
        ["Stage", "Pairings"],
        [list(stage) for stage in report.funnel],
    )
    rows += _section(
        "Mentors",
        ["Mentor", "Email", "Capacity", "Current mentees", "Overdue"],
        [[m.name, m.email, m.capacity, m.current, m.overdue] for m in report.mentors],
    )
    rows += _section(
        "Skills: free places against waiting mentees",
        ["Skill", "Free places", "Waiting mentees", "Short by"],
        [[s.skill, s.free_places, s.waiting, s.short_by] for s in report.skills],
    )
    rows += _section(
        "Mentees waiting longest",
        ["Mentee", "Email", "Route", "Requested on", "Business days waiting"],
        [
            [
                w.name,
                w.email,
                w.route,
                w.requested_on.isoformat() if w.requested_on is not None else "",
                w.business_days if w.business_days is not None else "",
            ]
            for w in report.longest_waiting
        ],
    )
    rows += _section(
        "Pairings per month", ["Month", "Pairings"], [list(m) for m in report.per_month]
    )
    return rows


def report_text(report: ProgrammeReport) -> str:
    """The report as plain text (the weekly email's text part): the Report tab's rows."""
    lines = []
    title, *rows = report_rows(report)
    for row in [title[:1], *rows]:  # the title without the tab's own caption
        cells = [f"{cell:g}" if isinstance(cell, float) else str(cell) for cell in row]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines).strip() + "\n"

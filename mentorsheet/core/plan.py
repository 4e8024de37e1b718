"""The plan of a run: what to change, append, mark and send, decided from the tables alone.

:func:`plan_run` takes the parsed :class:`~mentorsheet.core.model.Programme`,
the configuration, the steps of the command, the business calendar and the
run's moment, and returns a :class:`RunPlan`: the status changes, the new
Pairings rows, the cell updates of the run's first write (status changes and
the delivery *marks*, merged by pairing) and the ordered queue of messages,
each with its delivery step (:data:`~mentorsheet.core.messages.DELIVERY_STEPS`)
and ledger key. :func:`plan_digest` does the same for the staff digest, and
:func:`settle` works out how the pairings stand once the outcomes are known.

Nothing here reads the workbook, sends anything or looks at the clock. The
caller may pass ``refuse``, asked about each message in queue order while
the budget lasts: a message it refuses (one that cannot be written, say) is
reported on Problems and left alone, and takes no place in the budget.

The budget is ``mail.max_per_run``, shared by every message: new
auto-approved pairings first, then Approved rows oldest first, then
reminders, then the notes to re-paired mentors and the closing emails
(:mod:`mentorsheet.core.endings`), then the check-ins (:mod:`mentorsheet.core.forms`).
Every message beyond it counts as left for the next run. A new proposal for
a re-paired mentee records the pairing it replaces (``Replaces``).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from mentorsheet.config import Config
from mentorsheet.core.digest import DigestSummary, build_digest, digest_due
from mentorsheet.core.effects import (
    PAIRING_FIELDS,
    CellLedger,
    CellUpdate,
    Moment,
    Queued,
    effect_cells,
    effect_pairing,
    effect_update,
)
from mentorsheet.core.endings import (
    DUE,
    Closing,
    closing_state,
    closings_due,
    notes_due,
    replacements,
    to_arm,
    untold_problems,
)
from mentorsheet.core.forms import (
    checkins_due,
    confirmation_cells,
    confirmation_change,
    confirmations,
    with_confirmations,
)
from mentorsheet.core.lifecycle import BusinessCalendar, plan_status
from mentorsheet.core.matching import propose_pairings
from mentorsheet.core.messages import (
    DIGEST_MARKER,
    EMAIL,
    SLACK,
    WEEKLY_REPORT_MARKER,
    DeliveryStep,
    Effect,
    Kind,
    OutgoingMessage,
    step_for,
)
from mentorsheet.core.model import (
    FormResponse,
    MatchResult,
    Pairing,
    Problem,
    Programme,
    Proposal,
    ReminderDue,
    Returning,
    StatusChange,
    StatusPlan,
)
from mentorsheet.core.pauses import paused_mentees, paused_mentors
from mentorsheet.core.report import ProgrammeReport
from mentorsheet.core.schema import CHECKIN_COLUMNS, PAIRINGS, PC, Status
from mentorsheet.core.sheet_links import SheetLinks

Refuse = Callable[[OutgoingMessage], str | None]  # why a message cannot go, or None

# --- the plan ---------------------------------------------------------------------


@dataclass(frozen=True)
class RunPlan:
    status: StatusPlan  # the whole lifecycle plan (the digest reports from it)
    changes: tuple[StatusChange, ...]  # the status changes this command makes
    match: MatchResult
    new_rows: tuple[Mapping[str, str], ...]
    marks: tuple[CellUpdate, ...]  # the first write: status changes and marks, by pairing
    queue: tuple[Queued, ...]
    left_for_next_run: int  # beyond the budget
    problems: tuple[Problem, ...]  # messages refused
    as_read: Mapping[str, Pairing]
    pairings: Mapping[str, Pairing]  # after the first write: as read, then the new rows


def pairing_id(mentee_email: str, mentor_email: str, day: date, taken: Iterable[str]) -> str:
    """A stable ID for a new pairing: the same pair on the same day gets the same ID.

    Stable IDs make a retried append detectable (the store skips IDs already
    there); ``taken`` avoids a clash with an older pairing of the same pair.
    """
    used = set(taken)
    digest = hashlib.sha256(f"{mentee_email}|{mentor_email}|{day.isoformat()}".encode()).hexdigest()
    base = f"P-{day:%Y%m%d}-{digest[:6].upper()}"
    candidate, n = base, 1
    while candidate in used:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _proposal_row(proposal: Proposal, pid: str, status: Status, today: date) -> dict[str, str]:
    return {
        PC.PAIRING_ID: pid,
        PC.STATUS: status.value,
        PC.MENTEE: proposal.mentee.name,
        PC.MENTEE_EMAIL: proposal.mentee.email,
        PC.MENTOR: proposal.mentor.name,
        PC.MENTOR_EMAIL: proposal.mentor.email,
        PC.ROUTE: proposal.mentee.route.value,
        PC.SCORE: f"{proposal.score:.2f}",
        PC.WHY: proposal.why,
        PC.PROPOSED_ON: today.isoformat(),
        PC.REMINDERS_SENT: "0",
    }


def _pairing_from_proposal(proposal: Proposal, pid: str, status: Status, today: date) -> Pairing:
    return Pairing(
        row=0,
        pairing_id=pid,
        status=status,
        mentee_name=proposal.mentee.name,
        mentee_email=proposal.mentee.email,
        mentor_name=proposal.mentor.name,
        mentor_email=proposal.mentor.email,
        route=proposal.mentee.route,
        score=proposal.score,
        why=proposal.why,
        proposed_on=today,
    )


def _changes_for(status: StatusPlan, steps: Collection[str]) -> tuple[StatusChange, ...]:
    if "status" in steps:
        return status.changes
    # Only the safety transition belongs to every command that sends intros: a
    # stale "Sending intro" must become "Check intro" before intros are chosen.
    if "intro" in steps:
        return tuple(c for c in status.changes if c.pairing.status is Status.SENDING_INTRO)
    return ()


def _is_empty(value: object) -> bool:
    return value is None or value == ""


class _Planner:
    def __init__(
        self, programme: Programme, config: Config, at: Moment, refuse: Refuse, channel: str
    ) -> None:
        self.config = config
        self.at = at
        self.refuse = refuse
        self.channel = channel
        self.as_read = {p.pairing_id: p for p in programme.pairings}
        self.pairings = dict(self.as_read)
        self.mentors = {m.email: m for m in programme.mentors}
        self.mentees = {m.email: m for m in programme.mentees}
        self.mentees_paused = paused_mentees(programme.mentees, at.today)
        self.columns = programme.pairing_columns
        self.replacements = replacements(programme.pairings)
        self.ledger = CellLedger()
        self.new_rows: list[dict[str, str]] = []
        self.queue: list[Queued] = []
        self.problems: list[Problem] = []
        self.left = 0
        self.also: Collection[str] = ()  # further channels (Slack), beside ``channel``
        self.also_queued = 0  # outside mail.max_per_run

    def change(
        self, changes: Sequence[StatusChange], confirmed: Mapping[str, FormResponse]
    ) -> None:
        """Write each status change; one a form answer made fills Contact made on too."""
        for change in changes:
            pid = change.pairing.pairing_id
            values: dict[str, str] = {PC.STATUS: change.new_status.value}
            if change.new_status is Status.IN_CONTACT and pid in confirmed:
                values.update(confirmation_cells(confirmed[pid]))
            self.ledger.add(CellUpdate(pid, values, change.pairing.status.value))
            self.pairings[pid] = dataclasses.replace(change.pairing, status=change.new_status)

    def checkins(self, calendar: BusinessCalendar, mentors_paused: Mapping[str, date]) -> None:
        """The check-in emails due today (core/forms), after everything else."""
        forms = self.config.forms
        if not (forms.enabled and forms.checkins) or not set(CHECKIN_COLUMNS) <= self.columns:
            return
        step = step_for(Kind.CHECKIN, self.channel)
        rows = [self.pairings[pid] for pid in self.as_read if pid in self.pairings]
        due = checkins_due(
            rows,
            offsets=forms.checkin_business_days,
            today=self.at.today,
            business_days=calendar.business_days_between,
            paused_until={**self.mentees_paused, **mentors_paused},
        )
        for checkin in due:
            message = OutgoingMessage(
                Kind.CHECKIN,
                self.channel,
                self.at.now,
                pairing=checkin.pairing,
                mentor=self.mentors.get(checkin.pairing.mentor_email),
                mentee=self.mentees.get(checkin.pairing.mentee_email),
                number=checkin.number,
                business_days_waited=checkin.business_days,
            )
            queued = Queued(message, step, before=checkin.pairing)
            if self.take(queued):
                self.mark(queued)

    def take(self, queued: Queued) -> bool:
        """Queue ``queued`` if the budget has room and ``refuse`` lets it go."""
        if len(self.queue) - self.also_queued >= self.config.mail.max_per_run:
            self.left += 1
            return False
        if self.refused(queued):
            return False
        self.queue.append(queued)
        return True

    def refused(self, queued: Queued) -> bool:
        """Whether ``refuse`` stops the message; a refused one is put on Problems."""
        reason = self.refuse(queued.message)
        if reason is None:
            return False
        pairing = queued.message.pairing
        self.problems.append(
            Problem(
                tab=self.config.workbook.tab_title(PAIRINGS),
                row=(pairing.row or None) if pairing is not None else None,
                column=PC.PAIRING_ID.value,
                value=queued.pairing_id,
                problem=reason,
            )
        )
        return True

    def mark(self, queued: Queued) -> None:
        """Record ``queued``'s mark in the first write, on an existing row."""
        pid = queued.pairing_id
        expect = self.as_read[pid].status.value
        update = effect_update(queued.step.mark, queued, self.at, expect=expect)
        if update is not None:
            self.ledger.add(update)
        self.pairings[pid] = effect_pairing(queued.step.mark, self.pairings[pid], queued, self.at)

    def intro(self, pairing: Pairing, step: DeliveryStep) -> Queued:
        """The message of ``step`` about ``pairing``: its intro, or a closing message."""
        message = OutgoingMessage(
            step.kind,
            self.channel,
            self.at.now,
            pairing=pairing,
            mentor=self.mentors.get(pairing.mentor_email),
            mentee=self.mentees.get(pairing.mentee_email),
        )
        return Queued(message, step, before=pairing)

    def propose(self, proposals: Sequence[Proposal], *, introduce: bool) -> None:
        step = step_for(Kind.INTRO, self.channel)
        status = Status.APPROVED if self.config.matching.auto_approve else Status.PROPOSED
        taken = set(self.pairings)
        for proposal in proposals:
            pid = pairing_id(proposal.mentee.email, proposal.mentor.email, self.at.today, taken)
            taken.add(pid)
            pairing = _pairing_from_proposal(proposal, pid, status, self.at.today)
            row = _proposal_row(proposal, pid, status, self.at.today)
            replaces = self.replacements.get(proposal.mentee.email, "")
            if replaces:
                row[PC.REPLACES] = replaces
                pairing = dataclasses.replace(pairing, replaces=replaces)
            if introduce and status is step.picks:
                queued = self.intro(pairing, step)
                if self.take(queued):
                    # Written straight with its mark: the mark precedes the send.
                    row.update(effect_cells(step.mark, queued, self.at))
                    pairing = effect_pairing(step.mark, pairing, queued, self.at)
                    if self.arms_with_intro(pairing):
                        row[PC.CLOSING_EMAIL] = DUE
                        pairing = dataclasses.replace(pairing, closing_email=DUE)
                    pairing = self.also_intro(pairing, row)
            self.new_rows.append(row)
            self.pairings[pid] = pairing

    def intros(self) -> None:
        step = step_for(Kind.INTRO, self.channel)
        waiting = sorted(
            (
                p
                for p in self.pairings.values()
                if p.status is step.picks and p.pairing_id in self.as_read
            ),
            key=lambda p: (p.proposed_on or date.min, p.pairing_id),
        )
        for pairing in waiting:
            queued = self.intro(pairing, step)
            if self.take(queued):
                self.mark(queued)
                if self.arms_with_intro(pairing):
                    pid = pairing.pairing_id
                    expect = self.as_read[pid].status.value
                    self.ledger.add(CellUpdate(pid, {PC.CLOSING_EMAIL: DUE}, expect))
                    self.pairings[pid] = dataclasses.replace(self.pairings[pid], closing_email=DUE)
                self.also_intro(pairing)

    def arms_with_intro(self, pairing: Pairing) -> bool:
        """Whether the intro's mark also arms the closing email (core/endings).

        Armed with the intro, not only by a later run's ``status`` step: a
        pairing staff end before that run (the same day) is still thanked.
        """
        return (
            self.config.mail.closing_email
            and PC.CLOSING_EMAIL in self.columns
            and closing_state(pairing.closing_email) is Closing.BLANK
        )

    def reminders(self, due: Sequence[ReminderDue]) -> None:
        step = step_for(Kind.REMINDER, self.channel)
        for reminder in due:
            message = OutgoingMessage(
                Kind.REMINDER,
                self.channel,
                self.at.now,
                pairing=reminder.pairing,
                mentor=self.mentors.get(reminder.pairing.mentor_email),
                number=reminder.number,
                business_days_waited=reminder.business_days_waited,
            )
            queued = Queued(message, step, before=reminder.pairing)
            if self.take(queued):
                self.mark(queued)
                self.also_reminder(message)

    # --- further channels (Slack) ------------------------------------------------
    # A Slack message is ledgered in its own cells (DELIVERY_STEPS), never the
    # Status, and is outside mail.max_per_run: it goes with its email.

    def add(self, queued: Queued) -> bool:
        if self.refused(queued):
            return False
        self.queue.append(queued)
        self.also_queued += 1
        return True

    def also_intro(self, pairing: Pairing, row: dict[str, str] | None = None) -> Pairing:
        """Queue the Slack intro of ``pairing`` unless its cells already ledger one.

        ``row``: a new row, written straight with the mark; else the mark goes
        in the first write. Returns the pairing as the mark leaves it.
        """
        if SLACK not in self.also:
            return pairing
        step = step_for(Kind.INTRO, SLACK)
        current = pairing if row is not None else self.pairings[pairing.pairing_id]
        if not all(_is_empty(getattr(current, PAIRING_FIELDS[c])) for c in step.mark.expect_empty):
            return pairing
        message = dataclasses.replace(self.intro(pairing, step).message, channel=SLACK)
        queued = Queued(message, step, before=current)
        if not self.add(queued):
            return pairing
        if row is None:
            self.mark(queued)
            return self.pairings[pairing.pairing_id]
        row.update(effect_cells(step.mark, queued, self.at))
        return effect_pairing(step.mark, current, queued, self.at)

    def slack_catch_up(self) -> None:
        """Slack intros of pairings introduced by email whose Slack intro is still to post
        (given back after a certain failure, or Slack turned on since)."""
        for pairing in list(self.pairings.values()):
            introduced = pairing.status in (Status.AWAITING_CONTACT, Status.CONTACT_OVERDUE)
            if introduced and pairing.pairing_id in self.as_read:
                self.also_intro(pairing)

    def also_reminder(self, email: OutgoingMessage) -> None:
        pairing = email.pairing
        if SLACK not in self.also or not self.config.slack.reminders or pairing is None:
            return
        if not pairing.slack_intro_link or pairing.slack_reminders_sent >= email.number:
            return  # no group DM to post in, or this one is ledgered already
        step = step_for(Kind.REMINDER, SLACK)
        queued = Queued(dataclasses.replace(email, channel=SLACK), step, before=pairing)
        if self.add(queued):
            self.mark(queued)

    def endings(self) -> None:
        """The re-paired mentors' notes, then the closing emails (core/endings)."""
        rows = list(self.as_read.values())
        tab = self.config.workbook.tab_title(PAIRINGS)
        self.problems.extend(untold_problems(rows, columns=self.columns, tab=tab))
        due = [(Kind.REPAIR_NOTE, notes_due(rows, columns=self.columns))]
        if self.config.mail.closing_email:
            due.append((Kind.CLOSING, closings_due(rows, columns=self.columns)))
        for kind, pairings in due:
            step = step_for(kind, self.channel)
            for pairing in pairings:
                queued = self.intro(pairing, step)
                if self.take(queued):
                    self.mark(queued)

    def arm(self) -> None:
        """Arm the closing email of every pairing under way (core/endings says why)."""
        if not self.config.mail.closing_email:
            return
        for pairing in to_arm(self.pairings.values(), columns=self.columns):
            pid = pairing.pairing_id
            if pid in self.as_read:
                expect = self.as_read[pid].status.value
                self.ledger.add(CellUpdate(pid, {PC.CLOSING_EMAIL: DUE}, expect))
                self.pairings[pid] = dataclasses.replace(pairing, closing_email=DUE)


def plan_run(
    programme: Programme,
    *,
    config: Config,
    steps: Collection[str],
    calendar: BusinessCalendar,
    now: datetime,
    refuse: Refuse | None = None,
    channel: str = EMAIL,
    also: Collection[str] = (),
) -> RunPlan:
    """Plan the steps of one command (see the module docstring).

    Every message goes on ``channel``: email today, the channel of every
    delivery step in :data:`~mentorsheet.core.messages.DELIVERY_STEPS`.
    """
    at = Moment(now, calendar.local_date(now), config.schedule.zone)
    # A contact form's confirmation fills Contact made on, so the usual change to In
    # contact follows and no reminder goes (core/forms).
    confirmed = confirmations(programme.pairings, programme.responses)
    mentors_paused = paused_mentors(programme.mentors, at.today)
    # A paused mentor gets no reminders (core/pauses).
    status = plan_status(
        with_confirmations(programme.pairings, confirmed),
        now=now,
        schedule=config.schedule,
        calendar=calendar,
        paused=mentors_paused,
    )
    status = dataclasses.replace(
        status,
        changes=tuple(
            confirmation_change(c, confirmed[c.pairing.pairing_id])
            if c.new_status is Status.IN_CONTACT and c.pairing.pairing_id in confirmed
            else c
            for c in status.changes
        ),
    )
    planner = _Planner(programme, config, at, refuse or (lambda _message: None), channel)
    planner.also = also
    # Status first: it frees no places (only staff do), but a stale "Sending
    # intro" must become "Check intro" before intros are chosen.
    changes = _changes_for(status, steps)
    planner.change(changes, confirmed)
    # The matcher also explains the unpaired, which the digest needs.
    wants_match = "propose" in steps or "digest" in steps
    match = propose_pairings(programme, today=at.today) if wants_match else MatchResult()
    if "propose" in steps:
        planner.propose(match.proposals, introduce="intro" in steps)
    if "intro" in steps:
        planner.intros()
        planner.slack_catch_up()
    if "status" in steps:
        planner.reminders(status.reminders)
        planner.endings()
        planner.arm()
        planner.checkins(calendar, mentors_paused)
    return RunPlan(
        status=status,
        changes=changes,
        match=match,
        new_rows=tuple(planner.new_rows),
        marks=tuple(planner.ledger.drain()),
        queue=tuple(planner.queue),
        left_for_next_run=planner.left,
        problems=tuple(planner.problems),
        as_read=planner.as_read,
        pairings=planner.pairings,
    )


def settle(
    plan: RunPlan,
    *,
    skipped: Collection[str],
    outcomes: Iterable[tuple[Queued, Effect, str]],
    at: Moment,
) -> tuple[Pairing, ...]:
    """The pairings once the first write and the sends are done.

    ``skipped`` are the rows the first write skipped: what the workbook holds
    there is unknown now, so they are shown as read. ``outcomes`` are the
    queued messages with the effect written after each and its message id.
    """
    pairings = dict(plan.pairings)
    for pid in skipped:
        if pid in plan.as_read:
            pairings[pid] = plan.as_read[pid]
        else:
            pairings.pop(pid, None)
    for queued, effect, message_id in outcomes:
        current = pairings.get(queued.pairing_id)
        if current is not None:
            pairings[queued.pairing_id] = effect_pairing(effect, current, queued, at, message_id)
    return tuple(pairings.values())


@dataclass(frozen=True)
class DigestPlan:
    summary: DigestSummary
    queued: Queued | None  # None: not due
    note: str  # why it is not due


def plan_digest(
    *,
    at: Moment,
    pairings: Sequence[Pairing],
    status: StatusPlan,
    match: MatchResult,
    problems: Sequence[Problem],
    markers: Mapping[str, str],
    channel: str = EMAIL,
    returning: Sequence[Returning] = (),
    responses: Sequence[FormResponse] | None = None,
    erased_pairings: Sequence[str] = (),
    links: SheetLinks | None = None,
) -> DigestPlan:
    """The staff digest of the day, and whether it is due (at most once a day)."""
    last = markers.get(DIGEST_MARKER)
    summary = build_digest(
        day=at.today,
        pairings=pairings,
        plan=status,
        match=match,
        problems=problems,
        returning=returning,
        responses=responses,
        last_digest_day=last,
        erased_pairings=erased_pairings,
        links=links,
    )
    if not digest_due(day=at.today, last_digest_day=last, summary=summary):
        note = "already sent today" if last == at.today.isoformat() else "nothing needs a person"
        return DigestPlan(summary, None, note)
    message = OutgoingMessage(Kind.DIGEST, channel, at.now, day=at.today, summary=summary)
    step = step_for(Kind.DIGEST, channel)
    return DigestPlan(summary, Queued(message, step, marker_before=last or ""), "")


def weekly_report_due(*, today: date, weekday: int | None, last: str | None) -> bool:
    """Whether this week's report email is due: the configured ``weekday`` (Monday 0) has
    come this week, and none went this ISO week (``last``: the marker, the day it went).

    On the first run on or after that day, so a week whose day has no run (a holiday,
    a failed run) still gets its report later in the week, and never two.
    """
    if weekday is None or today.weekday() < weekday:
        return False
    if not last:
        return True
    try:
        sent = date.fromisoformat(last)
    except ValueError:
        return True  # an unreadable marker (edited by hand): this week's report is owed
    return sent.isocalendar()[:2] != today.isocalendar()[:2]


def plan_weekly_report(
    *, at: Moment, report: ProgrammeReport, markers: Mapping[str, str], weekday: int | None
) -> Queued | None:
    """The weekly report email to staff when due (ledgered by its own marker), else None."""
    last = markers.get(WEEKLY_REPORT_MARKER)
    if not weekly_report_due(today=at.today, weekday=weekday, last=last):
        return None
    message = OutgoingMessage(Kind.WEEKLY_REPORT, EMAIL, at.now, day=at.today, report=report)
    return Queued(message, step_for(Kind.WEEKLY_REPORT, EMAIL), marker_before=last or "")

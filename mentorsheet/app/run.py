"""The run: the one place that sequences I/O.

One read of the workbook, then the steps the command asks for (propose,
status, intro, digest), then bounded writes and one Runs row::

    session (lease) ─► read ─► decide (pure core) ─► write #1 ─► send … flush ─► digest ─► finish

Exactly once, for introductions and reminders alike, uses the workbook as the
ledger because Gmail has no idempotency key:

1. *Before* anything is sent, one write marks every intro of the batch
   ``Sending intro`` and pre-records every reminder (``Reminders sent`` and
   ``Last reminder on``). A row staff changed since the read is skipped by
   the store and not sent.
2. Each message is sent once. A failure after which it may have gone out
   (timeout, reset, 5xx, lost response) is never retried: the intro becomes
   ``Check intro`` for staff; a reminder stays recorded as sent.
3. Results are flushed every ``mail.flush_every`` sends. A run that dies
   leaves ``Sending intro`` behind, which the next run turns into
   ``Check intro`` (never a resend); a reminder pre-recorded but not sent is
   simply not sent again (at most once beats twice in someone's inbox).

The digest uses a marker (``digest`` = the day) written before it is sent.
"""

from __future__ import annotations

import hashlib
import os
import socket
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, tzinfo
from email.message import EmailMessage
from typing import Literal, Protocol

from mentorsheet.adapters.channels.email.base import MailSender
from mentorsheet.adapters.channels.email.compose import Composer
from mentorsheet.adapters.workbook.contract import (
    PairingUpdate,
    RequestStats,
    WorkbookSession,
    WorkbookStore,
)
from mentorsheet.config import Config
from mentorsheet.core.digest import (
    DigestSummary,
    build_digest,
    digest_due,
    render_markdown,
    render_text,
)
from mentorsheet.core.lifecycle import BusinessCalendar, plan_status
from mentorsheet.core.matching import propose_pairings
from mentorsheet.core.model import (
    MatchResult,
    Mentee,
    Mentor,
    Pairing,
    Problem,
    Programme,
    Proposal,
    ReminderDue,
    StatusChange,
    StatusPlan,
)
from mentorsheet.core.parsing import parse_workbook
from mentorsheet.core.schema import PAIRINGS, Status
from mentorsheet.errors import InvalidFieldError, MailError, MentorsheetError

Command = Literal["propose", "intro", "status", "digest", "run"]
COMMANDS: tuple[Command, ...] = ("propose", "intro", "status", "digest", "run")

_STEPS: Mapping[Command, frozenset[str]] = {
    "propose": frozenset({"propose"}),
    "intro": frozenset({"intro"}),
    "status": frozenset({"status"}),
    "digest": frozenset({"digest"}),
    "run": frozenset({"propose", "intro", "status", "digest"}),
}

DIGEST_MARKER = "digest"
SEND_WINDOW = 0.75  # of the lease: when sending stops, to finish well inside it


class Progress(Protocol):
    """What the run reports sending progress to (a rich bar on a terminal, or nothing)."""

    def start(self, total: int) -> None: ...

    def advance(self, description: str) -> None: ...

    def stop(self) -> None: ...


class _NoProgress:
    def start(self, total: int) -> None:
        pass

    def advance(self, description: str) -> None:
        pass

    def stop(self) -> None:
        pass


@dataclass(frozen=True)
class Preview:
    """An email that was (or, in a dry run, would be) sent."""

    kind: Literal["intro", "reminder", "digest"]
    pairing_id: str
    to: str
    cc: str
    subject: str
    first_lines: str


@dataclass(frozen=True)
class SendOutcome:
    kind: Literal["intro", "reminder", "digest"]
    pairing_id: str
    result: Literal["sent", "check", "not sent", "skipped"]
    detail: str = ""
    message_id: str = ""


@dataclass
class RunReport:
    """What a run did, for the CLI's summary, the Runs row and the tests."""

    command: Command
    dry_run: bool
    started: datetime
    finished: datetime | None = None
    match: MatchResult = field(default_factory=MatchResult)
    proposals_written: int = 0
    status_changes: list[StatusChange] = field(default_factory=list)
    previews: list[Preview] = field(default_factory=list)
    sends: list[SendOutcome] = field(default_factory=list)
    left_for_next_run: int = 0
    digest: DigestSummary | None = None
    digest_sent: bool = False
    digest_note: str = ""
    problems: list[Problem] = field(default_factory=list)
    skipped_writes: list[str] = field(default_factory=list)
    stats: RequestStats = field(default_factory=RequestStats)
    error: str = ""
    pairings_after: tuple[Pairing, ...] = ()

    @property
    def intros_sent(self) -> int:
        return sum(1 for s in self.sends if s.kind == "intro" and s.result == "sent")

    @property
    def failed_sends(self) -> list[SendOutcome]:
        return [s for s in self.sends if s.result in ("check", "not sent")]

    @property
    def overdue(self) -> int:
        return sum(1 for p in self.pairings_after if p.status == Status.CONTACT_OVERDUE)

    @property
    def ok(self) -> bool:
        return not self.error and not self.failed_sends

    def result_text(self) -> str:
        if self.error:
            return f"failed: {self.error}"
        if self.failed_sends:
            return f"done with {len(self.failed_sends)} email(s) not confirmed sent"
        return "ok"


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


def holder_name(now: datetime) -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{now.isoformat(timespec='seconds')}"


def _fmt_moment(moment: datetime, zone: tzinfo) -> str:
    # In the programme's time zone, with its offset: what staff expect to read,
    # and still exact for the next run.
    return moment.astimezone(zone).isoformat(timespec="seconds")


def _proposal_row(proposal: Proposal, pid: str, status: Status, today: date) -> dict[str, str]:
    return {
        "Pairing ID": pid,
        "Status": status.value,
        "Mentee": proposal.mentee.name,
        "Mentee email": proposal.mentee.email,
        "Mentor": proposal.mentor.name,
        "Mentor email": proposal.mentor.email,
        "Route": proposal.mentee.route.value,
        "Score": f"{proposal.score:.2f}",
        "Why": proposal.why,
        "Proposed on": today.isoformat(),
        "Reminders sent": "0",
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


def _preview(
    kind: Literal["intro", "reminder", "digest"], pid: str, message: EmailMessage
) -> Preview:
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    lines = [line for line in str(text).splitlines() if line.strip()][:3]
    return Preview(
        kind=kind,
        pairing_id=pid,
        to=str(message.get("To", "")),
        cc=str(message.get("Cc", "")),
        subject=str(message.get("Subject", "")),
        first_lines="\n".join(lines),
    )


class _Ledger:
    """Collects cell updates per Pairing ID, merged, each with the status it expects."""

    def __init__(self) -> None:
        self._values: dict[str, dict[str, str]] = defaultdict(dict)
        self._expect: dict[str, str | None] = {}
        self._recheck: set[str] = set()

    def add(
        self, pid: str, values: Mapping[str, str], expect: str | None, *, recheck: bool = False
    ) -> None:
        self._values[pid].update(values)
        self._expect.setdefault(pid, expect)
        if recheck:
            self._recheck.add(pid)

    def drain(self) -> list[PairingUpdate]:
        updates = [
            PairingUpdate(pid, dict(values), self._expect.get(pid), recheck=pid in self._recheck)
            for pid, values in self._values.items()
        ]
        self._values.clear()
        self._expect.clear()
        self._recheck.clear()
        return updates

    def __len__(self) -> int:
        return len(self._values)


@dataclass
class Runner:
    """Runs one command against a store and a sender. Everything it touches is passed in."""

    config: Config
    store: WorkbookStore
    sender: MailSender
    composer: Composer
    clock: Callable[[], datetime]
    progress: Progress = field(default_factory=_NoProgress)

    def run(self, command: Command, *, dry_run: bool = False) -> RunReport:
        started = self.clock()
        report = RunReport(command=command, dry_run=dry_run, started=started)
        steps = _STEPS[command]
        # A template typo must fail before anything is written or sent.
        if steps & {"intro", "status", "digest"}:
            self.composer.check()
        with self.store.session(holder_name(started), dry_run=dry_run) as session:
            raw = session.read()
            calendar = BusinessCalendar.from_config(self.config.schedule)
            today = calendar.local_date(started)
            programme = parse_workbook(raw, self.config, today=today)
            report.problems.extend(programme.problems)
            try:
                self._steps(session, programme, steps, report, calendar, today, dry_run)
            except MentorsheetError as exc:
                report.error = str(exc)
            except Exception as exc:
                # A bug: record the failed run, then let it surface. (A kill or
                # Ctrl-C is not caught: it records nothing, like a real crash.)
                report.error = f"unexpected {type(exc).__name__}: {exc}"
                self._close(session, report, dry_run)
                raise
            self._close(session, report, dry_run)
        return report

    def _close(self, session: WorkbookSession, report: RunReport, dry_run: bool) -> None:
        report.finished = self.clock()
        if not dry_run:
            self._finish(session, report)
        report.stats = session.stats

    # -- the steps --------------------------------------------------------------

    def _steps(
        self,
        session: WorkbookSession,
        programme: Programme,
        steps: frozenset[str],
        report: RunReport,
        calendar: BusinessCalendar,
        today: date,
        dry_run: bool,
    ) -> None:
        now = report.started
        pairings = {p.pairing_id: p for p in programme.pairings}
        mentors = {m.email: m for m in programme.mentors}
        mentees = {m.email: m for m in programme.mentees}
        as_read = {p.pairing_id: p for p in programme.pairings}
        ledger = _Ledger()

        # Status first: it frees no places (only staff do), but a stale
        # "Sending intro" must become "Check intro" before intros are chosen.
        # The digest reports what is overdue even when only `digest` runs.
        full_plan = plan_status(
            programme.pairings, now=now, schedule=self.config.schedule, calendar=calendar
        )
        plan = full_plan
        if "status" not in steps:
            # Only the safety transition belongs to every command that sends intros.
            plan = StatusPlan(
                changes=tuple(
                    c
                    for c in plan.changes
                    if "intro" in steps and c.pairing.status == Status.SENDING_INTRO
                )
            )
        for change in plan.changes:
            ledger.add(
                change.pairing.pairing_id,
                {"Status": change.new_status.value},
                change.pairing.status.value,
            )
            pairings[change.pairing.pairing_id] = replace(change.pairing, status=change.new_status)
            report.status_changes.append(change)

        # Proposals. The matcher also explains the unpaired, which the digest needs.
        new_rows: list[dict[str, str]] = []
        if steps & {"propose", "digest"}:
            report.match = propose_pairings(programme, today=today)
        budget = self.config.mail.max_per_run
        # Every email is composed before anything is written: a row whose
        # email cannot be written is reported and left as it is, alone.
        intro_messages: list[tuple[str, EmailMessage]] = []

        def compose_intro(pairing: Pairing) -> EmailMessage | None:
            found = self._compose_intros([pairing], mentors, mentees, now, report)
            return found[0][1] if found else None

        if "propose" in steps:
            taken = set(pairings)
            for proposal in report.match.proposals:
                pid = pairing_id(proposal.mentee.email, proposal.mentor.email, today, taken)
                taken.add(pid)
                status = Status.APPROVED if self.config.matching.auto_approve else Status.PROPOSED
                pairing = _pairing_from_proposal(proposal, pid, status, today)
                if status == Status.APPROVED and "intro" in steps:
                    if len(intro_messages) >= budget:
                        report.left_for_next_run += 1
                    elif message := compose_intro(replace(pairing, status=Status.SENDING_INTRO)):
                        # Written straight as "Sending intro": the mark precedes the send.
                        pairing = replace(pairing, status=Status.SENDING_INTRO)
                        intro_messages.append((pid, message))
                new_rows.append(_proposal_row(proposal, pid, pairing.status, today))
                pairings[pid] = pairing
            report.proposals_written = len(new_rows)

        # Intros: every Approved pairing, oldest first, up to the per-run cap.
        if "intro" in steps:
            approved = sorted(
                (p for p in pairings.values() if p.status == Status.APPROVED),
                key=lambda p: (p.proposed_on or date.min, p.pairing_id),
            )
            for pairing in approved:
                if pairing.pairing_id not in as_read:
                    continue  # this run's new rows were dealt with above
                if len(intro_messages) >= budget:
                    report.left_for_next_run += 1
                    continue
                message = compose_intro(pairing)
                if message is None:
                    continue
                ledger.add(pairing.pairing_id, {"Status": Status.SENDING_INTRO.value}, "Approved")
                pairings[pairing.pairing_id] = replace(pairing, status=Status.SENDING_INTRO)
                intro_messages.append((pairing.pairing_id, message))

        # Reminders share the cap; pre-recorded in the same write as the intro marks.
        reminder_messages: list[tuple[ReminderDue, EmailMessage]] = []
        if "status" in steps:
            for due in plan.reminders:
                if len(intro_messages) + len(reminder_messages) >= budget:
                    report.left_for_next_run += 1
                    continue
                composed = self._compose_reminders([due], mentors, now, report)
                if not composed:
                    continue
                current = pairings[due.pairing.pairing_id]
                ledger.add(
                    current.pairing_id,
                    {"Reminders sent": str(due.number), "Last reminder on": today.isoformat()},
                    as_read[current.pairing_id].status.value,
                )
                pairings[current.pairing_id] = replace(
                    current, reminders_sent=due.number, last_reminder_on=today
                )
                reminder_messages.extend(composed)

        if dry_run:
            report.previews.extend(_preview("intro", pid, m) for pid, m in intro_messages)
            report.previews.extend(
                _preview("reminder", due.pairing.pairing_id, m) for due, m in reminder_messages
            )
        else:
            # Durable before any send; with nothing to send, the store may keep it
            # for its next save (the digest marker or the finish).
            sending = bool(intro_messages or reminder_messages)
            outcome = (
                session.write(new_rows, ledger.drain(), durable=sending)
                if new_rows or len(ledger)
                else None
            )
            skipped = {s.pairing_id: s.reason for s in outcome.skipped} if outcome else {}
            for pid, reason in skipped.items():
                self._note_skip(report, pid, reason)
                report.status_changes = [
                    c for c in report.status_changes if c.pairing.pairing_id != pid
                ]
                # What the workbook holds is unknown to us now: show it as read.
                if pid in as_read:
                    pairings[pid] = as_read[pid]
                else:
                    pairings.pop(pid, None)
            intro_messages = [(pid, m) for pid, m in intro_messages if pid not in skipped]
            reminder_messages = [
                (due, m) for due, m in reminder_messages if due.pairing.pairing_id not in skipped
            ]
            self._send_all(session, intro_messages, reminder_messages, pairings, report, now)

        report.pairings_after = tuple(pairings.values())
        if "digest" in steps:
            self._digest(session, programme, full_plan, report, today, now, dry_run)

    def _compose_intros(
        self,
        queue: Sequence[Pairing],
        mentors: Mapping[str, Mentor],
        mentees: Mapping[str, Mentee],
        now: datetime,
        report: RunReport,
    ) -> list[tuple[str, EmailMessage]]:
        messages = []
        for pairing in queue:
            try:
                message = self.composer.intro(
                    pairing,
                    mentors.get(pairing.mentor_email),
                    mentees.get(pairing.mentee_email),
                    now=now,
                )
            except InvalidFieldError as exc:
                self._note_unsendable(report, pairing, exc)
                continue
            messages.append((pairing.pairing_id, message))
        return messages

    def _compose_reminders(
        self,
        queue: Sequence[ReminderDue],
        mentors: Mapping[str, Mentor],
        now: datetime,
        report: RunReport,
    ) -> list[tuple[ReminderDue, EmailMessage]]:
        messages = []
        for due in queue:
            try:
                message = self.composer.reminder(
                    due.pairing,
                    mentors.get(due.pairing.mentor_email),
                    number=due.number,
                    business_days_waited=due.business_days_waited,
                    now=now,
                )
            except InvalidFieldError as exc:
                self._note_unsendable(report, due.pairing, exc)
                continue
            messages.append((due, message))
        return messages

    def _note_unsendable(self, report: RunReport, pairing: Pairing, exc: Exception) -> None:
        report.problems.append(
            Problem(
                tab=self.config.workbook.tab_title(PAIRINGS),
                row=pairing.row or None,
                column="Pairing ID",
                value=pairing.pairing_id,
                problem=f"no email could be written for this pairing: {exc}",
            )
        )

    def _note_skip(self, report: RunReport, pid: str, reason: str) -> None:
        report.skipped_writes.append(f"{pid}: {reason}")
        report.problems.append(
            Problem(
                tab=self.config.workbook.tab_title(PAIRINGS),
                row=None,
                column="Pairing ID",
                value=pid,
                problem=f"not updated this run: {reason}",
            )
        )

    def _send_all(
        self,
        session: WorkbookSession,
        intros: Sequence[tuple[str, EmailMessage]],
        reminders: Sequence[tuple[ReminderDue, EmailMessage]],
        pairings: dict[str, Pairing],
        report: RunReport,
        now: datetime,
    ) -> None:
        total = len(intros) + len(reminders)
        if not total:
            return
        ledger = _Ledger()
        sent_since_flush = 0
        self.progress.start(total)
        try:
            for pid, message in intros:
                self.progress.advance(f"intro {pid}")
                pairing = pairings[pid]
                if not self._time_to_send(report):
                    # Certainly not sent: back to Approved for the next run.
                    ledger.add(
                        pid,
                        {"Status": Status.APPROVED.value},
                        Status.SENDING_INTRO.value,
                        recheck=True,
                    )
                    pairings[pid] = replace(pairing, status=Status.APPROVED)
                    report.left_for_next_run += 1
                    continue
                outcome = self._send_one("intro", pid, f"{pid}-intro", message, report)
                if outcome.result == "sent":
                    values = {
                        "Status": Status.AWAITING_CONTACT.value,
                        "Intro sent on": _fmt_moment(now, self.config.schedule.zone),
                        "Intro message ID": outcome.message_id,
                    }
                    pairings[pid] = replace(
                        pairing,
                        status=Status.AWAITING_CONTACT,
                        intro_sent_on=now,
                        intro_message_id=outcome.message_id,
                    )
                elif outcome.result == "check":
                    values = {"Status": Status.CHECK_INTRO.value}
                    pairings[pid] = replace(pairing, status=Status.CHECK_INTRO)
                else:  # certainly not sent: back to Approved, the next run tries again
                    values = {"Status": Status.APPROVED.value}
                    pairings[pid] = replace(pairing, status=Status.APPROVED)
                # Moving back to Approved must not undo a staff Rejected meanwhile.
                ledger.add(
                    pid,
                    values,
                    Status.SENDING_INTRO.value,
                    recheck=outcome.result == "not sent",
                )
                sent_since_flush += 1
                if sent_since_flush >= self.config.mail.flush_every:
                    self._flush(session, ledger, report)
                    sent_since_flush = 0
            for due, message in reminders:
                pid = due.pairing.pairing_id
                self.progress.advance(f"reminder {pid}")
                key = f"{pid}-reminder-{due.number}"
                if self._time_to_send(report):
                    outcome = self._send_one("reminder", pid, key, message, report)
                else:
                    outcome = SendOutcome("reminder", pid, "skipped", "no time left this run")
                    report.left_for_next_run += 1
                if outcome.result in ("not sent", "skipped"):
                    # Certainly not sent: give the step back so a later run sends it.
                    ledger.add(
                        pid,
                        {
                            "Reminders sent": str(due.pairing.reminders_sent),
                            "Last reminder on": (
                                due.pairing.last_reminder_on.isoformat()
                                if due.pairing.last_reminder_on
                                else ""
                            ),
                        },
                        None,
                    )
                    pairings[pid] = replace(
                        pairings[pid],
                        reminders_sent=due.pairing.reminders_sent,
                        last_reminder_on=due.pairing.last_reminder_on,
                    )
            if len(ledger):
                self._flush(session, ledger, report)
        finally:
            self.progress.stop()

    def _time_to_send(self, report: RunReport) -> bool:
        """Whether the run's lease leaves room for another send and the flushes after it.

        Past the lease another run may take over, find "Sending intro" and have
        staff send again, so a run stops sending while a quarter of its lease is
        left (room for a slow send, its rate-limit retries and the last write).
        """
        lease = timedelta(minutes=self.config.workbook.lease_minutes)
        return self.clock() - report.started < lease * SEND_WINDOW

    def _send_one(
        self,
        kind: Literal["intro", "reminder"],
        pid: str,
        key: str,
        message: EmailMessage,
        report: RunReport,
    ) -> SendOutcome:
        report.previews.append(_preview(kind, pid, message))
        try:
            message_id = self.sender.send(message, key=key)
        except MailError as exc:
            outcome = SendOutcome(
                kind, pid, "check" if exc.may_have_sent else "not sent", detail=str(exc)
            )
        else:
            outcome = SendOutcome(kind, pid, "sent", message_id=message_id)
        report.sends.append(outcome)
        return outcome

    def _flush(self, session: WorkbookSession, ledger: _Ledger, report: RunReport) -> None:
        # If this write fails, the rows stay "Sending intro": the next run marks
        # them "Check intro" and nothing is sent twice. So stop here, loudly.
        outcome = session.write([], ledger.drain())
        for skip in outcome.skipped:
            self._note_skip(report, skip.pairing_id, skip.reason)

    def _digest(
        self,
        session: WorkbookSession,
        programme: Programme,
        plan: StatusPlan,
        report: RunReport,
        today: date,
        now: datetime,
        dry_run: bool,
    ) -> None:
        summary = build_digest(
            day=today,
            pairings=report.pairings_after,
            plan=plan,
            match=report.match,
            problems=report.problems,
        )
        report.digest = summary
        last = programme.markers.get(DIGEST_MARKER)
        if not digest_due(day=today, last_digest_day=last, summary=summary):
            report.digest_note = (
                "already sent today" if last == today.isoformat() else "nothing needs a person"
            )
            return
        message = self.composer.digest(
            day=today, text=render_text(summary), markdown=render_markdown(summary), now=now
        )
        if dry_run:
            report.previews.append(_preview("digest", "", message))
            report.digest_note = "would be sent"
            return
        session.set_marker(DIGEST_MARKER, today.isoformat())
        outcome = self._send_one_digest(message, report, today)
        if outcome.result == "not sent":
            # Certainly not sent: free the day so the next run tries again.
            session.set_marker(DIGEST_MARKER, last or "")

    def _send_one_digest(
        self, message: EmailMessage, report: RunReport, today: date
    ) -> SendOutcome:
        report.previews.append(_preview("digest", "", message))
        try:
            message_id = self.sender.send(message, key=f"digest-{today.isoformat()}")
        except MailError as exc:
            outcome = SendOutcome(
                "digest", "", "check" if exc.may_have_sent else "not sent", detail=str(exc)
            )
            report.digest_note = f"not confirmed sent: {exc}"
        else:
            outcome = SendOutcome("digest", "", "sent", message_id=message_id)
            report.digest_sent = True
            report.digest_note = "sent"
        report.sends.append(outcome)
        return outcome

    def _finish(self, session: WorkbookSession, report: RunReport) -> None:
        finished = report.finished or self.clock()
        run_row = {
            "Started": _fmt_moment(report.started, self.config.schedule.zone),
            "Finished": _fmt_moment(finished, self.config.schedule.zone),
            "Command": report.command,
            "Mode": "dry run" if report.dry_run else "live",
            "Proposed": str(report.proposals_written),
            "Intros sent": str(report.intros_sent),
            "Overdue": str(report.overdue),
            "Problems": str(len(report.problems)),
            "Result": report.result_text(),
            "Digest": report.digest_note,
        }
        session.finish(report.problems, run_row)

"""The run: the one place that sequences I/O.

One read of the workbook, a pure plan of the steps the command asks for
(propose, status, intro, digest: :mod:`mentorsheet.core.plan`), the
exactly-once delivery of the planned messages (:mod:`mentorsheet.app.deliver`,
which explains the protocol), then one Runs row::

    session (lease) ─► read ─► plan (pure core) ─► render ─► mark (write #1)
        ─► send … flush ─► digest ─► finish

A template typo fails before the session opens. Every queued message is
rendered by its channel before the first write: one that cannot be written
is reported on Problems and its row left as it is, alone. The digest is
planned once the other messages are delivered, from the pairings as they
then stand, and delivered the same way (its mark is the ``digest`` marker).
"""

from __future__ import annotations

import dataclasses
import os
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from mentorsheet.adapters.channels.base import Channel, Preview, Rendered
from mentorsheet.adapters.channels.email.base import MailSender
from mentorsheet.adapters.channels.email.channel import EmailChannel
from mentorsheet.adapters.channels.email.compose import Composer
from mentorsheet.adapters.workbook.contract import RequestStats, WorkbookSession, WorkbookStore
from mentorsheet.app.commands import COMMANDS, STEPS, Command
from mentorsheet.app.deliver import (
    Batch,
    Delivery,
    DeliveryLog,
    NoProgress,
    Progress,
    SendOutcome,
    send_window,
)
from mentorsheet.config import Config
from mentorsheet.core.digest import DigestSummary
from mentorsheet.core.effects import Moment, Queued, local_stamp
from mentorsheet.core.erasure import Erasure, problems_left
from mentorsheet.core.lifecycle import BusinessCalendar
from mentorsheet.core.messages import EMAIL, SLACK, Kind, LedgerKey, OutgoingMessage
from mentorsheet.core.model import MatchResult, Pairing, Problem, Programme, StatusChange
from mentorsheet.core.parsing import parse_workbook
from mentorsheet.core.pauses import returning_soon
from mentorsheet.core.plan import (
    DigestPlan,
    RunPlan,
    plan_digest,
    plan_run,
    plan_weekly_report,
    settle,
)
from mentorsheet.core.raw import RawWorkbook
from mentorsheet.core.report import ProgrammeReport, programme_report, report_rows
from mentorsheet.core.retention import plan_retention
from mentorsheet.core.schema import PAIRINGS, PC, RunColumn, Status
from mentorsheet.core.sheet_links import SheetLinks
from mentorsheet.core.slack_ledger import missing_slack_columns, plan_slack_digest, slack_problems
from mentorsheet.errors import InvalidFieldError, MentorsheetError, UsageError

__all__ = ["COMMANDS", "Command", "RunReport", "Runner"]


@dataclass(frozen=True)
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
    erased_cells: int = 0  # by retention (workbook.retention_months)

    @property
    def intros_sent(self) -> int:
        return sum(
            1
            for s in self.sends
            if s.kind == "intro" and s.result == "sent" and s.channel in ("", EMAIL)
        )

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
            slack = sum(1 for s in self.failed_sends if s.channel == SLACK)
            emails = len(self.failed_sends) - slack
            counts = [f"{emails} email(s)"] if emails else []
            counts += [f"{slack} Slack message(s)"] if slack else []
            return f"done with {' and '.join(counts)} not confirmed sent"
        return "ok"


def holder_name(now: datetime) -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{now.isoformat(timespec='seconds')}"


class _Renderer:
    """Renders each message on its channel once, before the first write; keeps the result."""

    def __init__(self, channels: Mapping[str, Channel]) -> None:
        self._channels = channels
        self._rendered: dict[LedgerKey, Rendered] = {}

    def refuse(self, message: OutgoingMessage) -> str | None:
        channel = self._channels[message.channel]
        try:
            self._rendered[message.key] = channel.render(message)
        except InvalidFieldError as exc:
            return f"no {channel.noun} could be written for this pairing: {exc}"
        return None

    def rendered(self, queued: Queued) -> Rendered:
        return self._rendered[queued.message.key]


@dataclass
class _Run:
    """What one run has found and done so far; the report is built from it once, at the end."""

    command: Command
    dry_run: bool
    at: Moment
    pairings_tab: str
    programme: Programme = field(default_factory=Programme)
    programme_report: ProgrammeReport | None = None
    parsed_problems: tuple[Problem, ...] = ()
    links: SheetLinks = field(default_factory=SheetLinks)  # where the digest's rows are
    plan: RunPlan | None = None
    dry_previews: list[Preview] = field(default_factory=list)  # the queue's, in a dry run
    dry_digest: Preview | None = None
    log: DeliveryLog = field(default_factory=DeliveryLog)
    pairings_after: tuple[Pairing, ...] = ()
    digest: DigestPlan | None = None
    digest_log: DeliveryLog = field(default_factory=DeliveryLog)
    error: str = ""
    retention: Erasure = field(default_factory=Erasure)  # erased in the finish
    retained_pairings: tuple[str, ...] = ()  # their Pairing IDs

    def skipped(self) -> list[tuple[str, str]]:
        return [*self.log.marks_skipped.items(), *self.log.results_skipped]

    def problems(self) -> list[Problem]:
        skipped = [
            Problem(
                tab=self.pairings_tab,
                row=None,
                column=PC.PAIRING_ID.value,
                value=pid,
                problem=f"not updated this run: {reason}",
            )
            for pid, reason in self.skipped()
        ]
        refused = self.plan.problems if self.plan is not None else ()
        declined = {
            d.queued.pairing_id for d in self.log.delivered if d.outcome.result == "declined"
        }
        slack = slack_problems(self.pairings_after, tab=self.pairings_tab, declined_now=declined)
        return [*self.parsed_problems, *refused, *skipped, *slack]

    def digest_note(self) -> str:
        if self.digest is None:
            return ""
        if self.digest.queued is None:
            return self.digest.note
        if self.dry_run:
            return "would be sent" if self.dry_digest is not None else ""
        for delivered in self.digest_log.delivered:
            if delivered.queued.message.kind is not Kind.DIGEST:
                continue  # the weekly report, delivered beside it
            outcome = delivered.outcome
            return "sent" if outcome.result == "sent" else f"not confirmed sent: {outcome.detail}"
        return ""

    def report(self, finished: datetime) -> RunReport:
        plan = self.plan
        delivered = [*self.log.delivered, *self.digest_log.delivered]
        skipped_marks = self.log.marks_skipped
        return RunReport(
            command=self.command,
            dry_run=self.dry_run,
            started=self.at.now,
            finished=finished,
            match=plan.match if plan is not None else MatchResult(),
            proposals_written=len(plan.new_rows) if plan is not None else 0,
            status_changes=[
                c
                for c in (plan.changes if plan is not None else ())
                if c.pairing.pairing_id not in skipped_marks
            ],
            previews=[
                *self.dry_previews,
                *([self.dry_digest] if self.dry_digest is not None else []),
                *(d.preview for d in delivered if d.preview is not None),
            ],
            sends=[d.outcome for d in delivered if d.listed],
            left_for_next_run=(plan.left_for_next_run if plan is not None else 0)
            + self.log.left_for_next_run,
            digest=self.digest.summary if self.digest is not None else None,
            digest_sent=any(
                d.outcome.result == "sent" and d.queued.message.kind is Kind.DIGEST
                for d in self.digest_log.delivered
            ),
            digest_note=self.digest_note(),
            problems=self.problems(),
            skipped_writes=[f"{pid}: {reason}" for pid, reason in self.skipped()],
            error=self.error,
            pairings_after=self.pairings_after,
            erased_cells=self.retention.count,
        )


@dataclass(kw_only=True)
class Runner:
    """Runs one command against a store and its channels. Everything it touches is passed in.

    ``sender`` and ``composer`` together are shorthand for the email channel.
    """

    config: Config
    store: WorkbookStore
    clock: Callable[[], datetime]
    channels: Sequence[Channel] = ()
    sender: MailSender | None = None
    composer: Composer | None = None
    progress: Progress = field(default_factory=NoProgress)
    _by_name: dict[str, Channel] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        channels = list(self.channels)
        if self.sender is not None or self.composer is not None:
            if self.sender is None or self.composer is None:
                raise ValueError("a sender and a composer go together (the email channel)")
            channels.append(EmailChannel(self.sender, self.composer))
        if not channels:
            raise ValueError("a run needs a channel (or a sender and a composer)")
        self._by_name = {channel.name: channel for channel in channels}

    def run(self, command: Command, *, dry_run: bool = False) -> RunReport:
        started = self.clock()
        steps = STEPS[command]
        # A template typo must fail before anything is written or sent.
        if steps & {"intro", "status", "digest"}:
            for channel in self._by_name.values():
                channel.check()
        with self.store.session(holder_name(started), dry_run=dry_run) as session:
            months = self.config.workbook.retention_months if command == "run" else 0
            raw = session.read(every_tab=months > 0)  # retention may erase on any tab
            calendar = BusinessCalendar.from_config(self.config.schedule)
            today = calendar.local_date(started)
            programme = parse_workbook(raw, self.config, today=today)
            run = _Run(
                command,
                dry_run,
                Moment(started, today, self.config.schedule.zone),
                self.config.workbook.tab_title(PAIRINGS),
                programme=programme,
                parsed_problems=programme.problems,
                links=SheetLinks.of(raw),
            )
            run.retention, run.retained_pairings = plan_retention(
                raw, programme, today=today, months=months, aliases=self.config.workbook.headers
            )
            try:
                self._check_slack_columns(raw)
                self._steps(session, run, programme, steps, calendar)
            except MentorsheetError as exc:
                run.error = str(exc)
            except Exception as exc:
                # A bug: record the failed run, then let it surface. (A kill or
                # Ctrl-C is not caught: it records nothing, like a real crash.)
                run.error = f"unexpected {type(exc).__name__}: {exc}"
                self._close(session, run)
                raise
            return self._close(session, run)

    def _check_slack_columns(self, raw: RawWorkbook) -> None:
        missing = missing_slack_columns(raw, self.config) if SLACK in self._by_name else []
        if missing:
            raise UsageError(
                f"[slack] is enabled but the Pairings tab has no {', '.join(missing)} "
                "column: run `mentorsheet init` to add them (nothing was written or sent)"
            )

    def _close(self, session: WorkbookSession, run: _Run) -> RunReport:
        report = run.report(finished=self.clock())
        if not run.dry_run:
            self._finish(session, run, report)
        return dataclasses.replace(report, stats=session.stats)

    def _delivery(
        self, session: WorkbookSession, run: _Run, log: DeliveryLog, progress: Progress
    ) -> Delivery:
        return Delivery(
            session,
            self._by_name,
            at=run.at,
            flush_every=self.config.mail.flush_every,
            time_left=send_window(self.clock, run.at.now, self.config.workbook.lease_minutes),
            progress=progress,
            log=log,
        )

    def _steps(
        self,
        session: WorkbookSession,
        run: _Run,
        programme: Programme,
        steps: frozenset[str],
        calendar: BusinessCalendar,
    ) -> None:
        renderer = _Renderer(self._by_name)
        plan = plan_run(
            programme,
            config=self.config,
            steps=steps,
            calendar=calendar,
            now=run.at.now,
            refuse=renderer.refuse,
            also=[name for name in self._by_name if name != EMAIL],
        )
        run.plan = plan
        items = [(queued, renderer.rendered(queued)) for queued in plan.queue]
        if run.dry_run:
            run.dry_previews.extend(rendered.preview for _queued, rendered in items)
            run.pairings_after = tuple(plan.pairings.values())
        else:
            delivery = self._delivery(session, run, run.log, self.progress)
            delivery.run(Batch(plan.new_rows, plan.marks, items))
            run.pairings_after = settle(
                plan,
                skipped=run.log.marks_skipped,
                outcomes=[(d.queued, d.effect, d.outcome.message_id) for d in run.log.delivered],
                at=run.at,
            )
        if "digest" in steps:
            self._digest(session, run, programme, plan)

    def _digest(
        self, session: WorkbookSession, run: _Run, programme: Programme, plan: RunPlan
    ) -> None:
        run.digest = plan_digest(
            at=run.at,
            pairings=run.pairings_after,
            status=plan.status,
            match=plan.match,
            problems=run.problems(),
            markers=programme.markers,
            returning=returning_soon(programme.mentors, programme.mentees, run.at.today),
            responses=programme.responses,
            erased_pairings=run.retained_pairings,
            links=run.links,
        )
        items = []
        queued = run.digest.queued
        if queued is not None:
            rendered = self._by_name[queued.message.channel].render(queued.message)
            if run.dry_run:
                run.dry_digest = rendered.preview
            items.append((queued, rendered))
        if SLACK in self._by_name:
            staff = plan_slack_digest(
                run.digest,
                at=run.at,
                markers=programme.markers,
                staff_channel=self.config.slack.staff_channel,
            )
            if staff is not None:
                rendered = self._by_name[SLACK].render(staff.message)
                if run.dry_run:
                    run.dry_previews.append(rendered.preview)
                items.append((staff, rendered))
        weekly = plan_weekly_report(
            at=run.at,
            report=self._report(run),
            markers=programme.markers,
            weekday=self.config.report.weekly_weekday,
        )
        if weekly is not None and EMAIL in self._by_name:
            rendered = self._by_name[EMAIL].render(weekly.message)
            if run.dry_run:
                run.dry_previews.append(rendered.preview)
            items.append((weekly, rendered))
        if items and not run.dry_run:
            delivery = self._delivery(session, run, run.digest_log, NoProgress())
            delivery.run(Batch(items=items))

    def _finish(self, session: WorkbookSession, run: _Run, report: RunReport) -> None:
        retention = run.retention
        finished = report.finished or self.clock()
        zone = self.config.schedule.zone
        run_row: dict[str, str] = {
            RunColumn.STARTED: local_stamp(report.started, zone),
            RunColumn.FINISHED: local_stamp(finished, zone),
            RunColumn.COMMAND: report.command,
            RunColumn.MODE: "dry run" if report.dry_run else "live",
            RunColumn.PROPOSED: str(report.proposals_written),
            RunColumn.INTROS_SENT: str(report.intros_sent),
            RunColumn.OVERDUE: str(report.overdue),
            RunColumn.PROBLEMS: str(len(report.problems)),
            RunColumn.RESULT: report.result_text()
            + (f"; {retention.count} cell(s) erased (retention)" if retention.count else ""),
            RunColumn.DIGEST: report.digest_note,
        }
        session.finish(
            problems_left(report.problems, retention.cells),  # none naming what goes
            run_row,
            erase=run.retention.cells,
            report=report_rows(self._report(run)),
        )

    def _report(self, run: _Run) -> ProgrammeReport:
        """The programme report, from the pairings as this run leaves them (once a run)."""
        if run.programme_report is None:
            programme = run.programme
            if run.pairings_after:
                programme = dataclasses.replace(programme, pairings=run.pairings_after)
            calendar = BusinessCalendar.from_config(self.config.schedule)
            run.programme_report = programme_report(programme, run.at.today, self.config, calendar)
        return run.programme_report

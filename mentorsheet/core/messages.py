"""What mentorsheet sends, whatever the channel, and the one table of delivery steps.

An :class:`OutgoingMessage` says what a message *is* -- an introduction, a
reminder, a closing email, the note to a re-paired mentor or the staff
digest, with the pairing, the people and the numbers
it is about -- and nothing of how it looks: a channel (email today) renders
it. Its :class:`LedgerKey` (pairing + step + channel, e.g.
``P-20261102-1A2B3C/intro/email``) names the one delivery that may happen.

:data:`DELIVERY_STEPS` says, for each kind of message on each channel, what
the exactly-once delivery writes in the workbook, the ledger: the *mark*
written before the send, and then what is written when it was sent, when it
may have been sent (*doubt*: a person checks, it is never sent again) and
when it certainly was not. The plan (:mod:`mentorsheet.core.plan`) writes
the marks; the delivery loop (:mod:`mentorsheet.app.deliver`) writes the
rest, and knows nothing else about a step. Adding a channel is adding its
rows here and its channel module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum, StrEnum
from typing import Final, Literal

from mentorsheet.core import endings
from mentorsheet.core.digest import DigestSummary
from mentorsheet.core.model import Mentee, Mentor, Pairing
from mentorsheet.core.report import ProgrammeReport
from mentorsheet.core.schema import PC, PairingColumn, Status


class Kind(StrEnum):
    INTRO = "intro"
    REMINDER = "reminder"
    CLOSING = "closing"  # thanks mentor and mentee when staff set Ended
    REPAIR_NOTE = "repair-note"  # tells the old mentor of a Re-pair, kindly
    CHECKIN = "checkin"  # asks mentor and mentee how it is going (core/forms)
    DIGEST = "digest"
    WEEKLY_REPORT = "weekly-report"  # the programme report with its charts, to staff


EMAIL: Final = "email"
SLACK: Final = "slack"
DIGEST_MARKER: Final = "digest"  # the marker ledgering the day's digest
WEEKLY_REPORT_MARKER: Final = "weekly_report"  # the day of this week's report email

# What became of one message: sent; "check" (it may have gone: never sent
# again, a person looks); "not sent" (certainly not); "skipped" (not tried:
# no time left in this run); "declined" (the channel will not take it, for
# good: e.g. the mentee is not in the Slack workspace; ledgered, not retried).
Result = Literal["sent", "check", "not sent", "skipped", "declined"]


@dataclass(frozen=True)
class LedgerKey:
    """Names one delivery: the pairing (or ``digest``), the step and the channel."""

    scope: str  # the Pairing ID, or "digest"
    step: str  # "intro", "reminder-2", or the digest's day
    channel: str

    def __str__(self) -> str:
        return f"{self.scope}/{self.step}/{self.channel}"

    @property
    def name(self) -> str:
        """The message's stable name, e.g. ``P-1-intro`` (the outbox's file name)."""
        return f"{self.scope}-{self.step}"


@dataclass(frozen=True)
class OutgoingMessage:
    """One message to send: what it is about, never how it looks."""

    kind: Kind
    channel: str
    at: datetime  # the moment of the run (an email's Date)
    pairing: Pairing | None = None  # every kind but the digest
    mentor: Mentor | None = None  # as on the Mentors tab, when found there
    mentee: Mentee | None = None  # as on the Mentees tab, when found there
    number: int = 0  # reminder, check-in: its number, 1-based
    business_days_waited: int = 0  # reminder: since the intro
    day: date | None = None  # digest
    summary: DigestSummary | None = None  # digest
    report: ProgrammeReport | None = None  # the weekly report

    @property
    def pairing_id(self) -> str:
        return self.pairing.pairing_id if self.pairing is not None else ""

    @property
    def key(self) -> LedgerKey:
        if self.kind is Kind.DIGEST:
            day = self.day.isoformat() if self.day is not None else ""
            return LedgerKey(DIGEST_MARKER, day, self.channel)
        if self.kind is Kind.WEEKLY_REPORT:
            year, week, _ = self.day.isocalendar() if self.day is not None else (0, 0, 0)
            return LedgerKey(str(Kind.WEEKLY_REPORT), f"{year}-W{week:02d}", self.channel)
        numbered = self.kind in (Kind.REMINDER, Kind.CHECKIN)
        step = f"{self.kind}-{self.number}" if numbered else str(self.kind)
        return LedgerKey(self.pairing_id, step, self.channel)


# --- the delivery steps ---------------------------------------------------------

# What the Slack intro's cell says while it is not a time.
SLACK_SENDING: Final = "sending"
SLACK_CHECK: Final = "check: may have posted"
SLACK_SKIPPED: Final = "skipped"  # "skipped: <why>", e.g. not in the workspace
SLACK_DIGEST_MARKER: Final = "slack_digest"  # the marker ledgering the day's Slack digest


class Source(Enum):
    """Where a value a step writes comes from."""

    NOW = "the moment of the run"
    TODAY = "the day of the run"
    MESSAGE_ID = "the id the channel returned"
    NUMBER = "the reminder's (or check-in's) number"
    BEFORE = "the value before the mark (giving the step back)"
    NOTE = "what the channel said when it declined the message"
    SENDING = "the words of a message being sent"
    CHECK = "the words of a message that may have gone: a person checks"


# The fixed text a Source writes (core/endings explains the closing ledger).
LEDGER_TEXT: Final[Mapping[Source, str]] = {
    Source.SENDING: endings.SENDING,
    Source.CHECK: endings.CHECK,
}


@dataclass(frozen=True)
class Effect:
    """What one phase of a step writes: a Status, cells of the row, or the step's marker."""

    status: Status | None = None
    cells: tuple[tuple[PairingColumn, Source], ...] = ()
    marker: Source | None = None
    # Check the expected Status against the sheet as it is now: a write that
    # moves a row back must not undo what staff did in the meantime.
    recheck: bool = False
    texts: tuple[tuple[PairingColumn, str], ...] = ()  # cells set to fixed words
    # A mark that needs these cells empty: a step ledgered in its own cells
    # rather than the Status (the plan queues it only where they are).
    expect_empty: tuple[PairingColumn, ...] = ()


NOTHING: Final = Effect()


@dataclass(frozen=True)
class DeliveryStep:
    """How one kind of message is delivered exactly once on one channel."""

    kind: Kind
    channel: str
    picks: Status | None  # the Status of the rows it is for (None: decided elsewhere)
    mark: Effect  # written before the send, in the run's first write
    sent: Effect
    doubt: Effect  # it may have gone out: never sent again
    not_sent: Effect  # certainly not sent (refused, or no time left)
    marker: str = ""  # the marker key of a step ledgered by a marker, not a row
    within_send_window: bool = True  # stops when the run's lease runs short
    records_result: bool = True  # a send writes its result: counts toward mail.flush_every
    lists_time_skip: bool = False  # one left for lack of time is listed with the sends
    declined: Effect | None = None  # the channel declined it for good (None: as not sent)

    def after(self, result: Result) -> Effect:
        """What is written once the outcome is known."""
        if result == "sent":
            return self.sent
        if result == "check":
            return self.doubt
        if result == "declined" and self.declined is not None:
            return self.declined
        return self.not_sent

    @property
    def marked_status(self) -> Status | None:
        """The Status the mark leaves (what every later write of the step expects)."""
        return self.mark.status


DELIVERY_STEPS: Final[Mapping[tuple[Kind, str], DeliveryStep]] = {
    (step.kind, step.channel): step
    for step in (
        DeliveryStep(
            Kind.INTRO,
            EMAIL,
            picks=Status.APPROVED,
            mark=Effect(status=Status.SENDING_INTRO),
            sent=Effect(
                status=Status.AWAITING_CONTACT,
                cells=((PC.INTRO_SENT_ON, Source.NOW), (PC.INTRO_MESSAGE_ID, Source.MESSAGE_ID)),
            ),
            doubt=Effect(status=Status.CHECK_INTRO),
            not_sent=Effect(status=Status.APPROVED, recheck=True),
        ),
        # A reminder is recorded as sent before it is sent: at most once beats
        # twice in someone's inbox, so a doubtful one stays recorded.
        DeliveryStep(
            Kind.REMINDER,
            EMAIL,
            picks=None,  # the lifecycle says which are due
            mark=Effect(
                cells=((PC.REMINDERS_SENT, Source.NUMBER), (PC.LAST_REMINDER_ON, Source.TODAY))
            ),
            sent=NOTHING,
            doubt=NOTHING,
            not_sent=Effect(
                cells=((PC.REMINDERS_SENT, Source.BEFORE), (PC.LAST_REMINDER_ON, Source.BEFORE))
            ),
            records_result=False,
            lists_time_skip=True,
        ),
        # A check-in, like a reminder: recorded before it is sent, at most once.
        DeliveryStep(
            Kind.CHECKIN,
            EMAIL,
            picks=None,  # core/forms says which are due
            mark=Effect(
                cells=((PC.CHECKINS_SENT, Source.NUMBER), (PC.LAST_CHECKIN_ON, Source.TODAY))
            ),
            sent=NOTHING,
            doubt=NOTHING,
            not_sent=Effect(
                cells=((PC.CHECKINS_SENT, Source.BEFORE), (PC.LAST_CHECKIN_ON, Source.BEFORE))
            ),
            records_result=False,
            lists_time_skip=True,
        ),
        # The closing email and the re-paired mentor's note share one ledger
        # cell (core/endings): marked "sending", then the moment it went; doubt
        # leaves "check the Sent folder" for a person, and is never sent again.
        *(
            DeliveryStep(
                kind,
                EMAIL,
                picks=status,  # as planned by core/endings, never moved by the step
                mark=Effect(cells=((PC.CLOSING_EMAIL, Source.SENDING),)),
                sent=Effect(cells=((PC.CLOSING_EMAIL, Source.NOW),)),
                doubt=Effect(cells=((PC.CLOSING_EMAIL, Source.CHECK),)),
                not_sent=Effect(cells=((PC.CLOSING_EMAIL, Source.BEFORE),)),
            )
            for kind, status in ((Kind.CLOSING, Status.ENDED), (Kind.REPAIR_NOTE, Status.RE_PAIR))
        ),
        DeliveryStep(
            Kind.DIGEST,
            EMAIL,
            picks=None,
            mark=Effect(marker=Source.TODAY),
            sent=NOTHING,
            doubt=NOTHING,
            not_sent=Effect(marker=Source.BEFORE),  # frees the day for the next run
            marker=DIGEST_MARKER,
            within_send_window=False,
            records_result=False,
        ),
        # The weekly report: like the digest, by its own marker (the day it went).
        DeliveryStep(
            Kind.WEEKLY_REPORT,
            EMAIL,
            picks=None,
            mark=Effect(marker=Source.TODAY),
            sent=NOTHING,
            doubt=NOTHING,
            not_sent=Effect(marker=Source.BEFORE),  # frees the week for the next run
            marker=WEEKLY_REPORT_MARKER,
            within_send_window=False,
            records_result=False,
        ),
        # Slack: the pairing's group DM. Ledgered in its own cells, so the
        # Status stays the email's: "Slack intro sent on" is "sending" before
        # the post, then the time (and the link), or a check for a person.
        DeliveryStep(
            Kind.INTRO,
            SLACK,
            picks=None,  # with its email intro, or after it (core/plan)
            mark=Effect(
                texts=((PC.SLACK_INTRO_SENT_ON, SLACK_SENDING),),
                expect_empty=(PC.SLACK_INTRO_SENT_ON,),
            ),
            sent=Effect(
                cells=(
                    (PC.SLACK_INTRO_SENT_ON, Source.NOW),
                    (PC.SLACK_INTRO_LINK, Source.MESSAGE_ID),
                )
            ),
            doubt=Effect(texts=((PC.SLACK_INTRO_SENT_ON, SLACK_CHECK),)),
            not_sent=Effect(texts=((PC.SLACK_INTRO_SENT_ON, ""),)),  # a later run posts it
            declined=Effect(cells=((PC.SLACK_INTRO_SENT_ON, Source.NOTE),)),
        ),
        # Like the email reminder: recorded before it is posted, at most once.
        DeliveryStep(
            Kind.REMINDER,
            SLACK,
            picks=None,
            mark=Effect(cells=((PC.SLACK_REMINDERS_SENT, Source.NUMBER),)),
            sent=NOTHING,
            doubt=NOTHING,
            not_sent=Effect(cells=((PC.SLACK_REMINDERS_SENT, Source.BEFORE),)),
            records_result=False,
            lists_time_skip=True,
        ),
        # The staff digest in the staff channel: like the email's, by its own marker.
        DeliveryStep(
            Kind.DIGEST,
            SLACK,
            picks=None,
            mark=Effect(marker=Source.TODAY),
            sent=NOTHING,
            doubt=NOTHING,
            not_sent=Effect(marker=Source.BEFORE),
            marker=SLACK_DIGEST_MARKER,
            within_send_window=False,
            records_result=False,
        ),
    )
}


def step_for(kind: Kind, channel: str) -> DeliveryStep:
    return DELIVERY_STEPS[(kind, channel)]

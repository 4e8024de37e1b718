"""The contact lifecycle: business days, overdue pairings and mentor reminders.

Pure logic: the clock comes in as ``now`` and nothing here reads the workbook,
sends mail or looks at the system time. The run applies the returned
:class:`~mentorsheet.core.model.StatusPlan` and records each reminder in the
ledger columns (``Reminders sent``, ``Last reminder on``); because the plan
is a function of the rows alone, a second run on the same day finds nothing
left to do.

Counting business days
    ``business_days_between(start, end)`` counts the business days *after*
    ``start`` up to and including ``end``. A pairing is overdue once that
    count, from the local date of the intro to today, reaches
    ``due_after_business_days``. With the default of 2: an intro sent on a
    Monday is overdue from Wednesday, one sent on a Friday from Tuesday, and
    a bank holiday in between pushes it a day later. Dates are taken in the
    programme's time zone; a naive datetime is read as local time there.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

import holidays

from mentorsheet.config import ScheduleConfig
from mentorsheet.core.model import OverdueItem, Pairing, ReminderDue, StatusChange, StatusPlan
from mentorsheet.core.schema import Status
from mentorsheet.core.statuses import may_move, waiting_for_contact

_SATURDAY = 5  # date.weekday(): Monday is 0, Saturday 5, Sunday 6


def _weekdays_through(day: date) -> int:
    """Monday-to-Friday days from 1 January of year 1 (a Monday) up to ``day``."""
    ordinal = day.toordinal()  # day 1 is Monday 0001-01-01
    full_weeks, rest = divmod(ordinal, 7)
    return 5 * full_weeks + min(rest, 5)


class BusinessCalendar:
    """Weekdays that are not public holidays, in the programme's time zone."""

    def __init__(self, zone: ZoneInfo, public_holidays: holidays.HolidayBase) -> None:
        self.zone = zone
        # A HolidayBase with expand=True loads each year the first time a date
        # of that year is looked up, so any range of years works.
        self._holidays = public_holidays

    @classmethod
    def from_config(cls, schedule: ScheduleConfig) -> BusinessCalendar:
        """The calendar of ``schedule``, whose country and region were checked when it
        was built (an unknown one is a ConfigError there, naming the key)."""
        region = schedule.holidays_subdivision
        return cls(
            schedule.zone, holidays.country_holidays(schedule.holidays_country, subdiv=region)
        )

    def is_holiday(self, day: date) -> bool:
        return day in self._holidays

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < _SATURDAY and not self.is_holiday(day)

    def business_days_between(self, start: date, end: date) -> int:
        """Business days after ``start`` up to and including ``end``; 0 if ``end <= start``."""
        if end <= start:
            return 0
        weekdays = _weekdays_through(end) - _weekdays_through(start)
        self._load_years(start.year, end.year)
        weekday_holidays = sum(
            1 for day in self._holidays if start < day <= end and day.weekday() < _SATURDAY
        )
        return weekdays - weekday_holidays

    def _load_years(self, first: int, last: int) -> None:
        # Looking a date up makes the HolidayBase add that whole year, which
        # iterating it (as business_days_between does) would not.
        for year in range(first, last + 1):
            self.is_holiday(date(year, 1, 1))

    def local_date(self, moment: datetime) -> date:
        """The date of ``moment`` in the programme's zone (a naive value is local already)."""
        if moment.tzinfo is None or moment.utcoffset() is None:
            return moment.date()
        return moment.astimezone(self.zone).date()


def _describe(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def plan_status(
    pairings: Sequence[Pairing],
    *,
    now: datetime,
    schedule: ScheduleConfig,
    calendar: BusinessCalendar,
    paused: Mapping[str, date] | None = None,
) -> StatusPlan:
    """Decide status changes, due reminders and the overdue list for this run.

    ``paused`` maps the email of each mentor paused today to the day they
    are back: their overdue pairings still show, but get no reminder.

    Pass the pairings as read at the start of the run: a ``Sending intro``
    row is then one that an earlier run left behind when it died.

    Only ``Sending intro`` rows and those waiting for contact (``Awaiting
    contact``, ``Contact overdue``: see :mod:`mentorsheet.core.statuses`) are
    looked at; statuses staff own are never changed. In the result,
    ``ReminderDue.pairing`` and ``OverdueItem.pairing`` are the pairing as it
    stands after this plan's status change, and ``OverdueItem.reminders_sent``
    counts the reminder this plan schedules (so ``reminders_exhausted`` is
    already true on the run that sends the last one).
    """
    today = calendar.local_date(now)
    changes: list[StatusChange] = []
    reminders: list[ReminderDue] = []
    overdue: list[OverdueItem] = []
    for pairing in pairings:
        if pairing.status is Status.SENDING_INTRO:
            changes.append(
                StatusChange(
                    pairing,
                    Status.CHECK_INTRO,
                    "a run stopped while sending this introduction, so it is not known "
                    "whether it went out: check the Sent folder, then set Status to "
                    "Awaiting contact if it was sent or Approved to send it again",
                )
            )
            continue
        if not waiting_for_contact(pairing.status):
            continue
        if pairing.contact_made_on is not None:
            changes.append(
                StatusChange(
                    pairing,
                    Status.IN_CONTACT,
                    f"Contact made on is filled in ({_describe(pairing.contact_made_on)})",
                )
            )
            continue
        waited = (
            calendar.business_days_between(calendar.local_date(pairing.intro_sent_on), today)
            if pairing.intro_sent_on is not None
            else 0
        )
        current = pairing
        if may_move(pairing.status, Status.CONTACT_OVERDUE):  # not overdue yet
            if pairing.intro_sent_on is None or waited < schedule.due_after_business_days:
                continue
            intro_day = calendar.local_date(pairing.intro_sent_on)
            changes.append(
                StatusChange(
                    pairing,
                    Status.CONTACT_OVERDUE,
                    f"no contact recorded {_plural(waited, 'business day')} after the "
                    f"introduction on {_describe(intro_day)} (due within "
                    f"{_plural(schedule.due_after_business_days, 'business day')})",
                )
            )
            current = dataclasses.replace(pairing, status=Status.CONTACT_OVERDUE)
        sent = current.reminders_sent
        back_on = (paused or {}).get(current.mentor_email)
        if back_on is None and _reminder_due(current, today, schedule, calendar):
            reminders.append(ReminderDue(current, sent + 1, waited))
            sent += 1
        exhausted = sent >= schedule.max_reminders
        overdue.append(OverdueItem(current, waited, sent, exhausted, mentor_paused_until=back_on))
    return StatusPlan(tuple(changes), tuple(reminders), tuple(overdue))


def _reminder_due(
    pairing: Pairing, today: date, schedule: ScheduleConfig, calendar: BusinessCalendar
) -> bool:
    if pairing.reminders_sent >= schedule.max_reminders:
        return False
    if pairing.reminders_sent <= 0:
        return True
    if pairing.last_reminder_on is None:
        # Reminders were sent but the date is gone (cleared by hand): the
        # cadence cannot be checked, so send nothing rather than risk a repeat.
        return False
    since = calendar.business_days_between(pairing.last_reminder_on, today)
    return since >= schedule.reminder_every_business_days

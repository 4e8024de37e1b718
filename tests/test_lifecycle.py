"""Business days, the contact lifecycle and reminder cadence, with the clock injected."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorsheet.config import ScheduleConfig
from mentorsheet.core.lifecycle import BusinessCalendar, plan_status
from mentorsheet.core.model import Pairing, StatusPlan
from mentorsheet.core.schema import Route, Status
from mentorsheet.errors import ConfigError

LONDON = ZoneInfo("Europe/London")
ENGLAND = BusinessCalendar.from_config(ScheduleConfig())
SCOTLAND = BusinessCalendar.from_config(ScheduleConfig(holidays_subdivision="SCT"))


def at(day: date, hour: int = 9, minute: int = 0, zone: ZoneInfo = LONDON) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


def pairing(
    status: Status = Status.AWAITING_CONTACT,
    *,
    intro: datetime | None = None,
    contact: date | None = None,
    reminders_sent: int = 0,
    last_reminder_on: date | None = None,
    pairing_id: str = "P-000001",
) -> Pairing:
    return Pairing(
        row=2,
        pairing_id=pairing_id,
        status=status,
        mentee_name="Ada Mentee",
        mentee_email="ada@example.org",
        mentor_name="Bob Mentor",
        mentor_email="bob@example.org",
        route=Route.COMMUNITY,
        intro_sent_on=intro,
        contact_made_on=contact,
        reminders_sent=reminders_sent,
        last_reminder_on=last_reminder_on,
    )


def plan(
    *pairings: Pairing,
    now: datetime,
    schedule: ScheduleConfig | None = None,
    calendar: BusinessCalendar = ENGLAND,
) -> StatusPlan:
    return plan_status(pairings, now=now, schedule=schedule or ScheduleConfig(), calendar=calendar)


# --- the calendar --------------------------------------------------------------


def test_weekends_are_not_business_days() -> None:
    week = [date(2026, 11, 2) + timedelta(days=n) for n in range(7)]  # Mon 2 .. Sun 8 Nov
    assert [ENGLAND.is_business_day(day) for day in week] == [True] * 5 + [False] * 2


def test_counts_business_days_after_start_up_to_and_including_end() -> None:
    monday = date(2026, 11, 2)
    assert ENGLAND.business_days_between(monday, monday) == 0
    assert ENGLAND.business_days_between(monday, monday + timedelta(days=1)) == 1
    assert ENGLAND.business_days_between(monday, monday + timedelta(days=2)) == 2
    assert ENGLAND.business_days_between(monday, monday + timedelta(days=6)) == 4  # Sunday
    assert ENGLAND.business_days_between(monday, monday + timedelta(days=7)) == 5
    assert ENGLAND.business_days_between(monday, monday - timedelta(days=3)) == 0


def test_friday_to_monday_is_one_business_day() -> None:
    friday = date(2026, 11, 6)
    assert ENGLAND.business_days_between(friday, date(2026, 11, 7)) == 0  # Saturday
    assert ENGLAND.business_days_between(friday, date(2026, 11, 8)) == 0  # Sunday
    assert ENGLAND.business_days_between(friday, date(2026, 11, 9)) == 1  # Monday
    assert ENGLAND.business_days_between(friday, date(2026, 11, 10)) == 2


def test_christmas_2026_with_the_boxing_day_substitute() -> None:
    # Fri 25 Dec is Christmas, Sat 26 Boxing Day, so Mon 28 is the substitute day.
    assert not ENGLAND.is_business_day(date(2026, 12, 25))
    assert not ENGLAND.is_business_day(date(2026, 12, 28))
    assert ENGLAND.is_business_day(date(2026, 12, 29))
    thursday = date(2026, 12, 24)
    assert ENGLAND.business_days_between(thursday, date(2026, 12, 28)) == 0
    assert ENGLAND.business_days_between(thursday, date(2026, 12, 29)) == 1
    assert ENGLAND.business_days_between(thursday, date(2026, 12, 30)) == 2


def test_christmas_2027_has_two_substitute_days() -> None:
    # Sat 25 and Sun 26 Dec 2027: Mon 27 and Tue 28 are bank holidays instead.
    assert not ENGLAND.is_business_day(date(2027, 12, 27))
    assert not ENGLAND.is_business_day(date(2027, 12, 28))
    assert ENGLAND.business_days_between(date(2027, 12, 24), date(2027, 12, 29)) == 1


def test_easter_2026() -> None:
    assert not ENGLAND.is_business_day(date(2026, 4, 3))  # Good Friday
    assert not ENGLAND.is_business_day(date(2026, 4, 6))  # Easter Monday
    # Thursday before Easter to the Wednesday after: only Tuesday 7 and Wednesday 8.
    assert ENGLAND.business_days_between(date(2026, 4, 2), date(2026, 4, 8)) == 2


def test_counting_across_a_new_year_loads_both_years() -> None:
    calendar = BusinessCalendar.from_config(ScheduleConfig())
    # 31 Dec 2026 (Thu) to 5 Jan 2027 (Tue): Fri 1 Jan is New Year's Day.
    assert calendar.business_days_between(date(2026, 12, 31), date(2027, 1, 5)) == 2


def test_scotland_has_its_own_bank_holidays() -> None:
    # 2 January is a bank holiday in Scotland, not in England.
    assert ENGLAND.is_business_day(date(2026, 1, 2))
    assert not SCOTLAND.is_business_day(date(2026, 1, 2))
    assert ENGLAND.business_days_between(date(2026, 1, 1), date(2026, 1, 5)) == 2
    assert SCOTLAND.business_days_between(date(2026, 1, 1), date(2026, 1, 5)) == 1
    # Easter Monday is not one in Scotland; the first Monday in August is.
    assert SCOTLAND.is_business_day(date(2026, 4, 6))
    assert not SCOTLAND.is_business_day(date(2026, 8, 3))
    assert ENGLAND.is_business_day(date(2026, 8, 3))


def test_national_holidays_only_when_no_subdivision() -> None:
    calendar = BusinessCalendar.from_config(ScheduleConfig(holidays_subdivision=""))
    assert not calendar.is_business_day(date(2026, 12, 25))


def test_another_country() -> None:
    germany = BusinessCalendar.from_config(
        ScheduleConfig(timezone="Europe/Berlin", holidays_country="DE", holidays_subdivision=None)
    )
    unity_day = date(2028, 10, 3)  # a Tuesday
    assert not germany.is_business_day(unity_day)
    assert ENGLAND.is_business_day(unity_day)
    assert germany.is_business_day(date(2028, 10, 4))


def test_unknown_country_or_region_names_the_key() -> None:
    with pytest.raises(ConfigError) as country:
        BusinessCalendar.from_config(ScheduleConfig(holidays_country="XX"))
    assert country.value.key == "schedule.holidays_country"
    with pytest.raises(ConfigError) as region:
        BusinessCalendar.from_config(ScheduleConfig(holidays_subdivision="ZZZ"))
    assert region.value.key == "schedule.holidays_subdivision"
    assert "SCT" in str(region.value)


@settings(max_examples=200, deadline=None)
@given(
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    span=st.integers(min_value=-10, max_value=120),
)
def test_business_days_between_agrees_with_counting_day_by_day(start: date, span: int) -> None:
    end = start + timedelta(days=span)
    expected = sum(
        1 for n in range(1, span + 1) if SCOTLAND.is_business_day(start + timedelta(days=n))
    )
    assert SCOTLAND.business_days_between(start, end) == expected


# --- time zones ------------------------------------------------------------------


def test_local_date_in_winter_london_is_utc() -> None:
    late = datetime(2026, 11, 2, 23, 30, tzinfo=UTC)  # Monday 23:30 UTC
    assert ENGLAND.local_date(late) == date(2026, 11, 2)
    berlin = BusinessCalendar.from_config(ScheduleConfig(timezone="Europe/Berlin"))
    assert berlin.local_date(late) == date(2026, 11, 3)  # 00:30 on Tuesday there


def test_local_date_in_summer_london_is_an_hour_ahead() -> None:
    assert ENGLAND.local_date(datetime(2026, 7, 6, 23, 30, tzinfo=UTC)) == date(2026, 7, 7)


def test_naive_datetime_is_local_time() -> None:
    assert ENGLAND.local_date(datetime(2026, 7, 6, 23, 30)) == date(2026, 7, 6)


def test_intro_late_in_the_evening_counts_from_the_local_day() -> None:
    # Monday 23:30 UTC is Tuesday in Berlin: overdue from Thursday there, Wednesday in London.
    intro = pairing(intro=datetime(2026, 11, 2, 23, 30, tzinfo=UTC))
    berlin_schedule = ScheduleConfig(
        timezone="Europe/Berlin", holidays_country="DE", holidays_subdivision="BE"
    )
    berlin = BusinessCalendar.from_config(berlin_schedule)
    wednesday = datetime(2026, 11, 4, 12, 0, tzinfo=UTC)
    thursday = wednesday + timedelta(days=1)
    assert [c.new_status for c in plan(intro, now=wednesday).changes] == [Status.CONTACT_OVERDUE]
    on_wednesday = plan(intro, now=wednesday, schedule=berlin_schedule, calendar=berlin)
    assert on_wednesday.changes == ()
    on_thursday = plan(intro, now=thursday, schedule=berlin_schedule, calendar=berlin)
    assert [c.new_status for c in on_thursday.changes] == [Status.CONTACT_OVERDUE]


def test_clocks_going_forward() -> None:
    # Clocks go forward on Sun 29 Mar 2026. Sunday 23:30 UTC is Monday 00:30 BST,
    # so the intro counts from Monday: overdue on Wednesday 1 April, not Tuesday.
    intro = datetime(2026, 3, 29, 23, 30, tzinfo=UTC)
    assert ENGLAND.local_date(intro) == date(2026, 3, 30)
    tuesday_late = datetime(2026, 3, 31, 22, 59, tzinfo=UTC)  # 23:59 BST Tuesday
    assert plan(pairing(intro=intro), now=tuesday_late).changes == ()
    wednesday_early = datetime(2026, 3, 31, 23, 1, tzinfo=UTC)  # 00:01 BST Wednesday
    assert [c.new_status for c in plan(pairing(intro=intro), now=wednesday_early).changes] == [
        Status.CONTACT_OVERDUE
    ]


def test_clocks_going_back() -> None:
    # Clocks go back on Sun 25 Oct 2026: Saturday 23:30 UTC is Sunday 00:30 BST,
    # but a week later Saturday 23:30 UTC is still Saturday (GMT).
    assert ENGLAND.local_date(datetime(2026, 10, 24, 23, 30, tzinfo=UTC)) == date(2026, 10, 25)
    assert ENGLAND.local_date(datetime(2026, 10, 31, 23, 30, tzinfo=UTC)) == date(2026, 10, 31)
    # An intro on Friday 23 Oct, 23:30 BST (22:30 UTC): overdue from Tuesday 27.
    intro = datetime(2026, 10, 23, 22, 30, tzinfo=UTC)
    monday = datetime(2026, 10, 26, 23, 59, tzinfo=LONDON)
    assert plan(pairing(intro=intro), now=monday).changes == ()
    tuesday = datetime(2026, 10, 27, 0, 1, tzinfo=LONDON)
    assert len(plan(pairing(intro=intro), now=tuesday).changes) == 1


# --- transitions -------------------------------------------------------------------


def test_sending_intro_left_by_a_dead_run_becomes_check_intro() -> None:
    stuck = pairing(Status.SENDING_INTRO, intro=None)
    result = plan(stuck, now=at(date(2026, 11, 2)))
    assert [(c.pairing, c.new_status) for c in result.changes] == [(stuck, Status.CHECK_INTRO)]
    reason = result.changes[0].reason
    assert "Sent folder" in reason
    assert "Awaiting contact" in reason
    assert "Approved" in reason
    assert result.reminders == ()
    assert result.overdue == ()


@pytest.mark.parametrize("status", [Status.AWAITING_CONTACT, Status.CONTACT_OVERDUE])
def test_contact_made_moves_to_in_contact(status: Status) -> None:
    row = pairing(status, intro=at(date(2026, 11, 2)), contact=date(2026, 11, 3), reminders_sent=1)
    result = plan(row, now=at(date(2026, 11, 20)))
    assert [(c.pairing, c.new_status) for c in result.changes] == [(row, Status.IN_CONTACT)]
    assert "Contact made on" in result.changes[0].reason
    assert result.reminders == ()
    assert result.overdue == ()


def test_monday_intro_is_overdue_from_wednesday() -> None:
    row = pairing(intro=at(date(2026, 11, 2), 10))
    assert plan(row, now=at(date(2026, 11, 2), 18)).changes == ()
    assert plan(row, now=at(date(2026, 11, 3), 23, 59)).changes == ()
    result = plan(row, now=at(date(2026, 11, 4), 0, 1))
    assert [(c.pairing, c.new_status) for c in result.changes] == [(row, Status.CONTACT_OVERDUE)]
    assert "2 business days" in result.changes[0].reason
    assert "Mon 2 Nov 2026" in result.changes[0].reason


def test_friday_intro_is_overdue_from_tuesday() -> None:
    row = pairing(intro=at(date(2026, 11, 6), 16))
    for day in (date(2026, 11, 7), date(2026, 11, 8), date(2026, 11, 9)):
        assert plan(row, now=at(day, 12)).changes == ()
    assert len(plan(row, now=at(date(2026, 11, 10), 7)).changes) == 1


def test_bank_holiday_pushes_overdue_a_day_later() -> None:
    # Thursday 24 Dec 2026 intro: Fri 25 and Mon 28 are bank holidays.
    row = pairing(intro=at(date(2026, 12, 24)))
    assert plan(row, now=at(date(2026, 12, 29))).changes == ()
    assert len(plan(row, now=at(date(2026, 12, 30))).changes) == 1


def test_due_after_is_configurable() -> None:
    row = pairing(intro=at(date(2026, 11, 2)))
    five = ScheduleConfig(due_after_business_days=5)
    assert plan(row, now=at(date(2026, 11, 6)), schedule=five).changes == ()
    assert len(plan(row, now=at(date(2026, 11, 9)), schedule=five).changes) == 1
    zero = ScheduleConfig(due_after_business_days=0)
    assert len(plan(row, now=at(date(2026, 11, 2), 17), schedule=zero).changes) == 1


def test_awaiting_contact_without_intro_date_is_left_alone() -> None:
    assert plan(pairing(intro=None), now=at(date(2027, 1, 1))) == StatusPlan()


@pytest.mark.parametrize(
    "status",
    [
        Status.PROPOSED,
        Status.APPROVED,
        Status.REJECTED,
        Status.ENDED,
        Status.CHECK_INTRO,
        Status.IN_CONTACT,
    ],
)
def test_statuses_staff_own_are_never_changed(status: Status) -> None:
    row = pairing(status, intro=at(date(2026, 1, 5)), contact=date(2026, 1, 6))
    old_no_contact = pairing(status, intro=at(date(2026, 1, 5)), pairing_id="P-000002")
    assert plan(row, old_no_contact, now=at(date(2026, 11, 2))) == StatusPlan()


def test_a_plan_keeps_the_order_of_the_rows() -> None:
    rows = [
        pairing(Status.SENDING_INTRO, pairing_id="P-1"),
        pairing(intro=at(date(2026, 11, 2)), pairing_id="P-2"),
        pairing(Status.PROPOSED, pairing_id="P-3"),
        pairing(intro=at(date(2026, 11, 2)), contact=date(2026, 11, 3), pairing_id="P-4"),
    ]
    result = plan(*rows, now=at(date(2026, 11, 9)))
    assert [(c.pairing.pairing_id, c.new_status) for c in result.changes] == [
        ("P-1", Status.CHECK_INTRO),
        ("P-2", Status.CONTACT_OVERDUE),
        ("P-4", Status.IN_CONTACT),
    ]


# --- reminders and the overdue list ------------------------------------------------


def test_first_reminder_goes_with_the_move_to_overdue() -> None:
    row = pairing(intro=at(date(2026, 11, 2)))
    result = plan(row, now=at(date(2026, 11, 4)))
    [reminder] = result.reminders
    assert reminder.number == 1
    assert reminder.business_days_waited == 2
    assert reminder.pairing.status is Status.CONTACT_OVERDUE
    assert reminder.pairing.pairing_id == row.pairing_id
    [item] = result.overdue
    assert item.pairing.status is Status.CONTACT_OVERDUE
    assert (item.business_days_waited, item.reminders_sent, item.reminders_exhausted) == (
        2,
        1,
        False,
    )


def test_next_reminder_waits_for_the_cadence() -> None:
    # Reminder 1 on Wed 4 Nov; every 3 business days -> reminder 2 on Mon 9 Nov.
    row = pairing(
        Status.CONTACT_OVERDUE,
        intro=at(date(2026, 11, 2)),
        reminders_sent=1,
        last_reminder_on=date(2026, 11, 4),
    )
    for day in (date(2026, 11, 5), date(2026, 11, 6), date(2026, 11, 7), date(2026, 11, 8)):
        result = plan(row, now=at(day))
        assert result.reminders == ()
        assert result.changes == ()
        [item] = result.overdue
        assert item.reminders_sent == 1
        assert not item.reminders_exhausted
    result = plan(row, now=at(date(2026, 11, 9)))
    assert [r.number for r in result.reminders] == [2]
    assert result.reminders[0].business_days_waited == 5
    [item] = result.overdue
    assert (item.reminders_sent, item.reminders_exhausted) == (2, True)


def test_exhausted_reminders_leave_only_the_overdue_item() -> None:
    row = pairing(
        Status.CONTACT_OVERDUE,
        intro=at(date(2026, 11, 2)),
        reminders_sent=2,
        last_reminder_on=date(2026, 11, 9),
    )
    result = plan(row, now=at(date(2026, 12, 1)))
    assert result.reminders == ()
    assert result.changes == ()
    [item] = result.overdue
    assert item.pairing == row
    assert (item.business_days_waited, item.reminders_sent, item.reminders_exhausted) == (
        21,
        2,
        True,
    )


def test_no_reminders_when_max_is_zero() -> None:
    row = pairing(intro=at(date(2026, 11, 2)))
    result = plan(row, now=at(date(2026, 11, 4)), schedule=ScheduleConfig(max_reminders=0))
    assert len(result.changes) == 1
    assert result.reminders == ()
    assert result.overdue[0].reminders_exhausted


def test_missing_last_reminder_date_sends_nothing_more() -> None:
    row = pairing(Status.CONTACT_OVERDUE, intro=at(date(2026, 11, 2)), reminders_sent=1)
    result = plan(row, now=at(date(2026, 12, 1)))
    assert result.reminders == ()
    assert [item.reminders_sent for item in result.overdue] == [1]


def test_contact_overdue_without_intro_date_is_still_listed() -> None:
    row = pairing(Status.CONTACT_OVERDUE, intro=None, reminders_sent=2, last_reminder_on=None)
    result = plan(row, now=at(date(2026, 12, 1)))
    assert [(i.pairing, i.business_days_waited) for i in result.overdue] == [(row, 0)]


def apply_run(rows: list[Pairing], result: StatusPlan, today: date) -> list[Pairing]:
    """What the run writes back: status moves and the reminder ledger columns."""
    by_id = {row.pairing_id: row for row in rows}
    for change in result.changes:
        by_id[change.pairing.pairing_id] = dataclasses.replace(
            by_id[change.pairing.pairing_id], status=change.new_status
        )
    for reminder in result.reminders:
        by_id[reminder.pairing.pairing_id] = dataclasses.replace(
            by_id[reminder.pairing.pairing_id],
            reminders_sent=reminder.number,
            last_reminder_on=today,
        )
    return [by_id[row.pairing_id] for row in rows]


def test_simulated_fortnight_day_by_day() -> None:
    # Intros on Thu 17 Dec 2026, across Christmas; contact for P-2 on Tue 29 Dec.
    intro = at(date(2026, 12, 17), 10)
    rows = [
        pairing(intro=intro, pairing_id="P-1"),
        pairing(intro=intro, pairing_id="P-2"),
        pairing(Status.SENDING_INTRO, pairing_id="P-3"),
    ]
    log: list[tuple[date, str, str]] = []
    for offset in range(15):
        today = date(2026, 12, 18) + timedelta(days=offset)
        if today == date(2026, 12, 29):
            rows[1] = dataclasses.replace(rows[1], contact_made_on=today)
        for _run in range(2):  # the second run the same day must plan nothing
            result = plan(*rows, now=at(today, 7, 17))
            log += [(today, c.pairing.pairing_id, str(c.new_status)) for c in result.changes]
            log += [(today, r.pairing.pairing_id, f"reminder {r.number}") for r in result.reminders]
            rows = apply_run(rows, result, today)
    assert log == [
        (date(2026, 12, 18), "P-3", "Check intro"),
        # Fri 18 = 1, Mon 21 = 2 business days: overdue and reminded on Monday.
        (date(2026, 12, 21), "P-1", "Contact overdue"),
        (date(2026, 12, 21), "P-2", "Contact overdue"),
        (date(2026, 12, 21), "P-1", "reminder 1"),
        (date(2026, 12, 21), "P-2", "reminder 1"),
        # Tue 22, Wed 23, Thu 24 (Fri 25, Mon 28 bank holidays) -> reminder 2 on Thu 24.
        (date(2026, 12, 24), "P-1", "reminder 2"),
        (date(2026, 12, 24), "P-2", "reminder 2"),
        (date(2026, 12, 29), "P-2", "In contact"),
    ]
    assert [row.status for row in rows] == [
        Status.CONTACT_OVERDUE,
        Status.IN_CONTACT,
        Status.CHECK_INTRO,
    ]
    final = plan(*rows, now=at(date(2027, 1, 1)))
    assert [(i.pairing.pairing_id, i.reminders_exhausted) for i in final.overdue] == [("P-1", True)]


@settings(max_examples=150, deadline=None)
@given(
    intro_offset=st.integers(min_value=0, max_value=400),
    run_days=st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=30),
    due=st.integers(min_value=0, max_value=5),
    every=st.integers(min_value=1, max_value=5),
    max_reminders=st.integers(min_value=0, max_value=4),
    contact_after=st.one_of(st.none(), st.integers(min_value=0, max_value=40)),
)
def test_reminder_cadence_property(
    *,
    intro_offset: int,
    run_days: list[int],
    due: int,
    every: int,
    max_reminders: int,
    contact_after: int | None,
) -> None:
    """For any days the run happens (in order, repeats allowed), reminders never exceed
    the maximum, are at least ``every`` business days apart, never come before the
    pairing is due, and stop once contact is made."""
    schedule = ScheduleConfig(
        due_after_business_days=due, reminder_every_business_days=every, max_reminders=max_reminders
    )
    intro_day = date(2026, 1, 1) + timedelta(days=intro_offset)
    contact_day = None if contact_after is None else intro_day + timedelta(days=contact_after)
    rows = [pairing(intro=at(intro_day, 11))]
    sent_on: list[date] = []
    for offset in sorted(run_days):
        today = intro_day + timedelta(days=offset)
        if contact_day is not None and today >= contact_day:
            rows = [dataclasses.replace(rows[0], contact_made_on=contact_day)]
        result = plan(*rows, now=at(today, 7, 17), schedule=schedule, calendar=SCOTLAND)
        for reminder in result.reminders:
            assert reminder.number == len(sent_on) + 1
            sent_on.append(today)
        rows = apply_run(rows, result, today)
        again = plan(*rows, now=at(today, 7, 18), schedule=schedule, calendar=SCOTLAND)
        assert again.reminders == ()
        assert again.changes == ()
    assert len(sent_on) <= max_reminders
    for earlier, later in itertools.pairwise(sent_on):
        assert SCOTLAND.business_days_between(earlier, later) >= every
    for day in sent_on:
        assert SCOTLAND.business_days_between(intro_day, day) >= due
        assert contact_day is None or day < contact_day

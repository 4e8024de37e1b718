"""Reading the workbook: raw text in, a validated :class:`Programme` out.

Pure: no files, no network, no clock (``today`` is an argument).

What is checked before anything else: all five tabs exist
(:class:`MissingTabError`) and every tab has its required headers
(:class:`MissingHeaderError`). After that nothing stops the read: every cell
that cannot be used becomes a :class:`Problem` naming the tab (its title in
the workbook), the spreadsheet row (the header is row 1), the canonical
column, the raw value and a plain-English reason, and the rest of the data is
still used.

Decisions worth knowing (the user docs repeat them):

* **Blank rows** — a row whose mentorsheet columns are all empty or
  whitespace is skipped silently, even if a staff-added extra column has
  something in it (extra columns are ignored throughout).
* **Emails** are validated and normalised by ``email-validator`` without
  DNS lookups: trimmed, then lower-cased whole (an ``xn--`` domain shown in
  Unicode), so one person has one key in every tab whatever the case staff
  typed. Unicode before the @ (SMTPUTF8) is refused when read: the emails
  could not promise to deliver it. Two rows of one tab with the same email
  are both reported and neither is used.
* **Names** keep formula-like text (``=IMPORTXML(...)``, ``+1``, ``@x``) as
  plain text — stores write it RAW — but a line break or other control
  character is rejected: it could forge email headers.
* **Active**: yes/no, true/false (Sheets checkboxes), y/n, 1/0, ✓ ✔ ☑ / ✗ ✘,
  any case. Blank means not active, without a problem. A bare ``x`` is
  reported (it can mean ticked or crossed out) and the mentor is treated as
  not active, as is any other value.
* **Route**: Academy or Community, any case or spacing; "Academy applicant",
  "Community member" and "Direct contact" (a Community mentee) are accepted.
* **Dates**: ISO (``2026-11-03``, ``2026-11-03T09:30:00+00:00``),
  ``3 Nov 2026`` / ``3 November 2026``, ``03/11/2026`` (day first, as in the
  UK), ``2026/11/03``, an optional ``HH:MM[:SS]`` after any of these, and
  Sheets/Excel serial numbers (``46329`` is 3 Nov 2026, ``46329.5`` noon that
  day) from 18264 (1 Jan 1950) up — a smaller number such as a bare year is
  not taken as a date. A Requested on or Contact made on date after
  ``today`` is reported (check the year) and still used as written.
* **Pairings** rows mentorsheet cannot act on safely are held out of
  ``Programme.pairings`` but still take their place: a blank or repeated
  Pairing ID, an unknown Status, an unreadable email, a name with a line
  break, or an unreadable Intro sent on, Contact made on, Reminders sent or
  Last reminder on. They are listed in :attr:`Programme.held_places`
  so a mentor is never double-booked and a mentee never paired twice; an
  unknown Status counts as holding the place. An unreadable Score, Route or
  Proposed on is reported, read as blank, and the row is still used.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email

from mentorsheet.config import Config
from mentorsheet.core.model import HeldPlace, Mentee, Mentor, Pairing, Problem, Programme, RunRecord
from mentorsheet.core.raw import RawTab, RawWorkbook
from mentorsheet.core.schema import (
    COLUMNS,
    MENTEES,
    MENTORS,
    PAIRINGS,
    PC,
    RUNS,
    TABS,
    MenteeColumn,
    MentorColumn,
    PairingColumn,
    Route,
    RunColumn,
    Status,
    header_key,
    resolve_columns,
)
from mentorsheet.core.skills import SkillNormaliser
from mentorsheet.errors import InvalidFieldError, MissingTabError

_T = TypeVar("_T")


# --- single values ---------------------------------------------------------------

_DATE_HINT = "date not understood; write it like 2026-11-03"


def parse_email(value: str) -> str:
    """The normalised email, or :class:`InvalidFieldError` with a plain reason."""
    text = value.strip()
    if not text:
        raise InvalidFieldError("not a valid email address: it is blank")
    try:
        # Non-ASCII before the @ needs SMTPUTF8 end to end, which mail headers
        # built here cannot promise: refuse it on reading, not at sending.
        checked = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise InvalidFieldError(f"not a valid email address: {_plain(str(exc))}") from None
    # One person, one key, in every tab: mail systems ignore case, and staff
    # type "Ada@" in one tab and "ada@" in another.
    return checked.normalized.lower()


def _plain(message: str) -> str:
    """email-validator's sentence, fitted after a colon."""
    message = message.replace("@-sign", "@").rstrip(".")
    return message[:1].lower() + message[1:]


_LINE_BREAKS = frozenset("\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029")


def check_name(value: str) -> str:
    """The trimmed name; a line break or control character raises :class:`InvalidFieldError`.

    Names go into email headers (To, the greeting); a line break there could
    add headers of its own. Formula-like text is left alone: it is just text.
    """
    text = value.strip()
    for char in text:
        if char in _LINE_BREAKS:
            raise InvalidFieldError(
                "contains a line break, which could be used to forge email headers"
            )
        if char < " " or "\x7f" <= char <= "\x9f":
            raise InvalidFieldError(
                f"contains a control character (U+{ord(char):04X}), "
                "which could be used to forge email headers"
            )
    return text


# Sheets and Excel count days from 30 Dec 1899. Below 1 Jan 1950 a bare number
# is more likely a typo or a year than a date.
_SERIAL_EPOCH = datetime(1899, 12, 30)
_SERIAL_MIN = 18264  # 1950-01-01
_SERIAL_MAX = 2958465  # 9999-12-31
_SERIAL = re.compile(r"\d{1,7}(?:\.\d+)?")
_TIME_SUFFIX = re.compile(r"(?P<day>.+?)[ T]+(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?")
_DAY_MONTH_YEAR = re.compile(r"(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})")
_YEAR_MONTH_DAY = re.compile(r"(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})")
_DAY_MONTH_NAME_YEAR = re.compile(r"(?P<d>\d{1,2})\s+(?P<m>[^\W\d_]+)\.?,?\s+(?P<y>\d{4})")
_MONTHS: Mapping[str, int] = {
    name: number
    for number, full in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
    for name in (full, full[:3], *(("sept",) if number == 9 else ()))
}


def _from_serial(text: str) -> date | datetime:
    serial = Decimal(text)
    if not _SERIAL_MIN <= serial < _SERIAL_MAX + 1:
        raise InvalidFieldError(_DATE_HINT)
    days = int(serial)
    seconds = round((serial - days) * 86400)
    moment = _SERIAL_EPOCH + timedelta(days=days, seconds=seconds)
    return moment if seconds else moment.date()


def _calendar_date(text: str) -> date | None:
    """A date in one of the written (non-ISO) forms, or None."""
    for pattern in (_DAY_MONTH_YEAR, _YEAR_MONTH_DAY, _DAY_MONTH_NAME_YEAR):
        match = pattern.fullmatch(text)
        if match is None:
            continue
        month_text = match["m"]
        month = int(month_text) if month_text.isdigit() else _MONTHS.get(month_text.casefold())
        if month is None:
            return None
        try:
            return date(int(match["y"]), month, int(match["d"]))
        except ValueError:
            return None
    return None


def _parse_moment(value: str) -> date | datetime | None:
    """A date (date only) or a datetime (naive or aware); None for blank."""
    text = value.strip()
    if not text:
        return None
    if _SERIAL.fullmatch(text):
        return _from_serial(text)
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    day = _calendar_date(text)
    if day is not None:
        return day
    match = _TIME_SUFFIX.fullmatch(text)
    if match is not None and (day := _calendar_date(match["day"].strip())) is not None:
        try:
            clock = time(int(match["h"]), int(match["m"]), int(match["s"] or 0))
        except ValueError:
            raise InvalidFieldError(_DATE_HINT) from None
        return datetime.combine(day, clock)
    raise InvalidFieldError(_DATE_HINT)


def parse_date(value: str) -> date | None:
    """The date written in ``value`` (None when blank); see the module doc for the forms.

    ``03/11/2026`` is read day first (3 November), as written in the UK. A
    time after the date is allowed and ignored.
    """
    moment = _parse_moment(value)
    if isinstance(moment, datetime):
        return moment.date()
    return moment


def parse_datetime(value: str, zone: ZoneInfo) -> datetime | None:
    """An aware datetime in ``zone`` (None when blank).

    A date alone means the start of that day in ``zone``; a time without an
    offset is taken as ``zone``'s local time; one with an offset is
    converted to ``zone``.
    """
    moment = _parse_moment(value)
    if moment is None:
        return None
    if not isinstance(moment, datetime):
        return datetime.combine(moment, time(), tzinfo=zone)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=zone)
    return moment.astimezone(zone)


_WHOLE_NUMBER = re.compile(r"\+?\d+(?:\.0*)?")
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def _whole_number(value: str, reason: str) -> int:
    text = value.strip()
    if not _WHOLE_NUMBER.fullmatch(text):
        raise InvalidFieldError(reason)
    return int(Decimal(text))


def parse_capacity(value: str) -> int:
    """Capacity: ``"3"``, ``" 3 "`` or ``"3.0"`` is 3; blank, negative or fractional is refused."""
    if not value.strip():
        raise InvalidFieldError(
            "capacity is blank; write how many mentees this mentor can take (0 for none)"
        )
    return _whole_number(value, "capacity must be a whole number of mentees, 0 or more")


def parse_reminders_sent(value: str) -> int:
    """Reminders sent: a whole number, 0 or more; blank is 0."""
    if not value.strip():
        return 0
    return _whole_number(value, "Reminders sent must be a whole number, 0 or more")


def parse_score(value: str) -> float | None:
    text = value.strip()
    if not text:
        return None
    if not _DECIMAL.fullmatch(text) or not math.isfinite(score := float(text)):
        raise InvalidFieldError("Score must be a number such as 0.75, or blank")
    return score


_YES = frozenset({"yes", "y", "true", "1", "✓", "✔", "☑"})
_NO = frozenset({"no", "n", "false", "0", "✗", "✘"})


def parse_active(value: str) -> bool:
    """Active from yes/no-like text; blank is not active. See the module doc."""
    text = value.strip().casefold()
    if not text:
        return False
    if text in _YES:
        return True
    if text in _NO:
        return False
    if text == "x":
        raise InvalidFieldError("Active must be yes or no (an x can mean ticked or crossed out)")
    raise InvalidFieldError("Active must be yes or no")


_ROUTES: Mapping[str, Route] = {
    header_key(text): route
    for text, route in (
        ("Academy", Route.ACADEMY),
        ("Academy applicant", Route.ACADEMY),
        ("Community", Route.COMMUNITY),
        ("Community member", Route.COMMUNITY),
        ("Direct contact", Route.COMMUNITY),
    )
}


def parse_route(value: str) -> Route:
    route = _ROUTES.get(header_key(value))
    if route is None:
        raise InvalidFieldError("Route must be Academy or Community")
    return route


_STATUSES: Mapping[str, Status] = {header_key(status.value): status for status in Status}


def parse_status(value: str) -> Status:
    status = _STATUSES.get(header_key(value))
    if status is None:
        known = ", ".join(status.value for status in Status)
        blank = "Status is blank" if not value.strip() else "Status not recognised"
        raise InvalidFieldError(
            f"{blank}; use one of: {known}. mentorsheet leaves this row alone "
            "and counts it as taking the mentor's place"
        )
    return status


def parse_link(value: str) -> str:
    """An http(s) web address, trimmed; blank stays blank."""
    text = value.strip()
    if not text:
        return ""
    parts = urlsplit(text)
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc or re.search(r"\s", text):
        raise InvalidFieldError("Calendly link must be a web address starting with https://")
    return text


# --- the programme ---------------------------------------------------------------

# A column a row is read by: a typo in its name is a type error.
_Column = MentorColumn | MenteeColumn | PairingColumn | RunColumn


class _Row:
    """One data row of a tab: its cells by canonical column, and its problems."""

    def __init__(
        self,
        title: str,
        columns: Mapping[str, int],
        cells: tuple[str, ...],
        number: int,
        problems: list[Problem],
    ) -> None:
        self.title = title
        self.columns = columns
        self.cells = cells
        self.number = number
        self.problems = problems
        self.unreadable: set[_Column] = set()

    def text(self, column: _Column) -> str:
        index = self.columns.get(column)
        if index is None or index >= len(self.cells):
            return ""
        return self.cells[index]

    def value(self, column: _Column) -> str:
        return self.text(column).strip()

    def is_blank(self) -> bool:
        return not any(
            index < len(self.cells) and self.cells[index].strip() for index in self.columns.values()
        )

    def report(self, column: _Column, reason: str, *, unreadable: bool = True) -> None:
        self.problems.append(
            Problem(self.title, self.number, str(column), self.text(column), reason)
        )
        if unreadable:
            self.unreadable.add(column)

    def read(self, column: _Column, parse: Callable[[str], _T]) -> _T | None:
        """``parse`` of the cell, or None with a problem recorded."""
        try:
            return parse(self.text(column))
        except InvalidFieldError as exc:
            self.report(column, str(exc))
            return None

    def any_unreadable(self, columns: Iterable[_Column]) -> bool:
        return not self.unreadable.isdisjoint(columns)


def _rows(tab: RawTab, columns: Mapping[str, int], problems: list[Problem]) -> Iterator[_Row]:
    for offset, cells in enumerate(tab.rows):
        row = _Row(tab.title, columns, tuple(str(cell) for cell in cells), offset + 2, problems)
        if not row.is_blank():
            yield row


def _required_name(value: str) -> str:
    name = check_name(value)
    if not name:
        raise InvalidFieldError("Name is blank; every row needs a Name and an Email")
    return name


def _required_email(value: str) -> str:
    if not value.strip():
        raise InvalidFieldError("email is blank; every row needs one")
    return parse_email(value)


def _rows_listed(rows: list[int]) -> str:
    shown = [str(row) for row in rows]
    return f"{', '.join(shown[:-1])} and {shown[-1]}"


def _without_repeats(
    entries: list[tuple[_Row, str, _T | None]],
    column: _Column,
    key: Callable[[str], str],
    message: Callable[[list[int]], str],
) -> list[_T]:
    """Records whose ``key`` is unique; every row sharing one is reported instead.

    ``entries`` are (row, the readable value, the record or None when the row
    is unusable for other reasons — it still counts as a repeat).
    """
    rows_by_key: dict[str, list[int]] = {}
    for row, value, _record in entries:
        rows_by_key.setdefault(key(value), []).append(row.number)
    kept: list[_T] = []
    for row, value, record in entries:
        rows = rows_by_key[key(value)]
        if len(rows) > 1:
            row.report(column, message(rows))
        elif record is not None:
            kept.append(record)
    return kept


def _email_key(email: str) -> str:
    # Letter case before the @ rarely tells two people apart; treating it as
    # the same person is the safe reading for "neither row is used".
    return email.casefold()


def _repeated_email(rows: list[int]) -> str:
    return f"the same email appears on rows {_rows_listed(rows)}; fix one of them"


def _mentors(
    tab: RawTab, columns: Mapping[str, int], skills: SkillNormaliser, problems: list[Problem]
) -> tuple[Mentor, ...]:
    entries: list[tuple[_Row, str, Mentor | None]] = []
    for row in _rows(tab, columns, problems):
        name = row.read(MentorColumn.NAME, _required_name)
        email = row.read(MentorColumn.EMAIL, _required_email)
        capacity = row.read(MentorColumn.CAPACITY, parse_capacity)
        active = row.read(MentorColumn.ACTIVE, parse_active)
        calendly = row.read(MentorColumn.CALENDLY, parse_link)
        mentor = None
        if name is not None and email is not None and capacity is not None:
            mentor = Mentor(
                row=row.number,
                name=name,
                email=email,
                skills=skills.split(row.text(MentorColumn.SKILLS)),
                capacity=capacity,
                active=bool(active),
                calendly=calendly or "",
                slack=row.value(MentorColumn.SLACK),
            )
        if email is not None:
            entries.append((row, email, mentor))
    return tuple(_without_repeats(entries, MentorColumn.EMAIL, _email_key, _repeated_email))


def _future(row: _Row, column: _Column, day: date | None, today: date) -> None:
    if day is not None and day > today:
        row.report(column, "this date is after today; check the year", unreadable=False)


def _mentees(
    tab: RawTab,
    columns: Mapping[str, int],
    skills: SkillNormaliser,
    today: date,
    problems: list[Problem],
) -> tuple[Mentee, ...]:
    entries: list[tuple[_Row, str, Mentee | None]] = []
    for row in _rows(tab, columns, problems):
        name = row.read(MenteeColumn.NAME, _required_name)
        email = row.read(MenteeColumn.EMAIL, _required_email)
        route = row.read(MenteeColumn.ROUTE, parse_route)
        requested_on = row.read(MenteeColumn.REQUESTED_ON, parse_date)
        _future(row, MenteeColumn.REQUESTED_ON, requested_on, today)
        mentee = None
        if name is not None and email is not None and route is not None:
            mentee = Mentee(
                row=row.number,
                name=name,
                email=email,
                route=route,
                skills_wanted=skills.split(row.text(MenteeColumn.SKILLS_WANTED)),
                requested_on=requested_on,
            )
        if email is not None:
            entries.append((row, email, mentee))
    return tuple(_without_repeats(entries, MenteeColumn.EMAIL, _email_key, _repeated_email))


# A Pairings row with any of these unreadable is left alone by mentorsheet:
# acting on a guess could send an email twice or to the wrong person.
_PAIRING_ESSENTIALS = frozenset(
    {
        PC.PAIRING_ID,
        PC.STATUS,
        PC.MENTEE,
        PC.MENTEE_EMAIL,
        PC.MENTOR,
        PC.MENTOR_EMAIL,
        PC.INTRO_SENT_ON,
        PC.CONTACT_MADE_ON,
        PC.REMINDERS_SENT,
        PC.LAST_REMINDER_ON,
    }
)


def _pairings(
    tab: RawTab,
    columns: Mapping[str, int],
    zone: ZoneInfo,
    today: date,
    problems: list[Problem],
) -> tuple[tuple[Pairing, ...], tuple[HeldPlace, ...]]:
    with_ids: list[tuple[_Row, str, Pairing | None]] = []
    held: dict[int, HeldPlace] = {}
    for row in _rows(tab, columns, problems):
        pairing_id = row.value(PC.PAIRING_ID)
        if not pairing_id:
            row.report(
                PC.PAIRING_ID,
                "added by hand without a Pairing ID; mentorsheet only manages rows it "
                "created — use propose, or copy an ID",
            )
        status = row.read(PC.STATUS, parse_status)
        mentee_name = row.read(PC.MENTEE, check_name)
        mentee_email = row.read(PC.MENTEE_EMAIL, _required_email)
        mentor_name = row.read(PC.MENTOR, check_name)
        mentor_email = row.read(PC.MENTOR_EMAIL, _required_email)
        route = row.read(PC.ROUTE, lambda text: parse_route(text) if text.strip() else None)
        score = row.read(PC.SCORE, parse_score)
        proposed_on = row.read(PC.PROPOSED_ON, parse_date)
        intro_sent_on = row.read(PC.INTRO_SENT_ON, lambda text: parse_datetime(text, zone))
        contact_made_on = row.read(PC.CONTACT_MADE_ON, parse_date)
        _future(row, PC.CONTACT_MADE_ON, contact_made_on, today)
        reminders_sent = row.read(PC.REMINDERS_SENT, parse_reminders_sent)
        last_reminder_on = row.read(PC.LAST_REMINDER_ON, parse_date)
        pairing = None
        if (
            not row.any_unreadable(_PAIRING_ESSENTIALS)
            and status is not None
            and mentee_email is not None
            and mentor_email is not None
            and reminders_sent is not None
        ):
            pairing = Pairing(
                row=row.number,
                pairing_id=pairing_id,
                status=status,
                mentee_name=mentee_name or "",
                mentee_email=mentee_email,
                mentor_name=mentor_name or "",
                mentor_email=mentor_email,
                route=route,
                score=score,
                why=row.value(PC.WHY),
                proposed_on=proposed_on,
                intro_sent_on=intro_sent_on,
                intro_message_id=row.value(PC.INTRO_MESSAGE_ID),
                contact_made_on=contact_made_on,
                reminders_sent=reminders_sent,
                last_reminder_on=last_reminder_on,
            )
        else:
            held[row.number] = HeldPlace(
                row.number, pairing_id, status, mentee_email or "", mentor_email or ""
            )
        if pairing_id:
            with_ids.append((row, pairing_id, pairing))
    kept = _without_repeats(
        with_ids,
        PC.PAIRING_ID,
        lambda pairing_id: pairing_id,
        lambda rows: (
            f"the same Pairing ID appears on rows {_rows_listed(rows)}; mentorsheet will "
            "not update these rows until each has its own ID"
        ),
    )
    kept_rows = {pairing.row for pairing in kept}
    for pairing in (record for _row, _id, record in with_ids if record is not None):
        if pairing.row not in kept_rows:
            held[pairing.row] = HeldPlace(
                pairing.row,
                pairing.pairing_id,
                pairing.status,
                pairing.mentee_email,
                pairing.mentor_email,
            )
    return tuple(kept), tuple(held[number] for number in sorted(held))


def _runs(
    tab: RawTab, columns: Mapping[str, int], problems: list[Problem]
) -> tuple[RunRecord, ...]:
    return tuple(
        RunRecord(row.number, {column: row.text(column) for column in RunColumn})
        for row in _rows(tab, columns, problems)
    )


def _in_order(problems: list[Problem], tab: str) -> list[Problem]:
    position = {column: index for index, column in enumerate(COLUMNS[tab])}
    return sorted(problems, key=lambda p: (p.row or 0, position.get(p.column, len(position))))


def parse_workbook(raw: RawWorkbook, config: Config, *, today: date) -> Programme:
    """Validate the workbook into a :class:`Programme` (see the module doc).

    Raises :class:`MissingTabError` or :class:`MissingHeaderError` before
    reading any row; every other fault is a :class:`Problem` in the result.
    """
    for tab in TABS:
        if tab not in raw.tabs:
            raise MissingTabError(config.workbook.tab_title(tab), raw.titles)
    columns = {
        tab: resolve_columns(tab, raw.tabs[tab].header, config.workbook.headers.get(tab))
        for tab in TABS
    }
    skills = SkillNormaliser(config.matching.synonyms)
    found: dict[str, list[Problem]] = {tab: [] for tab in TABS}
    mentors = _mentors(raw.tabs[MENTORS], columns[MENTORS], skills, found[MENTORS])
    mentees = _mentees(raw.tabs[MENTEES], columns[MENTEES], skills, today, found[MENTEES])
    pairings, held = _pairings(
        raw.tabs[PAIRINGS], columns[PAIRINGS], config.schedule.zone, today, found[PAIRINGS]
    )
    runs = _runs(raw.tabs[RUNS], columns[RUNS], found[RUNS])
    return Programme(
        mentors=mentors,
        mentees=mentees,
        pairings=pairings,
        runs=runs,
        problems=tuple(problem for tab in TABS for problem in _in_order(found[tab], tab)),
        markers=dict(raw.markers),
        held_places=held,
    )

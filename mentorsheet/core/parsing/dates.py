"""Dates and times as staff type them, or as Sheets and Excel store them.

* **Dates**: ISO (``2026-11-03``, ``2026-11-03T09:30:00+00:00``),
  ``3 Nov 2026`` / ``3 November 2026``, ``03/11/2026`` (day first, as in the
  UK), ``2026/11/03``, an optional ``HH:MM[:SS]`` after any of these, and
  Sheets/Excel serial numbers (``46329`` is 3 Nov 2026, ``46329.5`` noon that
  day) from 18264 (1 Jan 1950) up — a smaller number such as a bare year is
  not taken as a date.

Anything else raises :class:`InvalidFieldError`; blank is None.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from mentorsheet.errors import InvalidFieldError

_DATE_HINT = "date not understood; write it like 2026-11-03"


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


_NUMERIC_STAMP = re.compile(
    r"(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4})(?:[ T]+(?P<clock>\d{1,2}:\d{2}(?::\d{2})?))?"
)


def parse_form_timestamp(value: str, zone: ZoneInfo, *, month_first: bool) -> datetime | None:
    """A Google Form's Timestamp as an aware datetime in ``zone`` (None when blank).

    Google writes it in the spreadsheet's locale when it is text:
    ``12/1/2026 10:15:03`` is 12 January in a day-first locale (UK) and
    1 December in a month-first one (US), so the order comes from the config
    (``[forms] date_order``) rather than a guess. A real date-time cell (ISO
    text from the store) or a serial number needs no order; neither does
    anything :func:`parse_datetime` reads.
    """
    text = value.strip()
    if not text:
        return None
    match = _NUMERIC_STAMP.fullmatch(text)
    if match is None:
        return parse_datetime(text, zone)
    first, second = int(match["a"]), int(match["b"])
    day, month = (second, first) if month_first else (first, second)
    clock = match["clock"] or "00:00:00"
    if clock.count(":") == 1:
        clock += ":00"
    order = "month first" if month_first else "day first"
    try:
        local = datetime.strptime(
            f"{int(match['y']):04d}-{month:02d}-{day:02d} {clock}", "%Y-%m-%d %H:%M:%S"
        )
    except ValueError:
        raise InvalidFieldError(
            f"timestamp not understood as {order} ([forms] date_order); check the "
            "spreadsheet's locale"
        ) from None
    return local.replace(tzinfo=zone)

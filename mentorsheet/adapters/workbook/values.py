"""Typed cells: the value a text stands for in a column of a given kind.

The core hands the stores text in one canonical form per
:class:`~mentorsheet.core.schema.CellKind` (see :data:`CELL_KINDS`); each
store turns it into the typed cell its backend holds with :func:`typed_value`
and reads that cell back as the same text. A text that is not in its kind's
canonical form (a value mentorsheet did not make, say) is written as text,
exactly as it came: typing only ever applies to values it cannot misread.
Text is never turned into a formula, whatever the kind.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Final

from mentorsheet.core.schema import CellKind

Value = str | int | float | date | datetime

_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME: Final = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?")
# No leading zeros: "007" is a code, kept as text.
_NUMBER: Final = re.compile(r"-?(?:0|[1-9]\d{0,14})(?:\.\d{1,15})?")

# How typed cells show, on every backend.
DATE_PATTERN: Final = "yyyy-mm-dd"
DATETIME_PATTERN: Final = "yyyy-mm-dd hh:mm"


def typed_value(kind: CellKind, text: str) -> Value:
    """What ``text`` stands for in a ``kind`` column: a date, a naive datetime, a number, or text.

    Date-times are local wall times (the programme's zone, which the parser
    assumes for a time without an offset); one with an offset stays text.
    Blank stays blank text.
    """
    try:
        if kind is CellKind.DATE and _DATE.fullmatch(text):
            return date.fromisoformat(text)
        if kind is CellKind.DATETIME and _DATETIME.fullmatch(text):
            return datetime.fromisoformat(text)
    except ValueError:  # "2026-02-30": not a date, so not typed
        return text
    if kind is CellKind.NUMBER and _NUMBER.fullmatch(text):
        number = Decimal(text)
        return int(number) if number == number.to_integral_value() else float(number)
    return text

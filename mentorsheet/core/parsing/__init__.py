"""Reading the workbook: raw text in, a validated :class:`Programme` out.

Pure: no files, no network, no clock (``today`` is an argument).

* ``workbook`` — :func:`parse_workbook`: tabs and headers checked first,
  then every row read, each unusable cell a :class:`Problem`;
* ``tabs`` — the Mentors, Mentees, Pairings and Runs readers, and which
  Pairings rows are held out;
* ``rows`` — one row at a time: blank rows skipped, repeats reported;
* ``values`` and ``dates`` — one cell at a time: emails, names, numbers,
  yes/no, routes, statuses, links, dates.

The decisions worth knowing (the user docs repeat them) are set out in the
module that makes each one.
"""

from mentorsheet.core.parsing.dates import parse_date, parse_datetime
from mentorsheet.core.parsing.values import (
    check_name,
    parse_active,
    parse_capacity,
    parse_email,
    parse_link,
    parse_reminders_sent,
    parse_route,
    parse_score,
    parse_status,
)
from mentorsheet.core.parsing.workbook import parse_workbook

__all__ = [
    "check_name",
    "parse_active",
    "parse_capacity",
    "parse_date",
    "parse_datetime",
    "parse_email",
    "parse_link",
    "parse_reminders_sent",
    "parse_route",
    "parse_score",
    "parse_status",
    "parse_workbook",
]

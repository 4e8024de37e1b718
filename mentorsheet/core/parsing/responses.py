"""The contact form's responses tab: each answer checked before it may change anything.

Google Forms writes one row per answer ("Link to Sheets"); staff may paste
rows too (the ``.xlsx`` backend). Nothing in it is trusted blindly. A row is
used only when every check passes; otherwise it is a :class:`Problem` naming
the tab, the row, the column and the value, and it changes nothing:

* the **Pairing ID** is normalised (spaces around it dropped, letters upper
  case, as mentorsheet writes IDs) and must be a pairing of the Pairings tab
  that mentorsheet can act on, introduced and not over (Awaiting contact,
  Contact overdue or In contact: not Rejected, Ended, Re-pair, nor one
  whose introduction has not gone yet);
* the **Timestamp** must be readable (``[forms] date_order`` says how text
  such as ``12/1/2026`` reads) and not after today;
* the **Email address**, when the form collects emails, must be the
  pairing's mentor's or mentee's; it then says who answered. Otherwise
  **Who is answering?** does (Mentor / Mentee);
* the answers must be ones the form offers: yes/no for "Have you been in
  touch?" and "Are you still meeting?", a whole number 1–5 for "How is it
  going?";
* a row repeated exactly (every answer the same, the timestamp too: pasted
  twice) is reported, and only the first is used. Two answers of one person
  at different times are both real; the earliest confirmation counts.

Empty rows are skipped; questions staff added are ignored; the columns are
found by header (aliases in ``[workbook.headers.Responses]``), in any order.
Comments stay text: stores write every cell mentorsheet writes as text,
never as a formula.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from zoneinfo import ZoneInfo

from mentorsheet.config import FormsConfig
from mentorsheet.core.model import FormResponse, HeldPlace, Pairing, Problem
from mentorsheet.core.parsing.dates import parse_form_timestamp
from mentorsheet.core.parsing.rows import Row, data_rows
from mentorsheet.core.parsing.values import parse_email
from mentorsheet.core.raw import RawTab
from mentorsheet.core.schema import RESPONSES, ResponseColumn, Status, resolve_columns
from mentorsheet.errors import DuplicateHeaderError, InvalidFieldError, MissingHeaderError

RC = ResponseColumn

# A response may only act on a pairing that was introduced and is not over.
ANSWERABLE: frozenset[Status] = frozenset(
    {Status.AWAITING_CONTACT, Status.CONTACT_OVERDUE, Status.IN_CONTACT}
)


def response_columns(
    header: Sequence[str], aliases: Mapping[str, Sequence[str]] | None
) -> dict[str, int] | str:
    """The responses tab's columns by question, or why they cannot be found."""
    try:
        return resolve_columns(RESPONSES, header, aliases)
    except MissingHeaderError as exc:
        shown = ", ".join(repr(str(h)) for h in exc.found if h) or "no headers at all"
        return (
            f"no {str(exc.header)!r} column (headers found: {shown}): rename the question, or "
            "map it under [workbook.headers.Responses]"
        )
    except DuplicateHeaderError as exc:
        return str(exc)


def normalise_pairing_id(text: str) -> str:
    """A Pairing ID as mentorsheet writes it: no spaces around, upper case."""
    return "".join(text.split()).upper()


def _yes_no(question: str) -> Callable[[str], bool | None]:
    def parse(value: str) -> bool | None:
        text = value.strip().casefold()
        if not text:
            return None
        word = text.split(maxsplit=1)[0].strip(",.!;:")
        if word in ("yes", "y"):
            return True
        if word in ("no", "n", "not"):
            return False
        raise InvalidFieldError(f"{question} must be answered Yes or No")

    return parse


def _score(value: str) -> int | None:
    text = value.strip()
    if not text:
        return None
    if text.isdigit() and 1 <= int(text) <= 5:
        return int(text)
    raise InvalidFieldError("How is it going? must be a whole number from 1 to 5")


def _role(value: str) -> str:
    text = value.strip().casefold()
    if not text:
        return ""
    for role in ("mentor", "mentee"):
        if text.startswith(role) or text == f"the {role}":
            return role
    raise InvalidFieldError("Who is answering? must be Mentor or Mentee")


class _Known:
    """The Pairing IDs of the Pairings tab, normalised, and what a response may do with each."""

    def __init__(self, pairings: Iterable[Pairing], held: Iterable[HeldPlace]) -> None:
        self.pairings = {normalise_pairing_id(p.pairing_id): p for p in pairings}
        self.held = {normalise_pairing_id(h.pairing_id) for h in held if h.pairing_id}

    def pairing(self, row: Row) -> Pairing | None:
        pid = normalise_pairing_id(row.text(RC.PAIRING_ID))
        if not pid:
            row.report(RC.PAIRING_ID, "no Pairing ID: the answer cannot be matched to a pairing")
            return None
        found = self.pairings.get(pid)
        if found is None:
            why = (
                "this pairing's row cannot be used now (see its problem on the Pairings tab)"
                if pid in self.held
                else "no pairing has this Pairing ID; the answer is ignored"
            )
            row.report(RC.PAIRING_ID, why)
            return None
        if found.status not in ANSWERABLE:
            row.report(
                RC.PAIRING_ID,
                f"this pairing is {found.status}: an answer about it changes nothing",
            )
            return None
        return found


def _responder(row: Row, pairing: Pairing, collected: bool) -> str | None:
    """Who answered: "mentor", "mentee" or "" (unknown); None when the answer is refused."""
    role = row.read(RC.ROLE, _role)
    email_text = row.value(RC.EMAIL)
    if not (collected and email_text):
        return role
    email = row.read(RC.EMAIL, parse_email)
    if email is None:
        return None
    people = {pairing.mentor_email.casefold(): "mentor", pairing.mentee_email.casefold(): "mentee"}
    by_email = people.get(email.casefold())
    if by_email is None:
        row.report(
            RC.EMAIL,
            f"neither the mentor nor the mentee of {pairing.pairing_id}: the answer is ignored",
        )
        return None
    return by_email


def _repeats(rows: Sequence[Row]) -> set[int]:
    """Rows that repeat an earlier row exactly (reported; the first is kept)."""
    first: dict[tuple[str, ...], int] = {}
    repeated: set[int] = set()
    for row in rows:
        key = tuple(row.value(column) for column in ResponseColumn)
        if key in first:
            row.report(
                RC.TIMESTAMP,
                f"the same answer as row {first[key]}; only that one is used (delete this row)",
            )
            repeated.add(row.number)
        else:
            first[key] = row.number
    return repeated


def read_responses(
    tab: RawTab,
    columns: Mapping[str, int],
    *,
    pairings: Sequence[Pairing],
    held: Sequence[HeldPlace],
    forms: FormsConfig,
    zone: ZoneInfo,
    today: date,
    problems: list[Problem],
) -> tuple[FormResponse, ...]:
    """The responses that pass every check (see the module doc), in row order."""
    known = _Known(pairings, held)
    collected = RC.EMAIL in columns
    month_first = forms.date_order == "month-first"
    rows = list(data_rows(tab, columns, problems))
    repeated = _repeats(rows)
    kept: list[FormResponse] = []
    for row in rows:
        if row.number in repeated:
            continue
        at = row.read(
            RC.TIMESTAMP, lambda t: parse_form_timestamp(t, zone, month_first=month_first)
        )
        if at is None and RC.TIMESTAMP not in row.unreadable:
            row.report(RC.TIMESTAMP, "no Timestamp: the answer's day is not known")
        if at is not None and at.date() > today:
            row.report(RC.TIMESTAMP, "this timestamp is after today; the answer is ignored")
            at = None
        pairing = known.pairing(row)
        role = _responder(row, pairing, collected) if pairing is not None else None
        contact = row.read(RC.CONTACT, _yes_no("Have you been in touch?"))
        meeting = row.read(RC.MEETING, _yes_no("Are you still meeting?"))
        score = row.read(RC.SCORE, _score)
        if row.unreadable or at is None or pairing is None or role is None:
            continue
        kept.append(
            FormResponse(
                row=row.number,
                pairing_id=pairing.pairing_id,
                at=at,
                role=role,
                email=row.value(RC.EMAIL),
                contact=contact,
                score=score,
                meeting=meeting,
                comment=row.value(RC.COMMENT),
            )
        )
    return tuple(kept)

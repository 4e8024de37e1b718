"""Erasing a person (the right to erasure): which cells are theirs, and what they become.

``mentorsheet forget EMAIL`` and the retention setting both erase the same
way. Values in, values out: the workbook as read, the email, the placeholder
(``erased YYYY-MM-DD``, the day in the programme's zone) in; the cells to
change out. A store makes the change (``WorkbookSession.finish(erase=...)``).

What is a person's, tab by tab:

* **Mentors / Mentees**: every row whose Email is the person's (trimmed,
  letter case ignored). Every filled cell of that row is erased except the
  few that say nothing about who they are: Capacity, Active, Route,
  Requested on and Paused until. Staff's own columns on the row go too:
  they may say anything about the person.
* **Pairings**: every row whose Mentee email or Mentor email is theirs. That
  side's name and email, and the free text (Why, Notes, staff's own
  columns) are erased; the Pairing ID, Status, Route, Score, the dates and
  the ledger cells (message IDs, Closing email, Slack cells) stay, so
  nothing is ever sent again for the row and nothing is proposed again.
  On any other Pairings row, a mention of the person's email or name in Why
  or Notes is replaced by the placeholder (the rest of the text stays).
* **Mentors / Mentees Notes of other people, and the Runs tab's Result and
  Digest**: a mention of the person's email or name is replaced.
* **Problems**: a problem naming the person (email or name, in its Value or
  Problem text) keeps its row with the mention replaced; the store rewrites
  Problems from that list at the finish, as every run does.
* **Any other tab** (a form's responses, staff's lists): every row holding
  the email in some cell. The cells that are not timestamps, dates, numbers
  or Pairing IDs are erased.

An erased cell is recognised by :func:`is_erased`: the parser reads an
erased Mentors or Mentees row as no one (not a problem), and an erased
Pairings row as a place held that mentorsheet never acts on.

Each change is a :class:`CellErasure` located twice over: by the row it was
read on and by that row's *key* (the person's email there, or the Pairing ID
of a row that only mentions them), with the text it held. A store that can
re-read at write time locates the row by its key and changes a cell only if
it still holds that text, so a row staff moved is never mistaken for
another; the Google store, which cannot, writes each change as a find and
replace of exactly that text in exactly that cell, under a write lock
(see the README).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from mentorsheet.core.model import Problem
from mentorsheet.core.raw import RawTab, RawWorkbook
from mentorsheet.core.schema import (
    COLUMNS,
    MENTEES,
    MENTORS,
    PAIRINGS,
    PC,
    PROBLEMS,
    RESPONSES,
    RUNS,
    MenteeColumn,
    MentorColumn,
    ProblemColumn,
    RunColumn,
    header_key,
    resolve_columns,
)
from mentorsheet.errors import MentorsheetError

PREFIX: Final = "erased "
_ERASED = re.compile(r"erased \d{4}-\d{2}-\d{2}", re.IGNORECASE)
# Cells of another tab that say when, how much or which pairing, never who.
_KEPT_ON_OTHER_TABS = re.compile(
    r"(\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?)"  # dates, times
    r"|(\d{1,2}:\d{2}(:\d{2})?)"
    r"|([-+]?\d+([.,]\d+)?)"  # numbers
    r"|(P-\d{8}-[0-9A-F]{6}(-\d+)?)"  # Pairing IDs
    r"|(TRUE|FALSE)",
    re.IGNORECASE,
)

# Mentors / Mentees cells that say nothing about who the person is.
_KEPT: Final[Mapping[str, frozenset[str]]] = {
    MENTORS: frozenset({MentorColumn.CAPACITY, MentorColumn.ACTIVE, MentorColumn.PAUSED_UNTIL}),
    MENTEES: frozenset({MenteeColumn.ROUTE, MenteeColumn.REQUESTED_ON, MenteeColumn.PAUSED_UNTIL}),
}
_EMAIL: Final = {MENTORS: MentorColumn.EMAIL, MENTEES: MenteeColumn.EMAIL}
_NAME: Final = {MENTORS: MentorColumn.NAME, MENTEES: MenteeColumn.NAME}
_NOTES: Final = {MENTORS: (MentorColumn.NOTES,), MENTEES: (MenteeColumn.NOTES,)}
# Pairings: each side's name and email; the free text of the row.
_SIDES: Final = ((PC.MENTEE_EMAIL, PC.MENTEE), (PC.MENTOR_EMAIL, PC.MENTOR))
_FREE_TEXT: Final = (PC.WHY, PC.NOTES)


def placeholder(day: date) -> str:
    """What an erased cell holds: ``erased 2026-12-01``."""
    return f"{PREFIX}{day.isoformat()}"


def is_erased(value: str) -> bool:
    """Whether a cell holds the placeholder of an erasure (any date; case and spaces ignored)."""
    return _ERASED.fullmatch(" ".join(value.split())) is not None


def email_key(value: str) -> str:
    return value.strip().casefold()


@dataclass(frozen=True)
class CellErasure:
    """One cell to change: where it was read, the row's key, the text it held and becomes."""

    tab: str  # the tab's title in the workbook
    row: int  # the spreadsheet row it was read on (the header is row 1)
    column: int  # 0-based position of the cell
    header: str  # the column's header, for what is printed
    old: str  # the text it held when read: changed only if it still does
    new: str
    key_column: int  # where the row's key is: the person's email, or a Pairing ID
    key: str  # compared trimmed and letter case ignored


def problems_left(problems: Sequence[Problem], cells: Sequence[CellErasure]) -> list[Problem]:
    """``problems`` without those about a cell being erased: they would name it again."""
    erased = {(cell.tab, cell.row) for cell in cells}
    old = {cell.old for cell in cells}
    return [
        p for p in problems if (p.tab, p.row) not in erased and not (p.value and p.value in old)
    ]


@dataclass(frozen=True)
class Erasure:
    """What erasing some people changes: cells, and the Problems rewritten without them."""

    cells: tuple[CellErasure, ...] = ()
    problems: tuple[Problem, ...] = ()  # the Problems tab as it will be rewritten
    problems_changed: int = 0  # Problems cells changed
    found: bool = False  # whether any cell held the email at all

    @property
    def count(self) -> int:
        """How many cells are erased (the Runs row says this, never whose)."""
        return len(self.cells) + self.problems_changed


@dataclass
class _Person:
    emails: set[str]
    names: set[str] = field(default_factory=set)

    def mentions(self) -> re.Pattern[str] | None:
        words = sorted({*self.emails, *self.names}, key=len, reverse=True)
        words = [w for w in words if w]
        if not words:
            return None
        alternatives = "|".join(re.escape(w) for w in words)
        return re.compile(rf"(?<![\w@.]){'(?:' + alternatives + ')'}(?![\w@])", re.IGNORECASE)


def _cell(tab: RawTab, offset: int, column: int) -> str:
    row = tab.rows[offset]
    return row[column] if column < len(row) else ""


def _columns(
    raw: RawWorkbook, tab: str, aliases: Mapping[str, Mapping[str, Sequence[str]]]
) -> dict[str, int] | None:
    """Where each canonical column of ``tab`` is, as far as its header says.

    Leniently: a tab missing a column a run needs, or with a header twice, is
    still searched (the first of a repeated header is the column; the other is
    erased on the person's rows like any column mentorsheet does not know).
    """
    found = raw.tabs.get(tab)
    if found is None:
        return None
    keys = [header_key(text) for text in found.header]
    columns: dict[str, int] = {}
    for column in COLUMNS[tab]:
        for candidate in [*aliases.get(tab, {}).get(column, ()), column]:
            if header_key(candidate) in keys:
                columns[column] = keys.index(header_key(candidate))
                break
    return columns


class _Planner:
    def __init__(
        self,
        raw: RawWorkbook,
        person: _Person,
        new: str,
        aliases: Mapping[str, Mapping[str, Sequence[str]]],
    ) -> None:
        self.raw = raw
        self.person = person
        self.new = new
        self.aliases = aliases
        self.cells: list[CellErasure] = []
        self.found = False

    def erase(self, tab: RawTab, offset: int, column: int, key_column: int, key: str) -> None:
        old = _cell(tab, offset, column)
        if not old.strip() or is_erased(old):
            return
        header = tab.header[column] if column < len(tab.header) else ""
        self.cells.append(
            CellErasure(tab.title, offset + 2, column, header, old, self.new, key_column, key)
        )

    def names(self) -> None:
        """The person's names: on their Mentors / Mentees rows and their side of Pairings rows."""
        for name in (MENTORS, MENTEES):
            columns = _columns(self.raw, name, self.aliases)
            if columns is None or _EMAIL[name] not in columns:
                continue
            tab = self.raw.tabs[name]
            for offset in range(len(tab.rows)):
                if email_key(_cell(tab, offset, columns[_EMAIL[name]])) in self.person.emails:
                    self._name(_cell(tab, offset, columns.get(_NAME[name], -1)))
        columns = _columns(self.raw, PAIRINGS, self.aliases)
        if columns is None:
            return
        tab = self.raw.tabs[PAIRINGS]
        for offset in range(len(tab.rows)):
            for email_column, name_column in _SIDES:
                at = columns.get(email_column)
                if at is not None and email_key(_cell(tab, offset, at)) in self.person.emails:
                    self._name(_cell(tab, offset, columns.get(name_column, -1)))

    def _name(self, text: str) -> None:
        name = " ".join(text.split())
        if name and not is_erased(name):
            self.person.names.add(name)

    def people_tab(self, name: str) -> None:
        columns = _columns(self.raw, name, self.aliases)
        if columns is None or _EMAIL[name] not in columns:
            return
        tab = self.raw.tabs[name]
        email_at = columns[_EMAIL[name]]
        kept = {columns[c] for c in _KEPT[name] if c in columns}
        notes = [columns[c] for c in _NOTES[name] if c in columns]
        mentions = self.person.mentions()
        for offset, cells in enumerate(tab.rows):
            key = _cell(tab, offset, email_at)
            if email_key(key) not in self.person.emails:
                if mentions is not None:  # another person's notes naming them
                    self._mentions(tab, offset, notes, email_at, mentions)
                continue
            self.found = True
            for column in range(max(len(cells), len(tab.header))):
                if column not in kept:
                    self.erase(tab, offset, column, email_at, key)

    def pairings(self) -> None:
        columns = _columns(self.raw, PAIRINGS, self.aliases)
        if columns is None:
            return
        tab = self.raw.tabs[PAIRINGS]
        known = set(columns.values())
        free = [columns[c] for c in _FREE_TEXT if c in columns]
        mentions = self.person.mentions()
        id_at = columns.get(PC.PAIRING_ID)
        for offset, cells in enumerate(tab.rows):
            theirs = False
            for email_column, name_column in _SIDES:
                at = columns.get(email_column)
                if at is None:
                    continue
                key = _cell(tab, offset, at)
                if email_key(key) not in self.person.emails:
                    continue
                theirs = True
                self.found = True
                self.erase(tab, offset, at, at, key)
                if name_column in columns:
                    self.erase(tab, offset, columns[name_column], at, key)
                staff = [c for c in range(len(cells)) if c not in known]
                for column in [*free, *staff]:
                    self.erase(tab, offset, column, at, key)
            if not theirs and mentions is not None and id_at is not None:
                self._mentions(tab, offset, free, id_at, mentions)

    def pairing_rows(self, pairing_ids: set[str]) -> None:
        """Both sides and the free text of the rows of ``pairing_ids``, keyed by Pairing ID."""
        columns = _columns(self.raw, PAIRINGS, self.aliases)
        if columns is None or PC.PAIRING_ID not in columns:
            return
        tab = self.raw.tabs[PAIRINGS]
        id_at = columns[PC.PAIRING_ID]
        known = set(columns.values())
        personal = [columns[c] for side in _SIDES for c in side if c in columns]
        free = [columns[c] for c in _FREE_TEXT if c in columns]
        for offset, cells in enumerate(tab.rows):
            key = _cell(tab, offset, id_at).strip()
            if key not in pairing_ids:
                continue
            staff = [c for c in range(len(cells)) if c not in known]
            for column in [*personal, *free, *staff]:
                self.erase(tab, offset, column, id_at, key)

    def _mentions(
        self, tab: RawTab, offset: int, free: Sequence[int], id_at: int, mentions: re.Pattern[str]
    ) -> None:
        key = _cell(tab, offset, id_at)
        if not key.strip():
            return
        for column in free:
            old = _cell(tab, offset, column)
            new = mentions.sub(self.new, old)
            if new != old:
                self.found = True
                header = tab.header[column] if column < len(tab.header) else ""
                self.cells.append(
                    CellErasure(tab.title, offset + 2, column, header, old, new, id_at, key)
                )

    def runs(self) -> None:
        """Mentions in the Runs tab's text (a failed run's Result may name someone)."""
        columns = _columns(self.raw, RUNS, self.aliases)
        mentions = self.person.mentions()
        if columns is None or RunColumn.STARTED not in columns or mentions is None:
            return
        tab = self.raw.tabs[RUNS]
        text = [columns[c] for c in (RunColumn.RESULT, RunColumn.DIGEST) if c in columns]
        for offset in range(len(tab.rows)):
            self._mentions(tab, offset, text, columns[RunColumn.STARTED], mentions)

    def other_tab(self, tab: RawTab) -> None:
        for offset, cells in enumerate(tab.rows):
            at = next((i for i, c in enumerate(cells) if email_key(c) in self.person.emails), None)
            if at is None:
                continue
            self.found = True
            key = cells[at]
            for column, text in enumerate(cells):
                if _KEPT_ON_OTHER_TABS.fullmatch(text.strip()) is None:
                    self.erase(tab, offset, column, at, key)

    def problems(self) -> tuple[list[Problem], int]:
        """The Problems tab as read, with every mention of the person replaced."""
        tab = self.raw.tabs.get(PROBLEMS)
        if tab is None:
            return [], 0
        try:
            columns = resolve_columns(PROBLEMS, tab.header, self.aliases.get(PROBLEMS))
        except MentorsheetError:
            return [], 0
        mentions = self.person.mentions()
        kept: list[Problem] = []
        changed = 0
        for offset in range(len(tab.rows)):
            texts = {c: _cell(tab, offset, at).strip() for c, at in columns.items()}
            if not any(texts.values()):
                continue
            row_text = texts[ProblemColumn.ROW]
            fields: dict[str, str] = {}
            for column in (ProblemColumn.VALUE, ProblemColumn.PROBLEM):
                old = texts[column]
                new = mentions.sub(self.new, old) if mentions is not None else old
                if email_key(old) in self.person.emails:
                    new = self.new
                changed += new != old
                fields[column] = new
            self.found = self.found or changed > 0
            kept.append(
                Problem(
                    tab=texts[ProblemColumn.TAB],
                    row=int(row_text) if row_text.isdigit() else None,
                    column=texts[ProblemColumn.COLUMN],
                    value=fields[ProblemColumn.VALUE],
                    problem=fields[ProblemColumn.PROBLEM],
                )
            )
        return kept, changed


def plan_erasure(
    raw: RawWorkbook,
    emails: Iterable[str],
    *,
    day: date,
    aliases: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
) -> Erasure:
    """Every cell of the people with ``emails`` on every tab of ``raw`` (see the module doc).

    ``raw.others`` holds the tabs mentorsheet does not know (read with every tab).
    """
    person = _Person({email_key(e) for e in emails if e.strip()})
    planner = _Planner(raw, person, placeholder(day), aliases or {})
    planner.names()
    planner.people_tab(MENTORS)
    planner.people_tab(MENTEES)
    planner.pairings()
    planner.runs()
    # The contact form's answers hold the person too: erased like a tab mentorsheet
    # does not know (the one write mentorsheet ever makes there).
    form = raw.tabs.get(RESPONSES)
    for tab in (*raw.others.values(), *((form,) if form is not None else ())):
        planner.other_tab(tab)
    problems, changed = planner.problems()
    return Erasure(
        cells=tuple(planner.cells),
        problems=tuple(problems),
        problems_changed=changed,
        found=planner.found,
    )


def plan_pairing_rows(
    raw: RawWorkbook,
    pairing_ids: Iterable[str],
    *,
    day: date,
    aliases: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
) -> tuple[CellErasure, ...]:
    """The personal cells of whole Pairings rows (both people, Why, Notes, staff's columns).

    For retention: the rows' Pairing IDs, Status, dates and ledger stay.
    """
    planner = _Planner(raw, _Person(set()), placeholder(day), aliases or {})
    planner.pairing_rows({pid.strip() for pid in pairing_ids})
    return tuple(planner.cells)

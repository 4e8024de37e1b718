"""The staff digest: what needs a person today, as text, Markdown and terminal tables.

Pure logic: :func:`build_digest` gathers the summary from what the run
already knows, the renderers turn it into an email body, a
``GITHUB_STEP_SUMMARY`` page or ``rich`` tables, and :func:`digest_due`
applies the rule "at most one digest a day, and none when there is nothing
to act on".
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from mentorsheet.core.endings import to_check
from mentorsheet.core.model import (
    MatchResult,
    OverdueItem,
    Pairing,
    Problem,
    Returning,
    SkillGap,
    StatusPlan,
    Unpaired,
)
from mentorsheet.core.pauses import pause_text
from mentorsheet.core.schema import MENTEES, PAIRINGS, PC, MenteeColumn, ProblemColumn, Status
from mentorsheet.core.sheet_links import GOOGLE_SHEETS, Place, SheetLinks
from mentorsheet.core.statuses import WAITING_FOR_CONTACT

EXHAUSTED_NOTE = (
    "reminders exhausted — please follow up, or set Status to Re-pair to find another mentor"
)
CHECK_INTRO_NOTE = (
    "check the Sent folder, then set Status to Awaiting contact (it went) "
    "or Approved (send it again)"
)
CHECK_CLOSING_NOTE = (
    "check the Sent folder, then write in Closing email the date it went, "
    "or due when Ended to send it again"
)
# What to do about each section, said once above its table.
APPROVAL_NOTE = (
    "Read each proposal: set its Status to Approved to send the introduction, or to Rejected."
)
OVERDUE_NOTE = (
    "The mentor has not been in touch since the intro. Reminders go to them on their own; "
    f"once they have met, fill in {PC.CONTACT_MADE_ON}."
)
UNPAIRED_NOTE = "No mentor had a place that fits: the reason says what would help."
SKILL_GAP_NOTE = "Recruit mentors with these skills, or ask mentors who have them for more places."
PROBLEMS_NOTE = (
    "Fix each cell named here (the Problems tab lists them too); the next run reads it again."
)
RETURNING_NOTE = "For news: from that day they are paired and reminded again."


@dataclass(frozen=True)
class DigestSummary:
    day: date
    waiting_approval: tuple[Pairing, ...]
    overdue: tuple[OverdueItem, ...]
    check_intro: tuple[Pairing, ...]
    unpaired: tuple[Unpaired, ...]
    skill_gaps: tuple[SkillGap, ...]
    problems: tuple[Problem, ...]
    check_closing: tuple[Pairing, ...] = ()  # closing messages that may have gone
    returning: tuple[Returning, ...] = ()  # back from a pause within the week: for news only
    erased_pairings: tuple[str, ...] = ()  # Pairing IDs erased by retention: for news only
    links: SheetLinks = field(default_factory=SheetLinks)  # where the rows are, to link to them

    def needs_action(self) -> bool:
        """False when there is nothing for a person to act on (a pause ending is news, not work)."""
        return any(
            (
                self.waiting_approval,
                self.overdue,
                self.check_intro,
                self.unpaired,
                self.skill_gaps,
                self.problems,
                self.check_closing,
            )
        )


def build_digest(
    *,
    day: date,
    pairings: Sequence[Pairing],
    plan: StatusPlan,
    match: MatchResult,
    problems: Sequence[Problem],
    returning: Sequence[Returning] = (),
    erased_pairings: Sequence[str] = (),
    links: SheetLinks | None = None,
) -> DigestSummary:
    """Summarise what needs staff, from the pairings as they are after this run.

    Overdue items come from ``plan``; each is brought up to date with the
    pairing of the same ID in ``pairings`` (a reminder that could not be sent
    is not counted, and a pairing that is no longer waiting for contact is
    left out).
    """
    latest = {pairing.pairing_id: pairing for pairing in pairings}
    overdue: list[OverdueItem] = []
    for item in plan.overdue:
        now = latest.get(item.pairing.pairing_id)
        if now is None:
            overdue.append(item)
        elif now.status in WAITING_FOR_CONTACT:
            overdue.append(
                dataclasses.replace(
                    item,
                    pairing=now,
                    reminders_sent=now.reminders_sent,
                    reminders_exhausted=item.reminders_exhausted
                    and now.reminders_sent >= item.reminders_sent,
                )
            )
    return DigestSummary(
        day=day,
        waiting_approval=tuple(p for p in pairings if p.status is Status.PROPOSED),
        overdue=tuple(overdue),
        check_intro=tuple(p for p in pairings if p.status is Status.CHECK_INTRO),
        unpaired=tuple(match.unpaired),
        skill_gaps=tuple(match.skill_gaps),
        problems=tuple(problems),
        check_closing=to_check(pairings),
        returning=tuple(returning),
        erased_pairings=tuple(erased_pairings),
        links=links if links is not None else SheetLinks(),
    )


def digest_due(*, day: date, last_digest_day: str | None, summary: DigestSummary) -> bool:
    """Whether to send today's digest: something to act on, and none sent yet today.

    ``last_digest_day`` is the ledger's ISO date (a datetime's date part is
    used). An unreadable value counts as no digest sent; a day later than
    ``day`` (a clock that went back) counts as already sent.
    """
    if not summary.needs_action():
        return False
    if not last_digest_day or not last_digest_day.strip():
        return True
    try:
        last = date.fromisoformat(last_digest_day.strip()[:10])
    except ValueError:
        return True
    return last < day


# --- rendering -----------------------------------------------------------------


def long_day(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _person(name: str, email: str) -> str:
    return f"{name} <{email}>" if name else email


def _score(pairing: Pairing) -> str:
    return "" if pairing.score is None else f"{pairing.score:.2f}"


def _overdue_note(item: OverdueItem) -> str:
    waited = _plural(item.business_days_waited, "business day")
    reminders = _plural(item.reminders_sent, "reminder")
    note = f"{waited} since the intro, {reminders} sent"
    if item.mentor_paused_until is not None:
        note += f"; the mentor is {pause_text(item.mentor_paused_until)} (no reminders)"
    return f"{note}; {EXHAUSTED_NOTE}" if item.reminders_exhausted else note


def _overdue_cell(item: OverdueItem) -> str:
    notes = []
    if item.mentor_paused_until is not None:
        notes.append(f"mentor {pause_text(item.mentor_paused_until)}")
    if item.reminders_exhausted:
        notes.append(EXHAUSTED_NOTE)
    return "; ".join(notes)


def _row_text(row: int | None) -> str:
    return "" if row is None else str(row)


def _problem_line(problem: Problem) -> str:
    where = problem.tab
    if problem.row is not None:
        where += f" row {problem.row}"
    if problem.column:
        where += f", {problem.column}"
    value = f" (value: {problem.value!r})" if problem.value else ""
    return f"{where}: {problem.problem}{value}"


def _gap_line(gap: SkillGap) -> str:
    mentees = "mentee" if gap.wanted_by == 1 else "mentees"
    places = _plural(gap.free_places, "free mentor place")
    return f"{gap.skill}: wanted by {gap.wanted_by} unpaired {mentees}, {places}"


@dataclass(frozen=True)
class Person:
    """A cell naming someone: shown as ``Name <email>``; an HTML email links the address."""

    name: str
    email: str

    def __str__(self) -> str:
        return _person(self.name, self.email)


Cell = str | Person


@dataclass(frozen=True)
class Item:
    """One row of a section: its cells (one per header), the same as a line, where it is."""

    cells: tuple[Cell, ...]
    line: str  # the item as one sentence, for the plain text
    place: Place | None = None  # its row in the workbook, when it has one


@dataclass(frozen=True)
class Section:
    """One part of the digest, as data every renderer shows (text, HTML, Markdown, terminal)."""

    title: str
    short: str  # for the counts line
    note: str  # what to do about the items, once for the section
    headers: tuple[str, ...]
    items: tuple[Item, ...]
    # Where items are shown one by one (the HTML email): the cell heading each, and
    # the columns its place in the workbook already says (left out there).
    lead: int = 0
    said_by_place: frozenset[str] = frozenset()

    @property
    def rows(self) -> tuple[tuple[str, ...], ...]:
        """The cells of each item as text."""
        return tuple(tuple(str(cell) for cell in item.cells) for item in self.items)

    @property
    def lines(self) -> tuple[str, ...]:
        return tuple(item.line for item in self.items)


def _section(
    title: str,
    short: str,
    note: str,
    headers: Sequence[str],
    items: Iterable[Item],
    *,
    lead: str = "",
    said_by_place: Iterable[str] = (),
) -> Section:
    headers = tuple(headers)
    at = headers.index(lead) if lead else 0
    return Section(title, short, note, headers, tuple(items), at, frozenset(said_by_place))


def _on_pairings(summary: DigestSummary, pairing: Pairing) -> Place | None:
    place = summary.links.place(summary.links.title(PAIRINGS), pairing.row or None)
    if place is None or pairing.row:
        return place
    # A row this run has just added has no row number yet: the tab, then.
    return dataclasses.replace(place, new=True)


def _sentence(note: str) -> str:
    """A note written to follow a colon, as a sentence of its own."""
    return note[:1].upper() + note[1:] + ("" if note.endswith(".") else ".")


def _mentor(pairing: Pairing) -> Person:
    return Person(pairing.mentor_name, pairing.mentor_email)


def _mentee(pairing: Pairing) -> Person:
    return Person(pairing.mentee_name, pairing.mentee_email)


def _days_since(day: date, since: date | None) -> str:
    if since is None:
        return ""
    days = (day - since).days
    return "new today" if days <= 0 else _plural(days, "day")


def digest_sections(summary: DigestSummary) -> tuple[Section, ...]:
    """Every section, in a fixed order (the order of the issue that asked for them).

    A new section is one more entry here: its title, the words of the counts
    line, what to do, its headers, and an :class:`Item` per row. A table
    column showing a workbook column is headed by that column's name.
    """
    day = summary.day
    return (
        _section(
            "Waiting for approval",
            "waiting for approval",
            APPROVAL_NOTE,
            ("Pairing", PC.MENTEE, PC.MENTOR, PC.ROUTE, PC.SCORE, PC.WHY, "Waiting"),
            (
                Item(
                    (
                        p.pairing_id,
                        _mentee(p),
                        _mentor(p),
                        "" if p.route is None else str(p.route),
                        _score(p),
                        p.why,
                        _days_since(day, p.proposed_on),
                    ),
                    f"{p.pairing_id}: {_mentee(p)} with {_mentor(p)}"
                    + (f" ({p.why})" if p.why else ""),
                    _on_pairings(summary, p),
                )
                for p in summary.waiting_approval
            ),
        ),
        _section(
            "Overdue: no contact yet",
            "overdue",
            OVERDUE_NOTE,
            ("Pairing", PC.MENTOR, PC.MENTEE, "Waited", PC.REMINDERS_SENT, "Note"),
            (
                Item(
                    (
                        item.pairing.pairing_id,
                        _mentor(item.pairing),
                        _mentee(item.pairing),
                        _plural(item.business_days_waited, "business day"),
                        str(item.reminders_sent),
                        _overdue_cell(item),
                    ),
                    f"{item.pairing.pairing_id}: {_mentor(item.pairing)} has not "
                    f"contacted {_mentee(item.pairing)}: {_overdue_note(item)}",
                    _on_pairings(summary, item.pairing),
                )
                for item in summary.overdue
            ),
        ),
        _section(
            "Check intro",
            "check intro",
            _sentence(CHECK_INTRO_NOTE),
            ("Pairing", PC.MENTOR, PC.MENTEE),
            (
                Item(
                    (p.pairing_id, _mentor(p), _mentee(p)),
                    f"{p.pairing_id}: {_mentor(p)} and {_mentee(p)}: {CHECK_INTRO_NOTE}",
                    _on_pairings(summary, p),
                )
                for p in summary.check_intro
            ),
        ),
        _section(
            "Unpaired mentees",
            "unpaired mentees",
            UNPAIRED_NOTE,
            ("Mentee", MenteeColumn.ROUTE, "Waiting", "Reason"),
            (
                Item(
                    (
                        Person(u.mentee.name, u.mentee.email),
                        str(u.mentee.route),
                        _days_since(day, u.mentee.requested_on),
                        u.reason,
                    ),
                    f"{_person(u.mentee.name, u.mentee.email)} ({u.mentee.route}): {u.reason}",
                    summary.links.place(summary.links.title(MENTEES), u.mentee.row),
                )
                for u in summary.unpaired
            ),
        ),
        _section(
            "Skill gaps",
            "skill gaps",
            SKILL_GAP_NOTE,
            ("Skill", "Wanted by", "Free mentor places"),
            (
                Item((g.skill, str(g.wanted_by), str(g.free_places)), _gap_line(g))
                for g in summary.skill_gaps
            ),
        ),
        _section(
            "Workbook problems",
            "workbook problems",
            PROBLEMS_NOTE,
            tuple(ProblemColumn),
            (
                Item(
                    (p.tab, _row_text(p.row), p.column, p.value, p.problem),
                    _problem_line(p),
                    summary.links.place(p.tab, p.row),
                )
                for p in summary.problems
            ),
            lead=ProblemColumn.PROBLEM,
            said_by_place=(ProblemColumn.TAB, ProblemColumn.ROW),
        ),
        *_ending_sections(summary),
    )


def _ending_sections(summary: DigestSummary) -> tuple[Section, ...]:
    """Closing messages to check, and who is back from a pause this week."""
    return (
        _section(
            "Closing emails to check",
            "closing emails to check",
            _sentence(CHECK_CLOSING_NOTE),
            ("Pairing", PC.STATUS, PC.MENTOR, PC.MENTEE),
            (
                Item(
                    (
                        p.pairing_id,
                        str(p.status),
                        Person(p.mentor_name, p.mentor_email),
                        Person(p.mentee_name, p.mentee_email),
                    ),
                    f"{p.pairing_id} ({p.status}): {_person(p.mentor_name, p.mentor_email)} and "
                    f"{_person(p.mentee_name, p.mentee_email)}: {CHECK_CLOSING_NOTE}",
                    _on_pairings(summary, p),
                )
                for p in summary.check_closing
            ),
        ),
        _section(
            "Back from a pause this week",
            "back from a pause",
            RETURNING_NOTE,
            ("Who", "Name", "Email", "Back on"),
            (
                Item(
                    (r.role, r.name, Person("", r.email), long_day(r.back_on)),
                    f"{_person(r.name, r.email)} ({r.role}): back on {long_day(r.back_on)}",
                )
                for r in summary.returning
            ),
        ),
        _section(
            "Erased by retention",
            "erased by retention",
            _sentence(RETENTION_NOTE),
            ("Pairing",),
            (Item((pid,), f"{pid}: {RETENTION_NOTE}") for pid in summary.erased_pairings),
        ),
    )


RETENTION_NOTE = (
    "ended more than workbook.retention_months ago: its people's names, emails and notes "
    "were erased (its Pairing ID and Status kept)"
)


def _counts_line(sections: Sequence[Section]) -> str:
    return ", ".join(f"{section.short} {len(section.rows)}" for section in sections)


def counts(sections: Sequence[Section]) -> tuple[tuple[str, int], ...]:
    """The title and item count of each non-empty section, for a summary line."""
    return tuple((section.title, len(section.items)) for section in sections if section.items)


def _single_line(text: str) -> str:
    return re.sub(r"\s*[\r\n]+\s*", " ", text)


def render_text(summary: DigestSummary) -> str:
    """A plain-text email body: a heading per section with its count, one line per item."""
    sections = digest_sections(summary)
    lines = [f"Mentoring digest for {long_day(summary.day)}", ""]
    if not summary.needs_action():
        lines.append("Nothing needs attention today.")
        return "\n".join(lines) + "\n"
    lines += [f"In short: {_counts_line(sections)}.", ""]
    for section in sections:
        if not section.rows:
            continue
        lines.append(f"{section.title} ({len(section.rows)})")
        lines += [f"  - {_single_line(line)}" for line in section.lines]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|])")


def markdown_cell(text: str) -> str:
    """Text safe inside a GitHub Markdown table cell.

    ``|`` would end the cell and a new line the row; HTML and emphasis
    characters are escaped too, so text from the workbook shows as written.
    """
    escaped = html.escape(text, quote=False)
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", escaped)
    return re.sub(r"\r\n|\r|\n", "<br>", escaped)


def render_markdown(summary: DigestSummary) -> str:
    """GitHub-flavoured Markdown for ``GITHUB_STEP_SUMMARY``: headings and tables."""
    sections = digest_sections(summary)
    lines = [f"## Mentoring digest for {long_day(summary.day)}", ""]
    if not summary.needs_action():
        lines.append("Nothing needs attention today.")
        return "\n".join(lines) + "\n"
    lines += [f"In short: {_counts_line(sections)}.", ""]
    for section in sections:
        if not section.rows:
            continue
        lines += [f"### {section.title} ({len(section.rows)})", ""]
        if section.note:
            lines += [markdown_cell(section.note), ""]
        lines += _markdown_table(section)
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _markdown_table(section: Section) -> list[str]:
    """One table row per item, and a column linking each to its row in a Google Sheet."""
    where = any(item.place is not None and item.place.url for item in section.items)
    headers = [*section.headers, *(["In the workbook"] if where else [])]
    lines = [
        "| " + " | ".join(markdown_cell(header) for header in headers) + " |",
        "|" + "|".join(" --- " for _ in headers) + "|",
    ]
    for item in section.items:
        cells = [markdown_cell(str(cell)) for cell in item.cells]
        if where:
            cells.append(_markdown_place(item.place))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _markdown_place(place: Place | None) -> str:
    if place is None:
        return ""
    if place.url.startswith(GOOGLE_SHEETS):
        # The link is built from ids alone (no text of the workbook's): only its text is escaped.
        return f"[{markdown_cell(str(place))}]({place.url})"
    return markdown_cell(str(place))

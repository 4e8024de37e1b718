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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from mentorsheet.core.endings import to_check
from mentorsheet.core.forms import (
    CheckinFlag,
    OneSided,
    needing_attention,
    new_confirmations,
    one_sided,
    since_day,
)
from mentorsheet.core.model import (
    FormResponse,
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
from mentorsheet.core.schema import PC, MenteeColumn, ProblemColumn, Status
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
    # The contact form (core/forms): answers confirming contact since the last
    # digest (news), pairings confirmed by one side only for a week, and
    # check-in answers scoring 2 or less or no longer meeting.
    confirmations_received: int = 0
    one_sided: tuple[OneSided, ...] = ()
    checkins_attention: tuple[CheckinFlag, ...] = ()

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
                self.one_sided,
                self.checkins_attention,
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
    responses: Sequence[FormResponse] | None = None,
    last_digest_day: str | None = None,
) -> DigestSummary:
    """Summarise what needs staff, from the pairings as they are after this run.

    The contact form's answers count from the day of the last digest
    (``last_digest_day``; a week back when there was none): an answer on
    that day may be shown twice, never missed.

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
        confirmations_received=new_confirmations(responses, since_day(last_digest_day, day)),
        one_sided=one_sided(pairings, responses, day),
        checkins_attention=needing_attention(pairings, responses, since_day(last_digest_day, day)),
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
class Section:
    """One part of the digest: table columns and rows, and the same items as lines."""

    title: str
    short: str  # for the counts line
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    lines: tuple[str, ...]


def digest_sections(summary: DigestSummary) -> tuple[Section, ...]:
    """Every section, in a fixed order (the order of the issue that asked for them).

    A table column showing a workbook column is headed by that column's name.
    """
    return (
        Section(
            "Waiting for approval",
            "waiting for approval",
            ("Pairing", PC.MENTEE, PC.MENTOR, PC.ROUTE, PC.SCORE, PC.WHY),
            tuple(
                (
                    p.pairing_id,
                    _person(p.mentee_name, p.mentee_email),
                    _person(p.mentor_name, p.mentor_email),
                    "" if p.route is None else str(p.route),
                    _score(p),
                    p.why,
                )
                for p in summary.waiting_approval
            ),
            tuple(
                f"{p.pairing_id}: {_person(p.mentee_name, p.mentee_email)} with "
                f"{_person(p.mentor_name, p.mentor_email)}" + (f" ({p.why})" if p.why else "")
                for p in summary.waiting_approval
            ),
        ),
        Section(
            "Overdue: no contact yet",
            "overdue",
            ("Pairing", PC.MENTOR, PC.MENTEE, "Waited", PC.REMINDERS_SENT, "Note"),
            tuple(
                (
                    item.pairing.pairing_id,
                    _person(item.pairing.mentor_name, item.pairing.mentor_email),
                    _person(item.pairing.mentee_name, item.pairing.mentee_email),
                    _plural(item.business_days_waited, "business day"),
                    str(item.reminders_sent),
                    _overdue_cell(item),
                )
                for item in summary.overdue
            ),
            tuple(
                f"{item.pairing.pairing_id}: "
                f"{_person(item.pairing.mentor_name, item.pairing.mentor_email)} has not "
                f"contacted {_person(item.pairing.mentee_name, item.pairing.mentee_email)}: "
                f"{_overdue_note(item)}"
                for item in summary.overdue
            ),
        ),
        Section(
            "Check intro",
            "check intro",
            ("Pairing", PC.MENTOR, PC.MENTEE, "What to do"),
            tuple(
                (
                    p.pairing_id,
                    _person(p.mentor_name, p.mentor_email),
                    _person(p.mentee_name, p.mentee_email),
                    CHECK_INTRO_NOTE,
                )
                for p in summary.check_intro
            ),
            tuple(
                f"{p.pairing_id}: {_person(p.mentor_name, p.mentor_email)} and "
                f"{_person(p.mentee_name, p.mentee_email)}: {CHECK_INTRO_NOTE}"
                for p in summary.check_intro
            ),
        ),
        Section(
            "Unpaired mentees",
            "unpaired mentees",
            ("Mentee", MenteeColumn.ROUTE, "Reason"),
            tuple(
                (_person(u.mentee.name, u.mentee.email), str(u.mentee.route), u.reason)
                for u in summary.unpaired
            ),
            tuple(
                f"{_person(u.mentee.name, u.mentee.email)} ({u.mentee.route}): {u.reason}"
                for u in summary.unpaired
            ),
        ),
        Section(
            "Skill gaps",
            "skill gaps",
            ("Skill", "Wanted by", "Free mentor places"),
            tuple((g.skill, str(g.wanted_by), str(g.free_places)) for g in summary.skill_gaps),
            tuple(_gap_line(g) for g in summary.skill_gaps),
        ),
        Section(
            "Workbook problems",
            "workbook problems",
            tuple(ProblemColumn),
            tuple(
                (p.tab, _row_text(p.row), p.column, p.value, p.problem) for p in summary.problems
            ),
            tuple(_problem_line(p) for p in summary.problems),
        ),
        *_ending_sections(summary),
    )


def _ending_sections(summary: DigestSummary) -> tuple[Section, ...]:
    """Closing messages to check, and who is back from a pause this week."""
    return (
        Section(
            "Closing emails to check",
            "closing emails to check",
            ("Pairing", PC.STATUS, PC.MENTOR, PC.MENTEE, "What to do"),
            tuple(
                (
                    p.pairing_id,
                    str(p.status),
                    _person(p.mentor_name, p.mentor_email),
                    _person(p.mentee_name, p.mentee_email),
                    CHECK_CLOSING_NOTE,
                )
                for p in summary.check_closing
            ),
            tuple(
                f"{p.pairing_id} ({p.status}): {_person(p.mentor_name, p.mentor_email)} and "
                f"{_person(p.mentee_name, p.mentee_email)}: {CHECK_CLOSING_NOTE}"
                for p in summary.check_closing
            ),
        ),
        Section(
            "Check-ins needing attention",
            "check-ins needing attention",
            (
                "Pairing",
                PC.MENTOR,
                PC.MENTEE,
                "Answered by",
                "How is it going?",
                "Still meeting?",
                "Comment",
            ),
            tuple(
                (
                    f.pairing.pairing_id,
                    _person(f.pairing.mentor_name, f.pairing.mentor_email),
                    _person(f.pairing.mentee_name, f.pairing.mentee_email),
                    f.response.role or "?",
                    "" if f.response.score is None else f"{f.response.score}/5",
                    _yes_no(f.response.meeting),
                    f.response.comment,
                )
                for f in summary.checkins_attention
            ),
            tuple(_checkin_line(f) for f in summary.checkins_attention),
        ),
        Section(
            "Contact confirmed by one side only",
            "confirmed by one side only",
            ("Pairing", PC.MENTOR, PC.MENTEE, "Confirmed by", "On"),
            tuple(
                (
                    o.pairing.pairing_id,
                    _person(o.pairing.mentor_name, o.pairing.mentor_email),
                    _person(o.pairing.mentee_name, o.pairing.mentee_email),
                    o.confirmed_by,
                    long_day(o.since),
                )
                for o in summary.one_sided
            ),
            tuple(
                f"{o.pairing.pairing_id}: the {o.confirmed_by} said on {long_day(o.since)} that "
                f"they were in touch; the {_other(o.confirmed_by)} has not confirmed"
                for o in summary.one_sided
            ),
        ),
        Section(
            "Back from a pause this week",
            "back from a pause",
            ("Who", "Name", "Email", "Back on"),
            tuple((r.role, r.name, r.email, long_day(r.back_on)) for r in summary.returning),
            tuple(
                f"{_person(r.name, r.email)} ({r.role}): back on {long_day(r.back_on)}"
                for r in summary.returning
            ),
        ),
    )


def _yes_no(answer: bool | None) -> str:
    return "" if answer is None else ("yes" if answer else "no")


def _other(role: str) -> str:
    return "mentee" if role == "mentor" else "mentor"


def _checkin_line(flag: CheckinFlag) -> str:
    r = flag.response
    said = []
    if r.score is not None:
        said.append(f"how is it going {r.score}/5")
    if r.meeting is False:
        said.append("no longer meeting")
    line = f"{flag.pairing.pairing_id} ({r.role or 'answer'} on {long_day(r.day)}): "
    line += ", ".join(said)
    return line + (f"; comment: {r.comment!r}" if r.comment else "")


def _confirmed_line(summary: DigestSummary) -> list[str]:
    count = summary.confirmations_received
    if not count:
        return []
    return [f"Contact confirmed on the form since the last digest: {count}.", ""]


def _counts_line(sections: Sequence[Section]) -> str:
    return ", ".join(f"{section.short} {len(section.rows)}" for section in sections)


def _single_line(text: str) -> str:
    return re.sub(r"\s*[\r\n]+\s*", " ", text)


def render_text(summary: DigestSummary) -> str:
    """A plain-text email body: a heading per section with its count, one line per item."""
    sections = digest_sections(summary)
    lines = [f"Mentoring digest for {long_day(summary.day)}", ""]
    if not summary.needs_action():
        lines.append("Nothing needs attention today.")
        return "\n".join(lines) + "\n"
    lines += [f"In short: {_counts_line(sections)}.", "", *_confirmed_line(summary)]
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
    lines += [f"In short: {_counts_line(sections)}.", "", *_confirmed_line(summary)]
    for section in sections:
        if not section.rows:
            continue
        lines.append(f"### {section.title} ({len(section.rows)})")
        lines.append("")
        lines.append("| " + " | ".join(section.headers) + " |")
        lines.append("|" + "|".join(" --- " for _ in section.headers) + "|")
        for row in section.rows:
            lines.append("| " + " | ".join(markdown_cell(cell) for cell in row) + " |")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"

"""The staff digest: its content, the renderers and the one-a-day rule."""

from __future__ import annotations

import dataclasses
import re
from datetime import date

from rich.console import Console

from mentorsheet.cli.output import render_rich
from mentorsheet.core.digest import (
    EXHAUSTED_NOTE,
    DigestSummary,
    build_digest,
    digest_due,
    markdown_cell,
    render_markdown,
    render_text,
)
from mentorsheet.core.model import (
    MatchResult,
    Mentee,
    OverdueItem,
    Pairing,
    Problem,
    SkillGap,
    StatusPlan,
    Unpaired,
)
from mentorsheet.core.schema import Route, Status

DAY = date(2026, 11, 4)


def pairing(pairing_id: str, status: Status, **changes: object) -> Pairing:
    base = Pairing(
        row=2,
        pairing_id=pairing_id,
        status=status,
        mentee_name=f"Mentee {pairing_id}",
        mentee_email=f"mentee-{pairing_id.lower()}@example.org",
        mentor_name=f"Mentor {pairing_id}",
        mentor_email=f"mentor-{pairing_id.lower()}@example.org",
        route=Route.COMMUNITY,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def empty_summary(day: date = DAY) -> DigestSummary:
    return build_digest(day=day, pairings=(), plan=StatusPlan(), match=MatchResult(), problems=())


def full_summary() -> DigestSummary:
    proposed = pairing("P-1", Status.PROPOSED, score=0.75, why="shares python, sql")
    overdue = pairing("P-2", Status.CONTACT_OVERDUE, reminders_sent=1)
    exhausted = pairing("P-3", Status.CONTACT_OVERDUE, reminders_sent=2)
    check = pairing("P-4", Status.CHECK_INTRO)
    in_contact = pairing("P-5", Status.IN_CONTACT)
    plan = StatusPlan(
        overdue=(
            OverdueItem(
                overdue, business_days_waited=3, reminders_sent=1, reminders_exhausted=False
            ),
            OverdueItem(
                exhausted, business_days_waited=9, reminders_sent=2, reminders_exhausted=True
            ),
        )
    )
    grace = Mentee(
        row=7,
        name="Grace Hopper",
        email="grace@example.org",
        route=Route.ACADEMY,
        skills_wanted=("cobol",),
    )
    match = MatchResult(
        unpaired=(Unpaired(grace, "no active mentor has a free place"),),
        skill_gaps=(SkillGap("cobol", wanted_by=2, free_places=0),),
    )
    problems = (Problem("Mentors", 5, "Email", "bob@", "not a valid email address"),)
    return build_digest(
        day=DAY,
        pairings=(proposed, overdue, exhausted, check, in_contact),
        plan=plan,
        match=match,
        problems=problems,
    )


# --- build_digest and needs_action ----------------------------------------------------


def test_empty_summary_needs_no_action() -> None:
    summary = empty_summary()
    assert not summary.needs_action()
    assert "Nothing needs attention today." in render_text(summary)
    assert "Nothing needs attention today." in render_markdown(summary)


def test_summary_sorts_pairings_by_what_they_need() -> None:
    summary = full_summary()
    assert summary.needs_action()
    assert [p.pairing_id for p in summary.waiting_approval] == ["P-1"]
    assert [i.pairing.pairing_id for i in summary.overdue] == ["P-2", "P-3"]
    assert [p.pairing_id for p in summary.check_intro] == ["P-4"]
    assert [u.mentee.name for u in summary.unpaired] == ["Grace Hopper"]
    assert [g.skill for g in summary.skill_gaps] == ["cobol"]
    assert [p.row for p in summary.problems] == [5]


def test_each_section_alone_needs_action() -> None:
    full = full_summary()
    for name in (
        "waiting_approval",
        "overdue",
        "check_intro",
        "unpaired",
        "skill_gaps",
        "problems",
    ):
        only = dataclasses.replace(empty_summary(), **{name: getattr(full, name)})
        assert only.needs_action(), name


def test_overdue_is_brought_up_to_date_with_the_run() -> None:
    before = pairing("P-2", Status.AWAITING_CONTACT, reminders_sent=1)
    planned = OverdueItem(
        dataclasses.replace(before, status=Status.CONTACT_OVERDUE),
        business_days_waited=5,
        reminders_sent=2,
        reminders_exhausted=True,
    )
    plan = StatusPlan(overdue=(planned,))

    def summarise(*after: Pairing) -> DigestSummary:
        return build_digest(day=DAY, pairings=after, plan=plan, match=MatchResult(), problems=())

    # The reminder went out: as planned.
    sent = dataclasses.replace(before, status=Status.CONTACT_OVERDUE, reminders_sent=2)
    [item] = summarise(sent).overdue
    assert (item.reminders_sent, item.reminders_exhausted, item.pairing) == (2, True, sent)
    # The reminder could not be sent this run: not counted, not yet exhausted.
    unsent = dataclasses.replace(before, status=Status.CONTACT_OVERDUE)
    [item] = summarise(unsent).overdue
    assert (item.reminders_sent, item.reminders_exhausted) == (1, False)
    assert item.business_days_waited == 5
    # Staff recorded contact meanwhile: no longer overdue.
    assert summarise(dataclasses.replace(before, status=Status.IN_CONTACT)).overdue == ()
    # Not among the pairings passed in: kept as planned.
    assert summarise().overdue == (planned,)


# --- digest_due ----------------------------------------------------------------------------


def test_digest_due_once_a_day_and_only_with_something_to_do() -> None:
    summary = full_summary()
    assert digest_due(day=DAY, last_digest_day=None, summary=summary)
    assert digest_due(day=DAY, last_digest_day="", summary=summary)
    assert digest_due(day=DAY, last_digest_day="2026-11-03", summary=summary)
    assert not digest_due(day=DAY, last_digest_day="2026-11-04", summary=summary)
    assert not digest_due(day=DAY, last_digest_day=" 2026-11-04T07:17:03+00:00 ", summary=summary)
    assert not digest_due(day=DAY, last_digest_day="2026-11-05", summary=summary)
    assert digest_due(day=DAY, last_digest_day="not a date", summary=summary)
    assert not digest_due(day=DAY, last_digest_day=None, summary=empty_summary())
    assert not digest_due(day=DAY, last_digest_day="2026-11-01", summary=empty_summary())


def test_a_day_of_runs_sends_one_digest() -> None:
    summary = full_summary()
    marker: str | None = "2026-11-03"
    sent = 0
    for _run in range(3):
        if digest_due(day=DAY, last_digest_day=marker, summary=summary):
            sent += 1
            marker = DAY.isoformat()
    assert sent == 1
    assert digest_due(day=date(2026, 11, 5), last_digest_day=marker, summary=summary)


# --- render_text ----------------------------------------------------------------------------


def test_text_has_sections_with_counts_and_one_line_per_item() -> None:
    text = render_text(full_summary())
    assert text.startswith("Mentoring digest for Wednesday 4 November 2026\n")
    for heading in (
        "Waiting for approval (1)",
        "Overdue: no contact yet (2)",
        "Check intro (1)",
        "Unpaired mentees (1)",
        "Skill gaps (1)",
        "Workbook problems (1)",
    ):
        assert f"\n{heading}\n" in text
    items = [line for line in text.splitlines() if line.startswith("  - ")]
    assert len(items) == 7
    [p1] = [line for line in items if "P-1" in line]
    assert "Mentee P-1 <mentee-p-1@example.org>" in p1
    assert "Mentor P-1" in p1
    assert "shares python, sql" in p1


def test_text_overdue_lines_show_waiting_and_reminders() -> None:
    lines = render_text(full_summary()).splitlines()
    [p2] = [line for line in lines if "P-2" in line]
    assert "3 business days since the intro, 1 reminder sent" in p2
    assert "exhausted" not in p2
    [p3] = [line for line in lines if "P-3" in line]
    assert "9 business days since the intro, 2 reminders sent" in p3
    assert "reminders exhausted — please follow up" in p3


def test_text_lists_unpaired_gaps_and_problems() -> None:
    text = render_text(full_summary())
    assert "Grace Hopper <grace@example.org> (Academy): no active mentor has a free place" in text
    assert "cobol: wanted by 2 unpaired mentees, 0 free mentor places" in text
    assert "Mentors row 5, Email: not a valid email address (value: 'bob@')" in text
    assert "In short: waiting for approval 1, overdue 2, check intro 1, unpaired mentees 1," in text


def test_text_keeps_each_item_on_one_line() -> None:
    proposed = pairing("P-9", Status.PROPOSED, why="shares python\n\nBcc: x@example.net")
    problem = Problem("Mentees", 3, "Name", "Ann\nBcc: x@example.net", "two lines")
    summary = dataclasses.replace(
        empty_summary(), waiting_approval=(proposed,), problems=(problem,)
    )
    text = render_text(summary)
    items = [line for line in text.splitlines() if line.startswith("  - ")]
    assert len(items) == 2
    assert "(shares python Bcc: x@example.net)" in items[0]
    assert "(value: 'Ann\\nBcc: x@example.net')" in items[1]
    assert not any(line.startswith("Bcc") for line in text.splitlines())


def test_problem_without_row_or_column() -> None:
    summary = dataclasses.replace(
        empty_summary(), problems=(Problem("Pairings", None, "", "", "duplicate Pairing ID"),)
    )
    assert "  - Pairings: duplicate Pairing ID\n" in render_text(summary)


# --- render_markdown ------------------------------------------------------------------------


def table_rows(markdown: str, heading: str) -> list[str]:
    lines = markdown.splitlines()
    start = lines.index(heading)
    rows = []
    for line in lines[start + 1 :]:
        if line.startswith("#"):
            break
        if line.startswith("|"):
            rows.append(line)
    return rows


def cells(row: str) -> list[str]:
    """Split a table row on unescaped pipes, as GitHub does."""
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", row)[1:-1]]


def test_markdown_has_headings_and_tables() -> None:
    markdown = render_markdown(full_summary())
    assert markdown.startswith("## Mentoring digest for Wednesday 4 November 2026\n")
    rows = table_rows(markdown, "### Overdue: no contact yet (2)")
    assert cells(rows[0]) == ["Pairing", "Mentor", "Mentee", "Waited", "Reminders sent", "Note"]
    assert set(cells(rows[1])) == {"---"}
    assert cells(rows[2])[0] == "P-2"
    assert cells(rows[2])[3:] == ["3 business days", "1", ""]
    assert cells(rows[3])[3:] == ["9 business days", "2", EXHAUSTED_NOTE]
    assert EXHAUSTED_NOTE.startswith(
        "reminders exhausted — please follow up, or set Status to Re-pair"
    )
    problem = table_rows(markdown, "### Workbook problems (1)")
    assert cells(problem[0]) == ["Tab", "Row", "Column", "Value", "Problem"]
    assert cells(problem[2]) == ["Mentors", "5", "Email", "bob@", "not a valid email address"]


def test_markdown_escapes_pipes_and_new_lines_in_cells() -> None:
    problem = Problem("Mentors", 4, "Skills", "python | sql\nrust", "odd|value")
    markdown = render_markdown(dataclasses.replace(empty_summary(), problems=(problem,)))
    [_header, _rule, row] = table_rows(markdown, "### Workbook problems (1)")
    assert cells(row) == ["Mentors", "4", "Skills", r"python \| sql<br>rust", r"odd\|value"]


def test_markdown_cell_shows_workbook_text_as_written() -> None:
    assert markdown_cell("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert markdown_cell("**bold** _it_ `code` [x](y)") == (
        r"\*\*bold\*\* \_it\_ \`code\` \[x\](y)"
    )
    assert markdown_cell("a\\|b") == r"a\\\|b"
    assert markdown_cell("one\r\ntwo\rthree") == "one<br>two<br>three"
    assert markdown_cell("R&D") == "R&amp;D"


def test_markdown_leaves_out_empty_sections() -> None:
    summary = dataclasses.replace(empty_summary(), skill_gaps=(SkillGap("rust", 1, 0),))
    markdown = render_markdown(summary)
    assert "### Skill gaps (1)" in markdown
    assert "### Waiting for approval" not in markdown
    assert "In short: waiting for approval 0" in markdown


# --- render_rich -----------------------------------------------------------------------------


def test_rich_tables_show_every_section() -> None:
    console = Console(width=200, record=True, color_system=None)
    console.print(render_rich(full_summary()))
    shown = console.export_text()
    assert "Mentoring digest for Wednesday 4 November 2026" in shown
    for title in (
        "Waiting for approval (1)",
        "Overdue: no contact yet (2)",
        "Check intro (1)",
        "Unpaired mentees (1)",
        "Skill gaps (1)",
        "Workbook problems (1)",
    ):
        assert title in shown
    assert "reminders exhausted — please follow up" in shown
    assert "grace@example.org" in shown


def test_rich_shows_square_brackets_literally() -> None:
    problem = Problem("Mentors", 4, "Name", "[bold]Eve[/bold]", "looks like markup")
    console = Console(width=200, record=True, color_system=None)
    console.print(render_rich(dataclasses.replace(empty_summary(), problems=(problem,))))
    assert "[bold]Eve[/bold]" in console.export_text()


def test_rich_empty_summary() -> None:
    console = Console(width=100, record=True, color_system=None)
    console.print(render_rich(empty_summary()))
    assert "Nothing needs attention today." in console.export_text()

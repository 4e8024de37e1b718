"""The digest's HTML part parsed as a browser would (html5lib), its links, and its Markdown."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import html5lib
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from mentorsheet.adapters.channels.email.channel import EmailChannel
from mentorsheet.adapters.channels.email.compose import Composer
from mentorsheet.adapters.channels.email.outbox import OutboxSender
from mentorsheet.cli.output import render_rich, write_step_summary
from mentorsheet.config import MailConfig
from mentorsheet.core.digest import (
    APPROVAL_NOTE,
    DigestSummary,
    Item,
    Person,
    build_digest,
    digest_sections,
    render_markdown,
)
from mentorsheet.core.messages import EMAIL, Kind, OutgoingMessage
from mentorsheet.core.model import (
    MatchResult,
    Mentee,
    OverdueItem,
    Pairing,
    Problem,
    Returning,
    SkillGap,
    StatusPlan,
    Unpaired,
)
from mentorsheet.core.schema import MENTEES, MENTORS, PAIRINGS, PROBLEMS, RUNS, Route, Status
from mentorsheet.core.sheet_links import GOOGLE_SHEETS, Place, SheetLinks
from tests.fakes.gmail_api import FakeGmailApi
from tests.story import Programme
from tests.workbooks import make_config, mentee, mentor, pairing, tab_rows

SHIPPED = Path(__file__).resolve().parents[1] / "mentorsheet" / "templates"
DAY = date(2026, 11, 4)
NOW = datetime(2026, 11, 4, 9, 0, tzinfo=UTC)
KEY = "1SheetKey_abc-DEF"
MAIL = MailConfig(
    sender="mentoring@example.org",
    sender_name="Example Mentoring",
    staff_email="staff@example.org",
    programme_name="the Example programme",
)
LINKS = SheetLinks(
    KEY,
    {PAIRINGS: 11, MENTEES: 22, MENTORS: 33},
    {PAIRINGS: PAIRINGS, MENTEES: MENTEES, MENTORS: MENTORS},
)


def a_pairing(pairing_id: str, status: Status, row: int, **changes: Any) -> Pairing:
    base = Pairing(
        row=row,
        pairing_id=pairing_id,
        status=status,
        mentee_name=f"Mentee {pairing_id}",
        mentee_email=f"mentee-{pairing_id.lower()}@example.org",
        mentor_name=f"Mentor {pairing_id}",
        mentor_email=f"mentor-{pairing_id.lower()}@example.org",
        route=Route.COMMUNITY,
        proposed_on=date(2026, 11, 1),
    )
    return dataclasses.replace(base, **changes)


def summary_of(
    *,
    name: str = "Ada",
    email: str = "ada@example.org",
    note: str = "shares python",
    links: SheetLinks = LINKS,
) -> DigestSummary:
    """A summary with something in every section; ``name``, ``email`` and ``note`` in many cells."""
    proposed = a_pairing("P-1", Status.PROPOSED, 3, mentee_name=name, why=note, score=0.5)
    overdue = a_pairing("P-2", Status.CONTACT_OVERDUE, 4, mentor_name=name, mentor_email=email)
    check = a_pairing("P-3", Status.CHECK_INTRO, 5, mentee_email=email)
    ended = a_pairing("P-4", Status.ENDED, 6, closing_email="check: " + note)
    waiting = Mentee(
        row=7,
        name=name,
        email=email,
        route=Route.ACADEMY,
        skills_wanted=(),
        requested_on=date(2026, 10, 30),
    )
    summary = build_digest(
        day=DAY,
        pairings=(proposed, overdue, check),
        plan=StatusPlan(overdue=(OverdueItem(overdue, 3, 1, reminders_exhausted=True),)),
        match=MatchResult(
            unpaired=(Unpaired(waiting, note),),
            skill_gaps=(SkillGap(note, wanted_by=2, free_places=0),),
        ),
        problems=(Problem(MENTORS, 9, "Name", name, note), Problem(PAIRINGS, None, "", "", note)),
        returning=(Returning("mentor", name, email, date(2026, 11, 6)),),
        links=links,
    )
    return dataclasses.replace(summary, check_closing=(ended,))


def digest_email(summary: DigestSummary, tmp_path: Path) -> EmailMessage:
    """The digest as the email channel renders it, read back from the wire."""
    channel = EmailChannel(OutboxSender(tmp_path / "outbox"), Composer(MAIL, templates_dir=SHIPPED))
    message = OutgoingMessage(Kind.DIGEST, EMAIL, NOW, day=summary.day, summary=summary)
    payload = channel.render(message).payload
    assert isinstance(payload, EmailMessage)
    parsed = BytesParser(policy=policy.default).parsebytes(payload.as_bytes(policy=policy.SMTP))
    assert isinstance(parsed, EmailMessage)
    return parsed


def html_part(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())


def parse(page: str) -> Element:
    document: Element = html5lib.parse(page, namespaceHTMLElements=False)
    return document


def text_of(element: Element) -> str:
    return "".join(element.itertext())


def hrefs(document: Element) -> list[str]:
    return [str(a.get("href")) for a in document.iter("a")]


def allowed_link(href: str, key: str = KEY) -> bool:
    return href.startswith(f"{GOOGLE_SHEETS}{key}/edit#gid=") or href.startswith("mailto:")


# --- one table per section, no <pre> ----------------------------------------------------


def test_one_table_per_non_empty_section_and_no_pre(tmp_path: Path) -> None:
    summary = summary_of()
    document = parse(html_part(digest_email(summary, tmp_path)))
    sections = [s for s in digest_sections(summary) if s.items]
    assert len(sections) == 8  # every section has something in it
    assert list(document.iter("pre")) == []
    tables = list(document.iter("table"))
    assert len(tables) == len(sections)
    headings = [text_of(h).strip() for h in document.iter("h2")]
    assert headings == [f"{s.title} ({len(s.items)})" for s in sections]
    # Each table has headers: a row header per labelled cell, or column headers.
    for table in tables:
        assert any(th.get("scope") in ("row", "col") for th in table.iter("th"))
        if any(th.get("scope") == "row" for th in table.iter("th")):
            # Items shown one by one: each is a row group headed by its first cell.
            heads = [th for th in table.iter("th") if th.get("scope") == "rowgroup"]
            assert len(heads) == len(list(table.iter("tbody")))
    # No <style> block: mail clients drop them, so every style is inline.
    assert list(document.iter("style")) == []


def test_empty_sections_have_no_table(tmp_path: Path) -> None:
    only_gaps = dataclasses.replace(
        build_digest(day=DAY, pairings=(), plan=StatusPlan(), match=MatchResult(), problems=()),
        skill_gaps=(SkillGap("rust", 1, 0),),
    )
    document = parse(html_part(digest_email(only_gaps, tmp_path)))
    [table] = document.iter("table")
    assert [text_of(th).strip() for th in table.iter("th")] == [
        "Skill",
        "Wanted by",
        "Free mentor places",
    ]
    assert [text_of(td).strip() for td in table.iter("td")] == ["rust", "1", "0"]


def test_the_summary_line_counts_every_section(tmp_path: Path) -> None:
    document = parse(html_part(digest_email(summary_of(), tmp_path)))
    [line] = [p for p in document.iter("p") if text_of(p).startswith("In short:")]
    shown = " ".join(text_of(line).split())
    assert "Waiting for approval 1 · Overdue: no contact yet 1 · Check intro 1" in shown
    assert "Workbook problems 2" in shown


def test_nothing_to_do_says_so(tmp_path: Path) -> None:
    empty = build_digest(day=DAY, pairings=(), plan=StatusPlan(), match=MatchResult(), problems=())
    document = parse(html_part(digest_email(empty, tmp_path)))
    assert list(document.iter("table")) == []
    assert "Nothing needs attention today." in text_of(document)


def test_the_plain_text_part_stays(tmp_path: Path) -> None:
    message = digest_email(summary_of(), tmp_path)
    assert [part.get_content_type() for part in message.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    plain = message.get_body(("plain",))
    assert plain is not None
    assert "Waiting for approval (1)" in str(plain.get_content())


# --- every value stays text; links only to the sheet or mailto: -------------------------

MARKUP = st.sampled_from(
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "]]>",
        "<![CDATA[x]]>",
        "&amp;",
        "&",
        '"',
        "'",
        "<a href='javascript:alert(1)'>x</a>",
        "<!--",
        "</td></tr></table>",
        "{{ 7*7 }}",
    ]
)
PLAIN = st.text(
    alphabet=st.characters(
        codec="utf-8", categories=["L", "N", "P", "S", "Zs"], exclude_characters="\x00"
    ),
    max_size=8,
)
VALUE = (
    st.lists(st.one_of(MARKUP, PLAIN), min_size=1, max_size=4)
    .map("".join)
    .filter(lambda text: bool(text.strip()))
)
EMAIL_TEXT = st.tuples(st.one_of(MARKUP, PLAIN), MARKUP).map(
    lambda parts: f"{parts[0]}{parts[1]}@example.org"
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=VALUE, email=EMAIL_TEXT, note=VALUE)
def test_every_user_value_is_escaped(name: str, email: str, note: str) -> None:
    summary = summary_of(name=name, email=email, note=note)
    channel = EmailChannel(OutboxSender(Path("unused")), Composer(MAIL, templates_dir=SHIPPED))
    message = OutgoingMessage(Kind.DIGEST, EMAIL, NOW, day=DAY, summary=summary)
    payload = channel.render(message).payload
    assert isinstance(payload, EmailMessage)
    page = html_part(payload)
    document = parse(page)
    # Markup in a value never becomes an element or an attribute.
    assert list(document.iter("script")) == []
    assert list(document.iter("img")) == []
    for element in document.iter():
        assert not any(attribute.lower().startswith("on") for attribute in element.attrib)
    assert all(allowed_link(href) for href in hrefs(document)), hrefs(document)
    # ... and reads as written.
    shown = text_of(document)
    for value in (name, email, note):
        assert value.strip() in shown
    assert "<script>" not in page


def test_links_are_the_rows_and_mailto(tmp_path: Path) -> None:
    document = parse(html_part(digest_email(summary_of(), tmp_path)))
    links = hrefs(document)
    assert links and all(allowed_link(href) for href in links)
    pairing_link = f"{GOOGLE_SHEETS}{KEY}/edit#gid=11&range=A"
    for row in (3, 4, 5, 6):  # P-1 .. P-4
        assert f"{pairing_link}{row}" in links
    assert f"{GOOGLE_SHEETS}{KEY}/edit#gid=22&range=A7" in links  # the unpaired mentee
    assert f"{GOOGLE_SHEETS}{KEY}/edit#gid=33&range=A9" in links  # the problem's cell
    assert "mailto:ada@example.org" in links


def test_an_xlsx_shows_the_tab_and_row_as_text(tmp_path: Path) -> None:
    titles = {PAIRINGS: "Matches", MENTEES: MENTEES}
    document = parse(
        html_part(digest_email(summary_of(links=SheetLinks("", {}, titles)), tmp_path))
    )
    assert all(href.startswith("mailto:") for href in hrefs(document))
    shown = " ".join(text_of(document).split())
    assert "Matches row 3" in shown
    assert "Mentees row 7" in shown
    assert "Mentors row 9" in shown


def test_place_links_only_a_google_sheet() -> None:
    assert SheetLinks().place(PAIRINGS, 4) == Place(PAIRINGS, 4)
    links = SheetLinks("k/../x", {PAIRINGS: 7})
    place = links.place(PAIRINGS, 4)
    assert place is not None
    assert place.url == f"{GOOGLE_SHEETS}k%2F..%2Fx/edit#gid=7&range=A4"
    assert links.place(PAIRINGS, 0) == Place(
        PAIRINGS, None, f"{GOOGLE_SHEETS}k%2F..%2Fx/edit#gid=7"
    )
    assert links.place("Elsewhere", 4) == Place("Elsewhere", 4)


# --- the row links of a real run over the fake Sheets ---------------------------------


@pytest.mark.usefixtures("instant_backoff")
def test_a_runs_digest_links_each_row_of_the_sheet(tmp_path: Path, gmail: FakeGmailApi) -> None:
    config = make_config(
        tmp_path, workbook={"backend": "google", "spreadsheet": "fake", "wait_seconds": 30}
    )
    story = Programme(config, gmail)
    sheets = story.sheets
    mentors_gid = sheets.add_tab(
        MENTORS,
        tab_rows(
            MENTORS,
            [
                mentor("Ada Lovelace", "ada@example.org", "Python", 1),
                mentor("Bad Email", "not-an-email", "Python", 1),  # row 3: a problem
            ],
        ),
        frozen_rows=1,
        sheet_id=401,
    )
    mentees_gid = sheets.add_tab(
        MENTEES,
        tab_rows(
            MENTEES,
            [
                mentee("Sam", "sam@example.net", "Community", "Python"),
                mentee("Jo", "jo@example.net", "Community", "Rust"),  # row 3: unpaired
            ],
        ),
        frozen_rows=1,
        sheet_id=402,
    )
    pairings_gid = sheets.add_tab(
        PAIRINGS,
        tab_rows(
            PAIRINGS,
            [
                pairing("P-A", "Ended", "old@example.net", mentor_email="ada@example.org"),
                pairing("P-B", "Check intro", "sam@example.net", mentor_email="ada@example.org"),
            ],
        ),
        frozen_rows=1,
        sheet_id=403,
    )
    for tab in (PROBLEMS, RUNS):
        sheets.add_tab(tab, tab_rows(tab, []), frozen_rows=1)
    report = story.run()
    [digest] = [m.message for m in gmail.sent if "needs you" in str(m.message["Subject"])]
    document = parse(html_part(digest))
    base = f"{GOOGLE_SHEETS}{sheets.spreadsheet_id}/edit#gid="
    links = hrefs(document)
    assert all(allowed_link(href, sheets.spreadsheet_id) for href in links), links
    headed = {
        text_of(th).split("Open")[0].strip(): [str(a.get("href")) for a in th.iter("a")]
        for th in document.iter("th")
        if th.get("scope") == "rowgroup"
    }
    assert headed["P-B"] == [f"{base}{pairings_gid}&range=A3"]
    assert f"{base}{mentees_gid}&range=A3" in headed["Jo jo@example.net"]
    assert f"{base}{mentors_gid}&range=A3" in links  # the mentor's bad email
    # The row the links point at really holds the item.
    assert sheets.records(PAIRINGS)[3 - 2]["Pairing ID"] == "P-B"
    assert sheets.records(MENTEES)[3 - 2]["Email"] == "jo@example.net"
    # The run's page on GitHub links the same rows.
    page = tmp_path / "summary.md"
    write_step_summary(report, environ={"GITHUB_STEP_SUMMARY": str(page)})
    [row] = table_of(page.read_text(encoding="utf-8"), "### Check intro (")[2:]
    assert cells(row)[0] == "P-B"
    assert cells(row)[-1] == f"[Pairings row 3]({base}{pairings_gid}&range=A3)"


# --- Markdown (the GitHub step summary) ------------------------------------------------


def table_of(markdown: str, heading_start: str) -> list[str]:
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading_start))
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


@settings(max_examples=40, deadline=None)
@given(name=VALUE, note=VALUE)
def test_markdown_tables_have_one_row_per_item_and_escaped_pipes(name: str, note: str) -> None:
    name, note = name + "|a\nb", note + "|"
    summary = summary_of(name=name, note=note)
    markdown = render_markdown(summary)
    for section in digest_sections(summary):
        if not section.items:
            continue
        rows = table_of(markdown, f"### {section.title} (")
        header, rule, *body = rows
        width = len(cells(header))
        assert set(cells(rule)) == {"---"}
        assert len(body) == len(section.items)
        # A "|" or a new line in a value would split a row: every row keeps the header's width.
        assert all(len(cells(row)) == width for row in body)


def test_markdown_links_the_rows_of_a_google_sheet() -> None:
    markdown = render_markdown(summary_of())
    header, _rule, row = table_of(markdown, "### Waiting for approval (")
    assert cells(header)[-1] == "In the workbook"
    assert cells(row)[-1] == f"[Pairings row 3]({GOOGLE_SHEETS}{KEY}/edit#gid=11&range=A3)"
    # For an .xlsx there is nothing to link: the table keeps its own columns.
    plain = render_markdown(summary_of(links=SheetLinks()))
    header, _rule, row = table_of(plain, "### Waiting for approval (")
    assert "In the workbook" not in cells(header)


# --- the terminal ------------------------------------------------------------------------


def test_rich_tables_say_where_each_item_is_and_what_to_do() -> None:
    console = Console(width=240, record=True, color_system=None)
    console.print(render_rich(summary_of(links=SheetLinks("", {}, {PAIRINGS: "Matches"}))))
    shown = console.export_text()
    assert "In the workbook" in shown
    assert "Matches row 3" in shown and "Mentors row 9" in shown
    assert APPROVAL_NOTE in shown


# --- the sections are data -------------------------------------------------------------


def test_items_carry_people_and_places() -> None:
    [approval, *_] = digest_sections(summary_of())
    [item] = approval.items
    assert isinstance(item, Item)
    assert Person("Ada", "mentee-p-1@example.org") in item.cells
    assert item.place == Place(PAIRINGS, 3, f"{GOOGLE_SHEETS}{KEY}/edit#gid=11&range=A3")
    assert approval.rows[0][1] == "Ada <mentee-p-1@example.org>"
    assert "Waiting" in approval.headers and "3 days" in approval.rows[0]


def test_a_row_added_this_run_points_at_the_tab() -> None:
    summary = summary_of()
    new = dataclasses.replace(summary.waiting_approval[0], row=0)
    [approval, *_] = digest_sections(dataclasses.replace(summary, waiting_approval=(new,)))
    place = approval.items[0].place
    assert place is not None
    assert place.url == f"{GOOGLE_SHEETS}{KEY}/edit#gid=11"
    assert str(place) == "Pairings, a new row at the end"

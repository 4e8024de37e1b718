"""The weekly report email: exactly once a week, over Gmail's fake, with its charts inline."""

from __future__ import annotations

import re
from datetime import date
from email.message import EmailMessage
from pathlib import Path

import pytest

from mentorsheet.adapters.workbook.google.store import MARKER_PREFIX
from mentorsheet.config import load_config
from mentorsheet.core.messages import WEEKLY_REPORT_MARKER
from mentorsheet.core.plan import weekly_report_due
from mentorsheet.errors import ConfigError
from tests.fakes.gmail_api import FakeGmailApi, Fault
from tests.story import Programme
from tests.workbooks import make_config, mentee, mentor

pytestmark = pytest.mark.usefixtures("instant_backoff")

WEEKLY = "Weekly report of"


@pytest.fixture
def programme(tmp_path: Path, gmail: FakeGmailApi) -> Programme:
    config = make_config(
        tmp_path,
        workbook={"backend": "google", "spreadsheet": "fake", "wait_seconds": 30},
        report={"weekly_email_day": "Wednesday"},
    )
    story = Programme(config, gmail)
    story.seed(
        mentors=[mentor("Ada <b>Lovelace</b>", "ada@example.org", "Python, testing", 2)],
        mentees=[
            mentee("Sam", "sam@example.net", "Academy", "", "2026-10-20"),
            mentee("Jo <script>x()</script>", "jo@example.net", "Community", "Rust", "2026-10-23"),
        ],
    )
    return story


def marker(p: Programme) -> str:
    """The weekly report's marker in the spreadsheet's metadata ("" when there is none)."""
    found = p.sheets.metadata(MARKER_PREFIX + WEEKLY_REPORT_MARKER)
    return str(found[-1].get("metadataValue", "")) if found else ""


def parts(message: EmailMessage) -> list[EmailMessage]:
    payload = message.get_payload()
    assert isinstance(payload, list)
    assert all(isinstance(part, EmailMessage) for part in payload)
    return list(payload)


def weekly_sent(gmail: FakeGmailApi) -> list[EmailMessage]:
    return [m.message for m in gmail.sent if str(m.message["Subject"]).startswith(WEEKLY)]


def test_the_weekly_report_goes_once_a_week_over_a_fortnight(programme: Programme) -> None:
    p = programme  # the story starts on Monday 2 November 2026
    days: list[date] = []
    for day in range(14):
        if day == 9:  # Wednesday of the second week: no run that day (a failed job, say)
            p.next_day()
            continue
        p.run()
        p.run()  # a second run the same day sends nothing more
        today = p.sheets.clock.moment.date()
        if len(weekly_sent(p.gmail)) > len(days):
            days.append(today)
        p.next_day()
    # Wednesday of the first week; the second week's on Thursday, its first run on or
    # after Wednesday; never on the other days, never twice in a week.
    assert days == [date(2026, 11, 4), date(2026, 11, 12)]
    assert len(weekly_sent(p.gmail)) == 2
    assert marker(p) == "2026-11-12"


def test_a_weekly_report_gmail_refused_is_sent_by_the_next_run(programme: Programme) -> None:
    p = programme
    p.next_day(2)  # Wednesday
    p.gmail.fail_next(Fault.FORBIDDEN, times=2)  # the digest and the report: certainly not sent
    report = p.runner().run("run")
    assert not report.ok
    assert weekly_sent(p.gmail) == []
    assert marker(p) == ""  # given back: the week is still owed its report
    p.run()
    assert len(weekly_sent(p.gmail)) == 1


def test_the_weekly_email_holds_its_charts_as_related_images(programme: Programme) -> None:
    p = programme
    p.next_day(2)
    p.run()
    [message] = weekly_sent(p.gmail)
    assert message.get_content_type() == "multipart/alternative"
    text, related = parts(message)
    assert text.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    html, *images = parts(related)
    assert html.get_content_type() == "text/html"
    assert [i.get_content_type() for i in images] == ["image/png"] * 5
    page = html.get_content()
    referenced = re.findall(r'src="cid:([^"]+)"', page)
    content_ids = [str(i["Content-ID"]).strip("<>") for i in images]
    assert sorted(referenced) == sorted(content_ids)  # every cid: resolves to an image part
    for image in images:
        assert image.get_content().startswith(b"\x89PNG")
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:""", page)
    assert "<style" not in page  # mail clients drop style blocks: inline styles only
    # Names from the workbook stay text.
    assert "<script>" not in page
    assert "&lt;script&gt;x()&lt;/script&gt;" in page
    assert "Ada &lt;b&gt;Lovelace&lt;/b&gt;" in page
    assert "Mentees waiting for a mentor" in text.get_content()
    assert str(message["To"]) == p.config.mail.staff_email


def test_the_weekly_report_is_off_by_default_and_its_day_is_checked(tmp_path: Path) -> None:
    assert make_config(tmp_path).report.weekly_weekday is None
    assert make_config(tmp_path, report={"weekly_email_day": " Friday "}).report.weekly_weekday == 4
    with pytest.raises(ConfigError, match=r"report\.weekly_email_day"):
        make_config(tmp_path, report={"weekly_email_day": "Funday"})
    environ = {"MENTORSHEET_WEEKLY_REPORT_DAY": "monday"}
    assert load_config(None, environ=environ).report.weekly_weekday == 0


@pytest.mark.parametrize(
    ("today", "last", "due"),
    [
        (date(2026, 11, 3), None, False),  # Tuesday: before the day
        (date(2026, 11, 4), None, True),  # the day itself
        (date(2026, 11, 6), None, True),  # later that week, none sent yet
        (date(2026, 11, 6), "2026-11-04", False),  # sent this week
        (date(2026, 11, 11), "2026-11-04", True),  # a new week
        (date(2026, 11, 11), "not a date", True),  # a marker edited by hand: owed
    ],
)
def test_when_the_weekly_report_is_due(today: date, last: str | None, due: bool) -> None:
    assert weekly_report_due(today=today, weekday=2, last=last) is due
    assert weekly_report_due(today=today, weekday=None, last=last) is False


def test_the_weekly_report_costs_one_marker_write_on_the_day_it_goes(
    tmp_path: Path, gmail: FakeGmailApi
) -> None:
    costs = []
    for day in ("", "wednesday"):
        config = make_config(
            tmp_path / (day or "off"),
            workbook={"backend": "google", "spreadsheet": "fake"},
            report={"weekly_email_day": day},
        )
        story = Programme(config, gmail)
        story.seed(mentors=[mentor("Ada", "ada@example.org", "Python", 2)], mentees=[])
        story.next_day(2)  # Wednesday
        story.sheets.reset_counts()
        story.run()
        costs.append((story.sheets.reads, story.sheets.writes))
    off, on = costs
    assert on == (off[0], off[1] + 1)  # the marker; the email itself is Gmail's

"""Build the bundled demo workbook: a small programme that exercises every status.

Dates are relative to ``today`` so the demo always has something due: an
Approved pairing to introduce, intros old enough to be overdue, a reminder
due, a stale ``Sending intro`` from a "crashed" run, and a few bad rows for
the Problems tab.

Run as ``python -m mentorsheet.app.demo [--config FILE] [--fresh]``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import openpyxl

from mentorsheet.adapters.workbook.xlsx import XlsxStore
from mentorsheet.config import Config, load_config
from mentorsheet.core.lifecycle import BusinessCalendar
from mentorsheet.core.schema import COLUMNS, MENTEES, MENTORS, PAIRINGS
from mentorsheet.errors import MentorsheetError

MENTOR_ROWS: Sequence[dict[str, str]] = (
    {
        "Name": "Ada Lovelace",
        "Email": "ada@example.org",
        "Skills": "Python, testing, data analysis",
        "Capacity": "3",
        "Calendly link": "https://calendly.com/ada-demo/30min",
        "Active": "yes",
    },
    {
        "Name": "Grace Hopper",
        "Email": "grace@example.org",
        "Skills": "COBOL; compilers; Python",
        "Capacity": "4",
        "Active": "yes",
    },
    {
        "Name": "Linus Example",
        "Email": "linus@example.org",
        "Skills": "C, Linux, git",
        "Capacity": "2",
        "Active": "yes",
        "Slack": "@linus",
    },
    {
        "Name": "Margaret Hamilton",
        "Email": "margaret@example.org",
        "Skills": "testing, reliability, JS",
        "Capacity": "4",
        "Calendly link": "https://calendly.com/margaret-demo",
        "Active": "✓",
    },
    {
        "Name": "Katherine Johnson",
        "Email": "katherine@example.org",
        "Skills": "maths, k8s",
        "Capacity": "2",
        "Active": "TRUE",
    },
    {
        "Name": "Alan Kay",
        "Email": "alan@example.org",
        "Skills": "Smalltalk, design",
        "Capacity": "2",
        "Active": "no",
        "Notes": "on sabbatical",
    },
    # Bad rows, for the Problems tab:
    {
        "Name": "Tim Typo",
        "Email": "tim@@example.org",
        "Skills": "Go",
        "Capacity": "1",
        "Active": "yes",
    },
    {
        "Name": "Barbara Liskov",
        "Email": "barbara@example.org",
        "Skills": "Go, design",
        "Capacity": "three",
        "Active": "yes",
    },
    {
        "Name": "Edsger Copy",
        "Email": "edsger@example.org",
        "Skills": "algorithms",
        "Capacity": "1",
        "Active": "yes",
    },
    {
        "Name": "Edsger Dijkstra",
        "Email": "Edsger@EXAMPLE.org",
        "Skills": "algorithms",
        "Capacity": "2",
        "Active": "yes",
        "Notes": "same email as the row above",
    },
)

MENTEE_ROWS: Sequence[tuple[str, str, str, str, int]] = (
    # name, email, route, skills wanted, days ago requested
    ("Sam Okafor", "sam@example.net", "Academy", "Python", 20),
    ("Priya Shah", "priya@example.net", "Academy", "", 18),
    ("Lee Wong", "lee@example.net", "Community", "js, kubernetes", 15),
    ("Mo Haddad", "mo@example.net", "Community", "Python, testing, data analysis", 12),
    ("Jordan Rivers", "jordan@example.net", "Community", "Rust", 10),
    ("Zoë Brontë", "zoe@example.net", "Community", "compilers", 9),
    ('=HYPERLINK("http://x.example")', "formula@example.net", "Community", "git", 8),
    ("Eve\nBcc: all@example.com", "eve@example.net", "Community", "Python", 7),
    ("Noor Ali", "noor@", "Academy", "Python", 6),
    # People already paired (see PAIRING_ROWS).
    ("Ola Nowak", "ola@example.net", "Community", "COBOL", 30),
    ("Chen Li", "chen@example.net", "Academy", "Python", 30),
    ("Dana Scully", "dana@example.net", "Community", "C", 30),
    ("Eli Cohen", "eli@example.net", "Community", "testing", 30),
    ("Fay Wray", "fay@example.net", "Academy", "compilers", 30),
    ("Gus Grant", "gus@example.net", "Community", "Python", 30),
    ("Hana Kim", "hana@example.net", "Community", "testing", 30),
    ("Ivan Petrov", "ivan@example.net", "Academy", "Linux", 30),
    ("Jo March", "jo@example.net", "Community", "JS", 30),
    ("Kai Berg", "kai@example.net", "Community", "Python", 40),
    ("Lina Ortiz", "lina@example.net", "Community", "maths", 30),
    ("Max Weber", "max@example.net", "Community", "git", 60),
)


def _pairings(today: date, calendar: BusinessCalendar) -> list[dict[str, str]]:
    def business_days_ago(n: int) -> date:
        day = today
        while n > 0:
            day -= timedelta(days=1)
            if calendar.is_business_day(day):
                n -= 1
        return day

    def at_ten(day: date) -> str:
        return datetime.combine(day, time(10, 0), tzinfo=UTC).isoformat(timespec="seconds")

    def row(pid: str, status: str, mentee: str, mentor: str, **extra: str) -> dict[str, str]:
        mentee_name, mentee_email = mentee.split("|")
        mentor_name, mentor_email = mentor.split("|")
        base = {
            "Pairing ID": pid,
            "Status": status,
            "Mentee": mentee_name,
            "Mentee email": mentee_email,
            "Mentor": mentor_name,
            "Mentor email": mentor_email,
            "Route": "Community",
            "Score": "1.00",
            "Why": "Paired by staff for the demo.",
            "Proposed on": business_days_ago(12).isoformat(),
            "Reminders sent": "0",
        }
        base.update(extra)
        return base

    grace, ada = "Grace Hopper|grace@example.org", "Ada Lovelace|ada@example.org"
    linus, margaret = "Linus Example|linus@example.org", "Margaret Hamilton|margaret@example.org"
    katherine = "Katherine Johnson|katherine@example.org"
    return [
        row(
            "D-PROPOSED",
            "Proposed",
            "Ola Nowak|ola@example.net",
            grace,
            **{"Proposed on": business_days_ago(1).isoformat()},
        ),
        row(
            "D-APPROVED",
            "Approved",
            "Chen Li|chen@example.net",
            ada,
            Route="Academy",
            Why="Shares python (1 of 1 skills wanted). Academy applicant.",
        ),
        row(
            "D-REJECTED",
            "Rejected",
            "Dana Scully|dana@example.net",
            linus,
            Notes="Dana asked for someone in her time zone",
        ),
        row(
            "D-CRASHED",
            "Sending intro",
            "Eli Cohen|eli@example.net",
            margaret,
            Notes="a run died while sending this one",
        ),
        row("D-CHECK", "Check intro", "Fay Wray|fay@example.net", grace, Route="Academy"),
        row(
            "D-WAITING",
            "Awaiting contact",
            "Gus Grant|gus@example.net",
            grace,
            **{"Intro sent on": at_ten(business_days_ago(1)), "Intro message ID": "<demo-1>"},
        ),
        row(
            "D-LATE",
            "Awaiting contact",
            "Hana Kim|hana@example.net",
            margaret,
            **{"Intro sent on": at_ten(business_days_ago(4)), "Intro message ID": "<demo-2>"},
        ),
        row(
            "D-REMIND2",
            "Contact overdue",
            "Ivan Petrov|ivan@example.net",
            linus,
            Route="Academy",
            **{
                "Intro sent on": at_ten(business_days_ago(8)),
                "Intro message ID": "<demo-3>",
                "Reminders sent": "1",
                "Last reminder on": business_days_ago(4).isoformat(),
            },
        ),
        row(
            "D-EXHAUSTED",
            "Contact overdue",
            "Jo March|jo@example.net",
            margaret,
            **{
                "Intro sent on": at_ten(business_days_ago(11)),
                "Intro message ID": "<demo-4>",
                "Reminders sent": "2",
                "Last reminder on": business_days_ago(3).isoformat(),
            },
        ),
        row(
            "D-CONTACT",
            "In contact",
            "Kai Berg|kai@example.net",
            ada,
            **{
                "Intro sent on": at_ten(business_days_ago(10)),
                "Intro message ID": "<demo-5>",
                "Contact made on": business_days_ago(9).isoformat(),
            },
        ),
        row(
            "D-JUSTMET",
            "Awaiting contact",
            "Lina Ortiz|lina@example.net",
            katherine,
            **{
                "Intro sent on": at_ten(business_days_ago(2)),
                "Intro message ID": "<demo-6>",
                "Contact made on": business_days_ago(1).isoformat(),
            },
        ),
        row(
            "D-ENDED",
            "Ended",
            "Max Weber|max@example.net",
            linus,
            **{
                "Intro sent on": at_ten(business_days_ago(40)),
                "Intro message ID": "<demo-7>",
                "Contact made on": business_days_ago(38).isoformat(),
                "Notes": "finished in the spring",
            },
        ),
    ]


def build_demo_workbook(path: Path, config: Config, *, today: date) -> None:
    """Create a fresh demo workbook at ``path`` (replacing any old one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    XlsxStore(path, config.workbook).init_tabs()
    calendar = BusinessCalendar.from_config(config.schedule)
    book = openpyxl.load_workbook(path)
    mentees = [
        {
            "Name": name,
            "Email": email,
            "Route": route,
            "Skills wanted": skills,
            "Requested on": (today - timedelta(days=days)).isoformat(),
        }
        for name, email, route, skills, days in MENTEE_ROWS
    ]
    for tab, rows in (
        (MENTORS, MENTOR_ROWS),
        (MENTEES, mentees),
        (PAIRINGS, _pairings(today, calendar)),
    ):
        sheet = book[config.workbook.tab_title(tab)]
        for record in rows:
            sheet.append([record.get(column, "") for column in COLUMNS[tab]])
            for cell in sheet[sheet.max_row]:
                cell.data_type = "s"  # text, even "=HYPERLINK(...)"
    # A column staff added: kept and ignored.
    mentors = book[config.workbook.tab_title(MENTORS)]
    extra = len(COLUMNS[MENTORS]) + 1
    mentors.cell(row=1, column=extra, value="Time zone")
    for row in range(2, mentors.max_row + 1):
        mentors.cell(row=row, column=extra, value="Europe/London")
    book.save(path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the mentorsheet demo workbook.")
    parser.add_argument("--config", help="config file naming the workbook path")
    parser.add_argument("--fresh", action="store_true", help="replace an existing demo workbook")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
    except MentorsheetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    path = Path(config.workbook.path)
    if path.exists() and not args.fresh:
        print(f"Demo workbook already at {path} (use --fresh to rebuild it).")
        return 0
    calendar = BusinessCalendar.from_config(config.schedule)
    build_demo_workbook(path, config, today=calendar.local_date(datetime.now(UTC)))
    print(f"Built demo workbook {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

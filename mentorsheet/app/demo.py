"""Build the bundled demo workbook: a small programme that exercises every status.

Dates are relative to ``today`` so the demo always has something due: an
Approved pairing to introduce, intros old enough to be overdue, a reminder
due, a stale ``Sending intro`` from a "crashed" run, a pairing just Ended
(its closing email goes) beside one that ended before closing emails existed
(it is sent nothing), a Re-pair (the old mentor's note goes, and the mentee
gets a new proposal), a mentor back from a pause within the week, a few
bad rows for the Problems tab, and the contact form's responses tab: one
answer moves its pairing to In contact with no staff edit, one names an
unknown Pairing ID and one comes from a stranger's email (two Problems), and a
check-in answer scoring 2 is listed in the digest.

Run as ``python -m mentorsheet.app.demo [--config FILE] [--fresh]``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import openpyxl

from mentorsheet.adapters.workbook.xlsx import XlsxStore
from mentorsheet.adapters.workbook.xlsx_format import set_value
from mentorsheet.config import Config, load_config
from mentorsheet.core.endings import DUE
from mentorsheet.core.lifecycle import BusinessCalendar
from mentorsheet.core.schema import (
    COLUMNS,
    MENTEES,
    MENTORS,
    PAIRINGS,
    PC,
    RESPONSES,
    CellKind,
    MenteeColumn,
    MentorColumn,
    PairingColumn,
    ResponseColumn,
    Status,
    cell_kind,
)
from mentorsheet.errors import MentorsheetError

MC = MentorColumn

MENTOR_ROWS: Sequence[dict[MentorColumn, str]] = (
    {
        MC.NAME: "Ada Lovelace",
        MC.EMAIL: "ada@example.org",
        MC.SKILLS: "Python, testing, data analysis",
        MC.CAPACITY: "3",
        MC.CALENDLY: "https://calendly.com/ada-demo/30min",
        MC.ACTIVE: "yes",
    },
    {
        MC.NAME: "Grace Hopper",
        MC.EMAIL: "grace@example.org",
        MC.SKILLS: "COBOL; compilers; Python",
        MC.CAPACITY: "4",
        MC.ACTIVE: "yes",
    },
    {
        MC.NAME: "Linus Example",
        MC.EMAIL: "linus@example.org",
        MC.SKILLS: "C, Linux, git",
        MC.CAPACITY: "2",
        MC.ACTIVE: "yes",
        MC.SLACK: "@linus",
    },
    {
        MC.NAME: "Margaret Hamilton",
        MC.EMAIL: "margaret@example.org",
        MC.SKILLS: "testing, reliability, JS",
        MC.CAPACITY: "4",
        MC.CALENDLY: "https://calendly.com/margaret-demo",
        MC.ACTIVE: "✓",
    },
    {
        MC.NAME: "Katherine Johnson",
        MC.EMAIL: "katherine@example.org",
        MC.SKILLS: "maths, k8s",
        MC.CAPACITY: "2",
        MC.ACTIVE: "TRUE",
        MC.NOTES: "travelling: paused for a few days",
    },
    {
        MC.NAME: "Alan Kay",
        MC.EMAIL: "alan@example.org",
        MC.SKILLS: "Smalltalk, design",
        MC.CAPACITY: "2",
        MC.ACTIVE: "no",
        MC.NOTES: "on sabbatical",
    },
    # Bad rows, for the Problems tab:
    {
        MC.NAME: "Tim Typo",
        MC.EMAIL: "tim@@example.org",
        MC.SKILLS: "Go",
        MC.CAPACITY: "1",
        MC.ACTIVE: "yes",
    },
    {
        MC.NAME: "Barbara Liskov",
        MC.EMAIL: "barbara@example.org",
        MC.SKILLS: "Go, design",
        MC.CAPACITY: "three",
        MC.ACTIVE: "yes",
    },
    {
        MC.NAME: "Edsger Copy",
        MC.EMAIL: "edsger@example.org",
        MC.SKILLS: "algorithms",
        MC.CAPACITY: "1",
        MC.ACTIVE: "yes",
    },
    {
        MC.NAME: "Edsger Dijkstra",
        MC.EMAIL: "Edsger@EXAMPLE.org",
        MC.SKILLS: "algorithms",
        MC.CAPACITY: "2",
        MC.ACTIVE: "yes",
        MC.NOTES: "same email as the row above",
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
    ("Nia Brown", "nia@example.net", "Community", "testing", 70),
    ("Omar Said", "omar@example.net", "Community", "Python", 25),
    ("Pia Lund", "pia@example.net", "Community", "Linux", 30),
)


def _pairings(today: date, calendar: BusinessCalendar) -> list[dict[PairingColumn, str]]:
    def business_days_ago(n: int) -> date:
        day = today
        while n > 0:
            day -= timedelta(days=1)
            if calendar.is_business_day(day):
                n -= 1
        return day

    def at_ten(day: date) -> str:
        # Local wall time in the programme's zone, as mentorsheet writes it.
        return datetime.combine(day, time(10, 0)).isoformat(timespec="seconds")

    def row(
        pid: str, status: Status, mentee: str, mentor: str, *extra: Mapping[PairingColumn, str]
    ) -> dict[PairingColumn, str]:
        mentee_name, mentee_email = mentee.split("|")
        mentor_name, mentor_email = mentor.split("|")
        base = {
            PC.PAIRING_ID: pid,
            PC.STATUS: str(status),
            PC.MENTEE: mentee_name,
            PC.MENTEE_EMAIL: mentee_email,
            PC.MENTOR: mentor_name,
            PC.MENTOR_EMAIL: mentor_email,
            PC.ROUTE: "Community",
            PC.SCORE: "1.00",
            PC.WHY: "Paired by staff for the demo.",
            PC.PROPOSED_ON: business_days_ago(12).isoformat(),
            PC.REMINDERS_SENT: "0",
        }
        for more in extra:
            base.update(more)
        return base

    grace, ada = "Grace Hopper|grace@example.org", "Ada Lovelace|ada@example.org"
    linus, margaret = "Linus Example|linus@example.org", "Margaret Hamilton|margaret@example.org"
    katherine = "Katherine Johnson|katherine@example.org"
    return [
        row(
            "D-PROPOSED",
            Status.PROPOSED,
            "Ola Nowak|ola@example.net",
            grace,
            {PC.PROPOSED_ON: business_days_ago(1).isoformat()},
        ),
        row(
            "D-APPROVED",
            Status.APPROVED,
            "Chen Li|chen@example.net",
            ada,
            {PC.ROUTE: "Academy"},
            {PC.WHY: "Shares python (1 of 1 skill wanted). Academy applicant."},
        ),
        row(
            "D-REJECTED",
            Status.REJECTED,
            "Dana Scully|dana@example.net",
            linus,
            {PC.NOTES: "Dana asked for someone in her time zone"},
        ),
        row(
            "D-CRASHED",
            Status.SENDING_INTRO,
            "Eli Cohen|eli@example.net",
            margaret,
            {PC.NOTES: "a run died while sending this one"},
        ),
        row(
            "D-CHECK", Status.CHECK_INTRO, "Fay Wray|fay@example.net", grace, {PC.ROUTE: "Academy"}
        ),
        row(
            "D-WAITING",
            Status.AWAITING_CONTACT,
            "Gus Grant|gus@example.net",
            grace,
            {PC.INTRO_SENT_ON: at_ten(business_days_ago(1)), PC.INTRO_MESSAGE_ID: "<demo-1>"},
        ),
        row(
            "D-LATE",
            Status.AWAITING_CONTACT,
            "Hana Kim|hana@example.net",
            margaret,
            {PC.INTRO_SENT_ON: at_ten(business_days_ago(4)), PC.INTRO_MESSAGE_ID: "<demo-2>"},
        ),
        row(
            "D-REMIND2",
            Status.CONTACT_OVERDUE,
            "Ivan Petrov|ivan@example.net",
            linus,
            {PC.ROUTE: "Academy"},
            {
                PC.INTRO_SENT_ON: at_ten(business_days_ago(8)),
                PC.INTRO_MESSAGE_ID: "<demo-3>",
                PC.REMINDERS_SENT: "1",
                PC.LAST_REMINDER_ON: business_days_ago(4).isoformat(),
            },
        ),
        row(
            "D-EXHAUSTED",
            Status.CONTACT_OVERDUE,
            "Jo March|jo@example.net",
            margaret,
            {
                PC.INTRO_SENT_ON: at_ten(business_days_ago(11)),
                PC.INTRO_MESSAGE_ID: "<demo-4>",
                PC.REMINDERS_SENT: "2",
                PC.LAST_REMINDER_ON: business_days_ago(3).isoformat(),
            },
        ),
        row(
            "D-CONTACT",
            Status.IN_CONTACT,
            "Kai Berg|kai@example.net",
            ada,
            {
                # In touch for 20 business days: the first check-in goes today.
                PC.INTRO_SENT_ON: at_ten(business_days_ago(22)),
                PC.INTRO_MESSAGE_ID: "<demo-5>",
                PC.CONTACT_MADE_ON: business_days_ago(20).isoformat(),
                PC.CHECKINS_SENT: "0",
            },
        ),
        row(
            "D-CONFIRMED",
            Status.AWAITING_CONTACT,
            "Pia Lund|pia@example.net",
            linus,
            {
                # Overdue by now, but Pia said on the form yesterday that they are in touch.
                PC.INTRO_SENT_ON: at_ten(business_days_ago(3)),
                PC.INTRO_MESSAGE_ID: "<demo-10>",
            },
        ),
        row(
            "D-JUSTMET",
            Status.AWAITING_CONTACT,
            "Lina Ortiz|lina@example.net",
            katherine,
            {
                PC.INTRO_SENT_ON: at_ten(business_days_ago(2)),
                PC.INTRO_MESSAGE_ID: "<demo-6>",
                PC.CONTACT_MADE_ON: business_days_ago(1).isoformat(),
            },
        ),
        row(
            "D-ENDED",
            Status.ENDED,
            "Max Weber|max@example.net",
            linus,
            {
                PC.INTRO_SENT_ON: at_ten(business_days_ago(40)),
                PC.INTRO_MESSAGE_ID: "<demo-7>",
                PC.CONTACT_MADE_ON: business_days_ago(38).isoformat(),
                PC.NOTES: "finished in the spring, before closing emails: sent nothing",
            },
        ),
        row(
            "D-FINISHED",
            Status.ENDED,
            "Nia Brown|nia@example.net",
            margaret,
            {
                PC.INTRO_SENT_ON: at_ten(business_days_ago(30)),
                PC.INTRO_MESSAGE_ID: "<demo-8>",
                PC.CONTACT_MADE_ON: business_days_ago(29).isoformat(),
                PC.CLOSING_EMAIL: DUE,  # armed while under way: thanked once, now
                PC.NOTES: "staff set Ended yesterday",
            },
        ),
        row(
            "D-REPAIR",
            Status.RE_PAIR,
            "Omar Said|omar@example.net",
            grace,
            {
                PC.INTRO_SENT_ON: at_ten(business_days_ago(12)),
                PC.INTRO_MESSAGE_ID: "<demo-9>",
                PC.REMINDERS_SENT: "2",
                PC.LAST_REMINDER_ON: business_days_ago(4).isoformat(),
                PC.CLOSING_EMAIL: DUE,
                PC.NOTES: "Grace never made contact: re-paired",
            },
        ),
    ]


# The contact form's responses tab, as Google Forms heads it, with a question
# staff added (ignored).
RESPONSE_HEADER: Sequence[str] = (*ResponseColumn, "What did you talk about?")


def _responses(today: date) -> list[list[str]]:
    """Answers as the form writes them: the Timestamp as text, day first (UK locale)."""

    def stamp(days_ago: int, clock: str) -> str:
        return f"{today - timedelta(days=days_ago):%d/%m/%Y} {clock}"

    return [
        # Valid: the mentee of D-CONFIRMED says they are in touch.
        [
            stamp(1, "18:42:07"),
            "pia@example.net",
            "d-confirmed ",
            "Mentee",
            "Yes, we have been in touch",
            "",
            "",
            "",
            "Getting started with Linux",
        ],
        # A Pairing ID no pairing has: a Problem, nothing else changes.
        [
            stamp(1, "19:03:55"),
            "gus@example.net",
            "D-WAITNG",
            "Mentee",
            "Yes, we have been in touch",
            "",
            "",
            "",
            "",
        ],
        # Someone who is neither the mentor nor the mentee of D-WAITING.
        [
            stamp(0, "08:15:30"),
            "stranger@example.com",
            "D-WAITING",
            "Mentor",
            "Yes, we have been in touch",
            "",
            "",
            "",
            "",
        ],
        # A check-in answer that needs staff: listed in the digest, comment as text.
        [
            stamp(2, "12:00:00"),
            "kai@example.net",
            "D-CONTACT",
            "Mentee",
            "Yes",
            "2",
            "No",
            '=HYPERLINK("http://x.example","we stopped")',
            "",
        ],
    ]


def _demo_kind(tab: str, column: str) -> CellKind:
    if (tab, column) == (MENTEES, MenteeColumn.REQUESTED_ON):
        return CellKind.DATE  # as a request form records it
    return cell_kind(tab, column)


def build_demo_workbook(path: Path, config: Config, *, today: date) -> None:
    """Create a fresh demo workbook at ``path`` (replacing any old one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    XlsxStore(path, config.workbook).init_tabs()
    calendar = BusinessCalendar.from_config(config.schedule)
    book = openpyxl.load_workbook(path)
    paused = {"katherine@example.org": (today + timedelta(days=4)).isoformat()}
    mentor_rows = [{**r, MC.PAUSED_UNTIL: paused.get(r[MC.EMAIL], "")} for r in MENTOR_ROWS]
    mentees = [
        {
            MenteeColumn.NAME: name,
            MenteeColumn.EMAIL: email,
            MenteeColumn.ROUTE: route,
            MenteeColumn.SKILLS_WANTED: skills,
            MenteeColumn.REQUESTED_ON: (today - timedelta(days=days)).isoformat(),
        }
        for name, email, route, skills, days in MENTEE_ROWS
    ]
    for tab, rows in (
        (MENTORS, [[r.get(column, "") for column in MentorColumn] for r in mentor_rows]),
        (MENTEES, [[r.get(column, "") for column in MenteeColumn] for r in mentees]),
        (
            PAIRINGS,
            [[r.get(column, "") for column in PairingColumn] for r in _pairings(today, calendar)],
        ),
    ):
        sheet = book[config.workbook.tab_title(tab)]
        for cells in rows:
            row = sheet.max_row + 1
            # Dates and numbers as the cells mentorsheet writes; text as text,
            # even "=HYPERLINK(...)".
            for position, (column, text) in enumerate(zip(COLUMNS[tab], cells, strict=True)):
                cell = sheet.cell(row=row, column=position + 1)
                set_value(cell, _demo_kind(tab, column), text)
    # A column staff added: kept and ignored.
    mentors = book[config.workbook.tab_title(MENTORS)]
    extra = len(COLUMNS[MENTORS]) + 1
    mentors.cell(row=1, column=extra, value="Time zone")
    for row in range(2, mentors.max_row + 1):
        mentors.cell(row=row, column=extra, value="Europe/London")
    # The form's own tab (Responses → Link to Sheets), only when the form is configured.
    if config.forms.enabled:
        responses = book.create_sheet(config.workbook.tab_title(RESPONSES))
        for row, cells in enumerate([list(RESPONSE_HEADER), *_responses(today)], start=1):
            for position, text in enumerate(cells, start=1):
                set_value(responses.cell(row=row, column=position), CellKind.TEXT, text)
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
    if args.fresh:
        # Starting over includes the demo's sent mail: the outbox never overwrites a
        # message, so old files would make today's sends look doubtful.
        outbox = Path(config.mail.outbox_dir)
        for sent in outbox.iterdir() if outbox.is_dir() else ():
            if sent.is_file() and sent.name.endswith((".eml", ".slack.json")):
                sent.unlink()
    calendar = BusinessCalendar.from_config(config.schedule)
    build_demo_workbook(path, config, today=calendar.local_date(datetime.now(UTC)))
    print(f"Built demo workbook {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

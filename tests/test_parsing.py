"""Reading the workbook: single values, and the bad-input suite over whole workbooks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorsheet.config import Config
from mentorsheet.core.model import Problem, Programme
from mentorsheet.core.parsing import (
    check_name,
    parse_date,
    parse_datetime,
    parse_email,
    parse_workbook,
)
from mentorsheet.core.raw import RawTab, RawWorkbook
from mentorsheet.core.schema import (
    COLUMNS,
    MENTEES,
    MENTORS,
    PAIRINGS,
    PROBLEMS,
    RUNS,
    TABS,
    Route,
    Status,
    column_letter,
    header_key,
    resolve_columns,
)
from mentorsheet.errors import (
    DuplicateHeaderError,
    InvalidFieldError,
    MissingHeaderError,
    MissingTabError,
)

TODAY = date(2026, 11, 10)
LONDON = ZoneInfo("Europe/London")

# --- building workbooks ---------------------------------------------------------

Row = Mapping[str, str]


def raw_tab(title: str, header: Sequence[str], rows: Sequence[Row | None] = ()) -> RawTab:
    """A tab whose rows are given as {header text: cell}; None is an empty row."""
    return RawTab(
        title=title,
        header=tuple(header),
        rows=tuple(
            tuple("" if row is None else row.get(column, "") for column in header) for row in rows
        ),
    )


def workbook(
    *,
    mentors: Sequence[Row | None] = (),
    mentees: Sequence[Row | None] = (),
    pairings: Sequence[Row | None] = (),
    runs: Sequence[Row | None] = (),
    headers: Mapping[str, Sequence[str]] | None = None,
    titles: Mapping[str, str] | None = None,
    markers: Mapping[str, str] | None = None,
) -> RawWorkbook:
    rows = {MENTORS: mentors, MENTEES: mentees, PAIRINGS: pairings, PROBLEMS: (), RUNS: runs}
    tabs = {
        tab: raw_tab(
            (titles or {}).get(tab, tab), (headers or {}).get(tab, COLUMNS[tab]), rows[tab]
        )
        for tab in TABS
    }
    return RawWorkbook(
        tabs=tabs,
        titles=tuple(t.title for t in tabs.values()),
        markers=dict(markers or {}),
    )


def config(**sections: Any) -> Config:
    return Config.model_validate(sections)


def parse(raw: RawWorkbook, cfg: Config | None = None) -> Programme:
    return parse_workbook(raw, cfg or Config(), today=TODAY)


def with_cells(tab: str, row: dict[str, str], cells: Mapping[str, str]) -> dict[str, str]:
    """``row`` with ``cells`` set; a keyword names its column with _ for spaces."""
    by_key = {header_key(column): column for column in COLUMNS[tab]}
    return {**row, **{by_key[header_key(key.replace("_", ""))]: v for key, v in cells.items()}}


def mentor(**cells: str) -> dict[str, str]:
    row = {
        "Name": "Ada Lovelace",
        "Email": "ada@example.org",
        "Skills": "Python, SQL",
        "Capacity": "2",
        "Active": "yes",
    }
    return with_cells(MENTORS, row, cells)


def mentee(**cells: str) -> dict[str, str]:
    row = {
        "Name": "Grace Hopper",
        "Email": "grace@example.org",
        "Route": "Community",
        "Skills wanted": "Python",
    }
    return with_cells(MENTEES, row, cells)


def pairing(**cells: str) -> dict[str, str]:
    row = {
        "Pairing ID": "P-0001",
        "Status": "Awaiting contact",
        "Mentee": "Grace Hopper",
        "Mentee email": "grace@example.org",
        "Mentor": "Ada Lovelace",
        "Mentor email": "ada@example.org",
        "Route": "Community",
        "Score": "1.0",
        "Why": "shares python",
        "Proposed on": "2026-11-02",
        "Intro sent on": "2026-11-03T09:30:00+00:00",
        "Intro message ID": "<abc@example.org>",
        "Contact made on": "",
        "Reminders sent": "0",
        "Last reminder on": "",
    }
    return with_cells(PAIRINGS, row, cells)


def problems_at(programme: Programme, tab: str, row: int) -> list[Problem]:
    return [p for p in programme.problems if p.tab == tab and p.row == row]


def only_problem(programme: Programme) -> Problem:
    assert len(programme.problems) == 1, programme.problems
    return programme.problems[0]


# --- parse_email -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("ada@example.org", "ada@example.org"),
        ("  ada@example.org \t", "ada@example.org"),
        ("Ada.Lovelace@EXAMPLE.Org", "ada.lovelace@example.org"),  # one key per person
        ("ada@bücher.de", "ada@bücher.de"),  # internationalised domain
        ("ada@xn--bcher-kva.de", "ada@bücher.de"),  # shown in Unicode
        ("=ada+1@example.org", "=ada+1@example.org"),  # formula-like, still a valid address
    ],
)
def test_parse_email_normalises(typed: str, normalised: str) -> None:
    assert parse_email(typed) == normalised


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("ada@example", "not a valid email address: the part after the @ is not valid"),
        ("ada.example.org", "not a valid email address: an email address must have an @"),
        ("ada@@example.org", "not a valid email address: the part after the @ contains"),
        ("ada@example.org\nBcc: eve@example.org", "not a valid email address:"),
        ("Ada <ada@example.org>", "not a valid email address: a display name"),
        ("ada @example.org", "not a valid email address: the email address contains invalid"),
        ("", "not a valid email address: it is blank"),
    ],
)
def test_parse_email_rejects_with_a_plain_reason(typed: str, reason: str) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        parse_email(typed)
    assert str(caught.value).startswith(reason)
    assert "@-sign" not in str(caught.value)


# --- check_name ------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ['=IMPORTXML("http://x", "//a")', "+1", "-x", "@x", "007", "Zoë O'Brien-Łukasz"]
)
def test_check_name_keeps_formula_like_and_numeric_text(name: str) -> None:
    assert check_name(f"  {name} ") == name


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("Ada\r\nBcc: eve@example.org", "contains a line break"),
        ("Ada\nLovelace", "contains a line break"),
        ("Ada\rLovelace", "contains a line break"),
        ("Ada\u2028Lovelace", "contains a line break"),
        ("Ada\x85Lovelace", "contains a line break"),
        ("Ada\x00Lovelace", "contains a control character (U+0000)"),
        ("Ada\tLovelace", "contains a control character (U+0009)"),
        ("Ada\x1bLovelace", "contains a control character (U+001B)"),
    ],
)
def test_check_name_rejects_header_injection(name: str, reason: str) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        check_name(name)
    assert str(caught.value).startswith(reason)
    assert "forge email headers" in str(caught.value)


def test_check_name_trims_surrounding_line_breaks_away() -> None:
    # Only the name itself goes into a header; whitespace around it is trimmed.
    assert check_name("\nAda Lovelace\n") == "Ada Lovelace"


# --- parse_date / parse_datetime -------------------------------------------------

NOV_3 = date(2026, 11, 3)


@pytest.mark.parametrize(
    "typed",
    [
        "2026-11-03",
        " 2026-11-03 ",
        "2026-11-03T09:30:00",
        "2026-11-03 09:30",
        "2026-11-03T23:59:59+05:00",
        "2026-11-03T09:30:00Z",
        "3 Nov 2026",
        "03 nov 2026",
        "3 November 2026",
        "3 NOVEMBER 2026",
        "3 Nov. 2026",
        "03/11/2026",
        "3/11/2026",
        "03/11/2026 14:05",
        "2026/11/03",
        "2026/11/3",
        "46329",
        "46329.0",
        "46329.5",
        "46329.999",
    ],
)
def test_parse_date_accepted_forms(typed: str) -> None:
    assert parse_date(typed) == NOV_3


def test_slashed_dates_are_day_first() -> None:
    assert parse_date("01/02/2026") == date(2026, 2, 1)
    assert parse_date("2026/02/01") == date(2026, 2, 1)


@pytest.mark.parametrize("typed", ["", "   "])
def test_parse_date_blank_is_none(typed: str) -> None:
    assert parse_date(typed) is None


@pytest.mark.parametrize(
    "typed",
    [
        "tomorrow",
        "31/02/2026",  # no such day
        "11/3",  # no year
        "03/11/26",  # two-digit year: ambiguous
        "3 Foo 2026",
        "2026",  # a bare year is not a serial date
        "100",  # nor a small number
        "-46329",
        "46329.5x",
        "03/11/2026 25:00",
        "2026-13-01",
    ],
)
def test_parse_date_rejects_the_rest(typed: str) -> None:
    with pytest.raises(InvalidFieldError, match="date not understood; write it like 2026-11-03"):
        parse_date(typed)


def test_parse_datetime_date_only_is_the_start_of_the_day_in_the_zone() -> None:
    moment = parse_datetime("2026-07-01", LONDON)
    assert moment == datetime(2026, 7, 1, tzinfo=LONDON)
    assert moment is not None
    assert moment.utcoffset() == timedelta(hours=1)  # summer time


def test_parse_datetime_naive_time_is_local_to_the_zone() -> None:
    assert parse_datetime("03/11/2026 09:30", LONDON) == datetime(2026, 11, 3, 9, 30, tzinfo=LONDON)
    assert parse_datetime("2026-07-01T09:30:00", LONDON) == datetime(2026, 7, 1, 8, 30, tzinfo=UTC)


def test_parse_datetime_with_an_offset_is_converted_to_the_zone() -> None:
    moment = parse_datetime("2026-07-01T12:00:00+02:00", LONDON)
    assert moment is not None
    assert moment == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    assert moment.tzinfo == LONDON
    assert moment.hour == 11


def test_parse_datetime_serial_fraction_is_the_time_of_day() -> None:
    assert parse_datetime("46329.5", LONDON) == datetime(2026, 11, 3, 12, 0, tzinfo=LONDON)
    assert parse_datetime("46329.75", LONDON) == datetime(2026, 11, 3, 18, 0, tzinfo=LONDON)


def test_parse_datetime_blank_and_bad() -> None:
    assert parse_datetime(" ", LONDON) is None
    with pytest.raises(InvalidFieldError):
        parse_datetime("soon", LONDON)


dates = st.dates(min_value=date(1950, 1, 1), max_value=date(9999, 12, 31))


@settings(max_examples=200, deadline=None)
@given(dates)
def test_parse_date_round_trips_iso_and_written_forms(day: date) -> None:
    assert parse_date(day.isoformat()) == day
    assert parse_date(f"{day.day:02d}/{day.month:02d}/{day.year:04d}") == day
    assert parse_date(f"{day.year:04d}/{day.month}/{day.day}") == day
    assert parse_date(f"{day.day} {day.strftime('%B')} {day.year}") == day


@settings(max_examples=200, deadline=None)
@given(dates, st.integers(min_value=0, max_value=86399))
def test_parse_date_round_trips_serials(day: date, second: int) -> None:
    serial = (day - date(1899, 12, 30)).days
    assert parse_date(str(serial)) == day
    fraction = f"{serial + second / 86400:.10f}"
    assert parse_date(fraction) == day
    moment = parse_datetime(fraction, LONDON)
    assert moment is not None
    assert moment.replace(tzinfo=None) == datetime.combine(day, datetime.min.time()) + timedelta(
        seconds=second
    )


# --- whole workbooks: tabs and headers -------------------------------------------


def test_a_workbook_without_tabs_is_a_missing_tab_error() -> None:
    with pytest.raises(MissingTabError) as caught:
        parse(RawWorkbook(tabs={}, titles=()))
    assert caught.value.tab == MENTORS
    assert "no 'Mentors' tab" in str(caught.value)
    assert "mentorsheet init" in str(caught.value)


def test_a_missing_tab_is_named_with_the_tabs_found() -> None:
    raw = workbook()
    tabs = {tab: t for tab, t in raw.tabs.items() if tab != PAIRINGS}
    titles = (*(t.title for t in tabs.values()), "Staff notes")
    with pytest.raises(MissingTabError) as caught:
        parse(RawWorkbook(tabs=tabs, titles=titles))
    assert caught.value.tab == PAIRINGS
    assert caught.value.found == titles
    assert "'Staff notes'" in str(caught.value)


def test_a_missing_tab_uses_the_configured_title() -> None:
    raw = workbook()
    tabs = {tab: t for tab, t in raw.tabs.items() if tab != MENTEES}
    cfg = config(workbook={"tabs": {MENTEES: "Form responses 1"}})
    with pytest.raises(MissingTabError, match="'Form responses 1'"):
        parse(RawWorkbook(tabs=tabs, titles=()), cfg)


def test_tabs_with_headers_only_give_an_empty_programme() -> None:
    programme = parse(workbook(markers={"digest": "2026-11-09"}))
    assert programme.mentors == ()
    assert programme.mentees == ()
    assert programme.pairings == ()
    assert programme.held_places == ()
    assert programme.runs == ()
    assert programme.problems == ()
    assert programme.markers == {"digest": "2026-11-09"}


def test_a_missing_required_header_names_tab_header_and_found_headers() -> None:
    header = ("Name", "E-mail address", "Skills", "Capacity", "Active", "Staff comments")
    with pytest.raises(MissingHeaderError) as caught:
        parse(workbook(headers={MENTORS: header}, mentors=[{"Name": "Ada"}]))
    assert caught.value.tab == MENTORS
    assert caught.value.header == "Email"
    assert caught.value.found == header
    assert "'E-mail address'" in str(caught.value)
    assert "'Staff comments'" in str(caught.value)


def test_headers_are_checked_on_every_tab_before_any_row_is_read() -> None:
    # Bad data in Mentors must not hide the missing Runs header.
    runs_header = tuple(h for h in COLUMNS[RUNS] if h != "Result")
    with pytest.raises(MissingHeaderError) as caught:
        parse(
            workbook(
                mentors=[mentor(Email="nope"), mentor(Capacity="three")],
                headers={RUNS: runs_header},
            )
        )
    assert (caught.value.tab, caught.value.header) == (RUNS, "Result")


def test_a_missing_problems_header_stops_too() -> None:
    with pytest.raises(MissingHeaderError) as caught:
        parse(workbook(headers={PROBLEMS: ("Tab", "Row", "Column", "Value")}))
    assert (caught.value.tab, caught.value.header) == (PROBLEMS, "Problem")


def test_optional_headers_may_be_missing() -> None:
    header = ("Name", "Email", "Skills", "Capacity", "Active")
    programme = parse(workbook(headers={MENTORS: header}, mentors=[mentor()]))
    assert programme.problems == ()
    assert programme.mentors[0].calendly == ""
    assert programme.mentors[0].slack == ""


def test_a_renamed_header_works_through_a_config_alias() -> None:
    header = ("Full name", "Email", "What can you teach?", "Capacity", "Active")
    cfg = config(
        workbook={"headers": {MENTORS: {"Skills": ["What can you teach?"], "Name": ["Full name"]}}}
    )
    row = {
        "Full name": "Ada",
        "Email": "ada@example.org",
        "What can you teach?": "Rust",
        "Capacity": "1",
        "Active": "y",
    }
    programme = parse(workbook(headers={MENTORS: header}, mentors=[row]), cfg)
    assert programme.problems == ()
    assert [(m.name, m.skills) for m in programme.mentors] == [("Ada", ("rust",))]
    with pytest.raises(MissingHeaderError) as caught:
        parse(workbook(headers={MENTORS: header}, mentors=[row]))
    assert caught.value.header == "Name"


def test_headers_match_ignoring_case_and_spacing_in_any_order() -> None:
    header = ("  ACTIVE", "e mail", "capacity ", "Staff column", "NAME", "skills", "CalendlyLink")
    row = {
        "NAME": "Ada",
        "e mail": "ada@example.org",
        "skills": "Go",
        "capacity ": "1",
        "  ACTIVE": "TRUE",
        "CalendlyLink": "https://calendly.com/ada",
        "Staff column": "ignored",
    }
    programme = parse(workbook(headers={MENTORS: header}, mentors=[row]))
    assert programme.problems == ()
    (only,) = programme.mentors
    assert (only.name, only.email, only.skills, only.capacity, only.active, only.calendly) == (
        "Ada",
        "ada@example.org",
        ("go",),
        1,
        True,
        "https://calendly.com/ada",
    )


def test_extra_staff_columns_are_ignored() -> None:
    header = ("Staff notes", *COLUMNS[MENTEES], "Follow-up owner")
    row = {**mentee(), "Staff notes": "=SUM(A1:A3)", "Follow-up owner": "not an email"}
    programme = parse(workbook(headers={MENTEES: header}, mentees=[row]))
    assert programme.problems == ()
    assert [m.email for m in programme.mentees] == ["grace@example.org"]


# --- rows -----------------------------------------------------------------------


def test_blank_rows_are_skipped_and_row_numbers_stay_true() -> None:
    raw = workbook(
        mentors=[None, {"Name": "  ", "Email": "\t", "Notes": " "}, mentor(Capacity="three")],
    )
    programme = parse(raw)
    assert programme.mentors == ()
    assert [(p.row, p.column) for p in programme.problems] == [(4, "Capacity")]


def test_a_row_with_only_an_extra_staff_column_filled_is_blank() -> None:
    header = (*COLUMNS[MENTORS], "Staff")
    programme = parse(workbook(headers={MENTORS: header}, mentors=[{"Staff": "call back"}]))
    assert programme.problems == ()
    assert programme.mentors == ()


def test_short_rows_read_as_empty_cells() -> None:
    raw = workbook()
    short = RawTab(MENTORS, COLUMNS[MENTORS], (("Ada", "ada@example.org", "Go", "1"),))
    programme = parse(RawWorkbook({**raw.tabs, MENTORS: short}, raw.titles))
    # Active is missing from the row: blank, so not active, without a problem.
    assert programme.problems == ()
    assert [(m.name, m.active) for m in programme.mentors] == [("Ada", False)]


@pytest.mark.parametrize("column", ["Name", "Email"])
def test_a_row_missing_a_required_value_is_a_problem_and_not_used(column: str) -> None:
    programme = parse(workbook(mentors=[mentor(**{column: " "}), mentor(Email="b@example.org")]))
    problem = only_problem(programme)
    assert (problem.tab, problem.row, problem.column, problem.value) == (MENTORS, 2, column, " ")
    assert "blank" in problem.problem
    assert [m.row for m in programme.mentors] == [3]


def test_formula_like_text_is_kept_as_text() -> None:
    names = ['=IMPORTXML("https://evil.example/", "//a")', "+1", "-x", "@x"]
    raw = workbook(
        mentors=[
            mentor(Name=name, Email=f"m{i}@example.org", Notes="=HYPERLINK(1)")
            for i, name in enumerate(names)
        ],
        mentees=[mentee(Name="=1+1", Skills_wanted="=A1, +B2")],
    )
    programme = parse(raw)
    assert programme.problems == ()
    assert [m.name for m in programme.mentors] == names
    assert programme.mentees[0].name == "=1+1"
    assert programme.mentees[0].skills_wanted == ("=a1", "+b2")


@pytest.mark.parametrize("bad", ["Ada\nLovelace", "Ada\r\nBcc: eve@example.org", "Ada\x07"])
def test_line_breaks_and_control_characters_in_names_are_rejected(bad: str) -> None:
    programme = parse(workbook(mentors=[mentor(Name=bad)], mentees=[mentee(Name=bad)]))
    assert programme.mentors == ()
    assert programme.mentees == ()
    assert [(p.tab, p.row, p.column, p.value) for p in programme.problems] == [
        (MENTORS, 2, "Name", bad),
        (MENTEES, 2, "Name", bad),
    ]
    assert all("forge email headers" in p.problem for p in programme.problems)


def test_numbers_typed_as_text_stay_text() -> None:
    raw = workbook(
        mentors=[mentor(Name="007", Slack="0123", Skills="1,2")],
        pairings=[pairing(Pairing_id="007", Intro_message_id="0042")],
    )
    programme = parse(raw)
    assert programme.problems == ()
    (only,) = programme.mentors
    assert (only.name, only.slack, only.skills) == ("007", "0123", ("1", "2"))
    assert programme.pairings[0].pairing_id == "007"
    assert programme.pairings[0].intro_message_id == "0042"


# --- emails and duplicates --------------------------------------------------------


def test_an_invalid_email_is_a_problem_and_the_row_is_not_used() -> None:
    programme = parse(workbook(mentees=[mentee(Email="grace@localhost"), mentee(Email="g@x.org")]))
    problem = only_problem(programme)
    assert (problem.tab, problem.row, problem.column, problem.value) == (
        MENTEES,
        2,
        "Email",
        "grace@localhost",
    )
    assert problem.problem.startswith("not a valid email address: the part after the @")
    assert [m.email for m in programme.mentees] == ["g@x.org"]


def test_unicode_domains_are_accepted_and_normalised() -> None:
    raw = workbook(
        mentors=[mentor(Email=" Zoe@Bücher.DE "), mentor(Email="ada@xn--mnchen-3ya.de")],
    )
    programme = parse(raw)
    assert programme.problems == ()
    assert [m.email for m in programme.mentors] == ["zoe@bücher.de", "ada@münchen.de"]


def test_unicode_before_the_at_is_a_problem_not_a_send_failure() -> None:
    # Sending it needs SMTPUTF8 end to end: refused on reading, with the reason.
    programme = parse(workbook(mentees=[mentee(Email="jöhn@example.org")]))
    problem = only_problem(programme)
    assert (problem.tab, problem.column, problem.value) == (MENTEES, "Email", "jöhn@example.org")
    assert "not a valid email address" in problem.problem
    assert programme.mentees == ()


def test_duplicate_emails_are_all_reported_and_none_used() -> None:
    raw = workbook(
        mentors=[
            mentor(Email="ada@example.org"),
            mentor(Email="bob@example.org"),
            mentor(Email=" ADA@Example.org"),
        ],
        mentees=[
            mentee(Email="g@example.org"),
            mentee(Email="g@example.org", Route="nonsense"),
            mentee(Email="h@example.org"),
            mentee(Email="G@EXAMPLE.ORG"),
        ],
    )
    programme = parse(raw)
    assert [m.email for m in programme.mentors] == ["bob@example.org"]
    assert [m.email for m in programme.mentees] == ["h@example.org"]
    duplicates = [p for p in programme.problems if "same email" in p.problem]
    assert [(p.tab, p.row, p.value) for p in duplicates] == [
        (MENTORS, 2, "ada@example.org"),
        (MENTORS, 4, " ADA@Example.org"),
        (MENTEES, 2, "g@example.org"),
        (MENTEES, 3, "g@example.org"),
        (MENTEES, 5, "G@EXAMPLE.ORG"),
    ]
    assert duplicates[0].problem == "the same email appears on rows 2 and 4; fix one of them"
    assert duplicates[2].problem == "the same email appears on rows 2, 3 and 5; fix one of them"
    # The bad Route on a duplicate row is reported too.
    assert [(p.row, p.column) for p in problems_at(programme, MENTEES, 3)] == [
        (3, "Email"),
        (3, "Route"),
    ]


def test_the_same_email_in_mentors_and_mentees_is_fine() -> None:
    programme = parse(workbook(mentors=[mentor()], mentees=[mentee(Email="ada@example.org")]))
    assert programme.problems == ()
    assert len(programme.mentors) == len(programme.mentees) == 1


# --- mentors -------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "capacity"), [("3", 3), (" 3 ", 3), ("3.0", 3), ("0", 0)])
def test_capacity_accepted(typed: str, capacity: int) -> None:
    programme = parse(workbook(mentors=[mentor(Capacity=typed)]))
    assert programme.problems == ()
    assert programme.mentors[0].capacity == capacity


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("three", "capacity must be a whole number of mentees, 0 or more"),
        ("-1", "capacity must be a whole number of mentees, 0 or more"),
        ("2.5", "capacity must be a whole number of mentees, 0 or more"),
        ("1e2", "capacity must be a whole number of mentees, 0 or more"),
        ("", "capacity is blank"),
    ],
)
def test_capacity_refused(typed: str, reason: str) -> None:
    programme = parse(workbook(mentors=[mentor(Capacity=typed), mentor(Email="b@example.org")]))
    problem = only_problem(programme)
    assert (problem.row, problem.column, problem.value) == (2, "Capacity", typed)
    assert problem.problem.startswith(reason)
    assert [m.row for m in programme.mentors] == [3]


@pytest.mark.parametrize(
    ("typed", "active"),
    [
        ("yes", True),
        ("YES", True),
        (" y ", True),
        ("TRUE", True),
        ("true", True),
        ("1", True),
        ("✓", True),
        ("✔", True),
        ("no", False),
        ("N", False),
        ("FALSE", False),
        ("0", False),
        ("✗", False),
        ("", False),
        ("  ", False),
    ],
)
def test_active_accepted(typed: str, active: bool) -> None:
    programme = parse(workbook(mentors=[mentor(Active=typed)]))
    assert programme.problems == ()
    assert programme.mentors[0].active is active


@pytest.mark.parametrize("typed", ["x", "X", "maybe", "active", "2"])
def test_active_refused_means_inactive_but_the_mentor_is_kept(typed: str) -> None:
    programme = parse(workbook(mentors=[mentor(Active=typed)]))
    problem = only_problem(programme)
    assert (problem.column, problem.value) == ("Active", typed)
    assert problem.problem.startswith("Active must be yes or no")
    assert [(m.email, m.active) for m in programme.mentors] == [("ada@example.org", False)]


def test_mentor_skills_are_split_with_config_synonyms() -> None:
    cfg = config(matching={"synonyms": {"js": "javascript", "k8s": "kubernetes"}})
    programme = parse(workbook(mentors=[mentor(Skills="JS; K8s\nPython, js")]), cfg)
    assert programme.mentors[0].skills == ("javascript", "kubernetes", "python")


@pytest.mark.parametrize("link", ["https://calendly.com/ada/30min", "HTTPS://example.org/book"])
def test_calendly_links_kept(link: str) -> None:
    programme = parse(workbook(mentors=[mentor(Calendly_link=f" {link} ")]))
    assert programme.problems == ()
    assert programme.mentors[0].calendly == link


@pytest.mark.parametrize(
    "link",
    ["calendly.com/ada", "javascript:alert(1)", "https://", "ftp://x.org", "http://x.org/book"],
)
def test_a_bad_calendly_link_is_reported_and_left_out(link: str) -> None:
    programme = parse(workbook(mentors=[mentor(Calendly_link=link)]))
    problem = only_problem(programme)
    assert (problem.column, problem.value) == ("Calendly link", link)
    assert "web address" in problem.problem
    assert programme.mentors[0].calendly == ""


# --- mentees -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "route"),
    [
        ("Academy", Route.ACADEMY),
        (" academy ", Route.ACADEMY),
        ("ACADEMY applicant", Route.ACADEMY),
        ("Community", Route.COMMUNITY),
        ("community  member", Route.COMMUNITY),
        ("Direct contact", Route.COMMUNITY),
    ],
)
def test_routes_accepted(typed: str, route: Route) -> None:
    programme = parse(workbook(mentees=[mentee(Route=typed)]))
    assert programme.problems == ()
    assert programme.mentees[0].route is route


@pytest.mark.parametrize("typed", ["", "Acadamy", "both"])
def test_a_bad_route_is_a_problem_and_the_mentee_is_not_used(typed: str) -> None:
    programme = parse(workbook(mentees=[mentee(Route=typed)]))
    problem = only_problem(programme)
    assert (problem.column, problem.value) == ("Route", typed)
    assert problem.problem == "Route must be Academy or Community"
    assert programme.mentees == ()


def test_mentee_fields() -> None:
    cfg = config(matching={"synonyms": {"ml": "machine learning"}})
    raw = workbook(mentees=[mentee(Skills_wanted="ML\nPython", Requested_on="46329")])
    (only,) = parse(raw, cfg).mentees
    assert (only.row, only.name, only.email, only.route) == (
        2,
        "Grace Hopper",
        "grace@example.org",
        Route.COMMUNITY,
    )
    assert only.skills_wanted == ("machine learning", "python")
    assert only.requested_on == NOV_3


def test_a_bad_requested_on_is_reported_and_the_mentee_still_used() -> None:
    programme = parse(workbook(mentees=[mentee(Requested_on="last Tuesday")]))
    problem = only_problem(programme)
    assert (problem.column, problem.value) == ("Requested on", "last Tuesday")
    assert problem.problem == "date not understood; write it like 2026-11-03"
    assert [m.requested_on for m in programme.mentees] == [None]


def test_a_future_requested_on_is_reported_and_kept() -> None:
    programme = parse(workbook(mentees=[mentee(Requested_on="03/11/2062")]))
    problem = only_problem(programme)
    assert (problem.column, problem.value) == ("Requested on", "03/11/2062")
    assert "check the year" in problem.problem
    assert [m.requested_on for m in programme.mentees] == [date(2062, 11, 3)]


# --- pairings ---------------------------------------------------------------------


def test_a_good_pairing_is_read_in_full() -> None:
    raw = workbook(
        pairings=[
            pairing(
                Status=" awaiting  CONTACT ",
                Route="academy",
                Score="0.5",
                Contact_made_on="9 Nov 2026",
                Reminders_sent="2",
                Last_reminder_on="46333",
                Intro_sent_on="2026-11-03T09:30:00",
            )
        ]
    )
    programme = parse(raw)
    assert programme.problems == ()
    assert programme.held_places == ()
    (only,) = programme.pairings
    assert only.row == 2
    assert only.pairing_id == "P-0001"
    assert only.status is Status.AWAITING_CONTACT
    assert (only.mentee_name, only.mentee_email) == ("Grace Hopper", "grace@example.org")
    assert (only.mentor_name, only.mentor_email) == ("Ada Lovelace", "ada@example.org")
    assert only.route is Route.ACADEMY
    assert only.score == 0.5
    assert only.why == "shares python"
    assert only.proposed_on == date(2026, 11, 2)
    assert only.intro_sent_on == datetime(2026, 11, 3, 9, 30, tzinfo=LONDON)
    assert only.intro_message_id == "<abc@example.org>"
    assert only.contact_made_on == date(2026, 11, 9)
    assert only.reminders_sent == 2
    assert only.last_reminder_on == date(2026, 11, 7)


def test_pairing_blanks_read_as_defaults() -> None:
    raw = workbook(
        pairings=[
            pairing(
                Status="Proposed",
                Route="",
                Score="",
                Proposed_on="",
                Intro_sent_on="",
                Reminders_sent="",
            )
        ]
    )
    (only,) = parse(raw).pairings
    assert (only.route, only.score, only.proposed_on, only.intro_sent_on) == (
        None,
        None,
        None,
        None,
    )
    assert only.reminders_sent == 0


def test_a_pairing_without_an_id_is_reported_and_still_holds_its_place() -> None:
    programme = parse(workbook(pairings=[pairing(Pairing_id=" ", Mentor_email="ADA@example.ORG")]))
    problem = only_problem(programme)
    assert (problem.tab, problem.row, problem.column, problem.value) == (
        PAIRINGS,
        2,
        "Pairing ID",
        " ",
    )
    assert "without a Pairing ID" in problem.problem
    assert programme.pairings == ()
    (held,) = programme.held_places
    assert (held.row, held.pairing_id, held.status) == (2, "", Status.AWAITING_CONTACT)
    assert (held.mentor_email, held.mentee_email) == ("ada@example.org", "grace@example.org")
    assert held.holds_place


def test_duplicate_pairing_ids_are_reported_on_each_row_and_not_managed() -> None:
    raw = workbook(
        pairings=[
            pairing(Pairing_id="P-1"),
            pairing(Pairing_id="P-2", Mentee_email="h@example.org"),
            pairing(Pairing_id="P-1", Mentee_email="i@example.org", Status="Ended"),
        ]
    )
    programme = parse(raw)
    assert [p.pairing_id for p in programme.pairings] == ["P-2"]
    assert [(p.row, p.column, p.value) for p in programme.problems] == [
        (2, "Pairing ID", "P-1"),
        (4, "Pairing ID", "P-1"),
    ]
    assert "rows 2 and 4" in programme.problems[0].problem
    assert [(h.row, h.mentee_email, h.status, h.holds_place) for h in programme.held_places] == [
        (2, "grace@example.org", Status.AWAITING_CONTACT, True),
        (4, "i@example.org", Status.ENDED, False),
    ]


@pytest.mark.parametrize("typed", ["Waiting", "", "Done?"])
def test_an_unknown_status_is_reported_and_counted_as_taking_the_place(typed: str) -> None:
    programme = parse(workbook(pairings=[pairing(Status=typed)]))
    problem = only_problem(programme)
    assert (problem.column, problem.value) == ("Status", typed)
    assert "Awaiting contact" in problem.problem
    assert programme.pairings == ()
    (held,) = programme.held_places
    assert held.status is None
    assert held.holds_place
    assert held.mentor_email == "ada@example.org"


@pytest.mark.parametrize(
    ("column", "typed"),
    [
        ("Mentee email", "grace-at-example.org"),
        ("Mentor email", ""),
        ("Mentee", "Grace\nBcc: eve@example.org"),
        ("Mentor", "Ada\rLovelace"),
        ("Intro sent on", "Tuesday"),
        ("Contact made on", "yes"),
        ("Reminders sent", "two"),
        ("Reminders sent", "-1"),
        ("Last reminder on", "32/11/2026"),
    ],
)
def test_pairing_rows_with_an_unreadable_essential_are_held_out(column: str, typed: str) -> None:
    programme = parse(workbook(pairings=[pairing(**{column.replace(" ", "_"): typed})]))
    problem = only_problem(programme)
    assert (problem.tab, problem.row, problem.column, problem.value) == (
        PAIRINGS,
        2,
        column,
        typed,
    )
    assert programme.pairings == ()
    (held,) = programme.held_places
    assert (held.row, held.pairing_id) == (2, "P-0001")
    if column == "Mentor email":
        assert held.mentor_email == ""
    if column == "Mentee email":
        assert held.mentee_email == ""


@pytest.mark.parametrize(
    ("column", "typed", "field", "reason"),
    [
        ("Score", "high", "score", "Score must be a number"),
        ("Score", "nan", "score", "Score must be a number"),
        ("Route", "Acadamy", "route", "Route must be Academy or Community"),
        ("Proposed on", "someday", "proposed_on", "date not understood"),
    ],
)
def test_pairing_informational_cells_are_reported_and_the_row_used(
    column: str, typed: str, field: str, reason: str
) -> None:
    programme = parse(workbook(pairings=[pairing(**{column.replace(" ", "_"): typed})]))
    problem = only_problem(programme)
    assert (problem.column, problem.value) == (column, typed)
    assert problem.problem.startswith(reason)
    (only,) = programme.pairings
    assert getattr(only, field) is None
    assert programme.held_places == ()


def test_a_future_contact_made_on_is_reported_and_kept() -> None:
    programme = parse(workbook(pairings=[pairing(Contact_made_on="2062-11-03")]))
    problem = only_problem(programme)
    assert (problem.column, problem.value) == ("Contact made on", "2062-11-03")
    assert programme.pairings[0].contact_made_on == date(2062, 11, 3)


def test_intro_sent_on_uses_the_programme_time_zone() -> None:
    cfg = config(schedule={"timezone": "America/New_York"})
    programme = parse(workbook(pairings=[pairing(Intro_sent_on="2026-11-03")]), cfg)
    assert programme.pairings[0].intro_sent_on == datetime(
        2026, 11, 3, tzinfo=ZoneInfo("America/New_York")
    )


def test_pairings_may_repeat_people() -> None:
    raw = workbook(
        pairings=[
            pairing(Pairing_id="P-1"),
            pairing(Pairing_id="P-2", Status="Rejected"),
            pairing(Pairing_id="P-3", Mentee_email="h@example.org"),
        ]
    )
    programme = parse(raw)
    assert programme.problems == ()
    assert [p.pairing_id for p in programme.pairings] == ["P-1", "P-2", "P-3"]


# --- runs -----------------------------------------------------------------------------


def test_runs_are_kept_as_text_by_column() -> None:
    run = {
        "Started": "2026-11-09T07:00:00+00:00",
        "Command": "run",
        "Proposed": "007",
        "Result": "ok",
    }
    programme = parse(workbook(runs=[None, run]))
    assert programme.problems == ()
    (only,) = programme.runs
    assert only.row == 3
    assert only.values["Proposed"] == "007"
    assert only.values["Command"] == "run"
    assert only.values["Finished"] == ""
    assert set(only.values) == set(COLUMNS[RUNS])


# --- every problem names tab, row, column and value -----------------------------------


def test_every_problem_names_tab_row_column_and_value_in_order() -> None:
    titles = {MENTORS: "Mentor sign-ups", MENTEES: "Form responses 1"}
    cfg = config(workbook={"tabs": titles})
    raw = workbook(
        titles=titles,
        mentors=[
            mentor(Email="not-an-email", Capacity="three", Active="maybe"),
            mentor(Email="b@example.org", Name="Bob\nBcc: x@example.org", Calendly_link="nope"),
        ],
        mentees=[
            mentee(Route="?", Requested_on="soon"),
            None,
            mentee(Email="", Name=""),
        ],
        pairings=[pairing(Pairing_id="", Status="??", Score="x", Reminders_sent="lots")],
    )
    programme = parse(raw, cfg)
    assert programme.mentors == ()
    assert programme.mentees == ()
    assert programme.pairings == ()
    found = [(p.tab, p.row, p.column) for p in programme.problems]
    assert found == [
        ("Mentor sign-ups", 2, "Email"),
        ("Mentor sign-ups", 2, "Capacity"),
        ("Mentor sign-ups", 2, "Active"),
        ("Mentor sign-ups", 3, "Name"),
        ("Mentor sign-ups", 3, "Calendly link"),
        ("Form responses 1", 2, "Route"),
        ("Form responses 1", 2, "Requested on"),
        ("Form responses 1", 4, "Name"),
        ("Form responses 1", 4, "Email"),
        (PAIRINGS, 2, "Pairing ID"),
        (PAIRINGS, 2, "Status"),
        (PAIRINGS, 2, "Score"),
        (PAIRINGS, 2, "Reminders sent"),
    ]
    by_title = {t.title: (tab, t) for tab, t in raw.tabs.items()}
    for problem in programme.problems:
        tab, raw_tab_ = by_title[problem.tab]
        assert problem.row is not None
        assert problem.column in COLUMNS[tab]
        cells = raw_tab_.rows[problem.row - 2]
        assert problem.value == cells[raw_tab_.header.index(problem.column)]
        assert len(problem.problem) > 20
        assert "Error" not in problem.problem
        assert problem.as_row()["Row"] == str(problem.row)


def test_a_configured_alias_wins_over_a_column_with_the_standard_name() -> None:
    # A form's tab: "Email address" is what staff mapped; "Email" is something else.
    header = ["Name", "Email", "Email address", "Route"]
    assert resolve_columns(MENTEES, header, {"Email": ["Email address"]})["Email"] == 2
    assert resolve_columns(MENTEES, header)["Email"] == 1


# --- input that must not get through -----------------------------------------------------


def test_a_hand_typed_pairing_of_a_person_with_themselves_is_held_out() -> None:
    row = pairing(**{"Mentor email": "bob@example.org", "Mentee email": "BOB@example.org"})
    programme = parse(workbook(pairings=[row]))
    problem = only_problem(programme)
    assert (problem.tab, problem.column) == ("Pairings", "Mentor email")
    assert "two people" in problem.problem
    assert programme.pairings == ()
    assert [held.pairing_id for held in programme.held_places] == [row["Pairing ID"]]


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\u200f"])
def test_a_name_with_a_text_direction_character_is_refused(char: str) -> None:
    programme = parse(workbook(mentors=[mentor(Name=f"Ada {char}ecalevoL")]))
    problem = only_problem(programme)
    assert (problem.tab, problem.column) == ("Mentors", "Name")
    assert f"U+{ord(char):04X}" in problem.problem


@pytest.mark.parametrize("tab", ["Mentors", "Pairings"])
def test_two_columns_with_the_same_header_are_an_error_naming_both(tab: str) -> None:
    header = "Email" if tab == "Mentors" else "Status"
    book = workbook()
    raw = book.tabs[tab]
    doubled = RawTab(raw.title, (*raw.header, header), raw.rows)
    book = RawWorkbook({**book.tabs, tab: doubled}, book.titles, book.markers)
    with pytest.raises(DuplicateHeaderError) as caught:
        parse(book)
    message = str(caught.value)
    first = column_letter(raw.header.index(header))
    assert f"columns {first} and {column_letter(len(raw.header))}" in message
    assert repr(tab) in message and repr(header) in message

"""The contact form's responses tab, parsed: the issue's bad input, one case at a time.

Pure: raw tabs in, the usable answers and the Problems out, with ``today``
given. Every refused answer names the tab, the row, the column and the value,
and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mentorsheet.config import Config, FormsConfig, load_config
from mentorsheet.core.forms import confirmations
from mentorsheet.core.model import FormResponse, Programme
from mentorsheet.core.parsing import parse_workbook
from mentorsheet.core.parsing.dates import parse_form_timestamp
from mentorsheet.core.parsing.responses import normalise_pairing_id
from mentorsheet.core.raw import RawTab, RawWorkbook
from mentorsheet.core.schema import (
    COLUMNS,
    MENTEES,
    MENTORS,
    PAIRINGS,
    PROBLEMS,
    RESPONSES,
    RUNS,
    ResponseColumn,
)
from mentorsheet.errors import ConfigError, InvalidFieldError

LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 12, 1)
TITLE = "Form responses 1"
FORM = "https://docs.google.com/forms/d/e/x/viewform?usp=pp_url&entry.1={pairing_id}"
HEADER: tuple[str, ...] = tuple(ResponseColumn)


def config(**forms: Any) -> Config:
    sections: dict[str, dict[str, Any]] = {"forms": {"confirm_url": FORM, **forms}}
    return load_config(None, environ={}, overrides=sections)


def pairing_row(pid: str, status: str, mentee: str, mentor: str) -> tuple[str, ...]:
    values = {
        "Pairing ID": pid,
        "Status": status,
        "Mentee": "Mentee",
        "Mentee email": mentee,
        "Mentor": "Mentor",
        "Mentor email": mentor,
        "Intro sent on": "2026-11-20T10:00:00",
        "Reminders sent": "0",
    }
    return tuple(values.get(column, "") for column in COLUMNS[PAIRINGS])


PAIRINGS_ROWS = (
    pairing_row("P-20261120-AAAAAA", "Awaiting contact", "sam@example.net", "ada@example.org"),
    pairing_row("P-20261120-BBBBBB", "Rejected", "mo@example.net", "ada@example.org"),
    pairing_row("P-20261120-CCCCCC", "Ended", "lee@example.net", "grace@example.org"),
    pairing_row("P-20261120-DDDDDD", "Contact overdue", "jo@example.net", "grace@example.org"),
)
SAM = "P-20261120-AAAAAA"


def workbook(
    rows: Sequence[Sequence[str]], header: Sequence[str] = HEADER, *, with_tab: bool = True
) -> RawWorkbook:
    def tab(name: str, body: Sequence[Sequence[str]] = ()) -> RawTab:
        return RawTab(name, tuple(COLUMNS[name]), tuple(tuple(r) for r in body))

    tabs: dict[str, RawTab] = {
        MENTORS: tab(MENTORS),
        MENTEES: tab(MENTEES),
        PAIRINGS: tab(PAIRINGS, PAIRINGS_ROWS),
        PROBLEMS: tab(PROBLEMS),
        RUNS: tab(RUNS),
    }
    if with_tab:
        tabs[RESPONSES] = RawTab(TITLE, tuple(header), tuple(tuple(r) for r in rows))
    return RawWorkbook(tabs=tabs, titles=tuple(t.title for t in tabs.values()))


def answer(**cells: str) -> tuple[str, ...]:
    named: Mapping[str, str] = {
        "Timestamp": "30/11/2026 10:15:03",
        "Email address": "sam@example.net",
        "Pairing ID": SAM,
        "Who is answering?": "Mentee",
        "Have you been in touch?": "Yes, we have been in touch",
        **{key.replace("_", " "): value for key, value in cells.items()},
    }
    return tuple(named.get(column, "") for column in HEADER)


def parse(rows: Sequence[Sequence[str]], cfg: Config | None = None, **kw: Any) -> Programme:
    return parse_workbook(workbook(rows, **kw), cfg or config(), today=TODAY)


def form_problems(programme: Programme) -> list[tuple[int | None, str, str]]:
    return [(p.row, p.column, p.value) for p in programme.problems if p.tab == TITLE]


def test_a_valid_answer_is_kept_with_its_day_and_who_answered() -> None:
    programme = parse([answer()])
    assert form_problems(programme) == []
    [response] = programme.responses or ()
    assert response == FormResponse(
        row=2,
        pairing_id=SAM,
        at=datetime(2026, 11, 30, 10, 15, 3, tzinfo=LONDON),
        role="mentee",
        email="sam@example.net",
        contact=True,
    )
    assert set(confirmations(programme.pairings, programme.responses)) == {SAM}


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("12/1/2026 10:15:03", "day-first", datetime(2026, 1, 12, 10, 15, 3)),
        ("12/1/2026 10:15:03", "month-first", datetime(2026, 12, 1, 10, 15, 3)),
        ("01/12/2026 10:15:03", "day-first", datetime(2026, 12, 1, 10, 15, 3)),
        ("01/12/2026 10:15:03", "month-first", datetime(2026, 1, 12, 10, 15, 3)),
        ("1/12/2026 9:05", "day-first", datetime(2026, 12, 1, 9, 5)),
        ("2026-12-01T10:15:03", "month-first", datetime(2026, 12, 1, 10, 15, 3)),  # a date cell
        ("46357.427118", "day-first", datetime(2026, 12, 1, 10, 15, 3)),  # a serial
    ],
)
def test_the_timestamp_in_either_locale_order_or_as_a_serial(
    text: str, order: str, expected: datetime
) -> None:
    at = parse_form_timestamp(text, LONDON, month_first=order == "month-first")
    assert at == expected.replace(tzinfo=LONDON)


def test_a_timestamp_impossible_in_the_configured_order_is_a_problem() -> None:
    with pytest.raises(InvalidFieldError, match="month first"):
        parse_form_timestamp("30/11/2026 10:15:03", LONDON, month_first=True)
    programme = parse([answer()], config(date_order="month-first"))
    assert form_problems(programme) == [(2, "Timestamp", "30/11/2026 10:15:03")]
    assert programme.responses == ()


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)))
def test_both_orders_read_back_what_they_wrote(moment: datetime) -> None:
    moment = moment.replace(microsecond=0)
    for month_first, pattern in ((False, "%d/%m/%Y %H:%M:%S"), (True, "%m/%d/%Y %H:%M:%S")):
        at = parse_form_timestamp(moment.strftime(pattern), LONDON, month_first=month_first)
        assert at == moment.replace(tzinfo=LONDON)


def test_a_pairing_id_with_spaces_or_lower_case_is_normalised() -> None:
    assert normalise_pairing_id("  p-20261120-aaaaaa \n") == SAM
    [response] = parse([answer(**{"Pairing ID": f"  {SAM.lower()} "})]).responses or ()
    assert response.pairing_id == SAM


@pytest.mark.parametrize(
    ("cells", "column", "why"),
    [
        ({"Pairing ID": "P-NOSUCH"}, "Pairing ID", "no pairing has this Pairing ID"),
        ({"Pairing ID": ""}, "Pairing ID", "no Pairing ID"),
        ({"Pairing ID": "P-20261120-BBBBBB"}, "Pairing ID", "is Rejected"),
        ({"Pairing ID": "P-20261120-CCCCCC"}, "Pairing ID", "is Ended"),
        ({"Email address": "stranger@example.com"}, "Email address", "neither the mentor"),
        ({"Email address": "not an email"}, "Email address", "not a valid email"),
        ({"Timestamp": "02/12/2026 08:00:00"}, "Timestamp", "after today"),
        ({"Timestamp": "yesterday"}, "Timestamp", "date not understood"),
        ({"Timestamp": ""}, "Timestamp", "no Timestamp"),
        ({"Have you been in touch?": "Sort of"}, "Have you been in touch?", "Yes or No"),
        ({"How is it going?": "7"}, "How is it going?", "1 to 5"),
        ({"Are you still meeting?": "maybe"}, "Are you still meeting?", "Yes or No"),
        ({"Who is answering?": "Their cat"}, "Who is answering?", "Mentor or Mentee"),
    ],
)
def test_each_untrusted_answer_is_a_problem_naming_its_cell_and_changes_nothing(
    cells: dict[str, str], column: str, why: str
) -> None:
    row = answer(**cells)
    programme = parse([row])
    [problem] = [p for p in programme.problems if p.tab == TITLE]
    assert (problem.row, problem.column) == (2, column)
    assert problem.value == row[HEADER.index(column)]
    assert why in problem.problem
    assert programme.responses == ()
    assert confirmations(programme.pairings, programme.responses) == {}


def test_the_same_answer_twice_is_reported_once_and_counted_once() -> None:
    programme = parse([answer(), answer()])
    assert form_problems(programme) == [(3, "Timestamp", "30/11/2026 10:15:03")]
    assert [r.row for r in programme.responses or ()] == [2]


def test_the_mentor_and_the_mentee_may_both_confirm_and_the_earliest_counts() -> None:
    programme = parse(
        [
            answer(Timestamp="30/11/2026 18:00:00"),
            answer(
                Timestamp="29/11/2026 09:00:00",
                **{"Email address": "ADA@example.org", "Who is answering?": ""},
            ),
        ]
    )
    assert [r.role for r in programme.responses or ()] == ["mentee", "mentor"]
    confirmed = confirmations(programme.pairings, programme.responses)
    assert confirmed[SAM].day == date(2026, 11, 29)


def test_without_collected_emails_who_is_answering_says_who() -> None:
    header = tuple(c for c in HEADER if c != "Email address")
    row = tuple(v for c, v in zip(HEADER, answer(), strict=True) if c != "Email address")
    [response] = parse([row], header=header).responses or ()
    assert (response.role, response.email) == ("mentee", "")


def test_empty_rows_extra_questions_and_reordered_columns_are_fine() -> None:
    header = ("What did you talk about?", *reversed(HEADER), "Staff note")
    row = ("Python", *reversed(answer(**{"How is it going?": "4"})), "looked at")
    programme = parse([("", "", " ", ""), row, ()], header=header)
    assert form_problems(programme) == []
    [response] = programme.responses or ()
    assert (response.row, response.score, response.contact) == (3, 4, True)


def test_formula_looking_comments_stay_text() -> None:
    comment = '=HYPERLINK("http://x.example","click")'
    [response] = parse([answer(**{"Anything you would like to tell us?": comment})]).responses or ()
    assert response.comment == comment


def test_header_aliases_map_the_form_s_own_wording() -> None:
    header = tuple("Are you in touch?" if c == "Have you been in touch?" else c for c in HEADER)
    cfg = load_config(
        None,
        environ={},
        overrides={
            "forms": {"confirm_url": FORM},
            "workbook": {
                "headers": {RESPONSES: {"Have you been in touch?": ["Are you in touch?"]}}
            },
        },
    )
    [response] = parse([answer()], cfg, header=header).responses or ()
    assert response.contact is True


def test_a_renamed_or_headless_tab_is_one_problem_never_a_failure() -> None:
    programme = parse([answer()], header=("When", "Which pairing"))
    [problem] = [p for p in programme.problems if p.tab == TITLE]
    assert problem.row == 1
    assert "'Timestamp'" in problem.problem
    assert programme.responses is None
    assert len(programme.pairings) == 4  # the rest of the workbook is read as ever


def test_a_missing_tab_is_a_warning_with_a_form_and_silence_without() -> None:
    with_form = parse_workbook(workbook([], with_tab=False), config(), today=TODAY)
    assert [(p.tab, p.row) for p in with_form.problems] == [(TITLE, None)]
    off = parse_workbook(workbook([], with_tab=False), Config(), today=TODAY)
    assert off.problems == ()
    assert off.responses is None


@pytest.mark.parametrize(
    ("update", "key"),
    [
        ({"confirm_url": "http://docs.google.com/forms?x={pairing_id}"}, "forms.confirm_url"),
        ({"confirm_url": "https://docs.google.com/forms/d/e/x/viewform"}, "forms.confirm_url"),
        ({"confirm_url": "https://x.example/a b?{pairing_id}"}, "forms.confirm_url"),
        ({"checkin_business_days": [60, 20]}, "forms.checkin_business_days"),
        ({"checkin_business_days": [0, 20]}, "forms.checkin_business_days"),
        ({"date_order": "year-first"}, "forms.date_order"),
    ],
)
def test_bad_form_settings_name_their_key(update: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_config(None, environ={}, overrides={"forms": update})


def test_the_link_gets_the_pairing_id_url_encoded() -> None:
    forms = FormsConfig(confirm_url=FORM)
    assert forms.link_for("P-1 &x") == FORM.replace("{pairing_id}", "P-1%20%26x")
    assert FormsConfig().link_for("P-1") == ""
    assert FormsConfig().enabled is False


def test_a_form_tab_already_read_as_another_tab_is_never_read_as_the_responses() -> None:
    mentees = {"tabs": {"Mentees": TITLE}}
    assert (
        load_config(None, environ={}, overrides={"workbook": mentees}).workbook.tab_title(RESPONSES)
        == RESPONSES
    )
    clash = {"tabs": {"Mentees": TITLE, "Responses": TITLE}}
    with pytest.raises(ConfigError, match=r"workbook\.tabs\.Responses"):
        load_config(None, environ={}, overrides={"workbook": clash})

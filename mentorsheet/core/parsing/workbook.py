"""The whole workbook read into a :class:`Programme`.

What is checked before anything else: all five tabs exist
(:class:`MissingTabError`) and every tab has its required headers
(:class:`MissingHeaderError`). After that nothing stops the read: every cell
that cannot be used becomes a :class:`Problem` naming the tab (its title in
the workbook), the spreadsheet row (the header is row 1), the canonical
column, the raw value and a plain-English reason, and the rest of the data is
still used.
"""

from __future__ import annotations

from datetime import date

from mentorsheet.config import Config
from mentorsheet.core.model import FormResponse, HeldPlace, Pairing, Problem, Programme
from mentorsheet.core.parsing.responses import read_responses, response_columns
from mentorsheet.core.parsing.tabs import read_mentees, read_mentors, read_pairings, read_runs
from mentorsheet.core.raw import RawWorkbook
from mentorsheet.core.schema import (
    COLUMNS,
    MENTEES,
    MENTORS,
    PAIRINGS,
    RESPONSES,
    RUNS,
    TABS,
    resolve_columns,
)
from mentorsheet.core.skills import SkillNormaliser
from mentorsheet.errors import MissingTabError


def _in_order(problems: list[Problem], tab: str) -> list[Problem]:
    position = {column: index for index, column in enumerate(COLUMNS[tab])}
    return sorted(problems, key=lambda p: (p.row or 0, position.get(p.column, len(position))))


def parse_workbook(raw: RawWorkbook, config: Config, *, today: date) -> Programme:
    """Validate the workbook into a :class:`Programme` (see the module doc).

    Raises :class:`MissingTabError` or :class:`MissingHeaderError` before
    reading any row; every other fault is a :class:`Problem` in the result.
    """
    for tab in TABS:
        if tab not in raw.tabs:
            raise MissingTabError(config.workbook.tab_title(tab), raw.titles)
    columns = {
        tab: resolve_columns(tab, raw.tabs[tab].header, config.workbook.headers.get(tab))
        for tab in TABS
    }
    skills = SkillNormaliser(config.matching.synonyms)
    found: dict[str, list[Problem]] = {tab: [] for tab in TABS}
    mentors = read_mentors(raw.tabs[MENTORS], columns[MENTORS], skills, found[MENTORS])
    mentees = read_mentees(raw.tabs[MENTEES], columns[MENTEES], skills, today, found[MENTEES])
    pairings, held = read_pairings(
        raw.tabs[PAIRINGS], columns[PAIRINGS], config.schedule.zone, today, found[PAIRINGS]
    )
    runs = read_runs(raw.tabs[RUNS], columns[RUNS], found[RUNS])
    responses_found: list[Problem] = []
    responses = _responses(raw, config, pairings, held, today, responses_found)
    return Programme(
        mentors=mentors,
        mentees=mentees,
        pairings=pairings,
        runs=runs,
        problems=(
            *(problem for tab in TABS for problem in _in_order(found[tab], tab)),
            *_in_order(responses_found, RESPONSES),
        ),
        markers=dict(raw.markers),
        held_places=held,
        pairing_columns=frozenset(columns[PAIRINGS]),
        responses=responses,
    )


def _responses(
    raw: RawWorkbook,
    config: Config,
    pairings: tuple[Pairing, ...],
    held: tuple[HeldPlace, ...],
    today: date,
    problems: list[Problem],
) -> tuple[FormResponse, ...] | None:
    """The contact form's answers (core/parsing/responses), or None without the tab.

    The tab is optional: without a form configured and without the tab, the
    feature is off and says nothing. A form configured but no tab, or a tab
    without its Timestamp or Pairing ID column, is one problem on the tab,
    never a failure: every other part of the run goes on.
    """
    title = config.workbook.tab_title(RESPONSES)
    tab = raw.tabs.get(RESPONSES)
    if tab is None:
        if config.forms.enabled:
            problems.append(
                Problem(
                    title,
                    None,
                    "",
                    "",
                    "the contact form is configured but the workbook has no tab of this name: "
                    "link the form's responses to this spreadsheet, or set "
                    "[workbook.tabs] Responses",
                )
            )
        return None
    columns = response_columns(tab.header, config.workbook.headers.get(RESPONSES))
    if isinstance(columns, str):
        problems.append(Problem(title, 1, "", "", f"{columns}; the form's answers are not read"))
        return None
    return read_responses(
        tab,
        columns,
        pairings=pairings,
        held=held,
        forms=config.forms,
        zone=config.schedule.zone,
        today=today,
        problems=problems,
    )

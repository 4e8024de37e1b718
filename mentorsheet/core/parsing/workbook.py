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
from mentorsheet.core.model import Problem, Programme
from mentorsheet.core.parsing.tabs import read_mentees, read_mentors, read_pairings, read_runs
from mentorsheet.core.raw import RawWorkbook
from mentorsheet.core.schema import COLUMNS, MENTEES, MENTORS, PAIRINGS, RUNS, TABS, resolve_columns
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
    return Programme(
        mentors=mentors,
        mentees=mentees,
        pairings=pairings,
        runs=runs,
        problems=tuple(problem for tab in TABS for problem in _in_order(found[tab], tab)),
        markers=dict(raw.markers),
        held_places=held,
        pairing_columns=frozenset(columns[PAIRINGS]),
    )

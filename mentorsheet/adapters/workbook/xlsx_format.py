"""The cells and formatting of an ``.xlsx`` workbook (openpyxl): values in and out, init's layout.

Text stays text: openpyxl turns a ``str`` starting with ``=`` into a formula
unless the cell's data type is forced to string, which :func:`set_text` does
for every text written. The dates, date-times and numbers of typed columns
(:data:`~mentorsheet.core.schema.CELL_KINDS`) are written by
:func:`set_value` as date and number cells with a number format
(``yyyy-mm-dd``, ``yyyy-mm-dd hh:mm``), and :func:`cell_text` reads them
back as the text they were made from. The few characters XML cannot hold at
all (most control characters) are dropped when written.

``init`` lays a tab out as on every backend
(:mod:`mentorsheet.adapters.workbook.layout`): missing headers at the end,
the dropdowns and the Status colours where they are missing, on the columns
runs write. A new tab also gets a frozen header row and readable widths.
mentorsheet's columns are not protected: ``.xlsx`` sheet protection is
all-or-nothing and needs a password, unlike Google's warning-only kind.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Final

from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from mentorsheet.adapters.workbook.layout import (
    Dropdown,
    added_dropdown,
    added_headers,
    coloured,
    layout_of,
)
from mentorsheet.adapters.workbook.values import DATE_PATTERN, DATETIME_PATTERN, typed_value
from mentorsheet.config import WorkbookConfig
from mentorsheet.core.model import Problem
from mentorsheet.core.schema import (
    COLUMNS,
    MENTEES,
    MENTORS,
    PAIRINGS,
    PC,
    CellKind,
    MenteeColumn,
    MentorColumn,
    ProblemColumn,
    RunColumn,
)
from mentorsheet.core.statuses import STATUS_COLOURS
from mentorsheet.errors import WorkbookError

# Characters an .xlsx (XML 1.0) cannot hold: a file containing one cannot be opened again.
NOT_XML: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
LAST_ROW: Final = 1_048_576  # the last row of an .xlsx sheet: validations cover whole columns

# Column widths (in characters) wider than the header needs.
WIDE_COLUMNS: Final[Mapping[str, int]] = {
    MentorColumn.NAME: 24,
    MentorColumn.EMAIL: 30,
    MentorColumn.SKILLS: 36,
    MenteeColumn.SKILLS_WANTED: 36,
    MentorColumn.CALENDLY: 32,
    PC.PAIRING_ID: 20,
    PC.STATUS: 18,
    PC.MENTEE: 24,
    PC.MENTOR: 24,
    PC.MENTEE_EMAIL: 30,
    PC.MENTOR_EMAIL: 30,
    PC.WHY: 48,
    PC.NOTES: 36,
    PC.INTRO_MESSAGE_ID: 36,
    ProblemColumn.VALUE: 30,
    ProblemColumn.PROBLEM: 60,
    RunColumn.STARTED: 22,
    RunColumn.FINISHED: 22,
    RunColumn.RESULT: 40,
    RunColumn.DIGEST: 22,
}


def cell_text(value: object) -> str:
    """A cell's value as the text the pure core parses (see :class:`RawTab`)."""
    if value is None:
        return ""
    if isinstance(value, bool):  # before int: bool is an int
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        # A date typed into a cell is stored as midnight: give it as a date.
        if value.time() == time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def set_text(cell: Cell | MergedCell, text: str) -> None:
    """Write ``text`` into ``cell`` as a string, never as a formula."""
    if isinstance(cell, MergedCell):  # raising before the save leaves the file as it was
        raise WorkbookError(
            f"cell {cell.coordinate} of tab {cell.parent.title!r} is inside merged cells; "
            "unmerge them so mentorsheet can write there"
        )
    cleaned = NOT_XML.sub("", text)
    if cleaned == "":
        cell.value = None
        return
    cell.value = cleaned
    cell.data_type = "s"  # openpyxl made it "f" when it starts with "="


def set_value(cell: Cell | MergedCell, kind: CellKind, text: str) -> None:
    """Write ``text`` into a ``kind`` column's cell: a date, a number or text (never a formula)."""
    value = typed_value(kind, text)
    if isinstance(value, str):
        set_text(cell, value)
        return
    if isinstance(cell, MergedCell):
        set_text(cell, text)  # raises, naming the cell
        return
    cell.value = value
    if isinstance(value, datetime):
        cell.number_format = DATETIME_PATTERN
    elif isinstance(value, date):
        cell.number_format = DATE_PATTERN
    else:
        cell.number_format = "General"


def create_tab(workbook: Workbook, title: str, tab: str) -> Worksheet:
    """A new, empty tab with its header row frozen and its columns wide enough to read."""
    sheet: Worksheet = workbook.create_sheet(title)
    for position, column in enumerate(COLUMNS[tab], start=1):
        width = max(WIDE_COLUMNS.get(column, 0), len(column) + 4, 10)
        sheet.column_dimensions[get_column_letter(position)].width = width
    sheet.freeze_panes = "A2"
    # No protection of mentorsheet's columns here: .xlsx sheet protection is
    # all-or-nothing and needs a password, unlike Google's warning-only kind.
    return sheet


def lay_out(sheet: Worksheet, tab: str, aliases: Mapping[str, Sequence[str]]) -> list[str]:
    """Add the missing headers, dropdowns and Status colours; never touch data. Says what it did."""
    new = sheet.max_row == 1 and sheet.max_column == 1 and sheet["A1"].value is None
    header = [] if new else [cell_text(cell.value) for cell in sheet[1]]
    layout = layout_of(tab, header, aliases)
    done: list[str] = []
    for offset, column in enumerate(layout.added, start=layout.added_at + 1):
        cell = sheet.cell(row=1, column=offset)
        set_text(cell, column)
        cell.font = Font(bold=True)
    if layout.added and not new:
        done.append(added_headers(sheet.title, layout.added))
    for dropdown in layout.dropdowns(tab):
        if not _has_dropdown(sheet, dropdown):
            _add_dropdown(sheet, dropdown)
            done.append(added_dropdown(sheet.title, dropdown.column))
    status = layout.status_position(tab)
    if status is not None:
        count = _colour_statuses(sheet, get_column_letter(status + 1))
        if count:
            done.append(coloured(sheet.title, count))
    return done


def _has_dropdown(sheet: Worksheet, dropdown: Dropdown) -> bool:
    first = f"{get_column_letter(dropdown.position + 1)}2"
    for validation in sheet.data_validations.dataValidation:
        choices = str(validation.formula1 or "").strip('"').split(",")
        if validation.type == "list" and first in validation.sqref:
            return set(choices) == set(dropdown.choices)
    return False


def _add_dropdown(sheet: Worksheet, dropdown: Dropdown) -> None:
    letter = get_column_letter(dropdown.position + 1)
    column, choices = dropdown.column, dropdown.choices
    validation = DataValidation(
        type="list",
        formula1='"' + ",".join(choices) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",  # staff may still enter another value after a warning
        errorTitle=f"Unexpected {column}",
        error=f"{column} is usually one of: {', '.join(choices)}",
    )
    validation.add(f"{letter}2:{letter}{LAST_ROW}")
    sheet.add_data_validation(validation)


def _colour_statuses(sheet: Worksheet, letter: str) -> int:
    """Give each Status its colour on column ``letter`` where it has none yet; how many."""
    coloured_now: set[str] = set()
    for formats in sheet.conditional_formatting:
        if f"{letter}2" in formats.sqref:
            coloured_now.update(
                str(rule.formula[0]).strip('"') for rule in formats.rules if rule.formula
            )
    cells = f"{letter}2:{letter}{LAST_ROW}"
    added = 0
    for status, colour in STATUS_COLOURS.items():
        if status.value in coloured_now:
            continue
        fill = PatternFill(start_color=colour, end_color=colour, fill_type="solid")
        rule = CellIsRule(  # type: ignore[no-untyped-call]
            operator="equal", formula=[f'"{status.value}"'], fill=fill
        )
        sheet.conditional_formatting.add(cells, rule)
        added += 1
    return added


def formula_problems(workbook: Workbook, config: WorkbookConfig) -> list[Problem]:
    """Formulas in the tabs mentorsheet reads, which its saves leave without a result.

    openpyxl keeps a formula but not its last value, so after a save the cell
    reads as empty until Excel or LibreOffice recalculates and saves the file.
    Staff are told on every run, on the Problems tab, while such cells remain.
    """
    found: list[Problem] = []
    for tab in (MENTORS, MENTEES, PAIRINGS):
        title = config.tab_title(tab)
        sheet = workbook[title] if title in workbook.sheetnames else None
        if not isinstance(sheet, Worksheet):
            continue
        header = [cell_text(cell.value) for cell in sheet[1]]
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell, Cell) and cell.data_type == "f" and cell.column:
                    position = cell.column - 1
                    column = header[position] if position < len(header) else ""
                    found.append(
                        Problem(
                            tab=title,
                            row=cell.row,
                            column=column or cell.column_letter,
                            value=str(cell.value),
                            problem=(
                                "holds a formula: mentorsheet saves this workbook without "
                                "formula results, so the cell reads as empty until the file "
                                "is opened and saved in Excel or LibreOffice; type the value "
                                "instead"
                            ),
                        )
                    )
    return found

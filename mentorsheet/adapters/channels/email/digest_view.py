"""The digest's sections as the values its email templates show (``sections`` in digest.*.j2).

The sections themselves are :func:`mentorsheet.core.digest.digest_sections`,
the one list every renderer shows. Here each becomes plain values a staff-edited
template can loop over without knowing the core's types: a heading per item
(its first cell) with its place in the workbook, then a label and a value for
each other cell that is not empty; a section of a few short columns is an
ordinary table (``grid``), a row per item. A person's address comes with a ``mailto:``
link; a place's link is kept only when it is a Google Sheets ``https`` link
(nothing else may become a link in the email).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any, Final

from mentorsheet.core.digest import Cell, DigestSummary, Item, Person, Section, digest_sections
from mentorsheet.core.model import OverdueItem, Pairing, Problem, SkillGap
from mentorsheet.core.schema import MENTORS, PAIRINGS, Route, Status
from mentorsheet.core.sheet_links import GOOGLE_SHEETS, SheetLinks

GRID_COLUMNS: Final = 3  # at most this many columns fit side by side at a phone's width


def cell_values(cell: Cell) -> dict[str, str]:
    """A cell as ``text``, ``email`` and ``mailto`` (the last two empty unless it names someone)."""
    if isinstance(cell, Person):
        email = cell.email.strip()
        mailto = "mailto:" + urllib.parse.quote(email, safe="@.+-_") if email else ""
        return {"text": cell.name.strip(), "email": email, "mailto": mailto}
    return {"text": cell, "email": "", "mailto": ""}


def item_values(section: Section, item: Item) -> dict[str, Any]:
    """One item: its heading (the section's lead cell), where it is, the other cells labelled."""
    place = item.place
    url = place.url if place is not None and place.url.startswith(GOOGLE_SHEETS) else ""
    hidden = section.said_by_place if place is not None else frozenset()
    labelled = zip(section.headers, item.cells, strict=True)
    return {
        "heading": cell_values(item.cells[section.lead]),
        "place": str(place) if place is not None else "",
        "url": url,
        "cells": [cell_values(cell) for cell in item.cells],
        "fields": [
            {"label": label, **cell_values(cell)}
            for at, (label, cell) in enumerate(labelled)
            if at != section.lead and label not in hidden and str(cell).strip()
        ],
    }


def _as_grid(section: Section) -> bool:
    """A few short columns and nothing to link read best as an ordinary table, even on a phone."""
    return len(section.headers) <= GRID_COLUMNS and not any(
        item.place is not None or any(isinstance(cell, Person) for cell in item.cells)
        for item in section.items
    )


def section_values(sections: Sequence[Section]) -> list[dict[str, Any]]:
    """The non-empty sections, in order, as template values."""
    return [
        {
            "title": section.title,
            "note": section.note,
            "count": len(section.items),
            "headers": list(section.headers),
            "grid": _as_grid(section),
            "rows": [item_values(section, item) for item in section.items],
        }
        for section in sections
        if section.items
    ]


def sample_sections() -> list[dict[str, Any]]:
    """Sections to check the templates with: a proposal, an overdue pairing and a problem."""
    day = date(2024, 1, 8)
    proposed = Pairing(
        row=5,
        pairing_id="P-000001",
        status=Status.PROPOSED,
        mentee_name="Sample Mentee",
        mentee_email="mentee@example.org",
        mentor_name="Sample Mentor",
        mentor_email="mentor@example.org",
        route=Route.COMMUNITY,
        score=1.0,
        why="Both work with Python.",
        proposed_on=date(2024, 1, 5),
    )
    overdue = Pairing(
        row=6,
        pairing_id="P-000002",
        status=Status.CONTACT_OVERDUE,
        mentee_name="",
        mentee_email="other@example.org",
        mentor_name="Sample Mentor",
        mentor_email="mentor@example.org",
        intro_sent_on=datetime(2024, 1, 2, 9, 0, tzinfo=UTC),
    )
    summary = DigestSummary(
        day=day,
        waiting_approval=(proposed,),
        overdue=(OverdueItem(overdue, 4, 1, reminders_exhausted=False),),
        check_intro=(),
        unpaired=(),
        skill_gaps=(SkillGap("python", wanted_by=2, free_places=1),),
        problems=(Problem(MENTORS, 3, "Email", "sample@", "not an email address"),),
        links=SheetLinks("sample", {PAIRINGS: 0, MENTORS: 1}, {}),
    )
    return section_values(digest_sections(summary))

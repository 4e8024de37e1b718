"""The staff digest as GitHub-flavoured Markdown, for ``GITHUB_STEP_SUMMARY``.

Pure: the same sections as every other rendering (:func:`.digest.digest_sections`),
as headings and tables, with workbook text escaped so it shows as written.
"""

from __future__ import annotations

import html
import re

from mentorsheet.core.digest import (
    DigestSummary,
    Section,
    confirmed_line,
    counts_line,
    digest_sections,
    long_day,
)
from mentorsheet.core.sheet_links import GOOGLE_SHEETS, Place

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|])")


def markdown_cell(text: str) -> str:
    """Text safe inside a GitHub Markdown table cell.

    ``|`` would end the cell and a new line the row; HTML and emphasis
    characters are escaped too, so text from the workbook shows as written.
    """
    escaped = html.escape(text, quote=False)
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", escaped)
    return re.sub(r"\r\n|\r|\n", "<br>", escaped)


def render_markdown(summary: DigestSummary) -> str:
    """GitHub-flavoured Markdown for ``GITHUB_STEP_SUMMARY``: headings and tables."""
    sections = digest_sections(summary)
    lines = [f"## Mentoring digest for {long_day(summary.day)}", ""]
    if not summary.needs_action():
        lines.append("Nothing needs attention today.")
        return "\n".join(lines) + "\n"
    lines += [f"In short: {counts_line(sections)}.", "", *confirmed_line(summary)]
    for section in sections:
        if not section.rows:
            continue
        lines += [f"### {section.title} ({len(section.rows)})", ""]
        if section.note:
            lines += [markdown_cell(section.note), ""]
        lines += _markdown_table(section)
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _markdown_table(section: Section) -> list[str]:
    """One table row per item, and a column linking each to its row in a Google Sheet."""
    where = any(item.place is not None and item.place.url for item in section.items)
    headers = [*section.headers, *(["In the workbook"] if where else [])]
    lines = [
        "| " + " | ".join(markdown_cell(header) for header in headers) + " |",
        "|" + "|".join(" --- " for _ in headers) + "|",
    ]
    for item in section.items:
        cells = [markdown_cell(str(cell)) for cell in item.cells]
        if where:
            cells.append(_markdown_place(item.place))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _markdown_place(place: Place | None) -> str:
    if place is None:
        return ""
    if place.url.startswith(GOOGLE_SHEETS):
        # The link is built from ids alone (no text of the workbook's): only its text is escaped.
        return f"[{markdown_cell(str(place))}]({place.url})"
    return markdown_cell(str(place))

"""The programme report as one HTML page: the charts beside their numbers.

The same page is the file ``mentorsheet report`` writes (charts as inline SVG,
nothing fetched from anywhere) and the body of the weekly report email
(charts as PNG parts referenced by ``cid:``). Styles are inline, as mail
clients drop ``<style>`` blocks; every value from the workbook is escaped by
the template (jinja2 autoescaping); the only markup not escaped is the SVG
matplotlib drew, whose texts it escapes itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from importlib.resources import files
from typing import Final

from jinja2 import Environment, StrictUndefined
from markupsafe import Markup

from mentorsheet.adapters.report_charts import Chart
from mentorsheet.core.report import ROUTES, ProgrammeReport, days_text, headline, share_text

_SIZE = re.compile(rb'^<svg([^>]*?) width="[^"]*" height="[^"]*"')
_LONG_DATE: Final = "%A %-d %B %Y"


def _environment() -> Environment:
    environment = Environment(
        autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True
    )
    environment.filters["days"] = days_text
    return environment


def _inline_svg(data: bytes) -> Markup:
    """matplotlib's SVG, scaled to the page's width (its viewBox keeps the proportions)."""
    scaled = _SIZE.sub(rb'<svg\1 width="100%" role="img"', data, count=1)
    return Markup(scaled.decode("utf-8"))  # drawn by matplotlib, which escapes its texts


def render_page(
    report: ProgrammeReport,
    charts: Sequence[Chart],
    *,
    images: Mapping[str, str] | None = None,
    problems: int = 0,
) -> str:
    """The report page. ``images`` maps chart names to ``cid:`` sources (the email); without
    it each chart is inline SVG (the file)."""
    template = _environment().from_string(
        files(__package__).joinpath("report.html.j2").read_text(encoding="utf-8")
    )
    shown = [
        {
            "name": chart.name,
            "title": chart.title,
            "alt": chart.alt,
            "src": (images or {}).get(chart.name, ""),
            "svg": _inline_svg(chart.data) if images is None else "",
        }
        for chart in charts
    ]
    return template.render(
        report=report,
        day=report.day.strftime(_LONG_DATE),
        headline=headline(report),
        charts={chart["name"]: chart for chart in shown},
        routes=ROUTES,
        share=share_text(report.overdue_share),
        problems=problems,
    )

"""The programme report's charts, drawn by matplotlib (Agg, no display) as SVG or PNG.

One chart per question staff ask (:data:`CHART_TITLES`), each from a
:class:`~mentorsheet.core.report.ProgrammeReport` alone, so the HTML file
(inline SVG) and the weekly email (PNG images referenced by ``cid:``) show the
same pictures. matplotlib is imported here, when a chart is drawn, never at
start-up (``mentorsheet --help`` stays fast).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from mentorsheet.core.report import ProgrammeReport

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

Format = Literal["svg", "png"]

# Colour-blind-safe (Okabe–Ito), dark enough on white for text beside them.
BLUE: Final = "#0072B2"
ORANGE: Final = "#D55E00"
GREEN: Final = "#009E73"
GREY: Final = "#555555"
INK: Final = "#1a1a1a"

CHART_TITLES: Final = {
    "funnel": "Pairings at each stage",
    "contact": "Business days from intro to first contact",
    "waiting": "Business days waiting for a mentor, by route",
    "skills": "Skills: free places against waiting mentees",
    "months": "Pairings per month",
}
MAX_SKILLS: Final = 12  # the skills shortest of places; the tables list them all


@dataclass(frozen=True)
class Chart:
    name: str  # a key of CHART_TITLES
    title: str
    alt: str  # the chart in words, for screen readers and mail without images
    data: bytes  # SVG (UTF-8, without the XML prolog) or PNG


def _style(axes: Axes) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.spines["left"].set_color(GREY)
    axes.spines["bottom"].set_color(GREY)
    axes.tick_params(colors=INK, labelsize=11)


def _whole_numbers(axes: Axes, which: Literal["x", "y"]) -> None:
    from matplotlib.ticker import MaxNLocator

    axis = axes.xaxis if which == "x" else axes.yaxis
    axis.set_major_locator(MaxNLocator(integer=True))


def _empty(axes: Axes, text: str) -> None:
    axes.set_axis_off()
    axes.text(0.5, 0.5, text, ha="center", va="center", fontsize=12, color=GREY)


def _funnel(axes: Axes, report: ProgrammeReport) -> str:
    stages = [stage for stage, _ in report.funnel][::-1]
    counts = [count for _, count in report.funnel][::-1]
    bars = axes.barh(stages, counts, color=BLUE)
    axes.bar_label(bars, padding=4, fontsize=11, color=INK)
    axes.set_xlabel("pairings")
    axes.margins(x=0.12)
    _whole_numbers(axes, "x")
    return ", ".join(f"{stage}: {count}" for stage, count in report.funnel)


def _contact(axes: Axes, report: ProgrammeReport) -> str:
    days = report.days_to_contact
    if not days:
        _empty(axes, "No first contact recorded yet")
        return "no first contact recorded yet"
    bins = [d - 0.5 for d in range(max(days) + 2)]
    axes.hist(days, bins=bins, color=BLUE, edgecolor="white")
    due = report.due_after_business_days
    axes.axvline(due - 0.5, color=ORANGE, linestyle="--", linewidth=2)
    axes.text(due - 0.4, axes.get_ylim()[1] * 0.92, f"overdue from day {due}", color=ORANGE)
    axes.set_xlabel("business days")
    axes.set_ylabel("pairings")
    _whole_numbers(axes, "x")
    _whole_numbers(axes, "y")
    return (
        f"{len(days)} pairings; median {report.median_days_to_contact:g}, "
        f"90th percentile {report.p90_days_to_contact} business days"
    )


def _waiting(axes: Axes, report: ProgrammeReport) -> str:
    routes = [route for route, days in report.waiting_by_route.items() if days]
    if not routes:
        _empty(axes, "Nobody is waiting for a mentor")
        return "nobody is waiting for a mentor"
    data = [report.waiting_by_route[route] for route in routes]
    axes.boxplot(
        data, orientation="horizontal", widths=0.5, patch_artist=True,
        boxprops={"facecolor": "#cfe3f3", "edgecolor": BLUE},
        medianprops={"color": ORANGE, "linewidth": 2},
    )  # fmt: skip
    axes.set_yticks(
        range(1, len(routes) + 1), [f"{r} ({len(d)})" for r, d in zip(routes, data, strict=True)]
    )
    axes.set_xlabel("business days since Requested on")
    return "; ".join(
        f"{route}: {len(days)} waiting, longest {max(days)} business days"
        for route, days in zip(routes, data, strict=True)
    )


def _skills(axes: Axes, report: ProgrammeReport) -> str:
    skills = report.skills[:MAX_SKILLS][::-1]
    if not skills:
        _empty(axes, "No skills offered or wanted")
        return "no skills offered or wanted"
    positions = list(range(len(skills)))
    height = 0.38
    free = axes.barh([p + height / 2 for p in positions], [s.free_places for s in skills],
                     height=height, color=GREEN, label="free places")  # fmt: skip
    wanted = axes.barh([p - height / 2 for p in positions], [s.waiting for s in skills],
                       height=height, color=ORANGE, label="waiting mentees")  # fmt: skip
    for bars in (free, wanted):  # a 0 shows as a number: no bar is no place
        axes.bar_label(bars, padding=3, fontsize=10, color=INK)
    axes.margins(x=0.1)
    axes.set_yticks(positions, [s.skill for s in skills])
    axes.legend(frameon=False, loc="lower left", bbox_to_anchor=(0, 1), ncol=2, fontsize=11)
    _whole_numbers(axes, "x")
    return "; ".join(f"{s.skill}: {s.free_places} free, {s.waiting} waiting" for s in report.skills)


def _months(axes: Axes, report: ProgrammeReport) -> str:
    if not report.per_month:
        _empty(axes, "No pairings yet")
        return "no pairings yet"
    months = [month for month, _ in report.per_month]
    counts = [count for _, count in report.per_month]
    bars = axes.bar(months, counts, color=BLUE)
    if len(months) <= 12:
        axes.bar_label(bars, padding=3, fontsize=11, color=INK)
    axes.tick_params(axis="x", labelrotation=45)
    for label in axes.get_xticklabels():
        label.set_horizontalalignment("right")
    axes.set_ylabel("pairings")
    axes.margins(y=0.15)
    _whole_numbers(axes, "y")
    return ", ".join(f"{month}: {count}" for month, count in report.per_month)


_DRAW: Final[dict[str, Callable[[Axes, ProgrammeReport], str]]] = {
    "funnel": _funnel,
    "contact": _contact,
    "waiting": _waiting,
    "skills": _skills,
    "months": _months,
}


def _height(name: str, report: ProgrammeReport) -> float:
    if name == "skills":
        return max(3.0, 0.42 * min(len(report.skills), MAX_SKILLS) + 1.4)
    return 3.2


def _save(figure: Figure, fmt: Format, salt: str) -> bytes:
    import matplotlib as mpl

    buffer = io.BytesIO()
    # Text stays text in SVG (smaller, selectable); ids are salted per chart, so
    # several inline SVGs in one page never share an id.
    with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt}):
        figure.savefig(buffer, format=fmt, dpi=144 if fmt == "png" else 72, metadata=_metadata(fmt))
    data = buffer.getvalue()
    if fmt == "svg":
        start = data.find(b"<svg")
        data = data[start:] if start >= 0 else data
    return data


def _metadata(fmt: Format) -> dict[str, str | None]:
    # No creation date (the same report gives the same bytes); no generator URL in SVG.
    if fmt == "svg":
        return {"Date": None, "Creator": None, "Format": None, "Type": None}
    return {"Software": None}


def draw_charts(report: ProgrammeReport, fmt: Format) -> list[Chart]:
    """Every chart of ``report``, in the order of :data:`CHART_TITLES`."""
    import matplotlib as mpl

    mpl.use("Agg")
    from matplotlib.figure import Figure

    charts = []
    # Labels are plain text: a skill such as "$x$" is never read as mathematics.
    with mpl.rc_context({"text.parse_math": False, "font.size": 12}):
        for name, title in CHART_TITLES.items():
            # Narrow, so the text stays readable when a phone shrinks the chart to fit.
            figure = Figure(figsize=(5.6, _height(name, report)), layout="constrained")
            axes = figure.add_subplot()
            alt = _DRAW[name](axes, report)
            if axes.axison:
                _style(axes)
            charts.append(Chart(name, title, f"{title}: {alt}", _save(figure, fmt, name)))
    return charts

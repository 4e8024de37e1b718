"""How a run's report is shown: rich tables on a terminal, plain lines elsewhere."""

from __future__ import annotations

import os
from pathlib import Path

from rich.console import Console, Group, RenderableType
from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress
from rich.table import Table
from rich.text import Text

from mentorsheet.app.deliver import SendOutcome
from mentorsheet.app.run import RunReport
from mentorsheet.core.digest import (
    DigestSummary,
    digest_sections,
    long_day,
    render_markdown,
    render_text,
)
from mentorsheet.core.sheet_links import Place


class TerminalProgress:
    """A rich progress bar while sending, shown only on a terminal."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._bar: RichProgress | None = None
        self._task: TaskID | None = None

    def start(self, total: int) -> None:
        if not self._console.is_terminal:
            return
        self._bar = RichProgress(
            TextColumn("Sending"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=self._console,
            transient=True,
        )
        self._bar.start()
        self._task = self._bar.add_task("", total=total)

    def advance(self, description: str) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, advance=1, description=description)

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def _table(console: Console, title: str, columns: list[str], rows: list[list[str]]) -> None:
    if not rows:
        return
    if console.is_terminal:
        table = Table(title=title, title_justify="left", show_lines=False)
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*row)
        console.print(table)
    else:
        console.print(f"{title}:", highlight=False)
        for row in rows:
            console.print(
                "  "
                + " | ".join(
                    f"{c}: {_one_line(v)}" for c, v in zip(columns, row, strict=True) if v
                ),
                highlight=False,
                soft_wrap=True,
            )


def _one_line(text: str) -> str:
    # Staff text may hold line breaks (a rejected name, say): keep one item per line.
    return text.replace("\r", "\\r").replace("\n", "\\n")


def show_report(console: Console, report: RunReport) -> None:
    mode = "dry run — nothing written or sent" if report.dry_run else "live"
    console.print(f"mentorsheet {report.command} ({mode})", highlight=False)
    match = report.match
    if report.command in ("propose", "run"):
        if not match.proposals:
            console.print("No new proposals.", highlight=False)
        _table(
            console,
            "Proposals" + (" (would be added)" if report.dry_run else " (added to Pairings)"),
            ["Mentee", "Mentor", "Route", "Score", "Why"],
            [
                [p.mentee.name, p.mentor.name, p.mentee.route.value, f"{p.score:.2f}", p.why]
                for p in match.proposals
            ],
        )
    # The digest lists the unpaired, the skill gaps and the problems: show them once.
    if report.digest is None:
        if report.command == "propose":
            _table(
                console,
                "Left unpaired",
                ["Mentee", "Route", "Why"],
                [[u.mentee.name, u.mentee.route.value, u.reason] for u in match.unpaired],
            )
            _table(
                console,
                "Not in this round (paused, or finished without asking again)",
                ["Mentee", "Route", "Why"],
                [[u.mentee.name, u.mentee.route.value, u.reason] for u in match.held_back],
            )
            _table(
                console,
                "Skill gaps (recruit mentors for these)",
                ["Skill", "Wanted by", "Free places"],
                [[g.skill, str(g.wanted_by), str(g.free_places)] for g in match.skill_gaps],
            )
        _table(
            console,
            f"Problems ({len(report.problems)}; also on the Problems tab)",
            ["Tab", "Row", "Column", "Value", "Problem"],
            [
                [p.tab, "" if p.row is None else str(p.row), p.column, p.value, p.problem]
                for p in report.problems
            ],
        )
    _table(
        console,
        "Status changes",
        ["Pairing", "Mentee", "Mentor", "New status", "Why"],
        [
            [
                c.pairing.pairing_id,
                c.pairing.mentee_name,
                c.pairing.mentor_name,
                c.new_status.value,
                c.reason,
            ]
            for c in report.status_changes
        ],
    )
    if report.dry_run:
        _table(
            console,
            "Emails that would be sent",
            ["Kind", "Pairing", "To", "Cc", "Subject", "Starts"],
            [
                [p.kind, p.pairing_id, p.to, p.cc, p.subject, p.first_lines.replace("\n", " / ")]
                for p in report.previews
            ],
        )
    else:
        _table(
            console,
            "Emails",
            ["Kind", "Pairing", "To", "Result", "Detail"],
            [[s.kind, s.pairing_id, _to_of(report, s), s.result, s.detail] for s in report.sends],
        )
    if report.left_for_next_run:
        console.print(
            f"{report.left_for_next_run} email(s) left for the next run (mail.max_per_run).",
            highlight=False,
        )
    if report.digest is not None:
        if console.is_terminal:
            console.print(render_rich(report.digest))
        else:
            console.print(render_text(report.digest), highlight=False)
        console.print(f"Digest email: {report.digest_note or 'not due'}", highlight=False)
    console.print(
        f"Result: {report.result_text()} · Sheets/file requests: "
        f"{report.stats.reads} read(s), {report.stats.writes} write(s)",
        highlight=False,
    )


def _to_of(report: RunReport, send: SendOutcome) -> str:
    for preview in report.previews:
        same = preview.kind == send.kind and preview.pairing_id == send.pairing_id
        if same and preview.channel == (send.channel or "email"):
            return preview.to
    return ""


def write_step_summary(report: RunReport, environ: dict[str, str] | None = None) -> Path | None:
    """Append the digest as Markdown to ``$GITHUB_STEP_SUMMARY`` when it is set."""
    env = dict(os.environ) if environ is None else environ
    target = env.get("GITHUB_STEP_SUMMARY")
    if not target or report.digest is None:
        return None
    path = Path(target)
    header = f"## mentorsheet {report.command}: {report.result_text()}\n\n"
    with path.open("a", encoding="utf-8") as handle:
        handle.write(header + render_markdown(report.digest) + "\n")
    return path


def render_rich(summary: DigestSummary) -> RenderableType:
    """The summary as ``rich`` tables, one per non-empty section, for a terminal."""
    heading = Text(f"Mentoring digest for {long_day(summary.day)}", style="bold")
    if not summary.needs_action():
        return Group(heading, Text("Nothing needs attention today."))
    parts: list[RenderableType] = [heading]
    for section in digest_sections(summary):
        if not section.rows:
            continue
        table = Table(
            title=f"{section.title} ({len(section.items)})",
            title_justify="left",
            caption=section.note or None,
            caption_justify="left",
        )
        where = any(item.place is not None for item in section.items)
        for header in (*section.headers, *(["In the workbook"] if where else [])):
            table.add_column(header, overflow="fold")
        for item in section.items:
            # Text(...) so that square brackets in workbook text are not read as markup.
            cells = [Text(str(cell)) for cell in item.cells]
            if where:
                cells.append(_place_text(item.place))
            table.add_row(*cells)
        parts.append(table)
    return Group(*parts)


def _place_text(place: Place | None) -> Text:
    """Where an item is; a Google Sheet's row is a link where the terminal shows links."""
    if place is None:
        return Text("")
    return Text(str(place), style=f"link {place.url}" if place.url else "")

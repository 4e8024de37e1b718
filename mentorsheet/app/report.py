"""``mentorsheet report``: the programme report as one self-contained HTML file.

One read of the workbook in a dry-run session (no lease, nothing written),
the pure report (:func:`mentorsheet.core.report.programme_report`, the same
numbers as the Report tab), its charts drawn as inline SVG, one file written.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from mentorsheet.adapters.report_charts import draw_charts
from mentorsheet.adapters.report_page import render_page
from mentorsheet.adapters.workbook.contract import RequestStats, WorkbookStore
from mentorsheet.app.run import holder_name
from mentorsheet.config import Config
from mentorsheet.core.lifecycle import BusinessCalendar
from mentorsheet.core.parsing import parse_workbook
from mentorsheet.core.report import ProgrammeReport, programme_report
from mentorsheet.errors import UsageError


@dataclass(frozen=True)
class ReportFile:
    path: Path
    report: ProgrammeReport
    problems: int
    stats: RequestStats


def build_programme_report(
    config: Config, store: WorkbookStore, *, now: datetime
) -> tuple[ProgrammeReport, int, RequestStats]:
    """The report of the workbook as it is now (one read, no lease), and its problem count."""
    with store.session(holder_name(now), dry_run=True) as session:
        raw = session.read()
        stats = session.stats
    calendar = BusinessCalendar.from_config(config.schedule)
    today = calendar.local_date(now)
    programme = parse_workbook(raw, config, today=today)
    return programme_report(programme, today, config, calendar), len(programme.problems), stats


def _write_atomically(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
        )
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(temporary, 0o666 & ~mask)  # as an ordinary new file, not private
        os.replace(temporary, path)
    except OSError as exc:
        raise UsageError(f"cannot write the report to {path}: {exc.strerror or exc}") from None


def write_report_file(
    config: Config, store: WorkbookStore, *, out: Path, clock: Callable[[], datetime]
) -> ReportFile:
    """Write the programme report to ``out`` as one HTML file with nothing to fetch."""
    report, problems, stats = build_programme_report(config, store, now=clock())
    page = render_page(report, draw_charts(report, "svg"), problems=problems)
    _write_atomically(out, page)
    return ReportFile(out, report, problems, stats)

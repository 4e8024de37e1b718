"""`mentorsheet report`: one self-contained HTML file, its charts, and every value escaped."""

from __future__ import annotations

import dataclasses
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorsheet.adapters.report_charts import CHART_TITLES, Chart, draw_charts
from mentorsheet.adapters.report_page import render_page
from mentorsheet.adapters.workbook.contract import WorkbookStore
from mentorsheet.app.report import write_report_file
from mentorsheet.app.wiring import build_store
from mentorsheet.cli.main import main
from mentorsheet.config import Config
from mentorsheet.core.report import (
    MentorLoad,
    ProgrammeReport,
    SkillBalance,
    WaitingMentee,
    report_rows,
)
from tests.fakes.sheets_api import FakeSheets, make_google_store
from tests.test_quota import readme_table
from tests.test_report import MENTEES_, MENTORS_, NOON, PAIRINGS_, report_of, tabs
from tests.workbooks import make_config, write_xlsx


class Page(HTMLParser):
    """What a browser would build: elements, their attributes, and the text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.open: list[str] = []
        self.svg_in_figure = 0
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        if tag == "svg" and "figure" in self.open:
            self.svg_in_figure += 1
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.open:
            while self.open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def named(self, tag: str) -> list[dict[str, str]]:
        return [attrs for name, attrs in self.tags if name == tag]

    def links(self) -> list[str]:
        return [
            value
            for _tag, attrs in self.tags
            for key, value in attrs.items()
            if key in ("src", "href", "xlink:href", "action", "srcset")
        ]


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path)


def test_the_report_file_holds_every_chart_as_svg_and_nothing_remote(
    config: Config, tmp_path: Path
) -> None:
    path = Path(config.workbook.path)
    write_xlsx(path, config, mentors=MENTORS_, mentees=MENTEES_, pairings=PAIRINGS_)
    out = tmp_path / "out" / "report.html"
    written = write_report_file(config, _store(config), out=out, clock=lambda: NOON)
    html = out.read_text(encoding="utf-8")
    page = Page(html)
    assert len(page.named("svg")) == len(CHART_TITLES) == 5
    assert page.svg_in_figure == 5  # each chart in its figure
    headings = ["".join(t) for t in _headings(html)]
    for title in CHART_TITLES.values():
        assert title in headings
    # Drawn, not empty: bars and text inside each chart.
    assert len(page.named("path")) > 50
    assert not [link for link in page.links() if link and not link.startswith("#")]
    assert "url(http" not in html
    assert "<script" not in html
    assert not page.named("link")  # no stylesheet or font to fetch
    # The same numbers as the Report tab, from the same function.
    text = " ".join(page.text)
    for row in report_rows(written.report)[2:8]:  # the headline figures
        assert str(row[1]) in text
    assert written.report == report_of(config)


def _headings(html: str) -> list[list[str]]:
    class Headings(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.found: list[list[str]] = []
            self.inside = False

        def handle_starttag(self, tag: str, _attrs: object) -> None:
            if tag == "h2":
                self.inside = True
                self.found.append([])

        def handle_endtag(self, tag: str) -> None:
            self.inside = self.inside and tag != "h2"

        def handle_data(self, data: str) -> None:
            if self.inside:
                self.found[-1].append(data)

    parser = Headings()
    parser.feed(html)
    return parser.found


def _store(config: Config) -> WorkbookStore:
    return build_store(config)


def test_the_report_command_writes_the_file_and_says_so(config: Config, tmp_path: Path) -> None:
    path = Path(config.workbook.path)
    write_xlsx(path, config, mentors=MENTORS_, mentees=MENTEES_, pairings=PAIRINGS_)
    config_file = tmp_path / "mentorsheet.toml"
    config_file.write_text(
        f'[workbook]\npath = "{path.as_posix()}"\n[mail]\noutbox_dir = "{tmp_path.as_posix()}"\n',
        encoding="utf-8",
    )
    out = tmp_path / "programme.html"
    before = path.read_bytes()
    result = CliRunner().invoke(main, ["report", "--config", str(config_file), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Report written to" in result.output and "7 pairings" in result.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert path.read_bytes() == before  # a report reads; it never writes the workbook


def test_the_report_reads_once_and_writes_nothing_on_google(tmp_path: Path) -> None:
    google = make_config(tmp_path, workbook={"backend": "google", "spreadsheet": "fake"})
    fake = FakeSheets()
    fake.clock.moment = NOON
    for title, rows in tabs().items():
        fake.add_tab(title, rows)
    fake.reset_counts()
    written = write_report_file(
        google,
        make_google_store(fake, google.workbook),
        out=tmp_path / "r.html",
        clock=lambda: NOON,
    )
    assert (fake.reads, fake.writes) == readme_table()["report"] == (2, 0)
    assert (written.stats.reads, written.stats.writes) == (fake.reads, fake.writes)
    assert not fake.metadata()  # no lease was taken


_MARKUP = st.sampled_from(
    ["<script>alert(1)</script>", '<img src=x onerror="alert(1)">', "</td></tr><b>", "&amp;", '"']
)
_NAMES = st.lists(st.text(max_size=12), min_size=1, max_size=3).flatmap(
    lambda parts: st.lists(_MARKUP, min_size=1, max_size=2).map(lambda m: "".join(parts + m))
)


@pytest.fixture(scope="module")
def charts() -> list[Chart]:
    return draw_charts(_report("Ada", "Sam"), "svg")


def _report(mentor_name: str, mentee_name: str) -> ProgrammeReport:
    return ProgrammeReport(
        day=date(2026, 12, 3),
        due_after_business_days=2,
        statuses=(),
        days_to_contact=(1, 2),
        introduced=2,
        went_overdue=1,
        mentors=(MentorLoad(mentor_name, "a@example.org", 2, 1, 1),),
        skills=(),
        longest_waiting=(WaitingMentee(mentee_name, "s@example.net", "Academy", None, None),),
        waiting_by_route={"Academy": ()},
        per_month=(),
        funnel=(("Proposed", 2),),
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(mentor_name=_NAMES, mentee_name=_NAMES)
def test_every_name_from_the_workbook_stays_text(
    charts: list[Chart], mentor_name: str, mentee_name: str
) -> None:
    html = render_page(_report(mentor_name, mentee_name), charts)
    page = Page(html)
    tags = {tag for tag, _attrs in page.tags}
    assert "script" not in tags
    assert "img" not in tags
    assert "b" not in tags
    assert not [attrs for _tag, attrs in page.tags if any(k.startswith("on") for k in attrs)]
    text = "".join(page.text)
    assert mentor_name in text
    assert mentee_name in text


def test_a_skill_with_dollar_signs_is_drawn_as_text() -> None:
    odd = dataclasses.replace(_report("Ada", "Sam"), skills=(SkillBalance("$x^2$ & <b>", 1, 2),))
    [_, _, _, skills, _] = draw_charts(odd, "svg")
    assert "$x^2$ &amp; &lt;b&gt;" in skills.data.decode("utf-8")

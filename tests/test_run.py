"""The run over a real .xlsx workbook and the real outbox: the ledger, caps, and one read."""

from __future__ import annotations

from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest

from mentorsheet.adapters.channels.base import Rendered
from mentorsheet.adapters.channels.email.channel import EmailChannel
from mentorsheet.adapters.channels.email.outbox import OutboxSender
from mentorsheet.adapters.workbook.xlsx import XlsxStore
from mentorsheet.app.run import Runner
from mentorsheet.app.wiring import build_composer
from mentorsheet.config import Config
from mentorsheet.core.messages import OutgoingMessage
from mentorsheet.errors import InvalidFieldError, MissingHeaderError, TemplateError
from tests.workbooks import (
    Clock,
    make_config,
    mentee,
    mentor,
    pairing,
    read_xlsx_tab,
    write_xlsx,
)

MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def runner(config: Config, clock: Clock, sender: object | None = None) -> Runner:
    return Runner(
        config=config,
        store=XlsxStore(Path(config.workbook.path), config.workbook),
        sender=sender or OutboxSender(Path(config.mail.outbox_dir)),  # type: ignore[arg-type]
        composer=build_composer(config),
        clock=clock,
    )


def outbox(config: Config) -> list[EmailMessage]:
    folder = Path(config.mail.outbox_dir)
    if not folder.exists():
        return []
    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))]


def pairings(config: Config) -> list[dict[str, str]]:
    return read_xlsx_tab(Path(config.workbook.path), "Pairings")


@pytest.fixture
def small(tmp_path: Path) -> Config:
    config = make_config(tmp_path)
    write_xlsx(
        Path(config.workbook.path),
        config,
        mentors=[
            mentor(
                "Ada Lovelace",
                "ada@example.org",
                "Python, testing",
                2,
                **{"Calendly link": "https://calendly.com/ada"},
            ),
            mentor("Linus", "linus@example.org", "C", 1),
        ],
        mentees=[
            mentee("Sam", "sam@example.net", "Academy", ""),
            mentee("Mo", "mo@example.net", "Community", "python"),
            mentee("Jo", "jo@example.net", "Community", "Rust"),
        ],
    )
    return config


def test_propose_appends_once_and_explains(small: Config) -> None:
    clock = Clock(MONDAY)
    report = runner(small, clock).run("propose")
    assert report.ok
    rows = pairings(small)
    assert sorted((r["Mentee email"], r["Status"]) for r in rows) == [
        ("mo@example.net", "Proposed"),
        ("sam@example.net", "Proposed"),
    ]
    # Mo is Community and wants Python: only Ada offers it.
    assert {r["Mentee email"]: r["Mentor email"] for r in rows}["mo@example.net"] == (
        "ada@example.org"
    )
    assert all(r["Pairing ID"] and r["Why"] and r["Proposed on"] == "2026-11-02" for r in rows)
    assert [u.mentee.email for u in report.match.unpaired] == ["jo@example.net"]
    assert "rust" in report.match.unpaired[0].reason.lower()
    # A second propose adds nothing new.
    again = runner(small, clock).run("propose")
    assert again.proposals_written == 0
    assert len(pairings(small)) == 2
    runs = read_xlsx_tab(Path(small.workbook.path), "Runs")
    assert [r["Command"] for r in runs] == ["propose", "propose"]
    assert runs[0]["Proposed"] == "2" and runs[1]["Proposed"] == "0"


def test_dry_run_writes_and_sends_nothing(small: Config) -> None:
    path = Path(small.workbook.path)
    before = path.read_bytes()
    report = runner(small, Clock(MONDAY)).run("run", dry_run=True)
    assert len(report.match.proposals) == 2
    assert path.read_bytes() == before
    assert outbox(small) == []


def test_auto_approved_run_introduces_exactly_once(tmp_path: Path) -> None:
    config = make_config(tmp_path, matching={"auto_approve": True})
    write_xlsx(
        Path(config.workbook.path),
        config,
        mentors=[
            mentor(
                "Ada Lovelace",
                "ada@example.org",
                "Python",
                1,
                **{"Calendly link": "https://calendly.com/ada"},
            )
        ],
        mentees=[mentee("Zoë O'Brien, Jr", "zoe@example.net", "Community", "python")],
    )
    clock = Clock(MONDAY)
    report = runner(config, clock).run("run")
    assert report.ok, report.result_text()
    assert report.intros_sent == 1
    [row] = pairings(config)
    assert row["Status"] == "Awaiting contact"
    assert row["Intro sent on"].startswith("2026-11-02")
    assert row["Intro message ID"]
    [message] = [m for m in outbox(config) if "ada@example.org" in str(m["To"])]
    assert message["To"].addresses[0].addr_spec == "ada@example.org"
    assert message["Cc"].addresses[0].addr_spec == "zoe@example.net"
    assert message["Cc"].addresses[0].display_name == "Zoë O'Brien, Jr"
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert "zoe@example.net" in text and "https://calendly.com/ada" in text
    count = len(outbox(config))
    # Again the same day, and the next day: nothing more to the mentor.
    runner(config, clock).run("run")
    clock.set(datetime(2026, 11, 3, 9, 0, tzinfo=UTC))
    runner(config, clock).run("run")
    intros = [m for m in outbox(config) if "ada@example.org" in str(m["To"])]
    assert len(intros) == 1
    assert len(outbox(config)) >= count


def test_intro_for_approved_rows_with_cap(tmp_path: Path) -> None:
    config = make_config(tmp_path, mail={"max_per_run": 2})
    approved = [
        pairing(f"P-{n}", "Approved", f"m{n}@example.net", **{"Proposed on": f"2026-10-0{n}"})
        for n in (1, 2, 3)
    ]
    write_xlsx(
        Path(config.workbook.path),
        config,
        mentors=[mentor("Ada", "ada@example.org", "Python", 3)],
        pairings=approved,
    )
    report = runner(config, Clock(MONDAY)).run("intro")
    assert report.intros_sent == 2 and report.left_for_next_run == 1
    statuses = {r["Pairing ID"]: r["Status"] for r in pairings(config)}
    assert statuses == {"P-1": "Awaiting contact", "P-2": "Awaiting contact", "P-3": "Approved"}
    runner(config, Clock(MONDAY)).run("intro")
    statuses = {r["Pairing ID"]: r["Status"] for r in pairings(config)}
    assert set(statuses.values()) == {"Awaiting contact"}
    assert len(outbox(config)) == 3


def test_stale_sending_intro_becomes_check_intro_and_is_not_resent(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    write_xlsx(
        Path(config.workbook.path),
        config,
        mentors=[mentor("Ada", "ada@example.org", "Python", 3)],
        pairings=[pairing("P-1", "Sending intro")],
    )
    report = runner(config, Clock(MONDAY)).run("intro")
    assert [c.new_status.value for c in report.status_changes] == ["Check intro"]
    assert pairings(config)[0]["Status"] == "Check intro"
    assert outbox(config) == []


class DiesAfterSending:
    """The real outbox sender, then the process 'dies' before the result is recorded."""

    def __init__(self, inner: OutboxSender) -> None:
        self.inner = inner

    def describe(self) -> str:
        return "dies after sending"

    def send(self, message: EmailMessage, *, key: str) -> str:
        self.inner.send(message, key=key)
        raise SystemExit("killed")


def test_killed_between_send_and_record_is_never_resent(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    write_xlsx(
        Path(config.workbook.path),
        config,
        mentors=[mentor("Ada", "ada@example.org", "Python", 3)],
        pairings=[pairing("P-1", "Approved")],
    )
    dying = DiesAfterSending(OutboxSender(Path(config.mail.outbox_dir)))
    with pytest.raises(SystemExit):
        runner(config, Clock(MONDAY), dying).run("intro")
    assert pairings(config)[0]["Status"] == "Sending intro"
    assert len(outbox(config)) == 1
    # The next run does not send it again: staff are asked to check.
    report = runner(config, Clock(MONDAY)).run("intro")
    assert report.intros_sent == 0
    assert pairings(config)[0]["Status"] == "Check intro"
    assert len(outbox(config)) == 1


def test_template_typo_fails_before_anything_is_written(tmp_path: Path, small: Config) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    assert small.mail.templates_dir is not None
    source = Path(small.mail.templates_dir)
    for file in source.iterdir():
        (templates / file.name).write_text(file.read_text(encoding="utf-8"), encoding="utf-8")
    intro_txt = next(templates.glob("intro*.txt*"))
    intro_txt.write_text(intro_txt.read_text(encoding="utf-8") + "{{ mentor.nmae }}\n", "utf-8")
    config = make_config(
        tmp_path,
        workbook={"path": small.workbook.path},
        mail={"templates_dir": str(templates), "outbox_dir": small.mail.outbox_dir},
    )
    before = Path(config.workbook.path).read_bytes()
    with pytest.raises(TemplateError):
        runner(config, Clock(MONDAY)).run("run")
    assert Path(config.workbook.path).read_bytes() == before


def test_missing_header_stops_before_any_write(tmp_path: Path, small: Config) -> None:
    import openpyxl

    path = Path(small.workbook.path)
    book = openpyxl.load_workbook(path)
    book["Mentors"].cell(row=1, column=3, value="Talents")
    book.save(path)
    before = path.read_bytes()
    with pytest.raises(MissingHeaderError) as caught:
        runner(small, Clock(MONDAY)).run("run")
    assert caught.value.tab == "Mentors" and caught.value.header == "Skills"
    assert "Talents" in str(caught.value)
    assert path.read_bytes() == before


def test_problems_tab_rewritten_each_run(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    write_xlsx(
        Path(config.workbook.path),
        config,
        mentors=[mentor("Tim", "tim@@example.org", "Go", 1)],
        mentees=[mentee("Eve", "eve@example.net", "Sometimes", "")],
    )
    runner(config, Clock(MONDAY)).run("propose")
    problems = read_xlsx_tab(Path(config.workbook.path), "Problems")
    assert {(p["Tab"], p["Row"], p["Column"]) for p in problems} == {
        ("Mentors", "2", "Email"),
        ("Mentees", "2", "Route"),
    }
    assert problems[0]["Value"] in ("tim@@example.org", "Sometimes")
    # Staff fix the rows; the next run leaves an empty Problems tab.
    import openpyxl

    book = openpyxl.load_workbook(config.workbook.path)
    book["Mentors"]["B2"] = "tim@example.org"
    book["Mentees"]["C2"] = "Academy"
    book.save(config.workbook.path)
    runner(config, Clock(MONDAY)).run("propose")
    assert read_xlsx_tab(Path(config.workbook.path), "Problems") == []


def test_digest_at_most_once_a_day(small: Config) -> None:
    clock = Clock(MONDAY)
    first = runner(small, clock).run("run")
    assert first.digest_sent
    digests = [m for m in outbox(small) if "staff@example.org" in str(m["To"])]
    assert len(digests) == 1
    second = runner(small, clock).run("run")
    assert not second.digest_sent and second.digest_note == "already sent today"
    assert len([m for m in outbox(small) if "staff@example.org" in str(m["To"])]) == 1


def test_auto_approved_proposals_beyond_the_cap_wait_as_approved(tmp_path: Path) -> None:
    config = make_config(tmp_path, matching={"auto_approve": True}, mail={"max_per_run": 1})
    write_xlsx(
        Path(config.workbook.path),
        config,
        mentors=[mentor("Ada", "ada@example.org", "Python", 3)],
        mentees=[
            mentee("Sam", "sam@example.net", "Community", "python", "2026-10-01"),
            mentee("Mo", "mo@example.net", "Community", "python", "2026-10-02"),
        ],
    )
    clock = Clock(MONDAY)
    report = runner(config, clock).run("run")
    assert report.intros_sent == 1
    assert report.left_for_next_run == 1
    statuses = {r["Mentee email"]: r["Status"] for r in pairings(config)}
    assert statuses == {"sam@example.net": "Awaiting contact", "mo@example.net": "Approved"}
    runner(config, clock).run("run")
    statuses = {r["Mentee email"]: r["Status"] for r in pairings(config)}
    assert set(statuses.values()) == {"Awaiting contact"}


def _approved(n: int) -> dict[str, str]:
    return pairing(f"P-{n}", "Approved", f"m{n}@example.net", f"Mentee {n}")


def test_a_row_that_cannot_take_the_result_is_not_sent(tmp_path: Path) -> None:
    import openpyxl

    config = make_config(tmp_path)
    path = Path(config.workbook.path)
    write_xlsx(
        path,
        config,
        mentors=[mentor("Ada", "ada@example.org", "Python", 3)],
        pairings=[_approved(1), _approved(2)],
    )
    book = openpyxl.load_workbook(path)
    book["Pairings"].merge_cells("K3:L3")  # Intro sent on + Intro message ID of P-2
    book.save(path)
    report = runner(config, Clock(MONDAY)).run("intro")
    assert report.ok
    assert [s.pairing_id for s in report.sends] == ["P-1"]
    statuses = {r["Pairing ID"]: r["Status"] for r in pairings(config)}
    assert statuses == {"P-1": "Awaiting contact", "P-2": "Approved"}
    assert any("merged" in p.problem and p.value == "P-2" for p in report.problems)
    assert len(outbox(config)) == 1


def test_a_status_typed_without_spaces_is_still_moved_along(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    row = {
        **_approved(1),
        "Status": "AwaitingContact",
        "Intro sent on": "2026-10-26",
    }
    write_xlsx(
        Path(config.workbook.path),
        config,
        mentors=[mentor("Ada", "ada@example.org", "Python", 3)],
        pairings=[row],
    )
    report = runner(config, Clock(MONDAY)).run("status")
    assert report.skipped_writes == []
    assert pairings(config)[0]["Status"] == "Contact overdue"
    assert [s.kind for s in report.sends] == ["reminder"]


def test_formulas_in_the_tabs_read_are_flagged_on_problems(tmp_path: Path) -> None:
    import openpyxl

    config = make_config(tmp_path)
    path = Path(config.workbook.path)
    write_xlsx(path, config, mentors=[mentor("Ada", "ada@example.org", "Python", 1)])
    book = openpyxl.load_workbook(path)
    book["Mentees"].append(["=Mentors!A2", "sam@example.net", "Academy", "", "", ""])
    notes = book["Mentees"]["F2"]
    notes.value = "=looks like a formula, but is text"
    notes.data_type = "s"
    book.save(path)
    runner(config, Clock(MONDAY)).run("propose")
    problems = read_xlsx_tab(path, "Problems")
    flagged = [p for p in problems if "holds a formula" in p["Problem"]]
    assert [(p["Tab"], p["Row"], p["Column"], p["Value"]) for p in flagged] == [
        ("Mentees", "2", "Name", "=Mentors!A2")
    ]


class RefusesOne:
    """The email channel, except that one pairing's intro cannot be written."""

    def __init__(self, config: Config, refused: str) -> None:
        self.inner = EmailChannel(
            OutboxSender(Path(config.mail.outbox_dir)), build_composer(config)
        )
        self.refused = refused
        self.name = self.inner.name
        self.noun = self.inner.noun

    def describe(self) -> str:
        return self.inner.describe()

    def check(self) -> None:
        self.inner.check()

    def render(self, message: OutgoingMessage) -> Rendered:
        if message.pairing_id == self.refused:
            raise InvalidFieldError("mentor name 'A\\x07da' contains a control character")
        return self.inner.render(message)

    def send(self, rendered: Rendered) -> str:
        return self.inner.send(rendered)


def test_a_message_that_cannot_be_written_is_reported_and_its_row_left_alone(
    tmp_path: Path,
) -> None:
    config = make_config(tmp_path, mail={"max_per_run": 2})
    rows = [
        pairing(f"P-{n}", "Approved", f"m{n}@example.net", **{"Proposed on": f"2026-10-0{n}"})
        for n in (1, 2, 3)
    ]
    path = Path(config.workbook.path)
    write_xlsx(path, config, mentors=[mentor("Ada", "ada@example.org", "Python", 3)], pairings=rows)
    report = Runner(
        config=config,
        store=XlsxStore(path, config.workbook),
        channels=[RefusesOne(config, "P-2")],
        clock=Clock(MONDAY),
    ).run("intro")
    assert report.ok
    assert [s.pairing_id for s in report.sends] == ["P-1", "P-3"]
    assert report.left_for_next_run == 0  # the refused one took no place in the budget
    statuses = {r["Pairing ID"]: r["Status"] for r in pairings(config)}
    assert statuses == {"P-1": "Awaiting contact", "P-2": "Approved", "P-3": "Awaiting contact"}
    [problem] = read_xlsx_tab(path, "Problems")
    assert (problem["Tab"], problem["Row"], problem["Value"]) == ("Pairings", "3", "P-2")
    assert problem["Problem"].startswith("no email could be written for this pairing: mentor name")

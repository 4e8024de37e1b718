"""The contact form in the pure core: confirmations in the plan, check-ins, the digest, emails.

No store, no sender, no clock: tables and ``now`` in, the plan out.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from mentorsheet.adapters.channels.email.compose import Composer
from mentorsheet.adapters.channels.slack.render import SlackComposer
from mentorsheet.app.doctor import run_doctor
from mentorsheet.config import Config, load_config
from mentorsheet.core.digest import build_digest, digest_due, render_markdown, render_text
from mentorsheet.core.forms import checkins_due, needing_attention, one_sided
from mentorsheet.core.lifecycle import BusinessCalendar
from mentorsheet.core.messages import Kind, OutgoingMessage
from mentorsheet.core.model import (
    FormResponse,
    MatchResult,
    Mentee,
    Mentor,
    Pairing,
    Programme,
    StatusPlan,
)
from mentorsheet.core.plan import plan_run
from mentorsheet.core.schema import COLUMNS, PAIRINGS, PC, Route, Status
from tests.workbooks import make_config, write_xlsx

FORM = "https://docs.google.com/forms/d/e/x/viewform?usp=pp_url&entry.1={pairing_id}"
MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TEMPLATES = Path(__file__).resolve().parent.parent / "mentorsheet" / "templates"


def config(**forms: Any) -> Config:
    return load_config(None, environ={}, overrides={"forms": {"confirm_url": FORM, **forms}})


def calendar(cfg: Config) -> BusinessCalendar:
    return BusinessCalendar.from_config(cfg.schedule)


def pairing(pid: str, status: Status, **extra: Any) -> Pairing:
    return Pairing(
        row=2,
        pairing_id=pid,
        status=status,
        mentee_name="Sam Okafor",
        mentee_email="sam@example.net",
        mentor_name="Ada Lovelace",
        mentor_email="ada@example.org",
        **extra,
    )


def response(pid: str, day: date, **extra: Any) -> FormResponse:
    at = datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)
    values: dict[str, Any] = {"role": "mentee", "contact": True, **extra}
    return FormResponse(row=2, pairing_id=pid, at=at, **values)


ALL_COLUMNS = frozenset(COLUMNS[PAIRINGS])


def test_a_confirmation_moves_an_overdue_pairing_and_fills_contact_made_on() -> None:
    cfg = config()
    late = pairing(
        "P-1", Status.AWAITING_CONTACT, intro_sent_on=datetime(2026, 10, 26, 10, tzinfo=UTC)
    )
    programme = Programme(
        pairings=(late,),
        pairing_columns=ALL_COLUMNS,
        responses=(response("P-1", date(2026, 10, 30)), response("P-1", date(2026, 10, 28))),
    )
    plan = plan_run(programme, config=cfg, steps={"status"}, calendar=calendar(cfg), now=MONDAY)
    [change] = plan.changes
    assert change.new_status is Status.IN_CONTACT
    assert "contact form by the mentee" in change.reason
    [mark] = plan.marks
    assert {k: mark.values[k] for k in (PC.STATUS, PC.CONTACT_MADE_ON)} == {
        PC.STATUS: "In contact",
        PC.CONTACT_MADE_ON: "2026-10-28",  # the earliest answer's day
    }
    assert mark.expect_status == "Awaiting contact"
    # Neither overdue nor reminded.
    assert plan.status.reminders == () and plan.status.overdue == ()
    assert not [q for q in plan.queue if q.message.kind is Kind.REMINDER]


def test_an_answer_saying_not_yet_or_about_a_pairing_in_contact_moves_nothing() -> None:
    cfg = config()
    waiting = pairing("P-1", Status.AWAITING_CONTACT, intro_sent_on=MONDAY)
    done = pairing("P-2", Status.IN_CONTACT, contact_made_on=date(2026, 10, 1))
    programme = Programme(
        pairings=(waiting, dataclasses.replace(done, row=3)),
        pairing_columns=ALL_COLUMNS,
        responses=(
            response("P-1", date(2026, 11, 2), contact=False),
            response("P-2", date(2026, 11, 2)),
        ),
    )
    plan = plan_run(programme, config=cfg, steps={"status"}, calendar=calendar(cfg), now=MONDAY)
    assert plan.changes == ()
    assert not [m for m in plan.marks if PC.CONTACT_MADE_ON in m.values or PC.STATUS in m.values]


def test_check_ins_fall_due_on_each_offset_once_and_never_in_a_burst() -> None:
    cal = calendar(config())
    contact = date(2026, 11, 3)

    def due(today: date, status: Status = Status.IN_CONTACT, **extra: Any) -> list[tuple[str, int]]:
        p = pairing("P-1", status, contact_made_on=contact, **extra)
        found = checkins_due(
            [p],
            offsets=(20, 60),
            today=today,
            business_days=cal.business_days_between,
            paused_until={},
        )
        return [(c.pairing.pairing_id, c.number) for c in found]

    assert due(date(2026, 11, 30)) == []  # 19 business days
    assert due(date(2026, 12, 1)) == [("P-1", 1)]  # the 20th
    assert due(date(2026, 12, 1), checkins_sent=1) == []
    # Turned on late, past both: one email, counted as the second.
    assert due(date(2027, 3, 1)) == [("P-1", 2)]
    assert due(date(2027, 3, 1), checkins_sent=2) == []
    assert due(date(2027, 3, 1), status=Status.ENDED) == []


def test_no_check_in_while_the_mentee_or_the_mentor_is_paused() -> None:
    cfg = config(checkin_business_days=[1])
    in_contact = pairing("P-1", Status.IN_CONTACT, contact_made_on=date(2026, 10, 1))
    mentor = Mentor(2, "Ada Lovelace", "ada@example.org", ("python",), 2, active=True)
    mentee = Mentee(2, "Sam Okafor", "sam@example.net", Route.COMMUNITY, ())
    for paused_mentor, paused_mentee, goes in (
        (False, False, 1),
        (True, False, 0),
        (False, True, 0),
    ):
        programme = Programme(
            mentors=(
                dataclasses.replace(mentor, paused_until=date(2026, 11, 9))
                if paused_mentor
                else mentor,
            ),
            mentees=(
                dataclasses.replace(mentee, paused_until=date(2026, 11, 9))
                if paused_mentee
                else mentee,
            ),
            pairings=(in_contact,),
            pairing_columns=ALL_COLUMNS,
            responses=(),
        )
        plan = plan_run(programme, config=cfg, steps={"status"}, calendar=calendar(cfg), now=MONDAY)
        checkins = [q for q in plan.queue if q.message.kind is Kind.CHECKIN]
        assert len(checkins) == goes
        if goes:
            [mark] = plan.marks
            cells = {k: mark.values[k] for k in (PC.CHECKINS_SENT, PC.LAST_CHECKIN_ON)}
            assert cells == {PC.CHECKINS_SENT: "1", PC.LAST_CHECKIN_ON: "2026-11-02"}
            assert str(checkins[0].message.key) == "P-1/checkin-1/email"


def test_no_check_in_without_its_ledger_columns_or_with_check_ins_off() -> None:
    in_contact = pairing("P-1", Status.IN_CONTACT, contact_made_on=date(2026, 10, 1))
    for cfg, columns in (
        (config(checkin_business_days=[1]), ALL_COLUMNS - {PC.CHECKINS_SENT}),
        (config(checkin_business_days=[1], checkins=False), ALL_COLUMNS),
        (Config(), ALL_COLUMNS),  # no form
    ):
        programme = Programme(pairings=(in_contact,), pairing_columns=columns)
        plan = plan_run(programme, config=cfg, steps={"status"}, calendar=calendar(cfg), now=MONDAY)
        assert plan.queue == ()


def test_the_digest_lists_check_ins_needing_attention_and_one_sided_confirmations() -> None:
    today = date(2026, 12, 1)
    a = pairing("P-A", Status.IN_CONTACT, contact_made_on=date(2026, 11, 3))
    b = dataclasses.replace(a, pairing_id="P-B")
    comment = '=HYPERLINK("http://x.example","we | stopped")'
    responses = (
        response("P-A", date(2026, 11, 30), score=2, comment=comment),
        response("P-A", date(2026, 11, 30), score=3),  # fine: not listed
        response("P-B", date(2026, 11, 30), meeting=False, contact=None),
        response("P-B", date(2026, 11, 10), role="mentor"),  # P-B: mentor only, 3 weeks
        response("P-A", date(2026, 11, 28), role="mentor"),
        response("P-A", date(2026, 11, 29), role="mentee"),
        response("P-A", date(2026, 11, 1), score=1),  # before the last digest
    )
    summary = build_digest(
        day=today,
        pairings=[a, b],
        plan=StatusPlan(),
        match=MatchResult(),
        problems=[],
        responses=responses,
        last_digest_day="2026-11-27",
    )
    assert [(f.pairing.pairing_id, f.response.score) for f in summary.checkins_attention] == [
        ("P-A", 2),
        ("P-B", None),
    ]
    assert [(o.pairing.pairing_id, o.confirmed_by) for o in summary.one_sided] == [
        ("P-B", "mentor")
    ]
    assert summary.confirmations_received == 4  # answers saying in touch since 27 Nov
    assert digest_due(day=today, last_digest_day="2026-11-27", summary=summary)
    text = render_text(summary)
    assert "Check-ins needing attention (2)" in text
    assert comment in text  # shown as written: a plain-text email runs nothing
    assert "Contact confirmed by one side only (1)" in text
    assert "Contact confirmed on the form since the last digest: 4." in text
    markdown = render_markdown(summary)
    assert "we \\| stopped" in markdown  # the cell stays one cell


def test_one_sided_waits_a_week_and_needing_attention_counts_from_the_last_digest() -> None:
    a = pairing("P-A", Status.IN_CONTACT)
    recent = (response("P-A", date(2026, 11, 26), role="mentor"),)
    assert one_sided([a], recent, date(2026, 12, 2)) == ()
    assert len(one_sided([a], recent, date(2026, 12, 3))) == 1
    low = (response("P-A", date(2026, 11, 26), score=1),)
    assert needing_attention([a], low, date(2026, 11, 27)) == ()
    assert len(needing_attention([a], low, date(2026, 11, 26))) == 1


def composer(cfg: Config) -> Composer:
    return Composer(cfg.mail, templates_dir=TEMPLATES, forms=cfg.forms)


def plain(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def html(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("html",))
    assert body is not None
    return str(body.get_content())


def test_intro_reminder_and_check_in_emails_carry_the_pre_filled_link() -> None:
    cfg = config()
    c = composer(cfg)
    c.check()
    p = pairing("P-20261102-1A2B3C", Status.APPROVED, intro_sent_on=MONDAY)
    link = FORM.replace("{pairing_id}", "P-20261102-1A2B3C")
    intro = c.intro(p, None, None, now=MONDAY)
    assert link in plain(intro)
    assert link.replace("&", "&amp;") in html(intro)
    reminder = c.reminder(p, None, number=1, business_days_waited=3, now=MONDAY)
    assert link in plain(reminder)
    in_contact = dataclasses.replace(p, contact_made_on=date(2026, 11, 3))
    checkin = c.checkin(in_contact, None, None, number=1, business_days=20, now=MONDAY)
    assert link in plain(checkin)
    assert "Tuesday 3 November 2026" in plain(checkin)
    assert [a.addr_spec for a in checkin["To"].addresses] == ["ada@example.org", "sam@example.net"]
    assert checkin["Cc"] is None
    # Without a form, no link and no words about it.
    bare = composer(Config()).intro(p, None, None, now=MONDAY)
    assert "docs.google.com" not in plain(bare) and "one click" not in plain(bare)


def test_the_slack_intro_and_reminder_carry_the_link_too() -> None:
    cfg = config()
    slack = SlackComposer(cfg.mail, composer(cfg))
    slack.check()
    p = pairing("P-1", Status.APPROVED, slack_intro_link="D123/1.2")
    link = FORM.replace("{pairing_id}", "P-1").replace("&", "&amp;")
    intro = slack.render(OutgoingMessage(Kind.INTRO, "slack", MONDAY, pairing=p))
    assert f"<{link}|we have been in touch>" in intro.text
    reminder = slack.render(OutgoingMessage(Kind.REMINDER, "slack", MONDAY, pairing=p, number=1))
    assert f"<{link}|we have been in touch>" in reminder.text


@pytest.mark.parametrize("with_tab", [True, False])
def test_doctor_checks_the_link_and_the_responses_tab(tmp_path: Path, with_tab: bool) -> None:
    cfg = make_config(tmp_path, forms={"confirm_url": FORM})
    write_xlsx(Path(cfg.workbook.path), cfg)
    if with_tab:
        book = openpyxl.load_workbook(cfg.workbook.path)
        book.create_sheet("Form responses 1").append(
            ["Timestamp", "Pairing ID", "Who is answering?", "Have you been in touch?"]
        )
        book.save(cfg.workbook.path)
    checks = {c.name: c for c in run_doctor(cfg, now=MONDAY)}
    assert checks["form link"].ok and "{pairing_id}" in checks["form link"].message
    responses = checks["form responses"]
    assert responses.ok  # never a failure
    if with_tab:
        assert not responses.warning
        assert "Have you been in touch?" in responses.message
        assert "Email address" in responses.message  # listed as not found (optional)
    else:
        assert responses.warning
        assert "Link to Sheets" in responses.message
    assert "check-ins" not in checks  # init wrote the check-in columns


def test_doctor_warns_when_the_check_in_columns_are_missing(tmp_path: Path) -> None:
    cfg = make_config(tmp_path, forms={"confirm_url": FORM})
    write_xlsx(Path(cfg.workbook.path), cfg)
    book = openpyxl.load_workbook(cfg.workbook.path)
    sheet = book["Pairings"]
    header = [cell.value for cell in sheet[1]]
    first = header.index("Check-ins sent") + 1
    sheet.delete_cols(first, 2)
    book.save(cfg.workbook.path)
    checks = {c.name: c for c in run_doctor(cfg, now=MONDAY)}
    assert checks["check-ins"].warning
    assert "Check-ins sent, Last check-in on" in checks["check-ins"].message
    assert "mentorsheet init" in checks["check-ins"].message


def test_doctor_finds_the_check_in_columns_under_their_aliases(tmp_path: Path) -> None:
    aliases = {"Pairings": {"Check-ins sent": ["Check-ins"], "Last check-in on": ["Checked in"]}}
    cfg = make_config(tmp_path, forms={"confirm_url": FORM}, workbook={"headers": aliases})
    write_xlsx(Path(cfg.workbook.path), cfg)
    book = openpyxl.load_workbook(cfg.workbook.path)
    for cell in book["Pairings"][1]:
        cell.value = {"Check-ins sent": "Check-ins", "Last check-in on": "Checked in"}.get(
            str(cell.value), cell.value
        )
    book.save(cfg.workbook.path)
    checks = {c.name: c for c in run_doctor(cfg, now=MONDAY)}
    assert "check-ins" not in checks

"""The closing email and the re-pair note, composed from the shipped templates."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from mentorsheet.adapters.channels.email.channel import EmailChannel
from mentorsheet.adapters.channels.email.compose import Composer, template_names
from mentorsheet.core.messages import Kind, OutgoingMessage
from mentorsheet.core.schema import Status
from mentorsheet.errors import InvalidFieldError, TemplateError
from tests.test_compose import (
    MAIL,
    NOW,
    SHIPPED,
    html_of,
    mentee,
    mentor,
    pairing,
    round_trip,
    subject_of,
    text_of,
)

FEEDBACK = "https://forms.example.org/mentoring-feedback"


@pytest.fixture
def composer() -> Composer:
    return Composer(MAIL.model_copy(update={"feedback_form_url": FEEDBACK}), templates_dir=SHIPPED)


def test_both_new_emails_ship_all_three_parts() -> None:
    for email in ("closing", "repair-note"):
        for part in ("subject", "txt", "html"):
            name = f"{email}.{part}.j2"
            assert name in template_names()
            assert (SHIPPED / name).read_text(encoding="utf-8").startswith("{#"), name


def test_the_closing_email_thanks_both_and_links_the_feedback_form(composer: Composer) -> None:
    message = round_trip(
        composer.closing(pairing(status=Status.ENDED), mentor(), mentee(), now=NOW)
    )
    assert [a.addr_spec for a in message["To"].addresses] == ["ada@example.org", "bob@example.org"]
    assert message["Cc"] is None
    assert subject_of(message) == "Thank you, Ada and Bob (the Academy mentoring programme)"
    text, html = text_of(message), html_of(message)
    assert "Hi Ada and Bob," in text
    assert "since we introduced you on Tuesday 28 May 2024." in text
    assert FEEDBACK in text
    assert f'<a href="{FEEDBACK}">' in html
    assert "put in since" in " ".join(html.split())


def test_without_a_feedback_form_or_an_intro_date_the_closing_email_still_reads_well() -> None:
    composer = Composer(MAIL, templates_dir=SHIPPED)
    undated = pairing(status=Status.ENDED, intro_sent_on=None)
    message = round_trip(composer.closing(undated, None, None, now=NOW))
    text = text_of(message)
    assert "feedback" not in text.lower() and "href" not in html_of(message)
    assert "all the effort you have put\nin.\n" in text
    assert "since we introduced" not in text


def test_a_feedback_link_that_is_not_a_web_address_is_left_out() -> None:
    mail = MAIL.model_copy(update={"feedback_form_url": "javascript:alert(1)"})
    message = Composer(mail, templates_dir=SHIPPED).closing(
        pairing(status=Status.ENDED), mentor(), mentee(), now=NOW
    )
    assert "javascript" not in html_of(round_trip(message))


def test_the_re_pair_note_goes_to_the_old_mentor_alone(composer: Composer) -> None:
    message = round_trip(
        composer.repair_note(pairing(status=Status.RE_PAIR), mentor(), mentee(), now=NOW)
    )
    assert [a.addr_spec for a in message["To"].addresses] == ["ada@example.org"]
    assert message["Cc"] is None
    assert "bob@example.org" not in str(message["To"])
    assert subject_of(message) == (
        "An update about Bob Smith, and thank you (the Academy mentoring programme)"
    )
    text = text_of(message)
    assert "Hi Ada," in text
    assert "whom we introduced to you on Tuesday 28 May 2024" in text
    assert "nothing more you need to do" in text
    assert "<strong>Bob Smith</strong>" in html_of(message)


def test_names_that_could_forge_headers_are_refused(composer: Composer) -> None:
    forged = pairing(status=Status.ENDED, mentee_name="Bob\nBcc: all@example.com")
    with pytest.raises(InvalidFieldError):
        composer.closing(forged, None, None, now=NOW)
    with pytest.raises(InvalidFieldError):
        composer.repair_note(
            dataclasses.replace(forged, mentor_name="Ada\r\nBcc: x@example.com"),
            None,
            None,
            now=NOW,
        )


def test_a_typo_in_an_override_is_found_before_anything_is_sent(tmp_path: Path) -> None:
    (tmp_path / "repair-note.txt.j2").write_text("Hi {{ mentor_frist_name }}\n", "utf-8")
    with pytest.raises(TemplateError, match=r"repair-note\.txt\.j2, line 1: 'mentor_frist_name'"):
        Composer(MAIL, templates_dir=tmp_path).check()


def test_the_email_channel_renders_each_kind(composer: Composer) -> None:
    channel = EmailChannel(sender=None, composer=composer)  # type: ignore[arg-type]
    for kind, subject in ((Kind.CLOSING, "Thank you"), (Kind.REPAIR_NOTE, "An update about")):
        message = OutgoingMessage(
            kind, "email", NOW, pairing=pairing(), mentor=mentor(), mentee=mentee()
        )
        rendered = channel.render(message)
        assert rendered.preview.subject.startswith(subject)
        assert rendered.preview.kind is kind
        assert message.key.name == f"P-000042-{kind}"

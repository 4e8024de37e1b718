"""Composing the intro, reminder and digest emails from the shipped templates."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, date, datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorsheet.adapters.channels.email.compose import (
    Composer,
    calendly_link,
    copy_packaged_templates,
    template_names,
)
from mentorsheet.config import MailConfig
from mentorsheet.core.model import Mentee, Mentor, Pairing
from mentorsheet.core.schema import Route, Status
from mentorsheet.errors import InvalidFieldError, TemplateError

SHIPPED = Path(__file__).resolve().parents[1] / "mentorsheet" / "templates"
NOW = datetime(2024, 6, 3, 9, 30, tzinfo=timezone(timedelta(hours=1)))

MAIL = MailConfig(
    sender="mentoring@academy.example.org",
    sender_name="Academy Mentoring",
    staff_email="staff@academy.example.org",
    programme_name="the Academy mentoring programme",
    resources_url="https://academy.example.org/mentor-guide",
)


def pairing(**changes: object) -> Pairing:
    values: dict[str, object] = {
        "row": 5,
        "pairing_id": "P-000042",
        "status": Status.APPROVED,
        "mentee_name": "Bob Smith",
        "mentee_email": "bob@example.org",
        "mentor_name": "Ada Lovelace",
        "mentor_email": "ada@example.org",
        "route": Route.COMMUNITY,
        "why": "Ada offers python and sql, which Bob asked for.",
        "intro_sent_on": datetime(2024, 5, 28, 10, 0, tzinfo=UTC),
    }
    values.update(changes)
    return Pairing(**values)  # type: ignore[arg-type]


def mentor(calendly: str = "https://calendly.com/ada-lovelace/30min") -> Mentor:
    return Mentor(
        row=2,
        name="Ada Lovelace",
        email="ada@example.org",
        skills=("python", "sql"),
        capacity=2,
        active=True,
        calendly=calendly,
    )


def mentee() -> Mentee:
    return Mentee(
        row=3,
        name="Bob Smith",
        email="bob@example.org",
        route=Route.COMMUNITY,
        skills_wanted=("python", "sql"),
    )


@pytest.fixture
def composer() -> Composer:
    return Composer(MAIL, templates_dir=SHIPPED)


def round_trip(message: EmailMessage) -> EmailMessage:
    """What a mail program sees: the wire bytes parsed back."""
    parsed = BytesParser(policy=policy.default).parsebytes(message.as_bytes(policy=policy.SMTP))
    assert isinstance(parsed, EmailMessage)
    return parsed


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    # Quoted-printable bodies read back from the wire keep their CRLF line ends.
    return str(part.get_content()).replace("\r\n", "\n")


def html_of(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def subject_of(message: EmailMessage) -> str:
    # CPython keeps a space before the fold it adds ahead of an encoded word, so an
    # unfolded long subject can show a double space there: compare with spaces collapsed.
    return " ".join(str(message["Subject"]).split())


def copy_templates(tmp_path: Path) -> Path:
    target = tmp_path / "templates"
    shutil.copytree(SHIPPED, target)
    return target


# --- the shipped templates -------------------------------------------------------


def test_shipped_templates_pass_the_check(composer: Composer) -> None:
    composer.check()


def test_shipped_templates_pass_the_check_with_default_config() -> None:
    Composer(MailConfig(), templates_dir=SHIPPED).check()


def test_every_shipped_template_documents_its_variables() -> None:
    for template in SHIPPED.glob("*.j2"):
        assert template.read_text(encoding="utf-8").startswith("{#"), template.name


# --- the introduction ---------------------------------------------------------------


def test_intro_headers(composer: Composer) -> None:
    message = round_trip(composer.intro(pairing(), mentor(), mentee(), now=NOW))
    assert [str(a) for a in message["From"].addresses] == [
        "Academy Mentoring <mentoring@academy.example.org>"
    ]
    assert [a.addr_spec for a in message["To"].addresses] == ["ada@example.org"]
    assert [a.display_name for a in message["To"].addresses] == ["Ada Lovelace"]
    assert [a.addr_spec for a in message["Cc"].addresses] == ["bob@example.org"]
    assert [a.display_name for a in message["Cc"].addresses] == ["Bob Smith"]
    assert "Ada Lovelace" in message["Subject"]
    assert "Bob Smith" in message["Subject"]
    assert message["Date"].datetime == NOW
    assert message["Message-ID"].endswith("@academy.example.org>")
    assert message["Reply-To"] is None


def test_intro_is_plain_text_with_an_html_alternative(composer: Composer) -> None:
    message = round_trip(composer.intro(pairing(), mentor(), mentee(), now=NOW))
    assert message.get_content_type() == "multipart/alternative"
    kinds = [part.get_content_type() for part in message.iter_parts()]
    assert kinds == ["text/plain", "text/html"]


def test_intro_body_gives_the_mentor_what_they_need(composer: Composer) -> None:
    message = round_trip(composer.intro(pairing(), mentor(), mentee(), now=NOW))
    for body in (text_of(message), html_of(message)):
        assert "Bob Smith" in body
        assert "bob@example.org" in body
        assert "get in touch" in body
        assert "first session" in body
        assert "Ada offers python and sql, which Bob asked for." in body
        assert "https://calendly.com/ada-lovelace/30min" in body
        assert "pick a" in body  # how to book: the mentee picks a slot
        assert "the Academy mentoring programme" in body
        assert "expectations and ground rules" in body
        assert "learning priorities" in body
        assert "set goals together" in body
        assert "contact schedule" in body
        assert "accountable" in body
        assert "https://academy.example.org/mentor-guide" in body


def test_intro_without_calendly_link_reads_naturally(composer: Composer) -> None:
    message = round_trip(composer.intro(pairing(), mentor(calendly=""), mentee(), now=NOW))
    for body in (text_of(message), html_of(message)):
        assert "calendly" not in body.lower()
        assert "pick a" not in body
        assert "a few times that suit you" in body
        assert "get in touch" in body


def test_intro_without_mentor_record_uses_the_pairing_row(composer: Composer) -> None:
    message = round_trip(composer.intro(pairing(), None, None, now=NOW))
    assert [a.addr_spec for a in message["To"].addresses] == ["ada@example.org"]
    assert [a.addr_spec for a in message["Cc"].addresses] == ["bob@example.org"]
    assert "calendly" not in text_of(message).lower()
    assert "Bob Smith" in text_of(message)


@pytest.mark.parametrize(
    "link",
    [
        "calendly.com/ada",  # no scheme: not a link a mail program would open safely
        "javascript:alert(1)",
        "ftp://calendly.com/ada",
        "https://calendly.com/ada now",
        "https:///ada",  # no host
    ],
)
def test_intro_leaves_out_a_calendly_value_that_is_not_a_web_link(
    composer: Composer, link: str
) -> None:
    message = round_trip(composer.intro(pairing(), mentor(calendly=link), mentee(), now=NOW))
    for body in (text_of(message), html_of(message)):
        assert link not in body
        assert "a few times that suit you" in body


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://calendly.com/ada", "https://calendly.com/ada"),
        ("  https://cal.example.org/x?y=1  ", "https://cal.example.org/x?y=1"),
        ("http://cal.example.org/x", ""),  # refused on the Mentors tab too
        ("HTTPS://calendly.com/ada", "HTTPS://calendly.com/ada"),
        ("", ""),
        ("mailto:ada@example.org", ""),
        ("https://calendly.com/a\nb", ""),
        ("//calendly.com/ada", ""),
    ],
)
def test_calendly_link(value: str, expected: str) -> None:
    assert calendly_link(value) == expected


def test_intro_without_resources_url_or_why(tmp_path: Path) -> None:
    mail = MAIL.model_copy(update={"resources_url": ""})
    composer = Composer(mail, templates_dir=SHIPPED)
    message = round_trip(composer.intro(pairing(why=""), mentor(), mentee(), now=NOW))
    body = text_of(message)
    assert "Why we paired you" not in body
    assert "resources" not in body.lower()
    assert "learning priorities" in body


def test_intro_escapes_names_in_html(composer: Composer) -> None:
    message = round_trip(
        composer.intro(
            pairing(mentee_name="<b>Eve</b> & co", why='<img src="x">'),
            mentor(),
            mentee(),
            now=NOW,
        )
    )
    html = html_of(message)
    assert "<b>Eve</b>" not in html
    assert "&lt;b&gt;Eve&lt;/b&gt; &amp; co" in html
    assert '<img src="x">' not in html
    assert "<b>Eve</b> & co" in text_of(message)  # plain text is not escaped


def test_calendly_link_with_quotes_cannot_break_out_of_the_href(composer: Composer) -> None:
    link = 'https://calendly.com/ada"onmouseover="alert(1)'
    html = html_of(round_trip(composer.intro(pairing(), mentor(calendly=link), mentee(), now=NOW)))
    assert 'onmouseover="alert' not in html


# --- names that need quoting or encoding, and names that inject headers -------------


@pytest.mark.parametrize(
    ("mentor_name", "mentee_name"),
    [
        ("Zoë Ångström", "Łukasz Żółć"),
        ("李小龍", "Nguyễn Thị Minh Khai"),
        ('Ada "The Countess" Lovelace', "O'Brien, Seán"),
        ("Smith, John", 'Bob "Bobby" Tables'),
        ("Dr. Ada (maths) Lovelace", "Bob <not an address>"),
    ],
)
def test_names_needing_quoting_or_encoding_survive_the_round_trip(
    composer: Composer, mentor_name: str, mentee_name: str
) -> None:
    message = round_trip(
        composer.intro(
            pairing(mentor_name=mentor_name, mentee_name=mentee_name), mentor(), mentee(), now=NOW
        )
    )
    assert [(a.display_name, a.addr_spec) for a in message["To"].addresses] == [
        (mentor_name, "ada@example.org")
    ]
    assert [(a.display_name, a.addr_spec) for a in message["Cc"].addresses] == [
        (mentee_name, "bob@example.org")
    ]
    assert mentee_name in subject_of(message)
    assert mentee_name in text_of(message)


COMPOSER = Composer(MAIL, templates_dir=SHIPPED)  # shared: hypothesis runs many examples
_NAME_CHARACTERS = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"))


@settings(max_examples=150, deadline=None)
@given(
    name=st.text(_NAME_CHARACTERS, min_size=1, max_size=40).filter(
        lambda text: text.strip() == text and " ".join(text.split()) == text and text != ""
    )
)
def test_any_printable_name_round_trips_through_the_headers(name: str) -> None:
    sent = COMPOSER.intro(pairing(mentee_name=name), None, None, now=NOW)
    wire = sent.as_bytes(policy=policy.SMTP)
    message = round_trip(sent)
    [cc] = message["Cc"].addresses
    assert cc.addr_spec == "bob@example.org"
    folded_cc = BytesParser(policy=policy.compat32).parsebytes(wire, headersonly=True)["Cc"]
    if re.search(r"\?=\r?\n[ \t]+=\?", str(folded_cc)):
        # Folded between two encoded words: RFC 2047 (6.2) says that whitespace is
        # ignored, but CPython's parser keeps it, so compare without whitespace.
        assert "".join(cc.display_name.split()) == "".join(name.split())
    else:
        assert cc.display_name == name
    assert [a.addr_spec for a in message["To"].addresses] == ["ada@example.org"]
    assert message["Bcc"] is None


@pytest.mark.parametrize(
    "changes",
    [
        {"mentor_name": "Ada\r\nBcc: victim@example.com"},
        {"mentee_name": "Bob\nBcc: victim@example.com"},
        {"mentee_name": "Bob\rX"},
        {"mentor_name": "Ada\x00"},
        {"mentee_name": "Bob\u2028Bcc: victim@example.com"},
        {"mentor_email": "ada@example.org\r\nBcc: victim@example.com"},
        {"mentee_email": "bob@example.org\n"},
        {"mentee_email": "not-an-address"},
        {"mentor_email": "ada@example.org, eve@example.com"},
    ],
)
def test_header_injection_is_refused(composer: Composer, changes: dict[str, str]) -> None:
    with pytest.raises(InvalidFieldError):
        composer.intro(pairing(**changes), mentor(), mentee(), now=NOW)


@pytest.mark.parametrize(
    "update",
    [
        {"sender_name": "Mentoring\r\nBcc: victim@example.com"},
        {"sender": "mentoring@example.org\nBcc: victim@example.com"},
        {"staff_email": "staff@example.org\r\n"},
    ],
)
def test_a_config_value_that_injects_a_header_is_refused(update: dict[str, str]) -> None:
    composer = Composer(MAIL.model_copy(update=update), templates_dir=SHIPPED)
    with pytest.raises(InvalidFieldError):
        composer.check()
    with pytest.raises(InvalidFieldError):
        composer.digest(day=date(2024, 6, 3), text="x", markdown="x", now=NOW)


def test_a_naive_time_is_refused(composer: Composer) -> None:
    with pytest.raises(InvalidFieldError, match="timezone"):
        composer.intro(pairing(), mentor(), mentee(), now=datetime(2024, 6, 3, 9, 30))


# --- the reminder ---------------------------------------------------------------------


def test_reminder(composer: Composer) -> None:
    message = round_trip(
        composer.reminder(pairing(), mentor(), number=1, business_days_waited=3, now=NOW)
    )
    assert [a.addr_spec for a in message["To"].addresses] == ["ada@example.org"]
    assert [a.addr_spec for a in message["Cc"].addresses] == ["staff@academy.example.org"]
    assert [a.addr_spec for a in message["From"].addresses] == ["mentoring@academy.example.org"]
    assert "Bob Smith" in message["Subject"]
    body = text_of(message)
    assert "3 business days" in body
    assert "Bob Smith" in body
    assert "bob@example.org" in body
    assert "reply" in body  # how to tell staff they cannot
    assert "Tuesday 28 May 2024" in body
    assert len(body.splitlines()) < 25  # short


def test_reminder_after_one_business_day_is_singular(composer: Composer) -> None:
    message = composer.reminder(pairing(), None, number=2, business_days_waited=1, now=NOW)
    body = text_of(round_trip(message))
    assert "1 business day " in body
    assert "1 business days" not in body


# --- the digest -----------------------------------------------------------------------


def test_digest(composer: Composer) -> None:
    text = "Overdue pairings: 2\n  Ada Lovelace -> Bob Smith   3 business days\n<none>"
    message = round_trip(
        composer.digest(day=date(2024, 6, 3), text=text, markdown="| a |", now=NOW)
    )
    assert [a.addr_spec for a in message["To"].addresses] == ["staff@academy.example.org"]
    assert message["Cc"] is None
    assert "3 June 2024" in message["Subject"]
    assert text in text_of(message)
    html = html_of(message)
    # The HTML part is tables built from the sections (none given: nothing to show),
    # never the plain text in a fixed-width block.
    assert "<pre" not in html
    assert "Nothing needs attention today." in html
    assert "Monday 3 June 2024" in html


# --- template problems are found before sending ---------------------------------------


def test_check_names_the_template_line_and_undefined_name(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    path = templates / "reminder.txt.j2"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.append("Kind regards, {{ sender_nmae }}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    composer = Composer(MAIL, templates_dir=templates)
    with pytest.raises(TemplateError) as caught:
        composer.check()
    message = str(caught.value)
    assert "reminder.txt.j2" in message
    assert f"line {len(lines)}" in message
    assert "sender_nmae" in message


def test_check_finds_a_typo_in_the_branch_without_calendly(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    path = templates / "intro.html.j2"
    source = path.read_text(encoding="utf-8")
    assert "{% else %}\n" in source
    path.write_text(source.replace("{% else %}\n", "{% else %}\n{{ calendy_url }}\n", 1))
    composer = Composer(MAIL, templates_dir=templates)
    with pytest.raises(TemplateError, match=r"intro\.html\.j2, line \d+: 'calendy_url'"):
        composer.check()


def test_a_template_typo_also_stops_composing(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    (templates / "intro.subject.j2").write_text("Hello {{ mentee.name }}\n", encoding="utf-8")
    composer = Composer(MAIL, templates_dir=templates)
    with pytest.raises(TemplateError, match=r"intro\.subject\.j2, line 1: 'mentee' is undefined"):
        composer.intro(pairing(), mentor(), mentee(), now=NOW)


def test_check_reports_a_syntax_error_with_its_line(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    (templates / "digest.txt.j2").write_text("Hello\n{% if text %}\nno end\n", encoding="utf-8")
    with pytest.raises(TemplateError, match=r"digest\.txt\.j2, line \d+"):
        Composer(MAIL, templates_dir=templates).check()


@pytest.mark.parametrize("missing", ["intro.subject.j2", "reminder.txt.j2", "digest.txt.j2"])
def test_a_template_missing_from_the_overrides_comes_from_the_package(
    tmp_path: Path, missing: str
) -> None:
    templates = copy_templates(tmp_path)
    (templates / missing).unlink()
    (templates / "intro.txt.j2").write_text("Overridden for {{ mentee_name }}.\n", "utf-8")
    composer = Composer(MAIL, templates_dir=templates)
    composer.check()
    assert missing not in composer.overridden()
    message = round_trip(composer.intro(pairing(), mentor(), mentee(), now=NOW))
    if missing == "intro.subject.j2":
        assert subject_of(message) == subject_of(
            Composer(MAIL).intro(pairing(), mentor(), mentee(), now=NOW)
        )
    assert text_of(message).startswith("Overridden for Bob")


def test_with_no_overrides_every_template_is_the_packaged_one() -> None:
    composer = Composer(MailConfig())
    assert composer.templates_dir is None
    assert composer.overridden() == []
    composer.check()
    packaged = round_trip(composer.intro(pairing(), mentor(), mentee(), now=NOW))
    shipped = round_trip(
        Composer(MAIL, templates_dir=SHIPPED).intro(pairing(), mentor(), mentee(), now=NOW)
    )
    assert text_of(packaged).replace(MailConfig().sender_name, "") != ""
    assert packaged.get_content_type() == shipped.get_content_type() == "multipart/alternative"


def test_init_copies_the_packaged_templates_out_without_overwriting(tmp_path: Path) -> None:
    target = tmp_path / "my-templates"
    target.mkdir()
    (target / "intro.txt.j2").write_text("mine\n", encoding="utf-8")
    copied = copy_packaged_templates(target)
    assert "intro.txt.j2" not in copied
    assert (target / "intro.txt.j2").read_text(encoding="utf-8") == "mine\n"
    packaged = [n for n in template_names() if (SHIPPED / n).is_file()]
    assert sorted(copied) == sorted(n for n in packaged if n != "intro.txt.j2")
    for name in copied:
        assert (target / name).read_bytes() == (SHIPPED / name).read_bytes()
    assert copy_packaged_templates(target) == []


def test_an_empty_html_override_sends_plain_text(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    (templates / "intro.html.j2").write_text("", encoding="utf-8")
    composer = Composer(MAIL, templates_dir=templates)
    composer.check()
    message = round_trip(composer.intro(pairing(), mentor(), mentee(), now=NOW))
    assert message.get_content_type() == "text/plain"
    assert "Bob Smith" in text_of(message)


def test_an_empty_subject_is_a_template_error(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    (templates / "digest.subject.j2").write_text("{# nothing #}\n", encoding="utf-8")
    with pytest.raises(TemplateError, match="empty"):
        Composer(MAIL, templates_dir=templates).check()


def test_templates_cannot_reach_unsafe_attributes(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    (templates / "digest.txt.j2").write_text(
        "{{ text.__class__.__mro__[1].__subclasses__() }}\n", encoding="utf-8"
    )
    with pytest.raises(TemplateError, match=r"digest\.txt\.j2"):
        Composer(MAIL, templates_dir=templates).check()


def test_templates_dir_defaults_to_the_config(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    composer = Composer(MAIL.model_copy(update={"templates_dir": templates}))
    assert composer.templates_dir == templates
    composer.check()


@pytest.mark.parametrize(
    ("mentor_name", "mentee_name"),
    [("Lovelace, Ada", "Smith, Bob"), ("Dr. Ada Lovelace", "Bob Smith")],
)
def test_greetings_use_the_first_name_however_the_name_is_written(
    composer: Composer, mentor_name: str, mentee_name: str
) -> None:
    message = composer.intro(
        pairing(mentor_name=mentor_name, mentee_name=mentee_name), None, None, now=NOW
    )
    body = text_of(round_trip(message))
    assert body.startswith("Hi Ada,")
    assert "Bob is copied" in body
    assert ",," not in body


# --- templates staff edit cannot reach outside their folder -----------------------------


def test_a_symlink_to_a_file_outside_the_templates_folder_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "environ"
    secret.write_text("GMAIL_TOKEN=ya29.secret-value\n", encoding="utf-8")
    templates = copy_templates(tmp_path)
    (templates / "env.j2").symlink_to(secret)
    intro = templates / "intro.txt.j2"
    intro.write_text(intro.read_text(encoding="utf-8") + "{% include 'env.j2' %}\n", "utf-8")
    composer = Composer(MAIL, templates_dir=templates)
    with pytest.raises(TemplateError, match="outside that folder") as caught:
        composer.check()
    assert "ya29" not in str(caught.value)
    with pytest.raises(TemplateError):
        composer.intro(pairing(), mentor(), mentee(), now=NOW)


def test_a_linked_template_itself_is_refused_too(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.j2"
    elsewhere.write_text("Hello {{ mentee_name }}\n", encoding="utf-8")
    templates = copy_templates(tmp_path)
    (templates / "intro.subject.j2").unlink()
    (templates / "intro.subject.j2").symlink_to(elsewhere)
    with pytest.raises(TemplateError, match=r"intro\.subject\.j2 .* outside that folder"):
        Composer(MAIL, templates_dir=templates).check()


def test_a_link_inside_the_folder_is_fine(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    (templates / "footer.j2").write_text("-- {{ programme_name }}\n", encoding="utf-8")
    (templates / "sign-off.j2").symlink_to(templates / "footer.j2")
    intro = templates / "intro.txt.j2"
    intro.write_text(intro.read_text(encoding="utf-8") + "{% include 'sign-off.j2' %}\n", "utf-8")
    composer = Composer(MAIL, templates_dir=templates)
    composer.check()
    text = text_of(round_trip(composer.intro(pairing(), mentor(), mentee(), now=NOW)))
    assert text.rstrip().endswith(f"-- {MAIL.programme_name}")


def test_a_template_that_raises_anything_is_one_sentence_before_sending(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    (templates / "digest.txt.j2").write_text(
        "{% for i in range(10**9) %}{{ i }}{% endfor %}\n", encoding="utf-8"
    )
    with pytest.raises(TemplateError, match=r"digest\.txt\.j2.*failed \(OverflowError\)"):
        Composer(MAIL, templates_dir=templates).check()

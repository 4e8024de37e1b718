"""The outbox backend: one RFC 5322 ``.eml`` file per message, written once."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorsheet.adapters.channels.email.base import MailSender
from mentorsheet.adapters.channels.email.compose import Composer
from mentorsheet.adapters.channels.email.outbox import OutboxSender, outbox_file_name
from mentorsheet.config import MailConfig
from mentorsheet.core.model import Mentor, Pairing
from mentorsheet.core.schema import Route, Status
from mentorsheet.errors import MailError

SHIPPED = Path(__file__).resolve().parents[1] / "mentorsheet" / "templates"
NOW = datetime(2024, 6, 3, 8, 0, tzinfo=UTC)
MAIL = MailConfig(
    sender="mentoring@example.org",
    sender_name="Mentoring, Example & Co",
    staff_email="staff@example.org",
)
COMPOSER = Composer(MAIL, templates_dir=SHIPPED)


def pairing(mentor_name: str = "Ada Lovelace", mentee_name: str = "Bob Smith") -> Pairing:
    return Pairing(
        row=2,
        pairing_id="P-000007",
        status=Status.APPROVED,
        mentee_name=mentee_name,
        mentee_email="bob@example.org",
        mentor_name=mentor_name,
        mentor_email="ada@example.org",
        route=Route.ACADEMY,
        why="Academy mentee: first come, first served.",
    )


def mentor(calendly: str = "") -> Mentor:
    return Mentor(
        row=2,
        name="Ada Lovelace",
        email="ada@example.org",
        skills=("python",),
        capacity=1,
        active=True,
        calendly=calendly,
    )


def read_eml(path: Path) -> EmailMessage:
    with path.open("rb") as handle:
        message = BytesParser(policy=policy.default).parse(handle)
    assert isinstance(message, EmailMessage)
    return message


def body_text(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def test_is_a_mail_sender(tmp_path: Path) -> None:
    sender: MailSender = OutboxSender(tmp_path / "outbox")
    assert sender.describe() == f"outbox at {tmp_path / 'outbox'}"


def test_writes_a_valid_eml_named_by_key(tmp_path: Path) -> None:
    outbox = OutboxSender(tmp_path / "nested" / "outbox")
    message = COMPOSER.intro(pairing(), mentor("https://calendly.com/ada"), None, now=NOW)
    returned = outbox.send(message, key="P-000007-intro")

    path = tmp_path / "nested" / "outbox" / "P-000007-intro.eml"
    assert path.is_file()
    written = read_eml(path)
    assert returned == written["Message-ID"] == message["Message-ID"]
    assert re.fullmatch(r"<[^<>@\s]+@example\.org>", returned)
    assert [(a.display_name, a.addr_spec) for a in written["From"].addresses] == [
        ("Mentoring, Example & Co", "mentoring@example.org")
    ]
    assert [(a.display_name, a.addr_spec) for a in written["To"].addresses] == [
        ("Ada Lovelace", "ada@example.org")
    ]
    assert [(a.display_name, a.addr_spec) for a in written["Cc"].addresses] == [
        ("Bob Smith", "bob@example.org")
    ]
    assert written["Subject"] == message["Subject"]
    assert written["Date"].datetime == NOW
    assert written["MIME-Version"] == "1.0"
    assert written.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in written.iter_parts()] == ["text/plain", "text/html"]
    assert "https://calendly.com/ada" in body_text(written)
    assert not written.defects


def test_file_uses_crlf_line_ends_and_7bit_text(tmp_path: Path) -> None:
    outbox = OutboxSender(tmp_path)
    outbox.send(COMPOSER.intro(pairing(mentee_name="Zoë"), mentor(), None, now=NOW), key="k")
    data = (tmp_path / "k.eml").read_bytes()
    assert b"\r\n" in data
    assert re.search(rb"(?<!\r)\n", data) is None  # no bare LF
    assert data.isascii()  # headers encoded, bodies quoted-printable


@pytest.mark.parametrize(
    ("mentor_name", "mentee_name"),
    [
        ("Zoë Ångström", "Łukasz Żółć"),
        ("李小龍", "Nguyễn Thị Minh Khai"),
        ('Ada "The Countess" Lovelace', "O'Brien, Seán"),
        ("Smith, John", 'Bob "Bobby" Tables'),
    ],
)
def test_unicode_quotes_and_commas_in_names(
    tmp_path: Path, mentor_name: str, mentee_name: str
) -> None:
    outbox = OutboxSender(tmp_path)
    message = COMPOSER.intro(pairing(mentor_name, mentee_name), mentor(), None, now=NOW)
    outbox.send(message, key="P-000007-intro")
    written = read_eml(tmp_path / "P-000007-intro.eml")
    assert [(a.display_name, a.addr_spec) for a in written["To"].addresses] == [
        (mentor_name, "ada@example.org")
    ]
    assert [(a.display_name, a.addr_spec) for a in written["Cc"].addresses] == [
        (mentee_name, "bob@example.org")
    ]
    assert mentee_name in body_text(written)


def test_missing_calendly_link(tmp_path: Path) -> None:
    outbox = OutboxSender(tmp_path)
    outbox.send(COMPOSER.intro(pairing(), mentor(""), None, now=NOW), key="P-000007-intro")
    text = body_text(read_eml(tmp_path / "P-000007-intro.eml"))
    assert "calendly" not in text.lower()
    assert "a few times that suit you" in text


def test_never_writes_the_same_key_twice(tmp_path: Path) -> None:
    outbox = OutboxSender(tmp_path)
    first = COMPOSER.intro(pairing(), mentor(), None, now=NOW)
    outbox.send(first, key="P-000007-intro")
    before = (tmp_path / "P-000007-intro.eml").read_bytes()

    second = COMPOSER.intro(pairing(mentee_name="Someone Else"), mentor(), None, now=NOW)
    with pytest.raises(MailError) as caught:
        outbox.send(second, key="P-000007-intro")
    assert caught.value.may_have_sent is True
    assert (tmp_path / "P-000007-intro.eml").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["P-000007-intro.eml"]


def test_leaves_no_temporary_files(tmp_path: Path) -> None:
    outbox = OutboxSender(tmp_path)
    for number in range(3):
        outbox.send(COMPOSER.intro(pairing(), mentor(), None, now=NOW), key=f"P-{number}-intro")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "P-0-intro.eml",
        "P-1-intro.eml",
        "P-2-intro.eml",
    ]


def test_a_write_that_fails_is_known_not_to_have_sent(tmp_path: Path) -> None:
    blocked = tmp_path / "outbox"
    blocked.write_text("a file where the directory should be")
    outbox = OutboxSender(blocked)
    with pytest.raises(MailError) as caught:
        outbox.send(COMPOSER.intro(pairing(), mentor(), None, now=NOW), key="P-1-intro")
    assert caught.value.may_have_sent is False
    assert blocked.read_text() == "a file where the directory should be"


def test_a_message_without_message_id_is_refused(tmp_path: Path) -> None:
    message = EmailMessage()
    message["To"] = "ada@example.org"
    message.set_content("hi")
    with pytest.raises(MailError) as caught:
        OutboxSender(tmp_path).send(message, key="k")
    assert caught.value.may_have_sent is False
    assert list(tmp_path.iterdir()) == []


def test_key_is_sanitised_inside_the_directory(tmp_path: Path) -> None:
    outbox = OutboxSender(tmp_path / "outbox")
    outbox.send(COMPOSER.intro(pairing(), mentor(), None, now=NOW), key="../../etc/passwd")
    files = list((tmp_path / "outbox").iterdir())
    assert len(files) == 1
    assert files[0].name.endswith(".eml")
    assert "/" not in files[0].name
    assert not files[0].name.startswith(".")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outbox"]


def test_safe_keys_keep_their_name() -> None:
    assert outbox_file_name("P-000123-intro") == "P-000123-intro.eml"
    assert outbox_file_name("P-000123-reminder-2") == "P-000123-reminder-2.eml"
    assert outbox_file_name("digest-2024-06-03") == "digest-2024-06-03.eml"


@settings(max_examples=200, deadline=None)
@given(keys=st.lists(st.text(max_size=300), min_size=2, max_size=2, unique=True))
def test_file_names_are_safe_and_distinct(keys: list[str]) -> None:
    first, second = (outbox_file_name(key) for key in keys)
    for name in (first, second):
        assert re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9._-]*\.eml", name)
        assert len(name) <= 255
    assert first != second


def test_a_key_shaped_like_a_hashed_name_cannot_collide() -> None:
    hashed = outbox_file_name("a/b")
    assert hashed != "a_b.eml"
    assert outbox_file_name(hashed.removesuffix(".eml")) != hashed
    assert outbox_file_name("a_b") == "a_b.eml"


def test_a_long_subject_reads_back_exactly(tmp_path: Path) -> None:
    # Python's default folding can push a long Subject onto a continuation line,
    # which readers then show with a leading space: the wire policy must not.
    message = COMPOSER.intro(
        pairing("Ada Lovelace", "Sam"),
        mentor(),
        None,
        now=NOW,
    )
    expected = str(message["Subject"])
    assert len("Subject: " + expected) > 78
    sender = OutboxSender(tmp_path)
    sender.send(message, key="long-subject")
    read_back = read_eml(sender.path_for("long-subject"))
    assert str(read_back["Subject"]) == expected

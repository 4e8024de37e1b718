"""Compose the programme's emails from the Jinja2 templates staff can edit.

Each email has a subject template, a plain-text template and an HTML template
(``intro.subject.j2``, ``intro.txt.j2``, ``intro.html.j2``, and the same for
``reminder``, ``closing`` (thanks both when a pairing ends), ``repair-note``
(tells a re-paired mentor) and ``digest``). The defaults ship inside the package
(``mentorsheet/templates``); ``mail.templates_dir`` names a folder of
overrides, and any template not in that folder comes from the defaults. An
override ``.html.j2`` that is empty sends that email as plain text only.

Templates render under ``StrictUndefined``: a misspelt variable is an error,
and :meth:`Composer.check` finds it before anything is sent. Headers are
built only with :class:`email.message.EmailMessage` and
:class:`email.headerregistry.Address`, never by formatting strings, and any
name or address holding a control character (a line break above all) is
refused, so no value can inject a header.
"""

from __future__ import annotations

import traceback
import unicodedata
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any, Final, overload

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    PackageLoader,
    StrictUndefined,
    Template,
    TemplateNotFound,
    TemplateSyntaxError,
)
from jinja2 import TemplateError as JinjaTemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from mentorsheet.adapters.channels.email.digest_view import sample_sections, section_values
from mentorsheet.adapters.channels.email.folder_loader import FolderLoader
from mentorsheet.config import MailConfig
from mentorsheet.core.digest import Section
from mentorsheet.core.model import Mentee, Mentor, Pairing
from mentorsheet.core.schema import Route, Status
from mentorsheet.errors import InvalidFieldError, TemplateError

EMAILS: Final = ("intro", "reminder", "closing", "repair-note", "digest")
REQUIRED_PARTS: Final = ("subject", "txt")
OPTIONAL_PARTS: Final = ("html",)
PACKAGE: Final = "mentorsheet"
PACKAGED_FOLDER: Final = "templates"


def template_names() -> list[str]:
    """Every template file name, required and optional, in a stable order."""
    return [
        template_name(email, part)
        for email in EMAILS
        for part in (*REQUIRED_PARTS, *OPTIONAL_PARTS)
    ] + list(OTHER_CHANNEL_TEMPLATES)


# The Slack channel's templates (adapters/channels/slack), copied and overridden alike.
OTHER_CHANNEL_TEMPLATES = ("intro.slack.j2", "reminder.slack.j2")


def overridden_templates(folder: Path | None) -> list[str]:
    """The templates ``folder`` holds its own version of (the rest are the packaged ones)."""
    if folder is None:
        return []
    return [name for name in template_names() if (folder / name).is_file()]


def copy_packaged_templates(target: Path) -> list[str]:
    """Copy the packaged templates into ``target`` to edit; never overwrite. Names copied."""
    from importlib.resources import files

    source = files(PACKAGE).joinpath(PACKAGED_FOLDER)
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for name in template_names():
        destination = target / name
        if destination.exists() or not source.joinpath(name).is_file():
            continue
        destination.write_text(source.joinpath(name).read_text(encoding="utf-8"), "utf-8")
        copied.append(name)
    return copied


def template_name(email: str, part: str) -> str:
    """The file name of one part of one email, e.g. ``intro.txt.j2``."""
    return f"{email}.{part}.j2"


@dataclass(frozen=True)
class _Rendered:
    subject: str
    text: str
    html: str | None


class Composer:
    """Builds the programme's emails (see :data:`EMAILS`); reads only its template files."""

    def __init__(self, mail: MailConfig, *, templates_dir: Path | None = None) -> None:
        self._mail = mail
        self._templates_dir = templates_dir if templates_dir is not None else mail.templates_dir
        loaders: list[BaseLoader] = [PackageLoader(PACKAGE, PACKAGED_FOLDER)]
        if self._templates_dir is not None:
            # Overrides first; a template the folder lacks comes from the package.
            loaders.insert(0, FolderLoader(self._templates_dir))
        # Sandboxed: templates are edited by staff, so they may only format values.
        self._env = ImmutableSandboxedEnvironment(
            loader=ChoiceLoader(loaders),
            undefined=StrictUndefined,
            autoescape=_is_html_template,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )

    @property
    def templates_dir(self) -> Path | None:
        """The folder of overrides, or None when every template is the packaged one."""
        return self._templates_dir

    def overridden(self) -> list[str]:
        return overridden_templates(self._templates_dir)

    def to_staff(self) -> tuple[Address, Address, str]:
        """From and To of a message to staff (the weekly report), and the programme's name."""
        staff = _address("staff email", "", self._mail.staff_email)
        return self._sender(), staff, self._mail.programme_name

    # --- checking --------------------------------------------------------------

    def check(self) -> None:
        """Render every template with full and minimal sample values.

        Raises :class:`TemplateError` naming the template, the line and the
        problem (for example the undefined name) at the first fault, and
        :class:`InvalidFieldError` when the configured sender or staff
        address cannot go in a header.
        """
        self._sender()
        _address("staff email", "", self._mail.staff_email)
        for context in _sample_contexts(self._mail):
            for email in EMAILS:
                self._render(email, context[email])

    # --- the three emails ------------------------------------------------------

    def intro(
        self,
        pairing: Pairing,
        mentor: Mentor | None,
        mentee: Mentee | None,
        *,
        now: datetime,
    ) -> EmailMessage:
        """Introduce the mentor (To) to the mentee (Cc): reply-all starts their conversation."""
        to = _address("mentor", _mentor_name(pairing, mentor), pairing.mentor_email)
        cc = _address("mentee", _mentee_name(pairing, mentee), pairing.mentee_email)
        context = _intro_context(self._mail, pairing, mentor, mentee)
        return self._message("intro", context, to=[to], cc=[cc], now=now)

    def reminder(
        self,
        pairing: Pairing,
        mentor: Mentor | None,
        *,
        number: int,
        business_days_waited: int,
        now: datetime,
    ) -> EmailMessage:
        """Remind an overdue mentor (To) to contact the mentee; staff in Cc."""
        to = _address("mentor", _mentor_name(pairing, mentor), pairing.mentor_email)
        staff = _address("staff email", "", self._mail.staff_email)
        # The mentee's address goes in the body, so it must be a clean address too.
        _address("mentee", _mentee_name(pairing, None), pairing.mentee_email)
        context = _reminder_context(
            self._mail, pairing, mentor, number=number, business_days_waited=business_days_waited
        )
        return self._message("reminder", context, to=[to], cc=[staff], now=now)

    def closing(
        self, pairing: Pairing, mentor: Mentor | None, mentee: Mentee | None, *, now: datetime
    ) -> EmailMessage:
        """Thank the mentor and the mentee (both To) when their pairing has ended."""
        to = _address("mentor", _mentor_name(pairing, mentor), pairing.mentor_email)
        also = _address("mentee", _mentee_name(pairing, mentee), pairing.mentee_email)
        context = _ending_context(self._mail, pairing, mentor, mentee)
        return self._message("closing", context, to=[to, also], cc=[], now=now)

    def repair_note(
        self, pairing: Pairing, mentor: Mentor | None, mentee: Mentee | None, *, now: datetime
    ) -> EmailMessage:
        """Tell the old mentor (To), kindly, that their mentee is paired with someone else."""
        to = _address("mentor", _mentor_name(pairing, mentor), pairing.mentor_email)
        context = _ending_context(self._mail, pairing, mentor, mentee)
        return self._message("repair-note", context, to=[to], cc=[], now=now)

    def digest(
        self,
        *,
        day: date,
        text: str,
        markdown: str,
        now: datetime,
        sections: Sequence[Section] = (),
    ) -> EmailMessage:
        """The staff digest of ``day``: ``text`` as the plain body, ``sections`` as HTML tables."""
        staff = _address("staff email", "", self._mail.staff_email)
        context = _digest_context(self._mail, day=day, text=text, markdown=markdown)
        context["sections"] = section_values(sections)
        return self._message("digest", context, to=[staff], cc=[], now=now)

    # --- building --------------------------------------------------------------

    def _sender(self) -> Address:
        return _address("sender", self._mail.sender_name, self._mail.sender)

    def _message(
        self,
        email: str,
        context: Mapping[str, Any],
        *,
        to: Sequence[Address],
        cc: Sequence[Address],
        now: datetime,
    ) -> EmailMessage:
        if now.tzinfo is None or now.utcoffset() is None:
            raise InvalidFieldError("the time of an email (Date header) must be timezone-aware")
        sender = self._sender()
        rendered = self._render(email, context)
        message = EmailMessage()
        message["From"] = sender
        message["To"] = list(to)
        if cc:
            message["Cc"] = list(cc)
        message["Subject"] = rendered.subject
        message["Date"] = now
        message["Message-ID"] = make_msgid(domain=sender.domain)
        # Quoted-printable keeps every line 7-bit and readable in the raw file.
        message.set_content(rendered.text, cte="quoted-printable")
        if rendered.html is not None:
            message.add_alternative(rendered.html, subtype="html", cte="quoted-printable")
        return message

    def _render(self, email: str, context: Mapping[str, Any]) -> _Rendered:
        subject_template = self._template(email, "subject")
        text_template = self._template(email, "txt")
        html_template = self._template(email, "html", optional=True)
        subject = " ".join(_render(subject_template, context).split())
        if not subject:
            raise TemplateError(f"template {template_name(email, 'subject')}: renders empty")
        _refuse_control_characters("subject", subject)
        return _Rendered(
            subject=subject,
            text=_render(text_template, context),
            html=_render(html_template, context) if html_template is not None else None,
        )

    @overload
    def _template(self, email: str, part: str) -> Template: ...
    @overload
    def _template(self, email: str, part: str, *, optional: bool) -> Template | None: ...

    def _template(self, email: str, part: str, *, optional: bool = False) -> Template | None:
        name = template_name(email, part)
        try:
            template = self._env.get_template(name)
        except TemplateNotFound:
            if optional:
                return None
            raise TemplateError(
                f"template {name} is missing from the installed package: reinstall mentorsheet"
            ) from None
        except TemplateSyntaxError as exc:
            raise TemplateError(f"template {name}, line {exc.lineno}: {exc.message}") from None
        if optional and self._is_blank(name):
            return None  # an empty override: this email goes as plain text only
        return template

    def render_named(self, name: str, context: Mapping[str, Any]) -> str:
        """Render one template by file name (the override, or the packaged one), e.g. a
        Slack channel's ``intro.slack.j2``."""
        try:
            template = self._env.get_template(name)
        except TemplateNotFound:
            raise TemplateError(
                f"template {name} is missing from the installed package: reinstall mentorsheet"
            ) from None
        except TemplateSyntaxError as exc:
            raise TemplateError(f"template {name}, line {exc.lineno}: {exc.message}") from None
        return _render(template, context)

    def _is_blank(self, name: str) -> bool:
        loader = self._env.loader
        if loader is None:  # pragma: no cover - always set in __init__
            return False
        source, _filename, _uptodate = loader.get_source(self._env, name)
        return not source.strip()


def _render(template: Template, context: Mapping[str, Any]) -> str:
    try:
        return template.render(context)
    except TemplateError:
        raise  # already one sentence (e.g. an include refused by the loader)
    except JinjaTemplateError as exc:
        line = _template_line(exc, template.filename)
        where = f", line {line}" if line is not None else ""
        raise TemplateError(f"template {template.name}{where}: {exc}") from None
    except Exception as exc:
        # Staff-edited templates may fail in any way (range(10**9) is an OverflowError):
        # one sentence, never a traceback, and it is found by check() before any send.
        line = _template_line(exc, template.filename)
        where = f", line {line}" if line is not None else ""
        raise TemplateError(
            f"template {template.name}{where} failed ({type(exc).__name__}): {exc}"
        ) from None


# --- addresses and header safety -----------------------------------------------


def _is_html_template(name: str | None) -> bool:
    return name is not None and name.endswith((".html.j2", ".html"))


def _refuse_control_characters(field: str, value: str) -> None:
    for char in value:
        # Cc: C0/C1 controls incl. CR, LF, TAB, DEL; Zl/Zp: Unicode line breaks.
        if unicodedata.category(char) in {"Cc", "Zl", "Zp"}:
            raise InvalidFieldError(
                f"{field} {value!r} contains a control character ({char!r}); "
                "it cannot be used in an email"
            )


def _address(field: str, name: str, email: str) -> Address:
    """Build a header address, refusing anything that could inject a header."""
    _refuse_control_characters(f"{field} name", name)
    _refuse_control_characters(f"{field} email", email)
    local, at, domain = email.strip().rpartition("@")
    if not at or not local or not domain:
        raise InvalidFieldError(f"{field} email {email!r} is not an email address")
    if not local.isascii():
        raise InvalidFieldError(
            f"{field} email {email!r} has non-ASCII characters before the @ (not supported)"
        )
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
        return Address(display_name=name.strip(), addr_spec=f"{local}@{ascii_domain}")
    except (ValueError, IndexError, HeaderParseError, UnicodeError) as exc:
        raise InvalidFieldError(f"{field} email {email!r} is not a usable address: {exc}") from None


def _mentor_name(pairing: Pairing, mentor: Mentor | None) -> str:
    return pairing.mentor_name or (mentor.name if mentor is not None else "")


def _mentee_name(pairing: Pairing, mentee: Mentee | None) -> str:
    return pairing.mentee_name or (mentee.name if mentee is not None else "")


def _first_name(name: str, fallback: str) -> str:
    """The first word of a name, skipping titles written with a dot ("Dr.", "Ms.").

    "Lovelace, Ada" (surname first, as some forms collect it) gives "Ada".
    """
    _family, comma, given = name.partition(",")
    if comma and given.strip():
        name = given
    words = [word.strip(",;") for word in name.split()]
    words = [word for word in words if word]
    named = [word for word in words if not word.endswith(".")]
    return (named or words or [fallback])[0]


def calendly_link(value: str) -> str:
    """The booking link if it is an absolute https URL, else ``""`` (left out of emails).

    The same rule as the Mentors tab's check: a plain ``http://`` link is refused
    there, and never reaches an email.
    """
    link = value.strip()
    if not link or any(char.isspace() or unicodedata.category(char) == "Cc" for char in link):
        return ""
    try:
        parts = urllib.parse.urlsplit(link)
    except ValueError:
        return ""
    if parts.scheme.lower() != "https" or not parts.hostname:
        return ""
    return link


# --- template variables ----------------------------------------------------------
# Every variable is always present (empty when unknown), so StrictUndefined only
# fires on a misspelt name. The shipped templates document these in their header.


def _common_context(mail: MailConfig) -> dict[str, Any]:
    return {
        "programme_name": mail.programme_name,
        "sender_name": mail.sender_name,
        "sender_email": mail.sender,
        "staff_email": mail.staff_email,
        "resources_url": calendly_link(mail.resources_url),
    }


def _people_context(
    pairing: Pairing, mentor: Mentor | None, mentee: Mentee | None
) -> dict[str, Any]:
    """Who a pairing's emails are about: names (as on the tabs when known) and emails."""
    mentor_name = _mentor_name(pairing, mentor)
    mentee_name = _mentee_name(pairing, mentee)
    return {
        "pairing_id": pairing.pairing_id,
        "mentor_name": mentor_name,
        "mentor_first_name": _first_name(mentor_name, "there"),
        "mentor_email": pairing.mentor_email,
        "mentee_name": mentee_name,
        "mentee_first_name": _first_name(mentee_name, "your mentee"),
        "mentee_email": pairing.mentee_email,
    }


def _intro_context(
    mail: MailConfig, pairing: Pairing, mentor: Mentor | None, mentee: Mentee | None
) -> dict[str, Any]:
    return {
        **_common_context(mail),
        **_people_context(pairing, mentor, mentee),
        "route": pairing.route.value if pairing.route is not None else "",
        "why": pairing.why.strip(),
        "mentee_skills": ", ".join(mentee.skills_wanted) if mentee is not None else "",
        "calendly_url": calendly_link(mentor.calendly) if mentor is not None else "",
    }


def _reminder_context(
    mail: MailConfig,
    pairing: Pairing,
    mentor: Mentor | None,
    *,
    number: int,
    business_days_waited: int,
) -> dict[str, Any]:
    sent = pairing.intro_sent_on
    return {
        **_common_context(mail),
        **_people_context(pairing, mentor, None),
        "number": number,
        "business_days_waited": business_days_waited,
        "intro_sent_on": _long_date(sent.date()) if sent is not None else "",
        "calendly_url": calendly_link(mentor.calendly) if mentor is not None else "",
    }


def _ending_context(
    mail: MailConfig, pairing: Pairing, mentor: Mentor | None, mentee: Mentee | None
) -> dict[str, Any]:
    """The closing email's and the re-pair note's variables (the same for both)."""
    sent = pairing.intro_sent_on
    return {
        **_common_context(mail),
        **_people_context(pairing, mentor, mentee),
        "intro_sent_on": _long_date(sent.date()) if sent is not None else "",
        "feedback_form_url": calendly_link(mail.feedback_form_url),
    }


def _digest_context(mail: MailConfig, *, day: date, text: str, markdown: str) -> dict[str, Any]:
    return {
        **_common_context(mail),
        "day": day.isoformat(),
        "day_long": _long_date(day),
        "text": text,
        "markdown": markdown,
        "sections": [],
    }


def _long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def _sample_contexts(mail: MailConfig) -> list[dict[str, dict[str, Any]]]:
    """Values to check templates with: one set with every optional value, one with none."""
    samples = []
    for full in (True, False):
        pairing = Pairing(
            row=2,
            pairing_id="P-000001",
            status=Status.APPROVED,
            mentee_name="Sample Mentee" if full else "",
            mentee_email="mentee@example.org",
            mentor_name="Sample Mentor" if full else "",
            mentor_email="mentor@example.org",
            route=Route.COMMUNITY if full else None,
            why="Both work with Python." if full else "",
            intro_sent_on=datetime(2024, 1, 8, 9, 0, tzinfo=UTC) if full else None,
        )
        mentor = Mentor(
            row=2,
            name="Sample Mentor",
            email="mentor@example.org",
            skills=("python",),
            capacity=2,
            active=True,
            calendly="https://calendly.com/sample" if full else "",
        )
        mentee = Mentee(
            row=2,
            name="Sample Mentee",
            email="mentee@example.org",
            route=Route.COMMUNITY,
            skills_wanted=("python",) if full else (),
        )
        resources_url = (mail.resources_url or "https://example.org/guide") if full else ""
        feedback = (mail.feedback_form_url or "https://example.org/feedback") if full else ""
        sample_mail = mail.model_copy(
            update={"resources_url": resources_url, "feedback_form_url": feedback}
        )
        text = "Nothing needs you today." if full else ""
        samples.append(
            {
                "intro": _intro_context(sample_mail, pairing, mentor if full else None, mentee),
                "reminder": _reminder_context(
                    sample_mail, pairing, mentor, number=1, business_days_waited=2
                ),
                "closing": _ending_context(sample_mail, pairing, mentor if full else None, mentee),
                "repair-note": _ending_context(
                    sample_mail, pairing, mentor if full else None, mentee
                ),
                "digest": {
                    **_digest_context(sample_mail, day=date(2024, 1, 8), text=text, markdown=text),
                    "sections": sample_sections() if full else [],
                },
            }
        )
    return samples


def _template_line(exc: BaseException, filename: str | None) -> int | None:
    """The template line an error was raised at (Jinja rewrites tracebacks to point there)."""
    line = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if filename is not None and frame.f_code.co_filename == filename:
            line = lineno
    return line


# --- for other channels' templates (Slack) ------------------------------------------


def intro_values(
    mail: MailConfig, pairing: Pairing, mentor: Mentor | None, mentee: Mentee | None
) -> dict[str, Any]:
    """The variables of the intro templates, for a channel that renders its own."""
    return _intro_context(mail, pairing, mentor, mentee)


def reminder_values(
    mail: MailConfig,
    pairing: Pairing,
    mentor: Mentor | None,
    *,
    number: int,
    business_days_waited: int,
) -> dict[str, Any]:
    """The variables of the reminder templates, for a channel that renders its own."""
    return _reminder_context(
        mail, pairing, mentor, number=number, business_days_waited=business_days_waited
    )


def sample_values(mail: MailConfig) -> list[dict[str, dict[str, Any]]]:
    """Full and minimal sample variables per email, as ``Composer.check`` renders them."""
    return _sample_contexts(mail)

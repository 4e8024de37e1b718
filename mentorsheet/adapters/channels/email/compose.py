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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
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

from mentorsheet.adapters.channels.email.context import (
    calendly_link,
    checkin_context,
    digest_context,
    ending_context,
    intro_context,
    intro_values,
    mentee_name,
    mentor_name,
    reminder_context,
    reminder_values,
    sample_contexts,
    sample_values,
)
from mentorsheet.adapters.channels.email.digest_view import section_values
from mentorsheet.adapters.channels.email.folder_loader import FolderLoader
from mentorsheet.config import FormsConfig, MailConfig
from mentorsheet.core.digest import Section
from mentorsheet.core.model import Mentee, Mentor, Pairing
from mentorsheet.errors import InvalidFieldError, TemplateError

EMAILS: Final = ("intro", "reminder", "closing", "repair-note", "checkin", "digest")
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

    def __init__(
        self,
        mail: MailConfig,
        *,
        templates_dir: Path | None = None,
        forms: FormsConfig | None = None,
    ) -> None:
        self._mail = mail
        self.forms = forms or FormsConfig()
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
        for context in sample_contexts(self._mail, self.forms):
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
        to = _address("mentor", mentor_name(pairing, mentor), pairing.mentor_email)
        cc = _address("mentee", mentee_name(pairing, mentee), pairing.mentee_email)
        context = intro_context(self._mail, pairing, mentor, mentee, self.forms)
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
        to = _address("mentor", mentor_name(pairing, mentor), pairing.mentor_email)
        staff = _address("staff email", "", self._mail.staff_email)
        # The mentee's address goes in the body, so it must be a clean address too.
        _address("mentee", mentee_name(pairing, None), pairing.mentee_email)
        context = reminder_context(
            self._mail,
            pairing,
            mentor,
            number=number,
            business_days_waited=business_days_waited,
            forms=self.forms,
        )
        return self._message("reminder", context, to=[to], cc=[staff], now=now)

    def closing(
        self, pairing: Pairing, mentor: Mentor | None, mentee: Mentee | None, *, now: datetime
    ) -> EmailMessage:
        """Thank the mentor and the mentee (both To) when their pairing has ended."""
        to = _address("mentor", mentor_name(pairing, mentor), pairing.mentor_email)
        also = _address("mentee", mentee_name(pairing, mentee), pairing.mentee_email)
        context = ending_context(self._mail, pairing, mentor, mentee)
        return self._message("closing", context, to=[to, also], cc=[], now=now)

    def checkin(
        self,
        pairing: Pairing,
        mentor: Mentor | None,
        mentee: Mentee | None,
        *,
        number: int,
        business_days: int,
        now: datetime,
    ) -> EmailMessage:
        """Ask the mentor and the mentee (both To) how it is going, with the form's link."""
        to = _address("mentor", mentor_name(pairing, mentor), pairing.mentor_email)
        also = _address("mentee", mentee_name(pairing, mentee), pairing.mentee_email)
        context = checkin_context(
            self._mail, pairing, mentor, mentee, self.forms, number=number, days=business_days
        )
        return self._message("checkin", context, to=[to, also], cc=[], now=now)

    def repair_note(
        self, pairing: Pairing, mentor: Mentor | None, mentee: Mentee | None, *, now: datetime
    ) -> EmailMessage:
        """Tell the old mentor (To), kindly, that their mentee is paired with someone else."""
        to = _address("mentor", mentor_name(pairing, mentor), pairing.mentor_email)
        context = ending_context(self._mail, pairing, mentor, mentee)
        return self._message("repair-note", context, to=[to], cc=[], now=now)

    def digest(
        self,
        *,
        day: date,
        text: str,
        markdown: str,
        now: datetime,
        sections: Sequence[Section] = (),
        news: Sequence[str] = (),
    ) -> EmailMessage:
        """The staff digest of ``day``: ``text`` as the plain body, ``sections`` as HTML tables.

        ``news`` are lines that ask nothing of staff (confirmations received), shown
        under the counts.
        """
        staff = _address("staff email", "", self._mail.staff_email)
        context = digest_context(self._mail, day=day, text=text, markdown=markdown)
        context["sections"] = section_values(sections)
        context["news"] = [line for line in news if line]
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


def _template_line(exc: BaseException, filename: str | None) -> int | None:
    """The template line an error was raised at (Jinja rewrites tracebacks to point there)."""
    line = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if filename is not None and frame.f_code.co_filename == filename:
            line = lineno
    return line


__all__ = [
    "Composer",
    "calendly_link",
    "copy_packaged_templates",
    "intro_values",
    "reminder_values",
    "sample_values",
    "template_names",
]

"""The variables of the email templates, and sample values to check the templates with.

Every variable is always present (empty when unknown), so ``StrictUndefined``
only fires on a misspelt name; the shipped templates document them in their
header. Other channels (Slack) render their own templates from the same values.
"""

from __future__ import annotations

import dataclasses
import unicodedata
import urllib.parse
from datetime import UTC, date, datetime
from typing import Any, Final

from mentorsheet.adapters.channels.email.digest_view import sample_sections
from mentorsheet.config import FormsConfig, MailConfig
from mentorsheet.core.model import Mentee, Mentor, Pairing
from mentorsheet.core.schema import Route, Status


def mentor_name(pairing: Pairing, mentor: Mentor | None) -> str:
    return pairing.mentor_name or (mentor.name if mentor is not None else "")


def mentee_name(pairing: Pairing, mentee: Mentee | None) -> str:
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
    mentor_text = mentor_name(pairing, mentor)
    mentee_text = mentee_name(pairing, mentee)
    return {
        "pairing_id": pairing.pairing_id,
        "mentor_name": mentor_text,
        "mentor_first_name": _first_name(mentor_text, "there"),
        "mentor_email": pairing.mentor_email,
        "mentee_name": mentee_text,
        "mentee_first_name": _first_name(mentee_text, "your mentee"),
        "mentee_email": pairing.mentee_email,
    }


def _form_context(forms: FormsConfig | None, pairing: Pairing) -> dict[str, Any]:
    """The contact form's link pre-filled with this pairing's ID, or empty without a form."""
    return {"form_url": forms.link_for(pairing.pairing_id) if forms is not None else ""}


def intro_context(
    mail: MailConfig,
    pairing: Pairing,
    mentor: Mentor | None,
    mentee: Mentee | None,
    forms: FormsConfig | None = None,
) -> dict[str, Any]:
    return {
        **_common_context(mail),
        **_people_context(pairing, mentor, mentee),
        **_form_context(forms, pairing),
        "route": pairing.route.value if pairing.route is not None else "",
        "why": pairing.why.strip(),
        "mentee_skills": ", ".join(mentee.skills_wanted) if mentee is not None else "",
        "calendly_url": calendly_link(mentor.calendly) if mentor is not None else "",
    }


def reminder_context(
    mail: MailConfig,
    pairing: Pairing,
    mentor: Mentor | None,
    *,
    number: int,
    business_days_waited: int,
    forms: FormsConfig | None = None,
) -> dict[str, Any]:
    sent = pairing.intro_sent_on
    return {
        **_common_context(mail),
        **_people_context(pairing, mentor, None),
        **_form_context(forms, pairing),
        "number": number,
        "business_days_waited": business_days_waited,
        "intro_sent_on": _long_date(sent.date()) if sent is not None else "",
        "calendly_url": calendly_link(mentor.calendly) if mentor is not None else "",
    }


def ending_context(
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


def checkin_context(
    mail: MailConfig,
    pairing: Pairing,
    mentor: Mentor | None,
    mentee: Mentee | None,
    forms: FormsConfig | None,
    *,
    number: int,
    days: int,
) -> dict[str, Any]:
    made = pairing.contact_made_on
    return {
        **_common_context(mail),
        **_people_context(pairing, mentor, mentee),
        **_form_context(forms, pairing),
        "number": number,
        "business_days": days,
        "contact_made_on": _long_date(made) if made is not None else "",
    }


def digest_context(mail: MailConfig, *, day: date, text: str, markdown: str) -> dict[str, Any]:
    return {
        **_common_context(mail),
        "day": day.isoformat(),
        "day_long": _long_date(day),
        "text": text,
        "markdown": markdown,
        "sections": [],
        "news": [],
    }


def _long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def sample_contexts(
    mail: MailConfig, forms: FormsConfig | None = None
) -> list[dict[str, dict[str, Any]]]:
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
        sample_forms = (
            (forms if forms is not None and forms.enabled else _SAMPLE_FORMS) if full else None
        )
        samples.append(
            {
                "intro": intro_context(
                    sample_mail, pairing, mentor if full else None, mentee, sample_forms
                ),
                "reminder": reminder_context(
                    sample_mail,
                    pairing,
                    mentor,
                    number=1,
                    business_days_waited=2,
                    forms=sample_forms,
                ),
                "checkin": checkin_context(
                    sample_mail,
                    dataclasses.replace(
                        pairing, contact_made_on=date(2024, 1, 9) if full else None
                    ),
                    mentor if full else None,
                    mentee,
                    sample_forms,
                    number=1,
                    days=20,
                ),
                "closing": ending_context(sample_mail, pairing, mentor if full else None, mentee),
                "repair-note": ending_context(
                    sample_mail, pairing, mentor if full else None, mentee
                ),
                "digest": {
                    **digest_context(sample_mail, day=date(2024, 1, 8), text=text, markdown=text),
                    "sections": sample_sections() if full else [],
                    "news": ["Contact confirmed on the form since the last digest: 2."]
                    if full
                    else [],
                },
            }
        )
    return samples


_SAMPLE_FORMS: Final = FormsConfig(
    confirm_url="https://docs.google.com/forms/d/e/sample/viewform?entry.1={pairing_id}"
)

# --- for other channels' templates (Slack) ------------------------------------------


def intro_values(
    mail: MailConfig,
    pairing: Pairing,
    mentor: Mentor | None,
    mentee: Mentee | None,
    forms: FormsConfig | None = None,
) -> dict[str, Any]:
    """The variables of the intro templates, for a channel that renders its own."""
    return intro_context(mail, pairing, mentor, mentee, forms)


def reminder_values(
    mail: MailConfig,
    pairing: Pairing,
    mentor: Mentor | None,
    *,
    number: int,
    business_days_waited: int,
    forms: FormsConfig | None = None,
) -> dict[str, Any]:
    """The variables of the reminder templates, for a channel that renders its own."""
    return reminder_context(
        mail,
        pairing,
        mentor,
        number=number,
        business_days_waited=business_days_waited,
        forms=forms,
    )


def sample_values(
    mail: MailConfig, forms: FormsConfig | None = None
) -> list[dict[str, dict[str, Any]]]:
    """Full and minimal sample variables per email, as ``Composer.check`` renders them."""
    return sample_contexts(mail, forms)

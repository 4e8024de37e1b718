"""The weekly report email to staff: the report page with its charts as inline PNG images.

Mail clients do not show inline SVG and drop ``<style>`` blocks, so the HTML
part is the report page (:mod:`mentorsheet.adapters.report_page`, inline
styles) with each chart an ``<img src="cid:...">`` whose image is a part of
the same ``multipart/related`` body. The plain-text part carries the same
numbers for screen readers and text-only mail::

    multipart/alternative
    ├── text/plain                 the report in words and numbers
    └── multipart/related
        ├── text/html              the page, charts as cid: images
        └── image/png × 5          one per chart, Content-ID as referenced
"""

from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from mentorsheet.adapters.channels.email.compose import Composer
from mentorsheet.adapters.report_charts import draw_charts
from mentorsheet.adapters.report_page import render_page
from mentorsheet.core.report import ProgrammeReport, report_text
from mentorsheet.errors import InvalidFieldError


def weekly_report_email(
    composer: Composer, report: ProgrammeReport, *, now: datetime
) -> EmailMessage:
    """The weekly report of ``report.day`` to staff, as one email."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise InvalidFieldError("the time of an email (Date header) must be timezone-aware")
    sender, staff, programme = composer.to_staff()
    monday = report.day - timedelta(days=report.day.weekday())
    charts = draw_charts(report, "png")
    ids = {
        chart.name: make_msgid(idstring=f"chart-{chart.name}", domain=sender.domain)
        for chart in charts
    }
    html = render_page(
        report, charts, images={name: f"cid:{cid[1:-1]}" for name, cid in ids.items()}
    )
    message = EmailMessage()
    message["From"] = sender
    message["To"] = staff
    message["Subject"] = f"Weekly report of {programme}, week of {monday:%-d %B %Y}"
    message["Date"] = now
    message["Message-ID"] = make_msgid(domain=sender.domain)
    message.set_content(report_text(report), cte="quoted-printable")
    message.add_alternative(html, subtype="html", cte="quoted-printable")
    html_part = message.get_body(preferencelist=("html",))
    if not isinstance(html_part, EmailMessage):  # just added: never
        raise TypeError("the weekly report has no HTML part")
    for chart in charts:
        html_part.add_related(
            chart.data,
            maintype="image",
            subtype="png",
            cid=ids[chart.name],
            filename=f"{chart.name}.png",
            disposition="inline",
        )
    return message

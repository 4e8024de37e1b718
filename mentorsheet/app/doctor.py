"""``mentorsheet doctor``: check each thing a run needs, and say how to fix it in one sentence."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime

from mentorsheet.app.wiring import (
    Check,
    build_composer,
    build_store,
    check_mail,
    check_slack,
    describe_workbook_access,
)
from mentorsheet.config import PAIRING_ID_PLACEHOLDER, Config
from mentorsheet.core.parsing import parse_workbook
from mentorsheet.core.parsing.responses import response_columns
from mentorsheet.core.raw import RawWorkbook
from mentorsheet.core.schema import (
    CHECKIN_COLUMNS,
    PAIRINGS,
    PC,
    RESPONSES,
    ResponseColumn,
)
from mentorsheet.core.slack_ledger import missing_slack_columns
from mentorsheet.errors import MentorsheetError

__all__ = ["Check", "run_doctor"]


def run_doctor(config: Config, *, now: datetime | None = None) -> list[Check]:
    checks: list[Check] = [Check("config", True, "loaded")]
    checks.extend(_workbook_checks(config, now or datetime.now(UTC)))
    checks.append(check_mail(config))
    checks.append(_templates_check(config))
    slack = check_slack(config)
    if slack is not None:
        checks.append(slack)
    return checks


def _workbook_checks(config: Config, now: datetime) -> list[Check]:
    checks = describe_workbook_access(config)
    if not all(check.ok for check in checks):
        return checks
    try:
        store = build_store(config)
        with store.session("doctor", dry_run=True) as session:
            raw = session.read()
        checks.append(Check("access", True, f"read {store.describe()}"))
        programme = parse_workbook(raw, config, today=now.date())
    except MentorsheetError as exc:
        checks.append(Check("workbook", False, str(exc)))
        return checks
    checks.append(
        Check(
            "headers",
            True,
            f"{len(programme.mentors)} mentor(s), {len(programme.mentees)} mentee(s), "
            f"{len(programme.pairings)} pairing(s); {len(programme.problems)} row problem(s) "
            "(a run lists them on the Problems tab)",
        )
    )
    ledger = _ledger_check(config, programme.pairing_columns, missing_slack_columns(raw, config))
    if ledger is not None:
        checks.append(ledger)
    checks.extend(_form_checks(config, raw, programme.pairing_columns))
    return checks


def _ledger_check(
    config: Config, columns: Collection[str], slack_missing: Sequence[str]
) -> Check | None:
    """A warning for each optional ledger column a feature needs and the Pairings tab lacks."""
    missing: list[str] = []
    if PC.CLOSING_EMAIL not in columns:
        what = "closing emails and re-pair notes" if config.mail.closing_email else "re-pair notes"
        missing.append(f"{PC.CLOSING_EMAIL} (the ledger of {what}: none is sent without it)")
    if PC.REPLACES not in columns:
        missing.append(f"{PC.REPLACES} (which pairing a re-pair's new proposal replaces)")
    if config.slack.enabled and slack_missing:
        missing.append(f"{', '.join(slack_missing)} (Slack's ledger: runs stop without them)")
    if not missing:
        return None
    title = config.workbook.tab_title(PAIRINGS)
    return Check(
        "ledger columns",
        True,
        f"the {title} tab has no {'; no '.join(missing)}. Run `mentorsheet init` to add them.",
        warning=True,
    )


def _form_checks(config: Config, raw: RawWorkbook, columns: Collection[str]) -> list[Check]:
    """The contact form: its link, its responses tab and headers, the check-ins' columns.

    Never a failure: without them the rest of a run works, so each is a warning.
    """
    title = config.workbook.tab_title(RESPONSES)
    tab = raw.tabs.get(RESPONSES)
    if not config.forms.enabled:
        if tab is None:
            return []  # the feature is off: nothing to say
        return [
            Check(
                "form",
                True,
                f"the workbook has a {title!r} tab but [forms] confirm_url is empty: mentors "
                "get no link to confirm contact",
                warning=True,
            )
        ]
    checks = [
        Check(
            "form link",
            True,
            f"[forms] confirm_url is an https link with {PAIRING_ID_PLACEHOLDER} "
            f"(e.g. {config.forms.link_for('P-20261201-ABC123')})",
        )
    ]
    if tab is None:
        checks.append(
            Check(
                "form responses",
                True,
                f"no {title!r} tab: in the form, Responses → Link to Sheets → this spreadsheet "
                "(or set [workbook.tabs] Responses to its tab's name); until then no answer is "
                "read",
                warning=True,
            )
        )
    else:
        checks.append(_responses_headers(config, title, tab.header))
    missing = [c for c in CHECKIN_COLUMNS if c not in columns]  # as resolved, aliases too
    if config.forms.checkins and missing:
        checks.append(
            Check(
                "check-ins",
                True,
                f"the Pairings tab has no {', '.join(missing)} column: no check-in is sent "
                "until `mentorsheet init` adds them",
                warning=True,
            )
        )
    return checks


def _responses_headers(config: Config, title: str, header: tuple[str, ...]) -> Check:
    found = response_columns(header, config.workbook.headers.get(RESPONSES))
    if isinstance(found, str):
        return Check("form responses", True, f"{title!r}: {found}; no answer is read", warning=True)
    absent = [c for c in ResponseColumn if c not in found]
    note = f"; not found (optional): {', '.join(absent)}" if absent else ""
    return Check(
        "form responses",
        True,
        f"{title!r} tab found with {', '.join(c for c in ResponseColumn if c in found)}{note}",
        warning=ResponseColumn.CONTACT not in found,
    )


def _templates_check(config: Config) -> Check:
    try:
        composer = build_composer(config)
        composer.check()
    except MentorsheetError as exc:
        return Check("templates", False, str(exc))
    overridden = composer.overridden()
    if config.mail.templates_dir is None:
        where = "the packaged defaults (set mail.templates_dir to a folder of your own versions)"
    elif not config.mail.templates_dir.is_dir():
        return Check(
            "templates",
            True,
            f"mail.templates_dir {config.mail.templates_dir} is not a folder, so every template "
            "is the packaged default: create it with `mentorsheet init --templates DIR`.",
            warning=True,
        )
    elif overridden:
        where = f"overridden in {config.mail.templates_dir}: {', '.join(overridden)}; the rest "
        where += "are the packaged defaults"
    else:
        where = f"{config.mail.templates_dir} overrides none, so all are the packaged defaults"
    return Check("templates", True, f"every template renders — {where}")

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
from mentorsheet.config import Config
from mentorsheet.core.parsing import parse_workbook
from mentorsheet.core.schema import PAIRINGS, PC
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

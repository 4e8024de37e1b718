"""The ``mentorsheet`` command: parse options, call one library function, report.

Exit status: 0 when the command did its job (rows with problems are
reported, not fatal), 1 when the run itself failed, 2 for usage and
configuration errors.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NoReturn

import click

from mentorsheet import __version__
from mentorsheet.app.commands import COMMANDS, Command
from mentorsheet.errors import ConfigError, MentorsheetError, UsageError

if TYPE_CHECKING:
    from mentorsheet.config import Config

# Heavy modules (pandas, SciPy, OR-Tools, the Google clients, pydantic, rich) are
# imported inside the commands that use them, so --help and --version start fast.

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _spreadsheet_overrides(value: str | None) -> dict[str, Any]:
    """``--spreadsheet`` takes a Google Sheet URL or key, or a path to an .xlsx file."""
    if not value:
        return {}
    lowered = value.lower()
    if lowered.endswith((".xlsx", ".xlsm")):
        return {"backend": "xlsx", "path": value}
    if lowered.endswith((".xls", ".ods", ".csv", ".numbers")):
        raise ConfigError(
            "--spreadsheet", f"{value} is not an .xlsx workbook; save it as .xlsx first"
        )
    if "docs.google" in lowered or ("/" not in value and "." not in value):
        return {"backend": "google", "spreadsheet": value}
    return {"backend": "xlsx", "path": value}


class Context:
    def __init__(self, config_path: str | None, spreadsheet: str | None, verbosity: int) -> None:
        self.config_path = config_path
        self.spreadsheet = spreadsheet
        self.verbosity = verbosity
        from rich.console import Console

        # Off a terminal, long lines are not wrapped: logs and pipes get whole lines.
        self.console = Console(highlight=False, markup=False, soft_wrap=True)
        self.errors = Console(stderr=True, highlight=False, markup=False, soft_wrap=True)

    def config(self) -> Config:
        from mentorsheet.config import load_config

        return load_config(
            self.config_path, overrides={"workbook": _spreadsheet_overrides(self.spreadsheet)}
        )

    def fail(self, exc: MentorsheetError) -> NoReturn:
        code = EXIT_USAGE if isinstance(exc, UsageError) else EXIT_FAILED
        self.errors.print(f"error: {exc}", highlight=False, soft_wrap=True)
        sys.exit(code)


def _common(function: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "--config",
            "config_path",
            type=click.Path(dir_okay=False),
            envvar="MENTORSHEET_CONFIG",
            help="Config file (TOML). Default: config/mentorsheet.toml if present.",
        ),
        click.option(
            "--spreadsheet",
            help="Google Sheet URL or key, or a path to an .xlsx workbook.",
        ),
        click.option("-v", "--verbose", count=True, help="More output (repeat for debug logs)."),
        click.option("-q", "--quiet", count=True, help="Less output: errors only."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _context(config_path: str | None, spreadsheet: str | None, verbose: int, quiet: int) -> Context:
    verbosity = verbose - quiet
    level = logging.DEBUG if verbosity >= 2 else logging.INFO if verbosity == 1 else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    return Context(config_path, spreadsheet, verbosity)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mentorsheet")
def main() -> None:
    """Run a volunteer mentoring programme on top of a shared spreadsheet."""


@main.command()
@click.option("--dry-run", is_flag=True, help="Say what would be created; change nothing.")
@click.option(
    "--templates",
    "templates",
    type=click.Path(file_okay=False),
    help="Also copy the packaged email templates into this folder, to edit.",
)
@_common
def init(
    dry_run: bool,
    templates: str | None,
    config_path: str | None,
    spreadsheet: str | None,
    verbose: int,
    quiet: int,
) -> None:
    """Create the workbook's missing tabs with their headers, and a config file in an
    empty folder (safe to run twice: nothing is overwritten)."""
    import os
    from pathlib import Path

    from mentorsheet.app.setup import initialise, wants_new_config
    from mentorsheet.app.wiring import build_store

    ctx = _context(config_path, spreadsheet, verbose, quiet)
    try:
        result = initialise(
            build_store(ctx.config()),
            write_config=wants_new_config(config_path, os.environ.get("MENTORSHEET_CONFIG")),
            templates=Path(templates) if templates else None,
            dry_run=dry_run,
        )
    except MentorsheetError as exc:
        ctx.fail(exc)
    if ctx.verbosity >= 0:
        if dry_run and result.done:
            ctx.console.print("Dry run: init would do this.", highlight=False)
        for line in result.done or ["nothing to do: every tab and header is there"]:
            ctx.console.print(f"- {line}", highlight=False)
        if dry_run:
            ctx.console.print(f"Dry run: {result.store} was not changed.", highlight=False)
        else:
            ctx.console.print(f"Workbook ready: {result.store}", highlight=False)


@main.command()
@_common
def doctor(config_path: str | None, spreadsheet: str | None, verbose: int, quiet: int) -> None:
    """Check config, credentials, access, headers and templates, and say how to fix each."""
    from mentorsheet.app.doctor import run_doctor

    ctx = _context(config_path, spreadsheet, verbose, quiet)
    try:
        config = ctx.config()
    except MentorsheetError as exc:
        ctx.console.print(f"✗ config: {exc}", highlight=False, soft_wrap=True)
        sys.exit(EXIT_USAGE)
    checks = run_doctor(config)
    for check in checks:
        mark = ("!" if check.warning else "✓") if check.ok else "✗"
        ctx.console.print(f"{mark} {check.name}: {check.message}", highlight=False, soft_wrap=True)
    sys.exit(EXIT_OK if all(c.ok for c in checks) else EXIT_FAILED)


@main.command()
@click.option(
    "--client-secrets",
    "client_secrets",
    type=click.Path(dir_okay=False),
    envvar="MENTORSHEET_OAUTH_CLIENT",
    required=True,
    help="The JSON of a 'Desktop app' OAuth client (Google Cloud console).",
)
@click.option(
    "--save-to",
    type=click.Path(dir_okay=False),
    help="Where to save the sign-in. Default: the user's config folder.",
)
@_common
def login(
    client_secrets: str,
    save_to: str | None,
    config_path: str | None,
    spreadsheet: str | None,
    verbose: int,
    quiet: int,
) -> None:
    """Sign in as the programme mailbox (no Workspace admin needed); saved for later runs."""
    from pathlib import Path

    from mentorsheet.app.setup import sign_in

    ctx = _context(config_path, spreadsheet, verbose, quiet)
    try:
        config = ctx.config()
        path = sign_in(config, Path(client_secrets), save_to=Path(save_to) if save_to else None)
    except MentorsheetError as exc:
        ctx.fail(exc)
    if ctx.verbosity >= 0:
        ctx.console.print(
            f"Signed in. Saved to {path} (readable by you only); Sheets and Gmail now act as "
            f"the account you signed in with — mail.sender is {config.mail.sender}.",
            highlight=False,
            soft_wrap=True,
        )


@main.command()
@click.argument("email")
@click.option("--dry-run", is_flag=True, help="Say what would be erased; change nothing.")
@_common
def forget(
    email: str,
    dry_run: bool,
    config_path: str | None,
    spreadsheet: str | None,
    verbose: int,
    quiet: int,
) -> None:
    """Erase a person (by EMAIL) from every tab: their cells become "erased DATE"; pairing IDs
    and statuses stay, so nothing is sent or proposed again. Exits 1 if nothing holds EMAIL."""
    from mentorsheet.app.forget import forget as forget_person
    from mentorsheet.app.wiring import build_store

    ctx = _context(config_path, spreadsheet, verbose, quiet)
    try:
        config = ctx.config()
        report = forget_person(config, build_store(config), email, clock=_utc_now, dry_run=dry_run)
    except MentorsheetError as exc:
        ctx.fail(exc)
    if ctx.verbosity >= 0:
        verb = "would erase" if dry_run else "erased"
        for change in report.changes:
            row = f" row {change.row}" if change.row is not None else ""
            ctx.console.print(f"- {change.tab}{row}, {change.column}: {verb}", highlight=False)
        ctx.console.print(
            f"{'Dry run: ' if dry_run else ''}{report.count} cell(s) of {report.email} "
            + ("would be erased" if dry_run else "erased")
            + ("; nothing was changed." if dry_run else "; the Runs tab records the count."),
            highlight=False,
            soft_wrap=True,
        )


@main.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    default="report.html",
    show_default=True,
    help="Where to write the HTML report.",
)
@_common
def report(
    out: str, config_path: str | None, spreadsheet: str | None, verbose: int, quiet: int
) -> None:
    """Write the programme report (charts and numbers) as one self-contained HTML file."""
    from pathlib import Path

    from mentorsheet.app.report import write_report_file
    from mentorsheet.app.wiring import build_store

    ctx = _context(config_path, spreadsheet, verbose, quiet)
    try:
        config = ctx.config()
        written = write_report_file(config, build_store(config), out=Path(out), clock=_utc_now)
    except MentorsheetError as exc:
        ctx.fail(exc)
    if ctx.verbosity >= 0:
        numbers = written.report
        ctx.console.print(
            f"Report written to {written.path}: {numbers.pairings} pairings, "
            f"{numbers.waiting} mentees waiting.",
            highlight=False,
            soft_wrap=True,
        )


def _run_command(command: Command) -> click.Command:
    docs = {
        "propose": "Propose new pairings (appended as Proposed, or Approved with auto_approve).",
        "intro": "Send an introduction for each Approved pairing, exactly once.",
        "status": "Mark overdue pairings, note contact made, remind overdue mentors.",
        "digest": "Email staff one summary of what needs a person (at most once a day).",
        "run": "The scheduled job: propose, intro, status and digest in one pass.",
    }

    @click.option("--dry-run", is_flag=True, help="Show what would happen; write and send nothing.")
    @_common
    def command_function(
        dry_run: bool, config_path: str | None, spreadsheet: str | None, verbose: int, quiet: int
    ) -> None:
        from mentorsheet.app.run import Runner
        from mentorsheet.app.wiring import build_channels, build_store
        from mentorsheet.cli.output import TerminalProgress, show_report, write_step_summary

        ctx = _context(config_path, spreadsheet, verbose, quiet)
        try:
            config = ctx.config()
            runner = Runner(
                config=config,
                store=build_store(config),
                channels=build_channels(config),
                clock=_utc_now,
                progress=TerminalProgress(ctx.console),
            )
            report = runner.run(command, dry_run=dry_run)
        except MentorsheetError as exc:
            ctx.fail(exc)
        if ctx.verbosity >= 0:
            show_report(ctx.console, report)
        write_step_summary(report)
        if not report.ok:
            ctx.errors.print(f"error: {report.result_text()}", highlight=False, soft_wrap=True)
            sys.exit(EXIT_FAILED)

    command_function.__doc__ = docs[command]
    return click.command(name=command)(command_function)


for _name in COMMANDS:
    main.add_command(_run_command(_name))


if __name__ == "__main__":  # pragma: no cover
    main()

"""Typed configuration with documented defaults.

Precedence, lowest to highest: built-in defaults, the TOML file
(``--config`` or ``MENTORSHEET_CONFIG``, else ``config/mentorsheet.toml`` when
it exists), environment variables, explicit arguments. Unknown keys and bad
values raise :class:`~mentorsheet.errors.ConfigError` naming the key.
"""

from __future__ import annotations

import itertools
import os
import tomllib
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from mentorsheet.core.schema import COLUMNS, DEFAULT_TITLES, READ_TABS, REPORT
from mentorsheet.errors import ConfigError

DEFAULT_CONFIG_PATH = Path("config/mentorsheet.toml")
# Looked for in this order when no file is named: what ``mentorsheet init`` writes in
# an empty folder, then the repository's own layout.
DEFAULT_CONFIG_PATHS = (Path("mentorsheet.toml"), DEFAULT_CONFIG_PATH)


class _BadValue(ConfigError):
    """A bad value found by a check that needs more than pydantic's own error.

    Raised inside a validator it is not wrapped in a ``ValidationError`` (pydantic
    passes on what is neither a ``ValueError`` nor an ``AssertionError``), so a
    section built directly raises a :class:`ConfigError` too; ``load_config``
    adds where the value came from.
    """

    def __init__(self, key: str, detail: str) -> None:
        self.detail = detail
        super().__init__(key, detail)


def _check_holidays(country: str, region: str | None) -> None:
    """Raise a ConfigError naming the key unless ``holidays`` knows the country and region."""
    supported = holidays.list_supported_countries()
    if country not in supported:
        raise _BadValue(
            "schedule.holidays_country",
            f"no public holidays are known for {country!r} (use a code such as 'GB')",
        )
    if region is not None and region not in supported[country]:
        known = ", ".join(supported[country]) or "none"
        raise _BadValue(
            "schedule.holidays_subdivision",
            f"{country} has no region {region!r} (regions: {known})",
        )


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class WorkbookConfig(_Section):
    backend: Literal["xlsx", "google"] = "xlsx"
    """Where the workbook lives: a local ``.xlsx`` file or a Google Sheet."""
    path: Path = Path("mentorsheet.xlsx")
    """The ``.xlsx`` workbook (backend ``xlsx``), relative to the working directory."""
    spreadsheet: str = ""
    """The Google Sheet's URL or key (backend ``google``)."""
    tabs: dict[str, str] = Field(default_factory=dict)
    """Tab names to use instead of the standard ones, e.g. ``Mentors = "Form responses 1"``."""
    headers: dict[str, dict[str, list[str]]] = Field(default_factory=dict)
    """Header aliases per tab: ``[workbook.headers.Mentors] Skills = ["What can you teach?"]``."""
    lease_minutes: int = Field(default=30, ge=1, le=24 * 60)
    """How long a run's lease lasts before another run may take over (a killed run's expires)."""
    wait_seconds: float = Field(default=60.0, ge=0, le=3600)
    """How long a run waits for another one to finish before giving up."""
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    """Timeout of each Google Sheets request."""
    max_attempts: int = Field(default=5, ge=1, le=20)
    """Attempts for a read or idempotent write that fails with 429 or 5xx."""
    retention_months: int = Field(default=0, ge=0, le=1200)
    """Erase the people of pairings that ended more than this many months ago, at each
``run`` (0: off; see the README's "Erasing a person")."""

    @field_validator("tabs")
    @classmethod
    def _known_tabs(cls, value: dict[str, str]) -> dict[str, str]:
        for tab in value:
            if tab not in (*READ_TABS, REPORT):
                known = ", ".join((*READ_TABS, REPORT))
                raise ValueError(f"unknown tab {tab!r}; known tabs: {known}")
        return value

    @field_validator("headers")
    @classmethod
    def _known_headers(
        cls, value: dict[str, dict[str, list[str]]]
    ) -> dict[str, dict[str, list[str]]]:
        for tab, columns in value.items():
            if tab not in READ_TABS:
                raise ValueError(f"unknown tab {tab!r}; known tabs: {', '.join(READ_TABS)}")
            for column in columns:
                if column not in COLUMNS[tab]:
                    raise ValueError(
                        f"tab {tab!r} has no column {column!r}; columns: {', '.join(COLUMNS[tab])}"
                    )
        return value

    @model_validator(mode="after")
    def _one_tab_one_role(self) -> Self:
        # The form's responses tab is read, never written: it must not be a tab
        # mentorsheet also reads as another (a sign-up form's, say).
        for tab, title in self.tabs.items():
            if tab in DEFAULT_TITLES and title in (self.tabs[t] for t in self.tabs if t != tab):
                raise _BadValue(
                    f"workbook.tabs.{tab}", f"{title!r} is already the title of another tab"
                )
        # The Report tab is rewritten whole on every run: never one of the tabs it reads.
        report = self.tab_title(REPORT)
        if any(self.tab_title(tab) == report for tab in READ_TABS):
            key = "workbook.tabs.Report" if REPORT in self.tabs else "workbook.tabs"
            raise _BadValue(key, f"{report!r} is the Report tab's title and another tab's")
        return self

    def tab_title(self, tab: str) -> str:
        """The tab's title in the workbook: configured, else the standard one.

        The contact form's tab defaults to Google's ``Form responses 1`` unless
        another tab is configured with that title (a sign-up form's responses
        read as Mentees, say); it is then looked for by its canonical name.
        """
        if tab in self.tabs:
            return self.tabs[tab]
        default = DEFAULT_TITLES.get(tab, tab)
        return tab if default in self.tabs.values() else default


class MatchingConfig(_Section):
    auto_approve: bool = False
    """Append proposals as ``Approved`` so the same run sends their introductions."""
    synonyms: dict[str, str] = Field(default_factory=dict)
    """Skill synonyms, e.g. ``js = "javascript"``; matched after normalising case and spacing."""


class MailConfig(_Section):
    backend: Literal["outbox", "gmail"] = "outbox"
    """``outbox`` writes each email as an ``.eml`` file; ``gmail`` sends through the Gmail API."""
    outbox_dir: Path = Path("outbox")
    """Where the outbox backend writes ``.eml`` files."""
    sender: str = "mentoring@example.org"
    """The programme's address: From of every email, and the Gmail account sent as."""
    sender_name: str = "Mentoring programme"
    """The display name in From."""
    staff_email: str = "mentoring-staff@example.org"
    """Staff address: Cc of reminders, To of the digest."""
    programme_name: str = "the mentoring programme"
    """How emails name the programme."""
    resources_url: str = ""
    """A link to the programme's resources for mentors (left out of emails when empty)."""
    closing_email: bool = True
    """When staff set a pairing to ``Ended``, thank the mentor and mentee once by email (only
pairings introduced and under way since this feature arrived: see the README)."""
    feedback_form_url: str = ""
    """A feedback form linked from the closing email (left out when empty)."""
    templates_dir: Path | None = None
    """A folder of your own versions of the email templates; each template not there comes
from the packaged defaults (``mentorsheet init --templates DIR`` copies them out to edit)."""
    max_per_run: int = Field(default=200, ge=0, le=2000)
    """At most this many emails per run (Workspace allows 2,000 a day); the rest wait."""
    flush_every: int = Field(default=10, ge=1, le=500)
    """Record results in the workbook after this many sends, so a crash loses little."""
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    """Timeout of each Gmail request."""
    max_attempts: int = Field(default=4, ge=1, le=10)
    """Attempts of a send refused with 429 / rate limit (nothing was sent then)."""

    @field_validator("templates_dir", mode="before")
    @classmethod
    def _blank_means_packaged(cls, value: object) -> object:
        # An empty value (the reference file's, or an environment's) means "no overrides",
        # never the working directory.
        return None if isinstance(value, str) and not value.strip() else value


class ScheduleConfig(_Section):
    timezone: str = "Europe/London"
    """The programme's time zone: business days and dates are counted in it."""
    holidays_country: str = "GB"
    """Country whose public holidays are not business days (``holidays`` package code)."""
    holidays_subdivision: str | None = "ENG"
    """Region within the country, e.g. ``ENG``, ``SCT``; empty for national holidays only.
    The default ``ENG`` applies to GB only: another country defaults to national holidays."""
    due_after_business_days: int = Field(default=2, ge=0, le=60)
    """Business days after the intro before a pairing without contact is overdue."""
    reminder_every_business_days: int = Field(default=3, ge=1, le=60)
    """Business days between reminders to an overdue mentor."""
    max_reminders: int = Field(default=2, ge=0, le=20)
    """Reminders to a mentor before only staff are told."""

    @model_validator(mode="before")
    @classmethod
    def _region_default_only_for_gb(cls, data: object) -> object:
        if (
            isinstance(data, dict)
            and "holidays_subdivision" not in data
            and str(data.get("holidays_country", "GB")).upper() != "GB"
        ):
            return {**data, "holidays_subdivision": None}
        return data

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("holidays_subdivision", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _known_holidays(self) -> Self:
        _check_holidays(self.holidays_country, self.holidays_subdivision)
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class SlackConfig(_Section):
    enabled: bool = False
    """Introduce each pairing in a Slack group DM too (the bot token comes only from the
environment variable SLACK_BOT_TOKEN)."""
    reminders: bool = True
    """With Slack on, post each reminder to the pairing's group DM as well."""
    staff_channel: str = ""
    """A Slack channel's ID (``C...``, the bot invited to it) for the staff digest too; empty:
the digest goes by email only."""
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    """Timeout of each Slack Web API request."""
    max_rate_limit_retries: int = Field(default=3, ge=0, le=10)
    """Retries of a request Slack refused with 429 (it did nothing then), after its Retry-After."""


PAIRING_ID_PLACEHOLDER = "{pairing_id}"


class FormsConfig(_Section):
    confirm_url: str = ""
    """The contact form's pre-filled link with ``{pairing_id}`` where the Pairing ID goes
(https only); it goes in every introduction, reminder and check-in. Empty: no form."""
    date_order: Literal["day-first", "month-first"] = "day-first"
    """How the responses tab writes a Timestamp such as 12/1/2026 when it is text: day first
(UK locale) or month first (US locale). Real date cells and ISO dates need no setting."""
    checkins: bool = True
    """With a form, email mentor and mentee together at each of checkin_business_days."""
    checkin_business_days: tuple[int, ...] = (20, 60)
    """Business days after Contact made on at which a check-in goes, increasing."""

    @field_validator("confirm_url")
    @classmethod
    def _prefilled_link(cls, value: str) -> str:
        link = value.strip()
        if not link:
            return ""
        parts = urllib.parse.urlsplit(link)
        if (
            parts.scheme != "https"
            or not parts.hostname
            or any(c.isspace() or c in '<>|"' for c in link)
        ):
            raise ValueError("must be an https link (the form's pre-filled link)")
        if PAIRING_ID_PLACEHOLDER not in link:
            raise ValueError(
                f"must contain {PAIRING_ID_PLACEHOLDER} where the Pairing ID goes: get the "
                "pre-filled link with a placeholder answer, then replace it"
            )
        return link

    @field_validator("checkin_business_days")
    @classmethod
    def _increasing(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(day <= 0 for day in value):
            raise ValueError("every offset must be a positive number of business days")
        if any(later <= earlier for earlier, later in itertools.pairwise(value)):
            raise ValueError("offsets must increase, e.g. [20, 60]")
        return value

    @property
    def enabled(self) -> bool:
        return bool(self.confirm_url)

    def link_for(self, pairing_id: str) -> str:
        """The form's link pre-filled with ``pairing_id`` (URL-encoded), or "" without a form."""
        if not self.confirm_url:
            return ""
        return self.confirm_url.replace(
            PAIRING_ID_PLACEHOLDER, urllib.parse.quote(pairing_id, safe="")
        )


WEEKDAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class ReportConfig(_Section):
    weekly_email_day: str | None = None
    """Email staff the programme report with its charts once a week, on the first run on or
after this day (``monday`` … ``sunday``); empty: no weekly email."""

    @field_validator("weekly_email_day", mode="before")
    @classmethod
    def _a_weekday(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        day = str(value).strip().casefold()
        if day not in WEEKDAYS:
            raise ValueError(f"{value!r} is not a day of the week ({', '.join(WEEKDAYS)})")
        return day

    @property
    def weekly_weekday(self) -> int | None:
        """The day as ``date.weekday()`` counts (Monday 0), or None when off."""
        day = self.weekly_email_day
        return WEEKDAYS.index(day) if day is not None else None


class Config(_Section):
    workbook: WorkbookConfig = Field(default_factory=WorkbookConfig)
    matching: MatchingConfig = Field(default_factory=MatchingConfig)
    mail: MailConfig = Field(default_factory=MailConfig)
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    slack: SlackConfig = Field(default_factory=SlackConfig)
    forms: FormsConfig = Field(default_factory=FormsConfig)
    report: ReportConfig = Field(default_factory=ReportConfig)


# Environment variables that override single keys of the file.
ENVIRONMENT: Mapping[str, tuple[str, str]] = {
    "MENTORSHEET_SPREADSHEET": ("workbook", "spreadsheet"),
    "MENTORSHEET_WORKBOOK_BACKEND": ("workbook", "backend"),
    "MENTORSHEET_WORKBOOK_PATH": ("workbook", "path"),
    "MENTORSHEET_MAIL_BACKEND": ("mail", "backend"),
    "MENTORSHEET_OUTBOX_DIR": ("mail", "outbox_dir"),
    "MENTORSHEET_SENDER": ("mail", "sender"),
    "MENTORSHEET_STAFF_EMAIL": ("mail", "staff_email"),
    "MENTORSHEET_MAX_PER_RUN": ("mail", "max_per_run"),
    "MENTORSHEET_AUTO_APPROVE": ("matching", "auto_approve"),
    "MENTORSHEET_TIMEZONE": ("schedule", "timezone"),
    "MENTORSHEET_SLACK_ENABLED": ("slack", "enabled"),
    "MENTORSHEET_FORM_URL": ("forms", "confirm_url"),
    "MENTORSHEET_WEEKLY_REPORT_DAY": ("report", "weekly_email_day"),
}


def _key_of(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def _parse(data: Mapping[str, Any], source: str) -> Config:
    try:
        return Config.model_validate(data)
    except _BadValue as exc:
        raise ConfigError(exc.key, f"{exc.detail} [{source}]") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        key = _key_of(first["loc"])
        message = first["msg"]
        if first["type"] == "extra_forbidden":
            message = "unknown key"
        elif first["type"] != "missing":
            message = f"{message} (got {first['input']!r})"
        raise ConfigError(key, f"{message} [{source}]") from None


def load_config(
    path: Path | str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> Config:
    """Build the configuration: defaults < file < environment < ``overrides``.

    ``overrides`` is ``{section: {key: value}}`` (what CLI options set).
    Paths in the file are taken relative to the working directory.
    """
    env = os.environ if environ is None else environ
    chosen = path if path is not None else env.get("MENTORSHEET_CONFIG")
    data: dict[str, Any] = {}
    source = "defaults"
    if chosen:
        file = Path(chosen)
        if not file.is_file():
            raise ConfigError("config", f"no config file at {str(file)!r}")
        data = _read_toml(file)
        source = str(file)
    elif found := next((p for p in DEFAULT_CONFIG_PATHS if p.is_file()), None):
        data = _read_toml(found)
        source = str(found)
    for variable, (section, key) in ENVIRONMENT.items():
        if env.get(variable):
            data.setdefault(section, {})
            if not isinstance(data[section], dict):
                raise ConfigError(section, f"must be a table [{source}]")
            data[section][key] = env[variable]
            source = f"{source} + ${variable}"
    for section, values in (overrides or {}).items():
        for key, value in values.items():
            if value is not None:
                data.setdefault(section, {})[key] = value
    return _parse(data, source)


def _read_toml(file: Path) -> dict[str, Any]:
    try:
        with file.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("config", f"{file} is not valid TOML: {exc}") from None


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if value is None:
        return '""'
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_reference_toml() -> str:
    """Every key with its default and description, as the shipped config file shows them."""
    lines = [
        "# mentorsheet configuration. Every key is shown with its default value:",
        "# uncomment a line to change it. Unknown keys and bad values are errors.",
        "# Precedence: defaults < this file < environment variables < command-line options.",
        "# Another file can be chosen with --config or MENTORSHEET_CONFIG.",
        "# Environment variables: "
        + ", ".join(f"{name} ({'.'.join(key)})" for name, key in ENVIRONMENT.items()),
        "",
    ]
    for name, section_field in Config.model_fields.items():
        section = section_field.annotation
        if not (isinstance(section, type) and issubclass(section, BaseModel)):
            raise TypeError(f"config section {name} is not a model")
        lines.append(f"[{name}]")
        for key, key_field in section.model_fields.items():
            lines.extend(f"# {line}" for line in (key_field.description or "").splitlines())
            default = key_field.get_default(call_default_factory=True)
            lines.extend((f"# {key} = {_toml_value(default)}", ""))
    return "\n".join(lines).rstrip() + "\n"

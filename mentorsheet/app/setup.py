"""Setting a programme up: ``mentorsheet init`` and ``mentorsheet login``.

``init`` creates everything a new programme folder needs, never overwriting:
the workbook's missing tabs and headers (through the store), a commented
``mentorsheet.toml`` when no configuration file exists yet, and, on request,
a copy of the packaged email templates to edit. ``login`` signs in as the
programme mailbox and saves the sign-in where later runs find it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mentorsheet.adapters.channels.email.compose import copy_packaged_templates, template_names
from mentorsheet.adapters.workbook.contract import WorkbookStore
from mentorsheet.config import DEFAULT_CONFIG_PATHS, Config, render_reference_toml

NEW_CONFIG_PATH = DEFAULT_CONFIG_PATHS[0]


@dataclass(frozen=True)
class InitResult:
    store: str  # what the store calls itself, for the summary
    done: list[str] = field(default_factory=list)


def wants_new_config(config_path: str | None, environ_config: str | None) -> bool:
    """Whether ``init`` should write a config file: none named, none in the usual places."""
    if config_path or environ_config:
        return False
    return not any(path.is_file() for path in DEFAULT_CONFIG_PATHS)


def initialise(
    store: WorkbookStore,
    *,
    write_config: bool,
    templates: Path | None = None,
    dry_run: bool = False,
) -> InitResult:
    """Create what is missing; with ``dry_run``, say what would be created and change nothing."""
    done: list[str] = []
    if write_config:
        if not dry_run:
            NEW_CONFIG_PATH.write_text(render_reference_toml(), encoding="utf-8")
        done.append(
            f"wrote {NEW_CONFIG_PATH}: every setting with its default, commented out — "
            "uncomment a line to change it"
        )
    if templates is not None:
        if dry_run:
            names = [n for n in template_names() if not (templates / n).exists()]
        else:
            names = copy_packaged_templates(templates)
        if names:
            done.append(
                f"copied {len(names)} email template(s) to {templates} to edit: set "
                f'mail.templates_dir = "{templates}" to use them'
            )
    done.extend(store.init_tabs(dry_run=dry_run))
    return InitResult(store=store.describe(), done=done)


def sign_in(config: Config, client_secrets: Path, *, save_to: Path | None = None) -> Path:
    """Google's browser sign-in as ``mail.sender``; returns where the sign-in was saved."""
    from mentorsheet.adapters.google_auth import default_login_path
    from mentorsheet.adapters.google_login import login, read_client_config

    return login(
        read_client_config(client_secrets),
        account=config.mail.sender,
        path=save_to if save_to is not None else default_login_path(),
    )

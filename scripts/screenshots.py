"""Screenshot what staff read, as a browser shows it: the demo's digest email and report.

Usage: ``scripts/screenshots [--out docs] [--keep-html DIR]``

Builds the demo workbook in a temporary folder, runs the scheduled job on it
(``.xlsx`` workbook, outbox mail) and takes the HTML part of the digest email
it wrote, and the programme report (``mentorsheet report``) of the same
workbook. Each page is written to a file and screenshotted by headless
Chromium (the system's ``chromium`` or ``chromium-browser``) at desktop width
and at a phone's (375px), as ``<name>-desktop.png`` and ``<name>-phone.png``.

Every page is one entry of ``ARTEFACTS``: a name, a function that, given a
scratch folder, returns the page's HTML, and the window's height.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path
from typing import Final

from mentorsheet.app.demo import build_demo_workbook
from mentorsheet.app.report import write_report_file
from mentorsheet.app.run import Runner
from mentorsheet.app.wiring import build_channels, build_store
from mentorsheet.config import Config, load_config
from mentorsheet.core.lifecycle import BusinessCalendar

ROOT: Final = Path(__file__).resolve().parent.parent
DEMO_CONFIG: Final = ROOT / "config" / "demo.toml"
# (name, width, height): the window Chromium renders into, in CSS pixels.
VIEWS: Final = (("desktop", 1200), ("phone", 375))  # (name, window width in CSS pixels)


def demo_config(folder: Path) -> Config:
    """The demo's configuration with its workbook and outbox inside ``folder``."""
    config = load_config(DEMO_CONFIG)
    workbook = config.workbook.model_copy(update={"path": folder / "mentorsheet.xlsx"})
    mail = config.mail.model_copy(update={"outbox_dir": folder / "outbox"})
    return config.model_copy(update={"workbook": workbook, "mail": mail})


def demo_digest_html(folder: Path) -> str:
    """The HTML part of the digest email the demo's first run sends."""
    config = demo_config(folder)
    now = datetime.now(UTC)
    today = BusinessCalendar.from_config(config.schedule).local_date(now)
    build_demo_workbook(Path(config.workbook.path), config, today=today)
    runner = Runner(
        config=config,
        store=build_store(config),
        channels=build_channels(config),
        clock=lambda: datetime.now(UTC),
    )
    report = runner.run("run")
    if not report.digest_sent:
        raise SystemExit(f"the demo run sent no digest ({report.result_text()})")
    for path in sorted(Path(config.mail.outbox_dir).glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        if "digest" in path.name:
            body = message.get_body(("html",))
            if body is not None:
                return str(body.get_content())
    raise SystemExit("the demo's digest email has no HTML part")


def demo_report_html(folder: Path) -> str:
    """The programme report (``mentorsheet report``) of the demo after its first run."""
    config = demo_config(folder)
    now = datetime.now(UTC)
    today = BusinessCalendar.from_config(config.schedule).local_date(now)
    build_demo_workbook(Path(config.workbook.path), config, today=today)
    store = build_store(config)
    Runner(config=config, store=store, channels=build_channels(config), clock=lambda: now).run(
        "run"
    )
    out = folder / "report-file.html"
    write_report_file(config, store, out=out, clock=lambda: now)
    return out.read_text(encoding="utf-8")


# (name, the page's HTML from a scratch folder, the window's height in CSS pixels)
ARTEFACTS: Final[tuple[tuple[str, Callable[[Path], str], int], ...]] = (
    ("digest", demo_digest_html, 1500),
    ("report", demo_report_html, 3600),
)


def find_chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    raise SystemExit(
        "Chromium is not installed (looked for chromium and chromium-browser on PATH): "
        "install it from the system's packages, e.g. apt-get install chromium"
    )


def screenshot(chromium: str, page: Path, png: Path, width: int, height: int) -> None:
    subprocess.run(
        [
            chromium,
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            f"--window-size={width},{height}",
            f"--screenshot={png}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="folder for the PNGs")
    parser.add_argument("--keep-html", type=Path, help="also keep each page's HTML here")
    args = parser.parse_args(argv)
    chromium = find_chromium()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for name, render, height in ARTEFACTS:
            folder = Path(scratch) / name
            folder.mkdir()
            page = folder / f"{name}.html"
            page.write_text(render(folder), encoding="utf-8")
            if args.keep_html is not None:
                args.keep_html.mkdir(parents=True, exist_ok=True)
                shutil.copy(page, args.keep_html / page.name)
            for view, width in VIEWS:
                png = args.out / f"{name}-{view}.png"
                screenshot(chromium, page, png, width, height)
                print(f"{png}  ({width}x{height})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

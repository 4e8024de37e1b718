"""Render the demo's programme report to PNG with headless Chromium, as staff would see it.

Usage: ``.venv/bin/python scripts/screenshot_report.py [--out docs] [--chromium PATH]``

Builds the demo workbook (as ``scripts/demo`` does) in a temporary folder,
runs the scheduled job on it once (so the Report tab and the pairings are as
after a day's run), writes ``mentorsheet report`` there, and takes two
screenshots: ``report.png`` at a desktop width and ``report-phone.png`` at a
375-pixel phone width. Chromium comes from the system's packages
(``chromium`` or ``chromium-browser``).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from mentorsheet.app.demo import build_demo_workbook
from mentorsheet.app.report import write_report_file
from mentorsheet.app.run import Runner
from mentorsheet.app.wiring import build_channels, build_store
from mentorsheet.config import load_config
from mentorsheet.core.lifecycle import BusinessCalendar

ROOT = Path(__file__).resolve().parent.parent
SHOTS = {"report.png": (1200, 3600), "report-phone.png": (375, 2600)}


def build_report(folder: Path) -> Path:
    """The demo workbook after one run, and its report file; the file's path."""
    config = load_config(
        ROOT / "config" / "demo.toml",
        environ={},
        overrides={
            "workbook": {"path": str(folder / "mentorsheet.xlsx")},
            "mail": {"outbox_dir": str(folder / "outbox")},
        },
    )
    now = datetime.now(UTC)
    calendar = BusinessCalendar.from_config(config.schedule)
    build_demo_workbook(Path(config.workbook.path), config, today=calendar.local_date(now))
    store = build_store(config)
    Runner(config=config, store=store, channels=build_channels(config), clock=lambda: now).run(
        "run"
    )
    out = folder / "report.html"
    write_report_file(config, store, out=out, clock=lambda: now)
    return out


def screenshot(chromium: str, page: Path, png: Path, size: tuple[int, int]) -> None:
    width, height = size
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--window-size={width},{height}",
            f"--screenshot={png}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs"), help="folder for the PNG files")
    parser.add_argument("--chromium", help="the Chromium program (default: found on PATH)")
    args = parser.parse_args()
    chromium = args.chromium or shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("error: no Chromium found (install the chromium package)", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        page = build_report(Path(folder))
        for name, size in SHOTS.items():
            screenshot(chromium, page, out / name, size)
            print(f"wrote {out / name} ({size[0]}x{size[1]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

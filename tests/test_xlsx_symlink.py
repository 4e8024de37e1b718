"""A workbook that is a symbolic link (common in synced folders) is saved through its link."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mentorsheet.adapters.workbook.contract import PairingUpdate
from mentorsheet.adapters.workbook.xlsx import XlsxStore
from mentorsheet.core.model import Problem
from mentorsheet.core.schema import MENTORS, PAIRINGS
from mentorsheet.errors import RunInProgressError, WorkbookAccessError
from tests.conftest import SEED, store_config, write_xlsx
from tests.workbooks import read_xlsx_tab

pytestmark = pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")


@pytest.fixture
def linked(tmp_path: Path) -> tuple[Path, Path]:
    """(the link in the synced folder, the real workbook it points to)."""
    real = tmp_path / "drive" / "programme.xlsx"
    real.parent.mkdir()
    write_xlsx(real, SEED)
    link = tmp_path / "synced" / "programme.xlsx"
    link.parent.mkdir()
    link.symlink_to(os.path.relpath(real, link.parent))
    return link, real


def test_saves_go_to_the_real_workbook_and_the_link_survives(linked: tuple[Path, Path]) -> None:
    link, real = linked
    store = XlsxStore(link, store_config())
    with store.session("run") as session:
        session.read()
        first = "P-0002"  # Approved in the seed
        outcome = session.write([], [PairingUpdate(first, {"Status": "Sending intro"})])
        assert outcome.applied == (first,)
        assert store.lock_path == real.with_name("programme.xlsx.lock")
        assert store.lock_path.exists()
        session.write([], [PairingUpdate(first, {"Status": "Awaiting contact"})])
        session.finish([Problem(MENTORS, 2, "Email", "x", "bad")], {"Result": "ok"})
    assert link.is_symlink()
    assert link.resolve() == real.resolve()
    statuses = {row["pairing id"]: row["Status"] for row in read_xlsx_tab(real, PAIRINGS)}
    assert statuses[first] == "Awaiting contact"
    # Nothing left beside the link: no temporary file, no plain copy.
    assert sorted(p.name for p in link.parent.iterdir()) == ["programme.xlsx"]
    # The next run, through the link, sees what this one recorded.
    with XlsxStore(link, store_config()).session("next", dry_run=True) as session:
        tab = session.read().tabs[PAIRINGS]
        at = tab.header.index("pairing id"), tab.header.index("Status")
        assert {r[at[0]]: r[at[1]] for r in tab.rows}[first] == "Awaiting contact"


def test_a_run_through_the_link_and_one_through_the_file_share_the_lock(
    linked: tuple[Path, Path],
) -> None:
    link, real = linked
    config = store_config(wait_seconds=0)
    with (
        XlsxStore(link, config).session("first"),
        pytest.raises(RunInProgressError),
        XlsxStore(real, config).session("second"),
    ):
        pytest.fail("two runs at once")


@pytest.mark.parametrize("beside", ["link", "real"])
def test_the_workbook_open_by_either_name_is_not_written(
    linked: tuple[Path, Path], beside: str
) -> None:
    link, real = linked
    where = link if beside == "link" else real
    where.with_name(f".~lock.{where.name}#").write_text("someone,host,2026")
    with (
        pytest.raises(WorkbookAccessError, match="open in a spreadsheet program"),
        XlsxStore(link, store_config()).session("run"),
    ):
        pytest.fail("the session must not start")

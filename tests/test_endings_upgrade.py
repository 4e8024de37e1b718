"""Upgrading a workbook from before closing emails: old Ended rows are never sent one.

The workbook has Pairings rows that ended long ago (introduced, Intro sent
on filled in) and one pairing still under way. After ``init`` adds the new
columns, or staff type the Closing email header by hand, runs send the old
rows nothing; the pairing under way is armed, and thanked once when it ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from mentorsheet.adapters.workbook.memory import MemoryStore
from mentorsheet.adapters.workbook.xlsx import XlsxStore
from mentorsheet.core.schema import COLUMNS, MENTEES, MENTORS, PAIRINGS, PC, PROBLEMS, RUNS
from tests.conftest import write_xlsx
from tests.life import Life
from tests.workbooks import mentee, mentor

NEW = (PC.REPLACES, PC.CLOSING_EMAIL)
OLD_PAIRINGS = [c for c in COLUMNS[PAIRINGS] if c not in NEW]
OLD_MENTORS = [c for c in COLUMNS[MENTORS] if c != "Paused until"]
OLD_MENTEES = [c for c in COLUMNS[MENTEES] if c != "Paused until"]


def old_row(pid: str, status: str, who: str, mentor_email: str, intro: str) -> list[str]:
    values: dict[str, str] = {
        PC.PAIRING_ID: pid,
        PC.STATUS: status,
        PC.MENTEE: who.title(),
        PC.MENTEE_EMAIL: f"{who}@example.net",
        PC.MENTOR: "Ada",
        PC.MENTOR_EMAIL: mentor_email,
        PC.PROPOSED_ON: "2026-03-01",
        PC.INTRO_SENT_ON: intro,
        PC.INTRO_MESSAGE_ID: f"<{pid}@example.org>",
        PC.CONTACT_MADE_ON: "2026-03-05",
        PC.REMINDERS_SENT: "0",
    }
    return [values.get(c, "") for c in OLD_PAIRINGS]


def old_tabs() -> dict[str, Sequence[Sequence[str]]]:
    def rows(header: list[str], records: list[dict[str, str]]) -> list[list[str]]:
        return [header, *([r.get(c, "") for c in header] for r in records)]

    return {
        MENTORS: rows(OLD_MENTORS, [mentor("Ada", "ada@example.org", "Python", 5)]),
        MENTEES: rows(
            OLD_MENTEES,
            [mentee(who.title(), f"{who}@example.net", "Community", "Python") for who in "abc"],
        ),
        PAIRINGS: [
            OLD_PAIRINGS,
            old_row("P-OLD-1", "Ended", "a", "ada@example.org", "2026-03-02T09:00:00+00:00"),
            old_row("P-OLD-2", "Ended", "b", "ada@example.org", "2026-03-03T09:00:00+00:00"),
            old_row("P-LIVE", "In contact", "c", "ada@example.org", "2026-10-05T09:00:00+00:00"),
        ],
        PROBLEMS: [list(COLUMNS[PROBLEMS])],
        RUNS: [list(COLUMNS[RUNS])],
    }


def test_an_upgraded_xlsx_never_thanks_pairings_that_ended_before(tmp_path: Path) -> None:
    life = Life("xlsx", tmp_path)
    write_xlsx(life.path, old_tabs())

    # Before init the workbook still runs: with no column to ledger in, nothing is
    # armed or sent, and nothing is reported about it.
    report = life.run()
    assert life.mailbox.count("closing") == {}
    assert not [p for p in report.problems if "Closing email" in p.problem]

    done = XlsxStore(life.path, life.config.workbook).init_tabs()
    assert any("'Replaces', 'Closing email'" in line for line in done)
    for _ in range(3):
        life.next_day()
        life.run()
    assert life.mailbox.count("closing") == {}
    assert [life.pairing(pid)["Closing email"] for pid in ("P-OLD-1", "P-OLD-2")] == ["", ""]
    assert life.pairing("P-OLD-1")["Status"] == "Ended"
    assert life.pairing("P-LIVE")["Closing email"] == "due when Ended"

    # The pairing under way at the upgrade ends now: it is thanked, once.
    life.set_pairing("P-LIVE", "Status", "Ended")
    for _ in range(2):
        life.next_day()
        life.run()
    assert life.mailbox.count("closing") == {"P-LIVE-closing": 1}


@pytest.mark.parametrize("header", ["Closing email", "closing  EMAIL"])
def test_a_closing_email_column_typed_by_hand_sends_old_rows_nothing(
    header: str, tmp_path: Path
) -> None:
    life = Life("memory", tmp_path)
    tabs = {title: [list(row) for row in rows] for title, rows in old_tabs().items()}
    tabs[PAIRINGS][0].append(header)
    life.memory = MemoryStore.from_tabs(life.config.workbook, tabs)
    life.run()
    assert life.pairing("P-LIVE")[PC.CLOSING_EMAIL] == "due when Ended"
    assert life.pairing("P-OLD-1")[PC.CLOSING_EMAIL] == ""
    life.set_pairing("P-LIVE", "Status", "Ended")
    for _ in range(2):
        life.next_day()
        life.run()
    assert life.mailbox.count("closing") == {"P-LIVE-closing": 1}

"""Retention over a simulated half year: ``workbook.retention_months`` erases what ended long ago.

Sam and Kim are introduced; staff end Sam's pairing (a closing email goes,
dating the end). Two months on nothing is erased; past three months ``run``
erases Sam's pairing and Sam, who has not asked again, everywhere; Kim, still
in contact, and Ada, still volunteering, stay.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from mentorsheet.core.retention import ended_on, months_before
from mentorsheet.core.schema import MENTORS, RUNS, Status
from tests.life import BACKENDS, Life
from tests.test_endings import pairing as ended_pairing
from tests.test_forget import FORM, FORM_ROWS, SAM, add_tab, mentions_of_sam
from tests.workbooks import mentee, mentor


def started(kind: str, tmp_path: Path, **mentee_cells: str) -> tuple[Life, str, str]:
    life = Life(kind, tmp_path, matching={"auto_approve": True}, workbook={"retention_months": 3})
    life.seed(
        [
            mentor("Ada Lovelace", "ada@example.org", "python"),
            mentor("Linus Torvalds", "linus@example.org", "sql"),
        ],
        [
            {**mentee("Sam Reyes", "sam@example.net", "Academy", "python"), **mentee_cells},
            mentee("Kim Park", "kim@example.net", "Academy", "sql"),
        ],
    )
    add_tab(life, FORM, FORM_ROWS)
    life.run()
    [sam] = life.pairings("sam@example.net")
    [kim] = life.pairings("kim@example.net")
    life.set_pairing(kim["Pairing ID"], "Status", "In contact")
    life.set_pairing(sam["Pairing ID"], "Status", "Ended")
    life.next_day()
    life.run()  # the closing email goes, and dates the end
    assert life.mailbox.count("closing") == {f"{sam['Pairing ID']}-closing": 1}
    return life, sam["Pairing ID"], kim["Pairing ID"]


@pytest.mark.parametrize("kind", BACKENDS)
def test_a_pairing_ended_long_ago_is_erased_with_its_mentee(kind: str, tmp_path: Path) -> None:
    life, sam_id, kim_id = started(kind, tmp_path)
    for _month in range(2):
        life.next_day(30)
        report = life.run()
        assert report.erased_cells == 0
    assert mentions_of_sam(life)

    life.next_day(35)  # more than three months after the closing email
    report = life.run()
    assert report.erased_cells > 0
    assert report.digest is not None and report.digest.erased_pairings == (sam_id,)
    assert mentions_of_sam(life) == []
    row = life.pairing(sam_id)
    erased = f"erased {life.today.isoformat()}"
    assert (row["Status"], row["Mentor"], row["Mentee email"]) == ("Ended", erased, erased)
    assert row["Closing email"] not in ("", erased)  # the ledger stays
    assert life.pairing(kim_id)["Mentee"] == "Kim Park"
    assert "Ada Lovelace" in [m["Name"] for m in life.records(MENTORS)]
    assert "erased (retention)" in life.records(RUNS)[-1]["Result"]
    assert not SAM.search(life.records(RUNS)[-1]["Result"])

    life.next_day()
    assert life.run().erased_cells == 0  # once
    assert life.mailbox.count("closing") == {f"{sam_id}-closing": 1}


@pytest.mark.parametrize("kind", ["memory", "xlsx"])
def test_a_mentee_who_asked_again_keeps_their_row(kind: str, tmp_path: Path) -> None:
    life, sam_id, _kim = started(kind, tmp_path)
    life.next_day(100)
    life.set_person("Mentees", "sam@example.net", "Paused until", "2027-06-01")
    life.set_person("Mentees", "sam@example.net", "Requested on", life.today.isoformat())
    life.run()
    assert re.search("erased", life.pairing(sam_id)["Mentee"])  # the old pairing goes
    assert [m for m in life.records("Mentees") if m["Email"] == "sam@example.net"]


def test_months_before_and_the_end_date() -> None:
    assert months_before(date(2026, 5, 31), 3) == date(2026, 2, 28)
    assert months_before(date(2026, 1, 15), 1) == date(2025, 12, 15)

    row = ended_pairing("P-1", Status.ENDED, closing_email="2026-10-05T09:00:00")
    assert ended_on(row) == date(2026, 10, 5)
    no = ended_pairing("P-2", Status.ENDED, closing_email="no", last_reminder_on=date(2026, 9, 1))
    assert ended_on(no) == date(2026, 10, 5)  # the intro, the latest date the row holds

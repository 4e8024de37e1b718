"""A pairing ended the same day as its intro still gets its closing email, once.

The closing email goes only to an *armed* pairing (core/endings). Arming was
done by the ``status`` step of a run that finds the pairing under way, so a
pairing introduced by one run and set to ``Ended`` by staff before the next
was never armed, and its people were never thanked. The intro's mark now arms
it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.life import BACKENDS, Life
from tests.workbooks import mentee, mentor


@pytest.mark.parametrize("kind", BACKENDS)
def test_ended_the_day_of_its_intro_the_pairing_is_thanked_once(kind: str, tmp_path: Path) -> None:
    life = Life(kind, tmp_path, matching={"auto_approve": True})
    life.seed(
        [mentor("Ada Lovelace", "ada@example.org", "python")],
        [mentee("Sam Reyes", "sam@example.net", "Academy", "python")],
    )
    life.run()  # proposed, approved and introduced in one run
    [row] = life.pairings("sam@example.net")
    pid = row["Pairing ID"]
    assert life.mailbox.count("intro") == {f"{pid}-intro": 1}
    assert row["Closing email"] == "due when Ended"  # armed by the intro itself

    life.set_pairing(pid, "Status", "Ended")  # staff, the same day
    life.run()
    life.run()
    life.next_day()
    life.run()
    assert life.mailbox.count("closing") == {f"{pid}-closing": 1}
    assert life.pairing(pid)["Closing email"] not in ("", "due when Ended", "sending")


@pytest.mark.parametrize("kind", ["memory"])
def test_with_closing_emails_off_the_intro_arms_nothing(kind: str, tmp_path: Path) -> None:
    life = Life(kind, tmp_path, matching={"auto_approve": True}, mail={"closing_email": False})
    life.seed(
        [mentor("Ada Lovelace", "ada@example.org", "python")],
        [mentee("Sam Reyes", "sam@example.net", "Academy", "python")],
    )
    life.run()
    [row] = life.pairings("sam@example.net")
    assert row.get("Closing email", "") == ""

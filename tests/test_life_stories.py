"""A pairing's whole life, run day by day on every store: end, ask again, re-pair, pause.

Each story runs over the ``.xlsx`` store, the Google store over the stateful
Sheets fake and the in-memory store. Staff act between runs as they would in
the sheet; every email is counted by its stable name, so "exactly once" is
checked message by message.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from mentorsheet.core.digest import render_text
from mentorsheet.core.schema import MENTEES, MENTORS
from tests.life import BACKENDS, Life
from tests.workbooks import mentee, mentor

pytestmark = pytest.mark.usefixtures("instant_backoff")


@pytest.fixture(params=BACKENDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def only(rows: list[dict[str, str]], status: str) -> dict[str, str]:
    [row] = [r for r in rows if r["Status"] == status]
    return row


# --- propose → approve → intro → contact → end → ask again → a new mentor ------------------


def test_a_pairing_from_proposal_to_its_end_and_the_mentee_asking_again(
    kind: str, tmp_path: Path
) -> None:
    life = Life(kind, tmp_path)
    life.seed(
        mentors=[
            mentor("Ada Lovelace", "ada@example.org", "Python, testing", 1),
            mentor("Grace Hopper", "grace@example.org", "Python", 1),
        ],
        mentees=[mentee("Sam", "sam@example.net", "Community", "Python, testing", "2026-10-20")],
    )
    # Mon: proposed with Ada, who offers both skills Sam wants.
    life.run()
    [first] = life.pairings("sam@example.net")
    assert (first["Status"], first["Mentor email"]) == ("Proposed", "ada@example.org")
    pid = first["Pairing ID"]
    life.set_pairing(pid, "Status", "Approved")

    # Tue: the introduction, once. Wed: the pairing is under way, so its closing
    # email is armed.
    life.next_day()
    life.run()
    assert life.mailbox.count("intro") == {f"{pid}-intro": 1}
    assert life.pairing(pid)["Status"] == "Awaiting contact"
    life.next_day()
    life.set_pairing(pid, "Contact made on", life.today.isoformat())
    life.run()
    assert life.pairing(pid)["Status"] == "In contact"
    assert life.pairing(pid)["Closing email"] == "due when Ended"

    # Weeks later staff end it: one closing email thanks them both.
    life.next_day(30)
    life.set_pairing(pid, "Status", "Ended")
    report = life.run()
    [closing] = life.mailbox.of("closing")
    assert life.mailbox.count("closing") == {f"{pid}-closing": 1}
    to = sorted(a.addr_spec for a in closing["To"].addresses)
    assert to == ["ada@example.org", "sam@example.net"]
    assert life.pairing(pid)["Closing email"].startswith(life.today.isoformat())
    assert life.pairing(pid)["Status"] == "Ended"
    # Sam finished and did not ask again: not proposed, and told why.
    assert report.proposals_written == 0
    [held] = report.match.held_back
    assert held.mentee.email == "sam@example.net"
    assert "finished a mentoring with Ada Lovelace" in held.reason
    assert "add a new Requested on to pair again" in held.reason

    # The next runs send nothing more and propose nothing.
    life.next_day()
    assert life.run().proposals_written == 0
    assert life.mailbox.count("closing") == {f"{pid}-closing": 1}

    # Sam asks again (a new Requested on): a new mentor, not Ada, though Ada is
    # free again and the better fit.
    life.set_person(MENTEES, "sam@example.net", "Requested on", life.today.isoformat())
    life.next_day()
    report = life.run()
    assert report.proposals_written == 1
    rows = life.pairings("sam@example.net")
    assert [r["Status"] for r in rows] == ["Ended", "Proposed"]
    assert rows[1]["Mentor email"] == "grace@example.org"
    assert rows[1]["Replaces"] == ""  # a new request, not a re-pair
    assert life.mailbox.count("intro") == {f"{pid}-intro": 1}


# --- intro → overdue → reminders run out → Re-pair → the note → a new mentor ----------------


def test_re_pairing_a_silent_mentor(kind: str, tmp_path: Path) -> None:
    life = Life(kind, tmp_path)
    life.seed(
        mentors=[
            mentor("Ada Lovelace", "ada@example.org", "Python", 1),
            mentor("Grace Hopper", "grace@example.org", "Python", 0),
        ],
        mentees=[
            mentee("Sam", "sam@example.net", "Community", "Python", "2026-10-20"),
            mentee("Jo", "jo@example.net", "Community", "Python", "2026-10-30"),
        ],
    )
    life.run()
    [old] = life.pairings("sam@example.net")
    pid = old["Pairing ID"]
    assert old["Mentor email"] == "ada@example.org"
    life.set_pairing(pid, "Status", "Approved")
    life.next_day()
    life.run()  # Tue: the intro
    # Ada never writes. Overdue from Thu, reminders Thu and the Tuesday after; then the
    # digest says the reminders are exhausted and suggests Re-pair.
    for _ in range(9):
        life.next_day()
        report = life.run()
    assert life.pairing(pid)["Status"] == "Contact overdue"
    assert life.pairing(pid)["Reminders sent"] == "2"
    assert report.digest is not None
    [late] = report.digest.overdue
    assert late.reminders_exhausted
    assert "set Status to Re-pair to find another mentor" in render_text(report.digest)

    # Staff re-pair Sam: Ada has had to stop, and Grace makes room for one mentee.
    life.set_pairing(pid, "Status", "Re-pair")
    life.set_person(MENTORS, "ada@example.org", "Capacity", "0")
    life.set_person(MENTORS, "grace@example.org", "Capacity", "1")
    life.next_day()
    report = life.run()
    # Ada gets one short note.
    [note] = life.mailbox.of("repair-note")
    assert [a.addr_spec for a in note["To"].addresses] == ["ada@example.org"]
    assert "Sam" in str(note["Subject"])
    assert life.pairing(pid)["Status"] == "Re-pair"
    assert life.pairing(pid)["Closing email"].startswith(life.today.isoformat())
    # Sam keeps his place in the queue (Requested on 20 Oct, before Jo's 30 Oct):
    # the one new place with a Python mentor who is not Ada is his.
    new = only(life.pairings("sam@example.net"), "Proposed")
    assert new["Mentor email"] == "grace@example.org"
    assert new["Replaces"] == pid
    assert life.pairings("jo@example.net") == []
    [jo] = [u for u in report.match.unpaired if u.mentee.email == "jo@example.net"]
    assert "went to other mentees" in jo.reason
    assert [r["Requested on"] for r in life.records(MENTEES)] == ["2026-10-20", "2026-10-30"]

    # Never again: no second note, and Sam is never offered Ada, even with room.
    life.set_pairing(new["Pairing ID"], "Status", "Rejected")
    life.set_person(MENTORS, "ada@example.org", "Capacity", "3")
    for _ in range(3):
        life.next_day()
        report = life.run()
    assert life.mailbox.count("repair-note") == {f"{pid}-repair-note": 1}
    assert life.mailbox.count("closing") == {}
    assert [r["Mentor email"] for r in life.pairings("sam@example.net")] == [
        "ada@example.org",
        "grace@example.org",
    ]
    [unpaired] = [u for u in report.match.unpaired if u.mentee.email == "sam@example.net"]
    assert "rejected for or already paired with this mentee before" in unpaired.reason


# --- a month with pauses --------------------------------------------------------------------


def test_a_month_with_pauses(kind: str, tmp_path: Path) -> None:
    life = Life(kind, tmp_path, matching={"auto_approve": True})
    back = {  # days after the first Monday
        "ada": 18,  # Ada pauses after her intro, before any contact
        "grace": 10,
        "sam": 14,
    }

    def day(n: int) -> str:
        return (date(2026, 11, 2) + timedelta(days=n)).isoformat()

    life.seed(
        mentors=[
            mentor("Ada Lovelace", "ada@example.org", "Python", 1),
            mentor("Grace Hopper", "grace@example.org", "Python", 2, **{"Paused until": day(10)}),
        ],
        mentees=[
            mentee("Mo", "mo@example.net", "Community", "Python", "2026-10-01"),
            mentee("Lee", "lee@example.net", "Community", "Python", "2026-10-02"),
            mentee("Sam", "sam@example.net", "Community", "Python", "2026-09-01"),
        ],
    )
    life.set_person(MENTEES, "sam@example.net", "Paused until", day(back["sam"]))
    # Day 0: Sam waited longest but is paused; Grace is paused. Mo gets Ada
    # (auto-approved: introduced at once); Lee waits.
    report = life.run()
    assert [(p.mentee.email, p.mentor.email) for p in report.match.proposals] == [
        ("mo@example.net", "ada@example.org")
    ]
    assert {u.mentee.email: u.reason for u in report.match.held_back} == {
        "sam@example.net": "paused until 16 Nov 2026"
    }
    assert report.digest is not None
    assert report.digest.returning == ()  # Grace is back in 10 days: not this week
    [mo] = life.pairings("mo@example.net")
    mo_id = mo["Pairing ID"]
    # Ada pauses the next day, before making contact.
    life.next_day()
    life.set_person(MENTORS, "ada@example.org", "Paused until", day(back["ada"]))

    seen: dict[int, list[str]] = {}
    reminded_on: int | None = None
    for n in range(1, 31):
        if n > 1:
            life.next_day()
        report = life.run()
        seen[n] = [f"{p.mentee.email}>{p.mentor.email}" for p in report.match.proposals]
        if reminded_on is None and life.mailbox.count("reminder-1")[f"{mo_id}-reminder-1"]:
            reminded_on = n
        assert report.digest is not None
        if n == 1:
            reasons = {u.mentee.email: u.reason for u in report.match.unpaired}
            assert reasons["lee@example.net"] == "every mentor offering python is full or paused"
        if n == 3:
            # Grace is back on day 10: within the week (Sam, on day 14, is not yet).
            assert [(r.role, r.email) for r in report.digest.returning] == [
                ("mentor", "grace@example.org")
            ]
            assert "Back from a pause this week (1)" in render_text(report.digest)
    # No matches with Grace before her date, nor for Sam before his.
    first_day = {who: n for n, pairs in seen.items() for who in pairs}
    assert first_day["lee@example.net>grace@example.org"] == back["grace"]
    assert first_day["sam@example.net>grace@example.org"] == back["sam"]
    # Ada's pairing went overdue while she was paused: no reminder until the day
    # she is back, then the first one, once.
    assert life.pairing(mo_id)["Status"] == "Contact overdue"
    assert reminded_on == back["ada"]
    assert life.mailbox.count("reminder-1")[f"{mo_id}-reminder-1"] == 1

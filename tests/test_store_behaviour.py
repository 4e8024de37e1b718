"""One behaviour suite, run against every workbook store backend (see conftest)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from mentorsheet.adapters.workbook.contract import PairingUpdate
from mentorsheet.core.model import Problem
from mentorsheet.core.raw import RawTab, RawWorkbook
from mentorsheet.core.schema import (
    COLUMNS,
    MENTEES,
    MENTORS,
    PAIRINGS,
    PROBLEMS,
    RUNS,
    resolve_columns,
)
from mentorsheet.errors import RunInProgressError, WorkbookError
from tests.conftest import MENTORS_TITLE, OTHER_TAB, SEED, StoreBackend


def padded(rows: Sequence[Sequence[str]], width: int) -> list[list[str]]:
    """Rows padded with empty cells: trailing blanks are not guaranteed either way."""
    return [list(row) + [""] * (width - len(row)) for row in rows]


def read_back(backend: StoreBackend) -> RawWorkbook:
    with backend.store.session("check", dry_run=True) as session:
        return session.read()


def records(backend: StoreBackend, tab: RawTab, name: str) -> list[dict[str, str]]:
    """The rows of ``tab`` as canonical column -> text, found the way the core finds them."""
    positions = resolve_columns(name, tab.header, backend.config.headers.get(name))
    return [
        {column: (row[i] if i < len(row) else "") for column, i in positions.items()}
        for row in tab.rows
    ]


def pairings(backend: StoreBackend) -> dict[str, dict[str, str]]:
    raw = read_back(backend)
    found = records(backend, raw.tabs[PAIRINGS], PAIRINGS)
    return {record["Pairing ID"]: record for record in found if record["Pairing ID"]}


def new_pairing(pairing_id: str, mentee: str = "Eve", **values: str) -> dict[str, str]:
    row = dict.fromkeys(COLUMNS[PAIRINGS], "")
    row.update(
        {
            "Pairing ID": pairing_id,
            "Status": "Proposed",
            "Mentee": mentee,
            "Mentee email": f"{mentee.lower()}@example.org",
            "Mentor": "Linus",
            "Mentor email": "linus@example.org",
            "Route": "Community",
            "Score": "1",
            "Why": "c",
            "Proposed on": "2026-11-03",
        }
    )
    row.update(values)
    return row


# --- reading -------------------------------------------------------------------------


def test_read_gives_every_known_tab_by_canonical_name(store_backend: StoreBackend) -> None:
    raw = read_back(store_backend)

    assert set(raw.tabs) == {MENTORS, MENTEES, PAIRINGS, PROBLEMS, RUNS}
    assert raw.tabs[MENTORS].title == MENTORS_TITLE
    assert set(raw.titles) == set(SEED)
    assert OTHER_TAB in raw.titles


def test_read_gives_headers_and_rows_as_text(store_backend: StoreBackend) -> None:
    raw = read_back(store_backend)

    for name, tab in raw.tabs.items():
        seed = SEED[tab.title]
        width = max(len(row) for row in seed)
        assert padded([tab.header], width) == padded(seed[:1], width), name
        assert padded(tab.rows, width) == padded(seed[1:], width), name


def test_blank_row_keeps_row_numbers(store_backend: StoreBackend) -> None:
    mentors = read_back(store_backend).tabs[MENTORS]

    # rows[i] is spreadsheet row i + 2: the blank row 4 is still there, Linus is row 5.
    assert not any(mentors.rows[2])
    assert mentors.rows[3][0] == "Linus"


def test_aliased_and_respaced_headers_resolve(store_backend: StoreBackend) -> None:
    raw = read_back(store_backend)

    mentors = records(store_backend, raw.tabs[MENTORS], MENTORS)
    assert [m["Email"] for m in mentors if m["Name"]] == [
        "ada@example.org",
        "GRACE@Example.org",
        "linus@example.org",
    ]
    assert mentors[0]["Capacity"] == "2"
    found = pairings(store_backend)
    assert found["P-0003"]["Intro message ID"] == "<m-3@example.org>"


def test_extra_staff_columns_are_read_but_not_mapped(store_backend: StoreBackend) -> None:
    raw = read_back(store_backend)

    assert "Staff comments" in raw.tabs[MENTORS].header
    mentors = records(store_backend, raw.tabs[MENTORS], MENTORS)
    assert "keen" not in mentors[0].values()


# --- writing Pairings ----------------------------------------------------------------


def test_append_new_pairings_rows(store_backend: StoreBackend) -> None:
    with store_backend.store.session("run") as session:
        outcome = session.write([new_pairing("P-0004"), new_pairing("P-0005", "Fay")], [])

    assert outcome.applied == ("P-0004", "P-0005")
    assert outcome.skipped == ()
    raw = read_back(store_backend)
    ids = [record["Pairing ID"] for record in records(store_backend, raw.tabs[PAIRINGS], PAIRINGS)]
    assert ids == ["P-0001", "P-0002", "P-0003", "P-0004", "P-0005"]
    found = pairings(store_backend)
    assert found["P-0005"]["Mentee"] == "Fay"
    assert found["P-0005"]["Proposed on"] == "2026-11-03"


def test_append_never_duplicates_an_existing_pairing_id(store_backend: StoreBackend) -> None:
    with store_backend.store.session("run") as session:
        outcome = session.write([new_pairing("P-0002", "Impostor")], [])

    assert outcome.applied == ()
    assert [skip.pairing_id for skip in outcome.skipped] == ["P-0002"]
    assert pairings(store_backend)["P-0002"]["Mentee"] == "Cleo"


def test_update_by_pairing_id(store_backend: StoreBackend) -> None:
    update = PairingUpdate(
        "P-0002",
        {"Status": "Awaiting contact", "Intro sent on": "2026-11-03T10:00:00"}
        | {"Intro message ID": "<m-2@example.org>"},
        expect_status="Approved",
    )
    with store_backend.store.session("run") as session:
        outcome = session.write([], [update])

    assert outcome.applied == ("P-0002",)
    found = pairings(store_backend)
    assert found["P-0002"]["Status"] == "Awaiting contact"
    assert found["P-0002"]["Intro message ID"] == "<m-2@example.org>"
    assert found["P-0002"]["Mentee"] == "Cleo"
    assert found["P-0001"]["Status"] == "Proposed"
    assert found["P-0003"]["Intro message ID"] == "<m-3@example.org>"


def test_update_skipped_when_status_changed(store_backend: StoreBackend) -> None:
    update = PairingUpdate("P-0001", {"Status": "Sending intro"}, expect_status="Approved")
    with store_backend.store.session("run") as session:
        outcome = session.write([], [update])

    assert outcome.applied == ()
    assert [skip.pairing_id for skip in outcome.skipped] == ["P-0001"]
    assert outcome.skipped[0].reason
    assert pairings(store_backend)["P-0001"]["Status"] == "Proposed"


def test_update_of_unknown_id_is_skipped(store_backend: StoreBackend) -> None:
    with store_backend.store.session("run") as session:
        outcome = session.write([], [PairingUpdate("P-9999", {"Status": "Ended"})])

    assert [skip.pairing_id for skip in outcome.skipped] == ["P-9999"]
    assert outcome.skipped[0].reason
    assert {record["Status"] for record in pairings(store_backend).values()} == {
        "Proposed",
        "Approved",
        "Awaiting contact",
    }


def test_mixed_batch_applies_what_it_can(store_backend: StoreBackend) -> None:
    with store_backend.store.session("run") as session:
        outcome = session.write(
            [new_pairing("P-0004")],
            [
                PairingUpdate("P-0001", {"Status": "Approved"}, expect_status="Proposed"),
                PairingUpdate("P-0002", {"Status": "Sending intro"}, expect_status="Proposed"),
            ],
        )

    assert set(outcome.applied) == {"P-0001", "P-0004"}
    assert [skip.pairing_id for skip in outcome.skipped] == ["P-0002"]
    found = pairings(store_backend)
    assert (found["P-0001"]["Status"], found["P-0002"]["Status"]) == ("Approved", "Approved")
    assert "P-0004" in found


# --- staff editing during the run ---------------------------------------------------------


def test_write_after_staff_sorted_and_inserted_rows_lands_on_the_right_row(
    store_backend: StoreBackend,
) -> None:
    with store_backend.store.session("run") as session:
        before = session.read()
        assert before.tabs[PAIRINGS].rows[1][0] == "P-0002"  # row 3 when read
        store_backend.staff_sort_pairings_by("Mentee", descending=True)  # Dan, Cleo, Bob
        store_backend.staff_insert_pairings_row(2, ["", "", "a note staff typed"])
        outcome = session.write(
            [new_pairing("P-0004")],
            [PairingUpdate("P-0002", {"Status": "Sending intro"}, expect_status="Approved")],
        )

    assert outcome.applied == ("P-0002", "P-0004")
    raw = read_back(store_backend)
    rows = records(store_backend, raw.tabs[PAIRINGS], PAIRINGS)
    assert [record["Pairing ID"] for record in rows] == ["", "P-0003", "P-0002", "P-0001", "P-0004"]
    by_id = {record["Pairing ID"]: record for record in rows}
    assert by_id["P-0002"]["Status"] == "Sending intro"
    assert by_id["P-0002"]["Mentee"] == "Cleo"
    assert by_id["P-0003"]["Status"] == "Awaiting contact"
    assert by_id["P-0001"]["Status"] == "Proposed"
    assert rows[0]["Mentee"] == "a note staff typed"


def test_write_to_a_row_staff_deleted_is_skipped(store_backend: StoreBackend) -> None:
    with store_backend.store.session("run") as session:
        session.read()
        store_backend.staff_delete_pairings_row(3)  # P-0002
        outcome = session.write([], [PairingUpdate("P-0002", {"Status": "Sending intro"})])

    assert outcome.applied == ()
    assert [skip.pairing_id for skip in outcome.skipped] == ["P-0002"]
    assert "Sending intro" not in {record["Status"] for record in pairings(store_backend).values()}


def test_write_to_a_duplicated_id_is_skipped(store_backend: StoreBackend) -> None:
    with store_backend.store.session("run") as session:
        session.read()
        store_backend.staff_set_pairings_cell(4, "Pairing ID", "P-0002")  # P-0003's row
        outcome = session.write([], [PairingUpdate("P-0002", {"Status": "Ended"})])

    assert [skip.pairing_id for skip in outcome.skipped] == ["P-0002"]
    assert outcome.skipped[0].reason
    statuses = [
        r["Status"]
        for r in records(store_backend, read_back(store_backend).tabs[PAIRINGS], PAIRINGS)
    ]
    assert "Ended" not in statuses


def test_status_changed_by_staff_after_the_read_is_respected(store_backend: StoreBackend) -> None:
    with store_backend.store.session("run") as session:
        session.read()
        store_backend.staff_set_pairings_cell(3, "Status", "Rejected")
        outcome = session.write(
            [], [PairingUpdate("P-0002", {"Status": "Sending intro"}, expect_status="Approved")]
        )

    assert [skip.pairing_id for skip in outcome.skipped] == ["P-0002"]
    assert pairings(store_backend)["P-0002"]["Status"] == "Rejected"


# --- text stays text ----------------------------------------------------------------------


FORMULA_LIKE = ['=IMPORTXML("http://x.example/", "//a")', "=1+1", "+CMD|' /C calc'!A0", "@SUM(1)"]


def test_formula_like_text_stays_text(store_backend: StoreBackend) -> None:
    name = FORMULA_LIKE[0]
    with store_backend.store.session("run") as session:
        session.write(
            [new_pairing("P-0004", "Zed", Why=FORMULA_LIKE[2], Score="007")],
            [PairingUpdate("P-0001", {"Intro message ID": FORMULA_LIKE[1]})],
        )
        session.finish(
            [Problem(MENTEES, 7, "Name", name, "looks like a formula")],
            dict.fromkeys(COLUMNS[RUNS], FORMULA_LIKE[3]),
        )

    raw = read_back(store_backend)
    found = {r["Pairing ID"]: r for r in records(store_backend, raw.tabs[PAIRINGS], PAIRINGS)}
    assert found["P-0004"]["Why"] == FORMULA_LIKE[2]
    assert found["P-0004"]["Score"] == "007"  # not the number 7
    assert found["P-0001"]["Intro message ID"] == FORMULA_LIKE[1]
    problems = records(store_backend, raw.tabs[PROBLEMS], PROBLEMS)
    assert problems[0]["Value"] == name
    runs = records(store_backend, raw.tabs[RUNS], RUNS)
    assert runs[-1]["Command"] == FORMULA_LIKE[3]


def test_line_breaks_and_unicode_round_trip(store_backend: StoreBackend) -> None:
    why = "python\nsql; Zoë’s “favourite”"
    with store_backend.store.session("run") as session:
        session.write([new_pairing("P-0004", "Zoë", Why=why)], [])

    assert pairings(store_backend)["P-0004"]["Why"] == why


# --- Problems, Runs, markers -----------------------------------------------------------------


def test_finish_rewrites_problems_and_appends_the_run(store_backend: StoreBackend) -> None:
    problems = [
        Problem(MENTORS, 3, "Capacity", "three", "capacity must be a whole number"),
        Problem(MENTEES, None, "Route", "", "the Route column is empty"),
    ]
    run_row = {
        "Started": "2026-11-03T08:00:00",
        "Finished": "2026-11-03T08:00:09",
        "Command": "run",
        "Mode": "live",
        "Proposed": "2",
        "Intros sent": "1",
        "Overdue": "0",
        "Problems": "2",
        "Result": "ok",
    }
    with store_backend.store.session("run") as session:
        session.finish(problems, run_row)

    raw = read_back(store_backend)
    assert tuple(raw.tabs[PROBLEMS].header) == COLUMNS[PROBLEMS]
    assert padded(raw.tabs[PROBLEMS].rows, 5) == [
        ["Mentors", "3", "Capacity", "three", "capacity must be a whole number"],
        ["Mentees", "", "Route", "", "the Route column is empty"],
    ]
    runs = records(store_backend, raw.tabs[RUNS], RUNS)
    assert len(runs) == 2
    assert runs[0]["Started"] == "2026-10-01T08:00:00"
    assert {column: runs[1][column] for column in run_row} == run_row


def test_finish_with_no_problems_empties_the_problems_tab(store_backend: StoreBackend) -> None:
    with store_backend.store.session("run") as session:
        session.finish([], {"Command": "run", "Result": "ok"})
        with pytest.raises(WorkbookError):
            session.write([new_pairing("P-0004")], [])

    raw = read_back(store_backend)
    assert tuple(raw.tabs[PROBLEMS].header) == COLUMNS[PROBLEMS]
    assert not any(any(row) for row in raw.tabs[PROBLEMS].rows)
    assert "P-0004" not in pairings(store_backend)


def test_markers_round_trip(store_backend: StoreBackend) -> None:
    assert read_back(store_backend).markers.get("digest") in (None, "")
    with store_backend.store.session("run") as session:
        session.set_marker("digest", "2026-11-02")
        session.set_marker("digest", "2026-11-03")
        session.set_marker("other", "x")

    markers = read_back(store_backend).markers
    assert markers["digest"] == "2026-11-03"
    assert markers["other"] == "x"


# --- sessions -----------------------------------------------------------------------------------


def test_dry_run_session_refuses_writes(store_backend: StoreBackend) -> None:
    with store_backend.store.session("dry", dry_run=True) as session:
        assert session.read().tabs[PAIRINGS].rows
        with pytest.raises(WorkbookError):
            session.write([new_pairing("P-0004")], [])
        with pytest.raises(WorkbookError):
            session.set_marker("digest", "2026-11-03")
        with pytest.raises(WorkbookError):
            session.finish([], {"Command": "run"})

    raw = read_back(store_backend)
    assert "P-0004" not in pairings(store_backend)
    assert "digest" not in raw.markers
    assert len(raw.tabs[RUNS].rows) == 1


def test_second_session_waits_then_refuses(store_backend: StoreBackend) -> None:
    with store_backend.store.session("first") as first:
        with pytest.raises(RunInProgressError), store_backend.store.session("second"):
            pytest.fail("a second run must not start while the first holds the workbook")
        # A dry run only reads: it needs no lock and is not blocked.
        with store_backend.store.session("peek", dry_run=True) as peek:
            assert peek.read().tabs[PAIRINGS].rows
        first.write([new_pairing("P-0004")], [])

    with store_backend.store.session("third") as third:
        assert third.read().tabs[PAIRINGS].rows[-1][0] == "P-0004"


def test_session_released_after_an_exception(store_backend: StoreBackend) -> None:
    with pytest.raises(ZeroDivisionError), store_backend.store.session("crash"):
        _ = 1 / 0

    with store_backend.store.session("next") as session:
        assert session.read().tabs[PAIRINGS].rows


def test_stats_count_requests(store_backend: StoreBackend) -> None:
    with store_backend.store.session("run") as session:
        session.read()
        session.write([new_pairing("P-0004")], [])
        session.finish([], {"Command": "run"})
        stats = session.stats

    assert stats.reads >= 1
    assert stats.writes >= 2

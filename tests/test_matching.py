"""The matcher: optimal by brute force, eligible, explained, deterministic."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from mentorsheet.core.matching import propose_pairings
from mentorsheet.core.model import HeldPlace, MatchResult, Mentee, Mentor, Pairing, Programme
from mentorsheet.core.schema import Route, Status
from mentorsheet.core.statuses import FREEING_STATUSES
from mentorsheet.errors import MentorsheetError

TODAY = date(2026, 3, 2)
SKILLS = ("python", "go", "sql", "rust", "ux", "café")
DATES = (None, date(2026, 1, 5), date(2026, 1, 5), date(2026, 2, 1), date(2026, 2, 20))


def mentor(
    email: str, skills: Sequence[str], capacity: int = 1, *, active: bool = True, name: str = ""
) -> Mentor:
    return Mentor(
        row=2,
        name=name or email.partition("@")[0].title(),
        email=email,
        skills=tuple(skills),
        capacity=capacity,
        active=active,
    )


def mentee(
    email: str,
    skills: Sequence[str] = (),
    route: Route = Route.COMMUNITY,
    requested_on: date | None = None,
    *,
    name: str = "",
) -> Mentee:
    return Mentee(
        row=2,
        name=name or email.partition("@")[0].title(),
        email=email,
        route=route,
        skills_wanted=tuple(skills),
        requested_on=requested_on,
    )


def pairing(mentee_email: str, mentor_email: str, status: Status, row: int = 2) -> Pairing:
    return Pairing(
        row=row,
        pairing_id=f"P-{row:06d}",
        status=status,
        mentee_name="Someone",
        mentee_email=mentee_email,
        mentor_name="Someone",
        mentor_email=mentor_email,
    )


def pairs_of(result: MatchResult) -> set[tuple[str, str]]:
    return {(p.mentee.email, p.mentor.email) for p in result.proposals}


def reasons_of(result: MatchResult) -> dict[str, str]:
    return {u.mentee.email: u.reason for u in result.unpaired}


# --- an independent oracle: the rules read straight from the issue ------------------


@dataclass(frozen=True)
class Oracle:
    eligible_mentors: dict[str, int]  # email -> free places
    eligible_mentees: tuple[Mentee, ...]  # in rank order
    rejected: frozenset[tuple[str, str]]
    mentors: dict[str, Mentor]

    def allowed(self, who: Mentee, email: str) -> bool:
        if (who.email, email) in self.rejected:
            return False
        shares = bool(set(who.skills_wanted) & set(self.mentors[email].skills))
        return who.route == Route.ACADEMY or shares

    def coverage(self, who: Mentee, email: str) -> Fraction:
        wanted = set(who.skills_wanted)
        if not wanted:
            return Fraction(0)
        return Fraction(len(wanted & set(self.mentors[email].skills)), len(wanted))


def finished_without_asking_again(who: Mentee, pairings: Sequence[Pairing]) -> bool:
    """An Ended pairing of theirs proposed on or after their Requested on (undated: always),
    with no Re-pair of theirs since."""
    own = [p for p in pairings if p.mentee_email == who.email]
    for ended in (p for p in own if p.status == Status.ENDED):
        asked = (
            ended.proposed_on is not None
            and who.requested_on is not None
            and who.requested_on > ended.proposed_on
        )
        repaired = any(
            p.status == Status.RE_PAIR
            and (
                p.proposed_on is None
                or ended.proposed_on is None
                or p.proposed_on >= ended.proposed_on
            )
            for p in own
        )
        if not asked and not repaired:
            return True
    return False


def oracle_for(programme: Programme) -> Oracle:
    holding = [p for p in programme.pairings if p.status not in FREEING_STATUSES]
    used = Counter(p.mentor_email for p in holding)
    free = {m.email: m.capacity - used[m.email] for m in programme.mentors if m.active}
    taken = {p.mentee_email for p in holding}
    mentees = [
        m
        for m in programme.mentees
        if m.email not in taken and not finished_without_asking_again(m, programme.pairings)
    ]
    mentees.sort(key=lambda m: (m.requested_on is None, m.requested_on or date.min, m.email))
    return Oracle(
        eligible_mentors={e: f for e, f in free.items() if f > 0},
        eligible_mentees=tuple(mentees),
        # A pair that has existed, in any status, is never proposed again.
        rejected=frozenset((p.mentee_email, p.mentor_email) for p in programme.pairings),
        mentors={m.email: m for m in programme.mentors},
    )


Objective = tuple[int, int, Fraction]


def objective(oracle: Oracle, chosen: Sequence[tuple[Mentee, str]]) -> Objective:
    academy = sum(1 for who, _ in chosen if who.route == Route.ACADEMY)
    coverage = sum((oracle.coverage(who, email) for who, email in chosen), Fraction(0))
    return (academy, len(chosen), coverage)


def brute_force(programme: Programme) -> tuple[Objective, tuple[int, ...]]:
    """Best (tiers 1-3) over every feasible assignment, and among those the
    lexicographically smallest sorted ranks of the paired mentees (tier 4)."""
    oracle = oracle_for(programme)
    mentees = oracle.eligible_mentees
    best: tuple[Objective, tuple[int, ...]] | None = None
    free = dict(oracle.eligible_mentors)
    chosen: list[tuple[int, str]] = []

    def visit(k: int) -> None:
        nonlocal best
        if k == len(mentees):
            value = objective(oracle, [(mentees[i], e) for i, e in chosen])
            ranks = tuple(sorted(i for i, _ in chosen))
            if best is None or value > best[0] or (value == best[0] and ranks < best[1]):
                best = (value, ranks)
            return
        visit(k + 1)  # left unpaired
        for email in sorted(free):
            if free[email] > 0 and oracle.allowed(mentees[k], email):
                free[email] -= 1
                chosen.append((k, email))
                visit(k + 1)
                chosen.pop()
                free[email] += 1

    visit(0)
    assert best is not None
    return best


def check_valid(programme: Programme, result: MatchResult) -> None:
    """Every rule of who may pair with whom, and the result's bookkeeping."""
    oracle = oracle_for(programme)
    eligible = {m.email for m in oracle.eligible_mentees}
    per_mentor = Counter(p.mentor.email for p in result.proposals)
    for email, count in per_mentor.items():
        assert email in oracle.eligible_mentors
        assert count <= oracle.eligible_mentors[email]
    paired = [p.mentee.email for p in result.proposals]
    assert len(paired) == len(set(paired))
    for proposal in result.proposals:
        assert proposal.mentee.email in eligible
        assert (proposal.mentee.email, proposal.mentor.email) not in oracle.rejected
        shared = set(proposal.mentee.skills_wanted) & set(proposal.mentor.skills)
        assert set(proposal.shared_skills) == shared
        if proposal.mentee.route == Route.COMMUNITY:
            assert shared
        assert Fraction(proposal.score).limit_denominator(100) == oracle.coverage(
            proposal.mentee, proposal.mentor.email
        )
        assert proposal.why
    unpaired = [u.mentee.email for u in result.unpaired]
    assert sorted(unpaired + paired) == sorted(eligible)
    assert all(u.reason for u in result.unpaired)


def solver_value(programme: Programme, result: MatchResult) -> tuple[Objective, tuple[int, ...]]:
    oracle = oracle_for(programme)
    rank = {m.email: i for i, m in enumerate(oracle.eligible_mentees)}
    chosen = [(p.mentee, p.mentor.email) for p in result.proposals]
    return objective(oracle, chosen), tuple(sorted(rank[p.mentee.email] for p in result.proposals))


# --- random small programmes -------------------------------------------------------


@st.composite
def programmes(draw: st.DrawFn) -> Programme:
    mentor_count = draw(st.integers(0, 4))
    mentee_count = draw(st.integers(0, 6))
    skill_sets = st.lists(st.sampled_from(SKILLS), max_size=3, unique=True)
    mentors = [
        mentor(
            f"mentor{k}@example.org",
            draw(skill_sets),
            draw(st.integers(0, 3)),
            active=draw(st.sampled_from((True, True, True, False))),
        )
        for k in range(mentor_count)
    ]
    # Emails in a drawn order, so the email tie-break is exercised both ways.
    letters = draw(st.permutations("abcdefgh"))
    mentees = [
        mentee(
            f"{letters[k]}{k}@example.net",
            draw(skill_sets),
            draw(st.sampled_from((Route.ACADEMY, Route.COMMUNITY, Route.COMMUNITY))),
            draw(st.sampled_from(DATES)),
        )
        for k in range(mentee_count)
    ]
    mentee_emails = [m.email for m in mentees] + ["gone@example.net"]
    mentor_emails = [m.email for m in mentors] + ["left@example.org"]
    pairings = [
        pairing(
            draw(st.sampled_from(mentee_emails)),
            draw(st.sampled_from(mentor_emails)),
            draw(st.sampled_from(list(Status))),
            row=k + 2,
        )
        for k in range(draw(st.integers(0, 5)))
    ]
    return Programme(mentors=tuple(mentors), mentees=tuple(mentees), pairings=tuple(pairings))


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programmes())
def test_matches_the_brute_force_optimum(programme: Programme) -> None:
    result = propose_pairings(programme, today=TODAY)
    check_valid(programme, result)
    assert solver_value(programme, result) == brute_force(programme)


@settings(max_examples=60, deadline=None)
@given(programmes(), st.randoms(use_true_random=False))
def test_same_result_whatever_the_row_order(programme: Programme, rng: random.Random) -> None:
    shuffled = Programme(
        mentors=tuple(rng.sample(programme.mentors, len(programme.mentors))),
        mentees=tuple(rng.sample(programme.mentees, len(programme.mentees))),
        pairings=tuple(rng.sample(programme.pairings, len(programme.pairings))),
    )
    first = propose_pairings(programme, today=TODAY)
    assert propose_pairings(shuffled, today=TODAY) == first
    assert propose_pairings(programme, today=TODAY) == first


@st.composite
def medium_programmes(draw: st.DrawFn) -> Programme:
    """Up to 40 mentees and 12 mentors over few skills: many identical
    skill sets, shared skill-set nodes and crowded mentors."""
    rng = draw(st.randoms(use_true_random=False))
    skills = SKILLS[:4]
    mentors = [
        mentor(
            f"m{k:02d}@example.org",
            rng.sample(skills, rng.randint(1, 3)),
            rng.randint(0, 3),
            active=rng.random() < 0.9,
        )
        for k in range(draw(st.integers(1, 12)))
    ]
    mentees = [
        mentee(
            f"{rng.choice('pqrs')}{k:02d}@example.net",
            rng.sample(skills, rng.randint(0, 3)),
            Route.ACADEMY if rng.random() < 0.3 else Route.COMMUNITY,
            rng.choice(DATES),
        )
        for k in range(draw(st.integers(1, 40)))
    ]
    pairings = [
        pairing(
            rng.choice(mentees).email,
            rng.choice(mentors).email,
            rng.choice([Status.REJECTED, Status.REJECTED, Status.ENDED, Status.IN_CONTACT]),
            row=k + 2,
        )
        for k in range(rng.randint(0, 8))
    ]
    return Programme(mentors=tuple(mentors), mentees=tuple(mentees), pairings=tuple(pairings))


def dense_assignment_value(programme: Programme) -> tuple[Objective, int]:
    """Tiers 1-4 by scipy's dense assignment on mentee × mentor place, with
    tier weights small enough for float64 to stay exact at this size."""
    oracle = oracle_for(programme)
    mentees = oracle.eligible_mentees
    n = len(mentees)
    places = [e for e, free in sorted(oracle.eligible_mentors.items()) for _ in range(free)]
    w3 = n * n + 1  # tier 4 (sum of n - rank) differs by less than n * n
    w2 = w3 * (12 * n + 1) + n * n  # coverage × 12 (lcm of 1..4) sums to at most 12 n
    w1 = w2 * (n + 1)
    assert w1 * 2 * n < 2**53
    weights = np.zeros((n, len(places) + n))
    for r, who in enumerate(mentees):
        for c, email in enumerate(places):
            if oracle.allowed(who, email):
                weights[r, c] = (
                    (w1 if who.route == Route.ACADEMY else 0)
                    + w2
                    + w3 * int(oracle.coverage(who, email) * 12)
                    + (n - r)
                )
    rows, cols = linear_sum_assignment(weights, maximize=True)
    chosen = [(mentees[r], places[c]) for r, c in zip(rows, cols, strict=True) if weights[r, c] > 0]
    rank = {m.email: i for i, m in enumerate(mentees)}
    return objective(oracle, chosen), sum(n - rank[who.email] for who, _ in chosen)


@settings(max_examples=40, deadline=None)
@given(medium_programmes())
def test_matches_a_dense_assignment_solver_on_medium_programmes(programme: Programme) -> None:
    result = propose_pairings(programme, today=TODAY)
    check_valid(programme, result)
    value, ranks = solver_value(programme, result)
    n = len(oracle_for(programme).eligible_mentees)
    assert (value, sum(n - r for r in ranks)) == dense_assignment_value(programme)


# --- edge cases --------------------------------------------------------------------


def test_no_mentors_leaves_everyone_unpaired_with_a_reason() -> None:
    programme = Programme(
        mentees=(
            mentee("a@example.net", ["python"]),
            mentee("b@example.net", [], Route.ACADEMY),
        )
    )
    result = propose_pairings(programme, today=TODAY)
    assert result.proposals == ()
    assert reasons_of(result) == {
        "a@example.net": "no active mentor offers python",
        "b@example.net": "no active mentor has a free place",
    }
    assert [(g.skill, g.wanted_by, g.free_places) for g in result.skill_gaps] == [("python", 1, 0)]


def test_no_mentees_gives_an_empty_result() -> None:
    programme = Programme(mentors=(mentor("m@example.org", ["python"], 2),))
    assert propose_pairings(programme, today=TODAY) == MatchResult()


def test_all_mentors_full() -> None:
    programme = Programme(
        mentors=(mentor("m@example.org", ["go"], 1), mentor("n@example.org", ["go"], 2)),
        mentees=(
            mentee("busy1@example.net"),
            mentee("busy2@example.net"),
            mentee("busy3@example.net"),
            mentee("a@example.net", ["go"]),
            mentee("b@example.net", ["ux"], Route.ACADEMY),
        ),
        pairings=(
            pairing("busy1@example.net", "m@example.org", Status.AWAITING_CONTACT, 2),
            pairing("busy2@example.net", "n@example.org", Status.IN_CONTACT, 3),
            pairing("busy3@example.net", "n@example.org", Status.PROPOSED, 4),
        ),
    )
    result = propose_pairings(programme, today=TODAY)
    assert result.proposals == ()
    assert reasons_of(result) == {
        "a@example.net": "every mentor offering go is full",
        "b@example.net": "no active mentor has a free place",
    }
    assert {g.skill for g in result.skill_gaps} == {"go", "ux"}


def test_capacity_zero_and_inactive_mentors_are_never_proposed() -> None:
    programme = Programme(
        mentors=(
            mentor("zero@example.org", ["python"], 0),
            mentor("away@example.org", ["rust"], 3, active=False),
        ),
        mentees=(
            mentee("a@example.net", ["python"]),
            mentee("b@example.net", ["rust"]),
            mentee("c@example.net", [], Route.ACADEMY),
        ),
    )
    result = propose_pairings(programme, today=TODAY)
    assert result.proposals == ()
    assert reasons_of(result) == {
        "a@example.net": "every mentor offering python is full",
        "b@example.net": "no active mentor offers rust",
        "c@example.net": "no active mentor has a free place",
    }


def test_ended_frees_a_place_and_rejected_returns_the_mentee_to_the_pool() -> None:
    # Ended frees m's place; the mentee who finished is not proposed again (they
    # did not ask again), and nobody gets the same mentor twice.
    programme = Programme(
        mentors=(mentor("m@example.org", ["go"], 1), mentor("n@example.org", ["go"], 1)),
        mentees=(
            mentee("a@example.net", ["go"]),
            mentee("old@example.net", ["go"]),
            mentee("new@example.net", ["go"], requested_on=date(2026, 2, 1)),
        ),
        pairings=(
            pairing("old@example.net", "m@example.org", Status.ENDED, 2),
            pairing("a@example.net", "m@example.org", Status.REJECTED, 3),
        ),
    )
    result = propose_pairings(programme, today=TODAY)
    assert pairs_of(result) == {
        ("a@example.net", "n@example.org"),
        ("new@example.net", "m@example.org"),
    }
    assert [u.mentee.email for u in result.held_back] == ["old@example.net"]


def test_a_rejected_pair_is_not_proposed_again_even_if_it_is_the_only_option() -> None:
    programme = Programme(
        mentors=(mentor("m@example.org", ["go"], 2),),
        mentees=(
            mentee("a@example.net", ["go"]),
            mentee("b@example.net", ["go"], Route.ACADEMY),
        ),
        pairings=(
            pairing("a@example.net", "m@example.org", Status.REJECTED, 2),
            pairing("b@example.net", "m@example.org", Status.REJECTED, 3),
        ),
    )
    result = propose_pairings(programme, today=TODAY)
    assert result.proposals == ()
    assert reasons_of(result) == {
        "a@example.net": "every mentor offering go who has a free place "
        "was rejected for this mentee before",
        "b@example.net": "every mentor with a free place was rejected for this mentee before",
    }


def test_identical_mentors_are_told_apart_when_one_was_rejected() -> None:
    programme = Programme(
        mentors=(mentor("x@example.org", ["go"], 1), mentor("y@example.org", ["go"], 1)),
        mentees=(
            mentee("a@example.net", ["go"], requested_on=date(2026, 1, 1)),
            mentee("b@example.net", ["go"], requested_on=date(2026, 1, 2)),
        ),
        pairings=(pairing("a@example.net", "x@example.org", Status.REJECTED),),
    )
    result = propose_pairings(programme, today=TODAY)
    assert pairs_of(result) == {
        ("a@example.net", "y@example.org"),
        ("b@example.net", "x@example.org"),
    }


def test_a_mentee_who_rejected_every_fitting_mentor_gives_way_to_the_next() -> None:
    # The longest-waiting mentee rejected both go mentors: the first solve
    # (rejections relaxed) pairs them; the second builds the rejections in
    # and pairs the next two instead.
    programme = Programme(
        mentors=(mentor("x@example.org", ["go"], 1), mentor("y@example.org", ["go"], 1)),
        mentees=(
            mentee("a@example.net", ["go"], requested_on=date(2026, 1, 1)),
            mentee("b@example.net", ["go"], requested_on=date(2026, 1, 2)),
            mentee("c@example.net", ["go"], requested_on=date(2026, 1, 3)),
        ),
        pairings=(
            pairing("a@example.net", "x@example.org", Status.REJECTED, 2),
            pairing("a@example.net", "y@example.org", Status.REJECTED, 3),
        ),
    )
    result = propose_pairings(programme, today=TODAY)
    check_valid(programme, result)
    assert {p.mentee.email for p in result.proposals} == {"b@example.net", "c@example.net"}
    assert reasons_of(result) == {
        "a@example.net": "every mentor offering go who has a free place "
        "was rejected for this mentee before"
    }


def test_academy_mentee_gets_the_last_place_over_a_perfect_community_match() -> None:
    programme = Programme(
        mentors=(mentor("m@example.org", ["python"], 1),),
        mentees=(
            mentee("early@example.net", ["python"], Route.COMMUNITY, date(2025, 1, 1)),
            mentee("late@example.net", ["cooking"], Route.ACADEMY, date(2026, 3, 1)),
        ),
    )
    result = propose_pairings(programme, today=TODAY)
    (proposal,) = result.proposals
    assert proposal.mentee.email == "late@example.net"
    assert proposal.score == 0.0
    assert proposal.why == "Academy applicant; no shared skills, allocated by capacity."
    assert reasons_of(result) == {
        "early@example.net": "every free place with a mentor offering python "
        "went to other mentees this round"
    }
    assert [(g.skill, g.wanted_by, g.free_places) for g in result.skill_gaps] == [("python", 1, 0)]


def test_more_pairs_beat_better_coverage() -> None:
    # Coverage alone would pair x with a (1.0) and leave y out; two pairs
    # (0.5 + 0.25) come first.
    programme = Programme(
        mentors=(mentor("a@example.org", ["python", "go"]), mentor("b@example.org", ["python"])),
        mentees=(
            mentee("x@example.net", ["go", "python"]),
            mentee("y@example.net", ["go", "sql", "ux", "rust"]),
        ),
    )
    result = propose_pairings(programme, today=TODAY)
    assert pairs_of(result) == {
        ("x@example.net", "b@example.org"),
        ("y@example.net", "a@example.org"),
    }
    assert sorted(p.score for p in result.proposals) == [0.25, 0.5]


def test_coverage_beats_waiting_longer_and_no_skills_is_never_perfect() -> None:
    programme = Programme(
        mentors=(mentor("m@example.org", ["python"], 1),),
        mentees=(
            mentee("waiting@example.net", [], Route.ACADEMY, date(2025, 6, 1)),
            mentee("new@example.net", ["python"], Route.ACADEMY, date(2026, 3, 1)),
        ),
    )
    result = propose_pairings(programme, today=TODAY)
    (proposal,) = result.proposals
    assert proposal.mentee.email == "new@example.net"
    assert proposal.score == 1.0
    assert proposal.why == "Shares python (1 of 1 skill wanted). Academy applicant."
    assert reasons_of(result) == {
        "waiting@example.net": "every free place went to other Academy applicants this round"
    }


def test_academy_mentee_without_skills_scores_zero() -> None:
    programme = Programme(
        mentors=(mentor("m@example.org", ["python"], 1),),
        mentees=(mentee("a@example.net", [], Route.ACADEMY),),
    )
    (proposal,) = propose_pairings(programme, today=TODAY).proposals
    assert proposal.score == 0.0
    assert proposal.shared_skills == ()
    assert proposal.why == "Academy applicant; no skills listed, allocated by capacity."


def test_community_mentee_without_skills_is_not_paired() -> None:
    programme = Programme(
        mentors=(mentor("m@example.org", ["python"], 1),),
        mentees=(mentee("a@example.net", []),),
    )
    result = propose_pairings(programme, today=TODAY)
    assert result.proposals == ()
    assert reasons_of(result) == {
        "a@example.net": "lists no skills wanted (Community mentees are paired on skills)"
    }
    assert result.skill_gaps == ()


@pytest.mark.parametrize(
    ("first", "second", "winner"),
    [
        # waiting longer wins, whatever the email
        (("z@example.net", date(2026, 1, 1)), ("a@example.net", date(2026, 2, 1)), "z@example.net"),
        # the same day: the email decides
        (("z@example.net", date(2026, 1, 1)), ("a@example.net", date(2026, 1, 1)), "a@example.net"),
        # no date comes last
        (("a@example.net", None), ("z@example.net", date(2026, 2, 1)), "z@example.net"),
        (("z@example.net", None), ("a@example.net", None), "a@example.net"),
    ],
)
def test_tie_break_by_requested_on_then_email(
    first: tuple[str, date | None], second: tuple[str, date | None], winner: str
) -> None:
    for order in ((first, second), (second, first)):
        programme = Programme(
            mentors=(mentor("m@example.org", ["python", "go"], 1),),
            mentees=tuple(mentee(e, ["python"], Route.COMMUNITY, d) for e, d in order),
        )
        (proposal,) = propose_pairings(programme, today=TODAY).proposals
        assert proposal.mentee.email == winner


def test_tie_break_keeps_the_longest_waiting_set_across_skills() -> None:
    # Three mentees, two places: whoever is left out, coverage is 1.0 each;
    # the two who waited longest are paired.
    programme = Programme(
        mentors=(mentor("m@example.org", ["python", "go"], 2),),
        mentees=(
            mentee("c@example.net", ["go"], requested_on=date(2026, 1, 3)),
            mentee("a@example.net", ["python"], requested_on=date(2026, 1, 9)),
            mentee("b@example.net", ["go", "python"], requested_on=date(2026, 1, 1)),
        ),
    )
    result = propose_pairings(programme, today=TODAY)
    assert {p.mentee.email for p in result.proposals} == {"b@example.net", "c@example.net"}
    assert [p.mentee.email for p in result.proposals] == ["b@example.net", "c@example.net"]


def test_among_mentees_wanting_the_same_the_longest_waiting_gets_the_closer_match() -> None:
    programme = Programme(
        mentors=(mentor("both@example.org", ["python", "go"]), mentor("one@example.org", ["go"])),
        mentees=(
            mentee("later@example.net", ["go", "python"], requested_on=date(2026, 2, 1)),
            mentee("sooner@example.net", ["go", "python"], requested_on=date(2026, 1, 1)),
        ),
    )
    result = propose_pairings(programme, today=TODAY)
    assert [(p.mentee.email, p.mentor.email, p.score) for p in result.proposals] == [
        ("sooner@example.net", "both@example.org", 1.0),
        ("later@example.net", "one@example.org", 0.5),
    ]


def test_unicode_skills_and_names() -> None:
    programme = Programme(
        mentors=(mentor("zoë@exämple.org", ["café", "日本語", "rust"], 1, name="Zoë Ñúñez"),),
        mentees=(
            mentee("jürgen@example.net", ["日本語", "café", "ßtraße"], name="Jürgen Groß"),
            mentee("ana@example.net", ["ßtraße"], Route.COMMUNITY, name="Ана"),
        ),
    )
    result = propose_pairings(programme, today=TODAY)
    (proposal,) = result.proposals
    assert proposal.mentor.name == "Zoë Ñúñez"
    assert proposal.why == "Shares 日本語, café (2 of 3 skills wanted)."
    assert proposal.score == pytest.approx(2 / 3)
    assert reasons_of(result) == {"ana@example.net": "no active mentor offers ßtraße"}
    assert [g.skill for g in result.skill_gaps] == ["ßtraße"]


def test_why_reads_like_the_issue() -> None:
    programme = Programme(
        mentors=(mentor("m@example.org", ["python", "testing", "docker"], 1),),
        mentees=(mentee("a@example.net", ["python", "testing", "rust"], Route.ACADEMY),),
    )
    (proposal,) = propose_pairings(programme, today=TODAY).proposals
    assert proposal.why == "Shares python, testing (2 of 3 skills wanted). Academy applicant."
    assert proposal.shared_skills == ("python", "testing")


def test_mixed_reasons_name_the_missing_and_the_full_skills() -> None:
    programme = Programme(
        mentors=(mentor("m@example.org", ["go"], 1),),
        mentees=(
            mentee("first@example.net", ["go"], requested_on=date(2026, 1, 1)),
            mentee("second@example.net", ["go", "elm", "rust"], requested_on=date(2026, 2, 1)),
        ),
    )
    result = propose_pairings(programme, today=TODAY)
    assert reasons_of(result) == {
        "second@example.net": "every free place with a mentor offering go went to other "
        "mentees this round; no active mentor offers elm or rust"
    }


def test_skill_gaps_are_sorted_by_shortfall() -> None:
    programme = Programme(
        mentors=(mentor("m@example.org", ["go"], 1), mentor("n@example.org", ["sql"], 0)),
        mentees=(
            *(mentee(f"r{k}@example.net", ["rust"]) for k in range(3)),
            *(mentee(f"s{k}@example.net", ["sql", "ux"]) for k in range(2)),
            mentee("g@example.net", ["go"], requested_on=date(2026, 1, 1)),
            mentee("h@example.net", ["go"], requested_on=date(2026, 1, 2)),
        ),
    )
    result = propose_pairings(programme, today=TODAY)
    assert [(g.skill, g.wanted_by, g.free_places) for g in result.skill_gaps] == [
        ("rust", 3, 0),
        ("sql", 2, 0),
        ("ux", 2, 0),
        ("go", 1, 0),
    ]


def test_new_mentees_are_spread_over_identical_mentors() -> None:
    programme = Programme(
        mentors=(mentor("m@example.org", ["go"], 2), mentor("n@example.org", ["go"], 3)),
        mentees=tuple(mentee(f"{c}@example.net", ["go"]) for c in "abc"),
    )
    result = propose_pairings(programme, today=TODAY)
    assert Counter(p.mentor.email for p in result.proposals) == {
        "n@example.org": 2,
        "m@example.org": 1,
    }


def test_long_skill_lists_take_the_direct_route_and_stay_optimal() -> None:
    many = [f"skill{k:02d}" for k in range(14)]
    programme = Programme(
        mentors=(
            mentor("wide@example.org", many[:12], 1),
            mentor("narrow@example.org", many[:1], 1),
            mentor("other@example.org", ["go"], 1),
        ),
        mentees=(
            mentee("broad@example.net", many, Route.COMMUNITY, date(2026, 2, 1)),
            mentee("one@example.net", many[:1], Route.COMMUNITY, date(2026, 1, 1)),
            mentee("acad@example.net", [*many[:12], "go"], Route.ACADEMY),
        ),
    )
    result = propose_pairings(programme, today=TODAY)
    check_valid(programme, result)
    assert solver_value(programme, result) == brute_force(programme)
    assert ("broad@example.net", "wide@example.org") in pairs_of(result)


def test_a_programme_too_large_to_rank_exactly_is_a_clear_error() -> None:
    # Wanted lists of every length 1..40 make the common denominator of the
    # coverages lcm(1..40) > 5e15: no exact 64-bit encoding exists.
    skills = [f"s{k}" for k in range(40)]
    programme = Programme(
        mentors=(mentor("m@example.org", skills, 3),),
        mentees=tuple(
            mentee(f"a{k:02d}@example.net", skills[:k], Route.ACADEMY) for k in range(1, 41)
        ),
    )
    with pytest.raises(MentorsheetError, match="too large to rank pairings exactly"):
        propose_pairings(programme, today=TODAY)


def test_rows_held_out_by_the_parser_still_take_their_place() -> None:
    # A Pairings row with an unknown status or no Pairing ID is not acted on,
    # but its mentor's place and its mentee stay taken: never double-book.
    held = (
        HeldPlace(2, "", None, "busy@example.net", "m@example.org"),
        HeldPlace(3, "P-9", Status.ENDED, "done@example.net", "m@example.org"),
    )
    programme = Programme(
        mentors=(mentor("m@example.org", ["go"], 2),),
        mentees=(
            mentee("busy@example.net", ["go"]),
            mentee("done@example.net", ["go"]),
            mentee("new@example.net", ["go"]),
        ),
        held_places=held,
    )
    result = propose_pairings(programme, today=TODAY)
    # One place left (the held row takes the other); the busy mentee is taken;
    # done was paired with m before (on the held row): never the same pair again.
    assert [p.mentee.email for p in result.proposals] == ["new@example.net"]


def test_a_rejection_on_a_held_out_row_still_holds() -> None:
    # Staff rejected the pair on a row the parser could not use (no Pairing ID).
    programme = Programme(
        mentors=(mentor("m@example.org", ["go"], 1),),
        mentees=(mentee("a@example.net", ["go"]),),
        held_places=(HeldPlace(2, "", Status.REJECTED, "a@example.net", "m@example.org"),),
    )
    result = propose_pairings(programme, today=TODAY)
    assert result.proposals == ()
    assert [u.mentee.email for u in result.unpaired] == ["a@example.net"]


def test_nobody_is_paired_with_themselves() -> None:
    programme = Programme(
        mentors=(mentor("kim@example.org", ["go"], 2), mentor("lee@example.org", ["go"], 1)),
        mentees=(
            mentee("kim@example.org", ["go"], Route.ACADEMY),
            mentee("sam@example.net", ["go"]),
        ),
    )
    result = propose_pairings(programme, today=TODAY)
    pairs = {(p.mentee.email, p.mentor.email) for p in result.proposals}
    assert ("kim@example.org", "kim@example.org") not in pairs
    assert ("kim@example.org", "lee@example.org") in pairs

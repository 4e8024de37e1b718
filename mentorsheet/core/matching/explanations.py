"""Explaining the result: why each pair, why each mentee left unpaired, the skill gaps.

Every reason is decided from the data, never guessed.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from mentorsheet.core.matching.pool import Pool
from mentorsheet.core.model import MatchResult, Mentee, Proposal, SkillGap, Unpaired
from mentorsheet.core.schema import Route


def _or_list(skills: Sequence[str]) -> str:
    if len(skills) <= 1:
        return "".join(skills)
    return f"{', '.join(skills[:-1])} or {skills[-1]}"


def _why(mentee: Mentee, wanted: Sequence[str], shared: Sequence[str]) -> str:
    academy = mentee.route == Route.ACADEMY
    if shared:
        noun = "skill" if len(wanted) == 1 else "skills"
        text = f"Shares {', '.join(shared)} ({len(shared)} of {len(wanted)} {noun} wanted)."
        return f"{text} Academy applicant." if academy else text
    if wanted:
        return "Academy applicant; no shared skills, allocated by capacity."
    return "Academy applicant; no skills listed, allocated by capacity."


def _refused_words(mentee: Mentee, pool: Pool, rejected: set[str]) -> str:
    """How to say a mentor is kept from this mentee: rejected, or paired with them before."""
    if any((mentee.email, email) in pool.paired_before for email in rejected):
        return "rejected for or already paired with this mentee before"
    return "rejected for this mentee before"


def _academy_reason(mentee: Mentee, pool: Pool, rejected: set[str]) -> str:
    if not pool.mentors:
        if pool.paused:
            return "no active mentor has a free place (those with one are paused)"
        return "no active mentor has a free place"
    refused = _refused_words(mentee, pool, rejected)
    if all(m.email in rejected for m in pool.mentors):
        return f"every mentor with a free place was {refused}"
    if any(m.email in rejected for m in pool.mentors):
        return (
            f"the mentors with free places were {refused}, "
            "or their places went to other Academy applicants this round"
        )
    return "every free place went to other Academy applicants this round"


def _unpaired_reason(
    mentee: Mentee,
    wanted: Sequence[str],
    pool: Pool,
    *,
    rejected: set[str],
    active_skills: set[str],
    eligible_by_skill: dict[str, list[str]],
) -> str:
    """The most specific true reason, decided from the data.

    ``rejected`` holds the mentors kept from this mentee (rejected by staff,
    or paired with them before). By optimality a mentee is left out only
    when every place they could take went to someone else (adding them would
    pair more mentees without pairing fewer Academy applicants), so the last
    case of each route is a fact, not a guess.
    """
    if mentee.route == Route.ACADEMY:
        return _academy_reason(mentee, pool, rejected)
    if not wanted:
        return "lists no skills wanted (Community mentees are paired on skills)"
    offered = [s for s in wanted if s in active_skills]
    missing = [s for s in wanted if s not in active_skills]
    if not offered:
        return f"no active mentor offers {_or_list(wanted)}"
    with_places = [
        s for s in offered if any(e not in rejected for e in eligible_by_skill.get(s, ()))
    ]
    if with_places:
        reason = (
            f"every free place with a mentor offering {_or_list(with_places)} "
            "went to other mentees this round"
        )
    else:
        refused = [s for s in offered if eligible_by_skill.get(s)]
        if refused:
            reason = (
                f"every mentor offering {_or_list(refused)} who has a free place "
                f"was {_refused_words(mentee, pool, rejected)}"
            )
        elif any(s in m.skills for m in pool.paused for s in offered):
            reason = f"every mentor offering {_or_list(offered)} is full or paused"
        else:
            reason = f"every mentor offering {_or_list(offered)} is full"
    if missing:
        reason += f"; no active mentor offers {_or_list(missing)}"
    return reason


def _skill_gaps(
    pool: Pool, unpaired: Sequence[int], free_after: dict[str, int]
) -> tuple[SkillGap, ...]:
    """Skills wanted by more unpaired mentees than there are places left to teach them.

    ``free_places`` counts the places still free after this round's
    proposals, among active mentors offering the skill: what recruiting
    has to make up.
    """
    demand = pd.DataFrame({"skill": [s for i in unpaired for s in pool.wanted[i]]}, dtype="object")
    if demand.empty:
        return ()
    wanted_by = demand.groupby("skill").size().rename("wanted_by")
    supply = pd.DataFrame(
        {
            "skill": [list(dict.fromkeys(m.skills)) for m in pool.active],
            "free_places": [free_after.get(m.email, 0) for m in pool.active],
        }
    ).explode("skill")
    free_places = supply.dropna().groupby("skill")["free_places"].sum()
    table = (
        pd.concat([wanted_by, free_places], axis=1, join="outer")
        .loc[wanted_by.index]
        .fillna(0)
        .astype("int64")
        .rename_axis("skill")
        .reset_index()
    )
    table = table[table["free_places"] < table["wanted_by"]].assign(
        shortfall=lambda t: t["wanted_by"] - t["free_places"]
    )
    table = table.sort_values(
        ["shortfall", "wanted_by", "skill"], ascending=[False, False, True], kind="stable"
    )
    return tuple(
        SkillGap(skill=str(skill), wanted_by=int(wanted), free_places=int(free))
        for skill, wanted, free in zip(
            table["skill"], table["wanted_by"], table["free_places"], strict=True
        )
    )


def explain(pool: Pool, pairs: Sequence[tuple[int, int]]) -> MatchResult:
    proposals: list[Proposal] = []
    free_after = {m.email: f for m, f in zip(pool.mentors, pool.free, strict=True)}
    for i, m in sorted(pairs):
        mentee, mentor, wanted = pool.mentees[i], pool.mentors[m], pool.wanted[i]
        offered = set(mentor.skills)
        shared = tuple(s for s in wanted if s in offered)
        free_after[mentor.email] -= 1
        proposals.append(
            Proposal(
                mentee=mentee,
                mentor=mentor,
                score=len(shared) / len(wanted) if wanted else 0.0,
                shared_skills=shared,
                why=_why(mentee, wanted, shared),
            )
        )
    paired = {i for i, _ in pairs}
    unpaired = [i for i in range(len(pool.mentees)) if i not in paired]
    active_skills = {s for m in pool.active for s in m.skills}
    eligible_by_skill: dict[str, list[str]] = {}
    for mentor in pool.mentors:
        for skill in dict.fromkeys(mentor.skills):
            eligible_by_skill.setdefault(skill, []).append(mentor.email)
    rejected: dict[str, set[str]] = {}
    for mentee_email, mentor_email in pool.rejected:
        rejected.setdefault(mentee_email, set()).add(mentor_email)
    return MatchResult(
        proposals=tuple(proposals),
        unpaired=tuple(
            Unpaired(
                mentee=pool.mentees[i],
                reason=_unpaired_reason(
                    pool.mentees[i],
                    pool.wanted[i],
                    pool,
                    rejected=rejected.get(pool.mentees[i].email, set()),
                    active_skills=active_skills,
                    eligible_by_skill=eligible_by_skill,
                ),
            )
            for i in unpaired
        ),
        skill_gaps=_skill_gaps(pool, unpaired, free_after),
    )

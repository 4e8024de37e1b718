"""Propose pairings: the provably optimal assignment of mentees to mentor places.

Who may pair with whom
    A mentor is eligible when Active with free places (Capacity minus their
    pairings in any status but Rejected and Ended); a mentee when they have
    no such pairing. A pair staff once Rejected is never proposed again.
    Community mentees need a mentor offering at least one skill they want;
    Academy mentees may take any eligible mentor.

What is optimised (lexicographically, never traded off)
    1. the number of Academy mentees paired;
    2. then the number of mentees paired;
    3. then the total coverage, a pair's coverage being
       ``|wanted ∩ offered| / |wanted|`` (0 when nothing is wanted);
    4. then the mentees waiting longest (``requested_on``, none last, then
       email) are the ones paired.

How it is solved exactly
    The problem is a bipartite b-matching. Tiers 1 and 2 are settled first,
    as constraints rather than weights: ``A*``, the most Academy mentees
    that can be paired, and ``M*``, the most mentees that can be paired, are
    two maximum flows. The sets of mentees that can be paired together form
    a (transversal) matroid, so a largest Academy set always extends to a
    largest pairing: the solutions optimal for tiers 1-2 are exactly those
    pairing ``A*`` Academy and ``M* - A*`` Community mentees, which a
    min-cost flow enforces with the supplies of two sources.

    Tiers 3 and 4 are then one integer objective of that min-cost flow
    (OR-Tools' cost-scaling solver, exact in 64-bit integers):
    coverage is scaled to an integer on the common denominator ``L`` (the
    lcm of the wanted-list lengths), and the mentee of rank ``r`` (0 =
    waiting longest) among ``n`` earns ``n - r``. Coverage is weighted by
    ``W3 = M*·(n-1) + 1``, more than any difference the tie-break can make,
    so the tiers never trade off; the largest cost times the number of
    nodes is checked to stay within int64, else a clear error is raised.
    Within the coverage-optimal solutions the sets of paired mentees are
    again the bases of a matroid (feasible supplies of a flow network form
    a base polyhedron), so weights that fall with rank make the solver pick
    the greedy "longest waiting first" set, and only that one.

The reduction that makes it fast
    A dense mentee × mentor-place matrix (10,000 × 6,000 places) is far too
    big, so the flow network is built on aggregates that keep the optimum:

    * mentees with the same route and wanted skills form a *class*; mentors
      with the same skills form a *mentor node* whose capacity is the sum of
      their free places;
    * staff rejections are enforced lazily: the decomposition steers each
      mentee clear of mentors rejected for them, and only a mentee it cannot
      steer is taken out of its class, with direct arcs to every mentor node
      except single-mentor nodes of the mentors they rejected; then the
      problem is solved again. The first network is a relaxation, so once
      its decomposition respects every rejection it is the true optimum;
    * a class reaches mentor nodes through *skill-set nodes*: for every
      non-empty subset ``T`` of its wanted skills, an arc worth ``|T|/|W|``
      to node ``T``, and from ``T`` free arcs to every mentor node offering
      all of ``T``. Each path is worth at most the pair's true coverage, and
      the exact ``T = W ∩ O`` path is always there, so the flow optimum is
      the assignment optimum and every decomposition of the optimal flow is
      an optimal assignment. (Classes wanting more than
      ``_MAX_SUBSET_SKILLS`` offered skills get direct arcs instead.)
    * Academy classes also reach a *hub* linked to every mentor node, worth
      coverage 0: the "allocated by capacity" option costs one arc per class
      and per mentor node instead of one per mentee and mentor place.

    So arcs grow with mentees + mentor nodes × subsets of their skills, not
    with their product.

Pure: no I/O and no clock. ``today`` is part of the interface (the run's
date); nothing decided here depends on it.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

# OR-Tools ships .pyi files but no py.typed marker.
from ortools.graph.python import max_flow, min_cost_flow  # type: ignore[import-untyped]
from scipy import sparse

from mentorsheet.core.model import (
    MatchResult,
    Mentee,
    Mentor,
    Programme,
    Proposal,
    SkillGap,
    Unpaired,
)
from mentorsheet.core.schema import Route, Status
from mentorsheet.core.statuses import FREEING_STATUSES
from mentorsheet.errors import MentorsheetError

# Classes wanting more offered skills than this get direct arcs to mentor
# nodes instead of one arc per subset (2**10 - 1 subsets at most per class).
_MAX_SUBSET_SKILLS: Final = 10
# Cost scaling multiplies costs by the number of nodes: keep well inside int64.
_INT_LIMIT: Final = 2**62
# Rows of the sparse overlap product computed at once (bounds memory).
_CHUNK_ROWS: Final = 1024

# Fixed nodes of the flow network.
_ACADEMY_SOURCE: Final = 0
_COMMUNITY_SOURCE: Final = 1
_SINK: Final = 2
_HUB: Final = 3
_FIRST_FREE_NODE: Final = 4

IntArray = npt.NDArray[np.int64]


# --- who may pair ----------------------------------------------------------------


@dataclass(frozen=True)
class _Pool:
    """The programme reduced to what matching needs, in canonical order."""

    active: tuple[Mentor, ...]  # active mentors, by email
    mentors: tuple[Mentor, ...]  # eligible mentors (active, free places), by email
    free: tuple[int, ...]  # free places of each eligible mentor
    mentees: tuple[Mentee, ...]  # eligible mentees, by rank (waiting longest first)
    wanted: tuple[tuple[str, ...], ...]  # each eligible mentee's wanted skills, de-duplicated
    rejected: frozenset[tuple[str, str]]  # (mentee email, mentor email) pairs staff rejected


def _rank_key(mentee: Mentee) -> tuple[bool, date, str, int]:
    """Waiting longest first (no date last), then by email."""
    requested = mentee.requested_on
    return (requested is None, requested or date.min, mentee.email, mentee.row)


def _prepare_pool(programme: Programme) -> _Pool:
    active = sorted((m for m in programme.mentors if m.active), key=lambda m: (m.email, m.row))
    # Rows the parser held out (bad ID, unknown status…) still count: their
    # place stays taken (never double-book on a guess) and a rejection holds.
    held = list(programme.held_places)
    pairings = pd.DataFrame(
        {
            "mentee_email": [p.mentee_email for p in programme.pairings]
            + [h.mentee_email for h in held],
            "mentor_email": [p.mentor_email for p in programme.pairings]
            + [h.mentor_email for h in held],
            "status": [str(p.status) for p in programme.pairings]
            + [str(h.status) if h.status is not None else "(unknown)" for h in held],
        },
        dtype="object",
    )
    holding = pairings.loc[~pairings["status"].isin([str(s) for s in FREEING_STATUSES])]
    places_in_use = holding["mentor_email"].value_counts()
    mentors = pd.DataFrame(
        {
            "email": [m.email for m in active],
            "capacity": [m.capacity for m in active],
        }
    )
    used = mentors["email"].map(places_in_use).fillna(0).astype("int64")
    free = (mentors["capacity"].astype("int64") - used).clip(lower=0).tolist()
    taken = set(holding["mentee_email"])
    rejected_rows = pairings.loc[pairings["status"] == str(Status.REJECTED)]
    # Someone who both mentors and asks for a mentor is never paired with themselves.
    mentor_emails = {m.email for m in active}
    themselves = {(m.email, m.email) for m in programme.mentees if m.email in mentor_emails}
    rejected = frozenset(
        zip(rejected_rows["mentee_email"], rejected_rows["mentor_email"], strict=True)
    ) | frozenset(themselves)
    eligible = [(m, f) for m, f in zip(active, free, strict=True) if f > 0]
    mentees = sorted((m for m in programme.mentees if m.email not in taken), key=_rank_key)
    return _Pool(
        active=tuple(active),
        mentors=tuple(m for m, _ in eligible),
        free=tuple(int(f) for _, f in eligible),
        mentees=tuple(mentees),
        wanted=tuple(tuple(dict.fromkeys(m.skills_wanted)) for m in mentees),
        rejected=rejected,
    )


# --- the flow network --------------------------------------------------------------


@dataclass
class _Arcs:
    """Arcs as growing numpy blocks; ``value`` is coverage scaled by L."""

    tails: list[IntArray]
    heads: list[IntArray]
    caps: list[IntArray]
    values: list[IntArray]

    def add(
        self,
        tails: Sequence[int] | IntArray,
        heads: Sequence[int] | IntArray,
        caps: Sequence[int] | IntArray,
        values: Sequence[int] | IntArray,
    ) -> None:
        self.tails.append(np.asarray(tails, dtype=np.int64))
        self.heads.append(np.asarray(heads, dtype=np.int64))
        self.caps.append(np.asarray(caps, dtype=np.int64))
        self.values.append(np.asarray(values, dtype=np.int64))

    def arrays(self) -> tuple[IntArray, IntArray, IntArray, IntArray]:
        def join(blocks: list[IntArray]) -> IntArray:
            return np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.int64)

        return join(self.tails), join(self.heads), join(self.caps), join(self.values)


@dataclass(frozen=True)
class _Network:
    """The reduced flow network. Arc ``i`` (for ``i < n``) is mentee ``i``'s source arc."""

    num_nodes: int
    tails: IntArray
    heads: IntArray
    caps: IntArray
    values: IntArray  # coverage × L carried by each arc
    academy: npt.NDArray[np.bool_]  # per mentee
    denominator: int  # L
    first_mentor_node: int
    node_members: tuple[tuple[int, ...], ...]  # eligible mentor indices per mentor node


def _bit_positions(bits: int, width: int) -> npt.NDArray[np.intp]:
    raw = np.frombuffer(bits.to_bytes((width + 7) // 8 or 1, "little"), dtype=np.uint8)
    return np.flatnonzero(np.unpackbits(raw, bitorder="little"))


def _subsets(mask: int) -> Iterator[int]:
    """Every non-empty subset of ``mask``, in a fixed order."""
    sub = mask
    while sub:
        yield sub
        sub = (sub - 1) & mask


def _skill_matrix(sets: Sequence[Iterable[str]], index: dict[str, int]) -> sparse.csr_matrix:
    rows: list[int] = []
    cols: list[int] = []
    for row, skills in enumerate(sets):
        for skill in skills:
            rows.append(row)
            cols.append(index[skill])
    data = np.ones(len(rows), dtype=np.int64)
    return sparse.csr_matrix((data, (rows, cols)), shape=(len(sets), max(len(index), 1)))


def _overlaps(
    wanted: Sequence[Iterable[str]], offered: sparse.csr_matrix, index: dict[str, int]
) -> Iterator[tuple[int, npt.NDArray[np.int64]]]:
    """For each wanted set, the number of its skills each mentor node offers (dense row)."""
    matrix = _skill_matrix(wanted, index)
    for start in range(0, matrix.shape[0], _CHUNK_ROWS):
        block = np.asarray((matrix[start : start + _CHUNK_ROWS] @ offered.T).toarray())
        for offset, row in enumerate(block):
            yield start + offset, row.astype(np.int64)


@dataclass(frozen=True)
class _Vocabulary:
    """Every skill wanted or offered, each with a bit position."""

    index: dict[str, int]
    denominator: int  # L, the lcm of the wanted-list lengths

    @classmethod
    def of(cls, pool: _Pool) -> _Vocabulary:
        skills = sorted(
            {s for skills in pool.wanted for s in skills}
            | {s for m in pool.mentors for s in m.skills}
        )
        sizes = {len(w) for w in pool.wanted if w}
        return cls(
            index={skill: i for i, skill in enumerate(skills)},
            denominator=math.lcm(*sizes) if sizes else 1,
        )

    def scale(self, wanted: Sequence[str]) -> int:
        """What one shared skill is worth to a mentee wanting ``wanted``, times L."""
        return self.denominator // len(wanted) if wanted else 0


def _live_rejections(pool: _Pool, enforced: frozenset[str]) -> set[tuple[str, str]]:
    """The rejections to build in: of an ``enforced`` mentee, of an eligible mentor.

    A rejection only matters between an eligible mentee and an eligible
    mentor, and is built in only for mentees the decomposition could not
    steer clear of it (see propose_pairings).
    """
    mentor_emails = {m.email for m in pool.mentors}
    return {
        (mentee, mentor)
        for mentee, mentor in pool.rejected
        if mentee in enforced and mentor in mentor_emails
    }


@dataclass(frozen=True)
class _MentorNodes:
    """Eligible mentors grouped into mentor nodes."""

    node_of: IntArray  # mentor node of each eligible mentor
    members: list[list[int]]  # eligible mentor indices per mentor node
    free: IntArray  # free places per mentor node
    postings: list[int]  # skill -> bitset of mentor nodes offering it
    offered_anywhere: int  # bitset of skills some mentor node offers
    offered: sparse.csr_matrix  # mentor node × skill

    @property
    def count(self) -> int:
        return len(self.members)


def _group_mentors(pool: _Pool, single: set[str], vocabulary: _Vocabulary) -> _MentorNodes:
    """Same skills and no live rejection -> one node (pandas groups them)."""
    mentor_frame = pd.DataFrame(
        {
            "single": [m.email if m.email in single else "" for m in pool.mentors],
            "skills": ["\x1f".join(sorted(m.skills)) for m in pool.mentors],
        }
    )
    node_of = (
        np.asarray(mentor_frame.groupby(["single", "skills"], sort=False).ngroup(), dtype=np.int64)
        if len(mentor_frame)
        else np.zeros(0, dtype=np.int64)
    )
    node_count = int(node_of.max()) + 1 if len(node_of) else 0
    members: list[list[int]] = [[] for _ in range(node_count)]
    for mentor_index, node in enumerate(node_of.tolist()):
        members[node].append(mentor_index)
    node_skills = [pool.mentors[group[0]].skills for group in members]
    index = vocabulary.index
    offered_anywhere = 0
    postings = [0] * len(index)
    for node, skills in enumerate(node_skills):
        for skill in set(skills):
            postings[index[skill]] |= 1 << node
            offered_anywhere |= 1 << index[skill]
    return _MentorNodes(
        node_of=node_of,
        members=members,
        free=np.array([sum(pool.free[i] for i in group) for group in members], dtype=np.int64),
        postings=postings,
        offered_anywhere=offered_anywhere,
        offered=_skill_matrix(node_skills, index),
    )


@dataclass(frozen=True)
class _MenteeClasses:
    """Eligible mentees grouped into classes; those left out get direct arcs."""

    members: list[list[int]]  # mentee indices per class
    class_of: IntArray  # class of each mentee, -1 for none


def _group_mentees(
    pool: _Pool, academy: npt.NDArray[np.bool_], direct_mentees: set[str]
) -> _MenteeClasses:
    """Same route and wanted skills, no live rejection -> one class."""
    class_ids: dict[tuple[bool, frozenset[str]], int] = {}
    members: list[list[int]] = []
    class_of = np.full(len(pool.mentees), -1, dtype=np.int64)
    for i, mentee in enumerate(pool.mentees):
        if mentee.email in direct_mentees:
            continue
        key = (bool(academy[i]), frozenset(pool.wanted[i]))
        if key not in class_ids:
            class_ids[key] = len(members)
            members.append([])
        members[class_ids[key]].append(i)
        class_of[i] = class_ids[key]
    return _MenteeClasses(members=members, class_of=class_of)


@dataclass(frozen=True)
class _SkillSets:
    """Skill-set nodes: every offered subset of a class's wanted skills that
    some mentor node offers in full."""

    nodes: dict[int, npt.NDArray[np.intp]]  # subset -> mentor nodes offering all of it
    of_class: list[list[int]]  # the subsets each class reaches
    wide_classes: list[int]  # classes wanting too many offered skills: direct arcs
    live: list[int]  # subsets some class reaches, in node order

    def node_id(self) -> dict[int, int]:
        return {subset: k for k, subset in enumerate(self.live)}


def _mentor_nodes_offering(subset: int, nodes: _MentorNodes, width: int) -> npt.NDArray[np.intp]:
    bits = -1
    for skill in _bit_positions(subset, width).tolist():
        bits &= nodes.postings[skill]
    return _bit_positions(bits, nodes.count) if bits > 0 else np.zeros(0, dtype=np.intp)


def _skill_sets(
    pool: _Pool, classes: _MenteeClasses, nodes: _MentorNodes, vocabulary: _Vocabulary
) -> _SkillSets:
    index = vocabulary.index
    subset_nodes: dict[int, npt.NDArray[np.intp]] = {}
    class_subsets: list[list[int]] = []
    wide_classes: list[int] = []
    for members_of_class in classes.members:
        wanted_mask = sum(1 << index[s] for s in pool.wanted[members_of_class[0]])
        usable = wanted_mask & nodes.offered_anywhere
        chosen: list[int] = []
        if usable.bit_count() > _MAX_SUBSET_SKILLS:
            wide_classes.append(len(class_subsets))
        else:
            for subset in _subsets(usable):
                if subset not in subset_nodes:
                    subset_nodes[subset] = _mentor_nodes_offering(subset, nodes, len(index))
                if len(subset_nodes[subset]):
                    chosen.append(subset)
        class_subsets.append(chosen)
    live = sorted({s for chosen in class_subsets for s in chosen}, key=lambda s: (s.bit_count(), s))
    return _SkillSets(
        nodes=subset_nodes, of_class=class_subsets, wide_classes=wide_classes, live=live
    )


@dataclass(frozen=True)
class _Layout:
    """Where each kind of node starts in the network."""

    first_class: int
    first_subset: int
    first_mentor_node: int
    num_nodes: int


@dataclass(frozen=True)
class _Parts:
    """What the network's arcs are built from."""

    pool: _Pool
    academy: npt.NDArray[np.bool_]  # per mentee
    vocabulary: _Vocabulary
    live_rejections: set[tuple[str, str]]
    nodes: _MentorNodes
    classes: _MenteeClasses
    skill_sets: _SkillSets
    layout: _Layout


def _add_mentee_arcs(arcs: _Arcs, parts: _Parts) -> None:
    """Source -> each mentee (arc ``i`` is mentee ``i``'s) -> their class, if any."""
    academy, classes, layout = parts.academy, parts.classes, parts.layout
    n = len(academy)
    mentee_nodes = np.arange(_FIRST_FREE_NODE, _FIRST_FREE_NODE + n, dtype=np.int64)
    arcs.add(
        np.where(academy, _ACADEMY_SOURCE, _COMMUNITY_SOURCE),
        mentee_nodes,
        np.ones(n, dtype=np.int64),
        np.zeros(n, dtype=np.int64),
    )
    in_class = np.flatnonzero(classes.class_of >= 0)
    arcs.add(
        mentee_nodes[in_class],
        layout.first_class + classes.class_of[in_class],
        np.ones(len(in_class), dtype=np.int64),
        np.zeros(len(in_class), dtype=np.int64),
    )


def _add_direct_mentee_arcs(arcs: _Arcs, parts: _Parts) -> None:
    """Mentees with a live rejection -> every mentor node they may take, but refused ones."""
    pool, academy, classes, nodes, live_rejections, vocabulary, layout = (
        parts.pool,
        parts.academy,
        parts.classes,
        parts.nodes,
        parts.live_rejections,
        parts.vocabulary,
        parts.layout,
    )
    direct = [i for i in range(len(pool.mentees)) if classes.class_of[i] < 0]
    email_to_node = {pool.mentors[i].email: int(nodes.node_of[i]) for i in range(len(pool.mentors))}
    refused_nodes: dict[str, list[int]] = {}
    for mentee_email, mentor_email in live_rejections:
        refused_nodes.setdefault(mentee_email, []).append(email_to_node[mentor_email])
    for row, overlap in _overlaps(
        [pool.wanted[i] for i in direct], nodes.offered, vocabulary.index
    ):
        i = direct[row]
        allowed = overlap > 0 if not academy[i] else np.ones(nodes.count, dtype=np.bool_)
        allowed[refused_nodes[pool.mentees[i].email]] = False
        reached = np.flatnonzero(allowed)
        arcs.add(
            np.full(len(reached), _FIRST_FREE_NODE + i),
            layout.first_mentor_node + reached,
            np.ones(len(reached), dtype=np.int64),
            overlap[reached] * vocabulary.scale(pool.wanted[i]),
        )


def _add_wide_class_arcs(arcs: _Arcs, parts: _Parts) -> None:
    """Classes wanting too many skills -> every mentor node sharing one, worth the coverage."""
    pool, classes, skill_sets, nodes, vocabulary, layout = (
        parts.pool,
        parts.classes,
        parts.skill_sets,
        parts.nodes,
        parts.vocabulary,
        parts.layout,
    )
    wide = skill_sets.wide_classes
    wide_wanted = [pool.wanted[classes.members[c][0]] for c in wide]
    for row, overlap in _overlaps(wide_wanted, nodes.offered, vocabulary.index):
        c = wide[row]
        reached = np.flatnonzero(overlap > 0)
        arcs.add(
            np.full(len(reached), layout.first_class + c),
            layout.first_mentor_node + reached,
            np.minimum(nodes.free[reached], len(classes.members[c])),
            overlap[reached] * vocabulary.scale(wide_wanted[row]),
        )


def _add_class_arcs(arcs: _Arcs, parts: _Parts) -> None:
    """Class -> skill-set node arcs, worth |T| / |W|; Academy classes -> hub, worth 0."""
    pool, academy, classes, skill_sets, vocabulary, layout = (
        parts.pool,
        parts.academy,
        parts.classes,
        parts.skill_sets,
        parts.vocabulary,
        parts.layout,
    )
    subset_id = skill_sets.node_id()
    tails: list[int] = []
    heads: list[int] = []
    caps: list[int] = []
    values: list[int] = []
    for c, chosen in enumerate(skill_sets.of_class):
        size = len(classes.members[c])
        first = classes.members[c][0]
        scale = vocabulary.scale(pool.wanted[first])
        for subset in chosen:
            tails.append(layout.first_class + c)
            heads.append(layout.first_subset + subset_id[subset])
            caps.append(size)
            values.append(subset.bit_count() * scale)
        if academy[first]:
            tails.append(layout.first_class + c)
            heads.append(_HUB)
            caps.append(size)
            values.append(0)
    arcs.add(tails, heads, caps, values)


def _add_mentor_node_arcs(arcs: _Arcs, parts: _Parts) -> None:
    """Skill-set node -> every mentor node offering all of it; hub -> every mentor
    node; every mentor node -> sink."""
    academy, skill_sets, nodes, layout = parts.academy, parts.skill_sets, parts.nodes, parts.layout
    subset_id = skill_sets.node_id()
    for subset in skill_sets.live:
        reached = skill_sets.nodes[subset].astype(np.int64)
        arcs.add(
            np.full(len(reached), layout.first_subset + subset_id[subset]),
            layout.first_mentor_node + reached,
            nodes.free[reached],
            np.zeros(len(reached), dtype=np.int64),
        )
    all_nodes = np.arange(nodes.count, dtype=np.int64)
    if academy.any():
        arcs.add(
            np.full(nodes.count, _HUB),
            layout.first_mentor_node + all_nodes,
            nodes.free,
            np.zeros(nodes.count, dtype=np.int64),
        )
    arcs.add(
        layout.first_mentor_node + all_nodes,
        np.full(nodes.count, _SINK),
        nodes.free,
        np.zeros(nodes.count, dtype=np.int64),
    )


def _build_network(pool: _Pool, enforced: frozenset[str]) -> _Network:
    """The reduced flow network; rejections of the ``enforced`` mentees are built in."""
    n = len(pool.mentees)
    academy = np.array([m.route == Route.ACADEMY for m in pool.mentees], dtype=np.bool_)
    vocabulary = _Vocabulary.of(pool)
    live_rejections = _live_rejections(pool, enforced)
    nodes = _group_mentors(pool, {mentor for _, mentor in live_rejections}, vocabulary)
    classes = _group_mentees(pool, academy, {mentee for mentee, _ in live_rejections})
    skill_sets = _skill_sets(pool, classes, nodes, vocabulary)

    first_class = _FIRST_FREE_NODE + n
    first_subset = first_class + len(classes.members)
    first_mentor_node = first_subset + len(skill_sets.live)
    layout = _Layout(
        first_class=first_class,
        first_subset=first_subset,
        first_mentor_node=first_mentor_node,
        num_nodes=first_mentor_node + nodes.count,
    )

    parts = _Parts(pool, academy, vocabulary, live_rejections, nodes, classes, skill_sets, layout)
    arcs = _Arcs([], [], [], [])
    _add_mentee_arcs(arcs, parts)
    # Direct arcs: mentees with a live rejection, and classes wanting too many skills.
    _add_direct_mentee_arcs(arcs, parts)
    _add_wide_class_arcs(arcs, parts)
    _add_class_arcs(arcs, parts)
    _add_mentor_node_arcs(arcs, parts)
    tails, heads, caps, values = arcs.arrays()
    return _Network(
        num_nodes=layout.num_nodes,
        tails=tails,
        heads=heads,
        caps=caps,
        values=values,
        academy=academy,
        denominator=vocabulary.denominator,
        first_mentor_node=layout.first_mentor_node,
        node_members=tuple(tuple(group) for group in nodes.members),
    )


# --- solving -----------------------------------------------------------------------


def _max_flow(network: _Network, *, academy_only: bool) -> int:
    """Most mentees (or Academy mentees) that can be paired at once."""
    n = len(network.academy)
    tails = network.tails.copy()
    caps = network.caps.copy()
    tails[:n] = _ACADEMY_SOURCE  # one source for the count
    if academy_only:
        caps[:n] = network.academy.astype(np.int64)
    solver = max_flow.SimpleMaxFlow()
    solver.add_arcs_with_capacity(tails.astype(np.int32), network.heads.astype(np.int32), caps)
    status = solver.solve(_ACADEMY_SOURCE, _SINK)
    if status != solver.OPTIMAL:
        raise MentorsheetError(f"the matching solver failed (maximum flow: {status})")
    return int(solver.optimal_flow())


def _solve(network: _Network) -> IntArray:
    """Flow on each arc of an optimal solution (tiers 1-4)."""
    n = len(network.academy)
    if n == 0 or network.num_nodes == network.first_mentor_node:
        return np.zeros(len(network.tails), dtype=np.int64)
    most_academy = _max_flow(network, academy_only=True)
    most_pairs = _max_flow(network, academy_only=False)
    if most_pairs == 0:
        return np.zeros(len(network.tails), dtype=np.int64)

    # Tier 3 outweighs any difference tier 4 can make between two solutions
    # pairing the same number of mentees; all in exact 64-bit integers.
    # Checked in Python integers before numpy's int64 sees any of it.
    coverage_weight = most_pairs * (n - 1) + 1
    largest = max(coverage_weight * network.denominator, n)
    if largest * (network.num_nodes + 1) >= _INT_LIMIT or largest * most_pairs >= _INT_LIMIT:
        raise MentorsheetError(
            "the programme is too large to rank pairings exactly "
            f"({n} mentees; the lengths of their skill lists have lcm {network.denominator}); "
            "shorten the longest lists of skills wanted or split the programme"
        )
    costs = -coverage_weight * network.values
    costs[:n] = -(n - np.arange(n, dtype=np.int64))

    solver = min_cost_flow.SimpleMinCostFlow()
    arcs = solver.add_arcs_with_capacity_and_unit_cost(
        network.tails.astype(np.int32), network.heads.astype(np.int32), network.caps, costs
    )
    solver.set_node_supply(_ACADEMY_SOURCE, most_academy)
    solver.set_node_supply(_COMMUNITY_SOURCE, most_pairs - most_academy)
    solver.set_node_supply(_SINK, -most_pairs)
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise MentorsheetError(f"the matching solver failed (min-cost flow: {status})")
    return np.asarray(solver.flows(np.asarray(arcs, dtype=np.int32)), dtype=np.int64)


@dataclass
class _Residual:
    """What is left of an optimal flow while it is decomposed into pairs."""

    # Per node, [head, flow left] of its used arcs, best-valued first.
    outgoing: dict[int, list[list[int]]]
    # Per mentor node, a heap of (-places left, mentor index): most free first.
    places: list[list[tuple[int, int]]]
    first_mentor_node: int

    @classmethod
    def of(cls, network: _Network, pool: _Pool, flows: IntArray) -> _Residual:
        n = len(network.academy)
        outgoing: dict[int, list[list[int]]] = {}
        used = np.flatnonzero(flows[n:] > 0) + n
        order = sorted(
            used.tolist(), key=lambda a: (int(network.tails[a]), -int(network.values[a]), a)
        )
        for arc in order:
            head = int(network.heads[arc])
            if head != _SINK:
                outgoing.setdefault(int(network.tails[arc]), []).append([head, int(flows[arc])])
        places = [[(-pool.free[m], m) for m in group] for group in network.node_members]
        for heap in places:
            heapq.heapify(heap)
        return cls(outgoing, places, network.first_mentor_node)

    def serves(self, node: int, refused: set[int]) -> bool:
        return any(m not in refused for _, m in self.places[node - self.first_mentor_node])

    def find_path(self, node: int, refused: set[int] | None) -> list[list[int]] | None:
        """Arcs with flow left from ``node`` to a mentor node (that can take
        someone not in ``refused``, unless ``refused`` is None)."""
        for step in self.outgoing[node]:
            if step[1] == 0:
                continue
            head = step[0]
            if head >= self.first_mentor_node:
                if refused is None or self.serves(head, refused):
                    return [step]
                continue
            rest = self.find_path(head, refused)
            if rest is not None:
                return [step, *rest]
        return None

    def take_place(self, node: int, refused: set[int]) -> int:
        """A mentor of mentor node ``node`` with most places left, not refused if possible."""
        heap = self.places[node - self.first_mentor_node]
        passed = []
        while len(heap) > 1 and heap[0][1] in refused:
            passed.append(heapq.heappop(heap))
        left, mentor = heapq.heappop(heap)
        for item in passed:
            heapq.heappush(heap, item)
        if left < -1:
            heapq.heappush(heap, (left + 1, mentor))
        return mentor


def _refused_by(pool: _Pool) -> dict[str, set[int]]:
    """Per mentee email, the eligible mentors (by index) staff rejected for them."""
    mentor_index = {m.email: k for k, m in enumerate(pool.mentors)}
    refused_by: dict[str, set[int]] = {}
    for mentee_email, mentor_email in pool.rejected:
        if mentor_email in mentor_index:
            refused_by.setdefault(mentee_email, set()).add(mentor_index[mentor_email])
    return refused_by


def _decompose(
    network: _Network, pool: _Pool, flows: IntArray
) -> tuple[list[tuple[int, int]], frozenset[str]]:
    """Turn the optimal flow into (mentee index, eligible mentor index) pairs.

    Any decomposition of an optimal flow is an optimal assignment (see the
    module docstring); this one is deterministic, gives the best-valued
    paths of a class to its longest-waiting members, spreads a mentor node's
    mentees over its mentors (most free places first) and steers each mentee
    away from mentors staff rejected for them. Returns the pairs and the
    mentees it could not steer away (their rejections must be enforced in
    the network, and the problem solved again).
    """
    n = len(network.academy)
    residual = _Residual.of(network, pool, flows)
    refused_by = _refused_by(pool)
    pairs: list[tuple[int, int]] = []
    unsteered: set[str] = set()
    for i in np.flatnonzero(flows[:n] > 0).tolist():
        start = _FIRST_FREE_NODE + i
        refused = refused_by.get(pool.mentees[i].email, set())
        path = residual.find_path(start, refused) if refused else None
        if path is None:
            path = residual.find_path(start, None)
        if path is None:  # cannot happen: by flow conservation a unit in is a unit out
            raise MentorsheetError("the matching solver returned an inconsistent flow")
        for step in path:
            step[1] -= 1
        mentor = residual.take_place(path[-1][0], refused)
        if mentor in refused:
            unsteered.add(pool.mentees[i].email)
        pairs.append((i, mentor))
    return pairs, frozenset(unsteered)


# --- explanations ------------------------------------------------------------------


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


def _unpaired_reason(
    mentee: Mentee,
    wanted: Sequence[str],
    pool: _Pool,
    *,
    rejected: set[str],
    active_skills: set[str],
    eligible_by_skill: dict[str, list[str]],
) -> str:
    """The most specific true reason, decided from the data.

    ``rejected`` holds the mentors staff rejected for this mentee. By
    optimality a mentee is left out only when every place they could take
    went to someone else (adding them would pair more mentees without
    pairing fewer Academy applicants), so the last case of each route is
    a fact, not a guess.
    """
    if mentee.route == Route.ACADEMY:
        if not pool.mentors:
            return "no active mentor has a free place"
        if all(m.email in rejected for m in pool.mentors):
            return "every mentor with a free place was rejected for this mentee before"
        if any(m.email in rejected for m in pool.mentors):
            return (
                "the mentors with free places were rejected for this mentee before, "
                "or their places went to other Academy applicants this round"
            )
        return "every free place went to other Academy applicants this round"
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
                "was rejected for this mentee before"
            )
        else:
            reason = f"every mentor offering {_or_list(offered)} is full"
    if missing:
        reason += f"; no active mentor offers {_or_list(missing)}"
    return reason


def _skill_gaps(
    pool: _Pool, unpaired: Sequence[int], free_after: dict[str, int]
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


def _explain(pool: _Pool, pairs: Sequence[tuple[int, int]]) -> MatchResult:
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


# --- the entry point ---------------------------------------------------------------


def propose_pairings(programme: Programme, *, today: date) -> MatchResult:
    """Choose the optimal new pairs for ``programme``, each explained.

    Returns the proposals (waiting longest first), every eligible mentee left
    unpaired with the reason, and the skills short of free mentor places.
    The same programme always gives the same result, whatever its row order.
    Raises :class:`~mentorsheet.errors.MentorsheetError` only if the solver
    fails or the programme is too large to rank exactly in 64-bit integers.
    """
    pool = _prepare_pool(programme)
    # Rejections are enforced lazily: the network first ignores them inside
    # classes and mentor nodes (a relaxation, so its optimum is at least the
    # true one) and the decomposition steers around them. A mentee it cannot
    # steer gets all their rejections built in, and the problem is solved
    # again; when the decomposition respects every rejection, the relaxed
    # optimum is feasible and therefore the true optimum. Each round adds at
    # least one mentee, so the loop ends; usually it runs once.
    enforced: frozenset[str] = frozenset()
    while True:
        network = _build_network(pool, enforced)
        pairs, unsteered = _decompose(network, pool, _solve(network))
        if not unsteered:
            return _explain(pool, pairs)
        enforced |= unsteered

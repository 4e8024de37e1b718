"""The reduced flow network the optimal pairing is solved on.

A dense mentee × mentor-place matrix (10,000 × 6,000 places) is far too big,
so the flow network is built on aggregates (:mod:`mentorsheet.core.matching.aggregates`) that keep
the optimum:

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
  ``MAX_SUBSET_SKILLS`` offered skills get direct arcs instead.)
* Academy classes also reach a *hub* linked to every mentor node, worth
  coverage 0: the "allocated by capacity" option costs one arc per class
  and per mentor node instead of one per mentee and mentor place.

So arcs grow with mentees + mentor nodes × subsets of their skills, not
with their product.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from mentorsheet.core.matching.aggregates import (
    IntArray,
    MenteeClasses,
    MentorNodes,
    SkillSets,
    Vocabulary,
    find_skill_sets,
    group_mentees,
    group_mentors,
    overlaps,
)
from mentorsheet.core.matching.pool import Pool
from mentorsheet.core.schema import Route

# Fixed nodes of the flow network.
ACADEMY_SOURCE: Final = 0
COMMUNITY_SOURCE: Final = 1
SINK: Final = 2
HUB: Final = 3
FIRST_FREE_NODE: Final = 4


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
class Network:
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


def _live_rejections(pool: Pool, enforced: frozenset[str]) -> set[tuple[str, str]]:
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
class _Layout:
    """Where each kind of node starts in the network."""

    first_class: int
    first_subset: int
    first_mentor_node: int
    num_nodes: int


@dataclass(frozen=True)
class _Parts:
    """What the network's arcs are built from."""

    pool: Pool
    academy: npt.NDArray[np.bool_]  # per mentee
    vocabulary: Vocabulary
    live_rejections: set[tuple[str, str]]
    nodes: MentorNodes
    classes: MenteeClasses
    skill_sets: SkillSets
    layout: _Layout


def _add_mentee_arcs(arcs: _Arcs, parts: _Parts) -> None:
    """Source -> each mentee (arc ``i`` is mentee ``i``'s) -> their class, if any."""
    academy, classes, layout = parts.academy, parts.classes, parts.layout
    n = len(academy)
    mentee_nodes = np.arange(FIRST_FREE_NODE, FIRST_FREE_NODE + n, dtype=np.int64)
    arcs.add(
        np.where(academy, ACADEMY_SOURCE, COMMUNITY_SOURCE),
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
    for row, overlap in overlaps([pool.wanted[i] for i in direct], nodes.offered, vocabulary.index):
        i = direct[row]
        allowed = overlap > 0 if not academy[i] else np.ones(nodes.count, dtype=np.bool_)
        allowed[refused_nodes[pool.mentees[i].email]] = False
        reached = np.flatnonzero(allowed)
        arcs.add(
            np.full(len(reached), FIRST_FREE_NODE + i),
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
    for row, overlap in overlaps(wide_wanted, nodes.offered, vocabulary.index):
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
            heads.append(HUB)
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
            np.full(nodes.count, HUB),
            layout.first_mentor_node + all_nodes,
            nodes.free,
            np.zeros(nodes.count, dtype=np.int64),
        )
    arcs.add(
        layout.first_mentor_node + all_nodes,
        np.full(nodes.count, SINK),
        nodes.free,
        np.zeros(nodes.count, dtype=np.int64),
    )


def build_network(pool: Pool, enforced: frozenset[str]) -> Network:
    """The reduced flow network; rejections of the ``enforced`` mentees are built in."""
    n = len(pool.mentees)
    academy = np.array([m.route == Route.ACADEMY for m in pool.mentees], dtype=np.bool_)
    vocabulary = Vocabulary.of(pool)
    live_rejections = _live_rejections(pool, enforced)
    nodes = group_mentors(pool, {mentor for _, mentor in live_rejections}, vocabulary)
    classes = group_mentees(pool, academy, {mentee for mentee, _ in live_rejections})
    skill_sets = find_skill_sets(pool, classes, nodes, vocabulary)

    first_class = FIRST_FREE_NODE + n
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
    return Network(
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

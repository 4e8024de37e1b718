"""The aggregates the flow network is built on (see :mod:`mentorsheet.core.matching.network`).

The skill vocabulary (each skill a bit position, and ``L``, the common
denominator of coverage), mentor nodes (eligible mentors with the same
skills), mentee classes (eligible mentees with the same route and wanted
skills) and skill-set nodes (the subsets of a class's wanted skills that
some mentor node offers in full).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse

from mentorsheet.core.matching.pool import Pool

# Classes wanting more offered skills than this get direct arcs to mentor
# nodes instead of one arc per subset (2**10 - 1 subsets at most per class).
MAX_SUBSET_SKILLS: Final = 10
# Rows of the sparse overlap product computed at once (bounds memory).
_CHUNK_ROWS: Final = 1024

IntArray = npt.NDArray[np.int64]


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


def overlaps(
    wanted: Sequence[Iterable[str]], offered: sparse.csr_matrix, index: dict[str, int]
) -> Iterator[tuple[int, npt.NDArray[np.int64]]]:
    """For each wanted set, the number of its skills each mentor node offers (dense row)."""
    matrix = _skill_matrix(wanted, index)
    for start in range(0, matrix.shape[0], _CHUNK_ROWS):
        block = np.asarray((matrix[start : start + _CHUNK_ROWS] @ offered.T).toarray())
        for offset, row in enumerate(block):
            yield start + offset, row.astype(np.int64)


@dataclass(frozen=True)
class Vocabulary:
    """Every skill wanted or offered, each with a bit position."""

    index: dict[str, int]
    denominator: int  # L, the lcm of the wanted-list lengths

    @classmethod
    def of(cls, pool: Pool) -> Vocabulary:
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


@dataclass(frozen=True)
class MentorNodes:
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


def group_mentors(pool: Pool, single: set[str], vocabulary: Vocabulary) -> MentorNodes:
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
    return MentorNodes(
        node_of=node_of,
        members=members,
        free=np.array([sum(pool.free[i] for i in group) for group in members], dtype=np.int64),
        postings=postings,
        offered_anywhere=offered_anywhere,
        offered=_skill_matrix(node_skills, index),
    )


@dataclass(frozen=True)
class MenteeClasses:
    """Eligible mentees grouped into classes; those left out get direct arcs."""

    members: list[list[int]]  # mentee indices per class
    class_of: IntArray  # class of each mentee, -1 for none


def group_mentees(
    pool: Pool, academy: npt.NDArray[np.bool_], direct_mentees: set[str]
) -> MenteeClasses:
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
    return MenteeClasses(members=members, class_of=class_of)


@dataclass(frozen=True)
class SkillSets:
    """Skill-set nodes: every offered subset of a class's wanted skills that
    some mentor node offers in full."""

    nodes: dict[int, npt.NDArray[np.intp]]  # subset -> mentor nodes offering all of it
    of_class: list[list[int]]  # the subsets each class reaches
    wide_classes: list[int]  # classes wanting too many offered skills: direct arcs
    live: list[int]  # subsets some class reaches, in node order

    def node_id(self) -> dict[int, int]:
        return {subset: k for k, subset in enumerate(self.live)}


def _mentor_nodes_offering(subset: int, nodes: MentorNodes, width: int) -> npt.NDArray[np.intp]:
    bits = -1
    for skill in _bit_positions(subset, width).tolist():
        bits &= nodes.postings[skill]
    return _bit_positions(bits, nodes.count) if bits > 0 else np.zeros(0, dtype=np.intp)


def find_skill_sets(
    pool: Pool, classes: MenteeClasses, nodes: MentorNodes, vocabulary: Vocabulary
) -> SkillSets:
    index = vocabulary.index
    subset_nodes: dict[int, npt.NDArray[np.intp]] = {}
    class_subsets: list[list[int]] = []
    wide_classes: list[int] = []
    for members_of_class in classes.members:
        wanted_mask = sum(1 << index[s] for s in pool.wanted[members_of_class[0]])
        usable = wanted_mask & nodes.offered_anywhere
        chosen: list[int] = []
        if usable.bit_count() > MAX_SUBSET_SKILLS:
            wide_classes.append(len(class_subsets))
        else:
            for subset in _subsets(usable):
                if subset not in subset_nodes:
                    subset_nodes[subset] = _mentor_nodes_offering(subset, nodes, len(index))
                if len(subset_nodes[subset]):
                    chosen.append(subset)
        class_subsets.append(chosen)
    live = sorted({s for chosen in class_subsets for s in chosen}, key=lambda s: (s.bit_count(), s))
    return SkillSets(
        nodes=subset_nodes, of_class=class_subsets, wide_classes=wide_classes, live=live
    )

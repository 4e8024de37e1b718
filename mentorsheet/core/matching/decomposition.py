"""Turning the optimal flow into pairs of one mentee and one mentor.

Deterministic: a class's best-valued paths go to its longest-waiting
members, a mentor node's mentees are spread over its mentors (most free
places first), and each mentee is steered away from mentors staff rejected
for them where the flow allows.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from mentorsheet.core.matching.aggregates import IntArray
from mentorsheet.core.matching.network import FIRST_FREE_NODE, SINK, Network
from mentorsheet.core.matching.pool import Pool
from mentorsheet.errors import MentorsheetError


@dataclass
class _Residual:
    """What is left of an optimal flow while it is decomposed into pairs."""

    # Per node, [head, flow left] of its used arcs, best-valued first.
    outgoing: dict[int, list[list[int]]]
    # Per mentor node, a heap of (-places left, mentor index): most free first.
    places: list[list[tuple[int, int]]]
    first_mentor_node: int

    @classmethod
    def of(cls, network: Network, pool: Pool, flows: IntArray) -> _Residual:
        n = len(network.academy)
        outgoing: dict[int, list[list[int]]] = {}
        used = np.flatnonzero(flows[n:] > 0) + n
        order = sorted(
            used.tolist(), key=lambda a: (int(network.tails[a]), -int(network.values[a]), a)
        )
        for arc in order:
            head = int(network.heads[arc])
            if head != SINK:
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


def _refused_by(pool: Pool) -> dict[str, set[int]]:
    """Per mentee email, the eligible mentors (by index) staff rejected for them."""
    mentor_index = {m.email: k for k, m in enumerate(pool.mentors)}
    refused_by: dict[str, set[int]] = {}
    for mentee_email, mentor_email in pool.rejected:
        if mentor_email in mentor_index:
            refused_by.setdefault(mentee_email, set()).add(mentor_index[mentor_email])
    return refused_by


def decompose(
    network: Network, pool: Pool, flows: IntArray
) -> tuple[list[tuple[int, int]], frozenset[str]]:
    """Turn the optimal flow into (mentee index, eligible mentor index) pairs.

    Any decomposition of an optimal flow is an optimal assignment (see
    :mod:`mentorsheet.core.matching.network`); this one is deterministic,
    gives the best-valued paths of a class to its longest-waiting members,
    spreads a mentor node's mentees over its mentors (most free places
    first) and steers each mentee away from mentors staff rejected for
    them. Returns the pairs and the
    mentees it could not steer away (their rejections must be enforced in
    the network, and the problem solved again).
    """
    n = len(network.academy)
    residual = _Residual.of(network, pool, flows)
    refused_by = _refused_by(pool)
    pairs: list[tuple[int, int]] = []
    unsteered: set[str] = set()
    for i in np.flatnonzero(flows[:n] > 0).tolist():
        start = FIRST_FREE_NODE + i
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

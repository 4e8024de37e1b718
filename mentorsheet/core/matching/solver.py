"""Solving the flow network exactly: two maximum flows, then one min-cost flow.

The problem is a bipartite b-matching. Tiers 1 and 2 of the objective (see
:mod:`mentorsheet.core.matching`) are settled first, as constraints rather
than weights: ``A*``, the most Academy mentees that can be paired, and
``M*``, the most mentees that can be paired, are two maximum flows. The sets
of mentees that can be paired together form a (transversal) matroid, so a
largest Academy set always extends to a largest pairing: the solutions
optimal for tiers 1-2 are exactly those pairing ``A*`` Academy and
``M* - A*`` Community mentees, which a min-cost flow enforces with the
supplies of two sources.

Tiers 3 and 4 are then one integer objective of that min-cost flow
(OR-Tools' cost-scaling solver, exact in 64-bit integers): coverage is
scaled to an integer on the common denominator ``L`` (the lcm of the
wanted-list lengths), and the mentee of rank ``r`` (0 = waiting longest)
among ``n`` earns ``n - r``. Coverage is weighted by ``W3 = M*·(n-1) + 1``,
more than any difference the tie-break can make, so the tiers never trade
off; the largest cost times the number of nodes is checked to stay within
int64, else a clear error is raised. Within the coverage-optimal solutions
the sets of paired mentees are again the bases of a matroid (feasible
supplies of a flow network form a base polyhedron), so weights that fall
with rank make the solver pick the greedy "longest waiting first" set, and
only that one.
"""

from __future__ import annotations

from typing import Final

import numpy as np

# OR-Tools ships .pyi files but no py.typed marker.
from ortools.graph.python import max_flow, min_cost_flow  # type: ignore[import-untyped]

from mentorsheet.core.matching.aggregates import IntArray
from mentorsheet.core.matching.network import ACADEMY_SOURCE, COMMUNITY_SOURCE, SINK, Network
from mentorsheet.errors import MentorsheetError

# Cost scaling multiplies costs by the number of nodes: keep well inside int64.
_INT_LIMIT: Final = 2**62


def _max_flow(network: Network, *, academy_only: bool) -> int:
    """Most mentees (or Academy mentees) that can be paired at once."""
    n = len(network.academy)
    tails = network.tails.copy()
    caps = network.caps.copy()
    tails[:n] = ACADEMY_SOURCE  # one source for the count
    if academy_only:
        caps[:n] = network.academy.astype(np.int64)
    solver = max_flow.SimpleMaxFlow()
    solver.add_arcs_with_capacity(tails.astype(np.int32), network.heads.astype(np.int32), caps)
    status = solver.solve(ACADEMY_SOURCE, SINK)
    if status != solver.OPTIMAL:
        raise MentorsheetError(f"the matching solver failed (maximum flow: {status})")
    return int(solver.optimal_flow())


def solve(network: Network) -> IntArray:
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
    solver.set_node_supply(ACADEMY_SOURCE, most_academy)
    solver.set_node_supply(COMMUNITY_SOURCE, most_pairs - most_academy)
    solver.set_node_supply(SINK, -most_pairs)
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise MentorsheetError(f"the matching solver failed (min-cost flow: {status})")
    return np.asarray(solver.flows(np.asarray(arcs, dtype=np.int32)), dtype=np.int64)

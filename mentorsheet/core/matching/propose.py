"""The entry point: pool, network, solve, decompose, explain.

Pure: no I/O and no clock. ``today`` is the run's date: a ``Paused until``
after it leaves that mentor or mentee out of this round.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from mentorsheet.core.matching.decomposition import decompose
from mentorsheet.core.matching.explanations import explain
from mentorsheet.core.matching.network import build_network
from mentorsheet.core.matching.pool import prepare_pool
from mentorsheet.core.matching.solver import solve
from mentorsheet.core.model import MatchResult, Programme


def propose_pairings(programme: Programme, *, today: date) -> MatchResult:
    """Choose the optimal new pairs for ``programme``, each explained.

    Returns the proposals (waiting longest first), every eligible mentee left
    unpaired with the reason, and the skills short of free mentor places.
    The same programme always gives the same result, whatever its row order.
    Raises :class:`~mentorsheet.errors.MentorsheetError` only if the solver
    fails or the programme is too large to rank exactly in 64-bit integers.
    """
    pool = prepare_pool(programme, today=today)
    # Rejections are enforced lazily: the network first ignores them inside
    # classes and mentor nodes (a relaxation, so its optimum is at least the
    # true one) and the decomposition steers around them. A mentee it cannot
    # steer gets all their rejections built in, and the problem is solved
    # again; when the decomposition respects every rejection, the relaxed
    # optimum is feasible and therefore the true optimum. Each round adds at
    # least one mentee, so the loop ends; usually it runs once.
    enforced: frozenset[str] = frozenset()
    while True:
        network = build_network(pool, enforced)
        pairs, unsteered = decompose(network, pool, solve(network))
        if not unsteered:
            return dataclasses.replace(explain(pool, pairs), held_back=pool.held_back)
        enforced |= unsteered

"""Propose pairings: the provably optimal assignment of mentees to mentor places.

What is optimised (lexicographically, never traded off)
    1. the number of Academy mentees paired;
    2. then the number of mentees paired;
    3. then the total coverage, a pair's coverage being
       ``|wanted ∩ offered| / |wanted|`` (0 when nothing is wanted);
    4. then the mentees waiting longest (``requested_on``, none last, then
       email) are the ones paired.

How, step by step (each module of this package explains its part)
    * ``pool`` — who may pair with whom: eligible mentors and mentees, free
      places, pairs never to propose; mentees ranked waiting longest first;
    * ``history`` — who sits the round out: pairs seen before, mentees who
      finished without asking again, pauses;
    * ``aggregates`` and ``network`` — the reduced flow network whose
      optimum is the assignment optimum (classes, mentor nodes, skill-set
      nodes, the hub), and why it is small;
    * ``solver`` — how it is solved exactly: two maximum flows, then one
      min-cost flow in 64-bit integers;
    * ``decomposition`` — the optimal flow turned into pairs;
    * ``explanations`` — why each pair, why each mentee is left unpaired,
      the skills short of free places;
    * ``propose`` — the entry point, :func:`propose_pairings`, which
      enforces staff rejections lazily.

Pure: no I/O and no clock. ``today`` is the run's date: pauses
(``Paused until``) are read against it.
"""

from mentorsheet.core.matching.propose import propose_pairings

__all__ = ["propose_pairings"]

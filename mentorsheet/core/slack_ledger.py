"""What the Slack channel's Pairings cells ask of staff, as problems for the tab and the digest.

``Slack intro sent on`` holds a time once the intro was posted. Otherwise it
may say ``sending`` (a run stopped between its mark and its record) or
``check: may have posted`` (the post failed in a way after which it may have
gone): neither is ever posted again, and each is listed until a person
settles it. ``skipped: ...`` (not in the workspace, deactivated, a bot) is
listed on the day it happened; clearing the cell lets a later run post it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from mentorsheet.core.messages import SLACK_CHECK, SLACK_SENDING, SLACK_SKIPPED
from mentorsheet.core.model import Pairing, Problem
from mentorsheet.core.schema import PC

CHECK_NOTE = (
    "the Slack intro may have been posted: look in the pairing's group DM, then write the "
    "time it was posted in this cell (or clear it to post it again)"
)
SKIPPED_NOTE = (
    "the Slack intro was not posted ({why}); the email went. To post it, add them to the "
    "workspace (or fix their Slack cell) and clear this cell"
)


def slack_problems(
    pairings: Iterable[Pairing], *, tab: str, declined_now: Collection[str]
) -> list[Problem]:
    """Slack intros a person must check, and those skipped in this run (``declined_now``)."""
    problems: list[Problem] = []
    for pairing in pairings:
        cell = pairing.slack_intro_sent_on
        if not isinstance(cell, str):
            continue  # a time: posted
        if cell in (SLACK_SENDING, SLACK_CHECK):
            problem = CHECK_NOTE
        elif cell.startswith(SLACK_SKIPPED) and pairing.pairing_id in declined_now:
            problem = SKIPPED_NOTE.format(why=cell.partition(":")[2].strip() or cell)
        else:
            continue
        problems.append(
            Problem(
                tab=tab,
                row=pairing.row or None,
                column=PC.SLACK_INTRO_SENT_ON.value,
                value=f"{pairing.pairing_id}: {cell}",
                problem=problem,
            )
        )
    return problems

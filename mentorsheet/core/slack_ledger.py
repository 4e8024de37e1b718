"""What the Slack channel's Pairings cells ask of staff, as problems for the tab and the digest.

``Slack intro sent on`` holds a time once the intro was posted. Otherwise it
may say ``sending`` (a run stopped between its mark and its record) or
``check: may have posted`` (the post failed in a way after which it may have
gone): neither is ever posted again, and each is listed until a person
settles it. ``skipped: ...`` (not in the workspace, deactivated, a bot) is
listed on the day it happened; clearing the cell lets a later run post it.

The staff digest may go to a Slack channel too (``[slack] staff_channel``),
ledgered by its own marker, so it is posted at most once a day.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from mentorsheet.config import Config
from mentorsheet.core.digest import digest_due
from mentorsheet.core.effects import Moment, Queued
from mentorsheet.core.messages import (
    SLACK,
    SLACK_CHECK,
    SLACK_DIGEST_MARKER,
    SLACK_SENDING,
    SLACK_SKIPPED,
    Kind,
    OutgoingMessage,
    step_for,
)
from mentorsheet.core.model import Pairing, Problem
from mentorsheet.core.plan import DigestPlan
from mentorsheet.core.raw import RawWorkbook
from mentorsheet.core.schema import PAIRINGS, PC, SLACK_COLUMNS, resolve_columns

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


def plan_slack_digest(
    digest: DigestPlan, *, at: Moment, markers: Mapping[str, str], staff_channel: str
) -> Queued | None:
    """The day's digest for the staff channel, when one is set and it is due (its own marker)."""
    if not staff_channel:
        return None
    last = markers.get(SLACK_DIGEST_MARKER)
    if not digest_due(day=at.today, last_digest_day=last, summary=digest.summary):
        return None
    message = OutgoingMessage(Kind.DIGEST, SLACK, at.now, day=at.today, summary=digest.summary)
    return Queued(message, step_for(Kind.DIGEST, SLACK), marker_before=last or "")


def missing_slack_columns(raw: RawWorkbook, config: Config) -> list[str]:
    """The Slack columns the Pairings tab lacks (``mentorsheet init`` adds them).

    Without them a row's whole update would be refused, its email too: a run
    with Slack on stops before writing instead.
    """
    tab = raw.tabs.get(PAIRINGS)
    if tab is None:
        return []
    found = resolve_columns(PAIRINGS, tab.header, config.workbook.headers.get(PAIRINGS))
    return [column.value for column in SLACK_COLUMNS if column not in found]

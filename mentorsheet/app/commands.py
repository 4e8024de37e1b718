"""The run commands and the steps each takes: light, so the CLI can list them at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal

Command = Literal["propose", "intro", "status", "digest", "run"]
COMMANDS: Final[tuple[Command, ...]] = ("propose", "intro", "status", "digest", "run")

STEPS: Final[Mapping[Command, frozenset[str]]] = {
    "propose": frozenset({"propose"}),
    "intro": frozenset({"intro"}),
    "status": frozenset({"status"}),
    "digest": frozenset({"digest"}),
    "run": frozenset({"propose", "intro", "status", "digest"}),
}

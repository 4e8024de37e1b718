"""Skills as staff type them, turned into comparable names.

A skill is compared by its normalised text: Unicode-compatibility folded
(NFKC, so a full-width "ｊｓ" equals "js"), case-folded, runs of whitespace
collapsed to one space, trimmed, and a leading list bullet ("- ", "• ", "* ")
dropped so pasted lists work. The config's synonyms are then applied, their
keys and values normalised the same way; a chain (``js -> ecmascript ->
javascript``) is followed to its end, so the result is stable when
normalised again.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

_WHITESPACE = re.compile(r"\s+")
_BULLET = re.compile(r"^(?:[-*•·–—]\s+)+")
# Commas, semicolons and line breaks of every kind separate skills; "/" and
# "and" do not ("CI/CD", "Dungeons and Dragons").
_SEPARATORS = re.compile(r"[,;\r\n\u0085\u2028\u2029]")


def _fold(text: str) -> str:
    # NFKC again after case-folding: folding can produce text NFKC would change.
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return _BULLET.sub("", _WHITESPACE.sub(" ", folded).strip())


class SkillNormaliser:
    """Normalises skills with one set of synonyms, prepared once."""

    def __init__(self, synonyms: Mapping[str, str]) -> None:
        self._synonyms = {_fold(key): _fold(value) for key, value in synonyms.items()}

    def normalise(self, text: str) -> str:
        skill = _fold(text)
        seen = {skill}
        # Follow chains to their end; a cycle in the config stops at the
        # first repeat rather than looping.
        while (mapped := self._synonyms.get(skill)) is not None and mapped not in seen:
            seen.add(mapped)
            skill = mapped
        return skill

    def split(self, text: str) -> tuple[str, ...]:
        skills: dict[str, None] = {}  # a dict keeps first-seen order
        # Fold first: NFKC turns look-alikes such as a full-width "；" into separators.
        for part in _SEPARATORS.split(unicodedata.normalize("NFKC", text)):
            skill = self.normalise(part)
            if skill:
                skills.setdefault(skill)
        return tuple(skills)


def normalise_skill(text: str, synonyms: Mapping[str, str]) -> str:
    """One skill, normalised and mapped through ``synonyms`` (e.g. ``" JS " -> "javascript"``)."""
    return SkillNormaliser(synonyms).normalise(text)


def split_skills(text: str, synonyms: Mapping[str, str]) -> tuple[str, ...]:
    """Skills separated by commas, semicolons or line breaks: normalised, without
    empties or repeats, in the order first given."""
    return SkillNormaliser(synonyms).split(text)

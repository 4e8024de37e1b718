"""Skills as typed by staff: normalised, split, mapped through synonyms."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorsheet.core.skills import SkillNormaliser, normalise_skill, split_skills

SYNONYMS = {"JS": "JavaScript", " K8S ": "kubernetes", "py": "Python", "golang": "go"}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("JS", "javascript"),
        (" K8s ", "kubernetes"),
        ("k8s", "kubernetes"),
        ("  Machine \t  Learning ", "machine learning"),
        ("PYTHON", "python"),
        ("Py", "python"),
        ("ｊｓ", "javascript"),  # full-width letters fold to the same skill
        ("- Rust", "rust"),  # a pasted list bullet is dropped
        ("• SQL", "sql"),
        ("C++", "c++"),
        ("C#", "c#"),
        (".NET", ".net"),
        ("CI/CD", "ci/cd"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_normalise_skill(typed: str, expected: str) -> None:
    assert normalise_skill(typed, SYNONYMS) == expected


def test_synonym_keys_and_values_are_normalised_like_skills() -> None:
    assert normalise_skill("node JS", {"  Node   js ": "JavaScript"}) == "javascript"


def test_synonym_chains_are_followed_to_the_end() -> None:
    synonyms = {"js": "ecmascript", "ecmascript": "javascript"}
    assert normalise_skill("JS", synonyms) == "javascript"


def test_a_synonym_cycle_stops_instead_of_looping() -> None:
    assert normalise_skill("a", {"a": "b", "b": "a"}) == "b"


def test_split_on_commas_semicolons_and_line_breaks() -> None:
    text = "Python, JS; k8s\nSQL\r\nGo\rRust"
    assert split_skills(text, SYNONYMS) == (
        "python",
        "javascript",
        "kubernetes",
        "sql",
        "go",
        "rust",
    )


def test_split_drops_empties_and_repeats_keeping_first_order() -> None:
    assert split_skills(" ,Go;; golang ,\n\n py, GO , Python,", SYNONYMS) == ("go", "python")


def test_split_keeps_slashes_and_ands_inside_a_skill() -> None:
    assert split_skills("CI/CD, Dungeons and Dragons", {}) == ("ci/cd", "dungeons and dragons")


def test_full_width_separators_split_too() -> None:
    assert split_skills("Python；SQL", {}) == ("python", "sql")


def test_a_pasted_bulleted_list() -> None:
    assert split_skills("- Python\n- SQL\n• Docker", {}) == ("python", "sql", "docker")


def test_blank_text_has_no_skills() -> None:
    assert split_skills("", SYNONYMS) == ()
    assert split_skills(" ,; \n ", SYNONYMS) == ()


def test_the_normaliser_object_matches_the_functions() -> None:
    normaliser = SkillNormaliser(SYNONYMS)
    assert normaliser.normalise(" K8s ") == normalise_skill(" K8s ", SYNONYMS)
    assert normaliser.split("JS, py") == split_skills("JS, py", SYNONYMS)


skill_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)


@settings(max_examples=300, deadline=None)
@given(skill_text)
def test_split_is_idempotent_on_its_own_output(text: str) -> None:
    once = split_skills(text, SYNONYMS)
    assert split_skills(", ".join(once), SYNONYMS) == once
    assert all(skill and skill == skill.strip() for skill in once)
    assert len(set(once)) == len(once)


@settings(max_examples=300, deadline=None)
@given(skill_text)
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise_skill(text, SYNONYMS)
    assert normalise_skill(once, SYNONYMS) == once


@settings(max_examples=100, deadline=None)
@given(st.lists(st.from_regex(r"[A-Za-z][A-Za-z0-9+#.]{0,10}", fullmatch=True), max_size=8))
def test_split_finds_every_typed_skill(words: list[str]) -> None:
    skills = split_skills(";\n".join(f"  {word.upper()} " for word in words), {})
    assert set(skills) == {word.casefold() for word in words}

"""ARCHITECTURE.md's import rules, held by a test: the layers only import downwards."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "mentorsheet"

# What each layer must never import (module prefixes).
FORBIDDEN = {
    "core": ("mentorsheet.adapters", "mentorsheet.app", "mentorsheet.cli", "rich", "click"),
    "adapters/workbook": ("mentorsheet.app", "mentorsheet.cli", "mentorsheet.adapters.channels"),
    "adapters/channels": ("mentorsheet.app", "mentorsheet.cli", "mentorsheet.adapters.workbook"),
    "adapters": ("mentorsheet.app", "mentorsheet.cli"),
    "app": ("mentorsheet.cli",),
    "cli": ("mentorsheet.adapters",),
}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def modules_in(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layers_only_import_downwards(layer: str) -> None:
    broken = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in modules_in(layer)
        for name in sorted(imports_of(path))
        if name.startswith(FORBIDDEN[layer])
    ]
    assert modules_in(layer), f"no modules under {layer}"
    assert not broken, broken


def test_only_the_wiring_chooses_a_backend() -> None:
    choosing = [
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if ".backend ==" in path.read_text(encoding="utf-8")
    ]
    assert choosing == ["app/wiring.py"]


def test_no_module_is_far_above_six_hundred_lines() -> None:
    long = {
        path.relative_to(PACKAGE).as_posix(): n
        for path in PACKAGE.rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 620
    }
    assert not long, long

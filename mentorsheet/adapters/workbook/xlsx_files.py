"""File-level helpers of the ``.xlsx`` store: markers, editors' lock files, durable renames."""

from __future__ import annotations

import os
from contextlib import suppress
from pathlib import Path
from typing import Final

from openpyxl.packaging.custom import CustomPropertyList
from openpyxl.workbook.workbook import Workbook

from mentorsheet.errors import WorkbookError

MARKER_PREFIX: Final = "mentorsheet."


class FileChangedError(WorkbookError):
    """The workbook was saved by someone else between the store's load and its save."""


def editor_lock_files(path: Path) -> list[Path]:
    """Lock files that LibreOffice and Excel keep beside a workbook they have open."""
    name = path.name
    # Excel names its owner file "~$" + the name, dropping leading characters of long names.
    candidates = [f".~lock.{name}#", f"~${name}", f"~${name[1:]}", f"~${name[2:]}"]
    return [path.with_name(candidate) for candidate in dict.fromkeys(candidates)]


def umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable; not possible (nor needed) on every platform.
    with suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def custom_properties(workbook: Workbook) -> CustomPropertyList[object]:
    # Added in openpyxl 3.1; the type stubs do not list it yet.
    properties: CustomPropertyList[object] = workbook.custom_doc_props  # type: ignore[attr-defined]
    return properties


def markers_of(workbook: Workbook) -> dict[str, str]:
    return {
        prop.name[len(MARKER_PREFIX) :]: str(prop.value)
        for prop in custom_properties(workbook)
        if prop.name.startswith(MARKER_PREFIX) and prop.value is not None
    }

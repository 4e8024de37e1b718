"""The loader of staff's template overrides: only files that really are in their folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from jinja2 import Environment, FileSystemLoader

from mentorsheet.errors import TemplateError


class FolderLoader(FileSystemLoader):
    """Staff's override folder: only regular files that really are inside it.

    A symlink there could otherwise make ``{% include %}`` read any file the run
    can (``/proc/self/environ`` holds tokens) and mail it.
    """

    def __init__(self, folder: Path) -> None:
        super().__init__(str(folder))
        self._root = folder.resolve()

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        real = Path(filename).resolve()
        if not real.is_relative_to(self._root) or not real.is_file():
            raise TemplateError(
                f"template {template} in {self._root} is a link to a file outside that folder: "
                "replace it with a copy of the template"
            )
        return source, filename, uptodate

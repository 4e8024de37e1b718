"""The outbox backend: each email written as an ``.eml`` file that any mail program opens.

A message is written once and only once: the file appears whole (written to a
temporary file in the same directory, then renamed into place) and an
existing file is never overwritten, because its presence means the message
was already "sent". Two runs never write at the same time (the run lock), so
checking for the file before the rename is enough.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from email.message import EmailMessage
from pathlib import Path

from mentorsheet.adapters.channels.email.base import WIRE_POLICY
from mentorsheet.errors import MailError

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_STEM = 120
_HASH_LENGTH = 10
_HASHED = re.compile(rf"-[0-9a-f]{{{_HASH_LENGTH}}}$")


def outbox_file_name(key: str) -> str:
    """A safe, stable file name for ``key``: ``P-000123-intro`` -> ``P-000123-intro.eml``.

    Characters other than letters, digits, ``.``, ``_`` and ``-`` become ``_``;
    when that changes the key (or the key already ends like a hash), a short
    hash of the original is appended so two different keys never share a file.
    """
    stem = _UNSAFE.sub("_", key).strip("._") or "message"
    if stem != key or len(stem) > _MAX_STEM or _HASHED.search(stem):
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:_HASH_LENGTH]
        stem = f"{stem[:_MAX_STEM]}-{digest}"
    return f"{stem}.eml"


class OutboxSender:
    """A mail sender (:class:`~.base.MailSender`) that writes RFC 5322 ``.eml`` files."""

    def __init__(self, directory: Path) -> None:
        self._directory = Path(directory)

    @property
    def directory(self) -> Path:
        return self._directory

    def describe(self) -> str:
        return f"outbox at {self._directory}"

    def path_for(self, key: str) -> Path:
        return self._directory / outbox_file_name(key)

    def send(self, message: EmailMessage, *, key: str) -> str:
        message_id = message["Message-ID"]
        if not message_id:
            raise MailError(f"message {key!r} has no Message-ID header", may_have_sent=False)
        target = self.path_for(key)
        if target.exists():
            raise MailError(
                f"{target} already exists: message {key!r} was written before, "
                "so it is not written again",
                may_have_sent=True,
            )
        data = message.as_bytes(policy=WIRE_POLICY)
        try:
            self._directory.mkdir(parents=True, exist_ok=True)
            _write_new_file(target, data)
        except OSError as exc:
            # _write_new_file leaves no file behind when it fails.
            raise MailError(
                f"could not write {target}: {exc.strerror or exc}", may_have_sent=False
            ) from exc
        return str(message_id)


def _write_new_file(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` all at once: readers see no file or the whole file."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".partial")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_directory(target.parent)


def _sync_directory(directory: Path) -> None:
    # Makes the rename durable where the platform allows it (not on Windows).
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)

"""Atomic file writes: a crash or an error never leaves a half-written file behind."""
from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from typing import BinaryIO


def _file_mode() -> int:
    umask = os.umask(0o022)  # reading the umask means setting it: put it straight back
    os.umask(umask)
    return 0o666 & ~umask


_MODE = _file_mode()  # read once, at import, as open() would apply it


def write_atomically(path: str | os.PathLike, write: Callable[[BinaryIO], object]) -> None:
    """Call ``write(file)`` on a temporary file beside ``path``, flush it to disk, then rename it
    over ``path`` (``os.replace``); on any error the temporary file is removed and ``path`` is untouched.

    The temporary file is named ``.<name>.<pid>.<random>.tmp``. A process killed while writing
    cannot remove its own, so each write first removes those of ``path`` left by processes that
    no longer run (a live writer's file is kept).

    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "state.bin"
    >>> write_atomically(target, lambda file: file.write(b"ok"))
    >>> target.read_bytes()
    b'ok'
    """
    target = os.path.abspath(os.fspath(path))
    folder, name = os.path.split(target)
    remove_stale_temporaries(target)
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.{os.getpid()}.", suffix=".tmp")
    try:
        os.fchmod(fd, _MODE)  # mkstemp makes it private; the result gets the usual permissions
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise


def write_text_atomically(path: str | os.PathLike, text: str) -> None:
    """:func:`write_atomically` for UTF-8 text."""
    write_atomically(path, lambda file: file.write(text.encode("utf-8")))


def remove_stale_temporaries(path: str | os.PathLike) -> list[str]:
    """Remove the temporary files of ``path`` whose writing process has ended; returns their names."""
    folder, name = os.path.split(os.path.abspath(os.fspath(path)))
    pattern = re.compile(rf"\.{re.escape(name)}\.(\d+)\.[^.]+\.tmp")
    removed: list[str] = []
    try:
        entries = os.listdir(folder)
    except OSError:
        return removed
    for entry in entries:
        match = pattern.fullmatch(entry)
        if match and not _alive(int(match.group(1))):
            try:
                os.unlink(os.path.join(folder, entry))
                removed.append(entry)
            except FileNotFoundError:  # another writer removed it first
                pass
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, as another user
        return True
    return True

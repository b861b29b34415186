"""Atomic file writing: a reader sees the old file or the whole new one, never a part.

Every target is checked first (:func:`check_target`): a name that is not a file name, an
existing directory, symbolic link, device node, FIFO or socket, or a parent that is not a
folder is refused with a :class:`~symconv.errors.SpecError` naming the user's path and the
rule — symconv never follows or replaces anything but a regular file.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path

from symconv.errors import SpecError

KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISLNK, "a symbolic link"),
         (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
         (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"))


def kind_of(mode: int) -> str:
    return next((text for test, text in KINDS if test(mode)), "not a regular file")


NAME_MAX = 255
"""Longest file name (bytes) of the usual Linux file systems."""


def shown(path: str) -> str:
    """A path as a message shows it: quoted with escapes when it holds a newline or other
    unprintable character, so an error stays one line.

    >>> shown("a b.tex"), shown("a\\nb.tex")
    ('a b.tex', "'a\\\\nb.tex'")
    """
    return path if path.isprintable() else repr(path)


def check_target(path: Path | str, option: str = "-o") -> Path:
    """Refuse a target symconv must not write: '' or '.', a name ending in '/', a name longer
    than the file system allows, anything that exists and is not a regular file, or a path
    under a regular file. Returns the path."""
    raw = os.fspath(path)
    if raw == "":
        raise SpecError(option, "'' is not a file name")
    name = os.path.basename(raw)
    if raw.endswith(os.sep) or name in ("", ".", ".."):
        raise SpecError(option, f"{shown(raw)} is a directory, not a file name")
    for part in raw.split(os.sep):
        if len(os.fsencode(part)) > NAME_MAX:
            raise SpecError(option, f"{shown(raw)}: a name in it is longer than {NAME_MAX} "
                                    f"bytes")
    try:
        mode = os.lstat(raw).st_mode
    except FileNotFoundError:
        mode = None
    except NotADirectoryError:
        mode = None
    except OSError:   # e.g. permission denied: the write reports it, naming the file
        return Path(raw)
    if mode is not None and not stat.S_ISREG(mode):
        what = kind_of(mode)
        rule = ("" if stat.S_ISDIR(mode) else
                "; symconv writes regular files only and will not follow or replace it")
        raise SpecError(option, f"{shown(raw)} is {what}{rule}")
    if mode is None:
        parent = os.path.dirname(raw)
        while parent:
            try:
                if not stat.S_ISDIR(os.stat(parent).st_mode):
                    raise SpecError(option, f"{shown(raw)}: {shown(parent)} is a file, not a "
                                            f"directory")
                break
            except (FileNotFoundError, NotADirectoryError):
                up = os.path.dirname(parent.rstrip(os.sep))
                parent = up if up != parent else ""
            except SpecError:
                raise
            except OSError:
                break
    return Path(raw)


def named(error: OSError, path: Path) -> OSError:
    """``error`` with ``path`` as its file name when it names none (e.g. a full disk)."""
    if error.filename is None:
        error.filename = str(path)
    return error


def write_atomically(path: Path | str, content: str | bytes, option: str = "-o") -> Path:
    """Write ``content`` to a temporary file beside ``path``, then rename it into place."""
    path = check_target(path, option)
    data = content.encode() if isinstance(content, str) else content
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".symconv-",
                                                 suffix=".tmp")
    except OSError as error:
        raise named(error, path) from None
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, 0o644)
        check_target(path, option)   # again, just before the rename
        os.replace(temporary, path)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise named(error, path) from None
        raise
    return path


@contextmanager
def locked(folder: Path):
    """Hold an exclusive lock on ``folder`` (``flock`` on the folder itself, so no lock file
    is left behind): a concurrent symconv writing into the same folder waits its turn."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)   # closing releases the lock


def write_all_atomically(files: dict[Path, str | bytes], option: str = "-o") -> list[Path]:
    """Write a set of files so that either all of them are the new ones or none changed: every
    target is checked, everything is staged in a temporary folder in the targets' common
    folder (same file system), then renamed into place under a lock on that folder, so two
    concurrent runs cannot interleave; a failure part-way puts the old files back."""
    targets = {check_target(path, option): content for path, content in files.items()}
    parent = Path(os.path.commonpath([str(path.parent.resolve()) for path in targets]))
    try:
        for path in targets:
            path.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=parent, prefix=".symconv-", suffix=".tmp"))
    except OSError as error:
        raise named(error, parent) from None
    moved: list[tuple[Path, Path | None]] = []   # (target, its backup or None)
    try:
        for index, (path, content) in enumerate(targets.items()):
            data = content.encode() if isinstance(content, str) else content
            try:
                (staging / f"new-{index}").write_bytes(data)
                os.chmod(staging / f"new-{index}", 0o644)
            except OSError as error:
                raise OSError(error.errno, error.strerror, str(path)) from None
        with locked(parent):
            for index, path in enumerate(targets):
                check_target(path, option)
                backup = None
                if path.exists():
                    backup = staging / f"old-{index}"
                    os.link(path, backup)
                try:
                    os.replace(staging / f"new-{index}", path)
                except OSError as error:
                    raise named(error, path) from None
                moved.append((path, backup))
    except BaseException:
        for path, backup in reversed(moved):
            if backup is None:
                path.unlink(missing_ok=True)
            else:
                os.replace(backup, path)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return list(targets)

"""Atomic file writing: a reader sees the old file or the whole new one, never a part, and a
set of files is replaced all together or not at all — even when symconv is killed.

A set of files is written as a small transaction in a staging folder beside the targets
(same file system, so every step is a ``rename``): the new files and hard links to the old
ones are staged, then a journal is written (the commit point), then the new files are
renamed into place. Everything happens under an exclusive ``flock`` on the targets' folder,
and every writer first finishes what a killed writer left in that folder: a journal says
"commit" (roll forward: rename the rest into place) or "roll back" (put the old files back);
no journal means nothing was touched yet (the staging is removed). So after any interruption,
SIGKILL included, the next symconv run that writes into the folder (or ``regenerate``) leaves
either all the new files or all the old ones.

Every target is checked first (:func:`check_target`): a name that is not a file name, an
existing directory, symbolic link, device node, FIFO or socket, or a parent that is not a
folder is refused with a :class:`~symconv.errors.SpecError` naming the user's path and the
rule — symconv never follows or replaces anything but a regular file.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Mapping
from contextlib import contextmanager
from pathlib import Path

from symconv.errors import SpecError

KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISLNK, "a symbolic link"),
         (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
         (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"))


def kind_of(mode: int) -> str:
    return next((text for test, text in KINDS if test(mode)), "not a regular file")


TEMPORARY_PREFIX = ".symconv-"
"""How the names of symconv's temporary files and staging folders begin."""


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
    """``error`` with ``path`` as its file name when it names none (e.g. a full disk) or
    names one of symconv's temporary files, which the user never asked for."""
    if error.filename is None or os.path.basename(str(error.filename)).startswith(TEMPORARY_PREFIX):
        error.filename = str(path)
    return error


def write_atomically(path: Path | str, content: str | bytes, option: str = "-o") -> Path:
    """Write ``content`` to a temporary file beside ``path``, then rename it into place (under
    the folder's lock, after finishing any write a killed run left there)."""
    path = check_target(path, option)
    data = content.encode() if isinstance(content, str) else content
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise named(error, path) from None
    with locked(path.parent):
        recover(path.parent)
        try:
            descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=TEMPORARY_PREFIX,
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
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError as error:
        raise named(error, folder) from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)   # closing releases the lock


JOURNAL = "journal.json"
"""The staging folder's journal: its targets, and the state ``commit`` or ``roll back``."""


def write_all_atomically(files: Mapping[Path, str | bytes | None],
                         option: str = "-o") -> list[Path]:
    """Write a set of files (content ``None``: remove that file) so that either all of them
    are the new ones or none changed, even if the process is killed part-way (see the module
    docstring). Every target is checked first; a failure names the file."""
    targets = {check_target(path, option): content for path, content in files.items()}
    parent = Path(os.path.commonpath([str(path.parent.resolve()) for path in targets]))
    try:
        for path in targets:
            path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise named(error, parent) from None
    with locked(parent):
        recover(parent)
        try:
            staging = Path(tempfile.mkdtemp(dir=parent, prefix=TEMPORARY_PREFIX, suffix=".tmp"))
        except OSError as error:
            raise named(error, parent) from None
        try:
            entries = stage(staging, parent, targets)
            write_journal(staging, "commit", entries)
        except BaseException:   # nothing was renamed yet: the old files are untouched
            shutil.rmtree(staging, ignore_errors=True)
            raise
        try:
            roll_forward(staging, parent, entries, option)
        except BaseException:
            write_journal(staging, "roll back", entries)
            roll_back(staging, parent, entries)
            finish(staging)
            raise
        finish(staging)
    return list(targets)


def stage(staging: Path, parent: Path, targets: Mapping[Path, str | bytes | None]) -> list[dict]:
    """Stage each new file as ``new-<i>`` and hard-link each existing target as ``old-<i>``;
    the journal entries (target relative to ``parent``, whether it is written, whether it had
    an old version)."""
    entries = []
    for index, (path, content) in enumerate(targets.items()):
        try:
            if content is not None:
                data = content.encode() if isinstance(content, str) else content
                (staging / f"new-{index}").write_bytes(data)
                os.chmod(staging / f"new-{index}", 0o644)
            backup = os.path.lexists(path)
            if backup:
                os.link(path, staging / f"old-{index}")
        except OSError as error:
            raise OSError(error.errno, error.strerror, str(path)) from None
        entries.append({"target": os.path.relpath(path.resolve(), parent),
                        "write": content is not None, "backup": backup})
    return entries


def write_journal(staging: Path, state: str, entries: list[dict]) -> None:
    """Record ``state`` atomically (write, then rename over the previous journal)."""
    temporary = staging / f"{JOURNAL}.tmp"
    temporary.write_text(json.dumps({"state": state, "entries": entries}))
    os.replace(temporary, staging / JOURNAL)


def roll_forward(staging: Path, parent: Path, entries: list[dict], option: str = "-o") -> None:
    """Move every staged file still waiting into place and remove the removed targets; a
    step already done is skipped, so this may run again after an interruption."""
    for index, entry in enumerate(entries):
        path = parent / entry["target"]
        check_target(path, option)
        new = staging / f"new-{index}"
        try:
            if not entry["write"]:
                path.unlink(missing_ok=True)
            elif new.exists():
                os.replace(new, path)
        except OSError as error:
            raise named(error, path) from None


def roll_back(staging: Path, parent: Path, entries: list[dict]) -> None:
    """Put every target back as it was: an old version still staged is renamed back, a new
    file that had no old version is removed. Safe to run again after an interruption."""
    for index, entry in reversed(list(enumerate(entries))):
        path = parent / entry["target"]
        if entry["write"] and (staging / f"new-{index}").exists():
            continue   # never moved
        old = staging / f"old-{index}"
        if entry["backup"]:
            if old.exists():
                os.replace(old, path)
        elif entry["write"]:
            path.unlink(missing_ok=True)


def finish(staging: Path) -> None:
    """Retire a staging folder: renamed first (one step, so a half-removed folder can never be
    mistaken for a transaction), then removed."""
    done = staging.with_suffix(".done")
    os.replace(staging, done)
    shutil.rmtree(done, ignore_errors=True)


def recover(folder: Path) -> list[Path]:
    """Finish in ``folder`` what killed symconv runs left (call with the folder's lock held):
    a committed transaction is rolled forward, one being rolled back is rolled back, one never
    committed and any temporary file are removed. Returns the staging folders handled."""
    handled = []
    for leftover in sorted(folder.glob(TEMPORARY_PREFIX + "*")):
        if leftover.suffix == ".done":   # a finished transaction, half removed
            shutil.rmtree(leftover, ignore_errors=True)
            continue
        if leftover.suffix != ".tmp":
            continue
        if not leftover.is_dir():   # a single file's temporary copy
            leftover.unlink(missing_ok=True)
            continue
        try:
            journal = json.loads((leftover / JOURNAL).read_text())
        except (OSError, ValueError):   # killed before the commit point: nothing was moved
            shutil.rmtree(leftover, ignore_errors=True)
            continue
        if journal["state"] == "commit":
            roll_forward(leftover, folder, journal["entries"])
        else:
            roll_back(leftover, folder, journal["entries"])
        finish(leftover)
        handled.append(leftover)
    return handled

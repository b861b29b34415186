"""``regenerate``: the golden record, rewritten or checked; only symconv's own files are touched."""

from __future__ import annotations

import fnmatch
from pathlib import Path

from symconv.catalogue import ALL_SIZES, CASES, MARKER, NETWORKS, drift, expected_files
from symconv.errors import SpecError
from symconv.layers.registry import LAYERS
from symconv.output import shown, write_all_atomically

OWNED_NAMES = ("derivation.tex", "derivation.md", "derivation-*.svg", "proof.json",
               *(f"{layer.module_name}.py" for layer in LAYERS.values()))
NETWORK_NAMES = ("network.py", "layer-*.tex", "layer-*.md", "layer-*.svg")
"""Besides OWNED_NAMES, what ``symconv network`` writes into a network case's folder."""


def staged(path: str) -> bool:
    """A file inside a transaction folder that a killed symconv left (finished by the next
    write, see :mod:`symconv.output`)."""
    first = path.split("/")[0]
    return any(fnmatch.fnmatchcase(first, pattern)
               for pattern in (".symconv-*.tmp", ".symconv-*.done"))


def owned(path: str) -> bool:
    """A file ``regenerate`` may replace or remove: the index, an artifact name inside a
    catalogue case folder, or the staging folder of a run that was killed."""
    parts = path.split("/")
    if staged(path):
        return True
    if parts == [MARKER]:
        return True
    names = OWNED_NAMES + (NETWORK_NAMES if parts[0] in NETWORKS else ())
    return (len(parts) == 2 and (parts[0] in CASES or parts[0] in ALL_SIZES
                                 or parts[0] in NETWORKS)
            and any(fnmatch.fnmatchcase(parts[1], name) for name in names))


def command_regenerate(options) -> int:
    if options.root == "":
        raise SpecError("--root", "'' is not a folder name")
    root = Path(options.root)
    for parent in root.parents:
        if parent.exists() and not parent.is_dir():
            raise SpecError("--root", f"{shown(options.root)}: {shown(str(parent))} is a file, "
                                      f"not a folder")
    if root.exists() and not root.is_dir():
        raise SpecError("--root", f"{root} is not a folder")
    if root.is_dir() and any(root.iterdir()) and not (root / MARKER).is_file():
        raise SpecError("--root", f"{root} is not empty and has no {MARKER}: not a golden "
                                  f"record, refusing to write into it")
    if options.check and not root.is_dir():   # e.g. run outside the repository
        print(f"{shown(str(root))}: no such folder (`symconv regenerate --root "
              f"{shown(str(root))}` writes it)")
        return 1
    expected = expected_files()
    found = drift(root, expected)
    foreign = [path for path in found["extra"] if not owned(path)]
    if options.check:
        problems = [f"{kind}: {root / path}" for kind, paths in found.items() for path in paths]
        for line in problems:
            print(line)
        print(f"{root}: {len(expected)} files, "
              + ("up to date" if not problems else f"{len(problems)} differ"))
        return 1 if problems else 0
    root.mkdir(parents=True, exist_ok=True)
    # One transaction: every artifact written and every stale one removed, or nothing changed
    # (a run killed part-way is finished first, by the same call).
    changes: dict[Path, str | None] = {root / path: content
                                       for path, content in sorted(expected.items())}
    changes.update({root / path: None for path in found["extra"]
                    if owned(path) and not staged(path)})
    write_all_atomically(changes, option="--root")
    for path in foreign:
        print(f"left alone (not written by symconv): {root / path}")
    print(f"wrote {len(expected)} files under {root}/")
    return 0

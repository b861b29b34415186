"""The golden record: catalogue cases and the files ``generated/`` must hold for them.

Each case is a name and the command-line options that describe it. ``expected_files`` renders
everything in memory; ``symconv regenerate`` writes it, ``--check`` compares it with disk.
"""

from __future__ import annotations

from pathlib import Path

from symconv.layers import LAYERS
from symconv.options import spec_from_arguments
from symconv.pipeline import run
from symconv.render import latex_document, numpy_module, proof_json

CASES = {
    "classic-3x3-k2": "--input 3x3 --kernel 2x2",
    "5x5-k3-s2-p1": "--input 5x5 --kernel 3x3 --stride 2 --padding 1",
    "leftover-6x6-k3-s2": "--input 6x6 --kernel 3x3 --stride 2",
    "dilation-9x9-k3-s2-d2": "--input 9x9 --kernel 3x3 --stride 2 --padding 1 --dilation 2",
    "asymmetric-5x5-k3": "--input 5x5 --kernel 3x3 --padding 0:2x1:0",
    "groups-4x4-c4-g2": ("--input 4x4 --kernel 3x3 --padding 1 --in-channels 4 "
                         "--out-channels 4 --groups 2"),
    "1d-7-k3-s2-p1": "--input 7 --kernel 3 --stride 2 --padding 1",
    "3d-4x4x4-k2-s2": "--input 4x4x4 --kernel 2 --stride 2",
    "relu-3x4": "--layer relu --input 3x4",
    "maxpool-4x4-k2": "--layer maxpool --input 4x4 --kernel 2",
    "maxpool-overlap-5x5-k3-s2-p1": "--layer maxpool --input 5x5 --kernel 3 --stride 2 "
                                    "--padding 1",
    "avgpool-5x5-k3-s2-p1": "--layer avgpool --input 5x5 --kernel 3 --stride 2 --padding 1",
    "avgpool-exclude-pad-6-k3-s2-p1": ("--layer avgpool --input 6 --kernel 3 --stride 2 "
                                       "--padding 1 --no-count-include-pad"),
    "linear-3-2-b2": "--layer linear --in-features 3 --out-features 2 --batch 2",
    "softmax-ce-3-b2": "--layer softmax-ce --classes 3 --batch 2",
}


def module_file(layer: str) -> str:
    """The generated module's file name: ``conv.py``, ``maxpool.py``, ``softmax_ce.py``..."""
    return f"{LAYERS[layer]}.py"


def index(rows: list[tuple[str, str, str]]) -> str:
    """``generated/README.md``: one line per case."""
    lines = ["# Golden record", "",
             "Written by `symconv regenerate`; do not edit. `symconv regenerate --check` "
             "fails when these files differ from a fresh render.", "",
             "| case | options | sizes |", "|---|---|---|"]
    lines += [f"| [{name}]({name}/derivation.tex) | `{options}` | {sizes} |"
              for name, options, sizes in rows]
    return "\n".join(lines) + "\n"


def expected_files() -> dict[str, str]:
    """``{path relative to generated/: content}`` for every case, plus the index."""
    files, rows = {}, []
    for name, options in CASES.items():
        layer, spec = spec_from_arguments(options)
        derivation = run(layer, spec)
        if not derivation.proven:
            raise RuntimeError(f"catalogue case {name} failed its proof")
        files[f"{name}/derivation.tex"] = latex_document(derivation)
        files[f"{name}/{module_file(layer)}"] = numpy_module(derivation)
        files[f"{name}/proof.json"] = proof_json(derivation)
        rows.append((name, options, derivation.spec.summary().splitlines()[-1]))
    files["README.md"] = index(rows)
    return files


def on_disk(root: Path) -> dict[str, bytes]:
    """The files under ``root`` (caches ignored), keyed like :func:`expected_files`."""
    if not root.is_dir():
        return {}
    return {path.relative_to(root).as_posix(): path.read_bytes()
            for path in sorted(root.rglob("*"))
            if path.is_file() and "__pycache__" not in path.parts}


def drift(root: Path, expected: dict[str, str]) -> dict[str, list[str]]:
    """Stale, missing and extra files of ``root`` compared with ``expected``."""
    present = on_disk(root)
    return {
        "stale": sorted(p for p in expected if p in present
                        and present[p] != expected[p].encode()),
        "missing": sorted(p for p in expected if p not in present),
        "extra": sorted(p for p in present if p not in expected),
    }

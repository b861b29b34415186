"""The golden record: catalogue cases and the files ``generated/`` must hold for them.

Each case is a name and the command-line options that describe it; its folder holds the
LaTeX and Markdown documents (with SVG figures), the NumPy module and the proof report.
``ALL_SIZES`` adds the all-sizes proof (``symconv latex --all-sizes``): its ``.tex``, ``.md``
and ``proof.json`` without timings. ``NETWORKS`` adds whole networks (``symconv network``):
``network.py``, the network's derivation and every layer's own, and ``proof.json``, with the
chain checks stated by the tolerance they met instead of the measured float64 rounding.
``expected_files`` renders everything in memory; ``symconv regenerate`` writes it,
``--check`` compares it with disk.
"""

from __future__ import annotations

import argparse
from functools import cache
from pathlib import Path

from symconv.all_sizes import all_sizes_json, all_sizes_latex, all_sizes_markdown, prove_all_sizes
from symconv.api import Derivation, layer_and_spec
from symconv.engine import pipeline
from symconv.render import artifacts

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
    # leftover r >= d: where dropping the -r of dW's padding (p_lo, p_hi - r) is wrong
    "r-ge-d-7-k2-s3": "--input 7 --kernel 2 --stride 3",
    "r-ge-d-11-k2-s3-d2": "--input 11 --kernel 2 --stride 3 --dilation 2",
    "r-ge-d-8x7-k2-s3-asym": "--input 8x7 --kernel 2 --stride 3 --padding 0:1x0",
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

ALL_SIZES = {"all-sizes-rank2": 2}
"""The all-sizes proof documents: folder name -> rank (``symconv latex --all-sizes``)."""

NETWORKS = {
    "network-conv-relu-maxpool-1x6x6": ("conv(2,k3,p1) relu maxpool(2) linear(3) softmax-ce",
                                        "1x6x6"),
}
"""The network cases: folder name -> (model, input) (``symconv network``)."""

MARKER = "README.md"
"""The catalogue's index; a folder holding it (or nothing) is a golden record."""


def case_options(arguments: str) -> tuple[str, dict]:
    """``(layer, options)`` from an option string such as ``"--input 5x5 --kernel 3"``."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--layer", default="conv")
    parser.add_argument("--count-include-pad", dest="count_include_pad", default=None,
                        action=argparse.BooleanOptionalAction)
    known, rest = parser.parse_known_args(arguments.split())
    options = {key[2:].replace("-", "_"): value for key, value in zip(rest[::2], rest[1::2])}
    if known.count_include_pad is not None:
        options["count_include_pad"] = known.count_include_pad
    return known.layer, options


def case_derivation(name: str) -> Derivation:
    """The proven derivation of catalogue case ``name``."""
    layer, options = case_options(CASES[name])
    derivation = Derivation.of(pipeline.run(*layer_and_spec(layer, options)))
    if not derivation.proven:
        raise RuntimeError(f"catalogue case {name} failed its proof")
    return derivation


def case_files(derivation: Derivation) -> dict[str, str]:
    """The artifacts of one case: ``{file name: content}``."""
    return {"derivation.tex": derivation.latex(), **derivation.markdown_files("derivation"),
            f"{derivation.layer.module_name}.py": derivation.module_source(),
            "proof.json": artifacts.proof_json(derivation)}


@cache
def all_sizes_files(rank: int) -> dict[str, str]:
    """The all-sizes proof of ``rank`` as ``{file name: content}``: the ``.tex``, the ``.md``
    and the report without timings (cached: the proof is the same on every call)."""
    result = prove_all_sizes(rank, counterexample=False)
    if not result.proven:
        raise RuntimeError(f"the all-sizes proof of rank {rank} failed")
    return {"derivation.tex": all_sizes_latex(result),
            "derivation.md": all_sizes_markdown(result, "derivation"),
            "proof.json": all_sizes_json(result)}


@cache
def network_files(model: str, input_shape: str) -> dict[str, str]:
    """What ``symconv network --model MODEL --input INPUT`` writes, with the chain checks
    stated without measured rounding (the same bytes on every machine)."""
    from symconv.network.artifacts import verify
    from symconv.network.document import files
    from symconv.network.spec import parse_model

    return files(verify(parse_model(model, input_shape), measured=False))


def index(rows: list[tuple[str, str, str]]) -> str:
    """``generated/README.md``: one line per case."""
    lines = ["# Golden record", "",
             "Written by `symconv regenerate`; do not edit. `symconv regenerate --check` "
             "fails when these files differ from a fresh render.", "",
             "| case | options | sizes |", "|---|---|---|"]
    lines += [f"| [{name}]({name}/derivation.md) | `{options}` | {sizes} |"
              for name, options, sizes in rows]
    return "\n".join(lines) + "\n"


def expected_files() -> dict[str, str]:
    """``{path relative to generated/: content}`` for every case, plus the index."""
    files, rows = {}, []
    for name, options in CASES.items():
        derivation = case_derivation(name)
        for file, content in case_files(derivation).items():
            files[f"{name}/{file}"] = content
        rows.append((name, options, derivation.spec.summary().splitlines()[-1]))
    for name, rank in ALL_SIZES.items():
        for file, content in all_sizes_files(rank).items():
            files[f"{name}/{file}"] = content
        rows.append((name, f"prove --all-sizes --rank {rank}",
                     f"every size, rank {rank}, any channels, groups and batch"))
    for name, (model, input_shape) in NETWORKS.items():
        for file, content in network_files(model, input_shape).items():
            files[f"{name}/{file}"] = content
        rows.append((name, f"network --model '{model}' --input {input_shape}",
                     "a whole network: every layer proven, the chain checked exactly"))
    files[MARKER] = index(rows)
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


def from_arguments(arguments: str):
    """``(layer record, spec)`` from an option string such as ``"--layer relu --input 3x4"``."""
    layer, options = case_options(arguments)
    return layer_and_spec(layer, options)

"""What every generated NumPy module states about its proof."""

from __future__ import annotations

from symconv.engine.pipeline import Derivation

SPATIAL_NAMES = {1: "L", 2: "H, W", 3: "D, H, W"}


def proof_lines(derivation: Derivation) -> list[str]:
    """One line per identity: name, verdict, elements and terms compared."""
    return [f"{r.name}: {r.elements:,} elements, {r.terms:,} terms, "
            f"{'equal' if r.proven else 'NOT EQUAL'}" for r in derivation.results]


def proof_instance(derivation: Derivation) -> str:
    """``input (1, 1, 4, 4)`` — the shape the proof ran on."""
    return f"input {tuple(derivation.spec.as_dict()['input_shape'])}"

"""What every document shows of the proof: the table, each identity in math, the methods."""

from __future__ import annotations

from symconv.engine.pipeline import Derivation
from symconv.render.warmup import scalar_chain_rule

LABELS = {"dsoftmax": r"\partial p_c/\partial Z_j"}


def identity_label(name: str) -> str:
    """``dW`` -> ``\\partial L/\\partial W`` for the proof table."""
    return LABELS.get(name, rf"\partial L/\partial {name[1:]}")


def proof_context(derivation: Derivation) -> dict:
    """The proof table rows and the distinct methods (each said once, with the identities
    it was used for)."""
    methods: dict[str, list[str]] = {}
    for result in derivation.results:
        methods.setdefault(result.method, []).append(result.name)
    formulas = {identity.name: identity.formula for identity in derivation.identities}
    return {
        "proven": derivation.proven,
        "results": [{"name": r.name, "label": identity_label(r.name), "formula": formulas[r.name],
                     "elements": r.elements, "terms": r.terms, "proven": r.proven}
                    for r in derivation.results],
        "methods": [{"text": text, "names": ", ".join(names)} for text, names in methods.items()],
    }


def common_context(derivation: Derivation) -> dict:
    """Values every ``derivation.md.jinja`` uses: the warm-up and the proof."""
    return {"warmup": scalar_chain_rule(), "proof": proof_context(derivation)}

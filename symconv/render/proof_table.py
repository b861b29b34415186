"""What every document shows of the proof: the table, each identity in math, the methods."""

from __future__ import annotations

from symconv.engine.pipeline import Derivation
from symconv.render.warmup import scalar_chain_rule, warmup_graph

LABELS = {"dsoftmax": r"\partial p_c/\partial Z_j"}


METHOD_MATH = [
    ("[X_w = max O_i]", r"$[X_w = \max O_i]$"), ("Max to X_w", "`Max` to $X_w$"),
    ("where X_w", "where $X_w$"), ("[X > 0], [X < 0]", "$[X > 0]$, $[X < 0]$"),
    ("sign of each X", "sign of each $X$"),
    ("X = p and X = -p, p > 0", "$X = p$ and $X = -p$, $p > 0$"),
    ("in G and", "in $G$ and"), ("Z = log E (E > 0)", r"$Z = \log E$ ($E > 0$)"),
    ("sum of Y = 1", r"$\sum_c Y_c = 1$"), ("sympy.cancel", "`sympy.cancel`"),
]
"""Math in the method sentences of the maths modules, typeset for the documents."""


def method_text(text: str) -> str:
    """A method sentence with its formulas as dialect math.

    >>> method_text("SymPy evaluates Max to X_w")
    'SymPy evaluates `Max` to $X_w$'
    """
    for plain, typeset in METHOD_MATH:
        text = text.replace(plain, typeset)
    return text


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
        "results": [{"name": r.name, "label": identity_label(r.name),
                     "formula": formulas[r.name].replace(" = ", " &= ", 1),
                     "elements": r.elements, "terms": r.terms, "proven": r.proven}
                    for r in derivation.results],
        "methods": [{"text": method_text(text), "names": ", ".join(names)}
                    for text, names in methods.items()],
    }


def common_context(derivation: Derivation) -> dict:
    """Values every ``derivation.md.jinja`` uses: the warm-up and the proof."""
    warmup = scalar_chain_rule()
    return {"warmup": warmup, "warmup_figure": warmup_graph(warmup),
            "proof": proof_context(derivation)}

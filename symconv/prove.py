"""Exact proof: each derived gradient equals its closed form, element by element.

Both sides are polynomials in canonical term-dictionary form (:mod:`symconv.algebra.polynomial`),
so equality of the dictionaries is equality of the polynomials: the difference expands to
zero. No simplification heuristics are involved.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from symconv.model import Identity
from symconv.algebra.polynomial import to_sympy


def show(entry) -> str:
    """Readable text of one entry: a polynomial, a case table of them, or a SymPy expression."""
    if isinstance(entry, dict) and any(isinstance(key, str) for key in entry):
        return "{" + ", ".join(f"{case}: {show(value)}" for case, value in entry.items()) + "}"
    if isinstance(entry, dict):
        return str(to_sympy(entry))
    return str(entry)


@dataclass
class Mismatch:
    """The first element where the two sides differ."""

    index: tuple[int, ...]
    derived: str
    closed: str


@dataclass
class IdentityResult:
    """The outcome of checking one identity on every element."""

    name: str
    wrt: str
    statement: str
    method: str
    elements: int
    terms: int
    proven: bool
    seconds: float = 0.0
    mismatch: Mismatch | None = field(default=None)

    def as_dict(self) -> dict:
        result = {
            "name": self.name,
            "statement": self.statement,
            "method": self.method,
            "elements": self.elements,
            "terms": self.terms,
            "proven": self.proven,
        }
        if self.mismatch is not None:
            result["first_mismatch"] = {
                "index": list(self.mismatch.index),
                "derived": self.mismatch.derived,
                "closed": self.mismatch.closed,
            }
        return result


def check(identity: Identity, derived: np.ndarray) -> IdentityResult:
    """Compare ``derived`` with ``identity.closed`` entry by entry; stop at the first mismatch."""
    head = (identity.name, identity.wrt, identity.statement, identity.method)
    if derived.shape != identity.closed.shape:
        mismatch = Mismatch((), f"shape {derived.shape}", f"shape {identity.closed.shape}")
        return IdentityResult(*head, 0, 0, False, mismatch=mismatch)
    terms = 0
    for position, (left, right) in enumerate(zip(derived.flat, identity.closed.flat)):
        if not identity.equal(left, right):
            index = tuple(int(i) for i in np.unravel_index(position, derived.shape))
            mismatch = Mismatch(index, show(left), show(right))
            return IdentityResult(*head, position + 1, terms, False, mismatch=mismatch)
        terms += len(left) if isinstance(left, dict) else 1
    return IdentityResult(*head, derived.size, terms, True)

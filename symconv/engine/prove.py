"""Exact proof: each derived array equals its closed form, element by element.

Polynomial layers compare canonical term dictionaries (:mod:`symconv.algebra.polynomial`):
equal dictionaries are equal polynomials, the expanded difference is zero. Rational layers
(softmax) bring the difference to one fraction with ``sympy.cancel``. No heuristic
simplification is involved anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy

from symconv.algebra.polynomial import to_sympy
from symconv.engine.contract import Identity


def show(entry) -> str:
    """Readable text of one entry: a polynomial or a SymPy expression."""
    if isinstance(entry, dict):
        return str(to_sympy(entry))
    return str(entry)


def term_count(entry) -> int:
    """Monomials of one entry: a polynomial's terms, or its numerator's over one denominator.

    >>> a, b = sympy.symbols("a b")
    >>> term_count({(a,): 1, (b,): 2}), term_count(a / (a + b) + 1)
    (2, 2)
    """
    if isinstance(entry, dict):
        return len(entry)
    numerator, _ = sympy.fraction(sympy.together(entry))
    return len(sympy.Add.make_args(sympy.expand(numerator)))


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
    """Compare ``derived`` with ``identity.closed`` entry by entry; stop at the first mismatch.

    An identity whose derived side has no terms at all is not accepted as proven: a layer
    whose every window reads only padding would make any closed form "equal".
    """
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
        terms += term_count(left)
    if terms == 0:
        mismatch = Mismatch((), "no terms: every entry is 0", "(vacuous; nothing was compared)")
        return IdentityResult(*head, derived.size, 0, False, mismatch=mismatch)
    return IdentityResult(*head, derived.size, terms, True)

"""All-sizes proof of the convolution gradients (dW, dX, db) for symbolic sizes.

Guarded finite sums, rules R1-R6, stride dilation as a delta sum (nothing is divided by the
symbolic stride), and integer obligations closed by certificates that a separate checker
re-checks with ``sympy.expand``. Modules, one job each:

``terms``         literals and guarded sums          ``rules``        R1, R2, R4, R6
``geometry``      symbols, hypotheses H, floor/mod by the division theorem
``formulas``      what is proven (default: :mod:`symconv.algebra.arithmetic`), injectable
``indexmaps``     the verbs as index maps            ``unfold``       both sides of each identity
``obligations``   certificate search (``lp``: exact simplex)
``certificate``   the small checker                  ``theorem``      ``prove_all_sizes``
``counterexample`` concrete NumPy check and the smallest failing small layer

API: ``prove_all_sizes(rank=2, formulas=DEFAULT_FORMULAS, counterexample=True)`` returns an
:class:`AllSizesResult` with ``.proven``, ``.identities`` (``IdentityResult``: ``name``,
``statement``, ``obligations``, ``seconds``, ``proven``, ``failure``, ``steps``,
``chain_form``, ``closed_form``, ``checked``), ``.lemmas`` (the groups bijection),
``.hypotheses``, ``.axis_note``, ``.counterexample`` (CLI-style options or None),
``.seconds``, ``.report()`` (JSON-ready) and ``.text()``.
"""

from symconv.allsizes.formulas import DEFAULT_FORMULAS, Formulas
from symconv.allsizes.theorem import AllSizesResult, IdentityResult, prove_all_sizes

__all__ = ["AllSizesResult", "DEFAULT_FORMULAS", "Formulas", "IdentityResult", "prove_all_sizes"]

"""The symbolic budget: what an instance may cost before any symbolic work starts.

Two quantities bound memory and time. ``forward_terms`` (the products or window reads of the
forward pass; each layer sets its own limit, since a max-pool read costs a case split and a
convolution product a dictionary entry) bounds the derivation's time; ``symbol_count`` (entries
of every symbolic array, padded and dilated ones included) bounds memory. Both are plain
integer arithmetic on the spec (as is a layer's own ``over_budget``, when its proof costs
more than its terms say), so an oversized instance is refused in milliseconds — this
module and the spec modules load neither NumPy nor SymPy.
"""

from __future__ import annotations

from typing import Any

from symconv.errors import SpecError

MAX_SYMBOLS = 2_000_000
"""Most symbolic entries an instance may need: about 1 GB of symbols and a minute to build."""


def check_budget(layer_name: str, max_terms: int, spec: Any) -> None:
    """Refuse ``spec`` (a :class:`SpecError` naming its size option and the quantity that is
    too large) when it has more than ``max_terms`` forward terms or needs more than
    :data:`MAX_SYMBOLS` symbolic entries."""
    if spec.forward_terms > max_terms:
        raise SpecError(spec.size_option, f"instance has {spec.forward_terms:,} forward terms; "
                        f"the symbolic limit for --layer {layer_name} is {max_terms:,}")
    # a layer whose proof costs more than its terms say (softmax-ce's SymPy cancellations)
    # states its own limit
    reason = getattr(spec, "over_budget", None)
    if reason is not None:
        raise SpecError(spec.size_option, reason)
    if spec.symbol_count > MAX_SYMBOLS:
        raise SpecError(spec.size_option, f"instance needs {spec.symbol_count:,} symbolic "
                        f"entries (padded and dilated arrays included); the limit is "
                        f"{MAX_SYMBOLS:,}")

"""Every layer's options, spec builder and symbolic budget, by ``--layer`` name — no maths.

This is the light half of the registry (:mod:`symconv.layers.registry` holds the full layer
records): it loads neither NumPy nor SymPy, so the command line checks every option and
refuses an instance too large to prove in milliseconds, before the derivation engine loads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from symconv.engine.budget import check_budget
from symconv.engine.contract import Options
from symconv.engine.options import normalise, refuse_foreign
from symconv.errors import SpecError
from symconv.layers.conv import spec as conv
from symconv.layers.linear import spec as linear
from symconv.layers.pool import spec as pool
from symconv.layers.relu import spec as relu
from symconv.layers.softmax_ce import spec as softmax_ce


@dataclass(frozen=True)
class SpecEntry:
    """What a layer accepts (``options``), how its spec is built, and its symbolic budget."""

    options: frozenset[str]
    build: Callable[[Options], Any]
    max_terms: int


SPECS: dict[str, SpecEntry] = {
    "conv": SpecEntry(conv.OPTIONS, conv.spec_from_options, conv.MAX_TERMS),
    "maxpool": SpecEntry(pool.MAXPOOL_OPTIONS, pool.maxpool_spec, pool.MAXPOOL_MAX_TERMS),
    "avgpool": SpecEntry(pool.AVGPOOL_OPTIONS, pool.avgpool_spec, pool.AVGPOOL_MAX_TERMS),
    "relu": SpecEntry(relu.OPTIONS, relu.spec_from_options, relu.MAX_TERMS),
    "linear": SpecEntry(linear.OPTIONS, linear.spec_from_options, linear.MAX_TERMS),
    "softmax-ce": SpecEntry(softmax_ce.OPTIONS, softmax_ce.spec_from_options,
                            softmax_ce.MAX_TERMS),
}


def require_layer_name(name: object) -> str:
    """``name`` if symconv has a layer of that name; a :class:`SpecError` naming ``--layer``."""
    if not isinstance(name, str) or name not in SPECS:
        raise SpecError("--layer", f"must be one of {', '.join(SPECS)}, got {name!r}")
    return name


def checked_spec(name: str, options: Options, *, within_budget: bool) -> Any:
    """The spec that ``options`` (command-line names or API values) describe for the layer
    ``name``; a :class:`SpecError` naming the option and the rule when one is wrong, an option
    does not apply to the layer, or (``within_budget``) the instance is too large to prove."""
    entry = SPECS[require_layer_name(name)]
    values = normalise(options)
    refuse_foreign(name, entry.options, values)
    spec = entry.build(values)
    if within_budget:
        check_budget(name, entry.max_terms, spec)
    return spec

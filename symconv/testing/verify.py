"""Codegen verifies what it writes: a generated module's ``backward`` is checked with the
same engine as anyone's implementation, against the derivation, before it is returned.

Two checks, each run when it adds something:

1. **Small, symbolic.** On the proof instance, or the module's own channel counts on the
   proof's geometry (batch 1) when that has at most :data:`SYMBOLIC_CHECK_TERMS` forward
   terms: every entry compared with the expanded derived polynomial (the term-level report
   on failure).
2. **Full size, exact without expansion.** Every layer: on the module's own spec (batch at
   most 2) — a windowed layer shortened by
   :meth:`~symconv.algebra.geometry.WindowSpec.proof_window` when it has more than
   :data:`NUMERIC_CHECK_TERMS` forward terms — against the derived gradients evaluated
   exactly at integer points (:mod:`symconv.testing.numeric`).
"""

from __future__ import annotations

import importlib.util
import tempfile
import textwrap
from dataclasses import replace
from pathlib import Path

from symconv.testing.check import (
    SOFTMAX_SYMBOLIC_TERMS,
    CheckResult,
    check_spec,
    gradient_label,
    within_budget,
)
from symconv.testing.numeric import NUMERIC_LAYERS

SYMBOLIC_CHECK_TERMS = 20_000
"""Largest instance (forward terms) expanded symbolically for codegen's check (~1 s)."""
NUMERIC_CHECK_TERMS = 60_000_000
"""Largest instance evaluated exactly without expansion (about 0.5 s a point)."""


class ModuleCheckError(RuntimeError):
    """A generated module computes a gradient that differs from the derivation."""

    def __init__(self, result: CheckResult):
        super().__init__(f"the generated module failed its check; nothing was written\n"
                         f"{result.report()}")
        self.result = result


def small_instance(layer, spec, proven):
    """The instance of the symbolic check: the proof instance when the module accepts it,
    else the module's own channel counts on the proof's geometry, batch 1 (``None`` when
    that is over :data:`SYMBOLIC_CHECK_TERMS`)."""
    if proven == spec or layer.name in ("maxpool", "avgpool", "relu"):
        return proven
    if layer.name == "conv":
        for window in (proven.window, spec.window.proof_window()):
            same = replace(spec, batch=1, window=window)
            if same.forward_terms <= SYMBOLIC_CHECK_TERMS:
                return same
        return None
    same = replace(spec, batch=1)
    limit = SOFTMAX_SYMBOLIC_TERMS if layer.name == "softmax-ce" else SYMBOLIC_CHECK_TERMS
    fits = same.forward_terms <= limit and within_budget(layer, same)
    return same if fits else None


def full_instance(layer, spec):
    """The instance of the exact check without expansion: the module's spec, batch at most
    2; a windowed layer over :data:`NUMERIC_CHECK_TERMS` on its proof window (``None``: no
    such check for this layer)."""
    if layer.name not in NUMERIC_LAYERS:
        return None
    full = replace(spec, batch=min(spec.batch, 2))
    if hasattr(spec, "window") and full.forward_terms > NUMERIC_CHECK_TERMS:
        full = replace(full, window=spec.window.proof_window())
    return full


def import_source(source: str, name: str):
    """Import module ``source`` from a temporary file."""
    with tempfile.TemporaryDirectory(prefix="symconv-check-") as folder:
        path = Path(folder) / f"{name}.py"
        path.write_text(source)
        loader = importlib.util.spec_from_file_location(f"symconv_generated_{name}", path)
        module = importlib.util.module_from_spec(loader)
        loader.loader.exec_module(module)
    return module


def verify_module(source: str, spec, derivation) -> list[CheckResult]:
    """Check the module ``source`` against the derivation (the checks above); raises
    :class:`ModuleCheckError` when a gradient differs."""
    layer = derivation.layer
    module = import_source(source, layer.module_name)
    results = []
    small = small_instance(layer, spec, derivation.spec)
    if small is not None:
        results.append(check_spec(module.backward, layer, small, numeric=False,
                                  derivation=derivation if small == derivation.spec else None))
    full = full_instance(layer, spec)
    if full is not None and full != small:
        results.append(check_spec(module.backward, layer, full, numeric=True))
    for result in results:
        if not result.passed:
            raise ModuleCheckError(result)
    return results


def check_line(results: list[CheckResult]) -> str:
    """The docstring paragraph saying what was checked (spec, method, bound)."""
    sentences = []
    for number, result in enumerate(results):
        spec = result.spec.as_dict()
        gradients = ", ".join(gradient_label(n) for n in result.context.convention.outputs
                              if gradient_label(n) not in result.skipped)
        bound = (f"; a wrong gradient passes with probability <= {result.bound:.1e}"
                 if result.bound is not None else f"; {result.guarantee}")
        start = "Checked before it was written: this" if number == 0 else "Also:"
        relation = "equal to" if result.bound is not None else "within tolerance of"
        sentences.append(f"{start} module's backward, run on input "
                         f"{tuple(spec['input_shape'])}, gives {gradients} {relation} the "
                         f"derived expressions ({result.method}{bound}).")
    return textwrap.fill(" ".join(sentences).replace("Also: module's", "Also: the module's"),
                         width=92)

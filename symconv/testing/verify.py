"""Codegen verifies what it writes: a generated module's ``backward`` is checked with the
same engine as anyone's implementation, against the derivation, before it is returned."""

from __future__ import annotations

import importlib.util
import tempfile
import textwrap
from dataclasses import replace
from pathlib import Path

from symconv.testing.check import CheckResult, check_spec, gradient_label

CHECK_TERMS = 400_000
"""Largest instance (forward terms) a generated module is checked on."""


class ModuleCheckError(RuntimeError):
    """A generated module computes a gradient that differs from the derivation."""

    def __init__(self, result: CheckResult):
        super().__init__(f"the generated module failed its check; nothing was written\n"
                         f"{result.report()}")
        self.result = result


def check_instance(layer_name: str, spec, proven):
    """The instance the module is checked on: the proof instance when the module accepts
    it, else the module's own channel counts on the proof's geometry, batch 1."""
    if proven == spec or layer_name in ("maxpool", "avgpool", "relu"):
        return proven
    if layer_name == "conv":
        same = replace(spec, batch=1, window=proven.window)
        if same.forward_terms <= CHECK_TERMS:
            return same
        return replace(spec, batch=1, window=spec.window.proof_window())
    return replace(spec, batch=1)


def import_source(source: str, name: str):
    """Import module ``source`` from a temporary file."""
    with tempfile.TemporaryDirectory(prefix="symconv-check-") as folder:
        path = Path(folder) / f"{name}.py"
        path.write_text(source)
        loader = importlib.util.spec_from_file_location(f"symconv_generated_{name}", path)
        module = importlib.util.module_from_spec(loader)
        loader.loader.exec_module(module)
    return module


def verify_module(source: str, spec, derivation) -> CheckResult | None:
    """Check the module ``source`` against the derivation; ``None`` when the instance is over
    the budget. Raises :class:`ModuleCheckError` when a gradient differs."""
    layer = derivation.layer
    target = check_instance(layer.name, spec, derivation.spec)
    if target.forward_terms > CHECK_TERMS:
        return None
    module = import_source(source, layer.module_name)
    result = check_spec(module.backward, layer, target,
                        derivation=derivation if target == derivation.spec else None)
    if not result.passed:
        raise ModuleCheckError(result)
    return result


def check_line(result: CheckResult | None) -> str:
    """The docstring paragraph saying what was checked (spec, method, bound)."""
    if result is None:
        return ("The module itself was not run against the derivation before it was written "
                f"(the instance exceeds {CHECK_TERMS:,} forward terms).")
    spec = result.spec.as_dict()
    gradients = ", ".join(gradient_label(n) for n in result.context.convention.outputs
                          if gradient_label(n) not in result.skipped)
    bound = (f"; a wrong gradient passes with probability <= {result.bound:.1e}"
             if result.bound is not None else "")
    text = (f"Checked before it was written: this module's backward, run on input "
            f"{tuple(spec['input_shape'])}, gives {gradients} equal to the derived "
            f"expressions ({result.method}{bound}).")
    return textwrap.fill(text, width=92)

"""A verified network: every layer proven, the chain checked; ``network.py`` and the
``proof.json`` report rendered from it (the documents: :mod:`symconv.network.document`).

The measured differences of the chain checks are float64 rounding, which depends on the
machine's BLAS; with ``measured=False`` the artifacts state the tolerance each check met
instead, so the same network gives the same bytes everywhere (the golden record)."""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass

from symconv.network import check, exact
from symconv.network.build import Network, build
from symconv.network.spec import NetworkSpec

CHAIN_METHOD = (
    "exact: on a tiny instance of the network at a rational point, the composed loss "
    "L = mean_n (log sum_c exp z_nc - z_{n,y_n}) with z the network's scores as SymPy "
    "polynomials in one symbol per parameter (ReLU and max-pooling branches resolved "
    "exactly at the point, which is redrawn at a kink or a tie, or unless every ReLU has "
    "a zero output that a later layer reads); dL/dtheta = "
    "sum dL/dz * dz/dtheta, dz/dtheta by SymPy's polynomial diff in rationals, dL/dz by "
    f"sympy.diff to {exact.DIGITS} digits; against gradients in float64, |difference| <= "
    f"{exact.TOLERANCE:.0e} * max |exact|. Complemented on the network itself by central "
    "finite differences of the loss along random directions")
FLOAT32_TOLERANCE = 1e-3
"""Largest accepted relative difference between float32 and float64 gradients."""


@dataclass
class VerifiedNetwork:
    """A network with every layer proven and its chain checked: exactly on the tiny
    instance (``checks[0]``), by finite differences on the network itself (``checks[1]``).
    ``measured``: whether the artifacts quote the measured differences (see above)."""

    network: Network
    tiny: Network
    checks: list[exact.ExactCheck | check.ChainCheck]
    float32_error: float
    measured: bool = True

    @property
    def passed(self) -> bool:
        return all(result.passed for result in self.checks)

    @property
    def source(self) -> str:
        return self.network.source(self.check_lines())

    def check_lines(self) -> list[str]:
        lines = textwrap.wrap(f"tiny instance: {self.tiny.spec.model}", 88,
                              subsequent_indent="  ")
        for result in self.checks:
            lines += textwrap.wrap(result.line(self.measured), 88, subsequent_indent="  ")
        lines.append("float32 gradients vs float64: " + self.float32_line())
        return lines

    def float32_line(self) -> str:
        if self.measured:
            return f"largest relative difference {self.float32_error:.1e}"
        return f"within {FLOAT32_TOLERANCE:.0e} relative"

    def proof_json(self) -> str:
        return json.dumps(self.report(), indent=2) + "\n"

    def report(self) -> dict:
        spec = self.network.spec
        chain = {"method": CHAIN_METHOD, "tiny_model": self.tiny.spec.model,
                 "checks": [result.as_dict(self.measured) for result in self.checks],
                 "float32_tolerance": FLOAT32_TOLERANCE, "passed": self.passed}
        if self.measured:
            chain["float32_relative_error"] = self.float32_error
        return {
            "model": spec.model,
            "input": list(spec.input_shape),
            "classes": spec.classes,
            "parameters": {key: list(shape) for key, shape in spec.parameter_shapes.items()},
            "proven": all(k.derivation.proven for k in self.network.kernels),
            "layers": [{"index": layer.index, "text": layer.text, "kind": layer.kind,
                        "input_shape": list(layer.in_shape),
                        "output_shape": list(layer.out_shape), "flattens": layer.flattens,
                        "proof": (kernels.derivation.report() if kernels else None)}
                       for layer in spec.layers
                       for kernels in [self.network.kernels_of(layer.index)]],
            "chain": chain,
        }


def verify(spec: NetworkSpec, measured: bool = True) -> VerifiedNetwork:
    """Prove every layer, then check the chain: exactly on the tiny instance (every parameter,
    :mod:`symconv.network.exact`), and by central finite differences on the network itself
    (random directions, :mod:`symconv.network.check`); :class:`check.ChainError` if either
    disagrees or float32 strays from float64."""
    network = build(spec)
    tiny = build(spec.tiny())
    results = [exact.check(check.load(tiny.source()), tiny.spec,
                           "tiny instance, every parameter"),
               check.check(check.load(network.source()), "this network, random directions",
                           every=False, count=4)]
    for result in results:
        if not result.passed:
            raise check.ChainError(f"the chain check failed: {result.line()}; "
                                   f"{'; '.join(result.failures[:3])}")
    error = check.float32_agrees(check.load(network.source()))
    if error > FLOAT32_TOLERANCE:
        raise check.ChainError(f"float32 gradients differ from float64 by {error:.1e}")
    return VerifiedNetwork(network, tiny, results, error, measured)

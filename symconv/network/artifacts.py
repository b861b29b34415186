"""A verified network: every layer proven, the chain checked; ``network.py`` and the
``proof.json`` report rendered from it (the documents: :mod:`symconv.network.document`)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from symconv.network import check
from symconv.network.build import Network, build
from symconv.network.spec import NetworkSpec


@dataclass
class VerifiedNetwork:
    """A network with every layer proven and its chain checked."""

    network: Network
    tiny: Network
    checks: list[check.ChainCheck]
    float32_error: float

    @property
    def source(self) -> str:
        return self.network.source(self.check_lines())

    def check_lines(self) -> list[str]:
        lines = []
        for result in self.checks:
            lines += [result.line()[i:i + 88] for i in range(0, len(result.line()), 88)]
        lines.append("float32 gradients vs float64: largest relative difference "
                     f"{self.float32_error:.1e}")
        return lines

    def proof_json(self) -> str:
        return json.dumps(self.report(), indent=2) + "\n"

    def report(self) -> dict:
        spec = self.network.spec
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
            "chain": {"method": "central finite differences of the composed loss in float64 "
                                "where no ReLU or max-pooling decision changes",
                      "tiny_model": self.tiny.spec.model,
                      "checks": [result.as_dict() for result in self.checks],
                      "float32_relative_error": self.float32_error,
                      "passed": all(result.passed for result in self.checks)},
        }


def verify(spec: NetworkSpec) -> VerifiedNetwork:
    """Prove every layer, then check the chain on the tiny instance (every coordinate) and
    on the network itself (random directions); :class:`check.ChainError` if they disagree."""
    network = build(spec)
    tiny = build(spec.tiny())
    results = [check.check(check.load(tiny.source()), f"tiny instance ({tiny.spec.model})",
                           every=True),
               check.check(check.load(network.source()), "this network, random directions",
                           every=False, count=4)]
    for result in results:
        if not result.passed:
            raise check.ChainError(f"the chain check failed: {result.line()}; "
                                   f"{'; '.join(result.failures[:3])}")
    error = check.float32_agrees(check.load(network.source()))
    if error > 1e-3:
        raise check.ChainError(f"float32 gradients differ from float64 by {error:.1e}")
    return VerifiedNetwork(network, tiny, results, error)

"""NumPy modules for the layers other than convolution: values for their templates."""

from __future__ import annotations

from symconv.codegen import SPATIAL_NAMES, proof_lines
from symconv.pipeline import Derivation
from symconv.templating import render


def instance(derivation: Derivation) -> str:
    """``x (1, 1, 4, 4)`` — the shape the proof ran on."""
    shapes = derivation.spec.as_dict()
    return f"input {tuple(shapes['input_shape'])}"


def elementwise_module(layer: str, spec, derivation: Derivation) -> str:
    return render(f"{layer}.py.jinja", proof_instance=instance(derivation),
                  proof_lines=proof_lines(derivation))


def pool_module(spec, derivation: Derivation) -> str:
    w = spec.window
    return render("pool.py.jinja", is_max=spec.layer == "maxpool", rank=w.rank,
                  kernel=repr(w.kernel), stride=repr(w.stride), padding=repr(w.padding),
                  dilation=repr(w.dilation), count_include_pad=spec.count_include_pad,
                  spatial_names=SPATIAL_NAMES[w.rank], proof_instance=instance(derivation),
                  proof_lines=proof_lines(derivation))


def linear_module(spec, derivation: Derivation) -> str:
    return render("linear.py.jinja", in_features=spec.in_features,
                  out_features=spec.out_features, proof_instance=instance(derivation),
                  proof_lines=proof_lines(derivation))


def softmax_module(spec, derivation: Derivation) -> str:
    return render("softmax_ce.py.jinja", classes=spec.classes,
                  proof_instance=instance(derivation), proof_lines=proof_lines(derivation))

"""Prove every layer of a network and write the standalone ``network.py`` around their kernels.

Steps:
1. each layer's symconv spec is built from its inferred shapes (batch 1; ReLU and pooling act
   on every channel alike, so their kernels are generated and proven for one channel of the
   same geometry — the module they produce does not depend on the channel count);
2. :func:`symconv.render.artifacts.generate` proves the layer on its proof instance and
   renders its NumPy module; a layer that is not proven stops the build (nothing written);
3. the module sources are embedded verbatim in ``network.py``, each executed in its own
   namespace (one per layer, so buffers a kernel keeps between calls are never shared);
4. straight-line forward and backward code composes them in layer order.
"""

from __future__ import annotations

import textwrap
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from symconv.engine.contract import Layer
from symconv.engine.pipeline import Derivation
from symconv.layers.registry import layer_and_spec
from symconv.network.spec import NetLayer, NetworkSpec, with_batch
from symconv.render import artifacts
from symconv.render.module import proof_lines
from symconv.render.templating import render

FOLDER = Path(__file__).resolve().parent
PER_CHANNEL = ("relu", "maxpool", "avgpool")


class NetworkNotProven(RuntimeError):
    """A layer's identities were not all proven: no network is written."""

    def __init__(self, layer: NetLayer, derivation: Derivation):
        failed = ", ".join(r.name for r in derivation.results if not r.proven)
        super().__init__(f"layer {layer.index} `{layer.text}`: identity not proven ({failed}); "
                         f"nothing was written")
        self.layer = layer
        self.derivation = derivation


@dataclass
class LayerKernels:
    """One layer's proven kernels: the symconv layer, its proof and its module source."""

    layer: NetLayer
    record: Layer
    derivation: Derivation
    source: str

    @property
    def namespace(self) -> str:
        """``conv_0``: the name the layer's kernels have inside ``network.py``."""
        return f"{self.layer.kind.replace('-', '_')}_{self.layer.index}"


def kernel_options(layer: NetLayer) -> dict:
    """The symconv options the layer's kernels are generated and proven for."""
    options = dict(layer.options)
    if layer.kind in PER_CHANNEL:
        options["in_channels"] = 1
    return options


@lru_cache(maxsize=64)
def _generate(kind: str, options: tuple) -> tuple[Layer, str | None, Derivation]:
    record, layer_spec = layer_and_spec(kind, dict(options))
    source, derivation = artifacts.generate(record, layer_spec)
    return record, source, derivation


def prove_layer(layer: NetLayer) -> LayerKernels:
    """Prove ``layer`` and generate its module; :class:`NetworkNotProven` if it fails.
    Results are cached per layer configuration for the life of the process."""
    record, source, derivation = _generate(layer.kind,
                                           tuple(sorted(kernel_options(layer).items())))
    if source is None:
        raise NetworkNotProven(layer, derivation)
    return LayerKernels(layer, record, derivation, source)


@dataclass
class Network:
    """A network whose every layer is proven, ready to render as ``network.py``."""

    spec: NetworkSpec
    kernels: list[LayerKernels]
    seconds: float

    def kernels_of(self, index: int) -> LayerKernels | None:
        return next((k for k in self.kernels if k.layer.index == index), None)

    def source(self, checks: list[str] | None = None) -> str:
        """The text of ``network.py``; ``checks`` are lines on how the chain was checked."""
        return render("network.py.jinja", folder=FOLDER, **module_context(self, checks or []))


def build(spec: NetworkSpec) -> Network:
    """Prove every layer of ``spec`` (see the module docstring)."""
    start = time.perf_counter()
    kernels = [prove_layer(layer) for layer in spec.layers if layer.kind != "flatten"]
    return Network(spec, kernels, time.perf_counter() - start)


def _call(layer: NetLayer, name: str) -> tuple[str, str]:
    """The forward line and the backward line(s) of one layer, as Python text.

    ``a{i}`` is the input of layer ``i``; ``g`` arrives as dL/d(output of layer i) and leaves
    as dL/d(input of layer i).
    """
    i, x = layer.index, f"a{layer.index}"
    w, b = f'params["{i}.w"]', f'params["{i}.b"]'
    if layer.kind == "flatten":
        return (f"a{i + 1} = {x}.reshape(len({x}), -1)", f"g = g.reshape({x}.shape)")
    if layer.kind == "softmax-ce":
        return ("", f"g = {name}.backward({x}, y)")
    if layer.kind in ("relu", "maxpool", "avgpool"):
        return (f"a{i + 1} = {name}.forward({x})", f"g = {name}.backward(g, {x})")
    flat = f"{x}.reshape(len({x}), -1)" if layer.flattens else x
    last = "_" if i == 0 else "g"
    back = f'{last}, grads["{i}.w"], grads["{i}.b"] = {name}.backward(g, {flat}, {w})'
    if layer.flattens and i > 0:   # the first layer hands nothing on
        back += f"\ng = g.reshape({x}.shape)"
    return (f"a{i + 1} = {name}.forward({flat}, {w}, {b})", back)


def describe(layer: NetLayer) -> str:
    """``0 conv(8,k3,p1): (N, 1, 8, 8) -> (N, 8, 8, 8)``."""
    flat = " (flattened first)" if layer.flattens else ""
    out = "scalar loss" if layer.kind == "softmax-ce" else with_batch(layer.out_shape)
    return f"{layer.index} {layer.text}: {with_batch(layer.in_shape)}{flat} -> {out}"


def module_context(network: Network, checks: list[str]) -> dict:
    """The prepared strings ``network.py.jinja`` places."""
    sources: dict[str, str] = {}   # source text -> the constant holding it
    namespaces = []
    for kernels in network.kernels:
        constant = sources.setdefault(kernels.source,
                                      f"{kernels.namespace.upper()}_SOURCE")
        namespaces.append({"name": kernels.namespace, "constant": constant,
                           "index": kernels.layer.index})
    for text in sources:
        if "'''" in text:
            raise ValueError("a generated module contains ''' and cannot be embedded")
    names = {k.layer.index: k.namespace for k in network.kernels}
    forward, backward = [], []
    for layer in network.spec.layers:
        ahead, back = _call(layer, names.get(layer.index, ""))
        if ahead:
            forward.append(ahead)
        backward.insert(0, back)
    last = network.spec.layers[-1].index
    spec = network.spec
    return {
        "model": spec.model,
        "input_shape": repr(spec.input_shape),
        "classes": spec.classes,
        "layers": [describe(layer) for layer in spec.layers],
        "proofs": [{"index": k.layer.index, "text": k.layer.text,
                    "instance": textwrap.wrap(k.derivation.spec.summary().splitlines()[0], 88),
                    "lines": proof_lines(k.derivation)} for k in network.kernels],
        "checks": checks,
        "sources": [{"constant": constant, "text": text} for text, constant in sources.items()],
        "namespaces": namespaces,
        "kinds": [(layer.index, layer.kind, names.get(layer.index)) for layer in spec.layers],
        "parameter_shapes": [(key, repr(shape)) for key, shape in spec.parameter_shapes.items()],
        "forward": forward,
        "backward": [line for text in backward for line in text.splitlines()],
        "activations": ", ".join(f"a{i}" for i in range(last + 1)),
        "scores": f"a{last}",
    }

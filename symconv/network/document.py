"""The network's derivation document: shapes through the network, then the backward pass
layer by layer from the loss down, each step naming the proven identity it applies and the
document that proves it; and every distinct layer's own derivation beside it."""

from __future__ import annotations

import math
from math import prod

from symconv.network import exact
from symconv.network.artifacts import VerifiedNetwork
from symconv.network.build import FOLDER, LayerKernels
from symconv.network.spec import NetLayer
from symconv.render import artifacts
from symconv.render.document import parse
from symconv.render.latex import latex_document
from symconv.render.markdown import markdown_files
from symconv.render.templating import render
from symconv.render.warmup import scalar_chain_rule, warmup_graph

TITLES = {"conv": "convolution", "relu": "ReLU", "maxpool": "max pooling",
          "avgpool": "average pooling", "linear": "a fully connected layer",
          "softmax-ce": "softmax and cross-entropy", "flatten": "a flatten"}


def shape_math(shape: tuple[int, ...]) -> str:
    r"""``(8, 4, 4)`` -> ``N \times 8 \times 4 \times 4``."""
    return r" \times ".join(["N", *map(str, shape)])


def layer_stem(kernels: LayerKernels) -> str:
    """``layer-0-conv``: the file stem of the layer's own derivation."""
    return f"layer-{kernels.layer.index}-{kernels.layer.kind}"


def _size_row(layer: NetLayer, kernels: LayerKernels) -> dict | None:
    """The output-size arithmetic of a conv or pooling layer, one equation per axis."""
    if layer.kind not in ("conv", "maxpool", "avgpool"):
        return None
    window = kernels.derivation.spec.window
    lines = []
    for axis, (n, m) in enumerate(zip(layer.in_shape[1:], layer.out_shape[1:])):
        k, s, d = window.kernel[axis], window.stride[axis], window.dilation[axis]
        lo, hi = window.padding[axis]
        big_k = d * (k - 1) + 1
        lines.append(rf"m_{axis + 1} = \lfloor ({n} + {lo} + {hi} - {big_k})/{s} \rfloor + 1 "
                     rf"= {m}")
    return {"index": layer.index, "text": layer.text, "math": r", \qquad ".join(lines)}


def _parameters(layer: NetLayer) -> str:
    shapes = layer.parameters
    if not shapes:
        return "none"
    times = r" \times "
    return ", ".join(f"`{layer.index}.{name}` ${times.join(map(str, shape))}$"
                     for name, shape in shapes.items())


def _step(layer: NetLayer, kernels: LayerKernels | None, below: int) -> dict:
    """What one layer receives, applies and hands on."""
    i = layer.index
    out = f"A_{{{i + 1}}}"
    gradient_in = rf"\partial L/\partial A_{{{i}}}"
    if layer.kind == "softmax-ce":
        receives = (rf"The loss layer receives the class scores $Z = A_{{{i}}}$ "
                    rf"(${shape_math(layer.in_shape)}$) and the labels; it starts the "
                    rf"backward pass.")
        binding = rf"$Z = A_{{{i}}}$ and $Y$ the one-hot labels"
    else:
        receives = (rf"Receives $G = \partial L/\partial {out}$ of shape "
                    rf"${shape_math(layer.out_shape)}$ from "
                    + ("the loss." if i + 1 == below else f"layer {i + 1}."))
        binding = rf"$X = A_{{{i}}}$, $G = \partial L/\partial {out}$"
        if layer.parameters:
            binding += rf", $W$ = `{i}.w`, $b$ = `{i}.b`"
    if layer.flattens:
        binding += rf" ($X$ is $A_{{{i}}}$ flattened to $N \times {prod(layer.in_shape)}$)"
    if layer.kind == "flatten":
        hands = (rf"A reshape: hands on $G$ reshaped to ${shape_math(layer.in_shape)}$ as "
                 rf"${gradient_in}$; no arithmetic, nothing to prove.")
    elif i == 0:
        hands = (r"This is the first layer: $\partial L/\partial X$ (the images) is computed "
                 r"by the same call but not needed.")
    else:
        hands = (rf"Hands on ${gradient_in}$ of shape ${shape_math(layer.in_shape)}$ to "
                 rf"layer {i - 1}.")
    if layer.parameters:
        hands += (f" Records `{i}.w` $= \\partial L/\\partial W$ and `{i}.b` "
                  f"$= \\partial L/\\partial b$.")
    proof = ""
    if kernels is not None:
        d = kernels.derivation
        verdicts = ", ".join(f"{r.name} ({r.elements} elements, {r.terms} terms)"
                             for r in d.results)
        proof = (f"{'proven' if d.proven else 'NOT proven'} exactly on the instance "
                 f"{d.spec.summary().splitlines()[0]} — {verdicts}; the derivation is "
                 f"`{layer_stem(kernels)}.md` (and `.tex`).")
    return {"index": i, "text": layer.text, "receives": receives, "binding": binding,
            "formulas": [identity.formula for identity in kernels.derivation.identities]
            if kernels else [], "hands": hands, "proof": proof}


def _check_row(result, measured: bool) -> dict:
    """One row of the table of chain checks: the largest difference relative to the largest
    derivative (measured), or the tolerance it met."""
    found = (f"{result.max_error / result.scale:.1e}" if measured and result.scale
             else "within tolerance")
    return {"what": ("tiny instance, exact (SymPy)" if isinstance(result, exact.ExactCheck)
                     else "this network, central differences"),
            "compared": result.compared, "found": found,
            "result": "equal" if result.passed else "**not equal**"}


def document_context(verified: VerifiedNetwork) -> dict:
    network = verified.network
    spec = network.spec
    layers = spec.layers
    rows, sizes, flattens, steps = [], [], [], []
    for layer in layers:
        kernels = network.kernels_of(layer.index)
        rows.append({"index": layer.index, "text": layer.text,
                     "input": shape_math(layer.in_shape),
                     "output": ("L" if layer.kind == "softmax-ce"
                                else shape_math(layer.out_shape)),
                     "parameters": _parameters(layer)})
        if kernels is not None and (row := _size_row(layer, kernels)):
            sizes.append(row)
        if layer.flattens or layer.kind == "flatten":
            flattens.append({"index": layer.index,
                             "math": rf"{shape_math(layer.in_shape)} \to N \times "
                                     rf"{prod(layer.in_shape)}"})
    last = layers[-1].index
    warmup = scalar_chain_rule()
    for layer in reversed(layers):
        steps.append(_step(layer, network.kernels_of(layer.index), last))
    return {
        "title": "a convolutional network",
        "model": spec.model, "input_shape": shape_math(spec.input_shape),
        "classes": spec.classes, "parameter_count": f"{spec.parameter_count:,}",
        "scores": f"A_{{{last}}}", "warmup": warmup, "warmup_figure": warmup_graph(warmup),
        "shape_rows": rows, "size_rows": sizes, "flatten_rows": flattens, "steps": steps,
        "tiny_model": verified.tiny.spec.model,
        "tolerance": rf"10^{{{round(math.log10(exact.TOLERANCE))}}}",
        "digits": exact.DIGITS,
        "checks": [_check_row(result, verified.measured) for result in verified.checks],
        "float32": verified.float32_line(),
    }


def document_files(verified: VerifiedNetwork, stem: str = "derivation") -> dict[str, str]:
    """``derivation.md``, ``derivation.tex``, and every layer's own derivation
    (``layer-<index>-<kind>.md/.tex`` with its SVG figures)."""
    context = document_context(verified)
    model = parse(render("derivation.md.jinja", folder=FOLDER, **context))
    grids = {"warmup": context["warmup_figure"]}
    files = {f"{stem}.tex": latex_document(model, grids), **markdown_files(model, grids, stem)}
    for kernels in verified.network.kernels:
        layer_stem_ = layer_stem(kernels)
        files[f"{layer_stem_}.tex"] = artifacts.latex(kernels.derivation)
        files.update(artifacts.markdown(kernels.derivation, layer_stem_))
    return files


def files(verified: VerifiedNetwork) -> dict[str, str]:
    """Everything ``symconv network`` writes: ``network.py``, ``proof.json`` and the
    documents."""
    return {"network.py": verified.source, "proof.json": verified.proof_json(),
            **document_files(verified)}

"""The model syntax: a sequential network as one line of text, and its inferred shapes.

A model is layers separated by spaces, read left to right::

    conv(8,k3,p1) relu maxpool(2) conv(16,k3,p1) relu maxpool(2) linear(10) softmax-ce

- ``conv(C, kK, sS, pP, dD, gG)``: output channels first, kernel ``k`` required; stride,
  padding, dilation and groups as in ``symconv prove`` (``k3x2``, ``p0:1x1:0``), e.g.
  ``conv(8,k3,p1)``;
- ``maxpool(K, sS, pP, dD)``: window first (``2`` or ``k2``), the stride defaults to the
  window, e.g. ``maxpool(2)``;
- ``avgpool(K, sS, pP, exclude-pad)``: as maxpool; ``exclude-pad`` is
  ``count_include_pad=False``, e.g. ``avgpool(3,s2,p1)``;
- ``relu``; ``flatten``: ``(C, H, W)`` becomes ``(C*H*W,)``, channel-major like
  ``torch.flatten``;
- ``linear(F)``: output features; a ``(C, H, W)`` input is flattened first (implicitly);
- ``softmax-ce``: the loss, last; its classes are the features it receives.

Shapes are per example (the batch axis is left out). Every layer gets the index of its place
in the text, so parameters are named ``"<index>.w"`` and ``"<index>.b"``; an implicit
flatten takes no index. Errors raise :class:`SpecError` for ``--model`` naming the layer
(index and text) and the rule it broke.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from math import prod

from symconv.engine.options import parse_integer
from symconv.errors import SpecError
from symconv.layers.registry import layer_and_spec
from symconv.network.defaults import DEFAULT_INPUT, DEFAULT_MODEL  # noqa: F401  (re-exported)

KINDS = ("conv", "maxpool", "avgpool", "relu", "flatten", "linear", "softmax-ce")
PARAMETRISED = ("conv", "linear")
_TOKEN = re.compile(r"\s*([A-Za-z][A-Za-z0-9_-]*)\s*(\(([^()]*)\))?\s*")
_KEYED = re.compile(r"([a-z])([0-9][0-9x:]*)")
# the letters each layer takes, and the symconv option each stands for
LETTERS = {
    "conv": {"k": "kernel", "s": "stride", "p": "padding", "d": "dilation", "g": "groups"},
    "maxpool": {"k": "kernel", "s": "stride", "p": "padding", "d": "dilation"},
    "avgpool": {"k": "kernel", "s": "stride", "p": "padding"},
}
_LETTER_OF = {"--kernel": "k", "--stride": "s", "--padding": "p", "--dilation": "d",
              "--groups": "g"}
_INHERITED = {"--in-features": "its input features", "--classes": "its classes",
              "--in-channels": "its input channels", "--input": "its input size"}
"""What a layer takes from the shape before it, named in errors about those values."""


@dataclass(frozen=True)
class NetLayer:
    """One layer of a network: its place, its text, the symconv layer and options that
    describe it, and its per-example input and output shapes."""

    index: int
    text: str
    kind: str
    options: dict = field(default_factory=dict, hash=False, compare=False)
    in_shape: tuple[int, ...] = ()
    out_shape: tuple[int, ...] = ()
    flattens: bool = False

    @property
    def parameters(self) -> dict[str, tuple[int, ...]]:
        """``{"w": shape, "b": shape}`` in PyTorch layouts; empty for layers without any."""
        if self.kind == "conv":
            o = self.options
            return {"w": (o["out_channels"], o["in_channels"] // o.get("groups", 1),
                          *self.kernel),
                    "b": (o["out_channels"],)}
        if self.kind == "linear":
            return {"w": (self.options["out_features"], self.options["in_features"]),
                    "b": (self.options["out_features"],)}
        return {}

    @property
    def kernel(self) -> tuple[int, ...]:
        sizes = tuple(int(k) for k in self.options["kernel"].split("x"))
        rank = len(self.in_shape) - 1
        return sizes * rank if len(sizes) == 1 else sizes


@dataclass(frozen=True)
class NetworkSpec:
    """A parsed network: the normalised model text, the input shape and the layers."""

    model: str
    input_shape: tuple[int, ...]
    layers: tuple[NetLayer, ...]

    @property
    def classes(self) -> int:
        return self.layers[-1].in_shape[0]

    @property
    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        """``{"0.w": (8, 1, 3, 3), "0.b": (8,), ...}`` in layer order."""
        return {f"{layer.index}.{name}": shape for layer in self.layers
                for name, shape in layer.parameters.items()}

    @property
    def parameter_count(self) -> int:
        return sum(prod(shape) for shape in self.parameter_shapes.values())

    def tiny(self) -> NetworkSpec:
        """The same network with at most 2 channels per conv, 3 features per linear layer
        (so 3 classes) — same input, kernels, strides and padding — for checking the chain.
        A conv whose channels are tied to a later ``g`` keeps its count."""
        texts = []
        for layer in self.layers:
            if layer.kind == "conv" and layer.options.get("groups", 1) == 1:
                texts.append(_retext(layer, min(layer.options["out_channels"], 2)))
            elif layer.kind == "linear":
                texts.append(_retext(layer, min(layer.options["out_features"], 3)))
            else:
                texts.append(layer.text)
        try:
            return parse_model(" ".join(texts), self.input_shape)
        except SpecError:   # a later layer's groups need the original channel counts
            return self


def _retext(layer: NetLayer, count: int) -> str:
    """``conv(8,k3,p1)`` with its first argument replaced by ``count``."""
    head, _, rest = layer.text.partition("(")
    arguments = rest.rstrip(")").split(",")
    return f"{head}({','.join([str(count), *arguments[1:]])})"


def parse_input(text: str) -> tuple[int, ...]:
    """``"1x8x8"`` -> ``(1, 8, 8)``: channels, then 1 to 3 spatial axes.

    >>> parse_input("3x32x32")
    (3, 32, 32)
    """
    parts = text.lower().split("x") if isinstance(text, str) else []
    if not 2 <= len(parts) <= 4:
        raise SpecError("--input", f"a network input is CxL, CxHxW or CxDxHxW (channels "
                                   f"first), got {text!r}")
    sizes = tuple(parse_integer("--input", part) for part in parts)
    if min(sizes) < 1:
        raise SpecError("--input", f"every size must be positive, got {text!r}")
    return sizes


def _error(index: int, text: str, rule: str) -> SpecError:
    return SpecError("--model", f"layer {index} `{text}`: {rule}")


def _arguments(index: int, text: str, kind: str, body: str | None) -> dict:
    """The symconv options written inside the parentheses (counts not yet attached)."""
    if kind in ("relu", "flatten", "softmax-ce"):
        if body is not None:
            raise _error(index, text, f"{kind} takes no arguments")
        return {}
    if body is None or not body.strip():
        first = {"conv": "output channels and a kernel, e.g. conv(8,k3)",
                 "linear": "its output features, e.g. linear(10)"}.get(kind, "a window, "
                                                                         "e.g. maxpool(2)")
        raise _error(index, text, f"{kind} needs {first}")
    items = [item.strip() for item in body.split(",")]
    options: dict = {}
    if kind == "linear":
        if len(items) != 1 or not items[0].isdigit() or int(items[0]) < 1:
            raise _error(index, text, "linear takes one positive integer: its output features")
        return {"out_features": int(items[0])}
    letters = LETTERS[kind]
    for position, item in enumerate(items):
        if position == 0 and item.isdigit():
            name = "out_channels" if kind == "conv" else "kernel"
            options[name] = int(item) if kind == "conv" else item
            continue
        if kind == "avgpool" and item == "exclude-pad":
            options["count_include_pad"] = False
            continue
        match = _KEYED.fullmatch(item)
        if not match or match.group(1) not in letters:
            takes = ", ".join(f"{letter}N ({name})" for letter, name in letters.items())
            first = "C (output channels) first, then " if kind == "conv" else "K first or "
            raise _error(index, text, f"unknown argument {item!r}; {kind} takes {first}{takes}")
        name = letters[match.group(1)]
        if name in options:
            raise _error(index, text, f"{match.group(1)} ({name}) is given twice")
        options[name] = match.group(2)
    if kind == "conv":
        if "out_channels" not in options:
            raise _error(index, text, "conv needs its output channels first, e.g. conv(8,k3)")
        if "kernel" not in options:
            raise _error(index, text, "conv needs a kernel size kN, e.g. conv(8,k3)")
        if options["out_channels"] < 1:
            raise _error(index, text, "conv needs at least one output channel")
    elif "kernel" not in options:
        raise _error(index, text, f"{kind} needs a window, e.g. {kind}(2) or {kind}(k3,s2)")
    if "groups" in options:
        options["groups"] = parse_integer("--groups", options["groups"])
    return options


def _layer(index: int, text: str, kind: str, options: dict, shape: tuple[int, ...],
           last: bool) -> NetLayer:
    """The layer with its symconv options completed from the incoming ``shape``."""
    spatial = len(shape) > 1
    if kind == "softmax-ce" and not last:
        raise _error(index, text, "softmax-ce is the loss and must be the last layer")
    if kind in ("conv", "maxpool", "avgpool") and not spatial:
        raise _error(index, text, f"{kind} needs a (C, H, W) input, got features {shape} "
                                  f"(it comes after a flatten or linear layer)")
    if kind == "softmax-ce" and spatial:
        raise _error(index, text, f"softmax-ce needs class scores (F,), got {shape}; put "
                                  f"linear(classes) before it")
    if kind == "flatten":
        return NetLayer(index, text, kind, {}, shape, (prod(shape),))
    if kind in ("conv", "maxpool", "avgpool", "relu"):
        options = {**options, "input": "x".join(map(str, shape[1:])) if spatial
                   else str(shape[0]), "in_channels": shape[0] if spatial else 1}
    elif kind == "linear":
        options = {**options, "in_features": prod(shape)}
    else:
        options = {"classes": shape[0]}
    try:
        _, layer_spec = layer_and_spec(kind, options)
    except SpecError as error:
        letter = _LETTER_OF.get(error.parameter)
        if error.parameter in _INHERITED:
            raise _error(index, text, f"{_INHERITED[error.parameter]} {error.rule} (from "
                                      f"the incoming shape {shape})") from None
        where = f" ({letter})" if letter else ""
        raise _error(index, text, f"{error.rule}{where}") from None
    if kind in ("conv", "maxpool", "avgpool"):
        out = tuple(layer_spec.output_shape[1:])
    elif kind == "linear":
        out = (options["out_features"],)
    else:
        out = shape
    return NetLayer(index, text, kind, options, shape, out,
                    flattens=kind == "linear" and spatial)


def tokens(model: str) -> list[tuple[str, str, str | None]]:
    """``[(text, name, arguments or None)]``; a :class:`SpecError` at the first piece that
    is not ``name`` or ``name(arguments)``.

    >>> tokens("conv(8, k3) relu")
    [('conv(8,k3)', 'conv', '8, k3'), ('relu', 'relu', None)]
    """
    found, position = [], 0
    while position < len(model):
        match = _TOKEN.match(model, position)
        if not match or match.end() == position:
            piece = model[position:].split()[0] if model[position:].split() else model[position:]
            raise SpecError("--model", f"layer {len(found)} `{piece}`: expected NAME or "
                                       f"NAME(ARGUMENTS), e.g. conv(8,k3,p1) or relu")
        body = match.group(3)
        text = match.group(1) + (f"({body.replace(' ', '')})" if body is not None else "")
        found.append((text, match.group(1), body))
        position = match.end()
    return found


def parse_model(model: str, input_shape: tuple[int, ...] | str) -> NetworkSpec:
    """The network ``model`` describes on inputs of ``input_shape`` (``(C, H, W)``).

    >>> net = parse_model("conv(4,k3,p1) relu maxpool(2) linear(10) softmax-ce", "1x8x8")
    >>> [(layer.index, layer.kind, layer.out_shape) for layer in net.layers]
    [(0, 'conv', (4, 8, 8)), (1, 'relu', (4, 8, 8)), (2, 'maxpool', (4, 4, 4)), \
(3, 'linear', (10,)), (4, 'softmax-ce', (10,))]
    >>> list(net.parameter_shapes)
    ['0.w', '0.b', '3.w', '3.b']
    """
    shape = parse_input(input_shape) if isinstance(input_shape, str) else tuple(input_shape)
    first_shape = shape
    if not isinstance(model, str) or not model.strip():
        raise SpecError("--model", "is empty; write layers such as "
                                   "'conv(8,k3,p1) relu maxpool(2) linear(10) softmax-ce'")
    found = tokens(model)
    layers = []
    for index, (text, name, body) in enumerate(found):
        kind = name.lower()
        if kind not in KINDS:
            raise _error(index, text, f"unknown layer {name!r}; layers: {', '.join(KINDS)}")
        options = _arguments(index, text, kind, body)
        layer = _layer(index, text, kind, options, shape, index == len(found) - 1)
        layers.append(layer)
        shape = layer.out_shape
    last = layers[-1]
    if last.kind != "softmax-ce":
        raise _error(last.index, last.text, "the last layer must be softmax-ce (the loss)")
    if not any(layer.kind in PARAMETRISED for layer in layers):
        raise SpecError("--model", "has no conv or linear layer: nothing to train")
    normal = " ".join(layer.text for layer in layers)
    return NetworkSpec(normal, first_shape, tuple(layers))


def with_batch(shape: tuple[int, ...]) -> str:
    """``(8, 4, 4)`` -> ``"(N, 8, 4, 4)"``."""
    return "(" + ", ".join(["N", *map(str, shape)]) + ")"

"""The convolution spec: window geometry plus channels, groups and batch.

Index letters (used everywhere, documents included): batch ``n``, input channel ``c``,
output channel ``o``, channel within a group ``c'``, output position ``i``, kernel tap ``j``,
input position ``u``, position in the stride-dilated gradient ``t``.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

from symconv.algebra import arithmetic
from symconv.algebra.geometry import (
    MAX_BATCH,
    MAX_CHANNELS,
    WindowSpec,
    axes_text,
    padding_text,
    require_positive,
)
from symconv.engine.contract import Options
from symconv.engine.options import count, window_options
from symconv.errors import SpecError

OPTIONS = frozenset({"input", "kernel", "stride", "padding", "dilation", "in_channels",
                     "out_channels", "groups", "batch"})
MAX_TERMS = 1_500_000   # the symbolic budget: products ``X W`` (1.71M: prove 49 s, latex 73 s)


@dataclass(frozen=True)
class ConvSpec:
    """A convolution layer (cross-correlation, PyTorch semantics) with bias.

    >>> spec = ConvSpec(WindowSpec((5, 5), (3, 3), (2, 2), ((1, 1), (1, 1)), (1, 1)))
    >>> spec.window.output, spec.window.leftover, spec.forward_terms
    ((3, 3), (0, 0), 49)
    """

    window: WindowSpec
    in_channels: int = 1
    out_channels: int = 1
    groups: int = 1
    batch: int = 1

    size_option = "--input"

    def __post_init__(self) -> None:
        require_positive("--in-channels", [self.in_channels], MAX_CHANNELS)
        require_positive("--out-channels", [self.out_channels], MAX_CHANNELS)
        require_positive("--groups", [self.groups], MAX_CHANNELS)
        require_positive("--batch", [self.batch], MAX_BATCH)
        for name, channels in (("--in-channels", self.in_channels),
                               ("--out-channels", self.out_channels)):
            if channels % self.groups:
                raise SpecError("--groups", f"must divide {name} ({channels}), got {self.groups}")
        if self.window.read_count == 0:
            raise SpecError("--padding", "every window reads only padding, so the gradients "
                                         "are 0 and there is nothing to prove; use less "
                                         "padding or dilation")

    @property
    def group_in(self) -> int:
        """Input channels seen by each output channel: ``C_in / g``."""
        return self.in_channels // self.groups

    @property
    def group_out(self) -> int:
        """Output channels per group: ``C_out / g``."""
        return self.out_channels // self.groups

    def input_channel(self, o: int, c_in_group: int) -> int:
        """Input channel read by output channel ``o`` at in-group index ``c'``:
        ``g(o) C_in/g + c'`` with ``g(o) = o // (C_out/g)``."""
        return (o // self.group_out) * self.group_in + c_in_group

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (self.batch, self.in_channels, *self.window.input)

    @property
    def weight_shape(self) -> tuple[int, ...]:
        return (self.out_channels, self.group_in, *self.window.kernel)

    @property
    def output_shape(self) -> tuple[int, ...]:
        return (self.batch, self.out_channels, *self.window.output)

    @property
    def forward_terms(self) -> int:
        """Number of products ``W * X`` in the forward pass that do not read padding."""
        return self.batch * self.out_channels * self.group_in * self.window.read_count

    @property
    def symbol_count(self) -> int:
        """Entries of the symbolic arrays: X and its padded copy, W, b, G and its padded,
        stride-dilated copy."""
        w = self.window
        padded = prod(n + lo + hi for n, (lo, hi) in zip(w.input, w.padding))
        g_quad = prod(arithmetic.dilated_length(m, s)
                      + sum(arithmetic.input_grad_padding(k, d, lo, hi, r))
                      for m, s, k, d, (lo, hi), r in zip(w.output, w.stride, w.kernel,
                                                         w.dilation, w.padding, w.leftover))
        return (self.batch * self.in_channels * (prod(w.input) + padded)
                + self.batch * self.out_channels * (prod(w.output) + g_quad)
                + prod(self.weight_shape) + self.out_channels)

    def summary(self) -> str:
        """Two lines naming the geometry and the output size."""
        w = self.window
        return (f"conv {w.rank}-d: input {axes_text(w.input)}, kernel {axes_text(w.kernel)}, "
                f"stride {axes_text(w.stride)}, padding {padding_text(w.padding)}, "
                f"dilation {axes_text(w.dilation)}, channels {self.in_channels}->"
                f"{self.out_channels}, groups {self.groups}, batch {self.batch}\n"
                f"output {axes_text(w.output)}, leftover r = {axes_text(w.leftover)}")

    def as_dict(self) -> dict:
        w = self.window
        return {
            "layer": "conv",
            "input": list(w.input),
            "kernel": list(w.kernel),
            "stride": list(w.stride),
            "padding": [list(p) for p in w.padding],
            "dilation": list(w.dilation),
            "in_channels": self.in_channels,
            "out_channels": self.out_channels,
            "groups": self.groups,
            "batch": self.batch,
            "output": list(w.output),
            "leftover": list(w.leftover),
            "input_shape": list(self.input_shape),
            "weight_shape": list(self.weight_shape),
            "output_shape": list(self.output_shape),
        }


def spec_from_options(options: Options) -> ConvSpec:
    """The :class:`ConvSpec` the options describe (kernel 2 and stride 1 by default)."""
    return ConvSpec(window=window_options(options), in_channels=count(options, "in_channels"),
                    out_channels=count(options, "out_channels"),
                    groups=count(options, "groups"), batch=count(options, "batch"))

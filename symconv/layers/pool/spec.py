"""The pooling spec shared by max and average pooling: a window over each channel alone."""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

from symconv.algebra.geometry import (
    MAX_BATCH,
    MAX_CHANNELS,
    WindowSpec,
    axes_text,
    padding_text,
    require_positive,
)
from symconv.engine.contract import Options
from symconv.engine.options import count, given, window_options
from symconv.errors import SpecError

MAXPOOL_OPTIONS = frozenset({"input", "kernel", "stride", "padding", "dilation", "in_channels",
                             "batch"})
AVGPOOL_OPTIONS = frozenset({"input", "kernel", "stride", "padding", "in_channels", "batch",
                             "count_include_pad"})
# The symbolic budgets, in window reads, each about a minute or less of proof on 2 cores: max
# pooling proves each read by a case split over the arg-max (2,000 reads: 16 s), average
# pooling by one exact polynomial identity.
MAXPOOL_MAX_TERMS = 2_000
AVGPOOL_MAX_TERMS = 1_000_000   # 571,536 reads took 25 s to prove


@dataclass(frozen=True)
class PoolSpec:
    """Max or average pooling over each channel separately (PyTorch ``*_pool{1,2,3}d``).

    Every window must read at least one input entry (PyTorch asks ``p <= K/2`` on each
    side for the same reason): a window made of padding only has no maximum.

    >>> spec = PoolSpec("maxpool", WindowSpec((4, 4), (2, 2), (2, 2), ((0, 0), (0, 0)), (1, 1)))
    >>> spec.window.output, spec.forward_terms
    ((2, 2), 16)
    """

    layer: str
    window: WindowSpec
    channels: int = 1
    batch: int = 1
    count_include_pad: bool = True

    size_option = "--input"

    def __post_init__(self) -> None:
        require_positive("--in-channels", [self.channels], MAX_CHANNELS)
        require_positive("--batch", [self.batch], MAX_BATCH)
        w = self.window
        for axis, (big_k, (lo, hi)) in enumerate(zip(w.effective_kernel, w.padding)):
            if max(lo, hi) > big_k // 2:
                raise SpecError("--padding", f"must be at most half the pooling window "
                                             f"({big_k // 2}) on axis {axis}, got {lo}:{hi}")
        empty = w.empty_window()
        if empty is not None:
            raise SpecError("--dilation" if any(d > 1 for d in w.dilation) else "--padding",
                            f"window {empty} reads only padding; every pooling window must "
                            f"read at least one input entry")

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (self.batch, self.channels, *self.window.input)

    @property
    def output_shape(self) -> tuple[int, ...]:
        return (self.batch, self.channels, *self.window.output)

    @property
    def forward_terms(self) -> int:
        """Input entries read by all windows together (padding excluded)."""
        return self.batch * self.channels * self.window.read_count

    @property
    def symbol_count(self) -> int:
        """Entries of X, its padded copy, G and the spread gradient."""
        w = self.window
        padded = prod(n + lo + hi for n, (lo, hi) in zip(w.input, w.padding))
        return self.batch * self.channels * (prod(w.input) + 2 * padded + prod(w.output))

    def summary(self) -> str:
        w = self.window
        extra = (f", count_include_pad {self.count_include_pad}"
                 if self.layer == "avgpool" else f", dilation {axes_text(w.dilation)}")
        return (f"{self.layer} {w.rank}-d: input {axes_text(w.input)}, window "
                f"{axes_text(w.kernel)}, stride {axes_text(w.stride)}, padding "
                f"{padding_text(w.padding)}{extra}, channels {self.channels}, batch "
                f"{self.batch}\noutput {axes_text(w.output)}, leftover r = "
                f"{axes_text(w.leftover)}")

    def as_dict(self) -> dict:
        w = self.window
        result = {
            "layer": self.layer, "input": list(w.input), "kernel": list(w.kernel),
            "stride": list(w.stride), "padding": [list(p) for p in w.padding],
            "dilation": list(w.dilation), "channels": self.channels, "batch": self.batch,
            "output": list(w.output), "leftover": list(w.leftover),
            "input_shape": list(self.input_shape), "output_shape": list(self.output_shape),
        }
        if self.layer == "avgpool":
            result["count_include_pad"] = self.count_include_pad
        return result


def _pool_spec(layer: str, options: Options, dilation: bool) -> PoolSpec:
    """Pooling options; the stride defaults to the window, as in PyTorch."""
    kernel = given(options, "kernel", "2")
    return PoolSpec(layer, window_options(options, kernel_default=kernel, stride_default=kernel,
                                          dilation=dilation),
                    channels=count(options, "in_channels"), batch=count(options, "batch"),
                    count_include_pad=given(options, "count_include_pad", True))


def maxpool_spec(options: Options) -> PoolSpec:
    return _pool_spec("maxpool", options, dilation=True)


def avgpool_spec(options: Options) -> PoolSpec:
    return _pool_spec("avgpool", options, dilation=False)

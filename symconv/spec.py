"""Layer specifications shared by the windowed layers (convolution and pooling).

A spec is frozen, validated on construction, and carries only numbers: the geometry of each
spatial axis plus channels, groups and batch. Derived sizes (effective kernel, output length,
leftover ``r``) come from :mod:`symconv.algebra.arithmetic`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from symconv.algebra import arithmetic
from symconv.errors import SpecError

MAX_AXIS_LENGTH = 4096
MAX_CHANNELS = 4096
MAX_BATCH = 1024


def require_positive(parameter: str, values, limit: int) -> None:
    """Refuse any value that is not an integer in ``1..limit``."""
    for value in values:
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise SpecError(parameter, f"must be a positive integer, got {value!r}")
        if value > limit:
            raise SpecError(parameter, f"must be at most {limit}, got {value}")


def axes_text(values) -> str:
    """``(5, 5)`` -> ``"5x5"``."""
    return "x".join(str(v) for v in values)


def padding_text(padding) -> str:
    """``((1, 1), (0, 2))`` -> ``"1x0:2"``."""
    return "x".join(f"{lo}:{hi}" if lo != hi else str(lo) for lo, hi in padding)


@dataclass(frozen=True)
class WindowSpec:
    """Geometry of a sliding window over ``len(input)`` spatial axes (1, 2 or 3).

    ``padding`` holds one ``(low, high)`` pair per axis; the other tuples one value per axis.
    """

    input: tuple[int, ...]
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[tuple[int, int], ...]
    dilation: tuple[int, ...]

    def __post_init__(self) -> None:
        rank = len(self.input)
        if rank not in (1, 2, 3):
            raise SpecError("--input", f"must have 1, 2 or 3 axes, got {rank}")
        for name, value in (("--kernel", self.kernel), ("--stride", self.stride),
                            ("--padding", self.padding), ("--dilation", self.dilation)):
            if len(value) != rank:
                raise SpecError(name, f"has {len(value)} axes but --input has {rank}")
        require_positive("--input", self.input, MAX_AXIS_LENGTH)
        require_positive("--kernel", self.kernel, MAX_AXIS_LENGTH)
        require_positive("--stride", self.stride, MAX_AXIS_LENGTH)
        require_positive("--dilation", self.dilation, MAX_AXIS_LENGTH)
        for lo_hi in self.padding:
            for side in lo_hi:
                if not isinstance(side, int) or isinstance(side, bool) or side < 0:
                    raise SpecError("--padding", f"must be a non-negative integer, got {side!r}")
                if side > MAX_AXIS_LENGTH:
                    raise SpecError("--padding", f"must be at most {MAX_AXIS_LENGTH}, got {side}")
        for axis in range(rank):
            padded = self.input[axis] + sum(self.padding[axis])
            span = self.effective_kernel[axis]
            if span > padded:
                raise SpecError(
                    "--kernel",
                    f"dilated kernel span {span} exceeds padded input {padded} on axis {axis}"
                    " (need d*(k-1)+1 <= n + p_lo + p_hi)",
                )

    @property
    def rank(self) -> int:
        return len(self.input)

    def _per_axis(self, formula) -> tuple[int, ...]:
        return tuple(
            formula(n, k, s, d, lo, hi)
            for n, k, s, d, (lo, hi) in zip(
                self.input, self.kernel, self.stride, self.dilation, self.padding
            )
        )

    @property
    def effective_kernel(self) -> tuple[int, ...]:
        """``K = d(k-1) + 1`` per axis."""
        return tuple(arithmetic.effective_kernel(k, d) for k, d in zip(self.kernel, self.dilation))

    @property
    def output(self) -> tuple[int, ...]:
        """``m = floor((n + p_lo + p_hi - K) / s) + 1`` per axis."""
        return self._per_axis(arithmetic.output_length)

    @property
    def leftover(self) -> tuple[int, ...]:
        """``r = (n + p_lo + p_hi - K) mod s`` per axis."""
        return self._per_axis(arithmetic.leftover)

    def taps(self, i: tuple[int, ...]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
        """``(j, u)`` for the taps of window ``i`` that read the input, ``u = s*i + d*j - p_lo``,
        in scan order (taps on padding are left out).

        >>> WindowSpec((3,), (2,), (1,), ((1, 0),), (1,)).taps((0,))
        [((1,), (0,))]
        """
        result = []
        for j in np.ndindex(*self.kernel):
            u = tuple(s * a + d * b - lo for a, b, s, d, (lo, _) in
                      zip(i, j, self.stride, self.dilation, self.padding))
            if all(0 <= v < n for v, n in zip(u, self.input)):
                result.append((j, u))
        return result

    def proof_window(self, outputs: int = 3) -> WindowSpec:
        """The same geometry on a shorter input: axes with more than ``outputs`` windows get
        ``n' = s(outputs-1) + K + r - p_lo - p_hi``, which keeps ``r`` and gives ``outputs``
        windows — enough to exercise overlap, stride and both edges.

        >>> WindowSpec((64,), (3,), (2,), ((1, 1),), (1,)).proof_window().input
        (6,)
        """
        sizes = []
        for n, s, big_k, (lo, hi), m, r in zip(self.input, self.stride, self.effective_kernel,
                                                self.padding, self.output, self.leftover):
            shorter = s * (outputs - 1) + big_k + r - lo - hi
            sizes.append(shorter if m > outputs and shorter >= 1 else n)
        return replace(self, input=tuple(sizes))

    @property
    def reads(self) -> int:
        """Number of (window, tap) pairs that read the input rather than padding."""
        count = 1
        for n, k, s, d, (lo, _), m in zip(self.input, self.kernel, self.stride, self.dilation,
                                           self.padding, self.output):
            count *= sum(0 <= s * i + d * j - lo < n for i in range(m) for j in range(k))
        return count


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

    def __post_init__(self) -> None:
        require_positive("--in-channels", [self.in_channels], MAX_CHANNELS)
        require_positive("--out-channels", [self.out_channels], MAX_CHANNELS)
        require_positive("--groups", [self.groups], MAX_CHANNELS)
        require_positive("--batch", [self.batch], MAX_BATCH)
        for name, channels in (("--in-channels", self.in_channels),
                               ("--out-channels", self.out_channels)):
            if channels % self.groups:
                raise SpecError(
                    "--groups", f"must divide {name} ({channels}), got {self.groups}"
                )

    @property
    def group_in(self) -> int:
        """Input channels seen by each output channel: ``C_in / g``."""
        return self.in_channels // self.groups

    @property
    def group_out(self) -> int:
        """Output channels per group: ``C_out / g``."""
        return self.out_channels // self.groups

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
        return self.batch * self.out_channels * self.group_in * self.window.reads

    size_option = "--input"

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

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (self.batch, self.channels, *self.window.input)

    @property
    def output_shape(self) -> tuple[int, ...]:
        return (self.batch, self.channels, *self.window.output)

    @property
    def forward_terms(self) -> int:
        """Input entries read by all windows together (padding excluded)."""
        return self.batch * self.channels * self.window.reads

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

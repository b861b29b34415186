"""Parsing of command-line size options into per-axis tuples, and options into a layer spec.

Axes are separated by ``x``; a padding axis may give ``low:high``. A single value applies to
every axis of ``--input``.
"""

from __future__ import annotations

import re

from symconv.errors import SpecError
from symconv.spec import ConvSpec, WindowSpec

_INT = re.compile(r"[0-9]{1,6}")


def _integer(parameter: str, text: str) -> int:
    if not _INT.fullmatch(text):
        raise SpecError(parameter, f"expected a non-negative integer, got {text!r}")
    return int(text)


def parse_axes(parameter: str, text: str) -> tuple[int, ...]:
    """``"5x5"`` -> ``(5, 5)``; ``"7"`` -> ``(7,)``.

    >>> parse_axes("--input", "4x4x4")
    (4, 4, 4)
    """
    return tuple(_integer(parameter, part) for part in text.strip().lower().split("x"))


def parse_padding(text: str) -> tuple[tuple[int, int], ...]:
    """``"1"`` -> ``((1, 1),)``; ``"0:1x1:0"`` -> ``((0, 1), (1, 0))``.

    >>> parse_padding("0:2x1")
    ((0, 2), (1, 1))
    """
    axes = []
    for part in text.strip().lower().split("x"):
        sides = part.split(":")
        if len(sides) > 2:
            raise SpecError("--padding", f"an axis is 'p' or 'low:high', got {part!r}")
        lo = _integer("--padding", sides[0])
        hi = _integer("--padding", sides[-1])
        axes.append((lo, hi))
    return tuple(axes)


def broadcast(parameter: str, values: tuple, rank: int) -> tuple:
    """Repeat a single value over ``rank`` axes; otherwise require exactly ``rank`` values."""
    if len(values) == 1:
        return values * rank
    if len(values) != rank:
        raise SpecError(parameter, f"has {len(values)} axes but --input has {rank}")
    return values


def window_from_options(input_: str, kernel: str, stride: str, padding: str,
                        dilation: str) -> WindowSpec:
    """A validated :class:`WindowSpec` from the text of the five geometry options."""
    sizes = parse_axes("--input", input_)
    rank = len(sizes)
    if rank not in (1, 2, 3):
        raise SpecError("--input", f"must have 1, 2 or 3 axes, got {rank}")
    return WindowSpec(
        input=sizes,
        kernel=broadcast("--kernel", parse_axes("--kernel", kernel), rank),
        stride=broadcast("--stride", parse_axes("--stride", stride), rank),
        padding=broadcast("--padding", parse_padding(padding), rank),
        dilation=broadcast("--dilation", parse_axes("--dilation", dilation), rank),
    )


def conv_spec_from_options(options) -> ConvSpec:
    """The :class:`ConvSpec` described by parsed command-line ``options``."""
    return ConvSpec(
        window=window_from_options(options.input, options.kernel, options.stride,
                                   options.padding, options.dilation),
        in_channels=options.in_channels,
        out_channels=options.out_channels,
        groups=options.groups,
        batch=options.batch,
    )

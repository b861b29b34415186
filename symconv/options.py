"""Parsing of command-line size options into per-axis tuples, and options into a layer spec.

Axes are separated by ``x``; a padding axis may give ``low:high``. A single value applies to
every axis of ``--input``.
"""

from __future__ import annotations

import argparse
import re

from symconv.errors import SpecError
from symconv.layers import LAYERS
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


def add_layer_options(parser: argparse.ArgumentParser) -> None:
    """The OPTIONS shared by ``prove``, ``latex`` and ``codegen`` (DESIGN §3)."""
    parser.add_argument("--layer", default="conv", help="layer kind (default: conv)")
    parser.add_argument("--input", default="3x3", help="spatial size, e.g. 7, 5x5, 4x4x4")
    parser.add_argument("--kernel", default="2x2", help="kernel size per axis")
    parser.add_argument("--stride", default="1", help="stride per axis")
    parser.add_argument("--padding", default="0",
                        help="padding per axis; 'low:high' for asymmetric, e.g. 0:1x1:0")
    parser.add_argument("--dilation", default="1", help="dilation per axis")
    parser.add_argument("--in-channels", type=int, default=1)
    parser.add_argument("--out-channels", type=int, default=1)
    parser.add_argument("--groups", type=int, default=1)
    parser.add_argument("--batch", type=int, default=1)


def spec_from_options(options):
    """The validated spec of the layer named by ``options.layer``."""
    if options.layer not in LAYERS:
        raise SpecError("--layer", f"must be one of {', '.join(LAYERS)}, got {options.layer!r}")
    return conv_spec_from_options(options)


def spec_from_arguments(arguments: str):
    """``(layer, spec)`` from an option string such as ``"--input 5x5 --kernel 3"``."""
    parser = argparse.ArgumentParser(add_help=False)
    add_layer_options(parser)
    options = parser.parse_args(arguments.split())
    return options.layer, spec_from_options(options)

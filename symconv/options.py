"""Parsing of command-line size options into per-axis tuples, and options into a layer spec.

Axes are separated by ``x``; a padding axis may give ``low:high``. A single value applies to
every axis of ``--input``.
"""

from __future__ import annotations

import argparse
import re

from symconv.errors import SpecError
from symconv.layers import LAYERS, layer_module
from symconv.spec import WindowSpec

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


def given(options, name: str, default):
    """The option's value, or ``default`` when it was not given."""
    value = getattr(options, name, None)
    return default if value is None else value


def window_options(options, kernel_default: str = "2x2", stride_default: str | None = None,
                   dilation: bool = True) -> WindowSpec:
    """The window geometry from the options; pooling defaults the stride to the kernel."""
    kernel = given(options, "kernel", kernel_default)
    return window_from_options(given(options, "input", "3x3"), kernel,
                               given(options, "stride", stride_default or "1"),
                               given(options, "padding", "0"),
                               given(options, "dilation", "1") if dilation else "1")


# option name -> (flag, help); every layer accepts the subset it lists in OPTIONS
OPTION_HELP = {
    "input": ("--input", "spatial size, e.g. 7, 5x5, 4x4x4 (default 3x3)"),
    "kernel": ("--kernel", "kernel or pooling window per axis (default 2x2)"),
    "stride": ("--stride", "stride per axis (default 1; pooling: the kernel)"),
    "padding": ("--padding", "zero padding per axis; 'low:high' for asymmetric, e.g. 0:1x1:0"),
    "dilation": ("--dilation", "spacing between kernel taps (default 1)"),
    "in_channels": ("--in-channels", "input channels (default 1)"),
    "out_channels": ("--out-channels", "output channels (default 1)"),
    "groups": ("--groups", "channel groups (default 1)"),
    "batch": ("--batch", "batch size (default 1)"),
    "in_features": ("--in-features", "linear: input features (default 3)"),
    "out_features": ("--out-features", "linear: output features (default 2)"),
    "classes": ("--classes", "softmax-ce: number of classes (default 3)"),
}
INTEGER_OPTIONS = {"in_channels", "out_channels", "groups", "batch", "in_features",
                   "out_features", "classes"}


def add_layer_options(parser: argparse.ArgumentParser) -> None:
    """The OPTIONS shared by ``prove``, ``latex`` and ``codegen`` (DESIGN §3)."""
    parser.add_argument("--layer", default="conv",
                        help=f"one of {', '.join(LAYERS)} (default: conv)")
    for name, (flag, text) in OPTION_HELP.items():
        parser.add_argument(flag, dest=name, type=int if name in INTEGER_OPTIONS else str,
                            default=None, help=text)
    parser.add_argument("--count-include-pad", dest="count_include_pad", default=None,
                        action=argparse.BooleanOptionalAction,
                        help="avgpool: divide by the whole window, padding included "
                             "(default: yes, like PyTorch)")


def spec_from_options(options):
    """The validated spec of ``options.layer``; options that layer does not have are refused."""
    module = layer_module(options.layer)
    for name in [*OPTION_HELP, "count_include_pad"]:
        if getattr(options, name, None) is not None and name not in module.OPTIONS:
            flag = "--" + name.replace("_", "-")
            raise SpecError(flag, f"does not apply to --layer {options.layer}")
    return module.spec_from_options(options)


def spec_from_arguments(arguments: str):
    """``(layer, spec)`` from an option string such as ``"--input 5x5 --kernel 3"``."""
    parser = argparse.ArgumentParser(add_help=False)
    add_layer_options(parser)
    options = parser.parse_args(arguments.split())
    return options.layer, spec_from_options(options)

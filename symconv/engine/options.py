"""Layer options: parsing their text, and normalising Python values to the same form.

The command line and the Python API (``symconv.derive("conv", input=(5, 5), kernel=3)``)
describe a layer with the same option names. Geometry options are text — axes separated by
``x``, a padding axis ``low:high`` — and a single value applies to every axis of ``--input``;
counts are integers written in ASCII digits. Any rule broken raises :class:`SpecError`
naming the option.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from symconv.algebra.geometry import MAX_AXIS_LENGTH, WindowSpec, require_positive
from symconv.errors import SpecError

_INT = re.compile(r"[0-9]{1,7}")

GEOMETRY = ("input", "kernel", "stride", "padding", "dilation")
COUNTS = ("in_channels", "out_channels", "groups", "batch", "in_features", "out_features",
          "classes")
FLAGS = ("count_include_pad",)
ALL_OPTIONS = frozenset((*GEOMETRY, *COUNTS, *FLAGS))


def flag(name: str) -> str:
    """``in_channels`` -> ``--in-channels``."""
    return "--" + name.replace("_", "-")


def parse_integer(parameter: str, text: str) -> int:
    """A non-negative integer in ASCII digits only (no sign, spaces, ``_`` or other scripts).

    >>> parse_integer("--batch", "12")
    12
    """
    if isinstance(text, str) and text.isascii() and text.isdigit() and len(text) > 7:
        raise SpecError(parameter, f"is far too large ({len(text)} digits)")
    if not isinstance(text, str) or not _INT.fullmatch(text):
        raise SpecError(parameter, f"expected a non-negative integer in ASCII digits, "
                                   f"got {text!r}")
    return int(text)


def parse_axes(parameter: str, text: str) -> tuple[int, ...]:
    """``"5x5"`` -> ``(5, 5)``; ``"7"`` -> ``(7,)``.

    >>> parse_axes("--input", "4x4x4")
    (4, 4, 4)
    """
    return tuple(parse_integer(parameter, part) for part in text.lower().split("x"))


def parse_padding(text: str) -> tuple[tuple[int, int], ...]:
    """``"1"`` -> ``((1, 1),)``; ``"0:1x1:0"`` -> ``((0, 1), (1, 0))``.

    >>> parse_padding("0:2x1")
    ((0, 2), (1, 1))
    """
    axes = []
    for part in text.lower().split("x"):
        sides = part.split(":")
        if len(sides) > 2:
            raise SpecError("--padding", f"an axis is 'p' or 'low:high', got {part!r}")
        axes.append((parse_integer("--padding", sides[0]),
                     parse_integer("--padding", sides[-1])))
    return tuple(axes)


def broadcast(parameter: str, values: tuple, rank: int) -> tuple:
    """Repeat a single value over ``rank`` axes; otherwise require exactly ``rank`` values."""
    if len(values) == 1:
        return values * rank
    if len(values) != rank:
        raise SpecError(parameter, f"has {len(values)} axes but --input has {rank}")
    return values


def input_axes(text: str) -> tuple[int, ...]:
    """The spatial size: 1, 2 or 3 axes, each in ``1..MAX_AXIS_LENGTH``."""
    sizes = parse_axes("--input", text)
    if len(sizes) not in (1, 2, 3):
        raise SpecError("--input", f"must have 1, 2 or 3 axes, got {len(sizes)}")
    require_positive("--input", sizes, MAX_AXIS_LENGTH)
    return sizes


def window_from_text(input_: str, kernel: str, stride: str, padding: str,
                     dilation: str) -> WindowSpec:
    """A validated :class:`WindowSpec` from the text of the five geometry options."""
    sizes = input_axes(input_)
    rank = len(sizes)
    return WindowSpec(
        input=sizes,
        kernel=broadcast("--kernel", parse_axes("--kernel", kernel), rank),
        stride=broadcast("--stride", parse_axes("--stride", stride), rank),
        padding=broadcast("--padding", parse_padding(padding), rank),
        dilation=broadcast("--dilation", parse_axes("--dilation", dilation), rank),
    )


def given(options: Mapping[str, Any], name: str, default):
    """The option's value, or ``default`` when it was not given."""
    value = options.get(name)
    return default if value is None else value


def window_options(options: Mapping[str, Any], kernel_default: str = "2",
                   stride_default: str | None = None, dilation: bool = True) -> WindowSpec:
    """The window geometry from the options; pooling defaults the stride to the kernel.

    Defaults are single values, so they take the rank of ``--input``.
    """
    kernel = given(options, "kernel", kernel_default)
    return window_from_text(given(options, "input", "3x3"), kernel,
                            given(options, "stride", stride_default or "1"),
                            given(options, "padding", "0"),
                            given(options, "dilation", "1") if dilation else "1")


def _axes_text(name: str, value) -> str:
    """Python values of a geometry option as option text: ``(5, 5)`` -> ``"5x5"``."""
    def integer(v) -> str:
        if isinstance(v, bool) or not isinstance(v, int):
            raise SpecError(flag(name), f"expected integers, got {v!r}")
        if v < 0:
            raise SpecError(flag(name), f"must not be negative, got {v}")
        return str(int(v))

    def padding_axis(v) -> str:
        if isinstance(v, (tuple, list)):
            if len(v) != 2:
                raise SpecError("--padding", f"an axis is p or (low, high), got {v!r}")
            return f"{integer(v[0])}:{integer(v[1])}"
        return integer(v)

    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return integer(value)
    if isinstance(value, (tuple, list)) and value:
        axis = padding_axis if name == "padding" else integer
        return "x".join(axis(v) for v in value)
    raise SpecError(flag(name), f"expected an integer, a tuple of integers or text, "
                                f"got {value!r}")


def normalise(values: Mapping[str, Any]) -> dict[str, Any]:
    """Option values from Python (ints, tuples, text) in the form the layers parse.

    >>> normalise({"input": (5, 5), "kernel": 3, "padding": ((0, 1), 2), "batch": "2"})
    {'input': '5x5', 'kernel': '3', 'padding': '0:1x2', 'batch': 2}
    """
    result: dict[str, Any] = {}
    for name, value in values.items():
        if name not in ALL_OPTIONS:
            known = ", ".join(sorted(ALL_OPTIONS))
            raise SpecError(name, f"is not an option (options: {known})")
        if value is None:
            continue
        if name in GEOMETRY:
            result[name] = _axes_text(name, value)
        elif name in COUNTS:
            if isinstance(value, str):
                value = parse_integer(flag(name), value)
            if isinstance(value, bool) or not isinstance(value, int):
                raise SpecError(flag(name), f"expected an integer, got {value!r}")
            result[name] = value
        else:
            if not isinstance(value, bool):
                raise SpecError(flag(name), f"expected True or False, got {value!r}")
            result[name] = value
    return result


def refuse_foreign(layer_name: str, accepted: frozenset[str], options: Mapping[str, Any]) -> None:
    """Options the layer does not have are refused, naming the first one."""
    for name in sorted(options):
        if options[name] is not None and name not in accepted:
            raise SpecError(flag(name), f"does not apply to --layer {layer_name}")


def count(options: Mapping[str, Any], name: str, default: int = 1) -> int:
    """An integer option, ``default`` when absent; text is parsed as ASCII digits."""
    value = given(options, name, default)
    return parse_integer(flag(name), value) if isinstance(value, str) else value

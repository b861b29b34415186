"""A small covering set of specs per layer: every geometry case backward passes get wrong.

Padding 0, stride > 1 with several windows, overlapping pooling windows, non-square input
and kernel, leftover rows r > 0 (and r >= d, where dropping -r in dW's padding is wrong),
padding > k - 1, asymmetric padding, dilation, groups, 1-d and 3-d. Each case is the options
of :func:`symconv.testing.check_backward`, with a readable id::

    @pytest.mark.parametrize("options", sweep("conv"))
    def test_my_conv(options):
        assert_backward(my_backward, "conv", **options)
"""

from __future__ import annotations

from collections.abc import Callable

from symconv.testing.check import layer_spec

CONV = [
    {"input": (6, 6), "kernel": 3, "stride": 1, "padding": 0, "in_channels": 2,
     "out_channels": 3, "batch": 2},
    {"input": (5, 5), "kernel": 3, "stride": 2, "padding": 1, "in_channels": 2,
     "out_channels": 3, "batch": 2},
    {"input": (6, 6), "kernel": 3, "stride": 2, "padding": 0, "in_channels": 2,
     "out_channels": 3, "batch": 2},
    {"input": (7, 5), "kernel": (3, 2), "stride": (2, 1), "padding": (1, 0), "in_channels": 2,
     "out_channels": 2},
    {"input": (4, 6), "kernel": 3, "stride": 1, "padding": 1, "out_channels": 2, "batch": 2},
    {"input": (4, 4), "kernel": 2, "stride": 1, "padding": 2, "out_channels": 2},
    {"input": (5, 5), "kernel": 3, "stride": 2, "padding": 2, "in_channels": 2,
     "out_channels": 2},
    {"input": (5, 5), "kernel": 3, "stride": 1, "padding": ((0, 2), (1, 0))},
    {"input": (8, 8), "kernel": 2, "stride": 3, "padding": ((0, 1), (0, 1))},
    {"input": (9, 9), "kernel": 3, "stride": 2, "padding": 1, "dilation": 2,
     "out_channels": 2},
    {"input": (4, 4), "kernel": 3, "padding": 1, "in_channels": 4, "out_channels": 4,
     "groups": 2},
    {"input": 7, "kernel": 2, "stride": 3, "in_channels": 2, "out_channels": 2, "batch": 2},
    {"input": 7, "kernel": 3, "stride": 2, "padding": 1, "in_channels": 2, "out_channels": 3,
     "batch": 2},
    {"input": (4, 4, 4), "kernel": 2, "stride": 2, "out_channels": 2},
    {"input": (5, 4, 6), "kernel": 3, "stride": 2, "padding": 1, "in_channels": 2,
     "out_channels": 2},
]
MAXPOOL = [
    {"input": (4, 4), "kernel": 2, "in_channels": 2, "batch": 2},
    {"input": (5, 5), "kernel": 3, "stride": 2, "padding": 1},
    {"input": (6, 6), "kernel": 3, "stride": 2},
    {"input": (5, 5), "kernel": 3, "stride": 1},
    {"input": (5, 7), "kernel": (3, 2), "stride": (2, 1)},
    {"input": (4, 6), "kernel": 2},
    {"input": 9, "kernel": 3, "stride": 2, "padding": 1, "dilation": 2},
    {"input": 8, "kernel": 3, "stride": 2, "in_channels": 2},
    {"input": (4, 4, 4), "kernel": 2},
    {"input": (4, 5, 4), "kernel": 2, "stride": 1},
]
AVGPOOL = [
    {"input": (6, 6), "kernel": 2, "in_channels": 2, "batch": 2},
    {"input": (5, 5), "kernel": 3, "stride": 2, "padding": 1},
    {"input": (6, 6), "kernel": 3, "stride": 2},
    {"input": (5, 4), "kernel": (3, 2), "stride": (2, 1)},
    {"input": 6, "kernel": 3, "stride": 2, "padding": 1, "count_include_pad": False},
    {"input": 7, "kernel": 3, "stride": 2, "padding": 1, "batch": 2},
    {"input": (4, 4, 4), "kernel": 2},
]
RELU = [{"input": (3, 4), "in_channels": 2, "batch": 2}, {"input": 7},
        {"input": (2, 3, 2)}]
LINEAR = [{"in_features": 3, "out_features": 2, "batch": 2},
          {"in_features": 4, "out_features": 4, "batch": 3},
          {"in_features": 1, "out_features": 5}]
SOFTMAX = [{"classes": 3, "batch": 2}, {"classes": 5}, {"classes": 2, "batch": 4}]
CASES = {"conv": CONV, "maxpool": MAXPOOL, "avgpool": AVGPOOL, "relu": RELU,
         "linear": LINEAR, "softmax-ce": SOFTMAX}


def _axes(values) -> str:
    """``[2, 2]`` -> ``"2"``; ``[3, 2]`` -> ``"3x2"``."""
    values = list(values)
    return str(values[0]) if len(set(map(str, values))) == 1 else "x".join(map(str, values))


def case_id(spec: dict) -> str:
    """A readable pytest id from a spec's ``as_dict()``, e.g. ``in6x6-k3-s2-p0-r1-n2c2f3``."""
    layer = spec["layer"]
    if layer == "linear":
        return f"in{spec['in_features']}-out{spec['out_features']}-n{spec['batch']}"
    if layer == "softmax-ce":
        return f"classes{spec['classes']}-n{spec['batch']}"
    if layer == "relu" or "kernel" not in spec:
        shape = spec["input_shape"]
        return f"in{'x'.join(map(str, shape[2:]))}-n{shape[0]}c{shape[1]}"
    padding = [f"{lo}:{hi}" if lo != hi else str(lo) for lo, hi in spec["padding"]]
    parts = [f"in{'x'.join(map(str, spec['input']))}", f"k{_axes(spec['kernel'])}",
             f"s{_axes(spec['stride'])}", f"p{_axes(padding)}"]
    if any(d != 1 for d in spec["dilation"]):
        parts.append(f"d{_axes(spec['dilation'])}")
    if spec.get("groups", 1) != 1:
        parts.append(f"g{spec['groups']}")
    if spec.get("count_include_pad") is False:
        parts.append("exclude-pad")
    parts.append(f"r{_axes(spec['leftover'])}")
    if layer == "conv":
        parts.append(f"n{spec['batch']}c{spec['in_channels']}f{spec['out_channels']}")
    else:
        parts.append(f"n{spec['batch']}c{spec['channels']}")
    return "-".join(parts)


def cases(layer: str, supports: Callable[[dict], bool] | None = None,
          rank: int | None = None) -> list[tuple[str, dict]]:
    """``[(id, options)]`` for ``layer``, keeping the specs ``supports(spec.as_dict())``
    accepts and, when ``rank`` is given, only that many spatial axes."""
    record, _ = layer_spec(layer, {})
    result = []
    for options in CASES[record.name]:
        spec = layer_spec(record, options)[1].as_dict()
        if rank is not None and len(spec.get("input", spec.get("input_shape", [])[2:])) != rank:
            continue
        if supports is not None and not supports(spec):
            continue
        result.append((case_id(spec), dict(options)))
    return result


def sweep(layer: str, supports: Callable[[dict], bool] | None = None,
          rank: int | None = None) -> list:
    """``pytest.param(options, id=...)`` for every case of ``layer`` (see :func:`cases`),
    ready for ``@pytest.mark.parametrize("options", sweep("conv"))``."""
    import pytest
    return [pytest.param(options, id=name) for name, options in cases(layer, supports, rank)]

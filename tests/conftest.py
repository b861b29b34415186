"""Shared test helpers: a compact way to write a convolution spec."""

from __future__ import annotations

import pytest

from symconv.algebra.geometry import WindowSpec
from symconv.layers.conv.spec import ConvSpec


def conv(input_, kernel, stride=1, padding=0, dilation=1, cin=1, cout=1, groups=1, batch=1):
    """A ConvSpec; scalars apply to every axis, padding may be an int or per-axis (lo, hi)."""
    rank = len(input_)

    def axes(value):
        return tuple(value) if isinstance(value, tuple) else (value,) * rank

    if isinstance(padding, int):
        pads = ((padding, padding),) * rank
    else:
        pads = tuple(p if isinstance(p, tuple) else (p, p) for p in padding)
    window = WindowSpec(tuple(input_), axes(kernel), axes(stride), pads, axes(dilation))
    return ConvSpec(window, cin, cout, groups, batch)


# The awkward cases of DESIGN §5; ids say what makes each one awkward.
AWKWARD = {
    "classic-3x3-k2": conv((3, 3), 2),
    "5x5-k3-s2-p1": conv((5, 5), 3, 2, 1),
    "leftover-r1": conv((6, 6), 3, 2, 0),
    "r-greater-than-p_hi": conv((8, 8), 2, 3, ((0, 1), (0, 1))),
    "asymmetric-padding": conv((5, 4), 3, 1, ((0, 2), (1, 0))),
    "dilation-with-stride": conv((9, 8), 3, 2, 1, 2),
    "groups": conv((4, 4), 3, 1, 1, cin=4, cout=6, groups=2, batch=2),
    "depthwise": conv((5, 5), 3, 2, 0, cin=3, cout=3, groups=3),
    "1d": conv((7,), 3, 2, ((2, 1),), 1, cin=2, cout=3),
    "3d": conv((4, 5, 4), 2, 2, 1, cin=2, cout=2),
    "kernel-fills-padded-input": conv((3, 3), 5, 1, 1),
    "big-padding-crop": conv((3,), 2, 1, ((3, 4),)),
    "rank-mixed-geometry": conv((7, 6), (3, 2), (2, 3), ((1, 0), (2, 2)), (2, 1)),
}


@pytest.fixture(params=sorted(AWKWARD), ids=sorted(AWKWARD))
def awkward_spec(request):
    return AWKWARD[request.param]

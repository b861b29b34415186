"""Render a generated module for a spec and import it from a temporary folder; random
convolution problems for it."""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path

import numpy as np

from symconv.catalogue import from_arguments
from symconv.layers.conv.layer import LAYER as CONV
from symconv.render.artifacts import generate

IM2COL_FORCED = {"SHIFT_GRID": 0, "PHASES_GRID": 0}
"""Rule limits (symconv.layers.conv.module) that keep a spec on im2col, however the grid
limits are tuned."""

_FOLDER = Path(tempfile.mkdtemp(prefix="symconv-generated-"))
_LOADED: dict = {}
_BY_OPTIONS: dict = {}


def import_source(source: str, name: str):
    path = _FOLDER / f"{name}.py"
    path.write_text(source)
    loader = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    return module


def module_for(spec):
    """(module, derivation) for ``spec``, generated once per test session."""
    if spec not in _LOADED:
        source, derivation = generate(CONV, spec)
        _LOADED[spec] = import_source(source, f"conv_{len(_LOADED)}"), derivation
    return _LOADED[spec]


def module_from_arguments(options: str):
    """(module, spec) for command-line ``options`` of any layer: generated (and proven) once
    per test session."""
    if options not in _BY_OPTIONS:
        layer, spec = from_arguments(options)
        source, derivation = generate(layer, spec)
        assert derivation.proven
        _BY_OPTIONS[options] = import_source(source, f"layer_{len(_BY_OPTIONS)}"), spec
    return _BY_OPTIONS[options]


def random_problem(spec, dtype=np.float64, seed=0, batch=None):
    """Standard-normal ``(x, w, b, dy)`` for a conv ``spec`` (``batch`` images if given)."""
    rng = np.random.default_rng(seed)
    batch = spec.batch if batch is None else batch
    x = rng.standard_normal((batch, *spec.input_shape[1:])).astype(dtype)
    w = rng.standard_normal(spec.weight_shape).astype(dtype)
    b = rng.standard_normal(spec.out_channels).astype(dtype)
    dy = rng.standard_normal((batch, *spec.output_shape[1:])).astype(dtype)
    return x, w, b, dy


def geometry(spec):
    """(stride, padding, dilation, groups) of a conv ``spec``: the loop reference's arguments."""
    w = spec.window
    return w.stride, w.padding, w.dilation, spec.groups

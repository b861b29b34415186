"""Render a generated module for a spec and import it from a temporary folder."""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path

from symconv.layers.conv.layer import LAYER as CONV
from symconv.render.artifacts import generate

_FOLDER = Path(tempfile.mkdtemp(prefix="symconv-generated-"))
_LOADED: dict = {}


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

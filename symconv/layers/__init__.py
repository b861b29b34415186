"""The layers symconv proves, one folder each.

Each folder holds its spec (``spec.py``: options, validation, symbolic budget; light, no SymPy),
its maths, its document and module hooks, and its :class:`~symconv.engine.contract.Layer`
record (``layer.py``). :mod:`symconv.layers.registry` lists the records by ``--layer`` name;
:mod:`symconv.layers.specs` lists just the specs, so that options can be checked and oversized
instances refused before the maths (and SymPy) is loaded.
"""

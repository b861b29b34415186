"""The numbers of each document's worked example are what the generated module computes.

The document evaluates the proven derivation at small integers (each layer's
``worked_example``); here the golden NumPy module runs on the same arrays, called as
``symconv.testing`` calls any backward, and must return the same gradients.
"""

from __future__ import annotations

import numpy as np
import pytest

from symconv.catalogue import CASES, case_derivation
from symconv.testing.check import CONVENTIONS
from tests.test_documents import golden_module


@pytest.mark.parametrize("case", sorted(CASES))
def test_worked_example_matches_the_generated_module(case):
    derivation = case_derivation(case)
    example = derivation.layer.worked_example(derivation)
    if example is None:
        pytest.skip("no worked example for a layer this large")
    _, _, module = golden_module(case)
    convention = CONVENTIONS[derivation.layer.name]
    inputs = {name: array if name == "y" else array.astype(float)
              for name, array in example["inputs"].items()}
    got = module.backward(*(inputs[name] for name in convention.arguments))
    got = got if len(convention.outputs) > 1 else (got,)
    assert len(got) == len(convention.outputs)
    for name, value in zip(convention.outputs, got):
        np.testing.assert_allclose(value, example["gradients"][name], rtol=1e-12, atol=1e-15,
                                   err_msg=f"d{name}")


@pytest.mark.parametrize("case, entry", [("5x5-k3-s2-p1", (0, 0, 2, 2)),
                                         ("linear-3-2-b2", (0, 0))])
def test_worked_example_numbers_are_printed(case, entry):
    derivation = case_derivation(case)
    example = derivation.layer.worked_example(derivation)
    value = int(example["gradients"]["X"][entry])
    assert f"= {value}." in derivation.latex()


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_document_teaches_with_numbers_a_summary_and_exercises(case):
    page = case_derivation(case).markdown()
    for needle in ("## A worked example with numbers", "## Summary\n\n> **",
                   "## Exercises", "**Answers.**"):
        assert needle in page, needle

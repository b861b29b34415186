"""The numbers of each document's worked example are what the generated module computes.

The document evaluates the proven polynomials at small integers; here the golden NumPy
module runs on the same arrays and must return the same gradients.
"""

from __future__ import annotations

import numpy as np
import pytest

from symconv.catalogue import CASES, case_derivation
from symconv.layers.conv.document import worked_example
from tests.test_documents import golden_module

CONV_CASES = sorted(c for c in CASES if "--layer" not in CASES[c])


@pytest.mark.parametrize("case", CONV_CASES)
def test_worked_example_matches_the_generated_module(case):
    derivation = case_derivation(case)
    example = worked_example(derivation)
    if example is None:
        pytest.skip("no worked example for a layer this large")
    _, _, module = golden_module(case)
    inputs = {name: array.astype(float) for name, array in example["inputs"].items()}
    dx, dw, db = module.backward(inputs["G"], inputs["X"], inputs["W"])
    np.testing.assert_array_equal(dx, example["gradients"]["X"])
    np.testing.assert_array_equal(dw, example["gradients"]["W"])
    np.testing.assert_array_equal(db, example["gradients"]["b"])


def test_worked_example_numbers_are_printed():
    derivation = case_derivation("5x5-k3-s2-p1")
    example = worked_example(derivation)
    tex = derivation.latex()
    value = int(example["gradients"]["X"][0, 0, 2, 2])
    assert f"= {value}." in tex

"""The softmax + cross-entropy spec: classes and batch."""

from __future__ import annotations

from dataclasses import dataclass

from symconv.algebra.geometry import MAX_BATCH, require_positive
from symconv.engine.contract import Options
from symconv.engine.options import count
from symconv.errors import SpecError

OPTIONS = frozenset({"classes", "batch"})
MAX_TERMS = 200   # the symbolic budget: logits (each a SymPy rational function)


@dataclass(frozen=True)
class SoftmaxSpec:
    classes: int = 3
    batch: int = 1

    size_option = "--classes"

    def __post_init__(self) -> None:
        require_positive("--classes", [self.classes], 1024)
        if self.classes < 2:
            raise SpecError("--classes", f"must be at least 2, got {self.classes}")
        require_positive("--batch", [self.batch], MAX_BATCH)

    @property
    def forward_terms(self) -> int:
        return self.batch * self.classes

    @property
    def symbol_count(self) -> int:
        """Entries of Z and Y."""
        return 2 * self.batch * self.classes

    def summary(self) -> str:
        return (f"softmax-ce: {self.classes} classes, batch {self.batch}\n"
                f"L = mean over the batch of -sum_c Y_c log softmax(Z)_c")

    def as_dict(self) -> dict:
        return {"layer": "softmax-ce", "classes": self.classes, "batch": self.batch,
                "input_shape": [self.batch, self.classes], "output_shape": []}


def spec_from_options(options: Options) -> SoftmaxSpec:
    return SoftmaxSpec(count(options, "classes", 3), count(options, "batch"))

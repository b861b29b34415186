"""The softmax + cross-entropy spec: classes and batch."""

from __future__ import annotations

from dataclasses import dataclass

from symconv.algebra.geometry import MAX_BATCH, require_positive
from symconv.engine.contract import Options
from symconv.engine.options import count
from symconv.errors import SpecError

OPTIONS = frozenset({"classes", "batch"})
MAX_TERMS = 200   # the symbolic budget: logits (each a SymPy rational function)
MAX_PROOF_WORK = 8_000
"""Most ``batch * classes**3`` a proof may take: SymPy cancels each of the batch * classes**2
Jacobian entries, at a cost growing about like ``classes`` (measured: 16 classes 22 s, 10
classes x batch 8 60 s on 2 loaded cores)."""


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
    def over_budget(self) -> str | None:
        """Why proving this instance would take more than about a minute, or ``None``."""
        work = self.batch * self.classes ** 3
        if work <= MAX_PROOF_WORK:
            return None
        return (f"proving needs batch * classes^3 = {work:,} units of SymPy work (one rational "
                f"cancellation per Jacobian entry); the limit is {MAX_PROOF_WORK:,}, about a "
                f"minute (codegen and check evaluate larger instances exactly instead)")

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

"""The fully connected layer's spec: features and batch."""

from __future__ import annotations

from dataclasses import dataclass

from symconv.algebra.geometry import MAX_BATCH, MAX_CHANNELS, require_positive
from symconv.engine.contract import Options
from symconv.engine.options import count

OPTIONS = frozenset({"in_features", "out_features", "batch"})
MAX_TERMS = 1_000_000   # the symbolic budget: products ``X W`` (2.1M took 92 s, 2.4 GB)


@dataclass(frozen=True)
class LinearSpec:
    in_features: int = 3
    out_features: int = 2
    batch: int = 1

    size_option = "--in-features"

    def __post_init__(self) -> None:
        require_positive("--in-features", [self.in_features], MAX_CHANNELS)
        require_positive("--out-features", [self.out_features], MAX_CHANNELS)
        require_positive("--batch", [self.batch], MAX_BATCH)

    @property
    def forward_terms(self) -> int:
        """Products ``X W`` in the forward pass."""
        return self.batch * self.in_features * self.out_features

    @property
    def symbol_count(self) -> int:
        """Entries of X, W, b and G."""
        return ((self.batch + self.out_features) * self.in_features
                + (self.batch + 1) * self.out_features)

    def summary(self) -> str:
        return (f"linear: {self.in_features} -> {self.out_features} features, batch "
                f"{self.batch}\nY = X W^T + b with X ({self.batch}, {self.in_features}), "
                f"W ({self.out_features}, {self.in_features})")

    def as_dict(self) -> dict:
        return {"layer": "linear", "in_features": self.in_features,
                "out_features": self.out_features, "batch": self.batch,
                "input_shape": [self.batch, self.in_features],
                "weight_shape": [self.out_features, self.in_features],
                "output_shape": [self.batch, self.out_features]}


def spec_from_options(options: Options) -> LinearSpec:
    return LinearSpec(count(options, "in_features", 3), count(options, "out_features", 2),
                      count(options, "batch"))

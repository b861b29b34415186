"""The elementwise spec: an ``(N, C, *spatial)`` array."""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

from symconv.algebra.geometry import MAX_BATCH, MAX_CHANNELS, axes_text, require_positive
from symconv.engine.contract import Options
from symconv.engine.options import count, given, input_axes

OPTIONS = frozenset({"input", "in_channels", "batch"})
MAX_TERMS = 10_000   # the symbolic budget: elements, each a case split (19,881 took 63 s)


@dataclass(frozen=True)
class ElementwiseSpec:
    """An elementwise layer on ``(N, C, *spatial)`` arrays."""

    layer: str
    spatial: tuple[int, ...]
    channels: int = 1
    batch: int = 1

    size_option = "--input"

    def __post_init__(self) -> None:
        require_positive("--in-channels", [self.channels], MAX_CHANNELS)
        require_positive("--batch", [self.batch], MAX_BATCH)

    @property
    def shape(self) -> tuple[int, ...]:
        return (self.batch, self.channels, *self.spatial)

    input_shape = output_shape = shape

    @property
    def forward_terms(self) -> int:
        return prod(self.shape)

    @property
    def symbol_count(self) -> int:
        """X, G and one region indicator per entry."""
        return 3 * prod(self.shape)

    def summary(self) -> str:
        return (f"{self.layer}: input {axes_text(self.spatial)}, channels {self.channels}, "
                f"batch {self.batch}\noutput {axes_text(self.spatial)} (elementwise)")

    def as_dict(self) -> dict:
        return {"layer": self.layer, "input": list(self.spatial), "channels": self.channels,
                "batch": self.batch, "input_shape": list(self.shape),
                "output_shape": list(self.shape)}


def spec_from_options(options: Options) -> ElementwiseSpec:
    return ElementwiseSpec("relu", input_axes(given(options, "input", "3x3")),
                           count(options, "in_channels"), count(options, "batch"))

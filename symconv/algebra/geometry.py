"""Window geometry: which input position each tap of each window reads.

The index rule lives here and nowhere else: tap ``j`` of window ``i`` reads position
``s*i + d*j`` of the padded input, which is input position ``u = s*i + d*j - p_lo``
(padding when ``u`` falls outside ``0..n-1``). The forward passes, the documents and the code
generator read window positions from :class:`WindowSpec`; the closed forms of the proofs do
not — they are built from the verbs only, so a mistake here fails the proof.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import product

from symconv.algebra import arithmetic
from symconv.errors import SpecError

MAX_AXIS_LENGTH = 4096
MAX_CHANNELS = 4096
MAX_BATCH = 1024

Index = tuple[int, ...]


def require_positive(parameter: str, values, limit: int) -> None:
    """Refuse any value that is not an integer in ``1..limit``."""
    for value in values:
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise SpecError(parameter, f"must be a positive integer, got {value!r}")
        if value > limit:
            raise SpecError(parameter, f"must be at most {limit}, got {value}")


def axes_text(values) -> str:
    """``(5, 5)`` -> ``"5x5"``."""
    return "x".join(str(v) for v in values)


def padding_text(padding) -> str:
    """``((1, 1), (0, 2))`` -> ``"1x0:2"``."""
    return "x".join(f"{lo}:{hi}" if lo != hi else str(lo) for lo, hi in padding)


def padded_position(i: int, j: int, s: int, d: int) -> int:
    """Position in the padded input read by tap ``j`` of window ``i``: ``s*i + d*j``.

    >>> padded_position(2, 1, 2, 3)
    7
    """
    return s * i + d * j


@dataclass(frozen=True)
class WindowSpec:
    """Geometry of a sliding window over ``len(input)`` spatial axes (1, 2 or 3).

    ``padding`` holds one ``(low, high)`` pair per axis; the other tuples one value per axis.
    """

    input: tuple[int, ...]
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[tuple[int, int], ...]
    dilation: tuple[int, ...]

    def __post_init__(self) -> None:
        rank = len(self.input)
        if rank not in (1, 2, 3):
            raise SpecError("--input", f"must have 1, 2 or 3 axes, got {rank}")
        for name, value in (("--kernel", self.kernel), ("--stride", self.stride),
                            ("--padding", self.padding), ("--dilation", self.dilation)):
            if len(value) != rank:
                raise SpecError(name, f"has {len(value)} axes but --input has {rank}")
        require_positive("--input", self.input, MAX_AXIS_LENGTH)
        require_positive("--kernel", self.kernel, MAX_AXIS_LENGTH)
        require_positive("--stride", self.stride, MAX_AXIS_LENGTH)
        require_positive("--dilation", self.dilation, MAX_AXIS_LENGTH)
        for lo_hi in self.padding:
            for side in lo_hi:
                if not isinstance(side, int) or isinstance(side, bool) or side < 0:
                    raise SpecError("--padding", f"must be a non-negative integer, got {side!r}")
                if side > MAX_AXIS_LENGTH:
                    raise SpecError("--padding", f"must be at most {MAX_AXIS_LENGTH}, got {side}")
        for axis in range(rank):
            padded = self.input[axis] + sum(self.padding[axis])
            span = self.effective_kernel[axis]
            if span > padded:
                raise SpecError(
                    "--kernel",
                    f"dilated kernel span {span} exceeds padded input {padded} on axis {axis}"
                    " (need d*(k-1)+1 <= n + p_lo + p_hi)",
                )

    @property
    def rank(self) -> int:
        return len(self.input)

    def _per_axis(self, formula) -> tuple[int, ...]:
        return tuple(formula(n, k, s, d, lo, hi) for n, k, s, d, (lo, hi) in
                     zip(self.input, self.kernel, self.stride, self.dilation, self.padding))

    @property
    def effective_kernel(self) -> tuple[int, ...]:
        """``K = d(k-1) + 1`` per axis."""
        return tuple(arithmetic.effective_kernel(k, d) for k, d in zip(self.kernel, self.dilation))

    @property
    def output(self) -> tuple[int, ...]:
        """``m = floor((n + p_lo + p_hi - K) / s) + 1`` per axis."""
        return self._per_axis(arithmetic.output_length)

    @property
    def leftover(self) -> tuple[int, ...]:
        """``r = (n + p_lo + p_hi - K) mod s`` per axis."""
        return self._per_axis(arithmetic.leftover)

    def axis_reads(self, axis: int) -> list[tuple[int, int, int]]:
        """``(i, j, u)`` on one axis for every tap that reads the input (not padding)."""
        n, k, s, d = self.input[axis], self.kernel[axis], self.stride[axis], self.dilation[axis]
        lo = self.padding[axis][0]
        reads = []
        for i in range(self.output[axis]):
            for j in range(k):
                u = padded_position(i, j, s, d) - lo
                if 0 <= u < n:
                    reads.append((i, j, u))
        return reads

    def reads(self) -> list[tuple[Index, Index, Index]]:
        """Every ``(i, j, u)``: window ``i``, tap ``j``, input position ``u`` it reads."""
        per_axis = [self.axis_reads(axis) for axis in range(self.rank)]
        return [tuple(zip(*combo)) for combo in product(*per_axis)]

    def taps(self, i: Index) -> list[tuple[Index, Index]]:
        """``(j, u)`` for the taps of window ``i`` that read the input, in scan order.

        >>> WindowSpec((3,), (2,), (1,), ((1, 0),), (1,)).taps((0,))
        [((1,), (0,))]
        """
        per_axis = [[(j, u) for a, j, u in self.axis_reads(axis) if a == i[axis]]
                    for axis in range(self.rank)]
        return [(tuple(j for j, _ in combo), tuple(u for _, u in combo))
                for combo in product(*per_axis)]

    def empty_window(self) -> Index | None:
        """A window whose taps all land on padding, or ``None`` when every window reads input."""
        for axis in range(self.rank):
            read = {i for i, _, _ in self.axis_reads(axis)}
            for i in range(self.output[axis]):
                if i not in read:
                    return tuple(i if a == axis else 0 for a in range(self.rank))
        return None

    def proof_window(self, outputs: int = 3) -> WindowSpec:
        """The same geometry on a shorter input: axes with more than ``outputs`` windows get
        ``n' = s(outputs-1) + K + r - p_lo - p_hi``, which keeps ``r`` and gives ``outputs``
        windows — enough to exercise overlap, stride and both edges.

        >>> WindowSpec((64,), (3,), (2,), ((1, 1),), (1,)).proof_window().input
        (6,)
        """
        sizes = []
        for n, s, big_k, (lo, hi), m, r in zip(self.input, self.stride, self.effective_kernel,
                                                self.padding, self.output, self.leftover):
            shorter = s * (outputs - 1) + big_k + r - lo - hi
            sizes.append(shorter if m > outputs and shorter >= 1 else n)
        return replace(self, input=tuple(sizes))

    @property
    def read_count(self) -> int:
        """Number of (window, tap) pairs that read the input rather than padding."""
        count = 1
        for axis in range(self.rank):
            count *= len(self.axis_reads(axis))
        return count

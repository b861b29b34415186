"""A small exact linear-feasibility solver: find ``x >= 0`` with ``A x = b`` over the rationals.

Phase I of the simplex method on a fraction-free integer tableau: every row is kept as integers
times an implicit positive scale, so pivots use integer arithmetic only (rows are divided by
their gcd to keep numbers small). Dantzig's pivot rule first, then Bland's rule, which cannot
cycle. Only the certificate *search* uses it; certificates are re-checked independently.
"""

from __future__ import annotations

from fractions import Fraction
from math import gcd, lcm


def _integer_row(values: list) -> list[int]:
    """The row times the positive lcm of its denominators."""
    if all(type(v) is int for v in values):
        return list(values)
    scale = lcm(*(Fraction(v).denominator for v in values))
    return [int(Fraction(v) * scale) for v in values]


def _reduce(row: list[int]) -> list[int]:
    """Divide by the gcd of the entries (a positive scale)."""
    common = gcd(*row)
    return [x // common for x in row] if common > 1 else row


def feasible(columns: list[dict], target: dict) -> list[Fraction] | None:
    """Non-negative weights ``x`` with ``sum_c x_c * columns[c] == target`` (as dicts), or None."""
    keys = sorted({key for col in columns for key in col} | set(target), key=repr)
    m, n = len(keys), len(columns)
    rows = []
    for r, key in enumerate(keys):
        row = [col.get(key, 0) for col in columns]
        rhs = target.get(key, 0)
        if rhs < 0:
            row, rhs = [-x for x in row], -rhs
        rows.append(_integer_row(row + [int(r == i) for i in range(m)] + [rhs]))
    basis = [n + i for i in range(m)]
    # Phase I cost: minimise the sum of the artificials; the row holds scaled reduced costs and
    # (last entry) minus the objective. Artificial columns start basic with scale 1 each.
    cost = [0] * (n + m + 1)
    for i, row in enumerate(rows):
        scale = row[basis[i]]
        for j, value in enumerate(row):
            if value:
                cost[j] -= value if scale == 1 else Fraction(value, scale)
    for i in range(m):
        cost[basis[i]] = 0
    cost = _integer_row(cost)
    pivots = 0
    while True:
        negative = [j for j in range(n) if cost[j] < 0]
        if not negative:
            break
        entering = min(negative, key=lambda j: cost[j]) if pivots < 4 * (m + n) else negative[0]
        pivots += 1
        best = None
        for i, row in enumerate(rows):
            if row[entering] > 0:
                ratio = Fraction(row[-1], row[entering])
                if best is None or (ratio, basis[i]) < best[:2]:
                    best = (ratio, basis[i], i)
        if best is None:
            return None
        p = best[2]
        _pivot(rows, p, entering)
        cost[:] = _eliminate(cost, rows[p], entering)
        basis[p] = entering
    if cost[-1] != 0:
        return None
    x = [Fraction(0)] * n
    for i, j in enumerate(basis):
        if j < n:
            x[j] = Fraction(rows[i][-1], rows[i][j])
    return x


def _eliminate(row: list[int], pivot_row: list[int], q: int) -> list[int]:
    """``row * pivot - row[q] * pivot_row`` (zero in column q), a positive rescaling of row."""
    if not row[q]:
        return row
    a, b = pivot_row[q], row[q]
    return _reduce([x * a - b * y for x, y in zip(row, pivot_row)])


def _pivot(rows: list, p: int, q: int) -> None:
    for i, row in enumerate(rows):
        if i != p:
            rows[i] = _eliminate(row, rows[p], q)

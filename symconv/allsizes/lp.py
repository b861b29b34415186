"""A small exact linear-feasibility solver: find ``x >= 0`` with ``A x = b`` over the rationals.

Phase I of the simplex method on a dense tableau of ``Fraction`` entries, Bland's rule (no
cycling). Only the certificate *search* uses it; certificates are re-checked independently.
"""

from __future__ import annotations

from fractions import Fraction


def feasible(columns: list[dict], target: dict) -> list[Fraction] | None:
    """Non-negative weights ``x`` with ``sum_c x_c * columns[c] == target`` (as dicts), or None."""
    keys = sorted({key for col in columns for key in col} | set(target), key=repr)
    m, n = len(keys), len(columns)
    rows = []
    for r, key in enumerate(keys):
        row = [Fraction(col.get(key, 0)) for col in columns]
        rhs = Fraction(target.get(key, 0))
        if rhs < 0:
            row, rhs = [-x for x in row], -rhs
        rows.append(row + [Fraction(int(r == i)) for i in range(m)] + [rhs])
    basis = [n + i for i in range(m)]
    # reduced costs of "minimise the sum of artificials"; the last entry is minus the objective
    cost = [-sum(row[j] for row in rows) for j in range(n)] + [Fraction(0)] * m
    cost.append(-sum(row[-1] for row in rows))
    while True:
        entering = next((j for j in range(n) if cost[j] < 0), None)
        if entering is None:
            break
        best = None
        for i, row in enumerate(rows):
            if row[entering] > 0:
                ratio = row[-1] / row[entering]
                if best is None or (ratio, basis[i]) < best[:2]:
                    best = (ratio, basis[i], i)
        if best is None:
            return None
        _pivot(rows, cost, best[2], entering)
        basis[best[2]] = entering
    if cost[-1] != 0:
        return None
    x = [Fraction(0)] * n
    for i, j in enumerate(basis):
        if j < n:
            x[j] = rows[i][-1]
    return x


def _pivot(rows: list, cost: list, p: int, q: int) -> None:
    pivot_row = rows[p]
    scale = pivot_row[q]
    pivot_row[:] = [x / scale for x in pivot_row]
    nonzero = [j for j, x in enumerate(pivot_row) if x]
    for row in rows + [cost]:
        if row is pivot_row or not row[q]:
            continue
        factor = row[q]
        for j in nonzero:
            row[j] -= factor * pivot_row[j]

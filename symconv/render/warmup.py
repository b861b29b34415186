"""The scalar warm-up every derivation document opens with: f(x, y, z) = (x + y) z.

Forward at the classic point x = -2, y = 5, z = -4: q = x + y = 3, f = q z = -12. Backward by
the chain rule: df/dz = q = 3, df/dq = z = -4, df/dx = df/dq * dq/dx = -4, df/dy = -4.
(At z = +4 the forward value would be +12.) The values below are computed with SymPy.
"""

from __future__ import annotations

import sympy

from symconv.render.figures import Edge, Graph, Node


def scalar_chain_rule() -> dict[str, int]:
    """Values of the forward and backward pass of ``f = (x + y) z`` at ``(-2, 5, -4)``.

    >>> scalar_chain_rule()
    {'x': -2, 'y': 5, 'z': -4, 'q': 3, 'f': -12, 'df_dq': -4, 'df_dz': 3, 'df_dx': -4, 'df_dy': -4}
    """
    x, y, z, q = sympy.symbols("x y z q")
    point = {x: -2, y: 5, z: -4}
    inner = x + y
    outer = q * z
    f = outer.subs(q, inner)
    df_dq = sympy.diff(outer, q).subs(q, inner)
    values = {
        "x": -2, "y": 5, "z": -4,
        "q": inner.subs(point),
        "f": f.subs(point),
        "df_dq": df_dq.subs(point),
        "df_dz": sympy.diff(f, z).subs(point),
        # chain rule: df/dx = df/dq * dq/dx, checked against differentiating f directly
        "df_dx": (df_dq * sympy.diff(inner, x)).subs(point),
        "df_dy": (df_dq * sympy.diff(inner, y)).subs(point),
    }
    assert values["df_dx"] == sympy.diff(f, x).subs(point)
    return {name: int(value) for name, value in values.items()}


def warmup_graph(values: dict[str, int]) -> Graph:
    """The computational graph of ``f = (x + y) z`` with the values above: each edge carries
    its value forward (above) and its gradient back (below)."""
    v = {name: str(value) for name, value in values.items()}
    nodes = [Node("x", "x", 0.0, 0.0), Node("y", "y", 0.0, 2.0), Node("z", "z", 0.0, 4.0),
             Node("q", "+", 3.6, 1.0), Node("f", r"\times", 7.2, 2.5),
             Node("out", "f", 10.0, 2.5)]
    edges = [Edge("x", "q", v["x"], v["df_dx"]), Edge("y", "q", v["y"], v["df_dy"]),
             Edge("q", "f", f"q = {v['q']}", v["df_dq"]), Edge("z", "f", v["z"], v["df_dz"]),
             Edge("f", "out", v["f"], "1")]
    return Graph("warmup", "The warm-up as a graph: values flow forward along the edges "
                 "(above each edge), gradients flow back (below, in red); the gradient on an "
                 "edge is the gradient arriving at its head times the local derivative",
                 nodes, edges, title=r"$f = (x + y)\,z$")

"""The training figures as plain SVG (no plotting library): learning curves and the
confusion matrix of the test split."""

from __future__ import annotations

from html import escape

import numpy as np

FONT = 'font-family="sans-serif" font-size="12"'
COLOURS = {"loss": "#1f77b4", "train_accuracy": "#2ca02c", "test_accuracy": "#d62728"}


def _svg(width: int, height: int, body: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}">\n<rect width="100%" height="100%" fill="white"/>\n'
            + "\n".join(body) + "\n</svg>\n")


def _panel(x0: float, y0: float, width: float, height: float, series: dict[str, list[float]],
           title: str, top: float) -> list[str]:
    """One chart: axes from (x0, y0), epochs 1..n along x, 0..top along y."""
    body = [f'<text x="{x0 + width / 2}" y="{y0 - 8}" text-anchor="middle" {FONT}>'
            f'{escape(title)}</text>',
            f'<rect x="{x0}" y="{y0}" width="{width}" height="{height}" fill="none" '
            f'stroke="#444"/>']
    epochs = max(len(values) for values in series.values())
    for tick in range(5):
        value = top * tick / 4
        y = y0 + height - height * tick / 4
        body.append(f'<line x1="{x0}" x2="{x0 + width}" y1="{y:.1f}" y2="{y:.1f}" '
                    f'stroke="#ddd"/>')
        body.append(f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end" {FONT}>'
                    f'{value:.3g}</text>')
    for epoch in sorted({1, epochs, *range(5, epochs, 5)}):
        x = x0 + width * (epoch - 1) / max(epochs - 1, 1)
        body.append(f'<text x="{x:.1f}" y="{y0 + height + 16}" text-anchor="middle" {FONT}>'
                    f'{epoch}</text>')
    body.append(f'<text x="{x0 + width / 2}" y="{y0 + height + 34}" text-anchor="middle" '
                f'{FONT}>epoch</text>')
    for row, (name, values) in enumerate(series.items()):
        points = " ".join(
            f"{x0 + width * i / max(epochs - 1, 1):.1f},"
            f"{y0 + height - height * min(max(v / top, 0), 1):.1f}"
            for i, v in enumerate(values))
        colour = COLOURS[name]
        body.append(f'<polyline points="{points}" fill="none" stroke="{colour}" '
                    f'stroke-width="2"/>')
        body.append(f'<text x="{x0 + 8}" y="{y0 + 16 + 15 * row}" fill="{colour}" {FONT}>'
                    f'{name.replace("_", " ")}: {values[-1]:.4g}</text>')
    return body


def learning_curves(history: list[dict]) -> str:
    """Mean training loss, and train and test accuracy, per epoch."""
    losses = [entry["loss"] for entry in history]
    left = _panel(60, 30, 300, 220, {"loss": losses}, "training loss (mean cross-entropy)",
                  max(max(losses, default=1.0), 1e-12))
    right = _panel(460, 30, 300, 220,
                   {"train_accuracy": [entry["train_accuracy"] for entry in history],
                    "test_accuracy": [entry["test_accuracy"] for entry in history]},
                   "accuracy", 1.0)
    return _svg(800, 300, left + right)


def confusion(matrix: np.ndarray, title: str = "test split: true class (rows) vs "
                                               "predicted class (columns)") -> str:
    """The confusion matrix as a grid of counts, shaded by the share of its row."""
    classes = len(matrix)
    cell, x0, y0 = 34, 50, 50
    body = [f'<text x="{x0}" y="20" {FONT}>{escape(title)}</text>']
    totals = np.maximum(matrix.sum(axis=1), 1)
    for t in range(classes):
        body.append(f'<text x="{x0 - 8}" y="{y0 + cell * t + cell / 2 + 4}" text-anchor="end" '
                    f'{FONT}>{t}</text>')
        body.append(f'<text x="{x0 + cell * t + cell / 2}" y="{y0 - 6}" text-anchor="middle" '
                    f'{FONT}>{t}</text>')
        for p in range(classes):
            share = matrix[t, p] / totals[t]
            colour = ("#2ca02c" if t == p else "#d62728") if matrix[t, p] else "#ffffff"
            body.append(f'<rect x="{x0 + cell * p}" y="{y0 + cell * t}" width="{cell}" '
                        f'height="{cell}" fill="{colour}" fill-opacity="{0.15 + 0.85 * share:.3f}" '
                        f'stroke="#999"/>')
            if matrix[t, p]:
                x, y = x0 + cell * p + cell / 2, y0 + cell * t + cell / 2 + 4
                body.append(f'<text x="{x}" y="{y}" text-anchor="middle" {FONT}>'
                            f'{matrix[t, p]}</text>')
    size = x0 + cell * classes + 20
    return _svg(max(size, 420), y0 + cell * classes + 20, body)

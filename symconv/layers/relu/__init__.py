"""ReLU: ``Y = max(X, 0)`` and ``dX = dY * [X > 0]``."""

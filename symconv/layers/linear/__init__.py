"""Fully connected: ``Y = X W^T + b``."""

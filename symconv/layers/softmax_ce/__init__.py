"""Softmax followed by cross-entropy, mean over the batch."""

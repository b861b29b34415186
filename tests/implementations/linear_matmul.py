"""Correct: the fully connected layer with matrix products."""


def backward(dy, x, w):
    return dy @ w, dy.T @ x, dy.sum(axis=0)

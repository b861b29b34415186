"""Correct, but writes into dy (the checker passes copies and says so)."""


def backward(dy, x):
    dy[x <= 0] = 0
    return dy

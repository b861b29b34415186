"""The one error type a user sees for bad input: it names the parameter and the rule it broke."""

from __future__ import annotations


class SpecError(ValueError):
    """A layer specification or command-line option that breaks a rule.

    >>> str(SpecError("--stride", "must be a positive integer, got 0"))
    '--stride: must be a positive integer, got 0'
    """

    def __init__(self, parameter: str, rule: str):
        self.parameter = parameter
        self.rule = rule
        super().__init__(f"{parameter}: {rule}")

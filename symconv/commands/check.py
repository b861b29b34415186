"""``check FILE.py:FUNCTION``: verify anyone's backward against the derivation."""

from __future__ import annotations

from symconv.commands.targets import (
    layer_options,
)


def command_check(options) -> int:
    from symconv.testing.command import run_check
    return run_check(options.target, options.layer, layer_options(options), options.sweep,
                     options.json)

"""The command implementations, one module per group of subcommands.

:mod:`symconv.cli` calls :func:`run` only after the arguments parsed, and each command's
module is imported only when that command runs: ``--help``, ``--version`` and argument errors
load no SymPy, and ``prove --all-sizes`` loads no layer.
"""

from __future__ import annotations

import argparse


def run(options: argparse.Namespace) -> int:
    """Run the parsed command; its exit code."""
    command = options.command
    if command in ("prove", "latex") and (options.all_sizes or options.rank is not None):
        from symconv.commands import all_sizes
        if command == "prove":
            return all_sizes.command_prove_all_sizes(options)
        return all_sizes.command_latex_all_sizes(options)
    if command == "check":
        from symconv.commands.check import command_check
        return command_check(options)
    if command == "regenerate":
        from symconv.commands.golden import command_regenerate
        return command_regenerate(options)
    if command in ("network", "train"):
        from symconv.commands import network
        return (network.command_network if command == "network"
                else network.command_train)(options)
    # Every option is checked, and an instance too large to prove refused, before the maths
    # and SymPy load: a bad or oversized spec is answered in milliseconds.
    if command is not None:   # (with no command: the fixed default example)
        from symconv.commands.targets import layer_options
        from symconv.layers.specs import checked_spec
        checked_spec(options.layer, layer_options(options), within_budget=command != "codegen")
    from symconv.commands import layer
    commands = {"prove": layer.command_prove, "codegen": layer.command_codegen,
                "latex": layer.command_latex, None: layer.command_default}
    return commands[command](options)

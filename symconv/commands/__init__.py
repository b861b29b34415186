"""The command implementations; :mod:`symconv.cli` imports this package only after the
arguments parsed, so ``--help``, ``--version`` and argument errors never load SymPy."""

from symconv.commands.check import command_check
from symconv.commands.golden import command_regenerate
from symconv.commands.layer import command_codegen, command_default, command_latex, command_prove
from symconv.commands.network import command_network, command_train

COMMANDS = {"check": command_check, "prove": command_prove, "codegen": command_codegen,
            "latex": command_latex, "regenerate": command_regenerate,
            "network": command_network, "train": command_train, None: command_default}

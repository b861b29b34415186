"""``python -m symconv``: the command line; Ctrl-C even during start-up is one line."""

import os
import sys

try:
    from symconv.cli import run
except KeyboardInterrupt:   # exit at once, as symconv.cli.run does after Ctrl-C
    print("symconv: interrupted", file=sys.stderr)
    sys.stderr.flush()
    os._exit(130)

run()

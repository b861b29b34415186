"""``python -m symconv``: the command line; Ctrl-C even during start-up is one line."""

import sys

try:
    from symconv.cli import main
except KeyboardInterrupt:
    print("symconv: interrupted", file=sys.stderr)
    sys.exit(130)

sys.exit(main())

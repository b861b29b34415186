"""``symconv check FILE.py:FUNCTION --layer ... [options] [--sweep] [--json]``.

Exit 0 when every gradient matches, 1 with the report when one does not, 2 on bad usage or
when the function raises (one line naming the exception).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

from symconv.errors import SpecError
from symconv.testing.check import check_spec, describe, layer_spec
from symconv.testing.sweep import cases

TARGET = "FILE.py:FUNCTION"


def load_function(target: str):
    """The function ``FUNCTION`` of the Python file ``FILE.py``."""
    path, _, name = target.rpartition(":")
    if not path or not name or not path.endswith(".py"):
        raise SpecError(TARGET, f"expected a Python file and a function name, got {target!r}")
    file = Path(path)
    if not file.exists():
        raise SpecError(TARGET, f"{path!r}: no such file")
    if not file.is_file():
        raise SpecError(TARGET, f"{path!r} is not a regular file")
    folder = str(file.resolve().parent)
    sys.path.insert(0, folder)
    try:
        spec = importlib.util.spec_from_file_location(f"symconv_check_{file.stem}", file)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as error:  # noqa: BLE001 - a failing file is bad input
        raise SpecError(TARGET, f"{path!r} could not be imported: {describe(error)}") from None
    finally:
        sys.path.remove(folder)
    if not hasattr(module, name):
        raise SpecError(TARGET, f"{path!r} has no function {name!r}")
    function = getattr(module, name)
    if not callable(function):
        raise SpecError(TARGET, f"{path!r}: {name!r} is a {type(function).__name__}, "
                                f"not a function")
    return function


def run_check(target: str, layer: str, options: dict, sweep: bool, as_json: bool) -> int:
    function = load_function(target)
    if sweep:
        if options:
            given = ", ".join("--" + n.replace("_", "-") for n in sorted(options))
            raise SpecError("--sweep", f"checks the sweep's own specs; drop {given}")
        specs = [(name, layer_spec(layer, case)) for name, case in cases(layer)]
    else:
        specs = [(None, layer_spec(layer, options))]
    results = []
    for name, (record, spec) in specs:
        result = check_spec(function, record, spec)
        if result.error:
            where = f" on {name}" if name else ""
            print(f"symconv: error: {target} raised {result.error}{where}", file=sys.stderr)
            return 2
        results.append((name, result))
    passed = all(result.passed for _, result in results)
    if as_json:
        print(json.dumps({"passed": passed, "cases": [
            {"id": name, **result.as_dict()} for name, result in results]}, indent=2,
            default=str))
    else:
        for _, result in results:
            print(result.summary() if result.passed else result.report())
        print(f"{sum(r.passed for _, r in results)} of {len(results)} "
              f"{'spec' if len(results) == 1 else 'specs'} passed")
    return 0 if passed else 1

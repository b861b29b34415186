"""The layout keeps its promises: no import cycles, maths never imports presentation, every
layer is one typed record, and the public API runs as the README shows."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import symconv
from symconv.engine.contract import Layer
from symconv.layers.registry import LAYERS

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "symconv"
MATHS = ["algebra/", "allsizes/", "engine/", "layers/conv/spec.py", "layers/conv/forward.py",
         "layers/conv/closed_forms.py", "layers/pool/spec.py", "layers/pool/maxpool.py",
         "layers/pool/avgpool.py", "layers/pool/windows.py", "layers/relu/spec.py",
         "layers/relu/maths.py", "layers/linear/maths.py", "layers/softmax_ce/maths.py"]


def imports(path: Path) -> set[str]:
    """Every module named by an import statement in ``path``, function-level ones included."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def module_names() -> dict[str, Path]:
    """``symconv.engine.pipeline`` -> its file, for every module of the package."""
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def import_graph() -> dict[str, set[str]]:
    """Module -> the package's modules it imports (function-level imports included); an
    import of ``a.b.c`` that is not a module counts as an import of ``a.b``."""
    names = module_names()
    graph = {}
    for name, path in names.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                candidates = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                candidates = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            else:
                continue
            for candidate in candidates:
                while candidate and candidate not in names:
                    candidate = candidate.rpartition(".")[0]
                if candidate and candidate != name:
                    targets.add(candidate)
        graph[name] = targets
    return graph


def test_no_import_cycles_or_dynamic_imports():
    graph = import_graph()
    state: dict[str, str] = {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = "open"
        for target in sorted(graph[name]):
            if state.get(target) == "open":
                cycle = trail[trail.index(target):] + [target]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target, [*trail, target])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    for path in module_names().values():
        text = path.read_text()
        assert "import_module(" not in text and "__import__(" not in text, path


def test_the_cycle_check_finds_a_planted_cycle(tmp_path, monkeypatch):
    """The check above can fail: a package whose two modules import each other."""
    package = tmp_path / "symconv"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from symconv import b\n")
    (package / "b.py").write_text("import symconv.a\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", package)
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    with pytest.raises(AssertionError, match="import cycle"):
        test_no_import_cycles_or_dynamic_imports()


@pytest.mark.parametrize("part", MATHS)
def test_maths_never_imports_presentation(part):
    paths = sorted((PACKAGE / part).glob("*.py")) if part.endswith("/") else [PACKAGE / part]
    assert paths
    for path in paths:
        bad = {name for name in imports(path)
               if name.startswith(("symconv.render", "symconv.api", "symconv.cli", "jinja2"))
               or name.endswith((".document", ".module"))}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_every_layer_is_one_complete_record():
    for name, layer in LAYERS.items():
        assert isinstance(layer, Layer) and layer.name == name
        assert (layer.folder / "derivation.md.jinja").is_file()
        assert all(getattr(layer, field) is not None for field in Layer.__dataclass_fields__)


def test_api_snippet_runs_as_written():
    d = symconv.derive("conv", input=(5, 5), kernel=3, stride=2, padding=1)
    assert d.proven is True
    report = d.report()
    assert [i["name"] for i in report["identities"]] == ["dW", "dX", "db"]
    assert d.latex().startswith("\\documentclass") and d.markdown().startswith("# ")
    assert "def backward(dy, x, w)" in d.module_source()
    assert "proven" in d._repr_markdown_() and d._repr_latex_().startswith("$$")


def test_readme_network_example_runs_as_written():
    """The doctest-style block of the README's network section, run by doctest."""
    import doctest

    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Train a CNN from proven kernels"):]
    block = section[section.index("```python\n>>> ") + len("```python\n"):]
    block = block[:block.index("```")]
    test = doctest.DocTestParser().get_doctest(block, {}, "README network", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.summarize(verbose=False) == (0, len(test.examples)) and test.examples


def test_network_api_renders_what_the_command_writes():
    net = symconv.build_network("conv(2,k3) relu linear(3) softmax-ce", input=(1, 5, 5))
    files = net.files()
    assert {"network.py", "proof.json", "derivation.tex", "derivation.md",
            "layer-0-conv.tex"} <= set(files)
    assert files["network.py"] == net.module_source() and files["derivation.md"] == \
        net.markdown()
    assert net.report()["chain"]["checks"][0]["method"] == "exact (SymPy) vs float64"
    assert "exact derivatives" in net._repr_markdown_()


def test_network_api_raises_spec_error_naming_the_layer():
    with pytest.raises(symconv.SpecError, match="layer 0 `conv\\(8\\)`"):
        symconv.build_network("conv(8) relu linear(3) softmax-ce", input=(1, 6, 6))


@pytest.mark.parametrize("options, name", [
    ({"input": (5, 5), "kernel": 0}, "--kernel"),
    ({"input": "5x5", "stride": (1, 2, 3)}, "--stride"),
    ({"input": 7, "classes": 3}, "--classes"),
    ({"input": 7, "colour": 3}, "colour"),
])
def test_api_bad_options_raise_spec_error_naming_the_option(options, name):
    with pytest.raises(symconv.SpecError) as error:
        symconv.derive("conv", **options)
    assert isinstance(error.value, ValueError) and str(error.value).startswith(name)


def test_every_gradient_has_the_shape_of_its_array():
    for layer, options in [("conv", {"input": 5, "kernel": 3}),
                           ("maxpool", {"input": (4, 4), "kernel": 2}),
                           ("relu", {"input": (2, 3)}), ("avgpool", {"input": 6, "kernel": 3}),
                           ("linear", {}), ("softmax-ce", {})]:
        d = symconv.derive(layer, **options)
        for name, gradient in d.gradients.items():
            assert gradient.shape == d.forward.inputs[name].shape, (layer, name)


def test_markdown_and_latex_carry_the_same_sections():
    d = symconv.derive("conv", input=(6, 6), kernel=3, stride=2)
    md = d.markdown()
    headings = [line.lstrip("#").strip() for line in md.splitlines() if line.startswith("## ")]
    tex = d.latex()
    assert headings and all(f"\\section{{{h}}}" in tex for h in headings)
    assert md.count("$$") // 2 >= tex.count("\\begin{align*}")


def test_every_package_and_template_is_installed():
    """``pip install .`` (not only -e) ships every package and every template."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    packages = set(config["packages"])
    found = {".".join(path.parent.relative_to(ROOT).parts)
             for path in PACKAGE.rglob("__init__.py")}
    assert found <= packages, found - packages
    data = config["package-data"]
    for template in PACKAGE.rglob("*.jinja"):
        package = ".".join(template.parent.relative_to(ROOT).parts)
        parent = ".".join(template.parent.parent.relative_to(ROOT).parts)
        assert package in data or (parent in data and any(
            pattern.startswith("*/") for pattern in data[parent])), template

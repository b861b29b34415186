"""Networks of proven kernels: the model syntax, network.py's gradients against the exact
derivatives of the composed loss (SymPy) and against its central finite differences
(float64), training, the IDX loader and the CLI."""

from __future__ import annotations

import ast
import gzip
import importlib.util
import json
import shutil
import struct
import subprocess
import sys

import numpy as np
import pytest

from symconv.catalogue import NETWORKS
from symconv.cli import main
from symconv.errors import SpecError
from symconv.network import build as build_module
from symconv.network import check, data, exact
from symconv.network.artifacts import verify
from symconv.network.build import build
from symconv.network.document import files
from symconv.network.spec import DEFAULT_MODEL, parse_model
from symconv.network.train import Settings, train

# (id, model, input): with and without pooling, 1 and 2 conv layers, padding and stride
MODELS = {
    "conv-linear": ("conv(2,k3) linear(3) softmax-ce", "1x5x5"),
    "conv-relu-maxpool": ("conv(3,k3,p1) relu maxpool(2) linear(3) softmax-ce", "1x6x6"),
    "two-convs-stride-padding": ("conv(2,k3,s2,p1) relu conv(3,k2,p1) relu linear(4) softmax-ce",
                                 "2x7x7"),
    "two-convs-pooling": ("conv(2,k3,p1) relu maxpool(2) conv(2,k3,p1) relu maxpool(2) "
                          "linear(3) softmax-ce", "1x8x8"),
    "avgpool-flatten-hidden-linear": ("conv(2,k3,p0:1x1:0) avgpool(2) flatten linear(5) relu "
                                      "linear(3) softmax-ce", "1x6x6"),
    "overlapping-maxpool-dilation-groups": ("conv(4,k2,d2) relu maxpool(k3,s2,p1) "
                                            "conv(4,k3,p1,g2) linear(3) softmax-ce", "2x7x7"),
    "1d": ("conv(3,k3,s2) relu maxpool(2) linear(3) softmax-ce", "2x11"),
    # a first layer that flattens hands nothing on; a ReLU of a ReLU is the identity
    "linear-first-relu-twice": ("linear(4) relu relu linear(3) softmax-ce", "1x4x4"),
}


@pytest.fixture(scope="module")
def networks():
    """Each model of MODELS, proven and loaded (built once per test run)."""
    return {name: check.load(build(parse_model(*MODELS[name])).source()) for name in MODELS}


@pytest.mark.parametrize("name", list(MODELS))
def test_gradients_equal_central_differences_of_the_loss(networks, name):
    result = check.check(networks[name], name, every=True)
    assert result.passed, result.failures
    assert result.compared == sum(v.size for v in networks[name].init(0).values())


@pytest.mark.parametrize("name", ["conv-relu-maxpool", "two-convs-stride-padding"])
def test_float32_follows_float64(networks, name):
    net = networks[name]
    assert check.float32_agrees(net) < 1e-4
    params = net.init(3, dtype=np.float32)
    x = np.random.default_rng(0).standard_normal((4, *net.INPUT_SHAPE))
    grads = net.gradients(params, x, np.array([0, 1, 2, 0]))
    assert all(grads[k].dtype == np.float32 and grads[k].shape == params[k].shape
               for k in params)


@pytest.fixture(scope="module")
def tiny_networks():
    """The tiny instance of each model of MODELS (what ``symconv network`` checks exactly)."""
    specs = {name: parse_model(*MODELS[name]).tiny() for name in MODELS}
    return {name: (spec, check.load(build(spec).source())) for name, spec in specs.items()}


@pytest.mark.parametrize("name", list(MODELS))
def test_gradients_equal_the_exact_derivatives_of_the_composed_loss(tiny_networks, name):
    spec, net = tiny_networks[name]
    result = exact.check(net, spec, name)
    assert result.passed, result.failures
    assert result.compared == spec.parameter_count
    assert result.relative_error < 1e-13   # float64 rounding, far inside the tolerance


def test_exact_directional_derivatives_on_a_network(networks):
    spec = parse_model(*MODELS["two-convs-pooling"])
    result = exact.check(networks["two-convs-pooling"], spec, "directions", every=False,
                         count=2)
    assert result.passed and result.compared == 2, result.failures


def _entries(*pairs):
    """Exact numbers ``(value, polynomial)`` over the ring QQ[a, b]."""
    ring_, a, b = exact.ring("a,b", exact.QQ)
    polys = {"a": a, "b": b, "0": ring_.zero, "a-b": a - b}
    return np.array([exact.Exact(exact.QQ(v), polys[p]) for v, p in pairs],
                    dtype=object).reshape(1, 1, -1)


@pytest.mark.parametrize("layer, pairs, redraws", [
    ("relu", [(1, "a"), (-2, "b")], False),
    ("relu", [(1, "a"), (0, "a-b")], True),          # a kink: a - b = 0 at the point
    ("relu", [(1, "a"), (0, "0")], False),           # identically 0: smooth
    ("relu", [(-1, "a"), (-2, "b")], True),          # off everywhere: nothing below checked
    ("maxpool", [(3, "a"), (3, "b")], True),         # a tie between different polynomials
    ("maxpool", [(0, "0"), (0, "0")], False),        # a tie between equal ones is harmless
    ("maxpool", [(1, "a"), (3, "b")], False),
], ids=["relu", "relu-kink", "relu-zero", "relu-off", "maxpool-tie", "maxpool-equal-tie",
        "maxpool"])
def test_exact_forward_redraws_at_kinks_and_ties(layer, pairs, redraws):
    x = _entries(*pairs)
    if layer == "relu":
        run = lambda: exact.relu(x)   # noqa: E731
    else:
        spec = exact.layer_and_spec("maxpool", {"input": "2", "kernel": "2"})[1]
        run = lambda: exact.maxpool(x, spec)   # noqa: E731
    if redraws:
        with pytest.raises(exact.Redraw):
            run()
    else:
        run()


def test_a_planted_chain_bug_is_caught(networks):
    """Drop one ReLU's backward step: every layer is still proven, the chain is not."""
    source = build(parse_model(*MODELS["conv-relu-maxpool"])).source()
    broken = source.replace("    g = relu_1.backward(g, a1)\n", "")
    assert broken != source
    assert not check.check(check.load(broken), "planted", every=True).passed
    result = exact.check(check.load(broken), parse_model(*MODELS["conv-relu-maxpool"]), "bug")
    assert not result.passed and result.failures


def _not_handed_on(layer, name):
    """A ReLU that does not hand its gradient on (g passes through unmasked)."""
    forward, backward = REAL_CALL(layer, name)
    return (forward, "g = g") if layer.kind == "relu" else (forward, backward)


def _summed_not_averaged(layer, name):
    """The loss's gradient taken for the sum over the batch while the loss is the mean."""
    forward, backward = REAL_CALL(layer, name)
    return (forward, backward + " * len(y)") if layer.kind == "softmax-ce" else (forward,
                                                                                  backward)


REAL_CALL = build_module._call


@pytest.mark.parametrize("planted", [_not_handed_on, _summed_not_averaged],
                         ids=["relu-gradient-not-handed-on", "loss-not-averaged"])
def test_network_command_refuses_a_broken_chain(planted, monkeypatch, tmp_path, capsys):
    """Every layer is still proven; the exact chain check fails: exit 1, nothing written."""
    monkeypatch.setattr(build_module, "_call", planted)
    out = tmp_path / "net"
    assert main(["network", "--model", MODELS["conv-relu-maxpool"][0], "--input",
                 MODELS["conv-relu-maxpool"][1], "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "the chain check failed" in err and "exact derivatives" in err
    assert "NOT EQUAL" in err and not out.exists()


def test_default_network_api_and_keys():
    spec = parse_model(DEFAULT_MODEL, "1x8x8")
    assert list(spec.parameter_shapes) == ["0.w", "0.b", "3.w", "3.b", "6.w", "6.b"]
    assert spec.parameter_shapes["6.w"] == (10, 64)
    assert [layer.out_shape for layer in spec.layers][:3] == [(8, 8, 8), (8, 8, 8), (8, 4, 4)]


def test_network_module_is_standalone_and_clean(tmp_path, networks):
    source = build(parse_model(*MODELS["conv-relu-maxpool"])).source(["checked"])
    imported = {alias.name for node in ast.walk(ast.parse(source))
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(ast.parse(source))
                 if isinstance(node, ast.ImportFrom)}
    assert imported == {"numpy"}
    net = check.load(source)
    params = net.init(seed=0)
    assert {k: v.shape for k, v in params.items()} == {k: tuple(v) for k, v in
                                                       net.PARAMETER_SHAPES.items()}
    assert all(np.array_equal(params[k], net.init(seed=0)[k]) for k in params)
    x = np.random.default_rng(1).random((5, 1, 6, 6))
    assert net.predict(params, x).shape == (5,)
    loss, grads = net.loss_and_gradients(params, x, np.arange(5) % 3)
    assert loss == pytest.approx(net.loss(params, x, np.arange(5) % 3))
    with pytest.raises(ValueError, match="x: expected shape"):
        net.loss(params, x[:, :, :5], np.arange(5) % 3)
    if shutil.which("ruff"):
        path = tmp_path / "network.py"
        path.write_text(source)
        process = subprocess.run(["ruff", "check", "--no-cache", str(path)],
                                 capture_output=True, text=True)
        assert process.returncode == 0, process.stdout


BAD_MODELS = [
    ("conv(8) relu maxpool(2) linear(10) softmax-ce", "layer 0 `conv(8)`", "kernel size"),
    ("conv(8,k3) relu foo linear(10) softmax-ce", "layer 2 `foo`", "unknown layer"),
    ("conv(8,k3) relu", "layer 1 `relu`", "last layer must be softmax-ce"),
    ("linear(10) conv(2,k3) linear(3) softmax-ce", "layer 1", "needs a (C, H, W) input"),
    ("conv(2,k9) linear(3) softmax-ce", "layer 0 `conv(2,k9)`", "exceeds padded input"),
    ("conv(2,k3,z3) linear(3) softmax-ce", "layer 0", "unknown argument 'z3'"),
    ("conv(2,k3,k2) linear(3) softmax-ce", "layer 0", "given twice"),
    ("conv(2,k3) maxpool(2,p3) linear(3) softmax-ce", "layer 1", "half the pooling window"),
    ("conv(3,k3,g2) linear(3) softmax-ce", "layer 0", "must divide"),
    ("softmax-ce linear(3) softmax-ce", "layer 0", "must be the last layer"),
    ("relu(2) linear(3) softmax-ce", "layer 0 `relu(2)`", "takes no arguments"),
    ("conv(2,k3) softmax-ce", "layer 1", "needs class scores"),
    ("conv(2,k3)) relu", "`)`", "expected NAME"),
    ("relu maxpool(2) softmax-ce", "layer 2", "needs class scores"),
    ("", "--model", "empty"),
    ("conv(2,k3) linear(1) softmax-ce", "layer 2 `softmax-ce`",
     "its classes must be at least 2, got 1 (from the incoming shape (1,))"),
]


@pytest.mark.parametrize("model, where, rule", BAD_MODELS, ids=[m[1] + m[2] for m in BAD_MODELS])
def test_model_errors_name_the_layer_and_the_rule(model, where, rule, capsys, tmp_path):
    with pytest.raises(SpecError) as error:
        parse_model(model, "1x8x8")
    assert where in str(error.value) and rule in str(error.value)
    assert main(["network", "--model", model, "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and rule in err and not (tmp_path / "out").exists()


def test_bad_input_shape_exits_2(capsys, tmp_path):
    assert main(["network", "--input", "8x8x8x8x8", "-o", str(tmp_path)]) == 2
    assert "--input" in capsys.readouterr().err


def _idx(dtype_code: int, array: np.ndarray, big_endian: str) -> bytes:
    """An IDX file written from the format's definition (independently of symconv)."""
    header = bytes([0, 0, dtype_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(big_endian).tobytes()


def _mnist_folder(folder, rng, train=60, test=20, size=6, compress=False):
    """Three classes: a bright row, column or diagonal in noise."""
    def images(count):
        labels = rng.integers(0, 3, count).astype(np.uint8)
        pictures = rng.integers(0, 60, (count, size, size)).astype(np.uint8)
        for picture, label in zip(pictures, labels):
            if label == 0:
                picture[size // 2] = 255
            elif label == 1:
                picture[:, size // 2] = 255
            else:
                picture[np.arange(size), np.arange(size)] = 255
        return pictures, labels

    folder.mkdir(exist_ok=True)
    for part, count in (("train", train), ("t10k", test)):
        pictures, labels = images(count)
        for name, raw in ((f"{part}-images-idx3-ubyte", _idx(0x08, pictures, ">u1")),
                          (f"{part}-labels-idx1-ubyte", _idx(0x08, labels, ">u1"))):
            if compress:
                (folder / f"{name}.gz").write_bytes(gzip.compress(raw))
            else:
                (folder / name).write_bytes(raw)
    return folder


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_idx_loader(tmp_path, compress):
    rng = np.random.default_rng(0)
    folder = _mnist_folder(tmp_path / "mnist", rng, compress=compress)
    dataset = data.load(str(folder))
    assert dataset.train_x.shape == (60, 1, 6, 6) and dataset.test_x.shape == (20, 1, 6, 6)
    assert dataset.train_x.dtype == np.float32 and dataset.train_y.dtype == np.int64
    assert dataset.train_x.max() == 1.0 and dataset.train_x.min() >= 0
    raw = (tmp_path / "mnist" / ("train-labels-idx1-ubyte" + (".gz" if compress else "")))
    labels = np.frombuffer(gzip.decompress(raw.read_bytes()) if compress
                           else raw.read_bytes(), np.uint8, offset=8)
    assert np.array_equal(dataset.train_y, labels)


@pytest.mark.parametrize("dtype, code", [(">i2", 0x0B), (">i4", 0x0C), (">f4", 0x0D),
                                         (">f8", 0x0E)])
def test_idx_reads_every_type(tmp_path, dtype, code):
    array = np.arange(24).reshape(2, 3, 4).astype(dtype)
    (tmp_path / "a.idx").write_bytes(_idx(code, array, dtype))
    assert np.array_equal(data.read_idx(tmp_path / "a.idx"), array)


def test_idx_errors(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(SpecError, match="not an IDX file"):
        data.read_idx(tmp_path / "bad")
    (tmp_path / "short").write_bytes(_idx(0x08, np.zeros((3, 2), np.uint8), ">u1")[:-1])
    with pytest.raises(SpecError, match="header says"):
        data.read_idx(tmp_path / "short")
    with pytest.raises(SpecError, match="no train-images-idx3-ubyte"):
        data.load(str(tmp_path))
    with pytest.raises(SpecError, match="expected 'digits' or a folder"):
        data.load(str(tmp_path / "missing"))


def _synthetic(tmp_path):
    return data.load(str(_mnist_folder(tmp_path / "mnist", np.random.default_rng(1),
                                       train=96, test=30)))


SMALL = "conv(4,k3,p1) relu maxpool(2) linear(3) softmax-ce"


def test_training_lowers_the_loss_and_repeats_exactly(tmp_path):
    dataset = _synthetic(tmp_path)
    net = check.load(build(parse_model(SMALL, "1x6x6")).source())
    settings = Settings(epochs=4, batch_size=16, seed=3, lr=0.05)
    first = train(net, dataset, settings)
    losses = [entry["loss"] for entry in first.history]
    assert losses[-1] < 0.5 * losses[0]
    assert first.confusion.sum() == len(dataset.test_y)
    again = train(net, dataset, settings)
    assert _without_times(again.history) == _without_times(first.history)
    assert all(np.array_equal(first.params[k], again.params[k]) for k in first.params)


@pytest.mark.skipif(importlib.util.find_spec("sklearn") is None,
                    reason="scikit-learn (the train extra) is not installed")
def test_training_on_a_digits_subset_lowers_the_loss():
    """Digits 0, 1 and 2 only (a 3-class network proves in a fraction of the time)."""
    digits = data.digits()
    assert digits.input_shape == (1, 8, 8) and len(digits.test_y) == 360
    train_rows, test_rows = digits.train_y < 3, digits.test_y < 3
    dataset = data.Dataset("digits 0-2", "subset", digits.train_x[train_rows][:240],
                           digits.train_y[train_rows][:240], digits.test_x[test_rows],
                           digits.test_y[test_rows])
    net = check.load(build(parse_model(SMALL, "1x8x8")).source())
    result = train(net, dataset, Settings(epochs=3, batch_size=32, seed=0))
    assert result.history[-1]["loss"] < 0.6 * result.history[0]["loss"]
    assert result.test_accuracy > 0.8


def test_missing_scikit_learn_is_one_line_exit_2(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    assert main(["train", "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err == "symconv: error: --data digits needs scikit-learn: pip install " \
                  "'symconv[train]'\n"


def test_train_command_writes_params_figures_and_json(tmp_path, capsys):
    folder = _mnist_folder(tmp_path / "mnist", np.random.default_rng(2), train=64, test=16)
    out = tmp_path / "run"
    argv = ["train", "--model", SMALL, "--data", str(folder), "--epochs", "2",
            "--batch-size", "16", "--seed", "1", "-o", str(out), "--json"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert [entry["epoch"] for entry in report["history"]] == [1, 2]
    assert 0 <= report["test_accuracy"] <= 1 and "epoch 2/2" in captured.err
    assert sorted(p.name for p in out.iterdir()) == ["confusion.svg", "learning-curves.svg",
                                                    "network.py", "params.npz"]
    params = np.load(out / "params.npz")
    assert sorted(params.files) == ["0.b", "0.w", "3.b", "3.w"]
    assert (out / "confusion.svg").read_text().startswith("<svg")
    assert main(argv) == 0   # the same seed gives the same numbers
    again = json.loads(capsys.readouterr().out)
    assert _without_times(again["history"]) == _without_times(report["history"])


def _without_times(history: list[dict]) -> list[dict]:
    return [{k: v for k, v in entry.items() if k != "seconds"} for entry in history]


def test_network_command_writes_module_documents_and_proof(tmp_path, capsys):
    out = tmp_path / "net"
    assert main(["network", "--model", SMALL, "--input", "1x6x6", "-o", str(out)]) == 0
    names = {p.name for p in out.iterdir()}
    assert {"network.py", "derivation.md", "derivation.tex", "proof.json",
            "layer-0-conv.md", "layer-0-conv.tex", "layer-3-linear.md",
            "layer-4-softmax-ce.md"} <= names
    proof = json.loads((out / "proof.json").read_text())
    assert proof["proven"] and proof["chain"]["passed"]
    assert proof["chain"]["method"].startswith("exact")
    assert [c["method"] for c in proof["chain"]["checks"]] == ["exact (SymPy) vs float64",
                                                              "central finite differences"]
    assert proof["chain"]["checks"][0]["compared"] == 77   # conv(2) and linear(3)
    assert [layer["kind"] for layer in proof["layers"]] == ["conv", "relu", "maxpool",
                                                            "linear", "softmax-ce"]
    document = (out / "derivation.md").read_text()
    for heading in ("## Shapes through the network", "## The backward pass, from the loss down",
                    "### Layer 4: `softmax-ce`", "### Layer 0: `conv(4,k3,p1)`",
                    "## The chain, checked", "**Exactly, on a tiny instance.**"):
        assert heading in document
    assert document.index("### Layer 4") < document.index("### Layer 0")
    assert "`layer-2-maxpool.md`" in document
    assert "\\section{The backward pass, from the loss down}" in (out / "derivation.tex") \
        .read_text()
    assert "chain checked" in capsys.readouterr().out
    again = tmp_path / "again"
    assert main(["network", "--model", SMALL, "--input", "1x6x6", "-o", str(again)]) == 0
    for path in out.iterdir():   # byte-identical: no times or other run-dependent values
        assert (again / path.name).read_bytes() == path.read_bytes(), path.name


def test_verified_report_lists_every_layer_proof():
    verified = verify(parse_model(SMALL, "1x6x6"))
    report = verified.report()
    assert report["parameters"] == {"0.w": [4, 1, 3, 3], "0.b": [4], "3.w": [3, 36],
                                    "3.b": [3]}
    assert all(layer["proof"]["proven"] for layer in report["layers"])
    assert set(files(verified)) >= {"network.py", "proof.json", "derivation.md"}


@pytest.mark.latex
@pytest.mark.parametrize("case", sorted(NETWORKS))
def test_golden_network_documents_compile_without_overfull_lines(case, tmp_path):
    """The network's derivation and every layer's own document compile cleanly (the golden
    record's drift test holds them equal to what ``symconv network`` writes)."""
    from tests.test_documents import GENERATED, require_pdflatex

    require_pdflatex()
    folder = tmp_path / case
    shutil.copytree(GENERATED / case, folder)
    texts = sorted(folder.glob("*.tex"))
    assert [tex.name for tex in texts][:2] == ["derivation.tex", "layer-0-conv.tex"]
    for tex in texts:
        process = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                                  tex.name], cwd=folder, capture_output=True, text=True,
                                 stdin=subprocess.DEVNULL, timeout=180, check=False)
        assert process.returncode == 0, (tex.name, process.stdout[-1500:])
        assert "Overfull \\hbox" not in tex.with_suffix(".log").read_text(errors="replace"), tex


@pytest.mark.parametrize("case", sorted(NETWORKS))
def test_golden_network_module_runs_and_matches_the_exact_derivatives(case):
    from tests.test_documents import GENERATED

    model, input_shape = NETWORKS[case]
    net = check.load((GENERATED / case / "network.py").read_text())
    spec = parse_model(model, input_shape)
    assert net.PARAMETER_SHAPES == spec.parameter_shapes
    result = exact.check(net, spec, case)
    assert result.passed and result.compared == spec.parameter_count, result.failures
    report = json.loads((GENERATED / case / "proof.json").read_text())
    assert report["proven"] and report["chain"]["passed"]
    assert "max_error" not in report["chain"]["checks"][0]   # no machine-dependent rounding

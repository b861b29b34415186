"""The command line: exit codes, the JSON report, and one-line errors for every bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from symconv.cli import main

PROVEN = {
    "issue-example": "--input 5x5 --kernel 3x3 --stride 2 --padding 1",
    "leftover": "--input 6x6 --kernel 3 --stride 2",
    "r-gt-p_hi": "--input 8x8 --kernel 2 --stride 3 --padding 0:1",
    "asymmetric": "--input 5x5 --kernel 3x3 --padding 0:2x1:0",
    "dilation-stride": "--input 9x9 --kernel 3 --stride 2 --dilation 2 --padding 1",
    "groups": "--input 4x4 --kernel 3 --in-channels 4 --out-channels 6 --groups 2 --batch 2",
    "1d": "--input 7 --kernel 3 --stride 2",
    "3d": "--input 4x4x4 --kernel 2 --stride 2 --padding 1",
    "kernel-fills-padded": "--input 3x3 --kernel 5 --padding 1",
}


@pytest.mark.parametrize("args", PROVEN.values(), ids=PROVEN.keys())
def test_prove_exits_zero(args, capsys):
    assert main(["prove", *args.split()]) == 0
    out = capsys.readouterr().out
    assert "all 3 identities proven" in out and out.count("proven  d") == 3


def test_prove_json(capsys):
    assert main(["prove", "--input", "6x6", "--kernel", "3", "--stride", "2", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["spec"]["output"] == [2, 2] and report["spec"]["leftover"] == [1, 1]
    assert [i["name"] for i in report["identities"]] == ["dW", "dX", "db"]
    assert all(i["proven"] for i in report["identities"])
    assert report["identities"][1]["elements"] == 36


BAD = {
    "zero-stride": ("--stride 0", "--stride: must be a positive integer"),
    "negative-kernel": ("--kernel -1", "--kernel: expected a non-negative integer"),
    "zero-input": ("--input 0x3", "--input: must be a positive integer"),
    "text-size": ("--input fivexfive", "--input: expected a non-negative integer"),
    "kernel-too-big": ("--input 3x3 --kernel 4", "--kernel: dilated kernel span 4 exceeds"),
    "dilated-too-big": ("--input 5 --kernel 3 --dilation 3", "--kernel: dilated kernel span 7"),
    "groups-divide": ("--in-channels 3 --out-channels 4 --groups 2",
                      "--groups: must divide --in-channels (3)"),
    "groups-divide-out": ("--in-channels 4 --out-channels 3 --groups 2",
                          "--groups: must divide --out-channels (3)"),
    "negative-padding": ("--padding -1", "--padding: expected a non-negative integer"),
    "padding-three-sides": ("--padding 1:2:3", "--padding: an axis is 'p' or 'low:high'"),
    "axes-mismatch": ("--input 5x5 --kernel 2x2x2", "--kernel: has 3 axes but --input has 2"),
    "four-axes": ("--input 3x3x3x3", "--input: must have 1, 2 or 3 axes"),
    "absurd-input": ("--input 10000000 --kernel 2", "--input: is far too large (8 digits)"),
    "absurd-axis": ("--input 5000 --kernel 2", "--input: must be at most 4096"),
    "too-many-terms": ("--input 200x200 --kernel 9 --out-channels 8",
                       "--input: instance has"),
    "zero-channels": ("--in-channels 0", "--in-channels: must be a positive integer"),
    "zero-batch": ("--batch 0", "--batch: must be a positive integer"),
    "unknown-layer": ("--layer pool9", "--layer: must be one of"),
    "not-an-int": ("--batch two", "--batch: expected a non-negative integer"),
}


@pytest.mark.parametrize("args, message", BAD.values(), ids=BAD.keys())
def test_bad_input_is_one_line_and_exit_2(args, message, capsys):
    assert main(["prove", *args.split()]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and message in captured.err, captured.err


def test_no_traceback_from_the_real_process():
    process = subprocess.run([sys.executable, "-m", "symconv", "prove", "--stride", "0"],
                             capture_output=True, text=True)
    assert process.returncode == 2
    assert process.stderr == "symconv: error: --stride: must be a positive integer, got 0\n"


def test_a_planted_closed_form_error_fails_every_command(tmp_path, monkeypatch, capsys):
    """A bug in a closed-form builder: prove exits 1; latex and codegen write nothing."""
    from symconv.layers.conv import closed_forms

    right = closed_forms.input_gradient

    def without_rot180(spec, g_quad, kernel):
        return right(spec, g_quad, kernel[(Ellipsis, *(slice(None, None, -1),) * spec.window.rank)])

    monkeypatch.setattr(closed_forms, "input_gradient", without_rot180)
    args = ["--input", "4x4", "--kernel", "2", "--padding", "1"]
    assert main(["prove", *args]) == 1
    assert main(["latex", *args, "-o", str(tmp_path / "d.tex")]) == 1
    assert main(["latex", *args, "--format", "md", "-o", str(tmp_path / "d.md")]) == 1
    assert main(["codegen", *args, "-o", str(tmp_path / "conv.py")]) == 1
    assert "nothing was written" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_help_lists_the_registry_and_loads_no_sympy():
    from symconv.cli import LAYER_NAMES
    from symconv.layers.registry import LAYERS

    assert LAYER_NAMES == tuple(LAYERS)
    code = ("import sys; from symconv.cli import main\n"
            "try:\n    main(['prove', '--help'])\nexcept SystemExit:\n    pass\n"
            "assert 'sympy' not in sys.modules, 'sympy loaded'\n"
            "main(['prove', '--batch', 'x'])\n"
            "assert 'sympy' not in sys.modules, 'sympy loaded by an argument error'\n")
    process = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=False)
    assert process.returncode == 0, process.stderr
    assert "--in-features" in process.stdout and "linear" in process.stdout


def test_a_count_of_eight_digits_names_the_bound(capsys):
    assert main(["prove", "--batch", "10000000"]) == 2
    assert capsys.readouterr().err == ("symconv: error: --batch: must be at most 9999999, "
                                       "got 10000000\n")


@pytest.mark.parametrize("command", ["network", "train"])
def test_folder_commands_refuse_standard_output(command, capsys):
    assert main([command, "-o", "-"]) == 2
    assert capsys.readouterr().err.startswith("symconv: error: -o: '-' (standard output) "
                                              "does not apply")

"""Issue #9: every bad output target exits 2 with one line naming it, and nothing is written."""

from __future__ import annotations

import subprocess
import sys

import pytest

from symconv.cli import main

SMALL = ["--input", "3x3", "--kernel", "2"]


def refused(args, capsys, tmp_path, *names):
    """Run ``symconv ARGS``: exit 2, one ``symconv: error:`` line naming each of ``names``,
    and no file written or removed in ``tmp_path``."""
    before = {p: p.lstat().st_mode for p in tmp_path.rglob("*")}
    assert main(args) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("symconv: error: ") and captured.err.count("\n") == 1, \
        captured.err
    assert "Traceback" not in captured.err
    for name in names:
        assert name in captured.err, captured.err
    assert {p: p.lstat().st_mode for p in tmp_path.rglob("*")} == before
    return captured.err


# 9.13: -o and the output kind


@pytest.mark.parametrize("args, name", [
    (["latex", "-o", "y.pdf", "--pdf"], "y.pdf"),
    (["latex", "--format", "md", "-o", "x.tex"], "x.tex"),
    (["latex", "--format", "tex", "-o", "x.md"], "x.md"),
    (["latex", "-o", "x.txt"], "x.txt"),
    (["latex", "-o", "x.md", "--pdf"], "--pdf"),
    (["codegen", "-o", "x.tex"], "x.tex"),
    (["codegen", "-o", "x"], "x"),
    (["latex", "--format", "md", "-o", "-"], "standard output"),
    (["latex", "--pdf", "-o", "-"], "standard output"),
], ids=lambda value: " ".join(value) if isinstance(value, list) else None)
def test_output_kind_contradictions_are_refused(args, name, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    err = refused([*args, *SMALL], capsys, tmp_path, name)
    assert "-o" in err or "--pdf" in err


def test_format_is_inferred_from_the_suffix(tmp_path, capsys):
    assert main(["latex", *SMALL, "-o", str(tmp_path / "a.md")]) == 0
    assert (tmp_path / "a.md").read_text().count("$$") >= 2
    assert (tmp_path / "a-input.svg").exists()
    assert main(["latex", *SMALL, "-o", str(tmp_path / "b.tex")]) == 0
    assert (tmp_path / "b.tex").read_text().startswith("\\documentclass")


@pytest.mark.parametrize("args, start", [
    (["latex", "--format", "tex", "-o", "-"], "\\documentclass"),
    (["latex", "-o", "-"], "\\documentclass"),
    (["codegen", "-o", "-"], '"""'),
])
def test_dash_is_standard_output(args, start, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main([*args, *SMALL]) == 0
    out = capsys.readouterr().out
    assert out.lstrip().startswith(start), out[:200]
    assert not list(tmp_path.iterdir())


# 9.3: targets that exist and are not regular files are refused, never followed or replaced


def special_targets(tmp_path):
    """(name, path) of a FIFO, a symbolic link to a file, a dangling link, a socket, a dir."""
    import os
    import socket

    (tmp_path / "real.py").write_text("keep me\n")
    os.mkfifo(tmp_path / "fifo.py")
    (tmp_path / "link.py").symlink_to(tmp_path / "real.py")
    (tmp_path / "dangling.py").symlink_to(tmp_path / "nowhere.py")
    (tmp_path / "dir.py").mkdir()
    targets = ["fifo.py", "link.py", "dangling.py", "dir.py"]
    server = socket.socket(socket.AF_UNIX)
    try:
        os.chdir(tmp_path)   # a short path: AF_UNIX names are limited to about 100 bytes
        server.bind("sock.py")
        targets.append("sock.py")
    except OSError:
        pass
    finally:
        server.close()
    return targets


@pytest.mark.parametrize("command", ["codegen", "latex"])
def test_special_files_are_refused(command, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in special_targets(tmp_path):
        target = name if command == "codegen" else name.replace(".py", ".tex")
        if command == "latex":
            (tmp_path / name).rename(tmp_path / target)
        err = refused([command, *SMALL, "-o", target], capsys, tmp_path, f"-o: {target} is ")
        assert "directory" in err or "regular files only" in err
    assert (tmp_path / "real.py").read_text() == "keep me\n"
    assert not (tmp_path / "nowhere.py").exists()


def test_device_node_is_refused(tmp_path, capsys):
    import os

    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    assert main(["codegen", *SMALL, "-o", "/dev/full"]) == 2
    err = capsys.readouterr().err
    assert err == ("symconv: error: -o: /dev/full is a character device; symconv writes "
                   "regular files only and will not follow or replace it\n")


def test_pdf_beside_the_tex_is_checked_before_work(tmp_path, capsys, monkeypatch):
    import os

    monkeypatch.chdir(tmp_path)
    os.mkfifo(tmp_path / "d.pdf")
    refused(["latex", *SMALL, "-o", "d.tex", "--pdf"], capsys, tmp_path, "d.pdf", "FIFO")


def test_markdown_figure_targets_are_checked_before_any_write(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "page-input.svg").mkdir()
    refused(["latex", *SMALL, "-o", "page.md"], capsys, tmp_path, "page-input.svg")


# 9.7 / 9.14: names that are not file names, directories, a parent that is a file


@pytest.mark.parametrize("command", ["latex", "codegen"])
@pytest.mark.parametrize("target, message", [
    ("", "-o: '' is not a file name"),
    (".", "-o: . is a directory, not a file name"),
    ("..", "-o: .. is a directory, not a file name"),
    ("sub/", "-o: sub/ is a directory, not a file name"),
    ("existing", "-o: existing is a directory"),
    ("plain.txt/x.out", "-o: plain.txt/x.out: plain.txt is a file, not a directory"),
    ("plain.txt/a/b/x.out", "-o: plain.txt/a/b/x.out: plain.txt is a file, not a directory"),
])
def test_bad_output_names(command, target, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "existing").mkdir()
    (tmp_path / "plain.txt").write_text("x")
    err = refused([command, *SMALL, "-o", target], capsys, tmp_path)
    assert err == f"symconv: error: {message}\n"


# 9.10: Ctrl-C


def test_ctrl_c_is_one_line_and_exit_130(tmp_path, capsys, monkeypatch):
    from symconv.commands import layer

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(layer.artifacts, "generate", interrupted)
    assert main(["codegen", *SMALL, "-o", str(tmp_path / "m.py")]) == 130
    assert capsys.readouterr().err == "symconv: interrupted\n"
    assert not list(tmp_path.iterdir())


def test_ctrl_c_inside_a_c_extension_is_still_one_line(tmp_path, capsys, monkeypatch):
    """A KeyboardInterrupt raised inside a C extension's call can reach Python as a
    SystemError ("returned a result with an exception set") whose context is the interrupt:
    still exit 130 and one line; any other SystemError is a bug and propagates."""
    from symconv.commands import layer

    def interrupted_inside(*_args, **_kwargs):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            raise SystemError("<built-in method __new__> returned a result with an "
                              "exception set") from None

    monkeypatch.setattr(layer.artifacts, "generate", interrupted_inside)
    assert main(["codegen", *SMALL, "-o", str(tmp_path / "m.py")]) == 130
    assert capsys.readouterr().err == "symconv: interrupted\n"

    def broken(*_args, **_kwargs):
        raise SystemError("a real one")

    monkeypatch.setattr(layer.artifacts, "generate", broken)
    with pytest.raises(SystemError, match="a real one"):
        main(["codegen", *SMALL, "-o", str(tmp_path / "m.py")])
    assert not list(tmp_path.iterdir())


def test_a_closed_pipe_is_silent_exit_141(capsys, monkeypatch):
    """``symconv ... | head``: the reader went away; no message, exit 141 (128 + SIGPIPE),
    not the bad-input code 2."""
    from symconv.commands import layer

    def closed(*_args, **_kwargs):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(layer.artifacts, "generate", closed)
    assert main(["codegen", *SMALL, "-o", "-"]) == 141
    assert capsys.readouterr().err == ""


def test_an_error_never_names_a_temporary_file(tmp_path):
    """An OSError on symconv's own temporary file names the user's target instead."""
    from symconv.output import named

    target = tmp_path / "d.tex"
    error = named(OSError(30, "Read-only file system", str(tmp_path / ".symconv-ab12.tmp")),
                  target)
    assert error.filename == str(target)
    error = named(OSError(13, "Permission denied", "/elsewhere/x.tex"), target)
    assert error.filename == "/elsewhere/x.tex"


def test_ctrl_c_during_a_write_leaves_nothing(tmp_path, capsys, monkeypatch):
    import os

    from symconv import output

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    (tmp_path / "m.py").write_text("old\n")
    monkeypatch.setattr(output.os, "replace", interrupted)
    assert main(["codegen", *SMALL, "-o", str(tmp_path / "m.py")]) == 130
    assert capsys.readouterr().err == "symconv: interrupted\n"
    assert os.listdir(tmp_path) == ["m.py"] and (tmp_path / "m.py").read_text() == "old\n"


def test_sigint_in_the_real_process(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    root = str(Path(__file__).resolve().parents[1])
    process = subprocess.Popen([sys.executable, "-m", "symconv", "prove", "--input", "170x170",
                                "--kernel", "7"], cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": root})
    time.sleep(1.5)   # during the imports or the proof: both are inside main()
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    if process.returncode == 0:
        pytest.skip("finished before the signal")
    assert process.returncode == 130 and err == "symconv: interrupted\n", err


# 9.8: a compile past the timeout: one line, exit 1, the whole process group killed


def test_pdflatex_timeout_kills_the_group(tmp_path, capsys, monkeypatch):
    import os
    import tempfile

    from symconv.render import compile as compile_module

    bin_dir, scratch, out = tmp_path / "bin", tmp_path / "scratch", tmp_path / "out"
    for folder in (bin_dir, scratch, out):
        folder.mkdir()
    pid_file = tmp_path / "child.pid"
    fake = bin_dir / "pdflatex"
    fake.write_text(f"#!/bin/sh\n/bin/sleep 60 &\necho $! > '{pid_file}'\n/bin/sleep 60\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setattr(compile_module, "TIMEOUT_SECONDS", 1)
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    assert main(["latex", *SMALL, "-o", str(out / "d.tex"), "--pdf"]) == 1
    assert capsys.readouterr().err == "symconv: error: pdflatex ran past 1 s\n"
    assert not list(out.iterdir()) and not list(scratch.iterdir())
    child = int(pid_file.read_text())
    for _ in range(50):   # the killed child may linger a moment as a zombie of init
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        with open(f"/proc/{child}/stat") as stat:
            if stat.read().split(") ")[1].startswith("Z"):
                break
        import time
        time.sleep(0.1)
    else:
        pytest.fail(f"pdflatex's child {child} is still running")


def test_pdflatex_interrupted_kills_the_group(tmp_path, monkeypatch):
    import subprocess

    from symconv.render import compile as compile_module

    killed = []

    class Interrupted(subprocess.Popen):
        def communicate(self, *args, **kwargs):
            raise KeyboardInterrupt

    monkeypatch.setattr(compile_module.subprocess, "Popen", Interrupted)
    monkeypatch.setattr(compile_module, "kill_group", lambda process: killed.append(process))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "pdflatex").write_text("#!/bin/sh\nexit 0\n")
    (bin_dir / "pdflatex").chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    with pytest.raises(KeyboardInterrupt):
        compile_module.compile_pdf("x", tmp_path / "d.pdf")
    assert len(killed) == 1 and not (tmp_path / "d.pdf").exists()
    killed[0].wait()


# 9.4: multi-file outputs are all-or-nothing, and I/O errors name the file


def test_full_disk_during_markdown_leaves_nothing(tmp_path, capsys, monkeypatch):
    import errno
    from pathlib import Path

    real = Path.write_bytes
    calls = []

    def full(self, data):
        calls.append(self)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", full)
    assert main(["latex", *SMALL, "-o", str(tmp_path / "page.md")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err
    assert str(tmp_path / "page") in err   # names the file
    assert not list(tmp_path.iterdir())


def test_failed_rename_puts_the_old_files_back(tmp_path, capsys, monkeypatch):
    import os

    from symconv import output

    assert main(["latex", *SMALL, "-o", str(tmp_path / "page.md")]) == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    real, calls = os.replace, []

    def failing(source, target):
        if str(target).startswith(str(tmp_path / "page")):
            calls.append(target)
            if len(calls) == 3:
                raise PermissionError(13, "Permission denied")
        return real(source, target)

    monkeypatch.setattr(output.os, "replace", failing)
    assert main(["latex", *SMALL, "--kernel", "3", "-o", str(tmp_path / "page.md")]) == 2
    assert "Permission denied" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_pdf_and_tex_are_written_together(tmp_path, capsys, monkeypatch):
    from symconv.commands import layer as cli

    monkeypatch.setattr(cli, "latex_tool", lambda: ["pdflatex"])
    monkeypatch.setattr(cli, "pdf_bytes", lambda tex: b"%PDF-fake")
    assert main(["latex", *SMALL, "-o", str(tmp_path / "d.tex"), "--pdf"]) == 0
    assert (tmp_path / "d.pdf").read_bytes() == b"%PDF-fake"
    assert (tmp_path / "d.tex").read_text().startswith("\\documentclass")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.pdf", "d.tex"]


# 9.4: concurrent runs, killed regenerate


def test_concurrent_markdown_runs_never_mix_figures(tmp_path):
    """Two runs of different layers to one target: the page's figures are its own."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    target = tmp_path / "page.md"
    runs = [["--input", "5x5", "--kernel", "3"],
            ["--layer", "maxpool", "--input", "5x5", "--kernel", "3", "--stride", "2"]]
    for _ in range(3):
        processes = [subprocess.Popen([sys.executable, "-m", "symconv", "latex", *args,
                                       "--format", "md", "-o", str(target)], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                     for args in runs]
        assert all(process.wait(timeout=120) == 0 for process in processes)
        page = target.read_text()
        svgs = {path.name: path.read_text() for path in tmp_path.glob("page-*.svg")}
        linked = [name for name in svgs if f"({name})" in page]
        assert linked and ("Max pooling" in page) == ("page-values.svg" in linked)
        assert not list(tmp_path.glob(".symconv-*"))


def test_regenerate_cleans_up_after_a_killed_run(tmp_path, capsys):
    import shutil
    from pathlib import Path

    generated = Path(__file__).resolve().parent.parent / "generated"
    root = tmp_path / "generated"
    shutil.copytree(generated, root, ignore=shutil.ignore_patterns("__pycache__"))
    staging = root / ".symconv-abc.tmp"
    staging.mkdir()
    (staging / "new-0").write_text("half")
    assert main(["regenerate", "--root", str(root)]) == 0
    assert not staging.exists()
    assert main(["regenerate", "--check", "--root", str(root)]) == 0


# 9.6, 9.9, 9.11, 9.12: one line naming the option, exit 2


@pytest.mark.parametrize("args, name", [
    (["prove", "--layer", "maxpool", "--input", "1", "--kernel", "2", "--dilation", "3",
      "--padding", "2"], "--dilation"),
    (["prove", "--input", "1", "--kernel", "2", "--dilation", "3", "--padding", "2"],
     "--padding"),
    (["prove", "--input", "4096x4096x4096", "--kernel", "1", "--stride", "4096"], "--input"),
    (["prove", "--input", "4096x4096", "--kernel", "1", "--stride", "4096"], "--input"),
    (["prove", "--input", "1x1", "--kernel", "1", "--padding", "4096"], "--input"),
    (["prove", "--input", "0"], "--input"),
    (["prove", "--input", "4097"], "--input"),
    (["prove", "--in-channels", "1_0"], "--in-channels"),
    (["prove", "--in-channels", "+3"], "--in-channels"),
    (["prove", "--in-channels", " 3"], "--in-channels"),
    (["prove", "--in-channels", "\uff11"], "--in-channels"),
    (["prove", "--batch", "\u0663"], "--batch"),
    (["prove", "--kernel", "\uff13"], "--kernel"),
], ids=lambda value: " ".join(value) if isinstance(value, list) else None)
def test_bad_specs_are_one_line_naming_the_option(args, name, capsys, tmp_path):
    err = refused(args, capsys, tmp_path, name)
    assert err.startswith(f"symconv: error: {name}")


@pytest.mark.parametrize("args", [
    ["prove", "--input", "4096x4096x4096", "--kernel", "1", "--stride", "4096"],
    ["latex", "--input", "1x1", "--kernel", "1", "--padding", "4096", "-o", "doc.tex"],
    ["prove", "--layer", "maxpool", "--input", "64x64", "--kernel", "3"],
    ["prove", "--layer", "linear", "--in-features", "4096", "--out-features", "4096"],
    ["prove", "--layer", "softmax-ce", "--classes", "40", "--batch", "3"],
    ["codegen", "--input", "0", "-o", "conv.py"],
])
def test_oversized_or_bad_specs_are_refused_before_numpy_and_sympy_load(args, tmp_path):
    """9.9: the refusal is integer arithmetic on the spec, so it costs no import of the maths
    (SymPy alone takes most of a second to load)."""
    code = ("import sys\nfrom symconv.cli import main\n"
            f"code = main({args!r})\n"
            "loaded = [name for name in ('numpy', 'sympy') if name in sys.modules]\n"
            "assert code == 2 and not loaded, (code, loaded)\n")
    process = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=False, cwd=tmp_path)
    assert process.returncode == 0, process.stderr
    assert not list(tmp_path.iterdir())
    assert process.stderr.count("\n") == 1 and process.stderr.startswith("symconv: error: --")


@pytest.mark.parametrize("args", [["--input", "7"], ["--input", "4x4x4"],
                                  ["--layer", "maxpool", "--input", "7"]])
def test_default_kernel_takes_the_rank_of_the_input(args, capsys):
    assert main(["prove", *args]) == 0


def test_markdown_links_are_percent_encoded(tmp_path, capsys):
    for stem in ("my doc", "a](javascript:alert(1))["):
        target = tmp_path / f"{stem}.md"
        assert main(["latex", "--input", "3", "--kernel", "2", "--format", "md",
                     "-o", str(target)]) == 0
        page = target.read_text()
        assert "](my doc" not in page and "javascript:alert(1))" not in page.replace("%", "")
        assert "](my%20doc-input.svg)" in page or "%5D%28javascript" in page


# found by an adversarial sweep of 384 invocations


@pytest.mark.parametrize("args, name", [
    (["prove", "--all-sizes", "--rank", "\u0662"], "--rank"),
    (["prove", "--all-sizes", "--rank", "+2"], "--rank"),
    (["prove", "--all-sizes", "--rank", " 2"], "--rank"),
    (["regenerate", "--root", ""], "--root"),
    (["codegen", "--input", "3", "-o", "a" * 300 + ".py"], "-o"),
    (["prove", "--input", "99999999"], "--input"),
    (["--kernel", "3"], "command"),
], ids=lambda value: " ".join(value)[:40] if isinstance(value, list) else None)
def test_more_bad_input_is_one_line(args, name, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    refused(args, capsys, tmp_path, name)


def test_a_newline_in_a_path_keeps_the_error_on_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "file").write_text("x")
    refused(["codegen", "-o", "file/a\nb.py"], capsys, tmp_path, "-o")
    refused(["regenerate", "--root", "file/sub"], capsys, tmp_path, "--root")


@pytest.mark.parametrize("body, words", [
    ("def f(dy, x):\n    import sys\n    sys.exit(0)\n", "SystemExit"),
    ("class E(Exception):\n    __str__ = lambda s: 1 / 0\n\n\ndef f(dy, x):\n    raise E()\n",
     "E:"),
    ("import sys\nsys.exit(3)\n", "could not be imported"),
    ("f = 3\n", "not a function"),
])
def test_check_never_passes_or_crashes_on_a_hostile_function(body, words, tmp_path, capsys,
                                                            monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.py").write_text(body)
    assert main(["check", "m.py:f", "--layer", "relu"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err, err


@pytest.mark.parametrize("layer, options, name", [
    (["conv"], {}, "--layer"),
    ("conv", {"kernel": -2}, "--kernel"),
    ("conv", {"input": 10 ** 30}, "--input"),
])
def test_api_bad_values_raise_spec_error(layer, options, name):
    import symconv

    with pytest.raises(symconv.SpecError) as error:
        symconv.derive(layer, **options)
    assert str(error.value).startswith(name)

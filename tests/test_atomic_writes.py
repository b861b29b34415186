"""Issue 9.4: a set of files is replaced all together or not at all, even under SIGKILL.

A child process writes a set of files and is killed (SIGKILL, no clean-up of any kind) at a
chosen step of the transaction; the next writer into the folder must leave all the new files
or all the old ones, and no staging folder.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from symconv.cli import main
from symconv.output import recover, write_all_atomically

# f0..f2 exist (old versions), f3 is new, "gone" exists and is removed by the transaction.
OLD = {"f0.txt": "old 0", "f1.txt": "old 1", "f2.txt": "old 2", "gone.txt": "old gone"}
NEW = {"f0.txt": "new 0", "f1.txt": "new 1", "f2.txt": "new 2", "f3.txt": "new 3",
       "gone.txt": None}

CHILD = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    import symconv.output as output

    folder, step, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    new = {"f0.txt": "new 0", "f1.txt": "new 1", "f2.txt": "new 2", "f3.txt": "new 3",
           "gone.txt": None}
    done = 0

    def die_after(function):
        def wrapper(*args, **kwargs):
            global done
            if done == count:
                os.kill(os.getpid(), signal.SIGKILL)
            done += 1
            return function(*args, **kwargs)
        return wrapper

    if step == "stage":          # killed while staging, before the journal
        output.os.link = die_after(output.os.link)
    elif step == "forward":      # killed after `count` renames into place
        real = os.replace
        def replace(source, target):
            if Path(source).name.startswith("new-"):
                return die_after(real)(source, target)
            return real(source, target)
        output.os.replace = replace
    elif step == "rollback":     # a rename fails after two, then killed while rolling back
        real = os.replace
        renamed = 0
        def replace(source, target):
            global renamed
            if Path(source).name.startswith("new-"):
                renamed += 1
                if renamed == 3:
                    raise OSError(28, "No space left on device")
            if Path(source).name.startswith("old-"):
                return die_after(real)(source, target)
            return real(source, target)
        output.os.replace = replace
    output.write_all_atomically({folder / name: text for name, text in new.items()})
""")


def contents(folder: Path) -> dict[str, str]:
    """Every entry of ``folder``: a file's text, or "<folder>" (so a leftover staging folder
    makes the comparison fail)."""
    return {path.name: "<folder>" if path.is_dir() else path.read_text()
            for path in folder.iterdir()}


def killed_run(folder: Path, step: str, count: int) -> None:
    for name, text in OLD.items():
        (folder / name).write_text(text)
    process = subprocess.run([sys.executable, "-c", CHILD, str(folder), step, str(count)],
                             capture_output=True, text=True, check=False)
    assert process.returncode == -9, process.stderr   # really killed, no clean-up ran


ALL_NEW = {name: text for name, text in NEW.items() if text is not None}


@pytest.mark.parametrize("step, count, after", [
    ("stage", 0, OLD), ("stage", 2, OLD),
    ("forward", 0, ALL_NEW), ("forward", 1, ALL_NEW), ("forward", 3, ALL_NEW),
    ("rollback", 0, OLD), ("rollback", 1, OLD),
])
def test_a_killed_transaction_is_finished_by_the_next_writer(tmp_path, step, count, after):
    killed_run(tmp_path, step, count)
    staged = [path for path in tmp_path.iterdir() if path.name.startswith(".symconv-")]
    assert staged, "the killed run left its transaction for the next writer"
    write_all_atomically({tmp_path / "other.txt": "unrelated"})
    assert contents(tmp_path) == {**after, "other.txt": "unrelated"}


def test_a_killed_rename_phase_is_really_mixed_until_recovered(tmp_path):
    """The test above is not vacuous: right after the kill the folder holds a mix."""
    killed_run(tmp_path, "forward", 2)
    visible = {name: text for name, text in contents(tmp_path).items()
               if not name.startswith(".symconv-")}
    assert visible["f0.txt"] == "new 0" and visible["f2.txt"] == "old 2"
    assert recover(tmp_path)
    assert contents(tmp_path) == ALL_NEW


def test_a_failed_rename_rolls_back_in_process(tmp_path, monkeypatch):
    for name, text in OLD.items():
        (tmp_path / name).write_text(text)
    import symconv.output as output
    real, calls = output.os.replace, []

    def replace(source, target):
        if Path(source).name.startswith("new-"):
            calls.append(target)
            if len(calls) == 3:
                raise OSError(28, "No space left on device")
        return real(source, target)

    monkeypatch.setattr(output.os, "replace", replace)
    with pytest.raises(OSError) as error:
        write_all_atomically({tmp_path / name: text for name, text in NEW.items()})
    assert error.value.filename == str(tmp_path / "f2.txt")
    assert contents(tmp_path) == OLD


def test_a_killed_regenerate_is_reported_then_finished(tmp_path, capsys):
    root = tmp_path / "record"
    assert main(["regenerate", "--root", str(root)]) == 0
    target = next(root.glob("*/proof.json"))
    target.write_text("stale")
    code = textwrap.dedent(f"""
        import os, signal
        from pathlib import Path
        import symconv.output as output
        from symconv.cli import main
        real, moved = os.replace, []
        def replace(source, target):
            if Path(source).name.startswith("new-"):
                moved.append(target)
                if len(moved) == 5:
                    os.kill(os.getpid(), signal.SIGKILL)
            return real(source, target)
        output.os.replace = replace
        main(["regenerate", "--root", {str(root)!r}])
    """)
    process = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=False)
    assert process.returncode == -9, process.stderr
    capsys.readouterr()
    assert main(["regenerate", "--check", "--root", str(root)]) == 1
    assert ".symconv-" in capsys.readouterr().out   # the pending transaction is reported
    assert main(["regenerate", "--root", str(root)]) == 0
    assert main(["regenerate", "--check", "--root", str(root)]) == 0
    assert not list(root.glob(".symconv-*"))

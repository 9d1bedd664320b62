"""``--out`` never deletes or overwrites a file the tool did not write (issue 13, item 1).

The tool recognises its own folders by the marker ``.supplyopt-run.json`` listing what it
wrote. A folder holding anything else is refused (exit 2, the folder and the foreign file
named, nothing written, nothing next to it); its own folders are replaced as a whole, as
before. Each test states the files present before the command and checks every byte after.
The instance is test_cli's two-period example (optimum 3,240 USD, derived there).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.io.write import write_workbook
from optimizer.out_folder import (RUN_MARKER, OutputFolderError, check_batch_folder,
                                  check_replaceable)
from optimizer.output import atomic_dir
from test_cli import FRAMES

runner = CliRunner()


@pytest.fixture()
def workbook(tmp_path):
    return write_workbook(FRAMES, tmp_path / "cli.xlsx")


def _tree(folder: Path) -> dict[str, bytes | None]:
    """Every path under ``folder`` with its bytes (None for a folder)."""
    return {p.relative_to(folder).as_posix(): (p.read_bytes() if p.is_file() else None)
            for p in sorted(folder.rglob("*"))}


def _user_folder(folder: Path) -> dict:
    folder.mkdir()
    (folder / "notes.txt").write_text("my notes\n")
    (folder / "drafts").mkdir()
    (folder / "drafts" / "plan.xlsx").write_bytes(b"not really a workbook")
    return _tree(folder)


def _solve(workbook, *args):
    return runner.invoke(app, ["solve", str(workbook), "-q", "--mip-gap", "0", *args])


def test_solve_refuses_a_folder_holding_the_users_files(tmp_path, workbook):
    """notes.txt and drafts/plan.xlsx were not written by the tool: exit 2, the message names
    the folder and both, and the folder and its parent are exactly as before."""
    out = tmp_path / "mine"
    before = _user_folder(out)
    siblings = sorted(p.name for p in tmp_path.iterdir())
    res = _solve(workbook, "--out", str(out))
    assert res.exit_code == 2, res.output
    assert f"--out {out}" in res.output
    assert "notes.txt" in res.output and "drafts" in res.output
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == siblings


def test_own_run_folder_is_replaced_and_lists_what_it_holds(tmp_path, workbook):
    """A second solve into its own folder replaces it (exit 0). The marker lists every file
    the tool wrote, and only those: results.xlsx, report.html, summary.json, tables/*.csv."""
    out = tmp_path / "run"
    assert _solve(workbook, "--out", str(out)).exit_code == 0
    marker = json.loads((out / RUN_MARKER).read_text())
    on_disk = sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                     if p.is_file() and p.name != RUN_MARKER)
    assert marker["written_by"] == "supplyopt" and marker["files"] == on_disk
    assert {"results.xlsx", "report.html", "summary.json", "tables/flows.csv"} <= set(on_disk)
    (out / "summary.json").write_text("{}")  # changed by the tool's next run, not kept
    res = _solve(workbook, "--out", str(out))
    assert res.exit_code == 0, res.output
    assert json.loads((out / "summary.json").read_text())["objective_usd"] == pytest.approx(3240)


def test_a_file_added_to_a_run_folder_is_never_deleted(tmp_path, workbook):
    """The user drops notes.txt into a finished run folder: the next run to it is refused,
    naming notes.txt, and every file (the run's and the user's) is left as it was."""
    out = tmp_path / "run"
    assert _solve(workbook, "--out", str(out)).exit_code == 0
    (out / "notes.txt").write_text("keep me")
    before = _tree(out)
    res = _solve(workbook, "--out", str(out))
    assert res.exit_code == 2 and "notes.txt" in res.output
    assert _tree(out) == before


@pytest.mark.parametrize("out_arg", [".", ".."])
def test_out_containing_the_working_folder_is_refused_cleanly(tmp_path, workbook, monkeypatch,
                                                              out_arg):
    """``--out .`` (and ``..``, which contains it) used to end in OSError [Errno 16] and leave
    a ``..tmp-*`` folder behind: now exit 2 with a message, and no file is added anywhere."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    before = _tree(tmp_path)
    res = _solve(workbook, "--out", out_arg)
    assert res.exit_code == 2, res.output
    assert "current working folder" in res.output and "internal error" not in res.output
    assert _tree(tmp_path) == before
    assert not [p for p in tmp_path.parent.iterdir() if ".tmp-" in p.name]


def test_out_that_is_a_file_is_refused(tmp_path, workbook):
    """A file, or a folder path through a file, is refused (exit 2, not an OSError)."""
    target = tmp_path / "result.txt"
    target.write_text("x")
    res = _solve(workbook, "--out", str(target))
    assert res.exit_code == 2 and "is a file" in res.output
    res = _solve(workbook, "--out", str(target / "sub"))
    assert res.exit_code == 2 and f"lies inside {target}" in res.output
    assert target.read_text() == "x"


def test_set_without_out_keeps_the_base_run(tmp_path, workbook, monkeypatch):
    """A base run goes to reports/cli/. With ``--set mines:m1:capacity_t=80`` the plan differs
    (P2 needs 100 t of concentrate from m1, now capped at 80 t), so it goes to a folder of its
    own, printed on stdout; the base run's folder is byte for byte unchanged. The same override
    again reuses that folder; another override gets a third one."""
    monkeypatch.chdir(tmp_path)
    assert _solve(workbook).exit_code == 0
    base = tmp_path / "reports" / "cli"
    before = _tree(base)
    res = _solve(workbook, "--set", "mines:m1:capacity_t=80")
    assert res.exit_code == 0, res.output
    printed = re.search(r"-> (\S+)", res.output).group(1)
    folder = Path(printed)
    assert folder.parent == Path("reports") and folder.name.startswith("cli-set-")
    assert (tmp_path / folder / "summary.json").is_file()
    assert _tree(base) == before
    again = _solve(workbook, "--set", "mines:m1:capacity_t=80")
    assert re.search(r"-> (\S+)", again.output).group(1) == printed
    other = _solve(workbook, "--set", "mines:m1:capacity_t=90")
    third = re.search(r"-> (\S+)", other.output).group(1)
    assert third not in (printed, str(Path("reports") / "cli"))
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == sorted(
        ["cli", folder.name, Path(third).name])


def test_folder_written_before_markers_is_still_the_tools_own(tmp_path):
    """A run folder from an older version (summary.json, results.xlsx, report.html,
    tables/*.csv, no marker) may be replaced; add notes.txt and it may not."""
    old = tmp_path / "old"
    (old / "tables").mkdir(parents=True)
    for name in ("summary.json", "results.xlsx", "report.html", "tables/flows.csv"):
        (old / name).write_text("x")
    check_replaceable(old)
    (old / "notes.txt").write_text("x")
    with pytest.raises(OutputFolderError, match="notes.txt"):
        check_replaceable(old)


def test_file_added_while_a_run_writes_stops_the_replacement(tmp_path):
    """The folder is checked again just before the swap: a file the user saved into it while
    the run was writing is kept, the run's temporary folder is removed."""
    out = tmp_path / "run"
    with atomic_dir(out) as tmp:
        (tmp / "summary.json").write_text("1")
    with pytest.raises(OutputFolderError, match="late.txt"):
        with atomic_dir(out) as tmp:
            (tmp / "summary.json").write_text("2")
            (out / "late.txt").write_text("mine")
    assert (out / "late.txt").read_text() == "mine" and (out / "summary.json").read_text() == "1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_batch_refuses_a_foreign_folder_before_solving(tmp_path, workbook):
    out = tmp_path / "mine"
    before = _user_folder(out)
    res = runner.invoke(app, ["batch", "--base", str(workbook), "--set",
                              "mines:m1:capacity_t=80", "--out", str(out), "--jobs", "1", "-q"])
    assert res.exit_code == 2, res.output
    assert _tree(out) == before and f"--out {out}" in res.output


def test_batch_folder_interrupted_before_its_summary_is_recognised(tmp_path):
    """A batch killed after its first run holds only runs/<run>/ (a marked run folder): a rerun
    may continue in it. A runs/ folder holding a user's file is not a batch folder."""
    out = tmp_path / "batch"
    with atomic_dir(out / "runs" / "r1") as tmp:
        (tmp / "summary.json").write_text("{}")
    check_batch_folder(out)
    (out / "runs" / "mine.txt").write_text("x")
    with pytest.raises(OutputFolderError, match="not empty"):
        check_batch_folder(out)


def test_analyse_refuses_a_foreign_folder_before_solving(tmp_path, workbook):
    out = tmp_path / "mine"
    before = _user_folder(out)
    res = runner.invoke(app, ["analyse", str(workbook), "--out", str(out), "--jobs", "1", "-q"])
    assert res.exit_code == 2, res.output
    assert "notes.txt" in res.output and _tree(out) == before


def test_report_renders_only_the_tools_folders(tmp_path, workbook):
    """``report`` on a folder of the user's: exit 2, nothing written. On a --no-report run
    folder where the user saved their own report.html: refused, that file kept. On the
    run folder itself: rendered, and the marker now lists results.xlsx and report.html, so
    the next solve to the folder may replace it."""
    mine = tmp_path / "mine"
    before = _user_folder(mine)
    res = runner.invoke(app, ["report", str(mine)])
    assert res.exit_code == 2 and _tree(mine) == before
    run = tmp_path / "run"
    assert _solve(workbook, "--out", str(run), "--no-report").exit_code == 0
    (run / "report.html").write_text("my own page")
    res = runner.invoke(app, ["report", str(run)])
    assert res.exit_code == 2 and "report.html" in res.output
    assert (run / "report.html").read_text() == "my own page"
    (run / "report.html").unlink()
    assert runner.invoke(app, ["report", str(run)]).exit_code == 0
    files = json.loads((run / RUN_MARKER).read_text())["files"]
    assert {"results.xlsx", "report.html"} <= set(files)
    assert _solve(workbook, "--out", str(run)).exit_code == 0


def test_generate_never_deletes_the_users_csv_files(tmp_path):
    """``generate`` used to delete every *.csv of its target folder. A folder of the user's
    (mines.csv, notes.txt) and a workbook of the user's are refused, unchanged; the tool's own
    output (folder or workbook) may be generated again."""
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "mines.csv").write_text("mine\nmy_mine\n")
    before = _tree(mine)
    args = ["--preset", "tiny", "--modules", "0"]
    res = runner.invoke(app, ["generate", str(mine), *args])
    assert res.exit_code == 2 and "mines.csv" in res.output
    assert _tree(mine) == before
    book = tmp_path / "mine.xlsx"
    book.write_bytes(b"my workbook")
    res = runner.invoke(app, ["generate", str(book), *args])
    assert res.exit_code == 2 and book.read_bytes() == b"my workbook"
    for target in (tmp_path / "gen", tmp_path / "gen.xlsx"):
        for _ in range(2):
            res = runner.invoke(app, ["generate", str(target), *args])
            assert res.exit_code == 0, res.output


def test_write_synthetic_from_python_is_as_safe_as_the_command(tmp_path):
    """``optimizer.synthetic.write_synthetic`` (what benchmarks and scripts call) used to delete
    every *.csv of an existing folder itself. It now refuses a folder of the user's unchanged
    (OutputFolderError naming mines.csv), regenerates its own folder, and leaves a file the
    user added to a generated folder alone (refused, naming it)."""
    from optimizer.synthetic import preset, write_synthetic

    spec = preset("tiny", modules=0)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "mines.csv").write_text("mine\nmy_mine\n")
    before = _tree(mine)
    with pytest.raises(OutputFolderError, match="mines.csv"):
        write_synthetic(spec, mine)
    assert _tree(mine) == before
    gen = tmp_path / "gen"
    write_synthetic(spec, gen)
    first = _tree(gen)
    write_synthetic(spec, gen)  # its own folder: replaced with the same files (same seed)
    assert _tree(gen) == first
    (gen / "notes.txt").write_text("mine\n")
    with pytest.raises(OutputFolderError, match="notes.txt"):
        write_synthetic(spec, gen)
    assert (gen / "notes.txt").read_text() == "mine\n" and (gen / "mines.csv").exists()


def test_template_never_overwrites_a_workbook(tmp_path):
    """A filled-in workbook at the template's path is kept (exit 2); a new name is written."""
    book = tmp_path / "plan.xlsx"
    book.write_bytes(b"my filled-in workbook")
    res = runner.invoke(app, ["template", str(book)])
    assert res.exit_code == 2 and book.read_bytes() == b"my filled-in workbook"
    assert runner.invoke(app, ["template", str(tmp_path / "new.xlsx")]).exit_code == 0


@pytest.mark.parametrize("lock", ["~$results.xlsx", ".~lock.results.xlsx#"])
def test_open_workbook_is_named_not_called_foreign(tmp_path, workbook, lock):
    """Excel (``~$results.xlsx``) and LibreOffice (``.~lock.results.xlsx#``) leave a lock file
    beside a workbook they hold open. Re-running into the folder, or re-rendering it, must not
    replace the open workbook nor delete the program's lock: exit 2, a message that says the
    workbook is open and what to do, and every byte of the folder as before."""
    out = tmp_path / "run"
    assert _solve(workbook, "--out", str(out)).exit_code == 0
    (out / lock).write_bytes(b"owner")
    before = _tree(out)
    res = _solve(workbook, "--out", str(out))
    assert res.exit_code == 2, res.output
    assert "open in a spreadsheet program" in res.output and lock in res.output
    assert "did not write" not in res.output
    rendered = runner.invoke(app, ["report", str(out)])
    assert rendered.exit_code == 2 and "open in a spreadsheet program" in rendered.output
    assert _tree(out) == before


def test_lock_file_beside_a_users_file_is_still_foreign(tmp_path, workbook):
    """A lock file is excused only for the tool's own workbook: beside the user's notes it
    is one more foreign file, and the generic refusal names the notes."""
    out = tmp_path / "run"
    assert _solve(workbook, "--out", str(out)).exit_code == 0
    (out / "~$results.xlsx").write_bytes(b"owner")
    (out / "notes.txt").write_text("mine\n")
    res = _solve(workbook, "--out", str(out))
    assert res.exit_code == 2 and "notes.txt" in res.output

"""Which folders the tool may replace or write into: its own, recognised by a marker file.

Every folder :func:`optimizer.output.atomic_dir` writes (a solve's run folder, each batch run,
an analysis folder) holds ``.supplyopt-run.json``, listing every file the tool put there
(files written later by :func:`optimizer.output.atomic_file` or ``supplyopt report`` are added
to the list). Replacing such a folder deletes only files in that list, so before any write:

* an absent or empty folder may be written;
* a folder with the marker may be replaced if it holds nothing else (a ``notes.txt`` the user
  added makes it refused, naming the file);
* a run folder written before markers existed is recognised by its shape (``summary.json`` or
  ``analysis.json`` and only files of the names the tool writes);
* anything else is refused: exit 2, nothing written, a message naming the folder and what to do.

A folder that is, or contains, the current working folder is always refused (renaming it fails,
and replacing it would delete the user's working files). A batch folder is written into, never
replaced: it is recognised by ``batch_manifest.json``, or by a ``runs/`` folder of run folders
(a batch interrupted before its first summary).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from optimizer.errors import OptimizerError

RUN_MARKER = ".supplyopt-run.json"
"""The marker file in every folder the tool writes atomically (hidden: it is bookkeeping)."""

MARKER_FORMAT = 1

_LEGACY_TOP = {"summary.json", "results.xlsx", "report.html", "infeasibility.txt",
               "manifest.json", "analysis.json", "analysis.xlsx"}
"""Files a run or analysis folder held before markers existed (plus tables/*.csv, and *.csv at
the top of an analysis folder)."""

BATCH_NAMES = {"runs", "analysis", "batch_summary.csv", "batch_summary.xlsx", "sweep_curves.csv",
               "supply_shares.csv", "shadow_prices.csv", "batch_manifest.json", "report.html",
               "plotly.min.js"}
"""What ``supplyopt batch`` writes at the top of its folder."""


class OutputFolderError(OptimizerError):
    """The output folder holds files the tool did not write, or cannot be replaced (exit 2)."""

    exit_code = 2


_OS_CLUTTER = {".DS_Store", "Thumbs.db", "desktop.ini"}
"""Files a file browser drops into any folder it shows: not the user's work."""


def _is_temporary(name: str) -> bool:
    """A hidden temporary file or folder of an interrupted writer (``.x.tmp-…``, ``.x.old-…``,
    ``.x.<random>.tmp.csv``): the tool's own, cleaned up by the next write."""
    return name.startswith(".") and (".tmp" in name or ".old-" in name)


def _entries(folder: Path) -> list[str]:
    """Every file and folder under ``folder``, relative, with '/' separators (marker excluded)."""
    out = []
    for root, dirs, files in os.walk(folder):
        rel = Path(root).relative_to(folder)
        dirs[:] = [d for d in dirs if not _is_temporary(d)]
        for name in dirs + [f for f in files if not _is_temporary(f) and f not in _OS_CLUTTER]:
            path = (rel / name).as_posix()
            if path != RUN_MARKER:
                out.append(path)
    return sorted(out)


def _files(folder: Path) -> list[str]:
    return [p for p in _entries(folder) if (folder / p).is_file()]


def read_marker(folder: Path) -> dict | None:
    """The marker of ``folder``, or None if it has none (or it is not the tool's JSON)."""
    try:
        data = json.loads((folder / RUN_MARKER).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("written_by") != "supplyopt":
        return None
    return data


def write_marker(folder: Path) -> None:
    """List every file now under ``folder`` in its marker (called on a finished temp folder)."""
    data = {"written_by": "supplyopt", "format": MARKER_FORMAT,
            "note": "This folder was written by supplyopt, which replaces it as a whole on the "
                    "next run to the same folder; keep your own files elsewhere.",
            "files": _files(folder)}
    (folder / RUN_MARKER).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def register_files(folder: Path, names: list[str]) -> None:
    """Add files the tool wrote into an existing marked folder to its marker's list.

    A folder without a marker is left alone (a batch folder, or a user's folder the tool
    writes one named file into). Written via a temporary file and a rename, so a reader
    never sees half a marker.
    """
    folder = Path(folder)
    data = read_marker(folder)
    if data is None:
        return
    files = set(data.get("files") or [])
    files.update(Path(n).as_posix() for n in names)
    data["files"] = sorted(files)
    tmp = folder / f".{RUN_MARKER}.tmp-{os.getpid()}"
    tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, folder / RUN_MARKER)


def _listed(data: dict) -> set[str]:
    """The files a marker lists and every folder above them."""
    out = set()
    for f in data.get("files") or []:
        parts = f.split("/")
        out.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
    return out


def _legacy_run_folder(folder: Path, entries: list[str]) -> bool:
    """A run, batch-run or analysis folder written before markers existed."""
    top = {e for e in entries if "/" not in e}
    analysis = "analysis.json" in top
    if not ("summary.json" in top or analysis):
        return False
    for e in entries:
        if e in _LEGACY_TOP or e == "tables":
            continue
        if e.startswith("tables/") and e.count("/") == 1 and e.endswith(".csv"):
            continue
        if analysis and "/" not in e and e.endswith(".csv"):
            continue
        return False
    return True


def foreign_entries(folder: Path) -> list[str]:
    """What in ``folder`` the tool did not write (empty for an absent or empty folder, or one
    of the tool's own folders holding only what it wrote)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    entries = _entries(folder)
    data = read_marker(folder)
    if data is not None:
        listed = _listed(data)
        foreign = [e for e in entries if e not in listed]
    elif not entries or _legacy_run_folder(folder, entries):
        return []
    else:
        foreign = entries
    # Name a foreign folder once, not every file inside it.
    return [e for e in foreign if not any(e.startswith(f + "/") for f in foreign)]


def _contains_cwd(folder: Path) -> bool:
    try:
        cwd = Path.cwd().resolve()
    except OSError:  # the working folder was deleted: nothing to protect
        return False
    target = folder.resolve()
    return cwd == target or target in cwd.parents


def _not_a_folder(folder: Path, option: str) -> OutputFolderError | None:
    """The error for a ``folder`` that is a file or lies inside one, else None."""
    for path in (folder, *folder.parents):
        if path.exists() and not path.is_dir():
            where = "is a file" if path == folder else f"lies inside {path}, which is a file"
            return OutputFolderError(f"{option} {folder}: {where}, not a folder; choose a folder "
                                     "name (the tool writes several files into it)")
    return None


def _office_lock_of(entry: str) -> str | None:
    """The workbook an office lock file stands for (``~$results.xlsx`` from Excel,
    ``.~lock.results.xlsx#`` from LibreOffice), or None if ``entry`` is not a lock file."""
    parent, _, name = entry.rpartition("/")
    prefix = parent + "/" if parent else ""
    if name.startswith("~$") and len(name) > 2:
        return prefix + name[2:]
    if name.startswith(".~lock.") and name.endswith("#"):
        return prefix + name[len(".~lock."):-1]
    return None


def _open_workbooks(folder: Path, foreign: list[str]) -> OutputFolderError | None:
    """The error for a folder whose own workbook is open in an office program, else None.

    Excel and LibreOffice put a lock file beside a workbook they hold open. It is not the
    user's work, but the tool must not delete it either (the program owns it) nor replace the
    open workbook under it; so the run is refused with a message that says what to do,
    rather than the generic "files supplyopt did not write".
    """
    locked = [(e, w) for e in foreign if (w := _office_lock_of(e)) is not None
              and (folder / w).is_file()]
    if not locked or len(locked) < len(foreign):
        return None
    lock, workbook = locked[0]
    return OutputFolderError(
        f"{folder / workbook}: the workbook is open in a spreadsheet program (lock file "
        f"{lock}); close it and run again. If no program has it open, the lock file was left "
        "behind by one that closed abnormally: delete it and run again")


def _list(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def check_replaceable(folder: str | Path, option: str = "--out") -> None:
    """Raise OutputFolderError unless ``folder`` may be replaced as a whole by a new run.

    ``option`` is how the user named the folder (for the message).
    """
    folder = Path(folder)
    error = _not_a_folder(folder, option)
    if error is not None:
        raise error
    if _contains_cwd(folder):
        raise OutputFolderError(f"{option} {folder}: is or contains the current working "
                                "folder, which the tool will not replace; choose a new "
                                "sub-folder such as reports/my-run")
    foreign = foreign_entries(folder)
    if foreign:
        raise _open_workbooks(folder, foreign) or OutputFolderError(
            f"{option} {folder}: the folder holds files supplyopt did not write ("
            f"{_list(foreign)}); a run replaces its whole output folder, so choose a new or "
            "empty folder, or move those files elsewhere")


def looks_like_batch_folder(folder: Path) -> bool:
    """A folder written by ``supplyopt batch`` (finished, or interrupted after it started)."""
    if (folder / "batch_manifest.json").is_file():
        return True
    runs = folder / "runs"
    if not runs.is_dir():
        return False
    top = [p.name for p in folder.iterdir() if not _is_temporary(p.name)]
    return set(top) <= BATCH_NAMES and all(
        _is_temporary(r.name) or (r.is_dir() and not foreign_entries(r)
                                  and any(r.iterdir())) for r in runs.iterdir())


def check_batch_folder(folder: str | Path, option: str = "--out") -> None:
    """Raise OutputFolderError unless a batch may write into ``folder``.

    A batch never removes a file of its folder; it adds or replaces its own files
    (:data:`BATCH_NAMES`) and its run folders under ``runs/`` (each checked by
    :func:`check_replaceable` when written). So the folder must be absent, empty, or a batch
    folder; files the user added to a batch folder are left alone.
    """
    folder = Path(folder)
    error = _not_a_folder(folder, option)
    if error is not None:
        raise error
    if _contains_cwd(folder):
        raise OutputFolderError(f"{option} {folder}: is or contains the current working "
                                "folder; choose a new sub-folder such as reports/my-batch")
    if not folder.is_dir() or not any(folder.iterdir()) or looks_like_batch_folder(folder):
        return
    raise OutputFolderError(
        f"{option} {folder}: the folder is not empty and was not written by 'supplyopt batch' "
        "(no batch_manifest.json, no runs/ of run folders); choose a new or empty folder")


def check_renderable(folder: str | Path) -> None:
    """Raise OutputFolderError unless ``supplyopt report`` may (re)write ``folder``'s
    results.xlsx and report.html: a run, batch or analysis folder of the tool's own."""
    folder = Path(folder)
    if not folder.is_dir():
        raise OutputFolderError(f"{folder}: no such folder; expected a folder written by "
                                "'supplyopt solve', 'batch' or 'analyse'")
    if looks_like_batch_folder(folder):
        return
    entries = _entries(folder)
    data = read_marker(folder)
    if data is None and not _legacy_run_folder(folder, entries):
        raise OutputFolderError(
            f"{folder}: not a folder written by supplyopt (no {RUN_MARKER}, and not the shape "
            "of a run folder: summary.json and tables/*.csv); 'supplyopt report' only "
            "re-renders the tool's own run, batch and analysis folders")
    locked = _open_workbooks(folder, [e for e in entries if _office_lock_of(e)])
    if locked is not None:  # re-rendering would replace the workbook the program holds
        raise locked
    if data is not None:
        listed = _listed(data)
        clash = [n for n in ("results.xlsx", "report.html") if n in entries and n not in listed]
        if clash:
            raise OutputFolderError(
                f"{folder}: {_list(clash)} was not written by supplyopt and would be "
                "overwritten; move it elsewhere first")

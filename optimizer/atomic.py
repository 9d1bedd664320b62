"""Write one file atomically: a temporary sibling, renamed over the target on success.

Its own module so that the report renderers (:mod:`optimizer.report`) can write files without
importing :mod:`optimizer.output`, which imports them: imports run one way, output → report →
atomic. :mod:`optimizer.output` re-exports :func:`atomic_file`.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from optimizer.out_folder import register_files


def umask() -> int:
    """The process's file-creation mask (read without changing it where Linux allows)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: set and restore at once
    os.umask(mask)
    return mask


@contextmanager
def atomic_file(path: str | Path, durable: bool = False):
    """Yield a temporary path next to ``path``; on success it replaces ``path``, all or nothing.

    The finished file gets the mode any new file gets under the user's umask (the temporary
    one is 0600). ``durable`` also flushes the file and the rename to disk (what a resumed
    batch reads back after a crash).
    """
    path = Path(path)
    fd, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}",
                                dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        tmp.chmod(0o666 & ~umask())
        if durable:
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        # A marked run folder lists what it holds. Listed before the rename: a kill between
        # the two leaves the marker naming an absent file (harmless), never a file of the
        # tool's that the marker does not name (which would make the folder look foreign).
        register_files(path.parent, [path.name])
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        try:
            dfd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        except OSError:  # not every platform or file system syncs a folder
            pass

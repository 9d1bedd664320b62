"""Safe names for output folders derived from instance, scenario or run names."""

from __future__ import annotations

import re

_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
             *(f"LPT{i}" for i in range(1, 10))}


def safe_name(name: str, fallback: str = "run") -> str:
    """A folder name that cannot escape its parent: no separators, ``..``, or reserved names."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", str(name)).strip("._-") or fallback
    if cleaned.split(".")[0].upper() in _RESERVED:
        cleaned = f"_{cleaned}"
    return cleaned[:80]

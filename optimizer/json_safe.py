"""JSON the way every reader accepts it: NaN and ±infinity become ``null``.

Python's :func:`json.dumps` writes ``NaN`` and ``Infinity`` by default, which are not JSON
(RFC 8259): ``jq``, JavaScript's ``JSON.parse`` and most other readers refuse the file. A
missing number (a measure that could not be computed, a gap without a plan) is written as
``null`` instead, and :func:`dumps` passes ``allow_nan=False`` so that a stray one raises
instead of being written.
"""

from __future__ import annotations

import json
import math


def json_safe(obj):
    """``obj`` with every float NaN or ±inf (also numpy scalars) replaced by None, recursively.

    Dicts, lists and tuples are rebuilt (tuples become lists, as JSON has no tuple); other
    values are returned unchanged.
    """
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):  # a numpy scalar
        try:
            obj = obj.item()
        except (TypeError, ValueError):
            return obj
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _default(o):
    if hasattr(o, "item"):
        return o.item()
    return str(o)


def dumps(obj, indent: int | None = 2) -> str:
    """Strict JSON text of ``obj`` (NaN/inf as null, non-JSON objects as their ``str``)."""
    return json.dumps(json_safe(obj), indent=indent, default=_default, ensure_ascii=False,
                      allow_nan=False)

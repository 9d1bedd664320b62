"""CSV float cells formatted in one pass per column read as pandas' own writer writes them."""

import io

import numpy as np
import pandas as pd

from optimizer.csv_safe import neutralise_frame, write_csv


def _written(df: pd.DataFrame) -> str:
    buf = io.StringIO()
    write_csv(df, buf)
    return buf.getvalue()


def test_ten_significant_digits_by_hand():
    """``%.10g``: NaN is an empty cell (``""`` here, the row's only cell: Python's csv writer
    quotes a lone empty field so that the row is not a blank line); 123456789012 has 12 digits,
    so 1.23456789e+11; −0.0 keeps its sign; 1e16 and 5e-7 switch to exponents as printf does."""
    df = pd.DataFrame({"x": [np.nan, 123456789012.0, -0.0, 1e16, -5e-7, 0.1, np.inf]})
    assert _written(df).splitlines() == ["x", '""', "1.23456789e+11", "-0", "1e+16", "-5e-07",
                                         "0.1", "inf"]


def test_same_bytes_as_pandas_own_float_format():
    """Every kind of cell beside the floats (text needing quotes, formula-like text, missing
    text, integers, booleans, float32) and an empty table: the file pandas writes itself."""
    frames = [
        pd.DataFrame({"a": [np.nan, np.inf, -np.inf, -0.0, 1e-300, 1.23456789012345e20, 2.5],
                      "s": ["=x", "-1", "a,b", 'q"q', "", None, "x"],
                      "n": [1, 2, 3, 4, 5, 6, 7], "b": [True, False] * 3 + [True]}),
        pd.DataFrame({"only": [np.nan, 1.0, np.nan]}),
        pd.DataFrame({"f32": np.array([0.1, np.nan], dtype=np.float32)}),
        pd.DataFrame({"e": pd.Series([], dtype=float)}),
        pd.DataFrame([[1.5, 2.5]], columns=["d", "d"]),  # duplicate names: pandas' own path
    ]
    for df in frames:
        buf = io.StringIO()
        neutralise_frame(df).to_csv(buf, index=False, float_format="%.10g")
        assert _written(df) == buf.getvalue()

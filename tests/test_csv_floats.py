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


def _pandas_bytes(df: pd.DataFrame) -> str:
    """What pandas' own writer writes of the neutralised frame."""
    buf = io.StringIO()
    neutralise_frame(df).to_csv(buf, index=False, float_format="%.10g")
    return buf.getvalue()


def test_every_column_type_of_the_result_tables_as_pandas_writes_it(tmp_path):
    """The csv writer's path (optimizer/csv_safe.py ``_columns_as_written``) against pandas' own,
    for each type it takes (missing values, quotes, commas, line breaks, formula-like text and
    categories included) and for types it leaves to pandas (nullable integers, float32,
    dates), to a file as to a buffer."""
    frames = [
        pd.DataFrame({"cat": pd.Categorical(["b", None, "=a", "b"]),
                      "str": pd.Series(["x", None, "a\nb", "é,ü"], dtype="str"),
                      "obj": pd.Series([1, 2.5, None, np.nan], dtype=object),
                      "mix": pd.Series(["t", True, 3, 'say "hi"'], dtype=object),
                      "u8": np.array([0, 1, 2, 255], dtype=np.uint8),
                      "i": [-1, 0, 1, 2**40], "b": [True, False, True, False],
                      "f": [0.1, np.nan, -0.0, 1e-7]}),
        pd.DataFrame({"nullable": pd.array([1, None], dtype="Int64"), "f": [1.5, 2.0]}),
        pd.DataFrame({"d": pd.to_datetime(["2030-01-01", None]), "s": ["a", "b"]}),
        pd.DataFrame({"a": pd.Series([], dtype=float), "s": pd.Series([], dtype=object)}),
        pd.DataFrame({"s": [""]}),  # one empty field: quoted, not a blank line
        pd.DataFrame(index=range(2)),  # no columns at all
        pd.DataFrame({"fc": pd.Categorical([0.1234567890123, 2.0, np.nan]),  # numbers as
                      "ic": pd.Categorical([1, 2, 3])}),                     # categories
    ]
    from optimizer.csv_safe import _columns_as_written

    fast = [_columns_as_written(neutralise_frame(df)) is not None for df in frames]
    assert fast == [True, False, False, True, True, False, True]  # both paths under test
    for k, df in enumerate(frames):
        assert _written(df) == _pandas_bytes(df), k
        path = tmp_path / f"t{k}.csv"
        write_csv(df, path)
        with open(path, encoding="utf-8", newline="") as f:
            assert f.read() == _pandas_bytes(df), k


def test_a_solved_runs_tables_as_pandas_writes_them():
    """Every table of a solved run of the 10-quarter baseline (shadow prices and the status
    quo included): the same text from both writers."""
    from optimizer.api import load_instance, solve

    run = solve(load_instance("instances/ree_baseline_10q.xlsx"))
    assert len(run.tables) > 20
    for name, df in run.tables.items():
        assert _written(df) == _pandas_bytes(df), name


def test_a_table_longer_than_a_chunk(monkeypatch):
    """Rows written a chunk at a time (``CHUNK_ROWS``, lowered here to 3): the same text."""
    from optimizer import csv_safe

    monkeypatch.setattr(csv_safe, "CHUNK_ROWS", 3)
    df = pd.DataFrame({"s": ["a", None, "=b", "c", "d", "e", "f"],
                       "x": [0.5, np.nan, 1.0, 2.0, 3.0, 4.0, 5.0], "n": range(7)})
    assert _written(df) == _pandas_bytes(df)

"""A worksheet that takes a table's columns whole and writes their cells' XML in bulk.

XlsxWriter stores every cell as a tuple in a per-row dict (through four calls and a bounds
check) and, when the workbook closes, writes each one back out through as many calls again:
about 5 µs a cell, 0.9 s of CPU for the 180k cells of the medium preset's results.xlsx. A
:class:`ColumnSheet` takes a column as one list (finite numbers, booleans, or text already
entered in the workbook's shared-string table) and, at close, formats each column's cells in
one comprehension and each row as one join: the same XML, byte for byte, as XlsxWriter's own
writer (tests/test_excel_columns.py compares whole workbooks both ways), in a fraction of
the time.

What it relies on: XlsxWriter's worksheet keeps cells in ``table`` (row → col → cell tuple),
extends ``dim_*`` through ``_check_dimensions``, and writes ``<sheetData>`` in
``_write_rows`` with ``<row>`` tags from ``_write_row``, cells from ``_write_cell``, spans per
block of 16 rows, and style indices numbered in the order cells are first written
(``Format._get_xf_index``). Cells of any other kind (blanks, formulas, the ``inf`` text of an
unbounded range) are written the ordinary way into ``table`` and merged row by row, in column
order. A chart's cached values are read from ``table``, so a sheet a chart reads from turns
its columns into ordinary cells first (:meth:`ColumnSheet._get_range_data`). Row and column
formats (``set_row``/``set_column`` with a format) are not applied to bulk cells: such a
sheet is written the ordinary way too.
"""

from __future__ import annotations

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

try:
    from xlsxwriter.worksheet import CellBooleanTuple, CellNumberTuple, CellStringTuple
except ImportError:  # XlsxWriter before 3.2 stores its cells otherwise
    CellBooleanTuple = CellNumberTuple = CellStringTuple = None

TESTED_VERSIONS = ("3.3.",)
"""XlsxWriter versions whose internals this module reproduces byte for byte
(tests/test_excel_columns.py; 3.1 lacks the cell tuples, 3.2 writes other XML)."""

SUPPORTED = xlsxwriter.__version__.startswith(TESTED_VERSIONS) and CellNumberTuple is not None
"""Whether the installed XlsxWriter is one of them; otherwise every sheet is written the
ordinary way (the same file, more slowly: optimizer/report/excel_sheet.py)."""

NUMBER, TEXT, BOOLEAN = "n", "s", "b"
"""Kinds of a bulk column: finite numbers, shared-string indices, booleans (0/1)."""

_TUPLES = {NUMBER: CellNumberTuple, TEXT: CellStringTuple, BOOLEAN: CellBooleanTuple}
_SPAN_ROWS = 16  # XlsxWriter gives each block of 16 rows one "spans" attribute


class ColumnSheet(Worksheet):
    """An XlsxWriter worksheet with :meth:`put_column` for a whole column of cells.

    Create it with ``workbook.add_worksheet(name, worksheet_class=ColumnSheet)``; every
    ordinary write method still works.
    """

    def __init__(self) -> None:
        super().__init__()
        self._columns: dict[int, tuple] = {}
        self._used: dict[int, set] = {}  # per column, the looks its cells use

    def put_column(self, col: int, first_row: int, kind: str, values: list,
                   looks: tuple, look_of_row: list[int] | None = None) -> None:
        """Cells ``(first_row + i, col)`` holding ``values[i]`` (0-based row and column).

        ``kind`` is :data:`NUMBER` (finite ints or floats), :data:`BOOLEAN` (bools or 0/1) or
        :data:`TEXT`: indices from ``self.str_table._get_shared_string_index``, which the
        caller enters in cell order, as ``write_string`` would. A ``None`` value means no cell
        from this column in that row (the caller wrote that cell the ordinary way, or none).
        ``looks`` are the formats (or None) the cells use, ``look_of_row[i]`` the index of
        row ``i``'s (all ``looks[0]`` when omitted). A column is put once.
        """
        present = [i for i, v in enumerate(values) if v is not None]
        if not present:
            return
        self._columns[col] = (kind, first_row, values, tuple(looks), look_of_row)
        self._check_dimensions(first_row + present[0], col)
        self._check_dimensions(first_row + present[-1], col)

    # ---- what XlsxWriter calls when the workbook closes --------------------------------

    def _get_range_data(self, row_start, col_start, row_end, col_end):
        """A chart's cached values come from ``table``: move the bulk cells there first."""
        self._to_table()
        return super()._get_range_data(row_start, col_start, row_end, col_end)

    def _write_rows(self) -> None:
        """``<sheetData>``'s rows: bulk and ordinary cells merged, XML as XlsxWriter's."""
        if self._columns and (any(getattr(i, "column_format", None) for i in
                                  self.col_info.values())
                              or any(getattr(i, "row_format", None) for i in
                                     self.row_info.values())):
            self._to_table()  # row or column formats apply to format-less cells: not here
        if not self._columns:
            super()._write_rows()
            return
        self._number_formats()
        first = min(c[1] for c in self._columns.values())
        last = max(c[1] + len(c[2]) - 1 for c in self._columns.values())
        cols = sorted(self._columns)
        pieces = [self._pieces(col, first, last) for col in cols]
        bulk_rows = list(map("".join, zip(*pieces, strict=True)))
        spans = self._spans(cols, pieces, first)
        self.row_spans = spans
        plain_tag = self.default_row_height == self.original_row_height \
            and self.excel_version != 2010
        write = self.fh.write
        for row in range(self.dim_rowmin, self.dim_rowmax + 1):
            cells = self.table.get(row)
            bulk = bulk_rows[row - first] if first <= row <= last else ""
            info = self.row_info.get(row)
            span = spans.get(row // _SPAN_ROWS)
            if not cells and not bulk:
                if info is not None or row in self.comments:
                    self._write_empty_row(row, span, info)
                continue
            if info is None and plain_tag:
                write(f'<row r="{row + 1}" spans="{span}">' if span else f'<row r="{row + 1}">')
            else:
                self._write_row(row, span, info)
            if not cells:
                write(bulk)
            elif not bulk:
                for col in sorted(cells):
                    self._write_cell(row, col, cells[col])
            else:  # both kinds in one row: in column order
                of_col = dict(zip(cols, (p[row - first] for p in pieces), strict=True))
                for col in sorted(set(cells) | set(cols)):
                    if col in cells:
                        self._write_cell(row, col, cells[col])
                    elif of_col[col]:
                        write(of_col[col])
            write("</row>")

    # ---- helpers ------------------------------------------------------------------------

    def _to_table(self) -> None:
        """Store the bulk cells as ordinary cells (what ``write_number`` etc. would have)."""
        for col, (kind, first_row, values, looks, look_of_row) in self._columns.items():
            cell = _TUPLES[kind]
            for i, v in enumerate(values):
                if v is not None:
                    look = looks[look_of_row[i] if look_of_row is not None else 0]
                    self.table[first_row + i][col] = cell(int(v) if kind == BOOLEAN else v, look)
        self._columns = {}

    def _number_formats(self) -> None:
        """Give the formats their style indices in the order XlsxWriter's row-by-row writer
        would first meet them (indices are handed out on first use)."""
        firsts = []
        for row, cells in self.table.items():
            firsts += [(row, col, cell.format) for col, cell in cells.items() if cell.format]
        self._used = {}
        for col, (_, first_row, values, looks, look_of_row) in self._columns.items():
            seen = self._used[col] = set()
            for i, v in enumerate(values):
                k = look_of_row[i] if look_of_row is not None else 0
                if v is not None and k not in seen:
                    seen.add(k)
                    if looks[k] is not None:
                        firsts.append((first_row + i, col, looks[k]))
                    if len(seen) == len(looks):
                        break
        for _, _, fmt in sorted(firsts, key=lambda t: t[:2]):
            fmt._get_xf_index()

    def _pieces(self, col: int, first: int, last: int) -> list[str]:
        """Each row's XML for this column's cell, rows ``first``..``last`` ('' for none)."""
        kind, first_row, values, looks, look_of_row = self._columns[col]
        letter = xl_col_to_name(col)
        used = self._used[col]  # an unused look must not take a style index
        style = [f' s="{f._get_xf_index()}"' if f is not None and k in used else ""
                 for k, f in enumerate(looks)]
        rows = range(first_row + 1, first_row + 1 + len(values))
        of_row = look_of_row if look_of_row is not None else [0] * len(values)
        if kind == NUMBER:
            out = [f'<c r="{letter}{r}"{style[k]}><v>{v:.16G}</v></c>' if v is not None
                   else "" for r, v, k in zip(rows, values, of_row, strict=True)]
        else:
            t = "s" if kind == TEXT else "b"
            out = [f'<c r="{letter}{r}"{style[k]} t="{t}"><v>{int(v)}</v></c>' if v is not None
                   else "" for r, v, k in zip(rows, values, of_row, strict=True)]
        return [""] * (first_row - first) + out + [""] * (last - first_row - len(values) + 1)

    def _spans(self, cols: list[int], pieces: list[list[str]], first: int) -> dict[int, str]:
        """XlsxWriter's ``spans`` per block of 16 rows: the first and last used column."""
        low: dict[int, int] = {}
        high: dict[int, int] = {}

        def use(block, col):
            if block not in low or col < low[block]:
                low[block] = col
            if block not in high or col > high[block]:
                high[block] = col

        for col, piece in zip(cols, pieces, strict=True):
            for block in {(first + i) // _SPAN_ROWS for i, p in enumerate(piece) if p}:
                use(block, col)
        for row, cells in list(self.table.items()) + list(self.comments.items()):
            for col in cells:
                use(row // _SPAN_ROWS, col)
        return {b: f"{low[b] + 1}:{high[b] + 1}" for b in low}

"""Generated from the schema: the empty template workbook and docs/instance-format.md."""

from __future__ import annotations

from pathlib import Path

from optimizer.scenario import FIRST_STAGE_SHEETS
from optimizer.schema import SHEETS, Sheet

READING_RULES = (
    "Names (keys, and the values that refer to them) are matched exactly, after trimming "
    "spaces, removing invisible characters and Unicode (NFC) normalisation. Two names that "
    "differ only by upper/lower case (`aus_mtweld` beside `AUS_MtWeld`, or `EV` beside `ev` "
    "among the end uses of `demands`) are **refused** (exit 2, naming the later row), not "
    "warned about: the tool would treat them as two different sites, countries or end uses, "
    "while a planner, and a spreadsheet's own lookups (VLOOKUP, MATCH), read them as one. "
    "Sheet names and column headers are matched ignoring case.",
    "A column header the sheet does not define is ignored with a warning, unless it looks like "
    "a misspelling of a column the sheet lacks (`capacity_tt`, or `capacity` without its unit "
    "suffix, for `capacity_t`): that is an error naming the header cell and the column meant, "
    "since reading on would leave that column blank on every row (for `lanes.capacity_t`: "
    "every lane unlimited). Likewise an unknown sheet is ignored with a warning unless its name "
    "looks like a known sheet that is missing (`tarifs`).",
    "In a CSV file every row holds one field per header column: an empty value still needs its "
    "delimiter, and a value containing the delimiter must be quoted. Extra empty fields at the "
    "end of a row are accepted, and values under a field the header row leaves unnamed are "
    "ignored (as unnamed workbook columns are); any other field count is an error naming the "
    "file and row.",
    "A stockpile's `initial_t` may not exceed its `capacity_t`.",
    "A workbook with a DTD or XML entity declarations in any of its parts is refused for safety "
    "(Excel never writes them).",
)
"""Rules of reading that no single column states; listed at the top of the format page."""

KIND_TEXT = {
    "key": "text (identifier, unique)", "ref": "text (must name a row of another sheet)",
    "text": "text", "float": "number", "int": "whole number", "bool": "yes/no",
    "period": "period label", "choice": "one of a list",
}


def _expects(col) -> str:
    parts = ["one of" if col.choices else KIND_TEXT[col.kind]]
    if col.ref and col.ref != "sites":
        parts.append(f"from sheet '{col.ref}'")
    elif col.ref == "sites":
        parts.append("a mine, plant, trader, stockpile or demand")
    if col.ref_extra:
        parts.append("or " + ", ".join(f"'{x}'" for x in col.ref_extra))
    if col.choices:
        parts[0] += " " + " | ".join(col.choices)
    if col.min is not None or col.max is not None:
        lo = "" if col.min is None else f"≥ {col.min:g}"
        hi = "" if col.max is None else f"≤ {col.max:g}"
        parts.append(" and ".join(p for p in (lo, hi) if p))
    return ", ".join(parts)


def instance_format_markdown() -> str:
    """The docs page describing every sheet and column, from the schema."""
    lines = ["# Instance format", "",
             "Generated from `optimizer/schema.py` by `python -m optimizer.template docs` — do not "
             "edit by hand.", "",
             "An instance is an Excel workbook (.xlsx) with one sheet per table below, or a folder "
             "with one `<sheet>.csv` file per table (same columns; `,` `;` or tab delimited; UTF-8, "
             "UTF-16 or Windows-1252). Row 1 holds the column headers; blank rows are skipped. "
             "`supplyopt template PATH` writes an empty workbook with these sheets.", "",
             "Sites (mines, plants, traders, stockpiles, demand nodes) share one namespace: a site "
             "name is unique across all five sheets. Nothing about countries is built in: every "
             "country, element, period and rule comes from the data.", "",
             "## Reading rules", ""]
    lines += [f"- {rule}" for rule in READING_RULES]
    lines.append("")
    for sheet in SHEETS:
        req = "required" if sheet.required else "optional"
        lines += [f"## `{sheet.name}` ({req})", "", sheet.description, ""]
        if sheet.key:
            lines += [f"Key: {', '.join(sheet.key)} (unique per row).", ""]
        lines += ["| column | type | unit | required | default | description |",
                  "|---|---|---|---|---|---|"]
        for c in sheet.columns:
            required = "yes" if c.required and c.default is None else "no"
            default = "" if c.default is None else f"`{c.default}`"
            over = ""
            if c.overridable:
                # Build candidates are shared by the scenarios that decide them: only batch
                # runs and --set (which change the base data) may change them.
                over = " Batch runs and --set may change it (scenarios may not)." \
                    if sheet.name in FIRST_STAGE_SHEETS else " Scenarios may change it."
            cells = [f"`{c.name}`", _expects(c), c.unit, required, default,
                     f"{c.description}{over}"]
            # a '|' inside a cell (the list of choices) would end the cell: escape it
            lines.append("| " + " | ".join(x.replace("|", "\\|") for x in cells) + " |")
        lines.append("")
        for note in sheet.notes:
            lines.append(f"- {note}")
        if sheet.notes:
            lines.append("")
    return "\n".join(lines)


def _dropdown_source(col, sheet_rows: dict[str, str]) -> str | None:
    if col.choices:
        return '"' + ",".join(col.choices) + '"'
    if col.ref in sheet_rows:
        return sheet_rows[col.ref]
    return None


def write_template(path: str | Path) -> None:
    """Write an empty workbook: README sheet, one sheet per table with header comments
    (description and unit) and drop-down lists for keys that name other sheets."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    path = Path(path)
    wb = Workbook()
    readme = wb.active
    readme.title = "README"
    readme.append(["Supply-diversification instance template"])
    readme["A1"].font = Font(bold=True, size=14)
    readme.append(["One sheet per table. Hover over a header for its meaning and unit. "
                   "Required sheets and columns are marked in the list below."])
    readme.append([])
    readme.append(["sheet", "required", "description"])
    for cell in readme[4]:
        cell.font = Font(bold=True)
    for sheet in SHEETS:
        readme.append([sheet.name, "yes" if sheet.required else "no", sheet.description])
    readme.append([])
    readme.append(["Reading rules"])
    readme.cell(readme.max_row, 1).font = Font(bold=True)
    for rule in READING_RULES:
        readme.append(["", "", rule.replace("`", "").replace("**", "")])
    readme.column_dimensions["A"].width = 24
    readme.column_dimensions["C"].width = 110
    key_range = {}
    for sheet in SHEETS:
        if len(sheet.key) == 1:
            key_range[sheet.name] = f"{sheet.name}!$A$2:$A$1000"
    fill = PatternFill("solid", fgColor="DDEBF7")
    for sheet in SHEETS:
        ws = wb.create_sheet(sheet.name)
        _write_headers(ws, sheet, Comment, Font, fill)
        for i, col in enumerate(sheet.columns, start=1):
            source = _dropdown_source(col, key_range)
            if source:
                dv = DataValidation(type="list", formula1=source, allow_blank=True)
                dv.error = f"Expected {_expects(col)}"
                dv.showErrorMessage = False  # '*' and 'concentrate' are valid extras
                ws.add_data_validation(dv)
                letter = ws.cell(row=1, column=i).column_letter
                dv.add(f"{letter}2:{letter}1000")
        ws.freeze_panes = "A2"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def _write_headers(ws, sheet: Sheet, Comment, Font, fill) -> None:
    for i, col in enumerate(sheet.columns, start=1):
        cell = ws.cell(row=1, column=i, value=col.name)
        cell.font = Font(bold=True)
        cell.fill = fill
        unit = f" Unit: {col.unit}." if col.unit else ""
        req = "Required." if col.required and col.default is None else f"Optional (default {col.default})."
        cell.comment = Comment(f"{col.description}{unit} {req} Type: {_expects(col)}.", "supplyopt")
        ws.column_dimensions[cell.column_letter].width = max(12, len(col.name) + 4)


if __name__ == "__main__":  # python -m optimizer.template docs
    import sys

    if sys.argv[1:] == ["docs"]:
        Path("docs/instance-format.md").write_text(instance_format_markdown() + "\n", encoding="utf-8")
        print("wrote docs/instance-format.md")

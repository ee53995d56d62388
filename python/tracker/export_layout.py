"""The look of a worksheet, read from a workbook and given to an export sheet.

Column widths, frozen panes, print settings and conditional formats are
read from a sheet part, so a tab that the builder gains later is exported
with its own layout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .export import ExportWriter
from .package import NS, Package

MAX_ROW, MAX_COL = 1_048_575, 16_383  # Excel's last row and column, 0-based
DEFAULT_COLUMN_PIXELS = 64
CELL_OPERATORS = {"equal": "==", "notEqual": "!=", "greaterThan": ">", "lessThan": "<",
                  "greaterThanOrEqual": ">=", "lessThanOrEqual": "<="}


@dataclass
class SheetLayout:
    """The look of a worksheet: column widths, frozen panes and print settings."""

    column_pixels: dict[int, int] = field(default_factory=dict)  # 0-based column: pixels
    hidden_columns: set[int] = field(default_factory=set)
    freeze: tuple[int, int] | None = None  # rows, columns
    hide_gridlines: bool = False
    landscape: bool = False
    paper: int | None = None
    fit_to_pages: tuple[int, int] | None = None  # width, height; 0 means as many as needed
    margins: dict[str, float] = field(default_factory=dict)
    print_area: tuple[int, int, int, int] | None = None  # first row, first col, last row, last col
    repeat_rows: tuple[int, int] | None = None
    repeat_columns: tuple[int, int] | None = None
    conditional_formats: list[tuple[str, dict, dict]] = field(default_factory=list)  # sqref, rule, dxf

    def column_width(self, col: int) -> int:
        if col in self.hidden_columns:
            return 0
        return self.column_pixels.get(col, DEFAULT_COLUMN_PIXELS)


def read_layout(package: Package, sheet_name: str) -> SheetLayout:
    """Return the layout of a sheet in the workbook, or a blank layout if it is absent."""
    part = package.sheet_parts().get(sheet_name)
    layout = SheetLayout()
    if part is None:
        return layout
    root = package.xml(part)
    main = "{%s}" % NS["main"]

    for col in root.iterfind(f"{main}cols/{main}col"):
        if col.get("width") is None:
            continue
        # Stored width (characters plus padding) to pixels, by the formula that
        # ECMA-376 Part 1 gives for the col element, with a 7-pixel digit (Calibri 11).
        pixels = int((256 * float(col.get("width")) + 128 // 7) / 256 * 7)
        for index in range(int(col.get("min")) - 1, int(col.get("max"))):
            layout.column_pixels[index] = pixels
            if col.get("hidden") == "1":
                layout.hidden_columns.add(index)

    view = root.find(f"{main}sheetViews/{main}sheetView")
    if view is not None:
        layout.hide_gridlines = view.get("showGridLines") == "0"
        pane = view.find(f"{main}pane")
        if pane is not None and pane.get("state") in ("frozen", "frozenSplit"):
            layout.freeze = (int(float(pane.get("ySplit", 0))), int(float(pane.get("xSplit", 0))))

    setup = root.find(f"{main}pageSetup")
    if setup is not None:
        layout.landscape = setup.get("orientation") == "landscape"
        layout.paper = int(setup.get("paperSize")) if setup.get("paperSize") else None
        fit = root.find(f"{main}sheetPr/{main}pageSetUpPr")
        if fit is not None and fit.get("fitToPage") == "1":
            layout.fit_to_pages = (int(setup.get("fitToWidth", 1)), int(setup.get("fitToHeight", 1)))
    margins = root.find(f"{main}pageMargins")
    if margins is not None:
        layout.margins = {side: float(margins.get(side)) for side in ("left", "right", "top", "bottom")
                          if margins.get(side)}

    dxfs = _dxfs(package)
    for block in root.iterfind(f"{main}conditionalFormatting"):
        for rule in block.iterfind(f"{main}cfRule"):
            dxf_id = rule.get("dxfId")
            dxf = dxfs[int(dxf_id)] if dxf_id is not None and int(dxf_id) < len(dxfs) else {}
            formulas = [f.text or "" for f in rule.iterfind(f"{main}formula")]
            layout.conditional_formats.append((block.get("sqref"), {
                "type": rule.get("type"), "operator": rule.get("operator"), "formulas": formulas}, dxf))

    _read_print_names(package, sheet_name, layout)
    return layout


def _dxfs(package: Package) -> list[dict]:
    """Return the differential formats of styles.xml as XlsxWriter format properties."""
    if "xl/styles.xml" not in package.parts:
        return []
    main = "{%s}" % NS["main"]
    result = []
    for dxf in package.xml("xl/styles.xml").iterfind(f"{main}dxfs/{main}dxf"):
        props: dict[str, object] = {}
        font = dxf.find(f"{main}font")
        if font is not None:
            if font.find(f"{main}b") is not None:
                props["bold"] = True
            colour = font.find(f"{main}color")
            if colour is not None and colour.get("rgb"):
                props["font_color"] = "#" + colour.get("rgb")[-6:]
        fill = dxf.find(f"{main}fill/{main}patternFill/{main}bgColor")
        if fill is not None and fill.get("rgb"):
            props["bg_color"] = "#" + fill.get("rgb")[-6:]
        result.append(props)
    return result


def _read_print_names(package: Package, sheet_name: str, layout: SheetLayout) -> None:
    """Read the print area and the rows repeated on each page from the workbook's defined names."""
    workbook = package.xml("xl/workbook.xml")
    names = [s.get("name") for s in workbook.find("main:sheets", NS)]
    if sheet_name not in names:
        return
    index = str(names.index(sheet_name))
    for defined in workbook.iterfind("main:definedNames/main:definedName", NS):
        if defined.get("localSheetId") != index or not defined.text:
            continue
        areas = [_area(part.rsplit("!", 1)[-1]) for part in defined.text.split(",")]
        if defined.get("name") == "_xlnm.Print_Area" and areas[0]:
            layout.print_area = areas[0]
        elif defined.get("name") == "_xlnm.Print_Titles":
            for area in filter(None, areas):
                if area[1] == 0 and area[3] == MAX_COL:
                    layout.repeat_rows = (area[0], area[2])
                elif area[0] == 0 and area[2] == MAX_ROW:
                    layout.repeat_columns = (area[1], area[3])


def _area(reference: str) -> tuple[int, int, int, int] | None:
    """Return 0-based (first row, first col, last row, last col) of 'A1:T37', 'A:S' or '4:4'."""
    match = re.fullmatch(r"\$?([A-Z]*)\$?(\d*)(?::\$?([A-Z]*)\$?(\d*))?", reference.strip())
    if not match:
        return None
    col1, row1, col2, row2 = match.groups()
    if col2 is None and row2 is None:
        col2, row2 = col1, row1
    if not (col1 or row1) or bool(col1) != bool(col2) or bool(row1) != bool(row2):
        return None
    first_col = _column_index(col1) if col1 else 0
    last_col = _column_index(col2) if col2 else MAX_COL
    first_row = int(row1) - 1 if row1 else 0
    last_row = int(row2) - 1 if row2 else MAX_ROW
    return first_row, first_col, last_row, last_col


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def apply_layout(writer: ExportWriter, sheet, layout: SheetLayout) -> None:
    """Give an export sheet the widths, panes, print settings and conditional formats of its source."""
    for col, pixels in sorted(layout.column_pixels.items()):
        sheet.set_column_pixels(col, col, pixels, None, {"hidden": col in layout.hidden_columns})
    if layout.freeze:
        sheet.freeze_panes(*layout.freeze)
    if layout.hide_gridlines:
        sheet.hide_gridlines(2)
    if layout.landscape:
        sheet.set_landscape()
    if layout.paper:
        sheet.set_paper(layout.paper)
    if layout.fit_to_pages:
        sheet.fit_to_pages(*layout.fit_to_pages)
    if layout.margins:
        sheet.set_margins(**layout.margins)
    if layout.print_area:
        sheet.print_area(*layout.print_area)
    if layout.repeat_rows:
        sheet.repeat_rows(*layout.repeat_rows)
    if layout.repeat_columns:
        sheet.repeat_columns(*layout.repeat_columns)

    for sqref, rule, dxf in layout.conditional_formats:
        options = _conditional_options(rule, writer.book.add_format(dxf))
        if options is None or not sqref:
            continue
        ranges = sqref.split()
        if len(ranges) > 1:
            options["multi_range"] = sqref
        sheet.conditional_format(ranges[0], options)


def _conditional_options(rule: dict, cell_format) -> dict | None:
    # Only the two rule types the builder writes are carried across.
    formulas = rule["formulas"]
    if rule["type"] == "expression" and formulas:
        return {"type": "formula", "criteria": "=" + formulas[0], "format": cell_format}
    if rule["type"] == "cellIs" and formulas and rule["operator"] in CELL_OPERATORS:
        return {"type": "cell", "criteria": CELL_OPERATORS[rule["operator"]], "value": formulas[0],
                "format": cell_format}
    return None

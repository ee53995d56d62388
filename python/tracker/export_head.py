"""The export for the head: summary tabs as values, laid out as in the workbook.

Column widths, frozen panes, print settings, conditional formats and
charts are read from each tab's sheet part in the workbook, so a tab that
the builder gains later is exported with its own layout and charts.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import python_calamine
from lxml import etree
from xlsxwriter.utility import quote_sheetname

from . import contract as c
from .core.pipeline import RefreshResult
from .export import COVER_SHEET, ExportWriter, cover_rows, unique_name, write_cover
from .file_adapter import tab_replacements
from .package import NS, Package
from .tabs import Tab, build_tabs

CHART_NS = {
    "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "xdr": "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing",
    "r": NS["r"],
}
EMU_PER_PIXEL = 9525
MAX_ROW, MAX_COL = 1_048_575, 16_383  # Excel's last row and column, 0-based
DEFAULT_COLUMN_PIXELS = 64
DEFAULT_ROW_POINTS = 15.0
LEGEND_POSITIONS = {"b": "bottom", "t": "top", "l": "left", "r": "right", "tr": "top_right"}
CELL_OPERATORS = {"equal": "==", "notEqual": "!=", "greaterThan": ">", "lessThan": "<",
                  "greaterThanOrEqual": ">=", "lessThanOrEqual": "<="}
HEAD_WARNING = ("This file holds personal data about children: names, Pupil Premium, SEN and attendance. "
                "Keep it secure, share it only with staff who need it, and delete it when it is no longer needed.")


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


@dataclass
class ChartCopy:
    """A chart read from the workbook, ready to be recreated with XlsxWriter."""

    kind: dict  # XlsxWriter chart type and subtype
    title: str | None
    series: list[dict]
    y_axis: dict
    legend: str | None
    row: int
    col: int
    x_offset: int
    y_offset: int
    width: int
    height: int

    def add_to(self, writer: ExportWriter, sheet, sheet_name: str) -> None:
        """Insert the chart on ``sheet``, its ranges pointing at ``sheet_name``."""
        chart = writer.book.add_chart(self.kind)
        for spec in self.series:
            spec = dict(spec)
            for key in ("name", "categories", "values"):
                if isinstance(spec.get(key), str) and spec[key].startswith("="):
                    spec[key] = "=" + quote_sheetname(sheet_name) + "!" + spec[key].rsplit("!", 1)[-1]
            chart.add_series(spec)
        if self.title:
            chart.set_title({"name": self.title})
        else:
            chart.set_title({"none": True})
        if self.y_axis:
            chart.set_y_axis(self.y_axis)
        chart.set_legend({"position": self.legend} if self.legend else {"none": True})
        chart.set_size({"width": self.width, "height": self.height})
        sheet.insert_chart(self.row, self.col, chart, {"x_offset": self.x_offset, "y_offset": self.y_offset})


def read_charts(package: Package, tab: Tab, layout: SheetLayout) -> list[ChartCopy]:
    """Return the charts on a tab's sheet, with ranges fitted to the tab's rows.

    Bar, column and line charts are recreated. Other chart types are left
    out of the export.
    """
    part = package.sheet_parts().get(tab.name)
    if part is None:
        return []
    # The file adapter fits each chart's ranges to the rows the tab fills.
    fitted = tab_replacements(package, [tab])
    charts = []
    for kind, drawing in package.rels(part).values():
        if not kind.endswith("/drawing"):
            continue
        targets = {rel_id: target for rel_id, (k, target) in package.rels(drawing).items() if k.endswith("/chart")}
        for anchor in package.xml(drawing).iterfind("xdr:twoCellAnchor", CHART_NS):
            ref = anchor.find(".//c:chart", CHART_NS)
            if ref is None:
                continue
            target = targets.get(ref.get(f"{{{NS['r']}}}id"))
            if target is None or target not in package.parts:
                continue
            chart = _read_chart(etree.fromstring(fitted.get(target, package.parts[target])))
            if chart is not None:
                charts.append(_place(chart, anchor, tab, layout))
    return charts


def _read_chart(root) -> ChartCopy | None:
    plot = root.find("c:chart/c:plotArea", CHART_NS)
    if plot is None:
        return None
    body = next((child for child in plot if etree.QName(child).localname in ("barChart", "lineChart")), None)
    if body is None:
        return None
    if etree.QName(body).localname == "barChart":
        direction = body.find("c:barDir", CHART_NS)
        kind = {"type": "column" if direction is None or direction.get("val") == "col" else "bar"}
        grouping = body.find("c:grouping", CHART_NS)
        if grouping is not None and grouping.get("val") in ("stacked", "percentStacked"):
            kind["subtype"] = "percent_stacked" if grouping.get("val") == "percentStacked" else "stacked"
    else:
        kind = {"type": "line"}

    title = "".join(t.text or "" for t in root.iterfind("c:chart/c:title//a:t", CHART_NS)) or None
    series = [_read_series(ser) for ser in body.iterfind("c:ser", CHART_NS)]
    y_axis: dict = {}
    axis = plot.find("c:valAx", CHART_NS)
    if axis is not None:
        for bound in ("min", "max"):
            value = axis.find(f"c:scaling/c:{bound}", CHART_NS)
            if value is not None:
                y_axis[bound] = float(value.get("val"))
        number_format = axis.find("c:numFmt", CHART_NS)
        if number_format is not None and number_format.get("sourceLinked") != "1":
            y_axis["num_format"] = number_format.get("formatCode")
        if axis.find("c:majorGridlines", CHART_NS) is not None:
            y_axis["major_gridlines"] = {"visible": True}
    legend = root.find("c:chart/c:legend/c:legendPos", CHART_NS)
    legend_position = LEGEND_POSITIONS.get(legend.get("val"), "bottom") if legend is not None else None
    if root.find("c:chart/c:legend", CHART_NS) is not None and legend is None:
        legend_position = "right"
    return ChartCopy(kind, title, series, y_axis, legend_position, 0, 0, 0, 0, 480, 288)


def _read_series(ser) -> dict:
    spec: dict = {}
    name = ser.find("c:tx/c:strRef/c:f", CHART_NS)
    literal = ser.find("c:tx/c:v", CHART_NS)
    if name is not None:
        spec["name"] = "=" + name.text
    elif literal is not None:
        spec["name"] = literal.text
    for key, path in (("categories", "c:cat/*/c:f"), ("values", "c:val/*/c:f")):
        ref = ser.find(path, CHART_NS)
        if ref is not None:
            spec[key] = "=" + ref.text

    fill = ser.find("c:spPr/a:solidFill/a:srgbClr", CHART_NS)
    if fill is not None:
        spec["fill"] = {"color": "#" + fill.get("val")}
    line = ser.find("c:spPr/a:ln", CHART_NS)
    if line is not None:
        colour = line.find("a:solidFill/a:srgbClr", CHART_NS)
        spec["line"] = {"color": "#" + colour.get("val")} if colour is not None else {}
        if line.get("w"):
            spec["line"]["width"] = int(line.get("w")) / 12700  # EMU to points
    marker = ser.find("c:marker", CHART_NS)
    if marker is not None:
        symbol = marker.find("c:symbol", CHART_NS)
        size = marker.find("c:size", CHART_NS)
        colour = marker.find("c:spPr/a:solidFill/a:srgbClr", CHART_NS)
        spec["marker"] = {"type": symbol.get("val") if symbol is not None else "automatic"}
        if size is not None:
            spec["marker"]["size"] = int(size.get("val"))
        if colour is not None:
            spec["marker"]["fill"] = {"color": "#" + colour.get("val")}
            spec["marker"]["border"] = {"color": "#" + colour.get("val")}
    labels = ser.find("c:dLbls", CHART_NS)
    if labels is not None:
        show = labels.find("c:showVal", CHART_NS)
        if show is not None and show.get("val") == "1":
            spec["data_labels"] = {"value": True}
            number_format = labels.find("c:numFmt", CHART_NS)
            if number_format is not None:
                spec["data_labels"]["num_format"] = number_format.get("formatCode")
    return spec


def _place(chart: ChartCopy, anchor, tab: Tab, layout: SheetLayout) -> ChartCopy:
    """Set the chart's cell, offset and size in pixels from its two-cell anchor.

    The size is measured with the tab's row heights and the sheet's column
    widths, which is how the chart appears in the workbook after a refresh.
    """
    def corner(name: str) -> tuple[int, int, int, int]:
        point = anchor.find(f"xdr:{name}", CHART_NS)
        values = [int(point.find(f"xdr:{tag}", CHART_NS).text) for tag in ("col", "colOff", "row", "rowOff")]
        return values[0], values[1] // EMU_PER_PIXEL, values[2], values[3] // EMU_PER_PIXEL

    first_col, col_offset, first_row, row_offset = corner("from")
    last_col, last_col_offset, last_row, last_row_offset = corner("to")
    width = sum(layout.column_width(col) for col in range(first_col, last_col)) - col_offset + last_col_offset
    height = sum(_row_pixels(tab, row) for row in range(first_row, last_row)) - row_offset + last_row_offset
    chart.row, chart.col, chart.x_offset, chart.y_offset = first_row, first_col, col_offset, row_offset
    chart.width, chart.height = max(width, 50), max(height, 50)
    return chart


def _row_pixels(tab: Tab, row: int) -> int:
    return int(tab.row_heights.get(row, DEFAULT_ROW_POINTS) * 4 / 3 + 0.5)


def last_refresh_text(package: Package) -> str | None:
    """Return the 'dd/mm/yyyy hh:mm' of the last refresh from the Summary subtitle, if present."""
    pattern = re.compile(rb"Refreshed (\d{2}/\d{2}/\d{4} \d{2}:\d{2})")
    part = package.sheet_parts().get(c.SUMMARY_SHEET)
    # Excel moves text into the shared strings table when it saves the workbook.
    for name in (part, "xl/sharedStrings.xml"):
        match = pattern.search(package.parts.get(name, b"")) if name else None
        if match:
            return match.group(1).decode()
    return None


def export_tabs(package: Package, result: RefreshResult, include_inputs: bool) -> list[Tab]:
    """Return the owned tabs to export, in workbook order.

    A tab is exported only when the workbook has its sheet. Data issues
    points at cells of the input sheets, so it comes only with them.
    """
    order = list(package.sheet_parts())
    tabs = [
        tab for tab in build_tabs(result)
        if tab.name in c.OWNED_SHEETS and tab.name in order
        and (include_inputs or tab.name != c.ISSUES_SHEET)
    ]
    return sorted(tabs, key=lambda tab: order.index(tab.name))


def input_tabs(package: Package) -> list[Tab]:
    """Return every visible input sheet (one holding an Excel table) as values.

    Formulas become their values as last calculated by Excel, because
    calamine reads the cached value of each formula cell.
    """
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(package.path.read_bytes()), load_tables=True)
    visible = {meta.name for meta in book.sheets_metadata if meta.visible == python_calamine.SheetVisibleEnum.Visible}
    headers: dict[str, list[tuple[int, int, int]]] = {}
    for name in book.table_names:
        table = book.get_table_by_name(name)
        # The table's start is its first data row, so its header is the row above.
        headers.setdefault(table.sheet, []).append(
            (table.start[0] - 1, table.start[1], table.start[1] + len(table.columns) - 1))

    tabs = []
    for sheet_name in package.sheet_parts():
        if sheet_name not in headers or sheet_name not in visible or sheet_name in c.OWNED_SHEETS:
            continue
        tab = Tab(sheet_name)
        for row, values in enumerate(book.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)):
            for col, value in enumerate(values):
                if value != "":
                    tab.put(row, col, value)
        for row, first_col, last_col in headers[sheet_name]:
            tab.style(row, first_col, row, last_col, "header")
        tabs.append(tab)
    return tabs


def head_workbook(package: Package, result: RefreshResult, book: Path, last_refreshed: str | None,
                  password: bool, include_inputs: bool) -> bytes:
    """Return the bytes of the head's export: cover, summary tabs and, if asked, the inputs."""
    tabs = export_tabs(package, result, include_inputs)
    inputs = input_tabs(package) if include_inputs else []
    names = [tab.name for tab in tabs + inputs]
    cover_name = unique_name(COVER_SHEET, set(names))

    writer = ExportWriter(f"Pupil Premium export: {result.settings.school}", result.refreshed_at)
    write_cover(writer, cover_name, result, "Pupil Premium export for the head",
                cover_rows(result, book, last_refreshed, password, [cover_name] + names), HEAD_WARNING)

    for tab in tabs:
        sheet = writer.add_sheet(tab.name)
        writer.write_tab(sheet, tab)
        layout = read_layout(package, tab.name)
        apply_layout(writer, sheet, layout)
        for chart in read_charts(package, tab, layout):
            chart.add_to(writer, sheet, tab.name)
    for tab in inputs:
        sheet = writer.add_sheet(tab.name)
        writer.write_tab(sheet, tab)
        apply_layout(writer, sheet, read_layout(package, tab.name))
    return writer.close()

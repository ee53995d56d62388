"""Charts read from a workbook's drawing parts and recreated with XlsxWriter."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree
from xlsxwriter.utility import quote_sheetname

from .export import ExportWriter
from .export_layout import SheetLayout
from .file_adapter import tab_replacements
from .package import NS, Package
from .tabs import Tab

CHART_NS = {
    "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "xdr": "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing",
    "r": NS["r"],
}
EMU_PER_PIXEL = 9525
DEFAULT_ROW_POINTS = 15.0
LEGEND_POSITIONS = {"b": "bottom", "t": "top", "l": "left", "r": "right", "tr": "top_right"}


@dataclass
class ChartCopy:
    """A chart read from the workbook, ready to be recreated with XlsxWriter."""

    kind: dict  # XlsxWriter chart type and subtype
    title: str | None
    series: list[dict]
    value_axis: dict
    category_axis: dict
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
        # XlsxWriter's x axis is the horizontal one, which is the value axis
        # of a bar chart and the category axis of a column or line chart.
        if self.kind["type"] == "bar":
            chart.set_x_axis(self.value_axis)
            chart.set_y_axis(self.category_axis)
        else:
            chart.set_x_axis(self.category_axis)
            chart.set_y_axis(self.value_axis)
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
    value_axis = _read_axis(plot.find("c:valAx", CHART_NS))
    category_axis = _read_axis(plot.find("c:catAx", CHART_NS))
    legend = root.find("c:chart/c:legend/c:legendPos", CHART_NS)
    legend_position = LEGEND_POSITIONS.get(legend.get("val"), "bottom") if legend is not None else None
    if root.find("c:chart/c:legend", CHART_NS) is not None and legend is None:
        legend_position = "right"
    return ChartCopy(kind, title, series, value_axis, category_axis, legend_position, 0, 0, 0, 0, 480, 288)


def _read_axis(axis) -> dict:
    """Return XlsxWriter axis options: bounds, step, direction, number format and gridlines."""
    options: dict = {}
    if axis is None:
        return options
    for bound in ("min", "max"):
        value = axis.find(f"c:scaling/c:{bound}", CHART_NS)
        if value is not None:
            options[bound] = float(value.get("val"))
    orientation = axis.find("c:scaling/c:orientation", CHART_NS)
    if orientation is not None and orientation.get("val") == "maxMin":
        options["reverse"] = True
    unit = axis.find("c:majorUnit", CHART_NS)
    if unit is not None:
        options["major_unit"] = float(unit.get("val"))
    number_format = axis.find("c:numFmt", CHART_NS)
    if number_format is not None and number_format.get("sourceLinked") != "1":
        options["num_format"] = number_format.get("formatCode")
    gridlines = axis.find("c:majorGridlines", CHART_NS) is not None
    options["major_gridlines"] = {"visible": gridlines}
    return options


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

"""The file adapter: read input tables from an .xlsm and write the owned tabs.

Values are read with python-calamine. Writing replaces only the sheetData
of each owned tab (and the ranges its charts read), so the rest of each
sheet part, its formatting, protection and drawing, stays as built.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime, time
from xml.sax.saxutils import escape

import python_calamine

from . import contract as c
from .core.cells import MERGED, CellError
from .core.tables import RawTable, cell_name, column_letter
from .errors import NotAWorkbook
from .package import Package
from .styles import STYLES
from .tabs import SUBJECT_CHART_FIRST_ROW, TREND_CHART_FIRST_ROW, Tab

# Excel's limit on the characters in one cell.
MAX_CELL_CHARS = 32767

# Characters XML 1.0 cannot hold; OOXML writes them as _xHHHH_.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPE_LOOKALIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
# Anything xml_text changes: entities, carriage returns, the characters above and look-alikes.
_NEEDS_ESCAPE = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")


def read_tables(package: Package) -> dict[str, RawTable]:
    """Return every Excel table in the workbook, by table name.

    Cells holding Excel errors come back as CellError, and merged ranges
    that cross a table's body are listed in its ``extra``, because calamine
    reads an error as an empty cell and a merged range as its first cell.
    """
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(
            io.BytesIO(package.data or package.path.read_bytes()), load_tables=True
        )
    except Exception as error:  # calamine raises its own error types per format
        raise NotAWorkbook(
            f"{package.path.name} could not be read as a workbook ({error}). "
            "Open it in Excel and save it again as .xlsm."
        ) from error
    sheet_parts = package.sheet_parts()
    tables = {}
    for name in book.table_names:
        try:
            table = book.get_table_by_name(name)
            rows = table.to_python() if table.height else []
        except python_calamine.CalamineError as error:
            raise NotAWorkbook(
                f"The table '{name}' in {package.path.name} could not be read ({error}). "
                "The file is damaged: open it in Excel, let Excel repair it, and save it again as .xlsm."
            ) from error
        start_row, start_col = table.start
        raw = RawTable(
            name=name,
            sheet=table.sheet,
            header=[str(h) for h in table.columns],
            rows=[list(row) for row in rows],
            first_row=start_row + 1,
            first_col=start_col + 1,
        )
        sheet_xml = package.parts.get(sheet_parts.get(table.sheet, ""), b"")
        _mark_cell_problems(raw, sheet_xml)
        tables[name] = raw
    return tables


_ERROR_CELL = re.compile(rb'<c\b(?=[^>]*\bt="e")[^>]*\br="([A-Z]+)(\d+)"[^>]*>(.*?)</c>', re.S)
_MERGED_RANGE = re.compile(rb'<mergeCell\b[^>]*\bref="(([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?)"')


def _mark_cell_problems(table: RawTable, sheet_xml: bytes) -> None:
    """Put a CellError in each error cell of the table and list its merged ranges."""
    last_row = table.first_row + len(table.rows) - 1
    last_col = table.first_col + len(table.header) - 1

    def inside(row: int, col: int) -> bool:
        return table.first_row <= row <= last_row and table.first_col <= col <= last_col

    if b't="e"' in sheet_xml:
        for match in _ERROR_CELL.finditer(sheet_xml):
            row, col = int(match.group(2)), column_index(match.group(1).decode())
            if inside(row, col):
                value = re.search(rb"<v>([^<]*)</v>", match.group(3))
                code = value.group(1).decode() if value else "#N/A"
                table.rows[row - table.first_row][col - table.first_col] = CellError(code)

    if b"<mergeCell " in sheet_xml:
        merged = []
        for match in _MERGED_RANGE.finditer(sheet_xml):
            top, left = int(match.group(3)), column_index(match.group(2).decode())
            bottom = int(match.group(5) or top)
            right = column_index(match.group(4).decode()) if match.group(4) else left
            # A range crosses the body when the two rectangles overlap.
            if top <= last_row and bottom >= table.first_row and left <= last_col and right >= table.first_col:
                merged.append(match.group(1).decode())
        if merged:
            table.extra[MERGED] = merged


def column_index(letters: str) -> int:
    """Return the 1-based column index of Excel column letters."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index


def style_key(package: Package) -> dict[str, str]:
    """Return {style name: style index} from the very hidden _styles sheet.

    Row n of that sheet carries the nth style of STYLES. Excel renumbers
    styles on save, so the numbers are read from the file every time.
    """
    part = package.sheet_parts().get(c.STYLES_SHEET)
    if part is None:
        return {}
    names = list(STYLES)
    key = {}
    for match in re.finditer(rb'<c r="A(\d+)"([^>]*)>', package.parts[part]):
        row = int(match.group(1))
        style = re.search(rb'\ss="(\d+)"', match.group(2))
        if 1 <= row <= len(names) and style:
            key[names[row - 1]] = style.group(1).decode()
    return key


def render_sheet_data(tab: Tab, key: dict[str, str]) -> tuple[bytes, str]:
    """Return the <sheetData> element for a tab and its used range.

    List tabs such as Import log run to tens of thousands of cells, so each
    distinct text is escaped and encoded once. A row whose cells are all
    styled and contain text or nothing is joined from a template made once
    for its styles and length. Other rows are written cell by cell.
    """
    row_styles = _style_lines(tab.styles)
    letters = [column_letter(col) for col in range(1, tab.width + 1)]
    attrs_by_style = {name: f' s="{index}"' for name, index in key.items() if index}
    endings = _TextEndings()
    ending_of = endings.__getitem__
    styles_of = row_styles.get
    templates: dict[tuple[int, int], list[bytes] | None] = {}
    out = [b"<sheetData>"]
    # Consecutive rows mostly share a template, so the last one is reused
    # without a lookup.
    last_styles: tuple[str | None, ...] | None = None
    last_width = -1
    template: list[bytes] | None = None
    for row_index, values in enumerate(tab.cells):
        width = len(values)
        if not width:
            continue
        number = row_index + 1
        styles = styles_of(row_index, ())
        if styles is not last_styles or width != last_width:
            template_key = (id(styles), width)
            if template_key not in templates:
                templates[template_key] = _row_template(styles, width, letters, attrs_by_style)
            template, last_styles, last_width = templates[template_key], styles, width
        if template is not None and row_index not in tab.row_heights:
            try:
                template[_ENDINGS] = map(ending_of, values)
            except (KeyError, TypeError):  # a number, a date or another non-text value
                pass
            else:
                template[_NUMBERS] = [b"%d" % number] * (width + 1)
                out.append(b"".join(template))
                continue
        cells = _row_cells(number, values, styles, letters, attrs_by_style, endings, key)
        if not cells:
            continue
        height = tab.row_heights.get(row_index)
        attrs = f' ht="{height}" customHeight="1"' if height else ""
        out.append(f'<row r="{number}"{attrs}>'.encode() + cells + b"</row>")
    out.append(b"</sheetData>")
    last = cell_name(max(len(tab.cells), 1), max(tab.width, 1))
    return b"".join(out), f"A1:{last}"


def _style_lines(ranges: list[tuple[int, int, int, int, str]]) -> dict[int, tuple[str | None, ...]]:
    """Return {0-based row: style name per column} from styled ranges, a later range winning.

    Rows that the same ranges cover share one tuple, so a range over
    thousands of rows makes one tuple, and the renderer can key its row
    templates by the tuple's id.
    """
    lines: dict[int, tuple[str | None, ...]] = {}
    for first_row, first_col, last_row, last_col, name in ranges:
        fill = (name,) * (last_col - first_col + 1)
        # {id of a row's old line: (old line, new line)}. Holding the old
        # line keeps its id from being reused while this range is applied.
        replaced: dict[int, tuple[tuple[str | None, ...], tuple[str | None, ...]]] = {}
        for row in range(first_row, last_row + 1):
            old = lines.get(row, ())
            pair = replaced.get(id(old))
            if pair is None:
                line = list(old)
                if len(line) <= last_col:
                    line.extend([None] * (last_col + 1 - len(line)))
                line[first_col:last_col + 1] = fill
                pair = replaced[id(old)] = (old, tuple(line))
            lines[row] = pair[1]
    return lines


class _TextEndings(dict):
    """{text or None: the UTF-8 rest of a styled cell after its r and s attributes}.

    Each text is escaped and encoded on its first lookup. Only str keys and
    None are stored, so looking up a number, a date or a bool raises
    KeyError, because no str is equal to one of them.
    """

    def __init__(self) -> None:
        super().__init__({None: b"/>"})

    def __missing__(self, value: object) -> bytes:
        if type(value) is not str:
            raise KeyError(value)
        ending = f' t="inlineStr"><is>{_t_element(xml_text(value))}</is></c>'.encode()
        self[value] = ending
        return ending


# A row template is a list of four pieces for the row's start and for each
# cell: (text before the row number, the row number, text after it, the
# cell's ending), then "</row>". The slices pick the slots filled per row.
_NUMBERS = slice(1, None, 4)
_ENDINGS = slice(7, None, 4)


def _row_template(styles: tuple[str | None, ...], width: int, letters: list[str],
                  attrs_by_style: dict[str, str]) -> list[bytes] | None:
    """Return the pieces of a row whose cells are all styled, else None.

    A row with an unstyled cell has no template, because an unstyled empty
    cell is left out of its row.
    """
    if len(styles) < width or None in styles[:width]:
        return None
    pieces = [b'<row r="', b"", b'">', b""]
    for col in range(width):
        pieces += [f'<c r="{letters[col]}'.encode(), b"", f'"{attrs_by_style.get(styles[col], "")}'.encode(), b""]
    pieces.append(b"</row>")
    return pieces


def _row_cells(number: int, values: list[object], styles: tuple[str | None, ...], letters: list[str],
               attrs_by_style: dict[str, str], endings: _TextEndings, key: dict[str, str]) -> bytes:
    """Return a row's cells written one by one, leaving out unstyled empty cells."""
    cells = []
    for col_index, value in enumerate(values):
        style_name = styles[col_index] if col_index < len(styles) else None
        if value is None:
            if style_name is not None:
                cells.append(f'<c r="{letters[col_index]}{number}"{attrs_by_style.get(style_name, "")}/>'.encode())
        elif type(value) is str:
            style = attrs_by_style.get(style_name, "") if style_name else ""
            cells.append(f'<c r="{letters[col_index]}{number}"{style}'.encode() + endings[value])
        else:
            cells.append(_cell_xml(number, col_index + 1, value, style_name, key).encode())
    return b"".join(cells)


def _cell_xml(row: int, col: int, value: object, style_name: str | None, key: dict[str, str]) -> str:
    ref = cell_name(row, col)
    style = key.get(style_name) if style_name else None
    attrs = f' r="{ref}"' + (f' s="{style}"' if style else "")
    if value is None:
        return f"<c{attrs}/>"
    if isinstance(value, bool):
        return f'<c{attrs} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f"<c{attrs}><v>{repr(float(value)) if isinstance(value, float) else value}</v></c>"
    if isinstance(value, (datetime, date)):
        return f"<c{attrs}><v>{excel_serial(value)!r}</v></c>"
    # Text is always an inline string, so a value such as "=HYPERLINK(...)"
    # typed by a user can never become a formula in a generated tab.
    return f'<c{attrs} t="inlineStr"><is>{_t_element(xml_text(str(value)))}</is></c>'


def _t_element(text: str) -> str:
    """Return a <t> element for escaped text, marked xml:space="preserve" only where it matters.

    XML 1.0 lets an application trim or fold whitespace unless
    xml:space="preserve" is set, so texts with spaces at either
    end, line breaks (a carriage return is written as &#13;) or tabs carry
    the attribute. Other texts read the same without it.
    """
    if text != text.strip() or "\n" in text or "\t" in text or "&#13;" in text:
        return f'<t xml:space="preserve">{text}</t>'
    return f"<t>{text}</t>"


def xml_text(text: str) -> str:
    """Return text escaped for a cell: XML entities, control characters and length."""
    if len(text) <= MAX_CELL_CHARS and not _NEEDS_ESCAPE.search(text):
        return text
    text = text[:MAX_CELL_CHARS]
    text = _ESCAPE_LOOKALIKE.sub(r"_x005F_\1", text)
    text = _INVALID_XML.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    # XML parsers read a literal carriage return as a line feed, so it is written as a character reference.
    return escape(text, {"\r": "&#13;"})


def excel_serial(value: date | datetime) -> float:
    """Return the Excel serial number of a date or datetime (1900 date system)."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    delta = value - datetime(1899, 12, 30)
    return delta.days + delta.seconds / 86400


_SHEET_DATA = re.compile(rb"<sheetData\s*/>|<sheetData\b[^>]*>.*?</sheetData>", re.S)
_DIMENSION = re.compile(rb'<dimension ref="[^"]*"\s*/>')
_MERGE_CELLS = re.compile(rb"<mergeCells\b.*?</mergeCells>", re.S)


def replace_sheet_data(sheet_xml: bytes, sheet_data: bytes, dimension: str, tab: str) -> bytes:
    """Return the sheet part with its cells replaced and everything else kept.

    The used range and the merged ranges are edited in the parts before and
    after <sheetData> only, since a list tab's cells run to megabytes.
    ``tab`` names the tab in the error raised for a part with no cells.
    """
    match = _SHEET_DATA.search(sheet_xml)
    if not match:
        raise NotAWorkbook(
            f"The '{tab}' tab is damaged: its sheet has no cell data section. Open the workbook in Excel, "
            "let Excel repair it and save it again as .xlsm; your input sheets are not changed."
        )
    head, tail = sheet_xml[:match.start()], sheet_xml[match.end():]
    new_dimension = f'<dimension ref="{dimension}"/>'.encode()
    head, found = _DIMENSION.subn(new_dimension, head, count=1)
    if not found:
        tail = _DIMENSION.sub(new_dimension, tail, count=1)
    head, tail = _MERGE_CELLS.sub(b"", head), _MERGE_CELLS.sub(b"", tail)
    return head + sheet_data + tail


def stretch_chart_ranges(chart_xml: bytes, subjects: int, points: int) -> bytes:
    """Return a Summary chart with its ranges fitted to the rows now filled.

    The subject chart's ranges start on the first subject row, and the trend
    chart's start on the first point row. Each is cut or lengthened to fit.
    Cached values are dropped, so Excel and LibreOffice read the cells afresh.
    """
    return fit_chart_ranges(chart_xml, {SUBJECT_CHART_FIRST_ROW + 1: subjects, TREND_CHART_FIRST_ROW + 1: points})


def fit_chart_ranges(chart_xml: bytes, lengths: dict[int, int]) -> bytes:
    """Return a chart whose ranges starting on a listed row are fitted to that many rows.

    ``lengths`` maps a 1-based sheet row to the number of rows now filled
    from it. A range starting on any other row is left as it is. Cached
    values are dropped, so Excel and LibreOffice read the cells afresh.
    """

    # The prefix of the chart namespace is whatever the last writer chose:
    # "c:" from Excel and XlsxWriter, none from openpyxl.
    def fit(match: re.Match) -> bytes:
        prefix, sheet, col1, row1, col2 = (match.group(1), match.group(2), match.group(3),
                                           int(match.group(4)), match.group(5))
        if row1 not in lengths:
            return match.group(0)
        last = row1 + max(lengths[row1], 1) - 1
        reference = sheet + b"!$" + col1 + b"$" + str(row1).encode() + b":$" + col2 + b"$" + str(last).encode()
        return b"<" + prefix + b"f>" + reference + b"</" + prefix + b"f>"

    chart_xml = re.sub(rb"<((?:\w+:)?)f>([^<!]+)!\$([A-Z]+)\$(\d+):\$([A-Z]+)\$\d+</\1f>", fit, chart_xml)
    chart_xml = re.sub(rb"<((?:\w+:)?)(numCache|strCache)>.*?</\1\2>", b"", chart_xml, flags=re.S)
    return chart_xml


def tab_replacements(package: Package, tabs: list[Tab]) -> dict[str, bytes]:
    """Return the replaced parts for the owned tabs, including their charts."""
    sheets = package.sheet_parts()
    key = style_key(package)
    replacements = {}
    for tab in tabs:
        part = sheets.get(tab.name)
        if part is None and tab.optional:
            continue  # built before this tab existed; the other tabs still refresh
        if part is None:
            raise NotAWorkbook(
                f"The '{tab.name}' tab is missing. Rebuild the workbook with "
                "'pptracker build-workbook' and copy your input sheets across."
            )
        sheet_data, dimension = render_sheet_data(tab, key)
        replacements[part] = replace_sheet_data(package.parts[part], sheet_data, dimension, tab.name)
        if tab.chart_rows:
            lengths = {row + 1: count for row, count in tab.chart_rows.items()}
            for chart_part in _chart_parts(package, part):
                replacements[chart_part] = fit_chart_ranges(package.parts[chart_part], lengths)
        elif tab.chart_ranges:
            for chart_part in _chart_parts(package, part):
                replacements[chart_part] = stretch_chart_ranges(
                    package.parts[chart_part], tab.chart_ranges["subjects"], tab.chart_ranges["points"]
                )
    return replacements


def _chart_parts(package: Package, sheet_part: str) -> list[str]:
    charts = []
    for kind, drawing in package.rels(sheet_part).values():
        if kind.endswith("/drawing"):
            charts += [target for k, target in package.rels(drawing).values() if k.endswith("/chart")]
    return sorted(charts)


def write_tabs(package: Package, tabs: list[Tab], out) -> None:
    package.save(out, tab_replacements(package, tabs))


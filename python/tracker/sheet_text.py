"""Fill and clear cells in a worksheet part edited as text, not parsed with lxml.

TableWriter uses :class:`SheetText` for the cell edits that imports make
by the thousand, when a part is in the plain form that Excel, LibreOffice
and openpyxl write. Every other edit goes through the lxml view in
table_writer. The text view reads XML with regular expressions and string
searches, so its patterns and their checks on the plain form are kept
together here, apart from the lxml code.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left
from datetime import date, datetime

from .core.tables import column_letter
from .sheet_values import (MAIN, column_index, is_nan, needs_preserve, plain_value, stored_value, unescape,
                           widened_spans)

# Patterns for worksheet parts read as text by SheetText, which checks
# that a part is in the plain form they assume.
_PROLOG = re.compile(rb"\s*<\?xml\b([^>]*)\?>")
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([^"']*)["']""")
_ROOT_TAG = re.compile(r"<worksheet\b[^>]*>")
_PREFIX_DECLARATION = re.compile(r"xmlns:([\w.-]+)\s*=")
_SHEET_DATA_TAG = re.compile(r"<sheetData\b[^>]*>")
_ROW_TAG = re.compile(r"<row\b([^>]*)>")
_R_ATTRIBUTE = re.compile(r"""(?:^|\s)r\s*=\s*["'](\d+)["']""")
# A cell, with the letters of its r attribute when r is its first
# attribute, as is usual. Otherwise _RowText.parse searches for r.
_CELL = re.compile(r"""(<c(?:\s+r="\$?([A-Za-z]+)\$?\d+")?(?=[\s/>])[^>]*>(?:(?<=/>)|.*?</c>))""", re.S)
_CELL_LETTERS = re.compile(r"""(?:^|\s)r\s*=\s*["']\$?([A-Za-z]+)""")
# Cell starts that a search for "<c " misses: no attributes, or another space.
_OTHER_CELL_STARTS = ("<c>", "<c/>", "<c\t", "<c\n", "<c\r")
_CELL_START = re.compile(r"<c\b([^>]*?)/?>")
_ATTRIBUTE = re.compile(r"""([^\s=]+)\s*=\s*("[^"]*"|'[^']*')""")
_COLS = re.compile(r"<cols\b.*?</cols>", re.S)
_COL_TAG = re.compile(r"<col\b([^>]*?)/?>")
_FORMULA = re.compile(r"<f[\s/>]")
_INLINE = re.compile(r"<is>(.*?)</is>", re.S)
_PHONETIC_RUN = re.compile(r"<rPh\b.*?</rPh>", re.S)
_TEXT_ELEMENT = re.compile(r"<t(?:\s[^>]*)?(?:/>|>(.*?)</t>)", re.S)
_VALUE_ELEMENT = re.compile(r"<v(?:\s[^>]*)?(?:/>|>(.*?)</v>)", re.S)
_REFERENCE = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|lt|gt|amp|quot|apos);")
_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_ATTRIBUTE_BY_NAME = {name: re.compile(rf"""(?:^|\s){name}\s*=\s*(?:"([^"]*)"|'([^']*)')""")
                      for name in ("r", "s", "t", "min", "max", "style", "spans")}


class SheetText:
    """The cells of one worksheet part edited as text, row by row.

    An import fills thousands of cells across many sheets, and parsing and
    serialising each sheet with lxml cost more than the edits. Here only
    the rows that are read are split into cells, only the rows that change
    are written again, and the rest of the part stays byte for byte as it
    was. It offers the cell methods of :class:`table_writer._SheetCells` that set_cells
    and clear_cells use, with the same results. :meth:`parse` takes only
    parts in the plain form that Excel, LibreOffice and openpyxl write, and
    any other edit turns the text into an lxml tree first.
    """

    def __init__(self, text: str, data_start: int, data_end: int, empty_tag: bool,
                 rows: dict[int, tuple[int, int]], shared, mark_dirty):
        self.text = text
        self.data_start = data_start  # where the rows begin, or where <sheetData/> starts
        self.data_end = data_end  # where the rows end, or where <sheetData/> ends
        self.empty_tag = empty_tag  # the part has <sheetData/>
        self.spans = rows  # {row number: (start, end) of its <row> element in text}
        self.shared = shared  # returns the shared strings, read on first use
        self.mark_dirty = mark_dirty
        self.rows: dict[int, _RowText] = {}
        # {row number: the row's new cells} for rows that only gained cells
        # to the right of their last one, so their old cells were not split.
        self.tails: dict[int, _RowText] = {}
        self._cols: list[tuple[int, int, str | None]] | None = None
        # {(text, style): the end of a new inline-string cell after its r attribute}
        self._new_text_cells: dict[tuple[str, str | None], str] = {}

    @classmethod
    def parse(cls, data: bytes, shared, mark_dirty) -> "SheetText | None":
        """Return the part's cells as text, or None unless the part is in the plain form.

        The plain form is UTF-8, with the main namespace as the default one
        and bound to no prefix, and an unprefixed sheetData holding rows in
        ascending order. Among the rows there is no comment, CDATA section,
        processing instruction, namespace declaration, extLst or element
        with a prefix.
        """
        prolog = _PROLOG.match(data)
        encoding = _ENCODING.search(prolog.group(1)) if prolog else None
        if encoding and encoding.group(1).lower() not in (b"utf-8", b"utf8"):
            return None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        root = _ROOT_TAG.search(text)
        if root is None or root.group(0).count(f'"{MAIN}"') != 1 or f'xmlns="{MAIN}"' not in root.group(0):
            return None
        start = _SHEET_DATA_TAG.search(text, root.end())
        if start is None or "xmlns" in start.group(0):
            return None
        if start.group(0).endswith("/>"):
            return cls(text, start.start(), start.end(), True, {}, shared, mark_dirty)
        end = text.find("</sheetData>", start.end())
        if end < 0:
            return None
        # A few str.find calls are faster here than one regular expression over the rows.
        markers = ["<!", "<?", "xmlns", "<extLst"]
        markers += [f"<{prefix}:" for prefix in _PREFIX_DECLARATION.findall(root.group(0))]
        if any(text.find(marker, start.end(), end) >= 0 for marker in markers):
            return None

        rows: dict[int, tuple[int, int]] = {}
        previous = 0
        for match in _ROW_TAG.finditer(text, start.end(), end):
            number_match = _R_ATTRIBUTE.search(match.group(1))
            # Some writers leave out r; the row then follows the one before.
            number = int(number_match.group(1)) if number_match else previous + 1
            if number <= previous:
                return None
            if match.group(1).endswith("/"):
                row_end = match.end()
            else:
                row_end = text.find("</row>", match.end(), end)
                if row_end < 0:
                    return None
                row_end += len("</row>")
            rows[number] = (match.start(), row_end)
            previous = number
        return cls(text, start.end(), end, False, rows, shared, mark_dirty)

    # Lookup

    def _row(self, row: int, create: bool = False) -> "_RowText | None":
        parsed = self.rows.get(row)
        if parsed is not None:
            return parsed
        if row in self.spans:
            start, end = self.spans[row]
            parsed = self.rows[row] = _RowText.parse(self.text[start:end])
            tail = self.tails.pop(row, None)
            if tail is not None and tail.cells:
                # The new cells marked the part dirty when they were put in the tail.
                for col, cell in tail.cells.items():
                    parsed.widen_spans(col)
                    parsed.cells[col] = cell
                parsed.changed = True
        elif create:
            # Unchanged until a cell is put in it, which marks the part dirty.
            parsed = self.rows[row] = _RowText(f' r="{row}"', {})
        return parsed

    def _tail(self, row: int) -> "_RowText | None":
        """Return a row kept whole with room for new cells on its right, or None.

        None means the row must be split into cells: it is not in the part,
        or its last cell does not start with r, or a cell starts in a way
        that "<c " does not find.
        """
        tail = self.tails.get(row)
        if tail is not None or row not in self.spans:
            return tail
        start, end = self.spans[row]
        tag = _ROW_TAG.match(self.text, start)
        if tag.group(1).endswith("/"):
            kept = ""
        else:
            kept = self.text[tag.end():end - len("</row>")]
            if any(form in kept for form in _OTHER_CELL_STARTS):
                return None
        last_col = 0
        last_cell = kept.rfind("<c ")
        if last_cell >= 0:
            letters = _CELL.match(kept, last_cell).group(2)
            if not letters:
                return None
            last_col = _column_number(letters)
        tail = self.tails[row] = _RowText(tag.group(1), {}, kept=kept, last_col=last_col)
        return tail

    def _cell(self, row: int, col: int) -> str | None:
        parsed = self.rows.get(row) or self._row(row)
        return None if parsed is None else parsed.cells.get(col)

    # value and has_formula look up the cell inline, because set_cells calls
    # both for each cell that fill_blank does not fill.

    def style(self, row: int, col: int) -> str | None:
        cell = self._cell(row, col)
        return None if cell is None else _attribute(_CELL_START.match(cell).group(1), "s")

    def column_style(self, col: int) -> str | None:
        if self._cols is None:
            self._cols = []
            cols = _COLS.search(self.text, 0, self.data_start)
            for entry in _COL_TAG.finditer(cols.group(0) if cols else ""):
                attributes = entry.group(1)
                self._cols.append((int(_attribute(attributes, "min") or "0"),
                                   int(_attribute(attributes, "max") or "0"), _attribute(attributes, "style")))
        for low, high, style in self._cols:
            if low <= col <= high:
                return style
        return None

    def has_formula(self, row: int, col: int) -> bool:
        parsed = self.rows.get(row) or self._row(row)
        cell = None if parsed is None else parsed.cells.get(col)
        return cell is not None and _FORMULA.search(cell) is not None

    def value(self, row: int, col: int) -> object:
        """Return a cell's value: str, int, float or bool, or None when empty."""
        parsed = self.rows.get(row) or self._row(row)
        cell = None if parsed is None else parsed.cells.get(col)
        if cell is None:
            return None
        start = _CELL_START.match(cell)
        kind = _attribute(start.group(1), "t") or "n"
        content = cell[start.end():]
        if kind == "inlineStr":
            inline = _INLINE.search(content)
            if inline is None:
                return None
            runs = _PHONETIC_RUN.sub("", inline.group(1))
            text = "".join(_xml_unescape(m.group(1) or "") for m in _TEXT_ELEMENT.finditer(runs))
            return unescape(text) or None
        raw_match = _VALUE_ELEMENT.search(content)
        raw = _xml_unescape(raw_match.group(1) or "") if raw_match else None
        if raw is None or raw == "":
            return None
        if kind == "s":
            index = int(raw)
            shared = self.shared()
            return (shared[index] if index < len(shared) else "") or None
        return plain_value(kind, raw)

    def is_empty(self, row: int, col: int) -> bool:
        return self.value(row, col) is None and not self.has_formula(row, col)

    # Writing

    def fill_blank(self, row: int, col: int, text: str, style: str | None) -> bool:
        """Write a text into a cell that does not exist yet and return True, else return False.

        The new cell is the one :meth:`write` makes. Imports put the same
        few grades into new cells, so each (text, style) is rendered once.
        """
        parsed = self.rows.get(row)
        if parsed is None:
            # Grades go to the right of a row's name columns, so most rows
            # need not be split into cells to take them.
            tail = self._tail(row)
            if tail is not None and col > tail.last_col:
                parsed = tail
            else:
                parsed = self._row(row) or self._row(row, create=True)
        if col in parsed.cells:
            return False
        end = self._new_text_cells.get((text, style))
        if end is None:
            end = _cell_xml(None, 1, 1, style, *stored_value(text))[len('<c r="A1"'):]
            self._new_text_cells[(text, style)] = end
        parsed.widen_spans(col)
        parsed.cells[col] = f'<c r="{_column_letters(col)}{row}"{end}'
        if not parsed.changed:
            parsed.changed = True
            self.mark_dirty()
        return True

    def write(self, row: int, col: int, value: object, style: str | None, date_style) -> None:
        """Store a value in a cell, replacing what was there, as :meth:`table_writer._SheetCells.write` does."""
        if type(value) is str and self.fill_blank(row, col, value, style):
            return
        old = self._cell(row, col)
        if hasattr(value, "item") and not isinstance(value, (str, bytes)):
            value = value.item()  # numpy scalars
        if is_nan(value):
            value = None
        if value is None:
            if style is not None and self.is_empty(row, col) and self.style(row, col) != style:
                self._put(row, col, _cell_xml(old, row, col, style, None, None))
            return
        if isinstance(value, (datetime, date)):
            style = date_style(style)
        self._put(row, col, _cell_xml(old, row, col, style, *stored_value(value)))

    def clear(self, row: int, col: int) -> None:
        """Empty a cell's value, keeping its style."""
        cell = self._cell(row, col)
        if cell is None:
            return
        attributes = [a for a in _attributes(_CELL_START.match(cell).group(1))
                      if _attribute_name(a) not in ("t", "cm", "vm", "ph")]
        self._put(row, col, f"<c {' '.join(attributes)}/>")

    def _put(self, row: int, col: int, cell: str) -> None:
        parsed = self.rows.get(row) or self._row(row, create=True)
        if col not in parsed.cells:
            parsed.widen_spans(col)
        parsed.cells[col] = cell
        parsed.changed = True
        self.mark_dirty()

    # Output

    def to_bytes(self) -> bytes:
        """Return the part with its changed rows written again and new rows in place."""
        rows = {number: parsed for number, parsed in self.rows.items() if parsed.changed}
        rows.update((number, tail) for number, tail in self.tails.items() if tail.changed)
        changed = sorted(rows)
        if not changed:
            return self.text.encode("utf-8")
        if self.empty_tag:
            rows = "".join(rows[number].to_text() for number in changed)
            tag = self.text[self.data_start:self.data_end]
            return (self.text[:self.data_start] + tag[:-2].rstrip() + ">" + rows + "</sheetData>"
                    + self.text[self.data_end:]).encode("utf-8")

        numbers = sorted(self.spans)
        pieces = [self.text[:self.data_start]]
        position = self.data_start
        for number in changed:
            if number in self.spans:
                start, end = self.spans[number]
            else:
                # A new row goes before the first row below it, or after the last row.
                later = bisect_left(numbers, number)
                start = end = self.spans[numbers[later]][0] if later < len(numbers) else self.data_end
            pieces.append(self.text[position:start])
            pieces.append(rows[number].to_text())
            position = end
        pieces.append(self.text[position:])
        return "".join(pieces).encode("utf-8")


class _RowText:
    """One <row> split into its attributes and its cells' XML by column."""

    def __init__(self, attributes: str, cells: dict[int, str], changed: bool = False, kept: str = "",
                 last_col: int = 0):
        self._attribute_text = attributes
        # For a row in SheetText.tails: its old cells' XML as written, and
        # the column of the last of them. Its cells are then only new ones.
        self.kept = kept
        self.last_col = last_col
        self._attributes: list[str] | None = None
        self.cells = cells
        self.changed = changed
        # The row's spans as [first, last] column and the index of their
        # attribute (-1 when there is none), read on the first widening.
        # [0, 0] stands for spans that are not one "first:last" pair.
        self._span: list[int] | None = None
        self._span_index = -1

    @property
    def attributes(self) -> list[str]:
        """The row's attributes, each 'name="value"' as written, split on first use."""
        if self._attributes is None:
            self._attributes = _attributes(self._attribute_text)
        return self._attributes

    @classmethod
    def parse(cls, xml: str) -> "_RowText":
        start = _ROW_TAG.match(xml)
        found = _CELL.findall(xml, start.end())
        if all(letters for _, letters in found):
            columns = map(_column_number, [letters for _, letters in found])
            return cls(start.group(1), dict(zip(columns, [cell for cell, _ in found])))

        cells = {}
        previous = 0
        for cell, letters in found:
            if not letters:
                other_place = _CELL_LETTERS.search(_CELL_START.match(cell).group(1))
                letters = other_place.group(1) if other_place else None
            # A cell without r follows the one before it.
            col = _column_number(letters) if letters else previous + 1
            cells[col] = cell
            previous = col
        return cls(start.group(1), cells)

    def widen_spans(self, col: int) -> None:
        """Widen the row's spans to take in a column, as widened_spans does."""
        if self._span is None:
            self._span = [0, 0]
            for index, piece in enumerate(self.attributes):
                if _attribute_name(piece) == "spans":
                    self._span_index = index
                    first, colon, last = (_attribute(piece, "spans") or "").partition(":")
                    if colon and first.isdigit() and last.isdigit():
                        self._span = sorted((int(first), int(last)))
                    break
        span = self._span
        if self._span_index < 0 or span[0] <= col <= span[1]:
            return
        if span == [0, 0]:
            widened = widened_spans(_attribute(self.attributes[self._span_index], "spans"), col)
            if widened is not None:
                self.attributes[self._span_index] = f'spans="{widened}"'
            return
        # The attribute is written again by to_text.
        if col < span[0]:
            span[0] = col
        else:
            span[1] = col

    def to_text(self) -> str:
        span = self._span
        if self._span_index >= 0 and span != [0, 0]:
            self.attributes[self._span_index] = f'spans="{span[0]}:{span[1]}"'
        start = "<row " + " ".join(self.attributes)
        if not self.cells and not self.kept:
            return start + "/>"
        return start + ">" + self.kept + "".join(self.cells[col] for col in sorted(self.cells)) + "</row>"


@functools.lru_cache(maxsize=None)
def _column_number(letters: str) -> int:
    return column_index(letters)


@functools.lru_cache(maxsize=None)
def _column_letters(col: int) -> str:
    return column_letter(col)


def _cell_xml(old: str | None, row: int, col: int, style: str | None, kind: str | None, text: str | None) -> str:
    """Return a cell's XML with a new style and value, keeping the old cell's other attributes.

    ``kind`` and ``text`` come from :func:`stored_value`. A text of None
    gives a styled empty cell, and the old value, if any, is kept.
    """
    if old is None:
        attributes = [f'r="{column_letter(col)}{row}"']
        content = ""
    else:
        start = _CELL_START.match(old)
        attributes = _attributes(start.group(1))
        content = old[start.end():-len("</c>")] if not start.group(0).endswith("/>") else ""
    if text is not None:
        attributes = [a for a in attributes if _attribute_name(a) not in ("t", "cm", "vm", "ph")]
        if kind == "inlineStr":
            space = ' xml:space="preserve"' if needs_preserve(text) else ""
            content = f"<is><t{space}>{_xml_escape(text)}</t></is>"
        else:
            content = f"<v>{_xml_escape(text)}</v>"
    names = [_attribute_name(a) for a in attributes]
    if style is None:
        attributes = [a for a, name in zip(attributes, names) if name != "s"]
    elif "s" in names:
        attributes[names.index("s")] = f's="{style}"'
    else:
        attributes.append(f's="{style}"')
    if text is not None and kind is not None:
        attributes.append(f't="{kind}"')
    start = "<c " + " ".join(attributes)
    return start + "/>" if not content else f"{start}>{content}</c>"


def _attributes(text: str) -> list[str]:
    return [m.group(0) for m in _ATTRIBUTE.finditer(text)]


def _attribute_name(piece: str) -> str:
    return piece.partition("=")[0].strip()


def _attribute(attributes: str, name: str) -> str | None:
    """Return an attribute's unescaped value from a start tag's attribute text, or None."""
    pattern = _ATTRIBUTE_BY_NAME.get(name)
    if pattern is None:
        pattern = _ATTRIBUTE_BY_NAME[name] = re.compile(
            rf"""(?:^|\s){re.escape(name)}\s*=\s*(?:"([^"]*)"|'([^']*)')""")
    match = pattern.search(attributes)
    if match is None:
        return None
    value = match.group(1) if match.group(1) is not None else match.group(2)
    return _xml_unescape(value)


def _xml_escape(text: str) -> str:
    """Escape text content as lxml does, with a carriage return as a character reference."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _xml_unescape(text: str) -> str:
    """Return XML text content as a parser reads it: line ends normalised, references resolved."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "&" not in text:
        return text
    return _REFERENCE.sub(_resolve_reference, text)


def _resolve_reference(match: re.Match) -> str:
    name = match.group(1)
    if name.startswith("#x"):
        return chr(int(name[2:], 16))
    if name.startswith("#"):
        return chr(int(name[1:]))
    return _ENTITIES[name]

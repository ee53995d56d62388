"""Source files as grids of values: Excel workbooks and CSV files from teachers and the MIS.

Every reader returns the same shape, a `SourceFile` of `SourceSheet` grids
whose row 0, column 0 is cell A1, so the importer can name the cell behind
any value. A file that cannot be read raises `UnreadableFile` with a reason a
coordinator can act on. The caller reports it and goes on with the others.
"""

from __future__ import annotations

import csv
import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import msoffcrypto
import python_calamine

from ..core.tables import cell_name
from ..package import lock_files, read_part

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
CSV_SUFFIXES = (".csv",)
SUFFIXES = EXCEL_SUFFIXES + CSV_SUFFIXES

# Every OLE compound file (an .xls, or any password-protected Office file)
# starts with these bytes.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

_HIDDEN_ROW = re.compile(rb'<row\b[^>]*?\br="(\d+)"[^>]*?\bhidden="(?:1|true)"')
_HIDDEN_ROW_REVERSED = re.compile(rb'<row\b[^>]*?\bhidden="(?:1|true)"[^>]*?\br="(\d+)"')
_STYLED_NUMBER = re.compile(rb'<c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*?\bs="(\d+)"[^>]*>\s*<v>([^<]*)</v>')
_ZERO_FORMAT = re.compile(r"^0{2,}$")


class UnreadableFile(Exception):
    """A source file that cannot be read. The message gives the reason and the fix."""


@dataclass
class SourceSheet:
    """One sheet of values, row 0 and column 0 being cell A1; blank cells are None."""

    file: str
    name: str
    rows: list[list[object]]
    hidden_rows: set[int] = field(default_factory=set)  # 0-based row numbers
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # first row, col, last row, col

    def cell(self, row: int, col: int) -> str:
        """Return the A1 reference of a 0-based row and column."""
        return cell_name(row + 1, col + 1)

    def value(self, row: int, col: int) -> object:
        if row < len(self.rows) and col < len(self.rows[row]):
            return self.rows[row][col]
        return None


@dataclass
class SourceFile:
    """A file that was read: its usable sheets and the sheets left out, with reasons."""

    path: Path
    label: str  # how reports name the file, relative to the folder imported
    sheets: list[SourceSheet] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (sheet, reason)


def find_files(paths: list[Path]) -> list[tuple[Path, str]]:
    """Return (path, label) for every importable file among files and folders, sorted.

    Folders are searched recursively. Excel's own lock files (~$name) and
    hidden files are left out, since they are never teachers' workbooks.
    """
    found: list[tuple[Path, str]] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if not child.is_file() or child.suffix.lower() not in SUFFIXES:
                    continue
                if child.name.startswith(("~$", ".")):
                    continue
                found.append((child, child.relative_to(path).as_posix()))
        else:
            found.append((path, path.name))
    seen: set[Path] = set()
    unique = []
    for path, label in found:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append((path, label))
    return unique


def read_source(path: Path, label: str | None = None) -> SourceFile:
    """Read a workbook or CSV file into grids of values.

    Raises UnreadableFile for a missing, locked, empty, password-protected or
    damaged file, or a type pptracker does not read.
    """
    path = Path(path)
    label = label or path.name
    suffix = path.suffix.lower()
    if not path.exists():
        raise UnreadableFile(f"{label} was not found. Check the path and the file or folder name.")
    if suffix not in SUFFIXES:
        raise UnreadableFile(f"{label} is not a file type pptracker reads (.xlsx, .xlsm, .xls or .csv).")
    data = read_bytes(path, label)
    if suffix in CSV_SUFFIXES:
        return read_csv(data, path, label)
    return read_workbook(data, path, label)


def read_bytes(path: Path, label: str) -> bytes:
    """Return a file's bytes, raising UnreadableFile when it is open in Excel, locked, missing or empty."""
    if lock_files(path):
        raise UnreadableFile(
            f"{label} is open in Excel (its lock file ~${path.name} is beside it), so it may be "
            "half-saved. Close it in Excel and import again."
        )
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UnreadableFile(f"{label} was not found. Check the path and the file name.") from None
    except IsADirectoryError:
        raise UnreadableFile(f"{label} is a folder, not a file.") from None
    except PermissionError:
        raise UnreadableFile(
            f"{label} is locked or you do not have permission to read it. "
            "Close it wherever it is open, or ask for read access, then import again."
        ) from None
    except OSError as error:
        raise UnreadableFile(f"{label} could not be read ({error.strerror or error}).") from None
    if not data.strip():
        raise UnreadableFile(f"{label} is empty. It may not have been saved properly.")
    return data


def read_csv(data: bytes, path: Path, label: str) -> SourceFile:
    """Read CSV text as one sheet named after the file, every value kept as text.

    Text is decoded as UTF-8 (with or without a byte-order mark) and falls
    back to Windows-1252, the encoding Excel uses for "CSV" on UK Windows.
    Keeping values as text keeps leading zeros and leaves dates to be read
    day first later.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    # Only the separator is guessed. The rest of the format is Excel's, where
    # "" inside quotes is one quote: the sniffer guesses that from the sample
    # alone, and a sample with no quotes made it read a later row wrongly.
    sample = text[:8192]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    rows = []
    for record in csv.reader(io.StringIO(text), csv.excel, delimiter=delimiter):
        rows.append([value if value.strip() else None for value in record])
    if not any(any(v is not None for v in row) for row in rows):
        raise UnreadableFile(f"{label} has no values in it.")
    return SourceFile(path, label, [SourceSheet(label, path.stem, rows)])


def read_workbook(data: bytes, path: Path, label: str) -> SourceFile:
    """Read every visible sheet of an .xlsx, .xlsm or .xls workbook with python-calamine."""
    if data.startswith(OLE_MAGIC) and _is_encrypted(data):
        raise UnreadableFile(
            f"{label} is password-protected. Open it in Excel, remove the password "
            "(File > Info > Protect Workbook) and save it, or type its grades in by hand."
        )
    if not data.startswith((OLE_MAGIC, ZIP_MAGIC)):
        raise UnreadableFile(
            f"{label} is not an Excel workbook, or it is damaged. Open it in Excel and save it "
            "again as .xlsx."
        )
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError:
        raise UnreadableFile(f"{label} is password-protected. Remove the password in Excel and save it.") from None
    except Exception as error:  # calamine raises its own error types per format
        raise UnreadableFile(
            f"{label} is damaged and could not be read ({error}). Open it in Excel, "
            "let Excel repair it and save it again."
        ) from None

    source = SourceFile(path, label)
    extras = _ooxml_extras(data) if data.startswith(ZIP_MAGIC) else {}
    for meta in book.sheets_metadata:
        if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
            continue
        if meta.visible != python_calamine.SheetVisibleEnum.Visible:
            source.skipped.append((meta.name, "hidden sheet"))
            continue
        try:
            sheet = book.get_sheet_by_name(meta.name)
            raw = sheet.to_python(skip_empty_area=False)
            merged = [(r1, c1, r2, c2) for (r1, c1), (r2, c2) in sheet.merged_cell_ranges or []]
        except Exception as error:  # one damaged sheet should not lose the rest
            source.skipped.append((meta.name, f"could not be read ({error})"))
            continue
        rows = [[_clean(value) for value in row] for row in raw]
        while rows and all(v is None for v in rows[-1]):
            rows.pop()
        if not rows:
            source.skipped.append((meta.name, "empty sheet"))
            continue
        hidden, padded = extras.get(meta.name, (set(), {}))
        for (row, col), text in padded.items():
            if row < len(rows) and col < len(rows[row]) and isinstance(rows[row][col], (int, float)):
                rows[row][col] = text
        source.sheets.append(SourceSheet(label, meta.name, rows, set(hidden), merged))
    if not source.sheets and not source.skipped:
        raise UnreadableFile(f"{label} has no sheets with values in them.")
    return source


def _clean(value: object) -> object:
    if value == "" or value is None:
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _is_encrypted(data: bytes) -> bool:
    try:
        return bool(msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted())
    except Exception:  # not an Office file that msoffcrypto recognises, so calamine reports it
        return False


def _ooxml_extras(data: bytes) -> dict[str, tuple[set[int], dict[tuple[int, int], str]]]:
    """Return {sheet name: (hidden rows, zero-padded numbers)} from an .xlsx or .xlsm.

    python-calamine reads values only. Hidden rows (often pupils who left)
    and numbers shown with leading zeros by a format such as "000000" are in
    the sheet XML, so this reads them there. Any problem here only loses
    these extras, never the values.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zipped:
            infos = {info.filename: info for info in zipped.infolist()}
        # read_part slices each part out of the bytes already in memory, which
        # costs a fraction of zipfile's read for parts this small.
        archive = _Parts(data, infos)
        parts = _sheet_part_names(archive)
        padded_styles = _zero_padded_styles(archive)
        result = {}
        for name, part in parts.items():
            xml = archive.read(part)
            hidden = {int(r) - 1 for r in _HIDDEN_ROW.findall(xml)}
            hidden |= {int(r) - 1 for r in _HIDDEN_ROW_REVERSED.findall(xml)}
            padded: dict[tuple[int, int], str] = {}
            if padded_styles:
                for letters, row, style, value in _STYLED_NUMBER.findall(xml):
                    width = padded_styles.get(int(style))
                    if width is None:
                        continue
                    try:
                        number = float(value)
                    except ValueError:
                        continue
                    if number.is_integer() and number >= 0:
                        col = _column_index(letters.decode())
                        padded[(int(row) - 1, col)] = str(int(number)).zfill(width)
            result[name] = (hidden, padded)
        return result
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, zlib.error, struct.error):
        return {}


@dataclass
class _Parts:
    """The parts of a zip file held in memory, read by name."""

    data: bytes
    infos: dict[str, zipfile.ZipInfo]

    def read(self, name: str) -> bytes:
        return read_part(self.data, self.infos[name])


def _sheet_part_names(archive: _Parts) -> dict[str, str]:
    from lxml import etree

    ns_main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    ns_rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    ns_pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    workbook = etree.fromstring(archive.read("xl/workbook.xml"))
    rels = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {}
    for rel in rels.findall(f"{{{ns_pkg}}}Relationship"):
        target = rel.get("Target", "")
        targets[rel.get("Id")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    result = {}
    for sheet in workbook.iter(f"{{{ns_main}}}sheet"):
        target = targets.get(sheet.get(f"{{{ns_rel}}}id"))
        if target and target in archive.infos:
            result[sheet.get("name")] = target
    return result


def _zero_padded_styles(archive: _Parts) -> dict[int, int]:
    """Return {cell style index: digits} for styles whose number format is all zeros."""
    from lxml import etree

    if "xl/styles.xml" not in archive.infos:
        return {}
    data = archive.read("xl/styles.xml")
    if b"numFmt" not in data:
        return {}  # no custom number formats at all, so the XML need not be parsed
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    styles = etree.fromstring(data)
    widths = {}
    for fmt in styles.iter(f"{ns}numFmt"):
        code = fmt.get("formatCode", "").replace('"', "")
        if _ZERO_FORMAT.match(code):
            widths[fmt.get("numFmtId")] = len(code)
    if not widths:
        return {}
    cell_xfs = styles.find(f"{ns}cellXfs")
    result = {}
    if cell_xfs is not None:
        for index, xf in enumerate(cell_xfs.findall(f"{ns}xf")):
            width = widths.get(xf.get("numFmtId"))
            if width:
                result[index] = width
    return result


def _column_index(letters: str) -> int:
    """Return the 0-based column number of column letters."""
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index - 1

"""The broken-input corpus: how to make each input, and the outcome it must give.

Every case starts from the same small school (six pupils in classes 2A and
5B, one support row, one log row), which refreshes with no data issues.
A case changes one thing, either in the SchoolData before the build or in
the zip parts after it, the way a user, another program or an attacker
would. CASES is the table of expected outcomes: the Data issues rows
(sheet, cell and a fragment of the problem) or the one-line error and exit
code of ``pptracker refresh``, plus an optional check of the refreshed file.

Run ``python tests/cases/make_cases.py OUT_DIR`` to write every input to a
folder, to open them in Excel or LibreOffice by hand.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import re
import sys
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable
from xml.etree import ElementTree

from stdnum.gb import upn as upn_check

from tracker import contract as c
from tracker.build import ClassSheet, SchoolData, build_workbook, class_headers
from tracker.core.tables import cell_name

sys.path.insert(0, str(Path(__file__).parent))
from zipbomb import stored_entry, write_zip, zeros_entry  # noqa: E402

# Every input table's header is on row 3, so its first body row is row 4.
FIRST_ROW = 4
SUBJECTS = [name for name, _ in c.DEFAULT_SUBJECTS]
POINTS = list(c.DEFAULT_POINTS)
CLASS_HEADERS = class_headers(POINTS, SUBJECTS)

# Base school: (surname, forename, year, class, PP, Autumn grades by subject).
PUPILS = [
    ("Smith", "Amelia", "2", "2A", "Y", ("EXS", "EXS", "GDS")),
    ("Jones", "Oliver", "2", "2A", "N", ("WTS", "EXS", "EXS")),
    ("Patel", "Isla", "2", "2A", "Y", ("EXS", "WTS", "WTS")),
    ("Khan", "Noah", "5", "5B", "N", ("GDS", "GDS", "EXS")),
    ("Brown", "Ava", "5", "5B", "Y", ("WTS", "WTS", "EXS")),
    ("Green", "Leo", "5", "5B", "N", ("EXS", "EXS", "EXS")),
]
ACADEMIC_YEAR = "2025/26"
SUPPORT_START = date(2025, 9, 15)
LOG_DATE = date(2025, 10, 1)
# Excel stores dates as days since 30 December 1899.
LOG_SERIAL = (LOG_DATE - date(1899, 12, 30)).days


def upn(serial: int) -> str:
    """Return a valid, made-up UPN for pupil ``serial`` (0-based)."""
    base = f"938200124{serial + 1:03d}"
    return upn_check.calc_check_digit(base) + base


def column(columns, header: str) -> int:
    """Return the 1-based column of a header in a contract column list."""
    return [col.header for col in columns].index(header) + 1


def pupil_cell(serial: int, header: str) -> str:
    return cell_name(FIRST_ROW + serial, column(c.PUPILS_COLUMNS, header))


def support_cell(index: int, header: str) -> str:
    return cell_name(FIRST_ROW + index, column(c.SUPPORT_COLUMNS, header))


def log_cell(index: int, header: str) -> str:
    return cell_name(FIRST_ROW + index, column(c.LOG_COLUMNS, header))


def class_row_index(serial: int) -> int:
    """Return the pupil's 0-based row on their class sheet."""
    klass = PUPILS[serial][3]
    return [i for i, p in enumerate(PUPILS) if p[3] == klass].index(serial)


def class_cell(serial: int, header: str) -> str:
    return cell_name(FIRST_ROW + class_row_index(serial), CLASS_HEADERS.index(header) + 1)


def class_sheet(serial: int) -> str:
    return f"Class {PUPILS[serial][3]}"


def settings_cell(setting: str) -> str:
    """Return the Value cell of a setting (the Settings table starts in column A)."""
    index = [name for name, _ in c.DEFAULT_SETTINGS].index(setting)
    return cell_name(FIRST_ROW + index, 2)


def header_cell(columns, header: str) -> str:
    return cell_name(FIRST_ROW - 1, column(columns, header))


def base_school() -> SchoolData:
    """Return the six-pupil school that refreshes with no data issues."""
    data = SchoolData(settings={c.SETTING_YEAR: ACADEMIC_YEAR})
    classes: dict[str, ClassSheet] = {}
    for serial, (surname, forename, year, klass, pp, grades) in enumerate(PUPILS):
        data.pupils.append([upn(serial), surname, forename, year, klass, pp, "FSM/Ever 6" if pp == "Y" else None,
                            "N", None, "N", 96.0, None, None])
        row: list[object] = [upn(serial), f"{forename} {surname}", pp, "N", c.ON_ROLL]
        row += list(grades) + ["Green"]
        classes.setdefault(klass, ClassSheet(klass)).rows.append(row)
    data.classes = list(classes.values())
    data.support.append([upn(0), "Small-group phonics", "Reading", "Targeted academic support", SUPPORT_START,
                         None, 420, "Y", "WTS", None, None])
    data.log.append([LOG_DATE, upn(0), "Parent contact", "Phone", "Talked about reading at home.", None])
    return data


# --- Editing a built workbook at zip level -------------------------------------------

def read_parts(path: Path) -> tuple[list[zipfile.ZipInfo], dict[str, bytes]]:
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        return infos, {info.filename: archive.read(info) for info in infos}


def write_parts(path: Path, infos: list[zipfile.ZipInfo], parts: dict[str, bytes]) -> None:
    """Rewrite the zip with the same entries in the same order (new ones last)."""
    names = [info.filename for info in infos]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in infos:
            if info.filename in parts:
                archive.writestr(info, parts[info.filename], compress_type=zipfile.ZIP_DEFLATED)
        for name in parts:
            if name not in names:
                archive.writestr(name, parts[name])


def sheet_part(parts: dict[str, bytes], sheet: str) -> str:
    """Return the worksheet part of a sheet, found through workbook.xml and its rels."""
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel_attr = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    workbook = ElementTree.fromstring(parts["xl/workbook.xml"])
    ids = {node.get("name"): node.get(rel_attr) for node in workbook.iter(f"{main}sheet")}
    if sheet not in ids:
        raise KeyError(sheet)
    rels = ElementTree.fromstring(parts["xl/_rels/workbook.xml.rels"])
    target = next(rel.get("Target") for rel in rels if rel.get("Id") == ids[sheet])
    return "xl/" + target.lstrip("/").removeprefix("xl/")


def table_part(parts: dict[str, bytes], table: str) -> str:
    for name, data in parts.items():
        if name.startswith("xl/tables/") and f'name="{table}"'.encode() in data:
            return name
    raise KeyError(table)


def edit_sheet(path: Path, sheet: str, edit: Callable[[bytes], bytes]) -> None:
    infos, parts = read_parts(path)
    part = sheet_part(parts, sheet)
    parts[part] = edit(parts[part])
    write_parts(path, infos, parts)


def edit_part(path: Path, part: str, edit: Callable[[bytes], bytes]) -> None:
    infos, parts = read_parts(path)
    parts[part] = edit(parts[part])
    write_parts(path, infos, parts)


def set_cell(xml: bytes, ref: str, body: str, kind: str | None = None) -> bytes:
    """Return sheet XML with one existing cell's content replaced, keeping its style."""
    pattern = re.compile(rb'<c r="' + ref.encode() + rb'"( s="\d+")?(?: t="\w+")?(?:/>|>.*?</c>)', re.S)
    match = pattern.search(xml)
    if match is None:
        raise ValueError(f"cell {ref} is not in the sheet")
    style = (match.group(1) or b"").decode()
    kind_attr = f' t="{kind}"' if kind else ""
    return xml[:match.start()] + f'<c r="{ref}"{style}{kind_attr}>{body}</c>'.encode() + xml[match.end():]


def clear_cell(xml: bytes, ref: str) -> bytes:
    pattern = re.compile(rb'<c r="' + ref.encode() + rb'"( s="\d+")?(?: t="\w+")?(?:/>|>.*?</c>)', re.S)
    return pattern.sub(lambda m: f'<c r="{ref}"{(m.group(1) or b"").decode()}/>'.encode(), xml, count=1)


def add_after_sheet_data(xml: bytes, element: str) -> bytes:
    """Insert an element right after </sheetData>, where sheetProtection and mergeCells go."""
    return xml.replace(b"</sheetData>", b"</sheetData>" + element.encode(), 1)


def error_cell(sheet: str, ref: str, code: str, formula: str | None = None) -> Callable[[Path], None]:
    body = (f"<f>{formula}</f>" if formula else "") + f"<v>{code}</v>"
    return lambda path: edit_sheet(path, sheet, lambda xml: set_cell(xml, ref, body, "e"))


def sheet_protection(password: str) -> str:
    """Return a sheetProtection element with Excel's SHA-512 password hash."""
    salt = hashlib.sha256(password.encode()).digest()[:16]  # fixed, so the case is reproducible
    spin = 100000
    digest = hashlib.sha512(salt + password.encode("utf-16-le")).digest()
    for index in range(spin):
        digest = hashlib.sha512(digest + index.to_bytes(4, "little")).digest()
    return (f'<sheetProtection algorithmName="SHA-512" hashValue="{base64.b64encode(digest).decode()}" '
            f'saltValue="{base64.b64encode(salt).decode()}" spinCount="{spin}" sheet="1" objects="1" '
            'scenarios="1"/>')


# --- The expected outcomes ------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    """A Data issues row the case must produce: sheet, cell and part of the problem."""

    sheet: str
    cell: str
    problem: str
    action: str = ""  # part of "What was done", when the fix matters
    value: object = None  # the Value column, checked when not None


@dataclass(frozen=True)
class Case:
    """One broken input and the exact outcome of refreshing it."""

    name: str
    about: str
    make: Callable[[Path], Path]  # writes the input in a folder and returns the path to refresh
    rows: tuple[Row, ...] = ()  # every Data issues row, no more and no fewer
    error: str = ""  # part of the one-line error; set for cases that must stop
    exit_code: int = 0
    check: Callable[[Path, dict], None] | None = None  # extra check on the refreshed file and JSON
    tags: tuple[str, ...] = field(default_factory=tuple)


def school_case(edit: Callable[[SchoolData], None] | None = None,
                after: Callable[[Path], None] | None = None) -> Callable[[Path], Path]:
    """Return a maker that edits the base school, builds it, then edits the file."""

    def make(folder: Path) -> Path:
        data = copy.deepcopy(base_school())
        if edit:
            edit(data)
        path = folder / "school.xlsm"
        build_workbook(path, data)
        if after:
            after(path)
        return path

    return make


def set_pupil(serial: int, header: str, value: object) -> Callable[[SchoolData], None]:
    def edit(data: SchoolData) -> None:
        data.pupils[serial][column(c.PUPILS_COLUMNS, header) - 1] = value
    return edit


def set_grade(serial: int, header: str, value: object) -> Callable[[SchoolData], None]:
    def edit(data: SchoolData) -> None:
        klass = next(k for k in data.classes if k.name == PUPILS[serial][3])
        klass.rows[class_row_index(serial)][CLASS_HEADERS.index(header)] = value
    return edit


def set_support(header: str, value: object) -> Callable[[SchoolData], None]:
    def edit(data: SchoolData) -> None:
        data.support[0][column(c.SUPPORT_COLUMNS, header) - 1] = value
    return edit


def set_log(header: str, value: object) -> Callable[[SchoolData], None]:
    def edit(data: SchoolData) -> None:
        data.log[0][column(c.LOG_COLUMNS, header) - 1] = value
    return edit


def both(*edits: Callable[[SchoolData], None]) -> Callable[[SchoolData], None]:
    def edit(data: SchoolData) -> None:
        for step in edits:
            step(data)
    return edit


def replace_upn_everywhere(serial: int, new: str) -> Callable[[SchoolData], None]:
    """Change a pupil's UPN in the register and every row that refers to it."""
    old = upn(serial)

    def edit(data: SchoolData) -> None:
        rows = data.pupils + data.support + data.log + [r for k in data.classes for r in k.rows]
        for row in rows:
            for index, value in enumerate(row):
                if value == old:
                    row[index] = new

    return edit


def file_case(content: bytes, name: str = "school.xlsm") -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(content)
        return path
    return make


# --- Checks on refreshed files --------------------------------------------------------

def figure(figures: dict, subject: str, point: str = "Autumn", scope: str = c.WHOLE_SCHOOL,
           group: str = "All") -> tuple[int, int]:
    """Return (on track, assessed) for one line of the JSON attainment figures."""
    for record in figures["attainment"]:
        if (record["point"], record["subject"], record["scope"], record["group"]) == (point, subject, scope, group):
            return record["on_track"], record["assessed"]
    raise KeyError((point, subject, scope, group))


def on_track_by_hand(subject: str, changes: dict[int, str | None] | None = None) -> tuple[int, int]:
    """Count the base school's on-track pupils in a subject, with some grades changed."""
    grades = {serial: p[5][SUBJECTS.index(subject)] for serial, p in enumerate(PUPILS)}
    grades.update(changes or {})
    assessed = [g for g in grades.values() if g is not None]
    return sum(g in ("EXS", "GDS") for g in assessed), len(assessed)


def expect_reading(changes: dict[int, str | None]) -> Callable[[Path, dict], None]:
    def check(path: Path, figures: dict) -> None:
        assert figure(figures, "Reading") == on_track_by_hand("Reading", changes)
    return check


def read_sheet(path: Path, sheet: str) -> list[list[object]]:
    """Return a sheet's cells read back with python-calamine (not the writer)."""
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def pp_pupils_column(path: Path, header: str) -> list[object]:
    """Return one column of the PP pupils tab, below its header row."""
    rows = read_sheet(path, c.PP_PUPILS_SHEET)
    header_row = next(i for i, row in enumerate(rows) if header in row)
    col = rows[header_row].index(header)
    return [row[col] for row in rows[header_row + 1:] if any(v != "" for v in row)]


def expect_pp_values(header: str, expected: list[object]) -> Callable[[Path, dict], None]:
    def check(path: Path, figures: dict) -> None:
        assert sorted(pp_pupils_column(path, header), key=str) == sorted(expected, key=str)
    return check


def pp_names(names: dict[int, tuple[str, str]]) -> list[str]:
    """Return the Pupil column of PP pupils ("Forename Surname"), some names changed."""
    result = []
    for serial, (surname, forename, *_rest) in enumerate(PUPILS):
        if PUPILS[serial][4] == "Y":
            surname, forename = names.get(serial, (surname, forename))
            result.append(f"{forename} {surname}")
    return result


def expect_text_cells(names: dict[int, tuple[str, str]]) -> Callable[[Path, dict], None]:
    """Check names come out exactly, as text cells, with no formula in the PP pupils tab."""

    def check(path: Path, figures: dict) -> None:
        import openpyxl

        assert sorted(pp_pupils_column(path, "Pupil")) == sorted(pp_names(names))
        infos, parts = read_parts(path)
        xml = parts[sheet_part(parts, c.PP_PUPILS_SHEET)]
        assert b"<f>" not in xml
        assert b"<f " not in xml
        sheet = openpyxl.load_workbook(path)[c.PP_PUPILS_SHEET]
        cells = [cell for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)
                 and cell.value[:1] in "=+-@"]
        assert len(cells) == sum(1 for n in pp_names(names) if n[:1] in "=+-@")
        assert all(cell.data_type == "s" for cell in cells)

    return check


# --- Zip-level cases ------------------------------------------------------------------

def rename_table(old: str, new: str) -> Callable[[Path], None]:
    def after(path: Path) -> None:
        infos, parts = read_parts(path)
        part = table_part(parts, old)
        parts[part] = parts[part].replace(f'name="{old}" displayName="{old}"'.encode(),
                                          f'name="{new}" displayName="{new}"'.encode())
        write_parts(path, infos, parts)
    return after


def convert_to_range(sheet: str, table: str) -> Callable[[Path], None]:
    """Remove a sheet's table as Table Design > Convert to Range does: its part, link and listing."""

    def after(path: Path) -> None:
        infos, parts = read_parts(path)
        part = table_part(parts, table)
        sheet_xml = sheet_part(parts, sheet)
        parts[sheet_xml] = re.sub(rb"<tableParts\b.*?</tableParts>", b"", parts[sheet_xml], flags=re.S)
        folder, name = sheet_xml.rsplit("/", 1)
        rels = f"{folder}/_rels/{name}.rels"
        target = "../tables/" + part.rsplit("/", 1)[1]
        parts[rels] = re.sub(rb'<Relationship [^>]*Target="' + target.encode() + rb'"/>', b"", parts[rels])
        parts["[Content_Types].xml"] = re.sub(rb'<Override PartName="/' + part.encode() + rb'"[^>]*/>', b"",
                                              parts["[Content_Types].xml"])
        del parts[part]
        write_parts(path, infos, parts)

    return after


def rename_header(table: str, sheet: str, ref: str, old: str, new: str) -> Callable[[Path], None]:
    """Rename a table column in both places Excel keeps it: the table part and the cell."""

    def after(path: Path) -> None:
        infos, parts = read_parts(path)
        part = table_part(parts, table)
        parts[part] = re.sub(rb'(<tableColumn id="\d+" name=")' + re.escape(old.encode()) + rb'"',
                             rb"\g<1>" + new.encode() + b'"', parts[part], count=1)
        xml = parts[sheet_part(parts, sheet)]
        xml = set_cell(xml, ref, f'<is><t>{new}</t></is>', "inlineStr") if new else clear_cell(xml, ref)
        parts[sheet_part(parts, sheet)] = xml
        write_parts(path, infos, parts)

    return after


def merge_cells(sheet: str, cells: str) -> Callable[[Path], None]:
    """Merge a range the way Excel does: keep the first cell's value, clear the rest."""
    first, last = cells.split(":")

    def edit(xml: bytes) -> bytes:
        top, left = _split_ref(first)
        bottom, right = _split_ref(last)
        for row in range(top, bottom + 1):
            for col in range(left, right + 1):
                ref = cell_name(row, col)
                if ref != first:
                    xml = clear_cell(xml, ref)
        return add_after_sheet_data(xml, f'<mergeCells count="1"><mergeCell ref="{cells}"/></mergeCells>')

    return lambda path: edit_sheet(path, sheet, edit)


def _split_ref(ref: str) -> tuple[int, int]:
    letters, digits = re.fullmatch(r"([A-Z]+)(\d+)", ref).groups()
    col = 0
    for letter in letters:
        col = col * 26 + ord(letter) - 64
    return int(digits), col


def blank_formatted_rows(count: int) -> Callable[[Path], None]:
    """Stretch the Pupils table over ``count`` empty rows that carry a cell style."""
    width = len(c.PUPILS_COLUMNS)
    last_col = cell_name(1, width)[:-1]

    def after(path: Path) -> None:
        infos, parts = read_parts(path)
        part = sheet_part(parts, c.PUPILS_SHEET)
        xml = parts[part]
        style = re.search(rb'<c r="A4"( s="\d+")', xml).group(1).decode()
        first = FIRST_ROW + len(PUPILS)
        rows = "".join(
            f'<row r="{r}">' + "".join(f'<c r="{cell_name(r, col)}"{style}/>' for col in range(1, width + 1))
            + "</row>"
            for r in range(first, first + count)
        )
        parts[part] = xml.replace(b"</sheetData>", rows.encode() + b"</sheetData>", 1)
        table = table_part(parts, c.PUPILS_TABLE)
        last = f"{last_col}{first + count - 1}"
        parts[table] = re.sub(rb'ref="A3:[A-Z]+\d+"', f'ref="A3:{last}"'.encode(), parts[table])
        write_parts(path, infos, parts)

    return after


def protect_sheet(sheet: str, password: str) -> Callable[[Path], None]:
    def edit(xml: bytes) -> bytes:
        xml = re.sub(rb"<sheetProtection\b[^>]*/>", b"", xml)
        return add_after_sheet_data(xml, sheet_protection(password))
    return lambda path: edit_sheet(path, sheet, edit)


def protect_workbook(path: Path) -> None:
    element = (b'<workbookProtection workbookPassword="CC3D" lockStructure="1"/>')
    edit_part(path, "xl/workbook.xml", lambda xml: xml.replace(b"<bookViews>", element + b"<bookViews>", 1))


def long_shared_string(text: str, replacing: str) -> Callable[[Path], None]:
    """Put a string longer than Excel allows into the shared strings, as other programs can."""
    return lambda path: edit_part(path, "xl/sharedStrings.xml",
                                  lambda xml: xml.replace(f"<t>{replacing}</t>".encode(),
                                                          f"<t>{text}</t>".encode(), 1))


def remove_sheet(sheet: str) -> Callable[[Path], None]:
    return lambda path: edit_part(path, "xl/workbook.xml",
                                  lambda xml: re.sub(rb'<sheet name="' + sheet.encode() + rb'"[^>]*/>', b"", xml))


def damage_sheet(sheet: str) -> Callable[[Path], None]:
    """Cut the XML of a sheet off in the middle of a row, as a failed save can."""
    def edit(xml: bytes) -> bytes:
        return xml[:xml.index(b'<row r="5"') + 40]
    return lambda path: edit_sheet(path, sheet, edit)


def drop_part(part: str) -> Callable[[Path], None]:
    def after(path: Path) -> None:
        infos, parts = read_parts(path)
        del parts[part]
        write_parts(path, infos, parts)
    return after


def encrypt(path: Path) -> None:
    """Encrypt the workbook with a password to open, as File > Info > Protect Workbook does."""
    import io

    from msoffcrypto.format.ooxml import OOXMLFile

    plain = io.BytesIO(path.read_bytes())
    out = io.BytesIO()
    OOXMLFile(plain).encrypt("Secret1", out)
    path.write_bytes(out.getvalue())


def bomb(extra: Callable[[], list], replace: str | None = None) -> Callable[[Path], None]:
    """Rebuild the workbook as a raw zip with zip-bomb entries added (or one part replaced)."""

    def after(path: Path) -> None:
        infos, parts = read_parts(path)
        entries = [stored_entry(info.filename, parts[info.filename]) for info in infos]
        added = extra()
        if replace:
            entries = [added[0] if e.name == replace else e for e in entries]
        else:
            entries += added
        write_zip(path, entries)

    return after


def lock_file(prefix_name: Callable[[str], str]) -> Callable[[Path], None]:
    def after(path: Path) -> None:
        (path.parent / prefix_name(path.name)).write_bytes(b"\x00" * 165)  # only the name matters
    return after


def missing_path(folder: Path) -> Path:
    return folder / "no such workbook.xlsm"


def folder_path(folder: Path) -> Path:
    path = folder / "Tracker.xlsm"
    path.mkdir()
    return path


YEAR = "Year"
UPN = "UPN"
A_READING = "Autumn Reading"
A_WRITING = "Autumn Writing"
NOT_ON_REGISTER = "not on the Pupils register"
NOT_ON_SCALE = "not on the grade scale"
EXCEL_ERROR = "holds the Excel error"
NOT_A_WORKBOOK = "is not an Excel workbook"

CASES: list[Case] = [
    # Grades typed by class teachers.
    Case("grade_unknown", "A grade that is not on the scale at all.",
         school_case(set_grade(0, A_READING, "XYZ")),
         rows=(Row(class_sheet(0), class_cell(0, A_READING), NOT_ON_SCALE, "Pick a grade", "XYZ"),),
         check=expect_reading({0: None})),
    Case("grade_misspelt_code", "EXT for EXS gets a suggestion.",
         school_case(set_grade(0, A_READING, "EXT")),
         rows=(Row(class_sheet(0), class_cell(0, A_READING), NOT_ON_SCALE, "Did you mean EXS?", "EXT"),),
         check=expect_reading({0: None})),
    Case("grade_misspelt_word", "A misspelt word for a grade gets a suggestion.",
         school_case(set_grade(3, A_READING, "Greater depht")),
         rows=(Row(class_sheet(3), class_cell(3, A_READING), NOT_ON_SCALE, "Did you mean GDS?"),),
         check=expect_reading({3: None})),
    Case("grade_aliases_accepted", "Lower case, stray spaces and aliases are read as grades.",
         school_case(both(set_grade(0, A_READING, " exs "), set_grade(1, A_READING, "Working towards"),
                          set_grade(3, A_READING, "gd"), set_grade(5, A_READING, "ARE"))),
         check=expect_reading({})),
    Case("grade_as_number", "A number typed where a grade goes.",
         school_case(set_grade(1, A_READING, 3)),
         rows=(Row(class_sheet(1), class_cell(1, A_READING), NOT_ON_SCALE, value=3),),
         check=expect_reading({1: None})),
    Case("wellbeing_unknown", "A wellbeing colour that is not Green, Amber or Red.",
         school_case(set_grade(4, "Autumn Wellbeing", "Purple")),
         rows=(Row(class_sheet(4), class_cell(4, "Autumn Wellbeing"), "Wellbeing must be Green, Amber or Red"),)),

    # Numbers and dates stored as text.
    Case("attendance_text_number", "Attendance typed as text, with and without a % sign.",
         school_case(both(set_pupil(0, "Attendance %", "95"), set_pupil(2, "Attendance %", "88.5%"))),
         check=expect_pp_values("Attendance %", [95.0, 88.5, 96.0])),
    Case("attendance_fraction", "Attendance as a fraction of one, as a % formatted cell stores it.",
         school_case(set_pupil(0, "Attendance %", 0.93)),
         check=expect_pp_values("Attendance %", [93.0, 96.0, 96.0])),
    Case("attendance_words", "Attendance typed in words.",
         school_case(set_pupil(0, "Attendance %", "ninety")),
         rows=(Row(c.PUPILS_SHEET, pupil_cell(0, "Attendance %"), "Attendance must be a percentage", value="ninety"),)),
    Case("attendance_over_100", "Attendance over 100%.",
         school_case(set_pupil(2, "Attendance %", 130)),
         rows=(Row(c.PUPILS_SHEET, pupil_cell(2, "Attendance %"), "Attendance must be a percentage", value=130),)),
    Case("cost_text", "A cost typed as text with a pound sign and a comma.",
         school_case(set_support("Cost (£)", "£1,200")),
         check=expect_pp_values("Support cost (£)", [1200.0, "", ""])),
    Case("cost_letter_o", "A letter O typed for a zero in a cost.",
         school_case(set_support("Cost (£)", "£1,2OO")),
         rows=(Row(c.SUPPORT_SHEET, support_cell(0, "Cost (£)"), "not an amount in pounds", value="£1,2OO"),)),
    Case("year_as_number", "The year group stored as a number.",
         school_case(both(set_pupil(0, YEAR, 2), set_pupil(3, YEAR, 5.0)))),
    Case("log_date_uk_text", "A log date typed as UK text.",
         school_case(set_log("Date", LOG_DATE.strftime("%d/%m/%Y"))),
         check=expect_pp_values("Last parent contact", [LOG_DATE, "", ""])),
    Case("log_date_iso_text", "A log date typed as ISO text.",
         school_case(set_log("Date", LOG_DATE.isoformat())),
         check=expect_pp_values("Last parent contact", [LOG_DATE, "", ""])),
    Case("log_date_words", "A log date typed in words.",
         school_case(set_log("Date", f"{LOG_DATE.day} {LOG_DATE:%B %Y}")),
         check=expect_pp_values("Last parent contact", [LOG_DATE, "", ""])),
    Case("log_date_short_words", "A log date typed as 1 Oct 26.",
         school_case(set_log("Date", f"{LOG_DATE.day} {LOG_DATE:%b %y}")),
         check=expect_pp_values("Last parent contact", [LOG_DATE, "", ""])),
    Case("log_date_serial", "A log date pasted as its Excel serial number.",
         school_case(set_log("Date", LOG_SERIAL)),
         check=expect_pp_values("Last parent contact", [LOG_DATE, "", ""])),
    Case("log_date_impossible", "31 February.",
         school_case(set_log("Date", "31/02/2026")),
         rows=(Row(c.LOG_SHEET, log_cell(0, "Date"), "not a date", value="31/02/2026"),)),
    Case("log_date_us_order", "A date in US order (month first).",
         school_case(set_log("Date", "10/31/2026")),
         rows=(Row(c.LOG_SHEET, log_cell(0, "Date"), "not a date", value="10/31/2026"),)),
    Case("support_start_month_only", "A start date of a month name only.",
         school_case(set_support("Start", "Sept 2026")),
         rows=(Row(c.SUPPORT_SHEET, support_cell(0, "Start"), "This is not a date", value="Sept 2026"),)),
    Case("support_end_before_start", "An end date before the start date.",
         school_case(set_support("End", date(2025, 9, 1))),
         rows=(Row(c.SUPPORT_SHEET, support_cell(0, "End"), "end date is before the start date"),)),

    # Year groups.
    Case("year_y2", "Y2 is a year group.", school_case(set_pupil(1, YEAR, "Y2")), check=expect_reading({})),
    Case("year_words", "Year 2 is a year group.", school_case(set_pupil(1, YEAR, "Year 2")),
         check=expect_reading({})),
    Case("year_7", "Year 7 is not a primary year group.",
         school_case(set_pupil(1, YEAR, "7")),
         rows=(Row(c.PUPILS_SHEET, pupil_cell(1, YEAR), "The year must be R or 1 to 6", value="7"),
               Row(class_sheet(1), class_cell(1, UPN), NOT_ON_REGISTER)),
         check=expect_reading({1: None})),

    # UPNs.
    Case("upn_duplicate", "Two pupils share a UPN.",
         school_case(set_pupil(1, UPN, upn(0))),
         rows=(Row(c.PUPILS_SHEET, pupil_cell(1, UPN), f"already used in {pupil_cell(0, UPN)}"),
               Row(class_sheet(1), class_cell(1, UPN), NOT_ON_REGISTER)),
         check=expect_reading({1: None})),
    Case("upn_wrong_check_letter", "A UPN whose check letter does not match (kept in the figures).",
         school_case(replace_upn_everywhere(1, ("A" if upn(1)[0] != "A" else "B") + upn(1)[1:])),
         rows=(Row(c.PUPILS_SHEET, pupil_cell(1, UPN), "check letter is wrong"),),
         check=expect_reading({})),
    Case("upn_too_short", "A UPN with digits missing.",
         school_case(replace_upn_everywhere(1, upn(1)[:9])),
         rows=(Row(c.PUPILS_SHEET, pupil_cell(1, UPN), "A UPN has 13 characters; this one has 9"),),
         check=expect_reading({})),
    Case("upn_lower_case", "A UPN typed in lower case on the register.",
         school_case(set_pupil(1, UPN, upn(1).lower())), check=expect_reading({})),
    Case("upn_missing", "A register row without a UPN.",
         school_case(set_pupil(1, UPN, None)),
         rows=(Row(c.PUPILS_SHEET, pupil_cell(1, UPN), "The UPN is missing"),
               Row(class_sheet(1), class_cell(1, UPN), NOT_ON_REGISTER)),
         check=expect_reading({1: None})),

    # Headers and tables.
    Case("header_blank_optional", "The Narrative header cell cleared.",
         school_case(after=rename_header(c.PUPILS_TABLE, c.PUPILS_SHEET,
                                         header_cell(c.PUPILS_COLUMNS, "Narrative"), "Narrative", "")),
         rows=(Row(c.PUPILS_SHEET, header_cell(c.PUPILS_COLUMNS, "Narrative"), "has no 'Narrative' column"),)),
    Case("header_blank_required", "The Surname header cell cleared.",
         school_case(after=rename_header(c.PUPILS_TABLE, c.PUPILS_SHEET,
                                         header_cell(c.PUPILS_COLUMNS, "Surname"), "Surname", "")),
         error="has no column headed 'Surname'", exit_code=1),
    Case("header_duplicate", "EAL renamed to PP, so PP appears twice.",
         school_case(after=rename_header(c.PUPILS_TABLE, c.PUPILS_SHEET,
                                         header_cell(c.PUPILS_COLUMNS, "EAL"), "EAL", "PP")),
         rows=(Row(c.PUPILS_SHEET, header_cell(c.PUPILS_COLUMNS, "EAL"), "appears twice"),
               Row(c.PUPILS_SHEET, header_cell(c.PUPILS_COLUMNS, "Narrative"), "has no 'EAL' column"))),
    Case("header_case_and_spaces", "Headers retyped in capitals with spaces.",
         school_case(after=rename_header(c.PUPILS_TABLE, c.PUPILS_SHEET,
                                         header_cell(c.PUPILS_COLUMNS, "Surname"), "Surname", "SURNAME "))),
    Case("class_heading_twice", "A class sheet with the same point and subject twice.",
         school_case(after=rename_header("Class_2A", "Class 2A", cell_name(3, CLASS_HEADERS.index(A_WRITING) + 1),
                                         A_WRITING, A_READING)),
         rows=(Row("Class 2A", cell_name(3, CLASS_HEADERS.index(A_WRITING) + 1), "appears twice"),
               Row("Class 2A", "A3", "no column for Autumn Writing"))),
    Case("class_extra_columns", "A class sheet with a teacher's notes column and an unknown subject.",
         school_case(after=rename_header("Class_2A", "Class 2A", cell_name(3, CLASS_HEADERS.index("Spring Maths") + 1),
                                         "Spring Maths", "Notes")),
         rows=(Row("Class 2A", "A3", "no column for Spring Maths"),),
         check=expect_reading({})),
    Case("table_renamed", "The Pupils table renamed.",
         school_case(after=rename_table(c.PUPILS_TABLE, "Pupils1")),
         error="The table 'Pupils' was not found", exit_code=1),
    Case("class_table_renamed", "A class sheet's table renamed, so its grades would be lost without a word.",
         school_case(after=rename_table("Class_2A", "Table7")),
         rows=(Row("Class 2A", cell_name(FIRST_ROW - 1, 1), "has grade columns but is named 'Table7'"),
               *(Row(c.PUPILS_SHEET, pupil_cell(serial, UPN), "not on any class sheet")
                 for serial, pupil in enumerate(PUPILS) if pupil[3] == "2A")),
         check=expect_reading({serial: None for serial, pupil in enumerate(PUPILS) if pupil[3] == "2A"})),
    Case("table_deleted", "The Support table converted to a plain range.",
         school_case(after=convert_to_range(c.SUPPORT_SHEET, c.SUPPORT_TABLE)),
         error="The table 'Support' was not found", exit_code=1),
    Case("owned_tab_deleted", "The Summary tab deleted.",
         school_case(after=remove_sheet(c.SUMMARY_SHEET)),
         error="The 'Summary' tab is missing", exit_code=1),

    # Sheet structure.
    Case("merged_register_cells", "Surname and forename merged across a register row.",
         school_case(after=merge_cells(c.PUPILS_SHEET, f"{pupil_cell(1, 'Surname')}:{pupil_cell(1, 'Forename')}")),
         rows=(Row(c.PUPILS_SHEET, f"{pupil_cell(1, 'Surname')}:{pupil_cell(1, 'Forename')}", "are merged"),)),
    Case("merged_grade_cells", "Three grade cells merged on a class sheet.",
         school_case(after=merge_cells("Class 2A", f"{class_cell(0, A_READING)}:{class_cell(0, 'Autumn Maths')}")),
         rows=(Row("Class 2A", f"{class_cell(0, A_READING)}:{class_cell(0, 'Autumn Maths')}", "are merged"),),
         check=expect_reading({})),
    Case("blank_formatted_rows", "The register stretched over 5,000 empty formatted rows.",
         school_case(after=blank_formatted_rows(5000)), check=expect_reading({})),
    Case("sheet_password", "The Pupils sheet protected with a password.",
         school_case(after=protect_sheet(c.PUPILS_SHEET, "Secret1")), check=expect_reading({})),
    Case("owned_tab_password", "The Summary tab protected with a password by a user.",
         school_case(after=protect_sheet(c.SUMMARY_SHEET, "Secret1")),
         check=lambda path, figures: _assert_protected(path, c.SUMMARY_SHEET)),
    Case("workbook_structure_locked", "Workbook structure protected.",
         school_case(after=protect_workbook), check=expect_reading({})),

    # Excel error values.
    Case("error_na_year", "#N/A in a Year cell, from a failed VLOOKUP.",
         school_case(after=error_cell(c.PUPILS_SHEET, pupil_cell(1, YEAR), "#N/A", "VLOOKUP(A5,X!A:B,2,0)")),
         rows=(Row(c.PUPILS_SHEET, pupil_cell(1, YEAR), EXCEL_ERROR, value="#N/A"),
               Row(c.PUPILS_SHEET, pupil_cell(1, YEAR), "The year must be R or 1 to 6"),
               Row(class_sheet(1), class_cell(1, UPN), NOT_ON_REGISTER))),
    Case("error_ref_grade", "#REF! in a grade cell.",
         school_case(after=error_cell(class_sheet(0), class_cell(0, A_READING), "#REF!", "#REF!")),
         rows=(Row(class_sheet(0), class_cell(0, A_READING), EXCEL_ERROR, value="#REF!"),),
         check=expect_reading({0: None})),
    Case("error_div0_attendance", "#DIV/0! in an attendance cell.",
         school_case(after=error_cell(c.PUPILS_SHEET, pupil_cell(2, "Attendance %"), "#DIV/0!", "K6/0")),
         rows=(Row(c.PUPILS_SHEET, pupil_cell(2, "Attendance %"), EXCEL_ERROR, value="#DIV/0!"),)),
    Case("error_value_cost", "#VALUE! in a support cost.",
         school_case(after=error_cell(c.SUPPORT_SHEET, support_cell(0, "Cost (£)"), "#VALUE!")),
         rows=(Row(c.SUPPORT_SHEET, support_cell(0, "Cost (£)"), EXCEL_ERROR, value="#VALUE!"),)),
    Case("error_text_lookalike", "The text '#N/A' typed as a grade is a wrong grade, not an error.",
         school_case(set_grade(0, A_READING, "#N/A")),
         rows=(Row(class_sheet(0), class_cell(0, A_READING), NOT_ON_SCALE, value="#N/A"),)),

    # Awkward text.
    Case("text_at_cell_limit", "A narrative of 32,767 characters, Excel's limit.",
         school_case(set_pupil(0, "Narrative", "Reads well. " * 2730 + "Reading")),
         check=expect_pp_values("Narrative", ["Reads well. " * 2730 + "Reading", "", ""])),
    Case("text_over_cell_limit", "A narrative of 40,000 characters written by another program.",
         school_case(set_pupil(0, "Narrative", "PLACEHOLDER"), after=long_shared_string("x" * 40000, "PLACEHOLDER")),
         check=expect_pp_values("Narrative", ["x" * 32767, "", ""])),
    Case("control_characters", "Names holding control characters, tabs and line breaks.",
         school_case(both(set_pupil(0, "Surname", "Sm\x01ith"), set_pupil(0, "Forename", "Ame\tlia"),
                          set_pupil(2, "Forename", "Is\nla"), set_pupil(2, "Surname", "_x0041_Patel"))),
         check=expect_text_cells({0: ("Sm\x01ith", "Ame\tlia"), 2: ("_x0041_Patel", "Is\nla")})),
    Case("formula_like_names", "Names beginning with =, +, - and @ stay text.",
         school_case(both(set_pupil(0, "Forename", "=HYPERLINK(\"http://example.invalid\",\"x\")"),
                          set_pupil(2, "Forename", "+44 7700"), set_pupil(4, "Forename", "@SUM(A1)"),
                          set_pupil(4, "Surname", "-1"))),
         check=expect_text_cells({0: ("Smith", "=HYPERLINK(\"http://example.invalid\",\"x\")"),
                                  2: ("Patel", "+44 7700"), 4: ("-1", "@SUM(A1)")})),
    Case("formula_like_grade", "A grade typed as a formula is reported, and stays text on Data issues.",
         school_case(set_grade(0, A_READING, "=1+1")),
         rows=(Row(class_sheet(0), class_cell(0, A_READING), NOT_ON_SCALE, value="=1+1"),),
         check=lambda path, figures: _assert_no_formulas(path, c.ISSUES_SHEET)),
    Case("right_to_left_names", "Arabic and Hebrew names.",
         school_case(both(set_pupil(0, "Surname", "الحسن"), set_pupil(0, "Forename", "مريم"),
                          set_pupil(2, "Surname", "כהן"), set_pupil(2, "Forename", "נועה"))),
         check=expect_text_cells({0: ("الحسن", "مريم"), 2: ("כהן", "נועה")})),
    Case("emoji_names", "Names with emoji and combining accents; support matched by that name.",
         school_case(both(set_pupil(0, "Surname", "Smith 🌟"), set_pupil(0, "Forename", "Zoe\u0308"),
                          set_support("Pupil", "Zoë Smith 🌟"))),
         check=lambda path, figures: (expect_text_cells({0: ("Smith 🌟", "Zoe\u0308")})(path, figures),
                                      expect_pp_values("Support (count)", [1, 0, 0])(path, figures))),

    # Matching support and log rows.
    Case("support_name_ambiguous", "Support given by a name two pupils share.",
         school_case(both(set_pupil(2, "Surname", "Smith"), set_pupil(2, "Forename", "Amelia"),
                          set_support("Pupil", "Amelia Smith"))),
         rows=(Row(c.SUPPORT_SHEET, support_cell(0, "Pupil"), "More than one pupil is called 'Amelia Smith'"),)),
    Case("support_area_blank_and_text", "One provision listed twice, with and without a subject or area.",
         school_case(lambda data: data.support.append(
             [upn(2), "Small-group phonics", None, "Targeted academic support", SUPPORT_START, None, 420, "Y",
              "WTS", None, None])),
         check=expect_pp_values("Support (count)", [1, 1, 0])),
    Case("support_name_unknown", "Support given to a pupil not on the register.",
         school_case(set_support("Pupil", "Ann Other")),
         rows=(Row(c.SUPPORT_SHEET, support_cell(0, "Pupil"), "No pupil on the register matches 'Ann Other'"),)),
    Case("log_kind_unknown", "A log kind that is not on the list.",
         school_case(set_log("Kind", "Phone call")),
         rows=(Row(c.LOG_SHEET, log_cell(0, "Kind"), "The kind must be"),)),
    Case("pupil_on_two_class_sheets", "A pupil listed on two class sheets.",
         school_case(lambda data: data.classes[1].rows.append(list(data.classes[0].rows[0]))),
         rows=(Row("Class 5B", cell_name(FIRST_ROW + 3, 1), "also listed on the 'Class 2A' sheet"),),
         check=expect_reading({})),
    Case("class_pupil_not_on_register", "Grades for a pupil who is not on the register.",
         school_case(lambda data: data.classes[0].rows.append([upn(40), "New Arrival", "N", "N", c.ON_ROLL,
                                                                "EXS"])),
         rows=(Row("Class 2A", cell_name(FIRST_ROW + 3, 1), NOT_ON_REGISTER),),
         check=expect_reading({})),
    Case("current_point_misspelt", "The current assessment point misspelt in Settings.",
         school_case(lambda data: data.settings.update({c.SETTING_POINT: "Autum"})),
         rows=(Row(c.SETTINGS_SHEET, settings_cell(c.SETTING_POINT), "is not in the Points table"),)),

    # Files that are not workbooks, or cannot be opened.
    Case("text_file", "A CSV file renamed to .xlsm.", file_case(b"UPN,Surname\r\nA123,Smith\r\n"),
         error=NOT_A_WORKBOOK, exit_code=1),
    Case("empty_file", "A file of no bytes.", file_case(b""), error=NOT_A_WORKBOOK, exit_code=1),
    Case("zip_not_workbook", "A zip file that holds no workbook.",
         lambda folder: (write_zip(folder / "school.xlsm", [stored_entry("notes.txt", b"hello")]),
                         folder / "school.xlsm")[1],
         error="is a zip file but not an Excel workbook", exit_code=1),
    Case("truncated_download", "A workbook cut off half way, as by a failed download.",
         school_case(after=lambda path: path.write_bytes(path.read_bytes()[:len(path.read_bytes()) // 2])),
         error=NOT_A_WORKBOOK, exit_code=1),
    Case("damaged_sheet_xml", "A sheet whose XML is broken.",
         school_case(after=damage_sheet(c.PUPILS_SHEET)),
         error="could not be read", exit_code=1),
    Case("missing_shared_strings", "The shared strings part missing.",
         school_case(after=drop_part("xl/sharedStrings.xml")),
         error="could not be read", exit_code=1),
    Case("password_to_open", "A workbook encrypted with a password to open.",
         school_case(after=encrypt), error="has a password to open", exit_code=1),
    Case("zip_bomb_one_part", "A part that inflates to 1 GiB.",
         school_case(after=bomb(lambda: [zeros_entry("xl/media/image1.png", 1024)])),
         error="too large for a school workbook", exit_code=1),
    Case("zip_bomb_many_parts", "Sixteen parts of 200 MiB each, every one under the part limit.",
         school_case(after=bomb(lambda: [zeros_entry(f"xl/media/image{i}.png", 200) for i in range(16)])),
         error="zip bomb", exit_code=1),
    Case("zip_bomb_ratio", "A 64 MiB part stored in 64 KiB, under every size limit.",
         school_case(after=bomb(lambda: [zeros_entry("xl/media/image1.png", 64)])),
         error="zip bomb", exit_code=1),
    Case("zip_bomb_lying_sizes", "The Summary sheet, which a refresh reads to rewrite it, with headers "
         "that say 4 KiB but data that inflates to 1 GiB.",
         school_case(after=lambda path: bomb(lambda: [zeros_entry(sheet_part(read_parts(path)[1], c.SUMMARY_SHEET),
                                                                  1024, declared_size=4096)],
                                             replace=sheet_part(read_parts(path)[1], c.SUMMARY_SHEET))(path)),
         error=NOT_A_WORKBOOK, exit_code=1),
    Case("excel_lock_file", "The workbook is open in Excel (~$ lock file beside it).",
         school_case(after=lock_file(lambda name: "~$" + name)), error="is open in Excel", exit_code=1),
    Case("excel_lock_file_long_name", "Excel's lock file for a long name drops its first two characters.",
         lambda folder: _renamed(school_case(after=None)(folder), "Pupil premium 2026.xlsm",
                                 lambda name: "~$" + name[2:]),
         error="is open in Excel", exit_code=1),
    Case("missing_file", "A path with no file.", missing_path, error="was not found", exit_code=1),
    Case("folder_not_file", "A folder named like a workbook.", folder_path, error="is a folder", exit_code=1),
]


def _renamed(path: Path, name: str, lock: Callable[[str], str]) -> Path:
    target = path.with_name(name)
    path.rename(target)
    (target.parent / lock(target.name)).write_bytes(b"\x00" * 165)
    return target


def _assert_no_formulas(path: Path, sheet: str) -> None:
    infos, parts = read_parts(path)
    xml = parts[sheet_part(parts, sheet)]
    assert b"<f>" not in xml
    assert b"<f " not in xml


def _assert_protected(path: Path, sheet: str) -> None:
    infos, parts = read_parts(path)
    assert b'<sheetProtection algorithmName="SHA-512"' in parts[sheet_part(parts, sheet)]


def write_all(out: Path) -> None:
    """Write every case's input into its own folder under ``out``."""
    for case in CASES:
        folder = out / case.name
        folder.mkdir(parents=True, exist_ok=True)
        path = case.make(folder)
        print(f"{case.name}: {path}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python tests/cases/make_cases.py OUT_DIR")
    write_all(Path(sys.argv[1]))

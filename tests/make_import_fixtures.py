"""Write the awkward files the import tests read: a tracker, teachers' workbooks and MIS registers.

Every name and UPN is made up. The teacher files carry the habits that
break naive importers. They have titles above the header, merged header
cells, a hidden sheet, a totals row and lower-case and misspelt grades.
Names have apostrophes, hyphens, accents and trailing spaces, a pupil who
left sits on a hidden row, and two pupils in different classes share a name.

Run as a script to write them into a folder and look at them:
    python tests/make_import_fixtures.py /tmp/import-fixtures
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import xlsxwriter
from stdnum.gb import upn as upn_check

from tracker import contract as c
from tracker.build import ClassSheet, SchoolData, build_workbook

POINTS = ("Autumn", "Spring", "Summer")
SUBJECTS = ("Reading", "Writing", "Maths")


def make_upn(serial: int) -> str:
    base = f"938200125{serial:03d}"
    return upn_check.calc_check_digit(base) + base


@dataclass(frozen=True)
class Child:
    serial: int
    forename: str
    surname: str
    year: str
    klass: str
    left: date | None = None

    @property
    def upn(self) -> str:
        return make_upn(self.serial)

    @property
    def name(self) -> str:
        return f"{self.forename} {self.surname}"


# The register of the test school. Two pupils called Sam Smith, in 3A and 3B.
CHILDREN = (
    Child(1, "Sam", "Smith", "3", "3A"),
    Child(2, "Siobhán", "O'Brien", "3", "3A"),
    Child(3, "Zoë", "Brown", "3", "3A"),
    Child(4, "Tom", "Leaver", "3", "3A", left=date(2026, 2, 13)),
    Child(5, "Priya", "Patel", "3", "3A"),
    Child(6, "Sam", "Smith", "3", "3B"),
    Child(7, "Amelia", "Smith-Jones", "3", "3B"),
    Child(8, "Kacper", "Nowak", "3", "3B"),
    Child(9, "Chloé", "Dubois", "4", "4A"),
    Child(10, "Reuben", "Okafor", "4", "4A"),
    Child(11, "Niamh", "Murphy", "4", "4A"),
)

# Grades already typed in the tracker before any import: one that a file
# repeats (no change) and one that a file contradicts (a conflict).
EXISTING = {
    (7, "Spring Maths"): "EXS",  # the 3B file has EXS too
    (8, "Spring Maths"): "WTS",  # the 3B file has GDS, a conflict
}


def child(serial: int) -> Child:
    return next(ch for ch in CHILDREN if ch.serial == serial)


def school_data() -> SchoolData:
    """Return the test school: three classes, the pupils above, a few grades already typed."""
    data = SchoolData(settings={c.SETTING_SCHOOL: "Import Test Primary", c.SETTING_YEAR: "2025/26",
                                c.SETTING_POINT: "Spring"})
    classes: dict[str, ClassSheet] = {}
    for ch in CHILDREN:
        data.pupils.append([ch.upn, ch.surname, ch.forename, ch.year, ch.klass, "N", None, "N",
                            "Speech and language" if ch.serial == 5 else None, "N", 96.0, ch.left,
                            "Typed by staff" if ch.serial == 1 else None])
        row: list[object] = [ch.upn, ch.name, "N", "N", c.LEFT if ch.left else c.ON_ROLL]
        for point in POINTS:
            for subject in SUBJECTS:
                row.append(EXISTING.get((ch.serial, f"{point} {subject}")))
            row.append(None)
        classes.setdefault(ch.klass, ClassSheet(ch.klass)).rows.append(row)
    data.classes = [classes[k] for k in sorted(classes)]
    return data


def write_tracker(folder: Path, name: str = "tracker.xlsm") -> Path:
    return build_workbook(folder / name, school_data())


# Teachers' workbooks


def write_3a(path: Path) -> Path:
    """Class 3A: titles, a two-row header with points merged, totals, a hidden leaver row and sheet."""
    book = xlsxwriter.Workbook(str(path))
    bold = book.add_format({"bold": True, "align": "center"})
    sheet = book.add_worksheet("Class 3A")
    sheet.write("A1", "Oakfield Primary School")
    sheet.write("A2", "Year 3 pupil progress 2025/26")
    sheet.merge_range("B4:D4", "Autumn", bold)
    sheet.merge_range("E4:G4", "Spring", bold)
    sheet.write_row("A5", ["Pupil name ", "Rdg", "Wri", "Ma", "Rdg", "Wri", "Ma"])
    rows = [
        ["Sam Smith ", "EXS", "exs", "WTS", "EXS", "EXS", "EXS"],       # trailing space, lower case
        ["Siobhan O’Brien", "GDS", "GDS", "EXS", "GDS", "gds", "Ext"],  # no accent, curly apostrophe, misspelt
        [None, None, None, None, None, None, None],                      # blank row
        ["ZOË BROWN", "WTS", "WTS", "WTS", "wt", "WTS", "EXS"],          # capitals, alias "wt"
        ["Tom Leaver", "WTS", "WTS", "WTS", None, None, None],           # left in February: row hidden
        ["Priya Patel", "Expcted", "EXS", "EXS", "EXS", "EXS", "EXS"],   # misspelt grade
        ["Total at EXS+", 4, 3, 2, 3, 3, 4],                            # totals row
        ["% at EXS+", "80%", "60%", "40%", "60%", "60%", "80%"],
    ]
    for offset, values in enumerate(rows):
        sheet.write_row(5 + offset, 0, values)
    sheet.set_row(9, None, None, {"hidden": True})
    old = book.add_worksheet("Last year")
    old.write_row("A1", ["Name", "Autumn Reading"])
    old.write_row("A2", ["Sam Smith", "BLW"])
    old.hide()
    book.add_worksheet("Notes")  # empty sheet
    book.close()
    return path


def write_3b(path: Path) -> Path:
    """Class 3B: Surname and Forename columns, a conflict, and a wrong stored sheet size."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("3B")
    sheet.write_row("A1", ["Surname", "Forename", "Spring Maths", "Spring Reading", "Spring Writing"])
    sheet.write_row("A2", ["Smith", "Sam", "GDS", "GDS", "EXS"])
    sheet.write_row("A3", ["Smith Jones", "Amelia", "EXS", "EXS", "EXS"])  # hyphen dropped; EXS already there
    sheet.write_row("A4", ["Nowak", "Kacper", "GDS", "WTS", "WTS"])  # tracker has WTS for Spring Maths
    book.close()
    return set_dimension(path, "A1:B2")


def set_dimension(path: Path, ref: str) -> Path:
    """Rewrite every sheet's stored size (<dimension>), as some exporters write it wrongly."""
    data = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                content = re.sub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>'.encode(), content)
            target.writestr(info, content)
    path.write_bytes(data.getvalue())
    return path


def write_year4_csv(path: Path) -> Path:
    """Year 4 as CSV: a byte-order mark, a non-breaking space and a trailing space in headers."""
    text = ("Name,Class\u00a0,Aut Reading ,Aut Writing,Aut Maths\r\n"
            "Chloé Dubois,4A,EXS,EXS,GDS\r\n"
            "Reuben Okafor,4A,WTS,WTS,EXS\r\n"
            ",,,,\r\n"
            "Total,,1,1,1\r\n")
    path.write_bytes(text.encode("utf-8-sig"))
    return path


def write_year4_cp1252(path: Path) -> Path:
    """A CSV saved by Excel on UK Windows: Windows-1252, not UTF-8."""
    path.write_bytes("Pupil;Year;Summer Reading\r\nNiamh Murphy;Year 4;GDS\r\nChloé Dubois;4;EXS\r\n"
                     .encode("cp1252"))
    return path


def write_legacy_xls(path: Path) -> Path:
    """An old .xls with the point in the sheet name and short subject headings."""
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("Summer")
    for col, value in enumerate(["Child", "Class", "Ma", "Rdg", "Wri"]):
        sheet.write(0, col, value)
    for col, value in enumerate(["Kacper Nowak", "3B", "EXS", "EXS", "WTS"]):
        sheet.write(1, col, value)
    book.save(str(path))
    return path


def write_no_class(path: Path) -> Path:
    """A file that names no class, so 'Sam Smith' fits two pupils."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Sheet1")
    sheet.write_row("A1", ["Name", "Summer Maths"])
    sheet.write_row("A2", ["Sam Smith", "EXS"])
    sheet.write_row("A3", ["Nobody Known", "EXS"])
    book.close()
    return path


def write_unreadable(folder: Path) -> dict[str, Path]:
    """Write a password-protected, a damaged, an empty and a locked workbook."""
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = write_no_class(folder / "plain.tmp.xlsx")
    protected = folder / "protected.xlsx"
    with plain.open("rb") as source, protected.open("wb") as target:
        OOXMLFile(source).encrypt("secret", target)
    plain.unlink()
    corrupt = folder / "corrupt.xlsx"
    corrupt.write_bytes(b"PK\x03\x04" + b"\x00garbage" * 50)
    empty = folder / "empty.xlsx"
    empty.write_bytes(b"")
    locked = write_no_class(folder / "locked.xlsx")
    (folder / "~$locked.xlsx").write_bytes(b"\x0bteacher")
    return {"protected": protected, "corrupt": corrupt, "empty": empty, "locked": locked}


def write_teacher_files(folder: Path) -> dict[str, Path]:
    """Write the readable teachers' files into folder and return them by short name."""
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "3a": write_3a(folder / "3A progress.xlsx"),
        "3b": write_3b(folder / "3B Spring.xlsx"),
        "y4": write_year4_csv(folder / "Year 4 autumn.csv"),
        "y4_cp1252": write_year4_cp1252(folder / "Year 4 summer.csv"),
        "xls": write_legacy_xls(folder / "3B old.xls"),
    }


# MIS registers


@dataclass
class RegisterSpec:
    """What the register fixtures change, so tests can work out the expected result."""

    new: list[Child] = field(default_factory=list)
    leaver: Child | None = None


NEW_PUPIL = Child(20, "Ola", "Adeyemi", "3", "3A")
BAD_UPN = "A938200125099"  # the check letter is wrong


def register_rows() -> list[dict[str, object]]:
    """Return the MIS export rows: everyone but Niamh Murphy (left), plus a new pupil."""
    rows = []
    for ch in CHILDREN:
        if ch.serial == 11:
            continue  # left the school: not in the export
        rows.append({
            "UPN": ch.upn, "Legal Surname": ch.surname, "Preferred Forename": ch.forename,
            "Year Group": ch.year, "Reg Group": ch.klass, "FSM Eligible": "N", "Ever 6 FSM": "N",
            "Pupil Premium Indicator": "N", "SEN Provision": "N", "EAL": "N",
            "Leaving Date": ch.left.strftime("%d/%m/%Y") if ch.left else None,
        })
    flags = {3: {"FSM Eligible": "Y", "Ever 6 FSM": "Y", "Pupil Premium Indicator": "Y"},
             5: {"SEN Provision": "K"},
             9: {"EAL": "Y", "Ever 6 FSM": "Y"}}
    for row in rows:
        serial = next(ch.serial for ch in CHILDREN if ch.upn == row["UPN"])
        row.update(flags.get(serial, {}))
    rows.append({"UPN": NEW_PUPIL.upn, "Legal Surname": NEW_PUPIL.surname, "Preferred Forename": NEW_PUPIL.forename,
                 "Year Group": "3", "Reg Group": "3A", "FSM Eligible": "N", "Ever 6 FSM": "Y",
                 "Pupil Premium Indicator": "Y", "SEN Provision": "N", "EAL": "Y", "Leaving Date": None})
    rows.append({"UPN": BAD_UPN, "Legal Surname": "Checkletter", "Preferred Forename": "Wrong",
                 "Year Group": "4", "Reg Group": "4A", "FSM Eligible": "N", "Ever 6 FSM": "N",
                 "Pupil Premium Indicator": "N", "SEN Provision": "N", "EAL": "N", "Leaving Date": None})
    return rows


REGISTER_HEADERS = ["UPN", "Legal Surname", "Preferred Forename", "Year Group", "Reg Group", "FSM Eligible",
                    "Ever 6 FSM", "Pupil Premium Indicator", "SEN Provision", "EAL", "Leaving Date"]


def write_register_csv(path: Path) -> Path:
    """A CSV export: BOM, a non-breaking space in a header, a duplicate UPN column, UK dates."""
    headers = ["UPN", "Legal Surname ", "Preferred\u00a0Forename"] + REGISTER_HEADERS[3:] + ["UPN"]
    lines = [",".join(headers)]
    for row in register_rows():
        values = [row[h] or "" for h in REGISTER_HEADERS] + ["IGNORED"]
        lines.append(",".join(values))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))
    return path


def write_register_xlsx(path: Path) -> Path:
    """An Excel export: a title row, numbers stored as text, a zero-padded year and a hidden leaver row."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    padded = book.add_format({"num_format": "00"})
    sheet = book.add_worksheet("Students")
    sheet.write("A1", "Student list as at 20/03/2026")
    sheet.write_row("A3", REGISTER_HEADERS)
    rows = register_rows()
    leaver = child(11)
    rows.append({"UPN": leaver.upn, "Legal Surname": leaver.surname, "Preferred Forename": leaver.forename,
                 "Year Group": "4", "Reg Group": "4A", "FSM Eligible": "N", "Ever 6 FSM": "N",
                 "Pupil Premium Indicator": "N", "SEN Provision": "N", "EAL": "N", "Leaving Date": "13/03/2026"})
    for offset, row in enumerate(rows):
        line = 3 + offset
        for col, header in enumerate(REGISTER_HEADERS):
            value = row[header]
            if header == "Year Group":
                sheet.write_number(line, col, int(value), padded)  # shows as "03"
            elif header == "Leaving Date" and value:
                day, month, year = (int(p) for p in value.split("/"))
                sheet.write_datetime(line, col, datetime(year, month, day),
                                     book.add_format({"num_format": "dd/mm/yyyy"}))
            elif value is not None:
                sheet.write_string(line, col, str(value))  # "3" stays text, as many exports leave it
    sheet.set_row(3 + len(rows) - 1, None, None, {"hidden": True})
    book.close()
    return path


def write_ctf(path: Path) -> Path:
    """A CTF with FSM history: one pupil Ever 6 at the census date only through an old period."""
    pupils = []
    for ch, history in (
        (child(1), [("2019-09-01", "2021-07-31")]),   # ended within six years of 2026-01-15: Ever 6
        (child(2), [("2012-09-01", "2019-12-31")]),   # ended more than six years before: not Ever 6
        (child(3), [("2025-09-01", None)]),            # eligible now
        (NEW_PUPIL, [("2026-02-01", None)]),           # starts after the census date
    ):
        instances = "".join(
            f"<FSMinstance><FSMstartDate>{start}</FSMstartDate>"
            + (f"<FSMendDate>{end}</FSMendDate>" if end else "") + "<UKcountry>ENG</UKcountry></FSMinstance>"
            for start, end in history)
        pupils.append(
            f"<Pupil><UPN>{ch.upn}</UPN><Surname>{ch.surname}</Surname><Forename>{ch.forename}</Forename>"
            f"<DOB>2017-05-01</DOB><Sex>F</Sex><BasicDetails><PreferredForename>{ch.forename}</PreferredForename>"
            f"<NCyearActual>{ch.year}</NCyearActual><Languages><Type><TypeID>FIR</TypeID>"
            f"<LanguageCode>{'POL' if ch.serial == 20 else 'ENG'}</LanguageCode></Type></Languages></BasicDetails>"
            f"<FSMhistory><FSMreviewDate>2026-01-10</FSMreviewDate>{instances}</FSMhistory>"
            f"<SENhistory><SEN><StartDate>2024-09-01</StartDate><SENprovision>N</SENprovision></SEN></SENhistory>"
            f"</Pupil>")
    xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<CTfile><Header><DocumentName>Common Transfer File'
           '</DocumentName><CTFversion>21.0</CTFversion><DateTime>2026-03-20T10:00:00</DateTime></Header>'
           "<CTFpupilData>\n" + "\n".join(pupils) + "\n</CTFpupilData></CTfile>\n")
    path.write_text(xml, encoding="utf-8")
    return path


def main(argv: list[str]) -> int:
    folder = Path(argv[0] if argv else "import-fixtures")
    folder.mkdir(parents=True, exist_ok=True)
    write_tracker(folder)
    write_teacher_files(folder / "teachers")
    write_no_class(folder / "teachers" / "no class.xlsx")
    write_unreadable(folder / "teachers")
    write_register_csv(folder / "register.csv")
    write_register_xlsx(folder / "register.xlsx")
    write_ctf(folder / "transfer.xml")
    print(f"Wrote the import fixtures to {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

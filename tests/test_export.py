"""The export for the head: a macro-free copy of the summary tabs, read back with two readers.

The school: Year 3 (class 3A) has PP pupils 1-3 and non-PP pupils 4-6,
graded at Autumn and Spring; the current point is Spring. The PP pupils'
narratives begin with = + - @ so that each must stay text.
"""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime

import openpyxl
import pytest
import python_calamine

from tracker import contract as c
from tracker import export_head
from tracker.build import ClassSheet, SchoolData, build_workbook
from tracker.cli import main
from tracker.core.pipeline import run
from tracker.export import ExportError, export_for_head
from tracker.file_adapter import read_tables
from tracker.package import Package
from tracker.refresh import refresh_file
from tracker.styles import HEADER_FILL
from tracker.tabs import Tab, build_tabs

from conftest import REFRESH_TIME, class_row, pupil_row

EXPORT_TIME = datetime(2026, 3, 21, 9, 0)
NARRATIVES = {
    1: '=HYPERLINK("http://example.invalid","click")',
    2: "+44 7700 900123 (mum's mobile)",
    3: "@SENCO to review",
}
MAIN_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


def export_school() -> SchoolData:
    data = SchoolData(settings={c.SETTING_SCHOOL: "Export Test Primary", c.SETTING_YEAR: "2025/26",
                                c.SETTING_POINT: "Spring"})
    names = {1: ("Abbot", "Ada"), 2: ("Barker", "Bo"), 3: ("Cole", "Cy"), 4: ("Dale", "Di"),
             5: ("Eames", "Ed"), 6: ("Finch", "Flo")}
    rows = []
    for serial, (surname, forename) in names.items():
        pp = serial <= 3
        row = pupil_row(serial, surname, forename, "3", "3A", "Y" if pp else "N", "FSM/Ever 6" if pp else None)
        row[12] = NARRATIVES.get(serial)
        data.pupils.append(row)
        spring = "WTS" if serial in (1, 2, 4) else "EXS"
        grades = {f"{point} {subject}": grade for point, grade in (("Autumn", "EXS"), ("Spring", spring))
                  for subject in ("Reading", "Writing", "Maths")}
        rows.append(class_row(serial, f"{forename} {surname}", grades))
    data.classes = [ClassSheet("3A", rows)]
    data.support = [[data.pupils[0][0], "1:3 maths tuition", "Maths", "Targeted academic support",
                     date(2025, 10, 1), date(2026, 7, 1), 540, "Y", "WTS", None, "-3 since Autumn"]]
    data.log = [[date(2026, 1, 20), data.pupils[0][0], "Parent contact", "Phone", "Talked about reading.", None]]
    return data


@pytest.fixture
def book(tmp_path):
    path = tmp_path / "tracker.xlsm"
    build_workbook(path, export_school())
    refresh_file(path, now=REFRESH_TIME)
    return path


@pytest.fixture
def head(book, tmp_path):
    out = tmp_path / "head.xlsx"
    assert export_for_head(book, out, now=EXPORT_TIME) == out
    return out


def expected_tabs(book) -> dict[str, Tab]:
    result = run(read_tables(Package.open(book)), EXPORT_TIME)
    return {tab.name: tab for tab in build_tabs(result)}


def plain(value):
    """Return a value as both readers give it back: numbers as floats, dates as dates."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return round(float(value), 6)
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else value
    return value


def grid(rows) -> dict[tuple[int, int], object]:
    return {(r, col): plain(v) for r, row in enumerate(rows) for col, v in enumerate(row) if v not in (None, "")}


def exported_tab_names(book) -> list[str]:
    names = list(Package.open(book).sheet_parts())
    return [n for n in names if n in c.OWNED_SHEETS and n != c.ISSUES_SHEET]


def test_head_export_sheets(book, head):
    names = openpyxl.load_workbook(head).sheetnames
    assert names == ["Cover"] + exported_tab_names(book)
    assert c.SUMMARY_SHEET in names
    assert c.PP_PUPILS_SHEET in names
    assert c.ISSUES_SHEET not in names
    assert c.PUPILS_SHEET not in names


def test_head_export_is_macro_free(head):
    with zipfile.ZipFile(head) as archive:
        parts = archive.namelist()
        types = archive.read("[Content_Types].xml").decode()
        workbook = archive.read("xl/workbook.xml").decode()
    assert not any("vba" in part.lower() for part in parts)
    assert MAIN_TYPE in types
    assert "macroEnabled" not in types
    assert "vbaProject" not in types
    assert "state=" not in workbook


def test_head_export_no_hidden_sheet(head):
    book = openpyxl.load_workbook(head)
    assert [s.title for s in book.worksheets if s.sheet_state != "visible"] == []
    calamine = python_calamine.CalamineWorkbook.from_path(str(head))
    assert all(m.visible == python_calamine.SheetVisibleEnum.Visible for m in calamine.sheets_metadata)


def test_head_export_values_match_tabs(book, head):
    expected = expected_tabs(book)
    openpyxl_book = openpyxl.load_workbook(head)
    calamine_book = python_calamine.CalamineWorkbook.from_path(str(head))
    for name in exported_tab_names(book):
        want = grid(expected[name].cells)
        with_openpyxl = grid(openpyxl_book[name].iter_rows(values_only=True))
        with_calamine = grid(calamine_book.get_sheet_by_name(name).to_python(skip_empty_area=False))
        assert with_openpyxl == want, name
        assert with_calamine == want, name


def test_head_export_has_no_formulas(head):
    with zipfile.ZipFile(head) as archive:
        sheets = [archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
    assert sheets
    assert not any(re.search(rb"<f[ >]", xml) for xml in sheets)


def test_leading_symbols_stay_text(head):
    sheet = openpyxl.load_workbook(head)[c.PP_PUPILS_SHEET]
    header = [cell.value for cell in sheet[4]]
    column = header.index("Narrative") + 1
    cells = [sheet.cell(row, column) for row in range(5, 8)]
    assert [cell.value for cell in cells] == [NARRATIVES[1], NARRATIVES[2], NARRATIVES[3]]
    assert all(cell.data_type == "s" for cell in cells)
    calamine = python_calamine.CalamineWorkbook.from_path(str(head)).get_sheet_by_name(c.PP_PUPILS_SHEET)
    values = [row[column - 1] for row in calamine.to_python()[4:7]]
    assert values == [NARRATIVES[1], NARRATIVES[2], NARRATIVES[3]]


def column_widths(sheet) -> dict[int, float]:
    """Return {1-based column: (width, hidden)} for every column with a set width."""
    widths = {}
    for dimension in sheet.column_dimensions.values():
        if dimension.customWidth:
            for col in range(dimension.min, dimension.max + 1):
                widths[col] = (round(dimension.width, 4), bool(dimension.hidden))
    return widths


def test_head_export_keeps_layout(book, head):
    source = openpyxl.load_workbook(book)
    export = openpyxl.load_workbook(head)
    for name in exported_tab_names(book):
        before, after = source[name], export[name]
        assert after.freeze_panes == before.freeze_panes, name
        assert after.page_setup.orientation == before.page_setup.orientation, name
        assert after.page_setup.paperSize == before.page_setup.paperSize, name
        assert after.sheet_properties.pageSetUpPr.fitToPage == before.sheet_properties.pageSetUpPr.fitToPage
        assert column_widths(after) == column_widths(before), name
    assert export[c.SUMMARY_SHEET].print_area == source[c.SUMMARY_SHEET].print_area
    assert export[c.NOT_ON_TRACK_SHEET].print_title_rows == "$4:$4"


def test_head_export_named_styles(head):
    sheet = openpyxl.load_workbook(head)[c.SUMMARY_SHEET]
    header = sheet["A6"]
    assert header.value == "Subject"
    assert header.font.bold
    assert header.fill.fgColor.rgb.endswith(HEADER_FILL.lstrip("#"))
    assert sheet["E7"].number_format == "+0.0;-0.0;0.0"
    assert sheet["S7"].number_format == "0.0%"
    assert sheet.row_dimensions[6].height == 45  # the Summary tab's three-line header


def test_head_export_conditional_formats(head):
    sheet = openpyxl.load_workbook(head)[c.NOT_ON_TRACK_SHEET]
    rules = {str(rng.sqref): [r.formula for r in rules] for rng, rules in sheet.conditional_formatting._cf_rules.items()}
    assert rules["A5:O2005"] == [['$E5="PP"']]
    assert rules["J5:O2005"] == [['"Yes"']]


def chart_titles(path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        charts = sorted(n for n in archive.namelist() if n.startswith("xl/charts/chart"))
        return sorted("".join(re.findall(r"<a:t>([^<]*)</a:t>", archive.read(n).decode())) for n in charts)


def test_head_export_recreates_every_chart(book, head):
    # Every chart on an exported tab (the Summary's two and any on newer tabs).
    assert chart_titles(head) == chart_titles(book)
    assert "On track by subject: PP and non-PP" in chart_titles(head)


def chart_features(path) -> list[tuple]:
    """Return, for each chart, its title, type, direction, grouping, axis settings and series ranges."""
    features = []
    pattern = (r"<a:t>([^<]*)</a:t>|<c:(barChart|lineChart)>|<c:barDir val=\"(\w+)\"|<c:grouping val=\"(\w+)\""
               r"|<c:orientation val=\"(\w+)\"|<c:majorUnit val=\"([\d.]+)\"|<c:f>([^<]*)</c:f>")
    with zipfile.ZipFile(path) as archive:
        for name in sorted(n for n in archive.namelist() if n.startswith("xl/charts/chart")):
            found = ["".join(match) for match in re.findall(pattern, archive.read(name).decode())]
            # Quoting a plain sheet name and writing 1 as 1.0 change nothing in Excel.
            found = [str(float(f)) if re.fullmatch(r"[\d.]+", f) else f.replace("'", "") for f in found]
            features.append(tuple(found))
    return sorted(features)


def test_head_export_chart_settings(book, head):
    # The workbook's charts are re-fitted to the tab rows, as refresh does;
    # the book was refreshed with the same inputs, so the ranges agree.
    assert chart_features(head) == chart_features(book)


def test_head_export_summary_charts(head):
    with zipfile.ZipFile(head) as archive:
        names = archive.namelist()
        drawing = archive.read("xl/drawings/drawing1.xml").decode()
        rels = archive.read("xl/drawings/_rels/drawing1.xml.rels").decode()
        charts = [archive.read("xl/" + target.lstrip("./").replace("../", ""))
                  for target in re.findall(r'Target="([^"]+chart\d+\.xml)"', rels)]
    assert "xl/worksheets/_rels/sheet2.xml.rels" in names
    text = b"".join(charts).decode()
    assert len(charts) == 2
    assert "Trend across assessment points" in text
    # Three subjects and Combined; two points graded (Autumn, Spring) of three.
    assert "Summary!$S$7:$S$10" in text
    assert "Summary!$T$25:$T$27" in text
    assert "<c:barChart>" in text
    assert "<c:lineChart>" in text
    # Both charts sit at column H (0-based 7), at rows 5 and 21 as on the Summary.
    assert re.findall(r"<xdr:from><xdr:col>(\d+)</xdr:col><xdr:colOff>\d+</xdr:colOff><xdr:row>(\d+)</xdr:row>",
                      drawing) == [("7", "4"), ("7", "20")]


def test_cover_sheet(book, head):
    rows = python_calamine.CalamineWorkbook.from_path(str(head)).get_sheet_by_name("Cover").to_python()
    cover = {row[0]: row[1] for row in rows if len(row) > 1 and row[1] != ""}
    result = run(read_tables(Package.open(book)), EXPORT_TIME)
    assert rows[0][0] == "Pupil Premium export for the head: Export Test Primary"
    assert cover["School"] == "Export Test Primary"
    assert cover["Academic year"] == "2025/26"
    assert cover["Assessment point"] == "Spring"
    assert cover["Figures calculated"] == "21/03/2026 09:00"
    assert cover["Workbook last refreshed"] == "20/03/2026 15:30"
    assert cover["Made from"] == "tracker.xlsm"
    assert cover["Data issues"].startswith(f"{len(result.issues)} ") or cover["Data issues"] == "none"
    assert cover["Password"] == "No"
    assert any("personal data" in str(row[0]) for row in rows)


def test_include_inputs_as_values(book, tmp_path):
    # Plant a formula with a cached value on the Pupils sheet, and one on the
    # Summary, as Excel would save them.
    package = Package.open(book)
    parts = package.sheet_parts()
    pupils_xml = package.parts[parts[c.PUPILS_SHEET]]
    pupils_xml = re.sub(rb"(<row r=\"1\"[^>]*>.*?)(</row>)", rb'\1<c r="P1"><f>6*7</f><v>42</v></c>\2',
                        pupils_xml, count=1, flags=re.S)
    planted = tmp_path / "planted.xlsm"
    package.save(planted, {parts[c.PUPILS_SHEET]: pupils_xml})
    assert b"<f>6*7</f>" in Package.open(planted).parts[parts[c.PUPILS_SHEET]]

    out = tmp_path / "all.xlsx"
    export_for_head(planted, out, include_inputs=True, now=EXPORT_TIME)
    export = openpyxl.load_workbook(out)
    assert c.PUPILS_SHEET in export.sheetnames
    assert c.SETTINGS_SHEET in export.sheetnames
    assert c.ISSUES_SHEET in export.sheetnames
    assert c.LISTS_SHEET not in export.sheetnames
    assert c.STYLES_SHEET not in export.sheetnames
    assert c.START_SHEET not in export.sheetnames

    pupils = export[c.PUPILS_SHEET]
    assert pupils["P1"].value == 42
    assert pupils["A3"].value == "UPN"
    assert pupils["A3"].font.bold
    assert pupils["B4"].value == "Abbot"
    assert pupils.freeze_panes == "A4"
    # Every input sheet contains the values calamine reads from the source.
    source = python_calamine.CalamineWorkbook.from_path(str(planted))
    exported = python_calamine.CalamineWorkbook.from_path(str(out))
    for name in (c.PUPILS_SHEET, c.SUPPORT_SHEET, c.LOG_SHEET, c.SETTINGS_SHEET, "Class 3A"):
        before = grid(source.get_sheet_by_name(name).to_python(skip_empty_area=False))
        after = grid(exported.get_sheet_by_name(name).to_python(skip_empty_area=False))
        assert after == before, name
    support = exported.get_sheet_by_name(c.SUPPORT_SHEET).to_python()
    assert support[3][10] == "-3 since Autumn"
    with zipfile.ZipFile(out) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert not re.search(rb"<f[ >]", archive.read(name)), name


def test_tab_missing_from_workbook_skipped(book, tmp_path, monkeypatch):
    # A tab that build_tabs makes but an older workbook lacks is left out.
    real = export_head.build_tabs

    def with_extra(result):
        extra = Tab("Future tab")
        extra.put(0, 0, "x")
        return real(result) + [extra]

    monkeypatch.setattr(export_head.c, "OWNED_SHEETS", c.OWNED_SHEETS + ("Future tab",))
    monkeypatch.setattr(export_head, "build_tabs", with_extra)
    out = tmp_path / "head.xlsx"
    export_for_head(book, out, now=EXPORT_TIME)
    assert "Future tab" not in openpyxl.load_workbook(out).sheetnames


def test_export_rejects_macro_suffix(book, tmp_path):
    with pytest.raises(ExportError, match=r"must end in \.xlsx"):
        export_for_head(book, tmp_path / "head.xlsm")


def test_export_rejects_missing_folder(book, tmp_path):
    with pytest.raises(ExportError, match="was not found"):
        export_for_head(book, tmp_path / "nowhere" / "head.xlsx")


def test_governors_with_inputs_rejected(book, tmp_path):
    with pytest.raises(ExportError, match="figures only"):
        export_for_head(book, tmp_path / "g.xlsx", governors=True, include_inputs=True)


def test_cli_export(book, tmp_path, capsys):
    out = tmp_path / "head.xlsx"
    assert main(["export", str(book), str(out)]) == 0
    assert capsys.readouterr().out == f"Wrote {out}: export for the head.\n"
    assert openpyxl.load_workbook(out).sheetnames[0] == "Cover"


def test_cli_export_error(book, tmp_path, capsys):
    assert main(["export", str(book), str(tmp_path / "head.xls")]) == 1
    assert capsys.readouterr().err.startswith("Error: The export is a macro-free workbook")


def test_cli_export_missing_book(tmp_path, capsys):
    assert main(["export", str(tmp_path / "none.xlsm"), str(tmp_path / "head.xlsx")]) == 1
    assert "was not found" in capsys.readouterr().err
    assert not (tmp_path / "head.xlsx").exists()

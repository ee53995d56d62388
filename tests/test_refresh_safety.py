"""A refresh rewrites only the tabs it owns, atomically, and never runs input as a formula."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
import python_calamine

from tracker import contract as c
from tracker.cli import main
from tracker.package import Package
from tracker.file_adapter import tab_replacements
from tracker.refresh import refresh_file
from tracker.tabs import Tab

from conftest import REFRESH_TIME, ClassSheet, SchoolData, class_row, pupil_row
from test_refresh_figures import small_school

EXCEL_SAVED = Path(__file__).parent / "fixtures" / "excel_saved"


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def owned_parts(path: Path) -> set[str]:
    """Return the sheet parts of the owned tabs and the chart parts they use."""
    package = Package.open(path)
    sheets = package.sheet_parts()
    result = set()
    for name in c.OWNED_SHEETS:
        part = sheets[name]
        result.add(part)
        for kind, drawing in package.rels(part).values():
            if kind.endswith("/drawing"):
                result |= {target for k, target in package.rels(drawing).values() if k.endswith("/chart")}
    return result


def test_refresh_changes_only_owned_parts(build_school):
    path = build_school(small_school())
    before = parts(path)
    refresh_file(path, now=REFRESH_TIME)
    after = parts(path)
    assert list(after) == list(before)
    changed = {name for name in before if before[name] != after[name]}
    owned = owned_parts(path)
    assert changed <= owned
    assert changed  # the refresh did write something
    for name in set(before) - owned:
        assert after[name] == before[name], name


def test_refresh_twice_gives_same_file(build_school, tmp_path):
    path = build_school(small_school())
    first, second = tmp_path / "first.xlsm", tmp_path / "second.xlsm"
    refresh_file(path, first, now=REFRESH_TIME)
    refresh_file(first, second, now=REFRESH_TIME)
    assert parts(first) == parts(second)


def test_output_option_leaves_original(build_school, tmp_path):
    path = build_school(small_school())
    before = path.read_bytes()
    refresh_file(path, tmp_path / "copy.xlsm", now=REFRESH_TIME)
    assert path.read_bytes() == before


def test_formula_like_names_stay_text(build_school):
    data = SchoolData(settings={c.SETTING_POINT: "Autumn"})
    names = ["=HYPERLINK(\"http://example.invalid\")", "+44 7700", "-Smith", "@SUM(A1)"]
    for serial, surname in enumerate(names, start=1):
        data.pupils.append(pupil_row(serial, surname, "Test", "3", "3A", pp="Y", category="FSM/Ever 6"))
    data.classes = [ClassSheet("3A", [class_row(s, "x", {"Autumn Reading": "WTS"})
                                      for s in range(1, len(names) + 1)])]
    path = build_school(data)
    refresh_file(path, now=REFRESH_TIME)

    package = Package.open(path)
    sheet_xml = package.parts[package.sheet_parts()[c.NOT_ON_TRACK_SHEET]]
    assert b"<f>" not in sheet_xml
    shown = openpyxl.load_workbook(path)[c.NOT_ON_TRACK_SHEET]
    pupils = {shown.cell(row=r, column=1).value for r in range(5, 5 + len(names))}
    assert pupils == {f"Test {name}" for name in names}
    for row in shown.iter_rows(min_row=5, max_row=4 + len(names)):
        assert row[0].data_type == "s"


def test_missing_values_are_empty_cells_not_nan(build_school):
    path = build_school(small_school())
    refresh_file(path, now=REFRESH_TIME)
    package = Package.open(path)
    for name in c.OWNED_SHEETS:
        xml = package.parts[package.sheet_parts()[name]]
        assert b">nan<" not in xml.lower()
        assert b">none<" not in xml.lower()


def test_locked_workbook_refused(build_school, capsys):
    path = build_school(small_school())
    lock = path.with_name("~$" + path.name)
    lock.write_bytes(b"owner")
    before = path.read_bytes()
    assert main(["refresh", str(path)]) == 1
    error = capsys.readouterr().err
    assert error.startswith("Error: school.xlsm is open in Excel")
    assert path.read_bytes() == before


@pytest.mark.parametrize("content, expected", [
    (None, "was not found"),
    (b"not a zip at all", "is not an Excel workbook"),
])
def test_unreadable_workbook_one_line_error(tmp_path, capsys, content, expected):
    path = tmp_path / "book.xlsm"
    if content is not None:
        path.write_bytes(content)
    assert main(["refresh", str(path)]) == 1
    error = capsys.readouterr().err
    assert expected in error
    assert error.count("\n") == 1
    assert "Traceback" not in error


def test_renamed_table_names_the_fix(build_school, tmp_path, capsys):
    path = build_school(small_school())
    original = parts(path)
    renamed = tmp_path / "renamed.xlsm"
    with zipfile.ZipFile(renamed, "w") as archive:
        for name, data in original.items():
            if name.startswith("xl/tables/") and b'name="Support"' in data:
                data = data.replace(b'name="Support"', b'name="Help"').replace(
                    b'displayName="Support"', b'displayName="Help"')
            archive.writestr(name, data)
    assert main(["refresh", str(renamed)]) == 1
    error = capsys.readouterr().err
    assert "The table 'Support' was not found" in error
    assert "rename it back to 'Support'" in error


def test_read_only_folder_leaves_original(build_school, capsys, monkeypatch):
    path = build_school(small_school())
    before = path.read_bytes()

    # Tests run as root here, which can write to a read-only folder, so the
    # operating system's refusal is simulated where the package creates its temporary file.
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path.parent))

    monkeypatch.setattr("tracker.package.tempfile.mkstemp", refuse)
    assert main(["refresh", str(path)]) == 1
    error = capsys.readouterr().err
    assert "permission denied" in error
    assert "read-only" in error
    assert path.read_bytes() == before


@pytest.mark.parametrize("fixture, sheet", [("mpl.xlsm", "Streamplot"), ("fibonacci.xlsm", None)])
def test_tab_writer_keeps_excel_saved_parts(tmp_path, fixture, sheet):
    """Writing a tab into an Excel-saved workbook keeps its buttons, picture and VBA."""
    source = tmp_path / fixture
    shutil.copy(EXCEL_SAVED / fixture, source)
    package = Package.open(source)
    sheet = sheet or next(iter(package.sheet_parts()))
    part = package.sheet_parts()[sheet]

    tab = Tab(sheet)
    tab.put(0, 0, "Written by pptracker")
    tab.put(1, 0, "=1+1")
    tab.put(1, 1, 3.5)
    out = tmp_path / "out.xlsm"
    package.save(out, tab_replacements(package, [tab]))

    before, after = parts(source), parts(out)
    assert list(after) == list(before)
    assert {name for name in before if before[name] != after[name]} == {part}
    # Everything in the sheet part except its cells is kept: drawings, buttons, margins.
    strip = re.compile(rb"<sheetData>.*</sheetData>|<sheetData/>|<dimension [^>]*/>", re.S)
    assert strip.sub(b"", before[part]) == strip.sub(b"", after[part])

    book = openpyxl.load_workbook(out, keep_vba=True)
    assert book[sheet]["A1"].value == "Written by pptracker"
    assert book[sheet]["A2"].value == "=1+1"
    assert book[sheet]["A2"].data_type == "s"
    values = python_calamine.CalamineWorkbook.from_path(str(out)).get_sheet_by_name(sheet).to_python()
    assert values[1][:2] == ["=1+1", 3.5]


def test_refresh_output_keeps_type(build_school, capsys):
    path = build_school(small_school())
    out = path.with_name("refreshed.xlsx")
    assert main(["refresh", str(path), "-o", str(out)]) == 1
    error = capsys.readouterr().err
    assert "must keep the workbook's type (.xlsm)" in error
    assert "pptracker export" in error
    assert not out.exists()


def test_missing_output_folder_names_folder(build_school, capsys):
    path = build_school(small_school())
    out = path.parent / "no such folder" / "refreshed.xlsm"
    assert main(["refresh", str(path), "-o", str(out)]) == 1
    error = capsys.readouterr().err
    assert ".~pptracker-" not in error
    assert "refreshed.xlsm" in error
    assert error.count("\n") == 1


def test_stale_temporary_file_removed(build_school):
    import os
    import time

    path = build_school(small_school())
    stale = path.parent / ".~pptracker-killed.tmp"
    fresh = path.parent / ".~pptracker-running.tmp"
    stale.write_bytes(b"half a zip")
    fresh.write_bytes(b"another save in progress")
    two_hours_ago = time.time() - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))

    refresh_file(path, now=REFRESH_TIME)
    assert not stale.exists()
    assert fresh.exists()


def test_tab_without_cells_names_tab(build_school, tmp_path, capsys):
    path = build_school(small_school())
    original = parts(path)
    summary_part = Package.open(path).sheet_parts()[c.SUMMARY_SHEET]
    damaged = tmp_path / "damaged.xlsm"
    with zipfile.ZipFile(damaged, "w") as archive:
        for name, data in original.items():
            if name == summary_part:
                data = re.sub(rb"<sheetData\b.*?</sheetData>|<sheetData\s*/>", b"", data, flags=re.S)
            archive.writestr(name, data)
    before = damaged.read_bytes()
    assert main(["refresh", str(damaged)]) == 1
    error = capsys.readouterr().err
    assert f"The '{c.SUMMARY_SHEET}' tab is damaged" in error
    assert error.count("\n") == 1
    assert damaged.read_bytes() == before

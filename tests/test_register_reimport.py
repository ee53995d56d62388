"""Importing the same MIS register twice: the second import changes nothing in the workbook."""

from __future__ import annotations

import io
import shutil
from datetime import datetime

import openpyxl
import python_calamine

from tracker import contract as c
from tracker.core.issues import IssueLog
from tracker.importing import import_register
from tracker.importing.workbook import import_tabs, open_book
from tracker.tabs import LIST_HEADER_ROW

import make_import_fixtures as fx

NOW = datetime(2026, 3, 20, 15, 30)
LATER = datetime(2026, 3, 23, 9, 0)  # the second import runs on another day, as a coordinator's would


def write_csv(path, rows: list[dict[str, object]], headers: list[str] = fx.REGISTER_HEADERS):
    lines = [",".join(headers)] + [",".join(str(row.get(h) or "") for h in headers) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def export_row(child: fx.Child, **values) -> dict[str, object]:
    """Return an export row for a test pupil: on roll, no premium flags, then ``values``."""
    row = {"UPN": child.upn, "Legal Surname": child.surname, "Preferred Forename": child.forename,
           "Year Group": child.year, "Reg Group": child.klass, "FSM Eligible": "N", "Ever 6 FSM": "N",
           "Pupil Premium Indicator": "N", "SEN Provision": "N", "EAL": "N", "Leaving Date": None}
    row.update(values)
    return row


def import_twice(tmp_path, source):
    """Import ``source`` into a fresh tracker twice; return the book, both reports and the bytes after each."""
    book = fx.write_tracker(tmp_path)
    first = import_register(book, source, now=NOW)
    after_first = book.read_bytes()
    second = import_register(book, source, now=LATER)
    return book, first, second, after_first, book.read_bytes()


def pupils(path) -> dict[str, dict[str, object]]:
    """Return the Pupils table read back with openpyxl, by UPN."""
    sheet = openpyxl.load_workbook(path)[c.PUPILS_SHEET]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    return {row[0]: dict(zip(rows[0], row)) for row in rows[1:] if row[0]}


def sheet_rows(path, name: str) -> list[list[object]]:
    """Return a sheet's cells read back with python-calamine."""
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
    return book.get_sheet_by_name(name).to_python()


def test_renamed_leaver_on_roll_reimport_unchanged(tmp_path):
    # Tom Leaver is marked as left, but the export has him on roll under a new surname. The problem
    # names him as the import leaves him, so the second import finds no new problem to write.
    tom = fx.child(4)
    rows = [export_row(ch) for ch in fx.CHILDREN if ch.serial != 4]
    rows.append(export_row(tom, **{"Legal Surname": "Leaver-Grey"}))
    source = write_csv(tmp_path / "register.csv", rows)

    book, first, second, after_first, after_second = import_twice(tmp_path, source)

    assert pupils(book)[tom.upn]["Surname"] == "Leaver-Grey"
    assert pupils(book)[tom.upn]["Left"] == datetime(2026, 2, 13)
    messages = [p.problem for p in first.problems if "marked as left" in p.problem]
    assert messages == ["Tom Leaver-Grey is marked as left on the Pupils sheet but is on roll in the export."]
    assert second.saved is False
    assert after_second == after_first
    issues = [row for row in sheet_rows(book, c.ISSUES_SHEET) if "marked as left" in str(row[3])]
    assert len(issues) == 1


def test_low_attendance_stored_as_percentage(tmp_path):
    # The Pupils table reads a number up to 1 as a fraction, so 0.5% stored as the number 0.5 would read
    # as 50% and differ from the export at every import.
    headers = fx.REGISTER_HEADERS + ["Attendance"]
    attendance = {1: "0.5", 2: "1", 3: "0", 5: "96.5"}
    rows = [export_row(ch, Attendance=attendance.get(ch.serial, "96")) for ch in fx.CHILDREN if not ch.left]
    source = write_csv(tmp_path / "register.csv", rows, headers)

    book, first, second, after_first, after_second = import_twice(tmp_path, source)

    table = pupils(book)
    assert table[fx.child(1).upn]["Attendance %"] == "0.5%"
    assert table[fx.child(2).upn]["Attendance %"] == "1%"
    assert table[fx.child(3).upn]["Attendance %"] == 0
    assert table[fx.child(5).upn]["Attendance %"] == 96.5
    register = open_book(book).pupils.set_index("upn")["attendance"]
    assert register[fx.child(1).upn] == 0.5
    assert register[fx.child(2).upn] == 1.0
    assert register[fx.child(3).upn] == 0.0
    assert second.changes == []
    assert second.saved is False
    assert after_second == after_first


def test_low_attendance_fixed_once_then_unchanged(tmp_path):
    # A workbook where an earlier import stored 0.5% as the number 0.5 (read as 50%) is corrected once.
    headers = fx.REGISTER_HEADERS + ["Attendance"]
    rows = [export_row(ch, Attendance="0.5" if ch.serial == 1 else "96") for ch in fx.CHILDREN if not ch.left]
    source = write_csv(tmp_path / "register.csv", rows, headers)
    book = fx.write_tracker(tmp_path)
    workbook = openpyxl.load_workbook(book, keep_vba=True)
    sheet = workbook[c.PUPILS_SHEET]
    header = [cell.value for cell in sheet[3]]
    sheet.cell(4, header.index("Attendance %") + 1, 0.5)  # child 1 is the first body row
    workbook.save(book)

    first = import_register(book, source, now=NOW)
    assert [(ch.old, ch.new) for ch in first.changes] == [(0.5, "0.5%")]
    before = book.read_bytes()
    second = import_register(book, source, now=LATER)
    assert second.saved is False
    assert book.read_bytes() == before


def test_new_pupils_count_toward_whole_school(tmp_path):
    # Four of the ten pupils on roll and two new pupils, all in year 3. Counted with the new pupils, the
    # export is whole at the first import, as it is at the second once they are on roll.
    listed = [fx.child(serial) for serial in (1, 2, 3, 5)]
    new = [fx.Child(20, "Ola", "Adeyemi", "3", "3A"), fx.Child(21, "Femi", "Bello", "3", "3B")]
    source = write_csv(tmp_path / "register.csv", [export_row(ch) for ch in listed + new])

    book, first, second, after_first, after_second = import_twice(tmp_path, source)

    assert sorted(ch.upn for ch in first.marked_left) == sorted(fx.child(s).upn for s in (6, 7, 8))
    assert not any("part of the school" in p.problem for p in first.problems)
    table = pupils(book)
    assert all(table[fx.child(s).upn]["Left"] is None for s in (9, 10, 11))  # year 4: not in the export
    assert second.marked_left == []
    assert second.saved is False
    assert after_second == after_first


def test_leaving_dates_keep_partial_call(tmp_path):
    # Year 3 only, most of it with leaving dates. Pupils the export gives a leaving date do not count as
    # on roll, so the export looks partial both before and after the import marks them as left.
    leaving = {1: "05/03/2026", 2: "05/03/2026", 3: "05/03/2026", 5: "05/03/2026", 6: "05/03/2026"}
    year3 = [ch for ch in fx.CHILDREN if ch.year == "3" and not ch.left]
    rows = [export_row(ch, **{"Leaving Date": leaving.get(ch.serial)}) for ch in year3]
    source = write_csv(tmp_path / "register.csv", rows)

    book, first, second, after_first, after_second = import_twice(tmp_path, source)

    assert sorted(ch.upn for ch in first.marked_left) == sorted(fx.child(s).upn for s in leaving)
    partial = [p.problem for p in first.problems if "part of the school" in p.problem]
    assert partial == ["The export lists 7 pupils, but 3 pupils on roll on the register are not in it, so it "
                       "looks like part of the school."]
    assert second.saved is False
    assert after_second == after_first


def test_issues_tab_lists_repeated_problem_once():
    # A problem on a tracker sheet, such as a formula kept on the Pupils sheet, has no "[file]" label,
    # so only matching the whole row keeps a later import from listing it twice.
    problem = ["Pupils", "B6", "Brown", "This cell contains a formula, so the new value Smith was not written.",
               "Kept the formula."]
    refresh_row = ["Settings", "B4", "x", "Small group size must be a whole number.", "Used 5."]
    old = [["Data issues"], ["1 problem from the import of 20/03/2026 15:30"]] + [[]] * (LIST_HEADER_ROW - 2)
    old += [["Sheet", "Cell", "Value", "Problem", "Action"], problem, refresh_row]
    issues = IssueLog()
    issues.add(*problem)

    tabs = import_tabs(old, None, True, issues, None, NOW)

    body = [row for row in tabs[0].cells[LIST_HEADER_ROW + 1:] if row]
    assert [row[:5] for row in body] == [problem, refresh_row]

"""The import buttons on xlwings' remote engine, against the headless imports of the same files.

Each button runs on a remote-engine book built from the real tracker file,
with the source given in Settings. Its actions are applied to the book's
grids, and every cell of the sheets an import writes (class sheets or
Pupils, Data issues, Import log) is compared with the file that
``import_progress`` or ``import_register`` wrote from the same inputs.
One leading apostrophe is removed from each written text value, after
checking it is there: the Excel path writes text that way so that Excel
keeps it as text.
"""

from __future__ import annotations

import shutil
from datetime import datetime

import openpyxl
import pytest
import python_calamine

from xlwings_remote import WRITTEN_DATE, apply_actions, book_json, remote_book, trimmed

import make_import_fixtures as fx
from tracker import buttons, excel_adapter, excel_tables
from tracker import contract as c
from tracker.importing import import_progress, import_register
from tracker.importing.records import LOG_HEADERS
from tracker.importing.sources import find_files
from tracker.tabs import LIST_HEADER_ROW

NOW = datetime(2026, 3, 20, 15, 30)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("excel import")
    fx.write_tracker(root)
    teachers = root / "teachers"
    fx.write_teacher_files(teachers)
    fx.write_no_class(teachers / "no class.xlsx")
    fx.write_unreadable(teachers)
    fx.write_register_csv(root / "register.csv")
    return root


@pytest.fixture(autouse=True)
def fixed_time(monkeypatch):
    monkeypatch.setattr(excel_adapter, "now", lambda: NOW)


def with_setting(path, setting: str, value: str) -> dict:
    """Return the remote payload of a workbook file, placed at its path, with one setting's value typed."""
    payload = book_json(path)
    payload["book"]["name"] = str(path)
    sheet = next(s for s in payload["sheets"] if s["name"] == c.SETTINGS_SHEET)
    row = next(r for r in sheet["values"] if r and r[0] == setting)
    row[1] = value
    return payload


def run_button(handler, payload: dict) -> tuple[dict[str, list[list[object]]], list[dict]]:
    """Run a handler on a remote book; return the grids after its actions, and the actions."""
    book = remote_book(payload)
    handler(book)
    actions = book.json()["actions"]
    return apply_actions(payload, without_text_prefix(actions)), actions


def without_text_prefix(actions: list[dict]) -> list[dict]:
    """Return the actions with the one leading apostrophe removed from every written text."""
    result = []
    for action in actions:
        if action["func"] == "setValues":
            values = []
            for row in action["values"]:
                for value in row:
                    if isinstance(value, str) and value and not WRITTEN_DATE.match(value):
                        assert value.startswith("'"), f"text written without its apostrophe: {value!r}"
                values.append([v[1:] if isinstance(v, str) and v.startswith("'") else v for v in row])
            action = {**action, "values": values}
        result.append(action)
    return result


def file_grids(path) -> dict[str, list[list[object]]]:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in book.sheet_names}


def alerts(actions: list[dict]) -> list[str]:
    return [a["args"][0] for a in actions if a["func"] == "alert"]


def written_sheets(actions: list[dict], payload: dict) -> set[str]:
    names = [s["name"] for s in payload["sheets"]]
    return {names[a["sheet_position"]] for a in actions if a["func"] == "setValues"}


@pytest.fixture(scope="module")
def headless_progress(folder):
    book = folder / "progress headless.xlsm"
    shutil.copyfile(folder / "tracker.xlsm", book)
    report = import_progress(book, [folder / "teachers"], now=NOW)
    return book, report


@pytest.fixture
def live_progress(folder):
    payload = with_setting(folder / "tracker.xlsm", c.SETTING_PROGRESS_FOLDER, str(folder / "teachers"))
    grids, actions = run_button(buttons.import_progress_files, payload)
    return payload, grids, actions


def class_sheets(grids: dict) -> list[str]:
    return sorted(name for name in grids if name.startswith("Class "))


def test_progress_matches_headless(headless_progress, live_progress):
    path, report = headless_progress
    payload, grids, actions = live_progress
    expected = file_grids(path)

    sheets = class_sheets(expected) + [c.ISSUES_SHEET, c.IMPORT_LOG_SHEET]
    assert len(sheets) > 2
    for name in sheets:
        assert trimmed(grids[name]) == trimmed(expected[name]), name
    assert report.filled > 0
    assert report.conflicts > 0


def test_progress_writes_each_table_once(live_progress, headless_progress):
    payload, _, actions = live_progress
    _, report = headless_progress
    names = [s["name"] for s in payload["sheets"]]
    writes = [names[a["sheet_position"]] for a in actions if a["func"] == "setValues"]
    filled = {name for name in class_sheets(dict.fromkeys(names)) if name in writes}
    # One write per class sheet that got a grade, plus Data issues and the Import log.
    assert sorted(writes) == sorted(filled | {c.ISSUES_SHEET, c.IMPORT_LOG_SHEET})
    assert filled


def test_progress_message_is_report_summary(live_progress, headless_progress):
    _, _, actions = live_progress
    _, report = headless_progress
    assert alerts(actions) == [report.summary()]
    info = [a for a in actions if a["func"] == "alert"][0]["args"]
    assert info[3] == "info"


def test_progress_repeat_changes_nothing(folder, headless_progress):
    # The headless import left the file as the button leaves the open book.
    path, _ = headless_progress
    payload = with_setting(path, c.SETTING_PROGRESS_FOLDER, str(folder / "teachers"))
    _, actions = run_button(buttons.import_progress_files, payload)

    assert written_sheets(actions, payload) == set()
    message = alerts(actions)[0]
    assert "filled 0 empty grade cells" in message
    assert message.endswith("The workbook was not changed.")


def test_progress_skips_own_workbook(folder, tmp_path):
    # The tracker in the folder it imports from is not read as a progress file.
    teachers = tmp_path / "Pupil Premium"
    shutil.copytree(folder / "teachers", teachers)
    tracker = teachers / "tracker.xlsm"
    shutil.copyfile(folder / "tracker.xlsm", tracker)
    payload = with_setting(tracker, c.SETTING_PROGRESS_FOLDER, str(teachers))
    grids, _ = run_button(buttons.import_progress_files, payload)

    column = LOG_HEADERS.index("Source file")
    rows = grids[c.IMPORT_LOG_SHEET][LIST_HEADER_ROW + 1:]
    source_files = {row[column] for row in rows if len(row) > column and row[column]}
    assert source_files == {label for _, label in find_files([folder / "teachers"])}


def test_formula_cells_kept_at_write(folder, headless_progress, monkeypatch):
    # The remote engine sends no formulas, so here every empty cell of each
    # block reads as a formula with a blank result, as Excel would give it.
    # The button must leave those cells and report each planned grade.
    _, report = headless_progress
    formula = '=IF(TRUE,"","EXS")'

    def blank_formulas(area, rows):
        values = area.options(ndim=2).value
        return [[formula if value is None else "" for value in row] for row in values]

    monkeypatch.setattr(excel_tables, "_formulas", blank_formulas)
    payload = with_setting(folder / "tracker.xlsm", c.SETTING_PROGRESS_FOLDER, str(folder / "teachers"))
    grids, actions = run_button(buttons.import_progress_files, payload)

    assert written_sheets(actions, payload) == {c.ISSUES_SHEET, c.IMPORT_LOG_SHEET}
    kept = [row for row in grids[c.ISSUES_SHEET] if row and f"holds {formula}, not a blank." in str(row[3])]
    assert len(kept) == report.filled
    assert "filled 0 empty grade cells" in alerts(actions)[0]


def test_progress_folder_missing(folder, tmp_path):
    path = shutil.copyfile(folder / "tracker.xlsm", tmp_path / "tracker.xlsm")
    payload = with_setting(path, c.SETTING_PROGRESS_FOLDER, "No such folder")
    _, actions = run_button(buttons.import_progress_files, payload)

    message = alerts(actions)[0]
    settings = openpyxl.load_workbook(path)[c.SETTINGS_SHEET]
    cell = next(row[1].coordinate for row in settings.iter_rows() if row[0].value == c.SETTING_PROGRESS_FOLDER)
    assert message.startswith(f"Import progress files did not finish (sheet 'Settings', cell {cell}).")
    assert f"The folder '{tmp_path / 'No such folder'}' in 'Progress files folder' was not found." in message


def test_progress_folder_without_readable_file_writes_nothing(folder, tmp_path):
    empty = tmp_path / "empty folder"
    empty.mkdir()
    (empty / "notes.txt").write_text("not a progress file")
    path = shutil.copyfile(folder / "tracker.xlsm", tmp_path / "tracker.xlsm")
    payload = with_setting(path, c.SETTING_PROGRESS_FOLDER, str(empty))
    _, actions = run_button(buttons.import_progress_files, payload)

    assert written_sheets(actions, payload) == set()
    message = alerts(actions)[0]
    assert message.endswith("The workbook was not changed.")


def test_stopped_button_keeps_refresh_issues(folder, tmp_path):
    from tracker.demo import write_demo

    # The demo school has a few deliberate data issues from its refresh.
    path = tmp_path / "demo.xlsm"
    result = write_demo(path, pupils=40)
    assert len(result.issues) > 0
    payload = with_setting(path, c.SETTING_PROGRESS_FOLDER, "No such folder")
    grids, _ = run_button(buttons.import_progress_files, payload)

    rows = [row for row in grids[c.ISSUES_SHEET][LIST_HEADER_ROW + 1:] if any(v not in (None, "") for v in row)]
    assert "'Progress files folder' was not found" in rows[0][3]
    kept = [tuple(row[:5]) for row in rows[1:]]
    expected = [tuple(None if v is None else v for v in r) for r in result.issues.itertuples(index=False)]
    assert len(kept) == len(expected)
    assert [row[3] for row in kept] == [r[3] for r in expected]


def test_progress_without_dialog_names_setting(folder):
    payload = book_json(folder / "tracker.xlsm")
    _, actions = run_button(buttons.import_progress_files, payload)

    message = alerts(actions)[0]
    assert "This Excel cannot show a folder dialog." in message
    assert "'Progress files folder' on the Settings sheet" in message


def test_progress_cancelled_dialog_does_nothing(folder, monkeypatch):
    from tracker import dialogs

    monkeypatch.setattr(dialogs, "choose_folder", lambda *args, **kwargs: None)
    payload = book_json(folder / "tracker.xlsm")
    _, actions = run_button(buttons.import_progress_files, payload)

    assert alerts(actions) == []
    assert written_sheets(actions, payload) == set()


@pytest.fixture(scope="module")
def headless_register(folder):
    book = folder / "register headless.xlsm"
    shutil.copyfile(folder / "tracker.xlsm", book)
    report = import_register(book, folder / "register.csv", now=NOW)
    return book, report


def test_register_matches_headless(folder, headless_register):
    path, report = headless_register
    payload = with_setting(folder / "tracker.xlsm", c.SETTING_REGISTER_FILE, str(folder / "register.csv"))
    grids, actions = run_button(buttons.import_mis_register, payload)
    expected = file_grids(path)

    for name in (c.PUPILS_SHEET, c.ISSUES_SHEET, c.IMPORT_LOG_SHEET):
        assert trimmed(grids[name]) == trimmed(expected[name]), name
    assert alerts(actions) == [report.summary()]
    assert report.added
    assert report.changes
    assert report.marked_left


def test_register_resizes_table_as_file(folder, headless_register):
    path, _ = headless_register
    payload = with_setting(folder / "tracker.xlsm", c.SETTING_REGISTER_FILE, "register.csv")
    _, actions = run_button(buttons.import_mis_register, payload)

    ref = openpyxl.load_workbook(path)[c.PUPILS_SHEET].tables[c.PUPILS_TABLE].ref
    expected = ":".join(absolute(part) for part in ref.split(":"))
    assert [a["args"] for a in actions if a["func"] == "resizeTable"] == [[0, expected]]


def absolute(cell: str) -> str:
    """Return 'A3' as '$A$3'."""
    letters = "".join(ch for ch in cell if ch.isalpha())
    return f"${letters}${cell[len(letters):]}"


def test_register_repeat_changes_nothing(folder, headless_register):
    path, _ = headless_register
    payload = with_setting(path, c.SETTING_REGISTER_FILE, str(folder / "register.csv"))
    _, actions = run_button(buttons.import_mis_register, payload)

    assert written_sheets(actions, payload) == set()
    assert [a for a in actions if a["func"] == "resizeTable"] == []
    assert alerts(actions)[0].endswith("The workbook was not changed.")


def test_register_blocked_below_table(folder, tmp_path):
    path = shutil.copyfile(folder / "tracker.xlsm", tmp_path / "tracker.xlsm")
    payload = with_setting(path, c.SETTING_REGISTER_FILE, str(folder / "register.csv"))
    pupils = next(s for s in payload["sheets"] if s["name"] == c.PUPILS_SHEET)
    table = pupils["tables"][0]
    below = int(table["range_address"].split("$")[-1]) + 1
    while len(pupils["values"]) < below:
        pupils["values"].append([""] * len(pupils["values"][0]))
    pupils["values"][below - 1][0] = "a note"
    _, actions = run_button(buttons.import_mis_register, payload)

    message = alerts(actions)[0]
    assert f"cell A{below} on the 'Pupils' sheet contains a value" in message
    assert written_sheets(actions, payload) == {c.ISSUES_SHEET}

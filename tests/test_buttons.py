"""The Excel button handlers, run on xlwings' remote engine.

Each handler gets a remote-engine book built from a real workbook file and
returns nothing. What it did is the list of actions the engine recorded:
values written, message boxes and saves.
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile

import pytest
import python_calamine
import xlwings as xw

from xlwings_remote import book_json, remote_book

from tracker import buttons, excel_adapter, vba
from tracker import contract as c
from tracker.build import SchoolData, build_workbook
from tracker.errors import TrackerError
from tracker.demo import make_school
from tracker.refresh import refresh_file
from conftest import REFRESH_TIME, pupil_row

# Text that Excel, cmd.exe or a Python string literal would treat specially.
AWKWARD_NAME = "St Mary's & St John’s – Año 6.xlsm"
HEAVY_MODULES = ("xlwings", "pandas", "numpy", "tracker.core", "tracker.excel_adapter", "pyopenvba", "xlsxwriter",
                 "python_calamine")


@pytest.fixture(scope="module")
def demo_payload(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.xlsm"
    build_workbook(path, make_school(pupils=70, seed=2))
    refresh_file(path, now=REFRESH_TIME)
    return book_json(path)


def actions_of(book, func: str) -> list[dict]:
    return [a for a in book.json()["actions"] if a["func"] == func]


def sheet_index(payload: dict, name: str) -> int:
    return [s["name"] for s in payload["sheets"]].index(name)


def written_sheets(book, payload: dict) -> set[str]:
    names = [s["name"] for s in payload["sheets"]]
    return {names[a["sheet_position"]] for a in actions_of(book, "setValues")}


def written_text(book) -> list[str]:
    return [v for a in actions_of(book, "setValues") for row in a["values"] for v in row if isinstance(v, str)]


def only_alert(book) -> str:
    alerts = actions_of(book, "alert")
    assert len(alerts) == 1, alerts
    return alerts[0]["args"][0]


def test_import_loads_nothing_heavy():
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, tracker.buttons; print('\\n'.join(sorted(sys.modules)))"],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    heavy = [m for m in loaded if m.split(".")[0] in HEAVY_MODULES or m.startswith(HEAVY_MODULES)]
    assert heavy == []


def test_handlers_match_registry():
    assert [b.function for b in buttons.BUTTONS] == ["refresh_summary", "set_up_class_sheets", "import_mis_register",
                                                      "import_progress_files", "export_for_head",
                                                      "export_for_governors"]
    for spec in buttons.BUTTONS:
        assert getattr(buttons, spec.function).__name__ == spec.function


def test_runpython_commands_run_on_remote_book(demo_payload):
    commands = re.findall(r'^\s*RunPython "([^"]+)"\s*$', vba.buttons_source(), re.M)
    assert len(commands) == len(buttons.BUTTONS)
    for command in commands:
        book = remote_book(demo_payload)
        book.set_mock_caller()
        try:
            exec(command, {})
        finally:
            del xw.Book._mock_caller
        assert book.json()["actions"], f"{command} did nothing"
        if "refresh_summary" in command:
            assert actions_of(book, "alert") == []
            assert c.SUMMARY_SHEET in written_sheets(book, demo_payload)
        elif "import_" in command:
            # The remote engine shows no dialogs, and the demo's Settings
            # name no source, so the import buttons say where to type one.
            assert "on the Settings sheet and click the button again" in only_alert(book)
        else:
            # The remote book has no file on this computer, which the class
            # sheets and export buttons need, so they say so instead of failing.
            assert "needs the workbook saved in a folder on this computer" in only_alert(book)


def test_missing_table_gives_one_plain_message(demo_payload):
    payload = book_json_with(demo_payload, table_rename=(c.PUPILS_TABLE, "Register"))
    book = remote_book(payload)
    buttons.refresh_summary(book)

    message = only_alert(book)
    assert message.startswith("Refresh summary did not finish (sheet 'Pupils').")
    assert f"The table '{c.PUPILS_TABLE}' was not found." in message
    assert "Traceback" not in message
    assert written_sheets(book, payload) == {c.ISSUES_SHEET}
    assert "'" + message.split("\n\n", 1)[1] in written_text(book)


def book_json_with(payload: dict, table_rename=None, version=None) -> dict:
    """Return a copy of a payload with a table renamed or the recorded xlwings version changed."""
    import copy

    changed = copy.deepcopy(payload)
    for sheet in changed["sheets"]:
        for table in sheet["tables"]:
            if table_rename and table["name"] == table_rename[0]:
                table["name"] = table_rename[1]
        if version and sheet["name"] == vba.XLWINGS_CONF_SHEET:
            row, col = vba.VERSION_CELL
            sheet["values"][row][col] = version
    return changed


def test_version_mismatch_says_how_to_fix(demo_payload):
    book = remote_book(book_json_with(demo_payload, version="0.30.0"))
    buttons.refresh_summary(book)

    message = only_alert(book)
    assert f"built with xlwings 0.30.0, but Python has xlwings {xw.__version__}" in message
    assert "python -m pip install xlwings==0.30.0" in message
    assert written_sheets(book, demo_payload) == {c.ISSUES_SHEET}


def test_unexpected_error_logged_beside_workbook(demo_payload, tmp_path, monkeypatch):
    def broken(tables, now):
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(excel_adapter, "run", broken)
    payload = book_json_with(demo_payload)
    payload["book"]["name"] = str(tmp_path / AWKWARD_NAME)
    book = remote_book(payload)
    buttons.refresh_summary(book)

    log = tmp_path / buttons.LOG_NAME
    message = only_alert(book)
    assert f"The details are in {log}" in message
    assert "ZeroDivisionError: float division by zero" in message
    text = log.read_text(encoding="utf-8")
    assert f"Refresh summary failed in {tmp_path / AWKWARD_NAME}" in text
    assert "Traceback (most recent call last)" in text
    assert "Traceback" not in message


def test_log_for_web_address_goes_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))

    class WebBook:
        fullname = "https://contoso-my.sharepoint.com/personal/head/Documents/pptracker.xlsm"

    assert buttons.log_path(WebBook()) == tmp_path / buttons.LOG_NAME


def test_version_problem_text():
    assert buttons.version_problem(None, "0.37.8") is None
    assert buttons.version_problem("0.37.8", "0.37.8") is None
    assert buttons.version_problem("0.36.0", "0.37.8") == (
        "This workbook's buttons were built with xlwings 0.36.0, but Python has xlwings 0.37.8. "
        "Open a Command Prompt (Terminal on a Mac) and run: python -m pip install xlwings==0.36.0   "
        "then click the button again."
    )


def test_free_copy_path_numbers(tmp_path):
    source = tmp_path / AWKWARD_NAME
    first = buttons.free_copy_path(source)
    assert first.name == "St Mary's & St John’s – Año 6 (class sheets).xlsm"
    first.write_bytes(b"")
    assert buttons.free_copy_path(source).name == "St Mary's & St John’s – Año 6 (class sheets) 2.xlsm"


def register_school() -> SchoolData:
    pupils = [pupil_row(1, "Ali", "Zara", "3", "3A", pp="Y", category="FSM/Ever 6"),
              pupil_row(2, "O'Brien", "Theo", "3", "3A"),
              pupil_row(3, "Nowak", "Ivy", "4", "4B")]
    return SchoolData(pupils=pupils)


def test_set_up_class_sheets_opens_copy(tmp_path, monkeypatch):
    path = build_workbook(tmp_path / AWKWARD_NAME, register_school())
    original = path.read_bytes()
    opened = []
    monkeypatch.setattr(buttons, "open_workbook", lambda app, target: opened.append(target))
    payload = book_json(path)
    payload["book"]["name"] = str(path)
    book = remote_book(payload)
    buttons.set_up_class_sheets(book)

    copy = tmp_path / "St Mary's & St John’s – Año 6 (class sheets).xlsm"
    assert opened == [copy]
    assert [a["func"] for a in book.json()["actions"] if a["func"] in ("save", "alert")] == ["save", "alert"]
    alert = actions_of(book, "alert")[0]["args"]
    assert alert[3] == "info"
    assert f"'{copy.name}' is now open." in alert[0]
    assert path.read_bytes() == original
    names = python_calamine.CalamineWorkbook.from_path(str(copy)).sheet_names
    assert {"Class 3A", "Class 4B"} <= set(names)
    with zipfile.ZipFile(copy) as archive:
        assert "xl/vbaProject.bin" in archive.namelist()


def test_set_up_unchanged_adds_no_file(tmp_path, monkeypatch):
    path = build_workbook(tmp_path / "empty.xlsm")
    monkeypatch.setattr(buttons, "open_workbook", lambda app, target: pytest.fail("nothing should open"))
    payload = book_json(path)
    payload["book"]["name"] = str(path)
    book = remote_book(payload)
    buttons.set_up_class_sheets(book)

    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.xlsm"]
    assert "already match the register: nothing changed" in only_alert(book)
    assert "empty (class sheets)" not in only_alert(book)


def test_local_path_maps_onedrive_address(tmp_path, monkeypatch):
    synced = tmp_path / "OneDrive" / "Pupil Premium" / AWKWARD_NAME
    synced.parent.mkdir(parents=True)
    synced.write_bytes(b"")
    monkeypatch.setenv("OneDrive", str(tmp_path / "OneDrive"))

    class SyncedBook:
        fullname = f"https://d.docs.live.net/1a2b3c4d5e6f/Pupil Premium/{AWKWARD_NAME}"

    assert buttons.local_path(SyncedBook()) == synced


def test_local_path_rejects_sharepoint_address():
    class WebBook:
        fullname = "https://contoso.sharepoint.com/sites/staff/Shared Documents/pptracker.xlsm"

    with pytest.raises(TrackerError, match="needs the workbook saved in a folder on this computer"):
        buttons.local_path(WebBook())

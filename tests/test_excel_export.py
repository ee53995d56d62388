"""The export buttons on xlwings' remote engine, against the headless export of the same file.

The remote book's full name is the real workbook file. The button saves
it (an action the engine records) and exports that file beside it. The
result is compared cell for cell with ``export_for_head`` run on the same
file at the same time. Encrypted exports are decrypted first, because
each encryption uses a fresh salt.
"""

from __future__ import annotations

import io
from datetime import datetime

import pytest
import python_calamine

from xlwings_remote import book_json, remote_book

from tracker import buttons, dialogs, excel_adapter, excel_export
from tracker import contract as c
from tracker.build import build_workbook
from tracker.demo import make_school
from tracker.encrypt import decrypt_workbook
from tracker.export import export_for_head
from tracker.refresh import refresh_file

NOW = datetime(2026, 3, 20, 15, 30)
AWKWARD_STEM = "St Mary's & St John’s – Año 6"
PASSWORD = "Pupil Premium 2026!"


@pytest.fixture(autouse=True)
def fixed_time(monkeypatch):
    monkeypatch.setattr(excel_adapter, "now", lambda: NOW)


@pytest.fixture
def workbook(tmp_path):
    folder = tmp_path / "Pupil Premium"
    folder.mkdir()
    path = build_workbook(folder / f"{AWKWARD_STEM}.xlsm", make_school(pupils=40, seed=3))
    refresh_file(path, now=NOW)
    return path


def click(handler, path) -> list[dict]:
    payload = book_json(path)
    payload["book"]["name"] = str(path)
    book = remote_book(payload)
    handler(book)
    return book.json()["actions"]


def grids(data: bytes) -> dict[str, list[list[object]]]:
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in book.sheet_names}


def alerts(actions: list[dict]) -> list[str]:
    return [a["args"][0] for a in actions if a["func"] == "alert"]


def test_head_export_matches_headless(workbook, tmp_path, monkeypatch):
    monkeypatch.setattr(dialogs, "ask_password", lambda *args, **kwargs: PASSWORD)
    click(buttons.export_for_head, workbook)

    out = workbook.with_name(f"{AWKWARD_STEM} for head 2026-03-20.xlsx")
    expected = export_for_head(workbook, tmp_path / "headless.xlsx", password=PASSWORD, now=NOW)
    live = grids(decrypt_workbook(out.read_bytes(), PASSWORD))
    assert live == grids(decrypt_workbook(expected.read_bytes(), PASSWORD))
    assert c.SUMMARY_SHEET in live


def test_head_export_saves_first_and_keeps_password_out(workbook, monkeypatch):
    monkeypatch.setattr(dialogs, "ask_password", lambda *args, **kwargs: PASSWORD)
    actions = click(buttons.export_for_head, workbook)

    assert [a["func"] for a in actions if a["func"] in ("save", "alert")] == ["save", "alert"]
    message = alerts(actions)[0]
    assert message.startswith(f"Saved '{AWKWARD_STEM} for head 2026-03-20.xlsx' beside this workbook")
    assert "It has a password" in message
    assert "No PDF of Summary was made" in message
    assert PASSWORD not in str(actions)
    assert not (workbook.parent / buttons.LOG_NAME).exists()


def test_head_export_cancelled(workbook, monkeypatch):
    monkeypatch.setattr(dialogs, "ask_password", lambda *args, **kwargs: None)
    actions = click(buttons.export_for_head, workbook)

    assert actions == []
    assert sorted(p.name for p in workbook.parent.iterdir()) == [workbook.name]


def test_head_export_short_password(workbook, monkeypatch):
    monkeypatch.setattr(dialogs, "ask_password", lambda *args, **kwargs: "pp2026")
    actions = click(buttons.export_for_head, workbook)

    message = alerts(actions)[0]
    assert message.startswith("Export for head did not finish.")
    assert "The password has 6 characters; use at least 8" in message
    assert "pp2026" not in str(actions)
    assert "save" not in [a["func"] for a in actions]
    assert sorted(p.name for p in workbook.parent.iterdir()) == [workbook.name]


def test_head_export_without_password(workbook, monkeypatch):
    monkeypatch.setattr(dialogs, "ask_password", lambda *args, **kwargs: "")
    actions = click(buttons.export_for_head, workbook)
    click(buttons.export_for_head, workbook)

    first = workbook.with_name(f"{AWKWARD_STEM} for head 2026-03-20.xlsx")
    second = workbook.with_name(f"{AWKWARD_STEM} for head 2026-03-20 2.xlsx")
    assert first.read_bytes()[:2] == b"PK"  # a plain zip, not an encrypted OLE file
    assert grids(first.read_bytes()) == grids(second.read_bytes())
    assert "It has no password and contains pupils' names" in alerts(actions)[0]


def test_governors_export_matches_headless(workbook, tmp_path, monkeypatch):
    monkeypatch.setattr(dialogs, "ask_password", lambda *args, **kwargs: pytest.fail("no password is asked"))
    actions = click(buttons.export_for_governors, workbook)

    out = workbook.with_name(f"{AWKWARD_STEM} governors report 2026-03-20.xlsx")
    expected = export_for_head(workbook, tmp_path / "governors.xlsx", governors=True, now=NOW)
    assert grids(out.read_bytes()) == grids(expected.read_bytes())
    message = alerts(actions)[0]
    assert "figures only" in message
    assert "PDF" not in message


def test_export_needs_local_file(workbook):
    payload = book_json(workbook)
    book = remote_book(payload)
    buttons.export_for_head(book)

    message = alerts(book.json()["actions"])[0]
    assert message.startswith("Export for head did not finish.")
    assert "needs the workbook saved in a folder on this computer" in message


def test_summary_pdf_through_excel(tmp_path):
    class WindowsBook:
        pass

    class Sheet:
        def __init__(self):
            self.pdfs = []

        def to_pdf(self, path):
            self.pdfs.append(path)

    # summary_pdf finds the engine from the module of the book's implementation object.
    impl = type("Book", (), {"__module__": "xlwings._xlwindows"})()
    summary = Sheet()
    book = WindowsBook()
    book.impl = impl
    book.sheets = {c.SUMMARY_SHEET: summary}
    target = tmp_path / "school for head 2026-03-20 Summary.pdf"

    assert excel_export.summary_pdf(book, target) == target
    assert summary.pdfs == [str(target)]

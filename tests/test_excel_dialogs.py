"""The dialogs the buttons show, on stand-ins for Excel's COM objects and on the remote engine.

Excel's own dialogs cannot be shown here, so these tests check the calls
made on Windows (Office's FileDialog and Application.InputBox) against a
stand-in that records them, and that an engine without dialogs names the
Settings value to fill in instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from xlwings_remote import book_json, remote_book

from tracker import dialogs
from tracker.build import build_workbook


class FileDialog:
    def __init__(self, kind: int, chosen: str | None):
        self.kind = kind
        self.chosen = chosen
        self.Filters = Filters()
        self.Title = self.InitialFileName = self.AllowMultiSelect = None

    def Show(self) -> int:
        return dialogs.SHOWN_OK if self.chosen else 0

    def SelectedItems(self, index: int) -> str:
        assert index == 1
        return self.chosen


class Filters:
    def __init__(self):
        self.added = []

    def Clear(self) -> None:
        self.added.clear()

    def Add(self, description: str, patterns: str) -> None:
        self.added.append((description, patterns))


class Application:
    def __init__(self, chosen: str | None = None, typed: object = ""):
        self.chosen = chosen
        self.typed = typed
        self.dialogs: list[FileDialog] = []
        self.input_boxes: list[tuple] = []

    def FileDialog(self, kind: int) -> FileDialog:
        self.dialogs.append(FileDialog(kind, self.chosen))
        return self.dialogs[-1]

    def InputBox(self, *args):
        self.input_boxes.append(args)
        return self.typed


def windows_book(api: Application):
    """Return an object that looks like an xlwings Book on the Windows engine."""
    impl = type("Book", (), {"__module__": "xlwings._xlwindows"})()
    app = type("App", (), {"api": api})()
    return type("WindowsBook", (), {"impl": impl, "app": app})()


def test_folder_dialog_on_windows():
    api = Application(chosen=r"C:\Staff\Progress files")
    chosen = dialogs.choose_folder(windows_book(api), "Choose", instead="", start=Path(r"C:\Staff"))

    assert chosen == Path(r"C:\Staff\Progress files")
    dialog = api.dialogs[0]
    assert dialog.kind == dialogs.FOLDER_PICKER
    assert dialog.Title == "Choose"
    assert dialog.AllowMultiSelect is False
    assert dialog.InitialFileName.endswith("\\")


def test_file_dialog_cancel_on_windows():
    api = Application(chosen=None)
    chosen = dialogs.choose_file(windows_book(api), "Choose", "Registers", ["*.csv", "*.xml"], instead="")

    assert chosen is None
    assert api.dialogs[0].kind == dialogs.FILE_PICKER
    assert api.dialogs[0].Filters.added == [("Registers", "*.csv; *.xml")]


@pytest.mark.parametrize("typed, expected", [("s3cret", "s3cret"), ("", ""), (False, None)])
def test_password_box_on_windows(typed, expected):
    api = Application(typed=typed)
    assert dialogs.ask_password(windows_book(api), "Type it", "Export", instead="") == expected
    assert api.input_boxes == [("Type it", "Export")]


def test_remote_engine_has_no_dialog(tmp_path):
    book = remote_book(book_json(build_workbook(tmp_path / "empty.xlsm")))
    with pytest.raises(dialogs.NoDialog, match="^Fill in Settings$"):
        dialogs.choose_folder(book, "Choose", instead="Fill in Settings")
    with pytest.raises(dialogs.NoDialog, match="^Use the command line$"):
        dialogs.ask_password(book, "Type it", "Export", instead="Use the command line")

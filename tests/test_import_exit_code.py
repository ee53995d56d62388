"""The import command's exit code: 0 when anything was read, 1 when nothing could be."""

from __future__ import annotations

from tracker.build import build_workbook
from tracker.cli import main


def test_import_missing_file_exits_1(tmp_path, capsys):
    book = build_workbook(tmp_path / "book.xlsm")
    assert main(["import", str(book), str(tmp_path / "missing.xlsx")]) == 1
    output = capsys.readouterr().out
    assert "missing.xlsx was not found" in output

"""Password encryption of exports and atomic writes."""

from __future__ import annotations

import io
import os
import sys
import tempfile
import zipfile
from datetime import datetime

import msoffcrypto
import olefile
import openpyxl
import pytest
import python_calamine

from tracker import contract as c
from tracker import export as export_module
from tracker.build import SchoolData, build_workbook
from tracker.cli import main
from tracker.encrypt import EncryptionFailed, decrypt_workbook, encrypt_workbook, write_atomic
from tracker.export import PASSWORD_ENV, ExportError, export_for_head, read_password

from conftest import class_row, pupil_row

PASSWORD = "Correct horse 7!"
EXPORT_TIME = datetime(2026, 3, 21, 9, 0)


def tiny_school() -> SchoolData:
    data = SchoolData(settings={c.SETTING_SCHOOL: "Cipher Primary", c.SETTING_POINT: "Autumn"})
    data.pupils = [pupil_row(1, "Abbot", "Ada", "3", "3A", "Y", "FSM/Ever 6"),
                   pupil_row(2, "Barker", "Bo", "3", "3A")]
    from tracker.build import ClassSheet
    data.classes = [ClassSheet("3A", [class_row(1, "Ada Abbot", {"Autumn Reading": "WTS"}),
                                      class_row(2, "Bo Barker", {"Autumn Reading": "EXS"})])]
    return data


@pytest.fixture
def book(tmp_path):
    path = tmp_path / "tracker.xlsm"
    build_workbook(path, tiny_school())
    return path


def small_xlsx() -> bytes:
    buffer = io.BytesIO()
    book = openpyxl.Workbook()
    book.active["A1"] = "secret figure"
    book.save(buffer)
    return buffer.getvalue()


def test_encrypt_round_trip():
    plain = small_xlsx()
    encrypted = encrypt_workbook(plain, PASSWORD)
    assert olefile.isOleFile(io.BytesIO(encrypted))
    assert b"secret figure" not in encrypted
    assert decrypt_workbook(encrypted, PASSWORD) == plain


def test_wrong_password_rejected():
    encrypted = encrypt_workbook(small_xlsx(), PASSWORD)
    with pytest.raises(msoffcrypto.exceptions.InvalidKeyError):
        decrypt_workbook(encrypted, "wrong password")


def test_empty_password_rejected():
    with pytest.raises(EncryptionFailed, match="empty"):
        encrypt_workbook(small_xlsx(), "")


def test_write_atomic_replaces_file(tmp_path):
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"old")
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xlsx"]


@pytest.mark.skipif(sys.platform == "win32", reason="creating a symbolic link needs extra rights on Windows")
def test_write_atomic_through_symlink(tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    target = folder / "for-head.xlsx"
    target.write_bytes(b"old")
    link = tmp_path / "for-head.xlsx"
    link.symlink_to(target)

    write_atomic(link, b"new")

    assert link.is_symlink()
    assert target.read_bytes() == b"new"
    assert not list(tmp_path.glob(".~pptracker-*"))


def test_write_atomic_failure_keeps_old_file(tmp_path, monkeypatch):
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"old")

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xlsx"]


def test_encrypted_export_opens_only_with_password(book, tmp_path):
    out = tmp_path / "head.xlsx"
    export_for_head(book, out, password=PASSWORD, now=EXPORT_TIME)
    data = out.read_bytes()

    assert olefile.isOleFile(io.BytesIO(data))
    assert not zipfile.is_zipfile(out)
    with pytest.raises(Exception):
        openpyxl.load_workbook(out)
    with pytest.raises(msoffcrypto.exceptions.InvalidKeyError):
        decrypt_workbook(data, "not the password")

    plain = decrypt_workbook(data, PASSWORD)
    sheets = openpyxl.load_workbook(io.BytesIO(plain)).sheetnames
    assert sheets[:2] == ["Cover", c.SUMMARY_SHEET]
    calamine = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(plain))
    cover = calamine.get_sheet_by_name("Cover").to_python()
    assert ["Password", "Yes: Excel asks for it before showing anything"] in cover


def test_password_not_in_export(book, tmp_path):
    out = tmp_path / "head.xlsx"
    export_for_head(book, out, password=PASSWORD, now=EXPORT_TIME)
    plain = decrypt_workbook(out.read_bytes(), PASSWORD)
    with zipfile.ZipFile(io.BytesIO(plain)) as archive:
        for name in archive.namelist():
            assert PASSWORD.encode() not in archive.read(name), name


def test_plain_workbook_never_written(book, tmp_path, monkeypatch):
    # The only bytes written are the encrypted ones, and no temporary file
    # is left in the output folder or the system temporary folder.
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    written = []
    real_write = export_module.write_atomic

    def spy(out, data):
        written.append(data)
        return real_write(out, data)

    monkeypatch.setattr(export_module, "write_atomic", spy)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    export_for_head(book, out_dir / "head.xlsx", password=PASSWORD, now=EXPORT_TIME)

    assert len(written) == 1
    assert olefile.isOleFile(io.BytesIO(written[0]))
    assert list(scratch.iterdir()) == []
    assert [p.name for p in out_dir.iterdir()] == ["head.xlsx"]


def test_read_password_from_environment():
    assert read_password({PASSWORD_ENV: PASSWORD}, prompt=None) == PASSWORD


def test_read_password_prompts_twice():
    answers = iter([PASSWORD, PASSWORD])
    prompts = []

    def prompt(text):
        prompts.append(text)
        return next(answers)

    assert read_password({}, prompt=prompt) == PASSWORD
    assert prompts == ["Password for the export: ", "Type the password again: "]


def test_read_password_mismatch_rejected():
    answers = iter(["one", "two"])
    with pytest.raises(ExportError, match="do not match"):
        read_password({}, prompt=lambda _: next(answers))


def test_read_password_without_terminal():
    def no_input(_):
        raise EOFError

    with pytest.raises(ExportError, match=PASSWORD_ENV):
        read_password({}, prompt=no_input)


def test_cli_password_from_environment(book, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    out = tmp_path / "head.xlsx"
    assert main(["export", str(book), str(out), "--password"]) == 0
    output = capsys.readouterr()
    assert output.out == f"Wrote {out}: export for the head, encrypted with a password.\n"
    assert PASSWORD not in output.out + output.err
    assert decrypt_workbook(out.read_bytes(), PASSWORD)[:2] == b"PK"


def test_cli_password_prompt(book, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    monkeypatch.setattr(export_module.getpass, "getpass", lambda prompt: PASSWORD)
    # read_password takes getpass as a default argument, so patch the default too.
    monkeypatch.setattr(export_module.read_password, "__defaults__", (None, lambda prompt: PASSWORD))
    out = tmp_path / "governors.xlsx"
    assert main(["export", str(book), str(out), "--governors", "--password"]) == 0
    output = capsys.readouterr()
    assert "encrypted with a password" in output.out
    assert PASSWORD not in output.out + output.err
    plain = decrypt_workbook(out.read_bytes(), PASSWORD)
    assert openpyxl.load_workbook(io.BytesIO(plain)).sheetnames[0] == "Cover"


def test_short_password_rejected(tmp_path):
    from tracker.build import build_workbook
    from tracker.errors import TrackerError

    book = build_workbook(tmp_path / "book.xlsm")
    out = tmp_path / "head.xlsx"
    with pytest.raises(TrackerError, match="use at least 8"):
        export_for_head(book, out, password="abc", now=EXPORT_TIME)
    assert not out.exists()


def test_empty_password_variable_rejected():
    def prompt(text):
        raise AssertionError("must not prompt when the variable is set")

    with pytest.raises(ExportError, match="is set but empty"):
        read_password({PASSWORD_ENV: ""}, prompt=prompt)


def test_one_character_password_message(tmp_path):
    from tracker.build import build_workbook

    book = build_workbook(tmp_path / "book.xlsm")
    with pytest.raises(ExportError, match="The password has 1 character;"):
        export_for_head(book, tmp_path / "head.xlsx", password="x", now=EXPORT_TIME)

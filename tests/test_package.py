"""Package opens without inflating and saves by copying unchanged zip records as they are.

The sources are workbooks saved by Excel, pptracker's own builds, and zips
written by zipfile with data descriptors and Zip64 extra fields, as
streaming writers produce them. Every saved file is read back with
zipfile, openpyxl and python-calamine.
"""

from __future__ import annotations

import io
import shutil
import struct
import sys
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
import python_calamine

from tracker import cli
from tracker import contract as c
from tracker.build import build_workbook
from tracker.errors import NotAWorkbook
from tracker.package import Package

from conftest import REFRESH_TIME
from test_refresh_figures import small_school

sys.path.insert(0, str(Path(__file__).parent / "cases"))
from make_cases import sheet_part  # noqa: E402
from zipbomb import RawEntry, write_zip  # noqa: E402

REPOSITORY = Path(__file__).parent.parent
EXCEL_SAVED = REPOSITORY / "tests" / "fixtures" / "excel_saved"
SOURCES = [EXCEL_SAVED / "fibonacci.xlsm", EXCEL_SAVED / "mpl.xlsm", REPOSITORY / "pptracker.xlsm"]
NEW_PART = "customXml/item9.xml"
CENTRAL_HEADER_SIZE = 46
END_RECORD_SIZE = 22


def zip_records(data: bytes) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """Return ({name: local record}, {name: central directory record with its offset zeroed}).

    A local record runs from its header to the next record, so it contains
    the data descriptor too. The zip must have no archive comment.
    """
    signature, _, _, _, count, _, directory_start, _ = struct.unpack("<4sHHHHIIH", data[-END_RECORD_SIZE:])
    assert signature == b"PK\x05\x06"
    central, offsets = {}, {}
    position = directory_start
    for _ in range(count):
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, position + 28)
        end = position + CENTRAL_HEADER_SIZE + name_length + extra_length + comment_length
        record = bytearray(data[position:end])
        name = bytes(record[CENTRAL_HEADER_SIZE:CENTRAL_HEADER_SIZE + name_length]).decode("utf-8")
        offsets[name] = struct.unpack_from("<I", record, 42)[0]
        record[42:46] = bytes(4)
        central[name] = bytes(record)
        position = end
    starts = sorted(offsets.values()) + [directory_start]
    following = dict(zip(starts, starts[1:]))
    local = {name: data[offset:following[offset]] for name, offset in offsets.items()}
    return local, central


def read_back(path: Path) -> dict[str, bytes]:
    """Return every part of a saved file, after checking zipfile, openpyxl and python-calamine read it."""
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    book = openpyxl.load_workbook(path, keep_vba=True)
    assert python_calamine.CalamineWorkbook.from_path(str(path)).sheet_names == book.sheetnames
    return parts


def replaced_sheet(package: Package) -> str:
    return next(iter(package.sheet_parts().values()))


def edited(xml: bytes) -> bytes:
    """Return sheet XML that differs from ``xml`` but still reads as the same sheet."""
    return xml.replace(b"?>", b"?>\n", 1) if xml.startswith(b"<?xml") else b" " + xml


def unseekable_zip(parts: dict[str, bytes], zip64: set[str] = frozenset(), stored: set[str] = frozenset()) -> bytes:
    """Return a zip written as to a pipe, so every entry has a data descriptor (flag bit 3)."""

    class Pipe(io.RawIOBase):
        def __init__(self):
            self.written = bytearray()

        def writable(self):
            return True

        def write(self, data):
            self.written += data
            return len(data)

    pipe = Pipe()
    with zipfile.ZipFile(pipe, "w") as archive:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 5, 6, 7, 8, 10))
            info.compress_type = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=name in zip64) as handle:
                handle.write(data)
    return bytes(pipe.written)


def source_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_save_without_changes_is_identical(source, tmp_path):
    out = tmp_path / source.name
    Package.open(source).save(out, {})
    assert out.read_bytes() == source.read_bytes()


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_save_copies_unchanged_records(source, tmp_path):
    package = Package.open(source)
    sheet = replaced_sheet(package)
    new_sheet = edited(package.parts[sheet])
    out = tmp_path / source.name
    package.save(out, {sheet: new_sheet, NEW_PART: b"<item/>"}, compresslevel=1)

    parts = read_back(out)
    assert parts[sheet] == new_sheet
    assert parts[NEW_PART] == b"<item/>"
    assert list(parts) == [info.filename for info in package.infos] + [NEW_PART]
    before_local, before_central = zip_records(source.read_bytes())
    after_local, after_central = zip_records(out.read_bytes())
    for name in before_local:
        if name != sheet:
            assert after_local[name] == before_local[name], name
            assert after_central[name] == before_central[name], name
    assert after_local[sheet] != before_local[sheet]
    with zipfile.ZipFile(out) as archive:
        assert archive.getinfo(NEW_PART).compress_type == zipfile.ZIP_DEFLATED
        assert archive.getinfo(sheet).date_time == zipfile.ZipFile(source).getinfo(sheet).date_time


def test_stored_part_stays_stored_when_replaced(tmp_path):
    source = EXCEL_SAVED / "mpl.xlsm"
    package = Package.open(source)
    stored = [info.filename for info in package.infos if info.compress_type == zipfile.ZIP_STORED]
    assert stored == ["xl/media/image1.png"]
    picture = package.parts[stored[0]] + b"\0"  # a PNG reader ignores bytes after IEND
    out = tmp_path / "mpl.xlsm"
    package.save(out, {stored[0]: picture})

    parts = read_back(out)
    assert parts[stored[0]] == picture
    with zipfile.ZipFile(out) as archive:
        info = archive.getinfo(stored[0])
        assert info.compress_type == zipfile.ZIP_STORED
        assert info.compress_size == len(picture)


@pytest.mark.parametrize("zip64", [False, True], ids=["plain", "zip64"])
def test_data_descriptor_source_round_trips(zip64, tmp_path):
    parts = source_parts(REPOSITORY / "pptracker.xlsm")
    picture = "xl/media/stored.bin"
    parts[picture] = bytes(range(256)) * 8
    source = tmp_path / "streamed.xlsm"
    source.write_bytes(unseekable_zip(parts, zip64=set(parts) if zip64 else set(), stored={picture}))
    package = Package.open(source)
    assert all(info.flag_bits & 0x08 for info in package.infos)
    sheet = replaced_sheet(package)
    new_sheet = edited(package.parts[sheet])
    out = tmp_path / "saved.xlsm"
    package.save(out, {sheet: new_sheet}, compresslevel=1)

    saved = read_back(out)
    assert saved == {**parts, sheet: new_sheet}
    before_local, _ = zip_records(source.read_bytes())
    after_local, _ = zip_records(out.read_bytes())
    for name in parts:
        if name != sheet:
            assert after_local[name] == before_local[name], name
    with zipfile.ZipFile(out) as archive:
        assert archive.getinfo(picture).compress_type == zipfile.ZIP_STORED
        assert archive.getinfo(picture).flag_bits & 0x08
        # The replaced part gets a local header with its CRC and sizes, not a data descriptor.
        assert not archive.getinfo(sheet).flag_bits & 0x08
        assert not any(field_id == 1 for field_id in extra_ids(archive.getinfo(sheet).extra))


def extra_ids(extra: bytes) -> list[int]:
    ids, position = [], 0
    while position + 4 <= len(extra):
        field_id, length = struct.unpack_from("<HH", extra, position)
        ids.append(field_id)
        position += 4 + length
    return ids


def test_zip64_central_directory_is_rewritten(tmp_path):
    """An entry whose central directory record keeps its sizes and offset in a Zip64 field saves as 32-bit."""
    parts = source_parts(REPOSITORY / "pptracker.xlsm")
    source = tmp_path / "zip64.xlsm"
    shutil.copy(REPOSITORY / "pptracker.xlsm", source)
    data = bytearray(source.read_bytes())
    # Move the first central record's sizes and offset into a Zip64 extra field, as a Zip64 writer may.
    _, _, _, _, count, size, start, _ = struct.unpack("<4sHHHHIIH", data[-END_RECORD_SIZE:])
    compress_size, file_size = struct.unpack_from("<II", data, start + 20)
    name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, start + 28)
    offset = struct.unpack_from("<I", data, start + 42)[0]
    assert extra_length == 0
    zip64 = struct.pack("<HHQQQ", 1, 24, file_size, compress_size, offset)
    record = bytearray(data[start:start + CENTRAL_HEADER_SIZE + name_length])
    struct.pack_into("<II", record, 20, 0xFFFFFFFF, 0xFFFFFFFF)
    struct.pack_into("<H", record, 30, len(zip64))
    struct.pack_into("<I", record, 42, 0xFFFFFFFF)
    rest = data[start + CENTRAL_HEADER_SIZE + name_length:-END_RECORD_SIZE]
    directory = bytes(record) + zip64 + rest
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, count, count, len(directory), start, 0)
    source.write_bytes(bytes(data[:start]) + directory + end)
    with zipfile.ZipFile(source) as archive:
        first = archive.infolist()[0]
        assert 1 in extra_ids(first.extra)
        assert (first.file_size, first.compress_size, first.header_offset) == (file_size, compress_size, offset)

    out = tmp_path / "saved.xlsm"
    Package.open(source).save(out, {})
    assert read_back(out) == parts
    assert out.read_bytes() == (REPOSITORY / "pptracker.xlsm").read_bytes()


def test_save_is_deterministic_with_a_large_part(tmp_path):
    """A megabyte part, which zlib deflates in several blocks, gives the same bytes every save."""
    source = REPOSITORY / "pptracker.xlsm"
    package = Package.open(source)
    sheet = replaced_sheet(package)
    large = package.parts[sheet].replace(b"?>", b"?>" + b"<!-- padding -->" * 65536, 1)
    replacements = {sheet: large, NEW_PART: b"<item/>" * 1000, "customXml/item10.xml": b"<other/>"}
    first, second = tmp_path / "first.xlsm", tmp_path / "second.xlsm"
    package.save(first, replacements, compresslevel=1)
    package.save(second, replacements, compresslevel=1)

    assert first.read_bytes() == second.read_bytes()
    saved = read_back(first)
    assert saved[sheet] == large
    assert saved[NEW_PART] == b"<item/>" * 1000


def test_resave_of_saved_file_is_identical(tmp_path):
    source = EXCEL_SAVED / "fibonacci.xlsm"
    package = Package.open(source)
    sheet = replaced_sheet(package)
    replacements = {sheet: edited(package.parts[sheet]), NEW_PART: "<é/>".encode()}
    first, second = tmp_path / "first.xlsm", tmp_path / "second.xlsm"
    package.save(first, replacements, compresslevel=1)
    Package.open(first).save(second, replacements, compresslevel=1)
    assert second.read_bytes() == first.read_bytes()


def bad_crc_copy(source: Path, out: Path, part: str) -> None:
    """Write ``source`` to ``out`` with ``part``'s CRC-32 wrong, so only inflating it shows the damage."""
    with zipfile.ZipFile(source) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    entries = []
    for name, data in parts.items():
        compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
        crc = zlib.crc32(data) ^ (1 if name == part else 0)
        entries.append(RawEntry(name, compressor.compress(data) + compressor.flush(), crc, len(data)))
    write_zip(out, entries)


def test_damaged_part_raises_when_first_read(tmp_path):
    path = tmp_path / "damaged.xlsm"
    bad_crc_copy(REPOSITORY / "pptracker.xlsm", path, "xl/styles.xml")
    package = Package.open(path)
    assert b"<workbook" in package.parts["xl/workbook.xml"]
    assert "xl/styles.xml" in package.parts
    with pytest.raises(NotAWorkbook) as raised:
        package.parts["xl/styles.xml"]
    message = str(raised.value)
    assert message.startswith("damaged.xlsm is not an Excel workbook")
    assert "Bad CRC-32 for xl/styles.xml" in message
    assert message.endswith("Open it in Excel and save it as .xlsm.")


def test_damaged_sheet_read_late_gives_one_line(build_school, tmp_path, capsys):
    built = build_school(small_school())
    path = tmp_path / "damaged.xlsm"
    with zipfile.ZipFile(built) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    bad_crc_copy(built, path, sheet_part(parts, c.SUMMARY_SHEET))
    before = path.read_bytes()

    assert cli.main(["refresh", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("Error: damaged.xlsm is not an Excel workbook")
    assert "Bad CRC-32" in err
    assert err.count("\n") == 1
    assert path.read_bytes() == before


def test_damaged_unread_part_copied_as_is(build_school, tmp_path):
    """A refresh never reads the Start sheet, so its damage is carried over, not reported."""
    built = build_school(small_school())
    path = tmp_path / "damaged.xlsm"
    with zipfile.ZipFile(built) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    start = sheet_part(parts, c.START_SHEET)
    bad_crc_copy(built, path, start)
    before_local, _ = zip_records(path.read_bytes())

    assert cli.main(["refresh", str(path)]) == 0
    after_local, _ = zip_records(path.read_bytes())
    assert after_local[start] == before_local[start]


def test_open_rejects_data_past_end(tmp_path):
    path = tmp_path / "cut.xlsm"
    data = bytearray((REPOSITORY / "pptracker.xlsm").read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.infolist()[0]
    # Claim the first entry is larger than the whole file, in both of its headers.
    struct.pack_into("<I", data, info.header_offset + 18, len(data))
    _, _, _, _, _, _, start, _ = struct.unpack("<4sHHHHIIH", data[-END_RECORD_SIZE:])
    struct.pack_into("<I", data, start + 20, len(data))
    path.write_bytes(bytes(data))
    with pytest.raises(NotAWorkbook, match="runs past the end of the file"):
        Package.open(path)


def test_refresh_keeps_excel_saved_records(tmp_path):
    """A build and refresh round trip: every part outside the owned tabs keeps its compressed bytes."""
    path = tmp_path / "school.xlsm"
    build_workbook(path, small_school())
    before_local, before_central = zip_records(path.read_bytes())
    from tracker.refresh import refresh_file

    refresh_file(path, now=REFRESH_TIME)
    after_local, after_central = zip_records(path.read_bytes())
    unchanged = [name for name in before_local if after_local.get(name) == before_local[name]]
    package = Package.open(path)
    owned = {package.sheet_parts()[name] for name in c.OWNED_SHEETS}
    assert set(before_local) - set(unchanged) <= owned | {n for n in before_local if n.startswith("xl/charts/")}
    for name in unchanged:
        assert after_central[name] == before_central[name], name


@pytest.mark.parametrize("library", ["zlib", "isal"])
def test_level_one_save_with_each_library(library, tmp_path, monkeypatch):
    """Level 1 goes to python-isal when it is installed, and to zlib otherwise: both must read back."""
    from tracker import zip_records

    if library == "isal":
        isal_zlib = pytest.importorskip("isal.isal_zlib")
        monkeypatch.setattr(zip_records, "isal_zlib", isal_zlib)
    else:
        monkeypatch.setattr(zip_records, "isal_zlib", None)
    source = REPOSITORY / "pptracker.xlsm"
    package = Package.open(source)
    sheet = replaced_sheet(package)
    large = package.parts[sheet].replace(b"?>", b"?>" + b"<!-- padding -->" * 65536, 1)
    first, second = tmp_path / "first.xlsm", tmp_path / "second.xlsm"
    package.save(first, {sheet: large}, compresslevel=1)
    package.save(second, {sheet: large}, compresslevel=1)

    assert first.read_bytes() == second.read_bytes()
    assert read_back(first)[sheet] == large
    with zipfile.ZipFile(first) as archive:
        info = archive.getinfo(sheet)
    assert info.compress_type == zipfile.ZIP_DEFLATED
    assert info.compress_size < len(large) // 20


@pytest.mark.skipif(sys.platform == "win32", reason="creating a symbolic link needs extra rights on Windows")
def test_save_through_symlink_updates_target(build_school, tmp_path):
    built = build_school(small_school())
    folder = tmp_path / "shared"
    folder.mkdir()
    target = folder / "tracker.xlsm"
    shutil.copyfile(built, target)
    link = tmp_path / "tracker.xlsm"
    link.symlink_to(target)

    assert cli.main(["refresh", str(link)]) == 0

    assert link.is_symlink()
    assert link.resolve() == target
    summary = python_calamine.CalamineWorkbook.from_path(str(target)).get_sheet_by_name(c.SUMMARY_SHEET).to_python()
    assert any(value not in ("", None) for row in summary[2:] for value in row)
    assert openpyxl.load_workbook(target, keep_vba=True)[c.SUMMARY_SHEET].max_row > 3
    assert not list(tmp_path.glob(".~pptracker-*"))

"""The .xlsm file as a zip package: find parts, replace some, save atomically.

Only the parts a command must change are rewritten. Every other part is
copied across unchanged, which keeps form-control buttons, pictures, the
VBA project and Excel's extension lists exactly as Excel saved them.
"""

from __future__ import annotations

import io
import os
import posixpath
import struct
import tempfile
import time
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from .errors import NotAWorkbook, SaveFailed, WorkbookLocked, WorkbookNotFound
from .zip_records import Entry, Record, Zip64Required, compress_entries, locate_record, write_package

NS = {
    "main": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
    "ct": "http://schemas.openxmlformats.org/package/2006/content-types",
}
REL_WORKSHEET = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"

# Zip entries above this size are refused, so a crafted file cannot make a
# refresh inflate gigabytes into memory. A 12,600-pupil trust workbook has
# sheet parts well under 100 MB.
MAX_PART_BYTES = 256 * 1024 * 1024
# A zip bomb can also spread itself over many parts below the part limit.
MAX_TOTAL_BYTES = 512 * 1024 * 1024
# The XML parts of the demo, test and trust benchmark workbooks deflate
# 4 to 36 times. A part over RATIO_FREE_BYTES that inflates more than
# MAX_RATIO times its stored size is taken for a zip bomb and rejected
# before it is inflated (Apache POI's ZipSecureFile makes the same check).
MAX_RATIO = 200
RATIO_FREE_BYTES = 1024 * 1024
# Excel saves a workbook with a password to open (and an old .xls) as an
# OLE compound file, which starts with these bytes, not as a zip.
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


# Temporary files that a save writes beside the target before moving it into place.
TEMP_PREFIX = ".~pptracker-"
# A save takes seconds, so a temporary file this old was left by a killed process.
STALE_TEMP_SECONDS = 3600


def remove_stale_temporary_files(folder: Path) -> None:
    """Delete pptracker temporary files left in a folder by a process that was killed mid-save."""
    now = time.time()
    try:
        candidates = list(folder.glob(TEMP_PREFIX + "*.tmp"))
    except OSError:
        return
    for path in candidates:
        try:
            if now - path.stat().st_mtime > STALE_TEMP_SECONDS:
                path.unlink()
        except OSError:
            continue  # another process removed it, or the folder is read-only: the save reports that


def lock_files(path: Path) -> list[Path]:
    """Return Excel's owner files for a workbook ("~$" plus the name)."""
    name = path.name
    candidates = {path.with_name("~$" + name)}
    if len(name) > 2:
        # Excel replaces the first two characters of longer names instead.
        candidates.add(path.with_name("~$" + name[2:]))
    return [p for p in candidates if p.exists()]


def check_writable(path: Path) -> None:
    """Raise WorkbookLocked when the workbook is open in Excel."""
    if lock_files(path):
        raise WorkbookLocked(
            f"{path.name} is open in Excel (its lock file ~${path.name} is beside it). "
            "Close it in Excel, or use the button inside Excel, then try again."
        )


def check_sizes(name: str, infos: list[zipfile.ZipInfo]) -> None:
    """Raise NotAWorkbook for a zip bomb, judged on sizes alone before inflating."""
    for info in infos:
        if info.file_size > MAX_PART_BYTES:
            raise NotAWorkbook(
                f"{name} contains a part of {info.file_size:,} bytes "
                f"({info.filename}), too large for a school workbook. It may be damaged."
            )
        if info.file_size > RATIO_FREE_BYTES and info.file_size > MAX_RATIO * info.compress_size:
            raise NotAWorkbook(
                f"{name} contains a part ({info.filename}) that inflates "
                f"{info.file_size // max(info.compress_size, 1):,} times, as a zip bomb does, "
                "so it was not opened. Open the original in Excel and save it again as .xlsm."
            )
    total = sum(info.file_size for info in infos)
    if total > MAX_TOTAL_BYTES:
        raise NotAWorkbook(
            f"{name} would inflate to {total:,} bytes, too large for a school workbook. "
            "It may be damaged or a zip bomb, so it was not opened."
        )


def read_part(data: bytes, info: zipfile.ZipInfo, record: Record | None = None) -> bytes:
    """Return one part of the zip in ``data``, inflating no more than its declared size.

    zipfile inflates a whole entry in one call before cutting it to the
    declared size, so an entry whose headers understate its size could
    still fill memory. Here the inflater stops one byte past the declared
    size and such an entry raises BadZipFile. ``record`` is the entry's
    place from locate_record, found again when not given.
    """
    record = record or locate_record(data, info)
    raw = data[record.data_start:record.data_start + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        content = raw
    else:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        content = inflater.decompress(raw, info.file_size + 1)
        if len(content) != info.file_size or not inflater.eof:
            raise zipfile.BadZipFile(f"{info.filename} does not inflate to its declared size")
    if len(content) != info.file_size or zlib.crc32(content) != info.CRC:
        raise zipfile.BadZipFile(f"Bad CRC-32 for {info.filename}")
    return content


def damaged_error(name: str, error: Exception) -> NotAWorkbook:
    """Return the error for a workbook whose zip structure or one of whose parts is damaged."""
    return NotAWorkbook(
        f"{name} is not an Excel workbook (.xlsx or .xlsm), or it is damaged or "
        f"password-protected ({error}). Open it in Excel and save it as .xlsm."
    )


class Parts(Mapping[str, bytes]):
    """The parts of a package by name, each inflated and checked by read_part when first read.

    A part that turns out to be damaged raises NotAWorkbook, with the same
    message as a package found damaged when it is opened. A name that is
    in the zip more than once maps to its last entry, as in zipfile.
    """

    def __init__(self, file_name: str, data: bytes, infos: list[zipfile.ZipInfo], records: list[Record]):
        self._file_name = file_name
        self._data = data
        self._entries = {info.filename: (info, record) for info, record in zip(infos, records)}
        self._contents: dict[str, bytes] = {}

    def __getitem__(self, name: str) -> bytes:
        content = self._contents.get(name)
        if content is not None:
            return content
        info, record = self._entries[name]
        try:
            content = read_part(self._data, info, record)
        except (zipfile.BadZipFile, zlib.error) as error:
            raise damaged_error(self._file_name, error) from error
        self._contents[name] = content
        return content

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


@dataclass
class Package:
    """A read-only view of the zip parts of a workbook."""

    path: Path
    infos: list[zipfile.ZipInfo]
    parts: Mapping[str, bytes]
    data: bytes  # the whole file as read, so other readers see the same bytes
    records: list[Record]  # where each of infos sits in data, for save to copy it

    @classmethod
    def open(cls, path: str | os.PathLike) -> "Package":
        """Read the file and its central directory, inflating no part until it is read.

        Raises NotAWorkbook for a file that is not a zip, a zip bomb judged
        on its sizes, and any entry whose local header or data is out of
        place. A part whose data does not inflate to its declared size and
        CRC raises NotAWorkbook later, when it is first read.

        NOTE: a damaged part that no command reads, such as the VBA project,
        is copied into the saved file unchanged and unreported, so the
        damage stays until Excel repairs the file.
        """
        path = Path(path)
        if not path.exists():
            raise WorkbookNotFound(f"{path} was not found. Check the path and the file name.")
        if path.is_dir():
            raise NotAWorkbook(f"{path} is a folder, not a workbook.")
        if path.stat().st_size > MAX_TOTAL_BYTES:
            raise NotAWorkbook(f"{path.name} is {path.stat().st_size:,} bytes, too large for a school workbook.")
        try:
            data = path.read_bytes()
            if data.startswith(OLE_SIGNATURE):
                raise NotAWorkbook(
                    f"{path.name} has a password to open (or is an old .xls file), so it cannot be read. "
                    "In Excel, clear the password (File > Info > Protect Workbook > Encrypt with Password) "
                    "and save it as .xlsm."
                )
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                infos = archive.infolist()
            check_sizes(path.name, infos)
            records = [locate_record(data, info) for info in infos]
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, zlib.error, struct.error) as error:
            raise damaged_error(path.name, error) from error
        parts = Parts(path.name, data, infos, records)
        if "xl/workbook.xml" not in parts:
            raise NotAWorkbook(f"{path.name} is a zip file but not an Excel workbook.")
        return cls(path, infos, parts, data, records)

    def xml(self, part: str) -> etree._Element:
        return etree.fromstring(self.parts[part])

    def rels(self, part: str) -> dict[str, tuple[str, str]]:
        """Return {relationship id: (type, target part)} for a part."""
        folder, name = posixpath.split(part)
        rels_part = posixpath.join(folder, "_rels", name + ".rels")
        if rels_part not in self.parts:
            return {}
        result = {}
        for rel in self.xml(rels_part).findall("rel:Relationship", NS):
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target")
            if target.startswith("/"):
                resolved = target.lstrip("/")
            else:
                resolved = posixpath.normpath(posixpath.join(folder, target))
            result[rel.get("Id")] = (rel.get("Type"), resolved)
        return result

    def sheet_parts(self) -> dict[str, str]:
        """Return {sheet name: worksheet part} in workbook order."""
        workbook = self.xml("xl/workbook.xml")
        rels = self.rels("xl/workbook.xml")
        result = {}
        for sheet in workbook.find("main:sheets", NS):
            rel_id = sheet.get(f"{{{NS['r']}}}id")
            kind, target = rels.get(rel_id, ("", ""))
            if kind == REL_WORKSHEET:
                result[sheet.get("name")] = target
        return result

    def save(self, out: str | os.PathLike, replacements: dict[str, bytes], compresslevel: int | None = None) -> None:
        """Write the package with some parts replaced (or added), atomically.

        The new file is written beside the target and moved over it in one
        step, so a crash or a full disk leaves the original untouched.
        Unchanged parts are copied as compressed in the source, so only the
        replaced and new parts are deflated. ``compresslevel`` is the zlib
        level (0 to 9) for those parts, and None means zlib's default (6).
        On the import benchmark's 630-pupil tracker, level 1 deflated about
        three times faster and gave a file about a fifth larger. Level 1 is
        deflated by python-isal where it is installed (zip_records.ISAL_LEVELS).
        """
        level = zlib.Z_DEFAULT_COMPRESSION if compresslevel is None else compresslevel
        out = Path(out)
        if out.is_symlink():
            # Replacing the link itself would leave the workbook it points to unchanged.
            out = Path(os.path.realpath(out))
        check_writable(out)
        remove_stale_temporary_files(out.parent)
        entries = self._entries(replacements, level)
        try:
            fd, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=out.parent)
        except OSError as error:
            raise SaveFailed.from_os_error(out, error) from error
        try:
            with os.fdopen(fd, "wb") as handle:
                write_package(handle, self.data, entries)
                handle.flush()
                os.fsync(handle.fileno())
            if out.exists():
                os.chmod(temp_name, out.stat().st_mode & 0o777)
            os.replace(temp_name, out)
        except BaseException as error:
            if os.path.exists(temp_name):
                os.unlink(temp_name)
            if isinstance(error, OSError):
                raise SaveFailed.from_os_error(out, error) from error
            if isinstance(error, Zip64Required):
                raise SaveFailed(f"{out.name} could not be saved: {error}. Nothing was changed.") from error
            raise

    def _entries(self, replacements: dict[str, bytes], level: int) -> list[Entry]:
        """Return the entries to write: each source entry, copied or replaced, then the new parts.

        Replaced and new parts are deflated here (a stored source entry
        stays stored). Every other entry is copied as its record is,
        without being inflated.
        """
        names = {info.filename for info in self.infos}
        entries = []
        for info, record in zip(self.infos, self.records):
            if info.filename in replacements:
                entries.append(Entry(info, None, replacements[info.filename]))
            else:
                entries.append(Entry(info, record))
        for name, content in replacements.items():
            if name not in names:
                entries.append(Entry(_new_info(name), None, content))

        compress_entries(entries, level)
        return entries


def _new_info(name: str) -> zipfile.ZipInfo:
    # A fixed timestamp keeps builds and refreshes reproducible.
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info

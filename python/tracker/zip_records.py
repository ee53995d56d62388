"""Zip records of a workbook package: find each entry's bytes, and write a package from them.

A save copies every unchanged entry's local header, compressed data and
data descriptor exactly as they are in the source file, and deflates only
the replaced and new parts. Python's zipfile cannot write data that is
already compressed, so the records are written here by hand. They follow
the layout of PKWARE's APPNOTE.TXT that zipfile also writes: local file
header, data, data descriptor, central directory, end of central
directory record.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

try:
    from isal import isal_zlib
except ImportError:  # pyproject.toml installs isal only where it has wheels, and zlib writes the same format
    isal_zlib = None

LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
LOCAL_SIGNATURE = b"PK\x03\x04"
CENTRAL_HEADER = struct.Struct("<4sBBBBHHHHIIIHHHHHII")
CENTRAL_SIGNATURE = b"PK\x01\x02"
END_RECORD = struct.Struct("<4sHHHHIIH")
END_SIGNATURE = b"PK\x05\x06"
DESCRIPTOR_SIGNATURE = b"PK\x07\x08"
ZIP64_EXTRA_ID = 0x0001
# Flag bit 3: the CRC and sizes follow the data in a data descriptor.
FLAG_DATA_DESCRIPTOR = 0x08
FLAG_ENCRYPTED = 0x01
# Flag bit 11: the name is UTF-8, not code page 437.
FLAG_UTF8 = 0x800
# Without Zip64 records, offsets and sizes are 32-bit and the entry count 16-bit.
MAX_OFFSET = 0xFFFFFFFF
MAX_ENTRIES = 0xFFFF
# zlib levels that python-isal (ISA-L) deflates instead, with the ISA-L level
# of about the same size. On the import benchmark's 2.6 MB of changed parts,
# ISA-L level 1 took 2.4 ms against zlib level 1's 6.6 ms, for 235 KB against
# 237 KB (python-isal 1.9.1, Python 3.11.7, the 2-core development machine).
ISAL_LEVELS = {1: 1}


class Zip64Required(ValueError):
    """The package is too large for 32-bit zip records, and this writer does not write Zip64 ones."""


@dataclass(frozen=True)
class Record:
    """Byte offsets of one entry in the source file."""

    start: int  # the local file header
    data_start: int  # the compressed data
    end: int  # one past the data descriptor, or past the data when there is none


@dataclass
class Entry:
    """One entry of the package being written."""

    info: zipfile.ZipInfo
    source: Record | None  # where to copy the entry from, or None to write new content
    content: bytes = b""  # the new content, when source is None
    compressed: bytes = b""  # set by compress_entries
    crc: int = 0  # set by compress_entries


def locate_record(data: bytes, info: zipfile.ZipInfo) -> Record:
    """Return where ``info``'s entry sits in ``data``, checking what can be checked without inflating.

    Raises BadZipFile for a missing local header, an encrypted entry, a
    compression method Excel does not write, data that runs past the end
    of the file, or a data descriptor that disagrees with the central
    directory.
    """
    start = info.header_offset
    if data[start:start + 4] != LOCAL_SIGNATURE:
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    if info.flag_bits & FLAG_ENCRYPTED:
        raise zipfile.BadZipFile(f"{info.filename} is encrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise zipfile.BadZipFile(f"{info.filename} uses a compression Excel does not write")
    name_length, extra_length = struct.unpack_from("<HH", data, start + 26)
    data_start = start + LOCAL_HEADER.size + name_length
    local_extra = data[data_start:data_start + extra_length]
    data_start += extra_length
    end = data_start + info.compress_size
    if info.flag_bits & FLAG_DATA_DESCRIPTOR:
        end += _descriptor_length(data, info, end, _has_zip64(local_extra))
    if end > len(data):
        raise zipfile.BadZipFile(f"{info.filename} runs past the end of the file")
    return Record(start, data_start, end)


def _descriptor_length(data: bytes, info: zipfile.ZipInfo, at: int, zip64: bool) -> int:
    """Return the length of the data descriptor at ``at``, after checking it against the central directory.

    The descriptor's signature is optional, and its sizes are 8 bytes when
    the local header has a Zip64 extra field (APPNOTE 4.3.9).
    """
    size_format = "<QQ" if zip64 else "<II"
    signed = data[at:at + 4] == DESCRIPTOR_SIGNATURE
    first = at + 4 if signed else at
    try:
        (crc,) = struct.unpack_from("<I", data, first)
        compress_size, file_size = struct.unpack_from(size_format, data, first + 4)
    except struct.error as error:
        raise zipfile.BadZipFile(f"the data descriptor of {info.filename} is cut off") from error
    if (crc, compress_size, file_size) != (info.CRC, info.compress_size, info.file_size):
        raise zipfile.BadZipFile(f"the data descriptor of {info.filename} disagrees with the central directory")
    return first + 4 + struct.calcsize(size_format) - at


def _has_zip64(extra: bytes) -> bool:
    return any(field_id == ZIP64_EXTRA_ID for field_id, _ in _extra_fields(extra))


def _extra_fields(extra: bytes) -> Iterator[tuple[int, bytes]]:
    """Yield (header id, whole field) for each field of a zip extra block."""
    position = 0
    while position + 4 <= len(extra):
        field_id, length = struct.unpack_from("<HH", extra, position)
        yield field_id, extra[position:position + 4 + length]
        position += 4 + length


def without_zip64(extra: bytes) -> bytes:
    """Return an extra block without its Zip64 field, because the headers written beside it contain 32-bit sizes."""
    return b"".join(field for field_id, field in _extra_fields(extra) if field_id != ZIP64_EXTRA_ID)


def encoded_name(info: zipfile.ZipInfo) -> bytes:
    """Return the entry name as its headers store it: UTF-8 with flag bit 11, else code page 437."""
    encoding = "utf-8" if info.flag_bits & FLAG_UTF8 else "cp437"
    return info.orig_filename.encode(encoding)


def compress_entries(entries: list[Entry], level: int) -> None:
    """Fill in the CRC and compressed bytes of every entry with new content.

    Deflated entries are compressed at zlib ``level``, by ISA-L when it is
    installed and has a matching level (ISAL_LEVELS), and stored entries
    are kept as they are. Either library gives the same bytes every run.
    """
    crc32 = zlib.crc32 if isal_zlib is None else isal_zlib.crc32
    isal_level = None if isal_zlib is None else ISAL_LEVELS.get(level)
    for entry in entries:
        if entry.source is not None:
            continue
        entry.crc = crc32(entry.content)
        if entry.info.compress_type != zipfile.ZIP_DEFLATED:
            entry.compressed = entry.content
        elif isal_level is not None:
            entry.compressed = isal_zlib.compress(entry.content, isal_level, -zlib.MAX_WBITS)
        else:
            # Raw deflate (negative wbits) is what a zip entry contains, and zipfile uses the same settings.
            entry.compressed = zlib.compress(entry.content, level, -zlib.MAX_WBITS)


def write_package(handle: BinaryIO, data: bytes, entries: list[Entry]) -> None:
    """Write a zip of ``entries`` to ``handle``: copied records as they are, new ones with fresh headers.

    Every entry with new content must have been through compress_entries. Raises Zip64Required when the package
    is over 4 GiB or has over 65,535 entries.
    """
    view = memoryview(data)
    central = []
    offset = 0
    for entry in entries:
        if entry.source is not None:
            chunks = [view[entry.source.start:entry.source.end]]
            info = entry.info
            name = encoded_name(info)
            flags = info.flag_bits
            extract_version = info.extract_version
        else:
            info, name, flags, extract_version, chunks = _new_record(entry)
        central.append(_central_header(info, name, flags, extract_version, offset))
        for chunk in chunks:
            handle.write(chunk)
            offset += len(chunk)
    directory = b"".join(central)
    if offset > MAX_OFFSET or len(entries) > MAX_ENTRIES:
        raise Zip64Required("it would be over 4 GiB or have over 65,535 parts, more than pptracker can write")
    handle.write(directory)
    handle.write(END_RECORD.pack(END_SIGNATURE, 0, 0, len(entries), len(entries), len(directory), offset, 0))


def _new_record(entry: Entry) -> tuple[zipfile.ZipInfo, bytes, int, int, list[bytes]]:
    """Return (info, name, flags, version needed, chunks) for an entry with new content.

    The info gets the new CRC and sizes. As zipfile does, the flags are
    reset, bit 11 is set for a name outside ASCII, and deflated entries
    need version 2.0. The Zip64 extra field is dropped because the sizes
    are written in the 32-bit fields.
    """
    old = entry.info
    info = zipfile.ZipInfo(old.filename, date_time=old.date_time)
    for attribute in ("compress_type", "comment", "create_system", "create_version", "extract_version",
                      "reserved", "volume", "internal_attr", "external_attr"):
        setattr(info, attribute, getattr(old, attribute))
    info.extra = without_zip64(old.extra)
    info.file_size = len(entry.content)
    info.compress_size = len(entry.compressed)
    info.CRC = entry.crc
    if info.file_size > MAX_OFFSET or info.compress_size > MAX_OFFSET:
        raise Zip64Required(f"its part {info.filename} would be over 4 GiB, more than pptracker can write")

    flags = 0 if info.filename.isascii() else FLAG_UTF8
    name = info.filename.encode("ascii" if flags == 0 else "utf-8")
    info.flag_bits = flags
    extract_version = info.extract_version
    if info.compress_type == zipfile.ZIP_DEFLATED:
        extract_version = max(extract_version, 20)
    dos_time, dos_date = _dos_time_date(info)
    header = LOCAL_HEADER.pack(LOCAL_SIGNATURE, extract_version, flags, info.compress_type, dos_time, dos_date,
                               info.CRC, info.compress_size, info.file_size, len(name), len(info.extra))
    return info, name, flags, extract_version, [header, name, info.extra, entry.compressed]


def _central_header(info: zipfile.ZipInfo, name: bytes, flags: int, extract_version: int, offset: int) -> bytes:
    """Return the central directory record of one entry whose local header is at ``offset``.

    The fields come from ``info``, as zipfile's append mode rewrites a
    central directory, with any Zip64 extra field dropped because every
    size and offset here fits in 32 bits.
    """
    extra = without_zip64(info.extra)
    if max(info.file_size, info.compress_size, offset) > MAX_OFFSET:
        raise Zip64Required("it would be over 4 GiB, more than pptracker can write")
    dos_time, dos_date = _dos_time_date(info)
    header = CENTRAL_HEADER.pack(
        CENTRAL_SIGNATURE, info.create_version, info.create_system, extract_version, info.reserved, flags,
        info.compress_type, dos_time, dos_date, info.CRC, info.compress_size, info.file_size, len(name),
        len(extra), len(info.comment), info.volume, info.internal_attr, info.external_attr, offset,
    )
    return header + name + extra + info.comment


def _dos_time_date(info: zipfile.ZipInfo) -> tuple[int, int]:
    year, month, day, hour, minute, second = info.date_time
    return hour << 11 | minute << 5 | second // 2, (year - 1980) << 9 | month << 5 | day

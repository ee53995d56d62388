"""Office password encryption and atomic writes for exported workbooks.

The unencrypted workbook stays in memory: only the finished bytes, already
encrypted when a password is given, are written to disk.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import msoffcrypto
from msoffcrypto.format.ooxml import OOXMLFile

from .errors import TrackerError
from .package import check_writable


class EncryptionFailed(TrackerError):
    """The workbook could not be encrypted, so nothing was written."""


def encrypt_workbook(data: bytes, password: str) -> bytes:
    """Return an .xlsx encrypted with Office agile password encryption.

    Excel prompts for the password before it shows anything. The result is an
    OLE compound file, as Excel itself writes for a password-protected file.
    """
    if not password:
        raise EncryptionFailed("The password is empty. Type a password, or export without one.")
    encrypted = io.BytesIO()
    try:
        OOXMLFile(io.BytesIO(data)).encrypt(password, encrypted)
    except msoffcrypto.exceptions.EncryptionError as error:
        raise EncryptionFailed(f"The export could not be encrypted ({error}). Nothing was written.") from error
    return encrypted.getvalue()


def decrypt_workbook(data: bytes, password: str) -> bytes:
    """Return the .xlsx inside an encrypted workbook.

    Raises msoffcrypto.exceptions.InvalidKeyError for a wrong password.
    """
    office_file = msoffcrypto.OfficeFile(io.BytesIO(data))
    office_file.load_key(password=password, verify_password=True)
    plain = io.BytesIO()
    office_file.decrypt(plain)
    return plain.getvalue()


def write_atomic(out: str | os.PathLike, data: bytes) -> Path:
    """Write bytes to ``out`` through a temporary file beside it, then rename.

    A crash or a full disk leaves any earlier file at ``out`` untouched, and
    the temporary file is removed on every error.
    """
    out = Path(out)
    if out.is_symlink():
        # Replacing the link itself would leave the file it points to as it was.
        out = Path(os.path.realpath(out))
    check_writable(out)
    fd, temp_name = tempfile.mkstemp(prefix=".~pptracker-", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, out)
    except BaseException:
        if os.path.exists(temp_name):
            os.unlink(temp_name)
        raise
    return out

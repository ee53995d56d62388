"""UPN checks for imported registers, worded as on Data issues."""

from __future__ import annotations

import re

from stdnum.gb import upn as upn_check

from ..core.register import _upn_problem


def normalise_upn(value: object) -> str:
    """Return a UPN as the DfE writes it: upper case, no spaces."""
    return re.sub(r"\s+", "", str(value)).upper()


def is_valid_upn(upn: str) -> bool:
    """Return whether a UPN passes the DfE check: 13 characters with a correct check letter."""
    return bool(upn_check.is_valid(upn))


def upn_problem(upn: str) -> str:
    """Return why a UPN fails the check, in the words Data issues uses."""
    return _upn_problem(upn)

"""UPN checks for imported registers, worded as on Data issues."""

from __future__ import annotations

import re

from ..core.register import _upn_problem, is_valid_upn

__all__ = ["is_valid_upn", "normalise_upn", "upn_problem"]


def normalise_upn(value: object) -> str:
    """Return a UPN as the DfE writes it: upper case, no spaces."""
    return re.sub(r"\s+", "", str(value)).upper()


def upn_problem(upn: str) -> str:
    """Return why a UPN fails the check, in the words Data issues uses."""
    return _upn_problem(upn)

"""Match rows of teachers' files to pupils on the register, by UPN or by name and class.

A name that fits two pupils, or none, is reported and never guessed.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from ..core.tables import display, fold

_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc`\u00b4]")
_DASHES = re.compile(r"[\-\u2010-\u2015\u2212]")
_SPACE = re.compile(r"[\s,]+")
_CLASS_WORD = re.compile(r"^(class|form)\s+")
_LEADING_ZEROS = re.compile(r"^0+(?=\d)")


def name_key(text: object) -> str:
    """Return a name folded for matching.

    Case, accents and spacing are folded as elsewhere, apostrophes of every
    kind dropped, and hyphens and commas read as spaces, so "O’Brien" matches
    "OBrien", "Smith-Jones" matches "Smith Jones" and "Smith, Amy" matches
    "Smith Amy".
    """
    if isinstance(text, str):
        return _text_name_key(text)
    return _name_key(text)


@lru_cache(maxsize=16384)
def _text_name_key(text: str) -> str:
    # Cached because every row's name and class is folded, and the same
    # class names are folded again for each candidate pupil.
    return _name_key(text)


def _name_key(text: object) -> str:
    folded = fold(text)
    folded = _APOSTROPHES.sub("", folded)
    folded = _DASHES.sub(" ", folded)
    return _SPACE.sub(" ", folded).strip(" ,")


def class_key(text: object) -> str:
    """Return a class name folded for matching, with a leading 'class' and leading zeros dropped."""
    return _class_key(name_key(display(text)))


@lru_cache(maxsize=4096)
def _class_key(key: str) -> str:
    key = _CLASS_WORD.sub("", key)
    return _LEADING_ZEROS.sub("", key)


@dataclass(frozen=True)
class Pupil:
    upn: str
    name: str
    class_name: str | None
    year: str | None


@dataclass(frozen=True)
class Match:
    """The pupil a row belongs to, or the reason none was chosen."""

    pupil: Pupil | None
    problem: str | None = None
    by: str = ""  # "UPN" or "name"


class Roster:
    """The register indexed by UPN and by every order of each pupil's name."""

    def __init__(self, pupils: pd.DataFrame):
        self.by_upn: dict[str, Pupil] = {}
        self.by_name: dict[str, list[Pupil]] = {}
        self.classes: dict[str, str] = {}
        for record in pupils.itertuples():
            klass = None if record.class_name is None or pd.isna(record.class_name) else str(record.class_name)
            pupil = Pupil(record.upn, str(record.name), klass, record.year)
            self.by_upn[record.upn] = pupil
            forename, surname = name_key(record.forename), name_key(record.surname)
            for key in {f"{forename} {surname}", f"{surname} {forename}"}:
                key = key.strip()
                if key:
                    self.by_name.setdefault(key, []).append(pupil)
            if klass:
                self.classes.setdefault(class_key(klass), klass)

    def class_in(self, *texts: object) -> str | None:
        """Return the one register class named in the first text that names exactly one."""
        for text in texts:
            words = name_key(text).split(" ")
            found = set()
            for key, klass in self.classes.items():
                size = len(key.split(" "))
                for start in range(len(words) - size + 1):
                    if class_key(" ".join(words[start:start + size])) == key:
                        found.add(klass)
            if len(found) == 1:
                return found.pop()
        return None

    def match(self, upn: object, names: list[str], klass: str | None, year: str | None) -> Match:
        """Return the pupil for a row.

        ``names`` are the ways the row spells the pupil's name, any order of
        forename and surname. ``klass`` and ``year``, when known, must agree
        with the register, so a pupil of the same name in another class is
        never chosen.
        """
        upn_text = str(display(upn)).strip().upper() if upn is not None else ""
        if upn_text in self.by_upn:
            return Match(self.by_upn[upn_text], by="UPN")

        shown = next((n for n in names if n), "")
        candidates: dict[str, Pupil] = {}
        for name in names:
            for pupil in self.by_name.get(name_key(name), []):
                candidates[pupil.upn] = pupil
        found = list(candidates.values())
        narrowed = [p for p in found if _same_class(p, klass) and _same_year(p, year)]
        where = ""
        if klass:
            where = f" in class {klass}"
        elif year:
            where = f" in Year {year}"

        if len(narrowed) == 1:
            return Match(narrowed[0], by="name")
        if len(narrowed) > 1:
            classes = ", ".join(sorted({p.class_name or "no class" for p in narrowed}))
            return Match(None, f"{len(narrowed)} pupils on the register are called '{shown}'{where} "
                               f"(classes {classes}). Add the UPN to the file to say which.")
        if found:
            others = ", ".join(sorted({p.class_name or "no class" for p in found}))
            return Match(None, f"No pupil called '{shown}' is on the register{where}; "
                               f"a pupil of that name is in {others}.")
        hint = self._close_name(shown, klass)
        suffix = f" Did you mean {hint}?" if hint else ""
        if upn_text:
            return Match(None, f"Neither the UPN {upn_text} nor the name '{shown}' is on the register.{suffix}")
        return Match(None, f"No pupil called '{shown}' is on the register{where}.{suffix}")

    def _close_name(self, name: str, klass: str | None) -> str | None:
        pool = {key: pupils for key, pupils in self.by_name.items()
                if any(_same_class(p, klass) for p in pupils)}
        close = difflib.get_close_matches(name_key(name), list(pool), n=1, cutoff=0.8)
        if not close:
            return None
        return pool[close[0]][0].name


def _same_class(pupil: Pupil, klass: str | None) -> bool:
    return klass is None or (pupil.class_name is not None and class_key(pupil.class_name) == class_key(klass))


def _same_year(pupil: Pupil, year: str | None) -> bool:
    return year is None or pupil.year == year

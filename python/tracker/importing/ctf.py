"""DfE Common Transfer Files (CTF, XML): pupils, and Ever 6 FSM worked out at a census date.

A CTF carries each pupil's free school meal history as FSMinstance periods
(start date, optional end date) under FSMhistory. Element names follow the
CTF specification that the DfE publishes each year (CTF 15 to CTF 21 use
the same names for the parts read here): CTfile > CTFpupilData > Pupil with
UPN, Surname, Forename, BasicDetails (PreferredForename, NCyearActual,
Languages), LookedAfter (InCare), FSMhistory and SENhistory.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from lxml import etree

from .register_rows import RegisterRow
from .sources import UnreadableFile

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, huge_tree=False)

# Ever 6 FSM looks back six years from the census date.
EVER6_YEARS = 6


@dataclass(frozen=True)
class FsmPeriod:
    start: date
    end: date | None  # None while the pupil is still eligible


def is_ctf(data: bytes) -> bool:
    """Return whether bytes look like a CTF: XML whose root element is CTfile."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<") and b"CTfile" in head


def ever6(periods: list[FsmPeriod], census: date) -> bool:
    """Return whether a pupil counts as Ever 6 FSM at a census date.

    True when any period of eligibility began on or before the census date
    and had not ended more than six years before it. Each school census
    collects the periods of eligibility since the one before, and the DfE
    counts a pupil with at least one period in the six years ("School
    census spring: user guide for the pupil premium funding report"), so a
    short period between two census days counts here as it does there.
    NOTE: the DfE leaves out periods recorded outside England, by a country
    code on each period. This reader does not look for one, so such a
    period counts here.
    """
    window_start = _years_before(census, EVER6_YEARS)
    return any(p.start <= census and (p.end is None or p.end >= window_start) for p in periods)


def eligible_on(periods: list[FsmPeriod], day: date) -> bool:
    """Return whether a pupil was eligible for FSM on a day."""
    return any(p.start <= day and (p.end is None or p.end >= day) for p in periods)


def read_ctf(data: bytes, label: str, census: date) -> list[RegisterRow]:
    """Return one register row per pupil in a CTF, with FSM and Ever 6 FSM at the census date."""
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as error:
        raise UnreadableFile(f"{label} is not a valid CTF: the XML is damaged ({error}). "
                             "Export the CTF from the MIS again.") from None
    if etree.QName(root).localname != "CTfile":
        raise UnreadableFile(f"{label} is XML but not a Common Transfer File (its root is not CTfile).")
    rows = []
    for pupil in root.iterfind(".//{*}CTFpupilData/{*}Pupil"):
        rows.append(_pupil_row(pupil, label, census))
    if not rows:
        raise UnreadableFile(f"{label} is a CTF with no pupils in it.")
    return rows


def _pupil_row(pupil: etree._Element, label: str, census: date) -> RegisterRow:
    row = RegisterRow(label, None, f"line {pupil.sourceline}")

    def put(role: str, element: etree._Element | None, value: object = None) -> None:
        if element is None:
            return
        row.values[role] = _text(element) if value is None else value
        row.cells[role] = f"line {element.sourceline}"

    put("upn", pupil.find("{*}UPN"))
    put("surname", pupil.find("{*}Surname"))
    details = pupil.find("{*}BasicDetails")
    preferred = details.find("{*}PreferredForename") if details is not None else None
    put("forename", preferred if preferred is not None and _text(preferred) else pupil.find("{*}Forename"))
    if details is not None:
        put("year", details.find("{*}NCyearActual"))
        for language in details.iterfind("{*}Languages/{*}Type"):
            if (_text(language.find("{*}TypeID")) or "").upper() == "FIR":
                put("eal", language.find("{*}LanguageCode"))

    in_care = pupil.find("{*}LookedAfter/{*}InCare")
    put("lac", in_care)

    history = pupil.find("{*}FSMhistory")
    if history is not None:
        periods = []
        for instance in history.iterfind("{*}FSMinstance"):
            start = _date(instance.find("{*}FSMstartDate"))
            if start is not None:
                periods.append(FsmPeriod(start, _date(instance.find("{*}FSMendDate"))))
        put("fsm", history, "Y" if eligible_on(periods, census) else "N")
        put("ever6", history, "Y" if ever6(periods, census) else "N")

    provisions = []
    for sen in pupil.iterfind("{*}SENhistory/{*}SEN"):
        provision = sen.find("{*}SENprovision")
        if provision is not None and _text(provision):
            provisions.append((_date(sen.find("{*}StartDate")) or date.min, sen.sourceline, provision))
    if provisions:
        put("sen", max(provisions, key=lambda item: (item[0], item[1]))[2])
    return row


def _text(element: etree._Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    return element.text.strip() or None


def _date(element: etree._Element | None) -> date | None:
    text = _text(element)
    if not text:
        return None
    try:
        return datetime.strptime(text[:10], "%Y-%m-%d").date()
    except ValueError:
        return None


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)

"""Parsing of cell values: dates, times, numbers, e-mails and lists.

Each parser returns the typed value or raises ValueError with a French reason that
validate.py puts into the problem's message.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from pipeline.workbook.schema import CIVILITE_ALIASES, MISSION_TYPE_ALIASES, PUBLICS, STATUT_ALIASES, normalize

EXCEL_EPOCH = dt.date(1899, 12, 30)
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_TIME = re.compile(r"^(\d{1,2})\s*(?:h|:|H)\s*(\d{2})?(?:\s*(?::)\s*\d{2})?$")
_ACADEMIC_YEAR = re.compile(r"^(\d{4})\s*[-/–—]\s*(\d{2}|\d{4})$")
_EMAIL = re.compile(r"^[^@\s<>\"(),;:]+@[^@\s<>\"(),;:]+\.[A-Za-z]{2,}$")


def parse_date(value: Any, years: tuple[int, int] | None = None) -> dt.date:
    """A date from a cell; a two-digit year is read within `years` (the promotion's), else 20xx."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # Excel serial numbers up to 31/12/9999
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise ValueError("ce nombre n'est pas une date Excel")
    text = str(value).strip()
    if m := _DMY.match(text):
        day, month, year = (int(g) for g in m.groups())
        if len(m.group(3)) == 2:
            year = _full_year(year, years)
        return _make_date(year, month, day, text)
    if m := _ISO.match(text):
        year, month, day = (int(g) for g in m.groups())
        return _make_date(year, month, day, text)
    raise ValueError("date illisible")


def _full_year(two_digits: int, years: tuple[int, int] | None) -> int:
    """« 24 » in a 2024-2025 promotion is 2024; otherwise the nearest year ending so."""
    if years is None:
        return 2000 + two_digits
    for year in years:
        if year % 100 == two_digits:
            return year
    base = years[0] // 100 * 100 + two_digits
    return min((base - 100, base, base + 100), key=lambda y: abs(y - years[0]))


def parse_academic_year(value: Any) -> tuple[dt.date, dt.date]:
    """« 2023-2024 » → 1 September 2023 to 30 September 2024 (September juries included)."""
    m = _ACADEMIC_YEAR.match(str(value).strip())
    if not m:
        raise ValueError("année universitaire illisible")
    first = int(m.group(1))
    second = int(m.group(2)) if len(m.group(2)) == 4 else _full_year(int(m.group(2)), (first, first + 1))
    if second != first + 1:
        raise ValueError("une année universitaire couvre deux années qui se suivent")
    return dt.date(first, 9, 1), dt.date(second, 9, 30)


def likely_in_year(day: dt.date, start: dt.date, end: dt.date) -> dt.date | None:
    """The same day and month within the academic year [start, end], when there is one."""
    candidates = []
    for year in (start.year, end.year):
        try:
            candidates.append(day.replace(year=year))
        except ValueError:  # 29 February
            continue
    inside = [c for c in candidates if start <= c <= end]
    return min(inside, key=lambda c: abs((c - day).days)) if inside else None


def _make_date(year: int, month: int, day: int, text: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"la date {text} n'existe pas (jour ou mois impossible)") from None


def parse_time(value: Any) -> dt.time:
    if isinstance(value, dt.datetime):
        return value.time().replace(second=0, microsecond=0)
    if isinstance(value, dt.time):
        return value.replace(second=0, microsecond=0)
    if isinstance(value, float) and 0 <= value < 1:
        minutes = round(value * 24 * 60)
        return dt.time(minutes // 60, minutes % 60)
    text = str(value).strip().lower()
    if m := _TIME.match(text):
        hour, minute = int(m.group(1)), int(m.group(2) or 0)
        if hour < 24 and minute < 60:
            return dt.time(hour, minute)
    raise ValueError("heure illisible")


def parse_number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("ce n'est pas un nombre")
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    text = re.sub(r"(?i)(h|heures?|pts?|points?)$", "", text).replace(",", ".")
    try:
        return float(text)
    except ValueError:
        raise ValueError("ce n'est pas un nombre") from None


def parse_int(value: Any) -> int:
    number = parse_number(value)
    if number != int(number):
        raise ValueError("un nombre entier est attendu")
    return int(number)


def parse_email(value: Any) -> str:
    text = str(value).strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    if not _EMAIL.match(text):
        raise ValueError("adresse électronique mal formée")
    return text


def is_service_civique(value: Any) -> bool:
    """A service civique is a stage for the programme, but documents say which."""
    return "servicecivique" in normalize(value)


# What a lenient match may drop without a word: case, accents, spaces and the usual separators.
_USUAL_SEPARATORS = frozenset(" \t\n\u00a0·•.-‐–_'’/(),")


def ignored_characters(value: Any) -> str:
    """The characters of a list value that matching dropped beyond the usual ones (« ??? »), or ""."""
    text = unicodedata.normalize("NFKD", str(value))
    return "".join(c for c in text if not c.isalnum() and not unicodedata.combining(c) and c not in _USUAL_SEPARATORS)


def parse_statut(value: Any) -> str:
    key = STATUT_ALIASES.get(normalize(value))
    if key is None:
        raise ValueError("statut inconnu")
    return key


def parse_mission_type(value: Any) -> str:
    key = MISSION_TYPE_ALIASES.get(normalize(value))
    if key is None:
        raise ValueError("type de mission inconnu")
    return key


def parse_public(value: Any) -> str:
    key = PUBLICS.get(normalize(value))
    if key is None:
        raise ValueError("public inconnu")
    return key


def parse_civilite(value: Any) -> str:
    key = str(value).strip().lower().rstrip(".")
    found = CIVILITE_ALIASES.get(key)
    if found is None:
        raise ValueError("civilité inconnue")
    return found


_ADDRESS_IN_TEXT = re.compile(r"\s*<?\s*(?:mailto:)?[^\s<>@,;]+@[^\s<>@,;]+\.[A-Za-z]{2,}\s*>?")


def without_address(text: str) -> str:
    """A name as it may be printed: « Karim Haddad <k.haddad@x.org> » → « Karim Haddad » (no address, ever)."""
    return re.sub(r"\s{2,}", " ", _ADDRESS_IN_TEXT.sub("", text).replace("<>", "")).strip(" ,;")


def identifier(value: Any) -> str:
    """An identifier typed as a number in Excel (22004512.0) or as text ('022004512')."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


# Line breaks as Excel (Alt+Entrée), LibreOffice or a paste from the web write them.
_LINE_BREAKS = re.compile(r"\s*[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]\s*")


def has_line_break(value: str) -> bool:
    return bool(_LINE_BREAKS.search(value))


def one_line(value: str) -> str:
    """`value` on one line: each line break, with the spaces around it, becomes one space.

    For what must hold on one line: a mail header, an iCalendar SUMMARY, a bookmark, a CSV cell.
    """
    return _LINE_BREAKS.sub(" ", value).strip()


def split_list(value: str) -> tuple[str, ...]:
    """Jury members: one per line, or separated by semicolons."""
    parts = re.split(r"[\n;]", value)
    return tuple(p.strip() for p in parts if p.strip())

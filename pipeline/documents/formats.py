"""French formatting of dates, times, numbers, plurals and file names (babel)."""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata

from babel.dates import format_date

LOCALE = "fr_FR"


@functools.lru_cache(maxsize=4096)  # babel is slow, and a promotion has few distinct dates for many documents
def long_date(day: dt.date | None) -> str:
    """"mardi 5 décembre 2023", "vendredi 1er décembre 2023"."""
    if day is None:
        return ""
    text = format_date(day, "EEEE d MMMM y", locale=LOCALE)
    if day.day == 1:
        text = text.replace(" 1 ", " 1er ", 1)
    return text


def short_date(day: dt.date | None) -> str:
    return "" if day is None else day.strftime("%d/%m/%Y")


def date_range(start: dt.date | None, end: dt.date | None) -> str:
    if start is None:
        return ""
    if end is None or end == start:
        return long_date(start)
    return f"du {long_date(start)} au {long_date(end)}"


def short_range(start: dt.date | None, end: dt.date | None) -> str:
    if start is None:
        return ""
    if end is None or end == start:
        return short_date(start)
    return f"{short_date(start)} – {short_date(end)}"


def time_fr(value: dt.time | int | None) -> str:
    """« 9 h 30 », « 14 h » (the typographic French form): the one way copar writes an hour, in every
    document and message. `value` is a time or minutes since midnight (24 * 60 is « 24 h »)."""
    if value is None:
        return ""
    hour, minute = (value.hour, value.minute) if isinstance(value, dt.time) else divmod(value, 60)
    return f"{hour} h {minute:02d}" if minute else f"{hour} h"


def time_range_fr(start: dt.time | int | None, end: dt.time | int | None) -> str:
    """« 14 h – 16 h 30 »; the start alone without an end."""
    if end is None:
        return time_fr(start)
    return f"{time_fr(start)} – {time_fr(end)}"


_SPAN = re.compile(r"(\d{1,2})\s*[hH:]\s*(\d{2})?\s*(?:[–—-]|à)\s*(\d{1,2})\s*[hH:]\s*(\d{2})?")


def time_span(text: str) -> tuple[dt.time, dt.time] | None:
    """« 14h–16h30 », « 14:00 - 16:30 », « 14 h à 16 h 30 » → (14:00, 16:30); None when not a time range."""
    m = _SPAN.search(text or "")
    if not m:
        return None
    h1, m1, h2, m2 = (int(g or 0) for g in m.groups())
    if not (h1 < 24 and h2 < 24 and m1 < 60 and m2 < 60):
        return None
    start, end = dt.time(h1, m1), dt.time(h2, m2)
    return (start, end) if end > start else None


def horaire_fr(text: str) -> str:
    """A Horaire as typed (« 14h–16h30 ») written the one way (« 14 h – 16 h 30 »); other text as it is."""
    span = time_span(text)
    if span is None:
        return text
    m = _SPAN.search(text)
    assert m is not None
    written = f"{time_fr(span[0])} à {time_fr(span[1])}" if "à" in m.group(0) else time_range_fr(*span)
    return f"{text[:m.start()]}{written}{text[m.end():]}"


def number_fr(value: float | None) -> str:
    """"7,5", "8", "" for None."""
    if value is None:
        return ""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def hours_fr(value: float | None) -> str:
    return "" if value is None else f"{number_fr(value)} h"


_VOWELS = "aeiouyhàâäéèêëîïôöùûüÿœæ"  # before a vowel or a mute h, « de » and « le / la » elide


def _elides(word: str) -> bool:
    return bool(word) and word[0].lower() in _VOWELS


def de(phrase: str) -> str:
    """« de » before a name or a noun phrase, as French writes it.

    « d'Antoine », « de Marie », « de l'équipe », « du jury », « des membres », « d'Hélène ».
    """
    phrase = phrase.strip()
    article, _, rest = phrase.partition(" ")
    if rest and article.lower() in ("le", "la") and _elides(rest):
        return f"de l'{rest}"
    if rest and article.lower() == "le":
        return f"du {rest}"
    if rest and article.lower() == "les":
        return f"des {rest}"
    if article.lower().startswith(("l'", "l’")):
        return f"de {phrase}"
    return f"d'{phrase}" if _elides(phrase) else f"de {phrase}"


# Letters that Unicode does not decompose into a base letter and an accent.
_TRANSLIT = str.maketrans({"Ø": "O", "ø": "o", "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "ß": "ss", "Ł": "L",
                           "ł": "l", "Đ": "D", "đ": "d", "Þ": "Th", "þ": "th", "ı": "i"})


def slug(text: str, limit: int = 60) -> str:
    """A safe, readable file-name part: ascii letters, digits and dashes only ("Ørsted" → "orsted")."""
    text = unicodedata.normalize("NFKD", text.translate(_TRANSLIT))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return text[:limit].strip("-") or "sans-nom"


def plural(n: int, word: str, words: str | None = None) -> str:
    """"1 document", "3 documents", "0 document" (French: 0 and 1 are singular)."""
    return f"{n} {word if n <= 1 else (words or word + 's')}"


def gendered(civilite: str, feminine: str, masculine: str, inclusive: str) -> str:
    """The word for a person the workbook says how to address (« Madame » / « Monsieur »), else the inclusive
    one: gendered("Madame", "étudiante", "étudiant", "étudiant·e") → "étudiante"."""
    return {"Madame": feminine, "Monsieur": masculine}.get(civilite, inclusive)

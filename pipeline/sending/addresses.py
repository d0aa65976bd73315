"""Who a message goes to: names and validated addresses, found in the workbook's free text.

A recipient keeps its name even when no usable address is known, so that the drafts and
the mailing list can say who is missing instead of dropping them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.headerregistry import Address

from pipeline.workbook.parse import one_line
from pipeline.workbook.schema import normalize

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
ADDRESS = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})*\.[A-Za-z]{{2,}}")
_FULL = re.compile(rf"^{ADDRESS.pattern}$")


def valid_address(text: str) -> bool:
    """Whether `text` is one plain address (`nom@domaine.fr`) the email package accepts."""
    text = text.strip()
    if not _FULL.match(text):
        return False
    try:
        Address(addr_spec=text)
    except (ValueError, IndexError):
        return False
    return True


@dataclass(frozen=True)
class Recipient:
    name: str
    address: str = ""  # "" when no valid address is known
    role: str = ""  # French, shown in the listing: "tuteur·rice", "membre du jury"…

    @property
    def ok(self) -> bool:
        return bool(self.address)

    def header(self) -> Address:
        return Address(display_name=one_line(self.name), addr_spec=self.address)

    def display(self) -> str:
        return f"{self.name} <{self.address}>" if self.address else f"{self.name} (sans adresse)"


def recipient(name: str, address: str, role: str = "") -> Recipient:
    """A header never holds a line break: a name typed on two lines (Alt+Entrée) is joined by a space."""
    address = address.strip()
    return Recipient(one_line(name), address if valid_address(address) else "", role)


def parse_member(text: str) -> tuple[str, str]:
    """A jury member line, e.g. "Karim Haddad, maître de conférences <k.haddad@example.org>".

    Returns (name, address found in the text or ""); the name stops at the first comma.
    """
    found = ADDRESS.search(text)
    address = found.group(0) if found else ""
    rest = ADDRESS.sub("", text).replace("<>", "")
    name = one_line(rest.split(",")[0]).strip(" <>()-\t")
    return name, address


def unique(recipients: list[Recipient]) -> list[Recipient]:
    """Drop repeats (same address, or same name for those without one), keeping the first."""
    seen: set[str] = set()
    result = []
    for r in recipients:
        key = r.address.lower() or f"name:{r.name.lower()}"
        if key not in seen:
            seen.add(key)
            result.append(r)
    return result


def name_key(name: str) -> str:
    """Order-, case- and accent-free: « Claire Guillou » and « GUILLOU Claire » are one person."""
    return " ".join(sorted(normalize(part) for part in name.split() if normalize(part)))

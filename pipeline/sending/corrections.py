"""What a correction changed: sent documents that no longer match what the ledger says was sent.

The sending journal (`pipeline.sending.journal`) keeps, for every message, its attachments
with their hashes. After a correction (a misspelled name fixed in the workbook, then
`copar build` or `copar forms`), the same campaign composed again gives each recipient's
current documents; a recipient whose last message « envoyé » had other documents (another
content or another name) is « à renvoyer ». A recipient is the same from one version to the
next by `Draft.ident` (the tutor's address, the student's N°, the jury), not by the file name
that holds their name.

Contents are compared by a fingerprint that ignores what changes at every writing and
means nothing (a calendar's DTSTAMP, a Word or Excel file's docProps) and, for a PDF, what it
prints (title and pages) rather than its bytes: a form pre-filled with the answers that came
back (`copar collect`, then `copar forms` again) is not a correction. A Word or Excel form
pre-filled so is one (their answers sit in the document itself): send PDF forms.

A corrected message goes in the journal under `<campagne>-version-corrigee`, keyed by the
recipient and a digest of its documents: the same correction is sent once, a later one again.
"""

from __future__ import annotations

import hashlib
import html
import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any

from pipeline.sending import journal as jr

SUFFIX = "version-corrigee"
MARK = "Version corrigée"
_DTSTAMP = re.compile(rb"^DTSTAMP[:;].*?\r?\n", re.MULTILINE)
_PDF_VOLATILE = re.compile(rb"/(?:CreationDate|ModDate)\s*\([^)]*\)|/ID\s*\[[^\]]*\]|<xmp:(?:Create|Modify|Metadata)Date>[^<]*<")
_OFFICE_VOLATILE = ("docProps/core.xml", "docProps/app.xml")


def fingerprint(name: str, data: bytes) -> str:
    """SHA-256 of `data` without what every writing changes (see the module docstring)."""
    lower = name.lower()
    if lower.endswith(".ics"):
        data = _DTSTAMP.sub(b"", data)
    elif lower.endswith(".pdf"):
        printed = _pdf_print(data)
        if printed is not None:
            return printed
        data = _PDF_VOLATILE.sub(b"", data)
    elif lower.endswith((".docx", ".xlsx")):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                digest = hashlib.sha256()
                for info in sorted(z.infolist(), key=lambda i: i.filename):
                    if info.filename not in _OFFICE_VOLATILE:
                        digest.update(info.filename.encode() + b"\0" + z.read(info) + b"\0")
                return digest.hexdigest()
        except (zipfile.BadZipFile, OSError, ValueError):
            pass
    return hashlib.sha256(data).hexdigest()


def _pdf_print(data: bytes) -> str | None:
    """What a PDF prints: its title and its pages' content, not its form fields' values (a form pre-filled
    with the answers that came back is the same form). None when the file cannot be read."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    from pipeline.pdf.pdfinfo import quiet_pypdf

    try:
        with quiet_pypdf():
            reader = PdfReader(io.BytesIO(data))
            title = reader.metadata.get("/Title", "") if reader.metadata is not None else ""
            digest = hashlib.sha256(str(title).encode("utf-8"))
            for page in reader.pages:
                contents = page.get_contents()
                digest.update((contents.get_data() if contents is not None else b"") + b"\0")
    except (PyPdfError, ValueError, TypeError, KeyError, AttributeError, OSError, RecursionError):
        return None
    return digest.hexdigest()


def corrected_campaign(campaign: str) -> str:
    """The journal's (and the drafts folder's) name of a campaign's corrected messages."""
    return f"{campaign}-{SUFFIX}"


def base_campaign(name: str) -> str:
    return name.removesuffix(f"-{SUFFIX}")


def ident_of(entry: jr.Entry) -> str:
    """Who the message was for, stable across renamings (older lines: the draft's name)."""
    return str(entry.data.get("ident") or entry.key.partition("/")[2])


def last_sent(entries: dict[str, jr.Entry], campaign: str) -> dict[str, jr.Entry]:
    """Per recipient (`ident`), the last message of `campaign` (or of its corrections) the server accepted."""
    result: dict[str, jr.Entry] = {}
    for e in entries.values():
        if e.state != jr.ENVOYE or base_campaign(str(e.data.get("campagne", ""))) != campaign:
            continue
        ident = ident_of(e)
        if ident not in result or result[ident].time <= e.time:
            result[ident] = e
    return result


def differences(entry: jr.Entry, attached: list[tuple[str, bytes]]) -> list[str]:
    """French, one per document that is not what `entry` sent: « fiche-x.pdf (modifié) », « a.pdf → b.pdf »…"""
    sent = [p for p in entry.data.get("pieces", []) if isinstance(p, dict)]
    now = [(name, fingerprint(name, data)) for name, data in attached]
    old = [(str(p.get("nom", "")), str(p.get("empreinte") or "")) for p in sent]
    pairs: list[tuple[tuple[str, str] | None, tuple[str, str] | None]]
    if len(old) == len(now):
        pairs = list(zip(old, now, strict=True))
    else:
        pairs = [(o, None) for o in old if o not in now] + [(None, n) for n in now if n not in old]
    result = []
    for before, after in pairs:
        if before is None and after is not None:
            result.append(f"{after[0]} (nouveau)")
        elif after is None and before is not None:
            result.append(f"{before[0]} (retiré)")
        elif before is not None and after is not None:
            if not before[1] and before[0] == after[0]:
                continue  # an older line without fingerprint: only a change of name can be seen
            if before[0] != after[0]:
                result.append(f"{before[0]} → {after[0]}")
            elif before[1] != after[1]:
                result.append(f"{after[0]} (modifié)")
    return result


def digest(attached: list[tuple[str, bytes]]) -> str:
    """Eight hex digits naming one version of a message's documents (the corrected message's key)."""
    h = hashlib.sha256()
    for name, data in attached:
        h.update(name.encode() + b"\0" + fingerprint(name, data).encode() + b"\0")
    return h.hexdigest()[:8]


@dataclass(frozen=True)
class Correction:
    """Why one message is sent again: when the last one went, and what changed since."""

    sent_on: str  # ISO time of the last message accepted
    changed: list[str]

    @property
    def day(self) -> str:
        return f"{self.sent_on[8:10]}/{self.sent_on[5:7]}/{self.sent_on[0:4]}" if len(self.sent_on) >= 10 else ""

    def sentence(self) -> str:
        return (f"{MARK} : ce message remplace celui que nous vous avons envoyé le {self.day}, dont des documents "
                f"ont été corrigés depuis ({', '.join(self.changed)}). Merci de ne plus tenir compte de la "
                "version précédente.")


def mark(subject: str, text: str, body_html: str, correction: Correction) -> tuple[str, str, str]:
    """The subject, plain text and HTML of a message marked « Version corrigée »."""
    paragraph = f'<p style="font-weight: bold;">{html.escape(correction.sentence())}</p>\n'
    found = re.search(r"<body[^>]*>\n?", body_html)
    at = found.end() if found else 0
    return (f"{MARK} — {subject}", f"{correction.sentence()}\n\n{text}",
            body_html[:at] + paragraph + body_html[at:])


def piece(name: str, data: bytes) -> dict[str, Any]:
    """An attachment as the journal records it."""
    return {"nom": name, "sha256": hashlib.sha256(data).hexdigest(), "empreinte": fingerprint(name, data),
            "octets": len(data)}

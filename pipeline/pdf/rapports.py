"""Which file is a student's rapport de mission, and whether it can be used.

One decision for the jury packets and for `copar suivi`: no file holding the N° étudiant is
absent; two PDFs are two versions (staff must keep one); otherwise the PDF (or the only file)
is probed as the packet would copy it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.pdf.pdfinfo import probe_pdf

ABSENT, SEVERAL, UNUSABLE, PRESENT = "absent", "plusieurs", "inutilisable", "present"


@dataclass(frozen=True)
class Rapport:
    state: str  # ABSENT, SEVERAL, UNUSABLE or PRESENT
    pdf: Path | None  # the file to use (PRESENT), or the one found unusable (UNUSABLE)
    reason: str = ""  # French, for SEVERAL and UNUSABLE
    names: str = ""  # the file names involved, comma-separated
    ignored: tuple[str, ...] = ()  # other files holding the N°, left aside


def choose_rapport(files: list[Path]) -> Rapport:
    """The decision on the files whose name holds one student's N° (as `find_rapports` lists them)."""
    pdfs = [f for f in files if f.suffix.lower() == ".pdf"]
    if not files:
        return Rapport(ABSENT, None)
    if len(pdfs) > 1:
        names = ", ".join(p.name for p in pdfs)
        return Rapport(SEVERAL, None, "plusieurs versions du rapport ont été déposées ; l'équipe pédagogique "
                                      "transmettra la bonne version", names)
    chosen = pdfs[0] if pdfs else files[0]
    ignored = tuple(f.name for f in files if f != chosen)
    reason = probe_pdf(chosen)
    if reason is not None:
        return Rapport(UNUSABLE, chosen, reason, chosen.name, ignored)
    return Rapport(PRESENT, chosen, "", chosen.name, ignored)

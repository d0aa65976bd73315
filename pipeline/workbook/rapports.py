"""Which file is a student's rapport de mission, and whether it can be used.

One decision for the jury packets and for `copar suivi`: no file holding the N° étudiant is
absent; two PDFs are two versions (staff must keep one); otherwise the PDF (or the only file)
is checked and probed as the packet would copy it.

Rapports come from students: their names, links and contents are untrusted.

- A file belongs to a student when the N° is a whole token of its name: tokens are the
  runs of letters and digits, so `22004512-rapport.pdf` and `Rapport_22004512 v2.pdf`
  belong to 22004512, but `22001843-rapport-mission-v1.pdf` does not belong to N° 1
  (`v1` is one token) and `rapport22004512.pdf` belongs to nobody.
- A symbolic link is followed only when it stays inside the input folder (the parent of
  `rapports/`) and points to a file whose own name holds the same N°: a link to
  `/etc/passwd`, to a file of another folder, or to another student's rapport is refused.
- A file larger than the limit (`--rapport-max-mo`) is refused as too large, unread.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pipeline.pdf.pdfinfo import probe_pdf

ABSENT, SEVERAL, UNUSABLE, PRESENT = "absent", "plusieurs", "inutilisable", "present"
DEFAULT_MAX_MB = 100  # largest rapport accepted, in Mo (--rapport-max-mo)
# Tokens of a file name: runs of letters and digits (any script); "_" separates.
_TOKENS = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Rapport:
    state: str  # ABSENT, SEVERAL, UNUSABLE or PRESENT
    pdf: Path | None  # the file to use (PRESENT), or the one found unusable (UNUSABLE)
    reason: str = ""  # French, for SEVERAL and UNUSABLE
    names: str = ""  # the file names involved, comma-separated
    ignored: tuple[str, ...] = ()  # other files holding the N°, left aside


def holds_numero(name: str, numero: str) -> bool:
    """Whether `numero` is a whole token (or a whole run of tokens) of the file name `name`."""
    wanted = [t.casefold() for t in _TOKENS.findall(numero.strip())]
    if not wanted:
        return False
    found = [t.casefold() for t in _TOKENS.findall(name)]
    return any(found[i:i + len(wanted)] == wanted for i in range(len(found) - len(wanted) + 1))


def find_rapports(folder: Path, numeros: Iterable[str]) -> dict[str, list[Path]]:
    """Files of `folder` whose name holds each N° étudiant as a whole token.

    Every N° gets a list, empty when nothing matches. PDFs (any case of ".pdf")
    come first; other files are listed too so that the caller can report them, and so
    are symbolic links, even broken ones (`link_refusal` says why they are refused).
    Hidden files and Office lock files ("~$…") are ignored.
    """
    files = (
        sorted(
            (p for p in folder.iterdir()
             if (p.is_symlink() or p.is_file()) and not p.name.startswith((".", "~$"))),
            key=lambda p: (p.suffix.lower() != ".pdf", p.name.casefold()),
        )
        if folder.is_dir()
        else []
    )
    return {numero: [p for p in files if holds_numero(p.name, numero)] for numero in numeros}


def link_refusal(path: Path, numero: str | None) -> str | None:
    """Why the symbolic link `path` (in `rapports/`) may not be used as the rapport of `numero`; None if fine.

    The input folder is the parent of `rapports/`; with `numero` None, only where the link leads is checked.
    """
    if not path.is_symlink():
        return None
    try:
        target = path.resolve(strict=True)
        inside = target.is_relative_to(path.parent.parent.resolve(strict=True))
    except (OSError, RuntimeError):  # dangling, or a loop of links
        return "lien symbolique cassé ou en boucle : déposez le fichier lui-même"
    if not inside:
        return (f"lien symbolique vers un fichier hors du dossier des entrées ({target}) : refusé, déposez le "
                "fichier lui-même")
    if not target.is_file():
        return "lien symbolique vers un dossier : refusé, déposez le fichier lui-même"
    if numero is not None and not holds_numero(target.name, numero):
        return (f"lien symbolique vers « {target.name} », dont le nom ne porte pas le n° {numero} (le fichier "
                "d'un·e autre étudiant·e ?) : refusé")
    return None


def choose_rapport(files: list[Path], numero: str | None = None, *,
                   max_bytes: int = DEFAULT_MAX_MB * 2**20) -> Rapport:
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
    reason = link_refusal(chosen, numero) or probe_pdf(chosen, max_bytes=max_bytes)
    if reason is not None:
        return Rapport(UNUSABLE, chosen, reason, chosen.name, ignored)
    return Rapport(PRESENT, chosen, "", chosen.name, ignored)

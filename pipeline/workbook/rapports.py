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
- A file holding no student's N° belongs to the student whose first and last names are all
  tokens of its name, whatever their case, accents and order (`Rapport DUPONT marie.pdf`); when
  several students' names fit, the one with the most name tokens wins, and a tie (homonyms)
  matches nobody. Such a file is used with a warning naming it (`match_rapports`); a file
  matching nobody is listed by `copar check` and `copar suivi`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
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


def name_tokens(text: str) -> frozenset[str]:
    """The tokens of `text` without case nor accents: « Marie-Éve DUPONT » → {marie, eve, dupont}."""
    return frozenset(_TOKENS.findall(_plain(text)))


@dataclass(frozen=True)
class Matches:
    """The files of `rapports/` shared out between the students (`match_rapports`)."""

    files: dict[str, list[Path]]  # N° → its files, as `find_rapports` gives them (name matches included)
    by_name: dict[str, tuple[str, ...]] = field(default_factory=dict)  # N° → files recognised by the name only
    unmatched: tuple[Path, ...] = ()  # files holding nobody's N° nor name
    ambiguous: dict[str, tuple[str, ...]] = field(default_factory=dict)  # file name → the N°s whose names fit

    def findings(self, who: dict[str, str]) -> list[tuple[str, str, str]]:
        """(kind, file name, French sentence) for each file matched by name ("nom") or by nobody
        ("personne", also when several students' names fit); `who`: N° → « Prénom Nom »."""
        found = [("nom", name, f"Rapport de mission « {name} » attribué à {who.get(numero, numero)} (n° {numero}) "
                  "d'après le nom du fichier : ajoutez le n° étudiant au nom du fichier pour en être sûr·e.")
                 for numero, names in self.by_name.items() for name in names]
        found += [("personne", p.name, f"Fichier « {p.name} » du dossier rapports/ : ni n° étudiant ni nom "
                   "d'étudiant·e reconnu, il n'est attribué à personne ; renommez-le avec le n° étudiant.")
                  for p in self.unmatched]
        found += [("personne", name, f"Fichier « {name} » du dossier rapports/ : le nom convient à plusieurs "
                   f"étudiant·es (n° {', '.join(numeros)}), il n'est attribué à personne ; renommez-le avec le n° "
                   "étudiant.") for name, numeros in self.ambiguous.items()]
        return found


def match_rapports(folder: Path, students: Iterable[tuple[str, str, str]]) -> Matches:
    """Share out the files of `folder` between `students` ((N°, prénom, nom) triples): by N°, else by name."""
    people = list(students)
    files = find_rapports(folder, [numero for numero, *_ in people])
    claimed = {p for found in files.values() for p in found}
    by_name: dict[str, list[str]] = {}
    unmatched, ambiguous = [], {}
    for path in _listing(folder):
        if path in claimed:
            continue
        tokens = name_tokens(path.name)
        scores = {numero: _name_score(tokens, prenom, nom) for numero, prenom, nom in people}
        best = max(scores.values(), default=0)
        fits = [numero for numero, score in scores.items() if score and score == best]
        if len(fits) == 1:
            files[fits[0]].append(path)
            files[fits[0]].sort(key=_order)
            by_name.setdefault(fits[0], []).append(path.name)
        elif fits:
            ambiguous[path.name] = tuple(fits)
        else:
            unmatched.append(path)
    return Matches(files, {n: tuple(v) for n, v in by_name.items()}, tuple(unmatched), ambiguous)


def _name_score(tokens: frozenset[str], *parts: str) -> int:
    """How many name tokens of the student (first name, last name) the file name holds; 0 unless every
    part is there, as its words (« Le Bihan » → le, bihan) or run together (lebihan, ndiaye)."""
    score = 0
    for part in parts:
        words = name_tokens(part)
        if not words:
            return 0
        if words <= tokens:
            score += len(words)
        elif "".join(_TOKENS.findall(_plain(part))) in tokens:
            score += len(words)
        else:
            return 0
    return score


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


def _order(p: Path) -> tuple[bool, str]:
    return (p.suffix.lower() != ".pdf", p.name.casefold())


def _listing(folder: Path) -> list[Path]:
    """The candidate files of `folder`: PDFs first; hidden files and Office lock files ("~$…") left out."""
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir()
                   if (p.is_symlink() or p.is_file()) and not p.name.startswith((".", "~$"))), key=_order)


def find_rapports(folder: Path, numeros: Iterable[str]) -> dict[str, list[Path]]:
    """Files of `folder` whose name holds each N° étudiant as a whole token.

    Every N° gets a list, empty when nothing matches. PDFs (any case of ".pdf")
    come first; other files are listed too so that the caller can report them, and so
    are symbolic links, even broken ones (`link_refusal` says why they are refused).
    Hidden files and Office lock files ("~$…") are ignored.
    """
    files = _listing(folder)
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

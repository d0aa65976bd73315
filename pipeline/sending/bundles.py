"""Print bundles (`copar lots`): one PDF per family, from the PDFs `copar build` wrote.

Documents follow a stated order — by tutor (then student), or by jury then time of
passage — with one bookmark per person, and a blank page after any document with an odd
number of pages so that, printed recto verso, each person starts on a recto. A document the
build has not written is listed with the command that writes it, never skipped silently.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from pypdf import PdfWriter

from pipeline.documents.catalogue import CATALOGUE, STUDENT_FILES, Layout
from pipeline.documents.formats import plural, slug, time_fr
from pipeline.errors import CoparError
from pipeline.files import sha256_file, write_atomically, write_bytes_atomically
from pipeline.pdf.pdfinfo import UnusablePdf, load_pdf, quiet_pypdf
from pipeline.workbook.model import Dataset, Student
from pipeline.workbook.parse import one_line

FOLDER = PurePosixPath("impression")
# --famille value -> (catalogue family, French title of the bundle)
# `lots --famille` name → (catalogue family, bundle title): the families whose catalogue entry has a bundle title
FAMILIES = {f.name.replace("_", "-"): (f.name, f.bundle or f.title) for f in CATALOGUE if f.bundle}
ORDERS = ("tuteur", "jury")


@dataclass(frozen=True)
class BundleItem:
    title: str  # the bookmark, on one line
    path: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", one_line(self.title))


@dataclass
class Bundle:
    path: Path
    title: str
    order: str
    bookmarks: list[str] = field(default_factory=list)
    pages: int = 0
    blanks: int = 0
    missing: list[str] = field(default_factory=list)  # French, one per document not found


def summary_lines(bundle: Bundle) -> list[str]:
    """What `copar lots` wrote, in French: missing documents first, then the bundle."""
    order = "par jury puis heure de passage" if bundle.order == "jury" else "par tuteur·rice"
    blanks = plural(bundle.blanks, "blanche")
    return [f"[attention] {line}" for line in bundle.missing] + [
        f"{bundle.title} : {plural(len(bundle.bookmarks), 'document')}, {plural(bundle.pages, 'page')} dont {blanks} "
        f"(recto verso), classés {order} → {bundle.path}"]


def default_order(famille: str) -> str:
    return "jury" if famille == "grille" else "tuteur"


def _by_tutor(ds: Dataset) -> list[Student]:
    return sorted(ds.students, key=lambda s: (s.tuteur.nom.lower(), s.tuteur.prenom.lower(), s.tuteur.key,
                                              s.nom.lower(), s.prenom.lower(), s.numero))


def _by_jury(ds: Dataset, only: str | None = None) -> list[tuple[str, Student]]:
    """(jury and time, student) in order of the Jurys sheet then of passage; then those with no jury.

    With `only`, the students of that jury alone.
    """
    juries = [j for j in ds.juries if only is None or j.jury == only]
    ordered = [(f"{j.jury}, {time_fr(d.heure)}", ds.student(d.numero)) for j in juries for d in ds.defenses_of(j.jury)]
    if only is not None:
        return ordered
    placed = {s.numero for _, s in ordered}
    return ordered + [("sans jury", s) for s in _by_tutor(ds) if s.numero not in placed]


def items(ds: Dataset, out: Path, famille: str, order: str, periode: int | None, jury: str | None = None) -> list[BundleItem]:
    """What goes in the bundle, in order (whether each PDF exists or not)."""
    family = FAMILIES[famille][0]
    layout = Layout.of(ds)
    if family == "invitation":
        tutors = sorted(ds.tutors(), key=lambda g: (g[0].nom.lower(), g[0].prenom.lower(), g[0].key))
        return [BundleItem(t.nom_complet, out / "reunion-tuteurs" / "invitations" / f"{layout.tutors[t.key]}.pdf")
                for t, _ in tutors]
    if family == "bilan" and periode is None:
        raise CoparError("Indiquez la période des bilans à imprimer : --periode N (1 à 6).")
    stem = f"bilan-periode-{periode}" if family == "bilan" else STUDENT_FILES[family]
    people = _by_jury(ds, jury) if order == "jury" else [(f"tuteur·rice {s.tuteur.nom_complet}", s) for s in _by_tutor(ds)]
    keep = {"cahier": lambda s: not s.en_emploi, "feuille_de_route": lambda s: s.en_emploi}.get(family, lambda s: True)
    return [BundleItem(f"{s.nom_complet} ({where})", out / layout.student_dir(s) / f"{stem}.pdf")
            for where, s in people if keep(s)]


def bundle_name(famille: str, periode: int | None, jury: str | None = None) -> str:
    name = f"{famille}-periode-{periode}" if famille == "bilan" else famille
    return f"{name}-{slug(jury, 40)}" if jury else name


def write_bundle(ds: Dataset, out: Path, famille: str, order: str | None = None, periode: int | None = None,
                 jury: str | None = None) -> Bundle:
    """outputs/impression/<famille>.pdf: every document of the family, recto-aligned, bookmarked.

    `jury` keeps the students of one jury, in order of passage (outputs/impression/grille-jury-a.pdf).
    """
    if famille not in FAMILIES:
        raise CoparError(f"Famille inconnue pour --famille : {famille}. Choix possibles : {', '.join(FAMILIES)}.")
    if jury is not None and ds.jury(jury) is None:
        raise CoparError(f"Jury inconnu pour --jury : {jury}. Jurys de la feuille Jurys : "
                         f"{', '.join(j.jury for j in ds.juries) or 'aucun'}.")
    if jury is not None and famille == "invitation":
        raise CoparError("--jury ne s'applique pas aux invitations (une par tuteur·rice) : retirez --jury.")
    order = "jury" if jury is not None else order or default_order(famille)
    title = FAMILIES[famille][1] + (f", période {periode}" if famille == "bilan" else "") + (f", {jury}" if jury else "")
    bundle = Bundle(out / FOLDER / f"{bundle_name(famille, periode, jury)}.pdf", title, order)
    hint = f"copar build --only {famille}"
    writer = PdfWriter()
    sources: dict[str, str] = {}
    with quiet_pypdf():
        for item in items(ds, out, famille, order, periode, jury):
            if not item.path.is_file():
                bundle.missing.append(f"{item.title} : {item.path} manque — lancez « {hint} ».")
                continue
            try:
                reader = load_pdf(item.path)
            except UnusablePdf as exc:
                bundle.missing.append(f"{item.title} : {item.path} inutilisable ({exc}) — relancez « {hint} --force ».")
                continue
            sources[item.path.relative_to(out).as_posix()] = sha256_file(item.path)
            start = len(writer.pages)
            writer.append(reader, import_outline=False)
            writer.add_outline_item(title=item.title, page_number=start)
            bundle.bookmarks.append(item.title)
            if len(writer.pages) % 2:  # the next person starts on a recto
                box = writer.pages[-1].mediabox
                writer.add_blank_page(width=box.width, height=box.height)
                bundle.blanks += 1
        if not bundle.bookmarks:
            raise CoparError(f"Aucun document « {famille} » à imprimer dans {out} : lancez d'abord « {hint} ».")
        writer.add_metadata({"/Title": title, "/Producer": "copar (pypdf)"})
        writer.page_mode = "/UseOutlines"
        writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
        write_atomically(bundle.path, lambda tmp: writer.write(tmp))
    bundle.pages = len(writer.pages)
    records = read_records(out)
    records[bundle.path.name] = {"famille": famille, "ordre": order, "periode": periode, "jury": jury,
                                 "sources": sources, "sha256": sha256_file(bundle.path)}
    save_records(out, records)
    return bundle


RECORD = ".copar-lots.json"  # each bundle `copar lots` wrote: its options, its documents' and its own SHA-256


def read_records(out: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads((out / FOLDER / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, dict)} if isinstance(data, dict) else {}


def save_records(out: Path, records: dict[str, dict[str, Any]]) -> None:
    text = json.dumps(records, ensure_ascii=False, indent=1, sort_keys=True)
    write_bytes_atomically(out / FOLDER / RECORD, text.encode("utf-8"))


def current_sources(ds: Dataset, out: Path, record: dict[str, Any]) -> dict[str, str]:
    """The documents a recorded bundle would hold now, with their SHA-256 (those on disk)."""
    chosen = items(ds, out, str(record["famille"]), str(record["ordre"]), record.get("periode"), record.get("jury"))
    return {i.path.relative_to(out).as_posix(): sha256_file(i.path) for i in chosen if i.path.is_file()}

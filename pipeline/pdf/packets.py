"""Jury packets: one bookmarked PDF per jury session, built from converted documents.

A packet is rebuilt when what it is made of changed (its parts' PDFs, the rapports, the
jury, the cover and placeholder templates, --pdfa); otherwise it is left as it is.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from pipeline.documents import contexts as cx
from pipeline.documents.catalogue import STUDENT_FILES
from pipeline.documents.formats import slug
from pipeline.documents.render import find_template, render_docx
from pipeline.errors import CoparError
from pipeline.pdf.assemble import (
    PacketPart,
    PacketSection,
    assemble_packet,
    find_rapports,
    section_start_pages,
)
from pipeline.pdf.pdfinfo import page_count
from pipeline.pdf.rapports import ABSENT, SEVERAL, UNUSABLE, choose_rapport
from pipeline.results import FAILED, PACKET_FAMILY, SKIPPED, WRITTEN, BuildResult, Outcome, sha256_file, sha256_text
from pipeline.workbook.model import Dataset, Defense, Jury, Student
from pipeline.workbook.reader import rapports_dir

if TYPE_CHECKING:
    from pipeline.build import Builder
    from pipeline.documents.catalogue import Layout

# (family, part title) of each student's documents, in packet order.
STUDENT_PARTS = (
    ("grille", "Grille d'évaluation"),
    ("compte_rendu", "Compte rendu du bilan tripartite"),
    ("livret", "Livret de bilans"),
)
RAPPORT_TITLE = "Rapport de mission"
COVER = "couverture-et-sommaire"
PAGES = "pages"  # placeholder pages, per jury


@dataclass
class _Slot:
    """One part of one student's section: a PDF to include, or a placeholder to render."""

    title: str
    pdf: Path | None
    motif: str = ""
    fichier: str = ""

    def identity(self) -> str:
        return f"{self.title}|{sha256_file(self.pdf) if self.pdf else 'absent'}|{self.motif}|{self.fichier}"


@dataclass
class _Packet:
    jury: Jury
    defenses: list[Defense]
    students: list[Student]
    plans: list[list[_Slot]]
    folder: PurePosixPath
    rel: str


def build_packets(builder: Builder, ds: Dataset, layout: Layout, result: BuildResult, *, only_existing: bool) -> None:
    """Build (or bring up to date) each jury's packet.

    only_existing: update the packets an earlier build wrote, create none (restricted builds).
    """
    rapports = find_rapports(rapports_dir(builder.source), [s.numero for s in ds.students])
    for jury in ds.juries:
        defenses = ds.defenses_of(jury.jury)
        folder = layout.jury_dir(jury.jury)
        rel = str(folder / f"dossier-{folder.name}")
        if only_existing and rel not in builder.old:
            continue
        if builder.s.student is not None and builder.s.student not in {d.numero for d in defenses}:
            continue
        if not defenses:
            result.notes.append(f"{jury.jury} : aucune soutenance inscrite, pas de dossier.")
            continue
        students = [ds.student(d.numero) for d in defenses]
        plans = [_slots(builder, layout, s, rapports.get(s.numero, []), result) for s in students]
        _one_packet(builder, ds, _Packet(jury, defenses, students, plans, folder, rel), result)


def _one_packet(builder: Builder, ds: Dataset, packet: _Packet, result: BuildResult) -> None:
    outcome = Outcome(f"Dossier du jury {packet.jury.jury}", packet.rel, WRITTEN, family=PACKET_FAMILY)
    result.outcomes.append(outcome)
    builder.attempted.add(packet.rel)
    fp = _fingerprint(builder, ds, packet)
    previous = builder.old.get(packet.rel)
    if (not builder.s.force and previous and previous.get("fingerprint") == fp
            and builder.target(packet.rel, ".pdf").exists()):
        builder.files[packet.rel] = previous
        outcome.status = SKIPPED
        return
    try:
        builder.files[packet.rel] = _assemble(builder, ds, packet, fp, result)
    except (CoparError, OSError) as exc:
        outcome.status, outcome.error = FAILED, f"{exc} (l'ancien dossier, périmé, a été retiré)"
        builder.target(packet.rel, ".pdf").unlink(missing_ok=True)


def _fingerprint(builder: Builder, ds: Dataset, packet: _Packet) -> str:
    parts = [slot.identity() for plan in packet.plans for slot in plan]
    passages = [cx.passage(d, s, ds) for d, s in zip(packet.defenses, packet.students, strict=True)]
    templates = [sha256_file(find_template(name, builder.s.templates))
                 for name in ("couverture_jury.docx", "rapport_indisponible.docx")]
    text = "|".join([*parts, str(cx.jury(packet.jury)), str(passages), *templates, str(builder.s.pdfa)])
    return sha256_text(text)


def _assemble(builder: Builder, ds: Dataset, packet: _Packet, fp: str, result: BuildResult) -> dict[str, Any]:
    pages = builder.target(str(packet.folder / PAGES), "")
    if pages.is_dir():
        shutil.rmtree(pages)  # placeholders of an earlier build (a rapport may have arrived since)
    _render_placeholders(builder, ds, packet)
    sections = [
        PacketSection(f"{cx.fmt.time_fr(d.heure)} — {s.nom_complet}",
                      tuple(PacketPart(slot.title, slot.pdf) for slot in plan if slot.pdf is not None))
        for d, s, plan in zip(packet.defenses, packet.students, packet.plans, strict=True)
    ]
    front = _front(builder, ds, packet, sections)
    pdfa = builder.s.pdfa and _all_pdfa(sections, packet.jury, result)
    title = f"Dossier du jury {packet.jury.jury}"
    info = assemble_packet(front, sections, builder.target(packet.rel, ".pdf"), title=title, pdfa=pdfa)
    out = builder.out.resolve()
    return {
        "family": PACKET_FAMILY,
        "label": title,
        "students": [s.numero for s in packet.students],
        "fingerprint": fp,
        "pdf": {"path": f"{packet.rel}.pdf", "sha256": sha256_file(info.path), "pages": info.pages,
                "bytes": info.size},
        "pdfa": pdfa,
        "parts": [{"path": _relative(p.pdf, out), "sha256": sha256_file(p.pdf)}
                  for sec in sections for p in sec.parts],
        "extra": [f"{packet.folder}/{COVER}.docx", f"{packet.folder}/{COVER}.pdf", f"{packet.folder}/{PAGES}"],
    }


def _relative(path: Path, out: Path) -> str:
    try:
        return str(path.resolve().relative_to(out))
    except ValueError:  # a rapport from the inputs
        return str(path)


def _all_pdfa(sections: list[PacketSection], jury: Jury, result: BuildResult) -> bool:
    """Whether every part is PDF/A-2 with embedded fonts; notes the parts that are not."""
    from pipeline.pdf.pdfinfo import fonts_embedded, pdfa_claim

    others = [f"{section.title} — {part.title}" for section in sections for part in section.parts
              if pdfa_claim(part.pdf) not in ("2B", "2U", "2A") or not fonts_embedded(part.pdf)]
    if others:
        result.notes.append(f"Dossier du jury {jury.jury} non déclaré PDF/A : ces documents ne sont pas au "
                            f"format PDF/A-2 ({', '.join(others)}).")
    return not others


def _slots(builder: Builder, layout: Layout, s: Student, files: list[Path], result: BuildResult) -> list[_Slot]:
    slots = []
    for family, title in STUDENT_PARTS:
        pdf = builder.target(str(layout.student_dir(s) / STUDENT_FILES[family]), ".pdf")
        if pdf.exists():
            slots.append(_Slot(title, pdf))
        else:
            slots.append(_Slot(title, None, f"le document « {title} » n'a pas pu être produit (voir le rapport de "
                                            "construction)", pdf.name))
    slots.append(_rapport_slot(s, files, rapports_dir(builder.source), result))
    return slots


def _rapport_slot(s: Student, files: list[Path], folder: Path, result: BuildResult) -> _Slot:
    who = f"{s.nom_complet} (n° {s.numero})"
    rapport = choose_rapport(files)
    if rapport.state == ABSENT:
        result.notes.append(f"Rapport de mission absent : {who}.")
        return _Slot(RAPPORT_TITLE, None, f"aucun fichier dont le nom contient le n° {s.numero} dans le dossier "
                                          f"{folder}", "")
    if rapport.state == SEVERAL:
        result.notes.append(f"Plusieurs rapports pour {who} : {rapport.names} — gardez-en un seul.")
        return _Slot(RAPPORT_TITLE, None, rapport.reason, rapport.names)
    if rapport.ignored:
        result.notes.append(f"Rapport de {who} : {rapport.names} utilisé, ignoré : {', '.join(rapport.ignored)}.")
    if rapport.state == UNUSABLE:
        result.notes.append(f"Rapport de mission inutilisable : {who}, {rapport.names} — {rapport.reason}.")
        return _Slot(RAPPORT_TITLE, None, rapport.reason, rapport.names)
    return _Slot(RAPPORT_TITLE, rapport.pdf)


def _render_placeholders(builder: Builder, ds: Dataset, packet: _Packet) -> None:
    template = find_template("rapport_indisponible.docx", builder.s.templates)
    common = cx.common(ds, builder.s.today)
    todo: dict[Path, _Slot] = {}
    for s, plan in zip(packet.students, packet.plans, strict=True):
        for i, slot in enumerate(plan):
            if slot.pdf is None:
                docx = builder.target(str(packet.folder / PAGES / f"{slug(s.numero, 20)}-{i + 1}-indisponible"),
                                      ".docx")
                context = {**common, "etudiant": cx.student(s, ds), "motif": slot.motif, "fichier": slot.fichier,
                           "document": slot.title}
                render_docx(template, context, docx)
                todo[docx] = slot
    if not todo:
        return
    for docx, error in builder.convert_files(list(todo)).items():
        if error:
            raise CoparError(f"page de remplacement non convertie ({docx.name}) : {error}")
        todo[docx].pdf = docx.with_suffix(".pdf")


def _front(builder: Builder, ds: Dataset, packet: _Packet, sections: list[PacketSection]) -> Path:
    """Cover and table of contents; content pages are numbered from 1, whatever the cover's length."""
    template = find_template("couverture_jury.docx", builder.s.templates)
    docx = builder.target(str(packet.folder / COVER), ".docx")
    starts = section_start_pages(sections, 0)
    passages = [cx.passage(d, s, ds, page=start)
                for d, s, start in zip(packet.defenses, packet.students, starts, strict=True)]
    context = {**cx.common(ds, builder.s.today), "jury": cx.jury(packet.jury), "passages": passages,
               "sommaire": passages}
    render_docx(template, context, docx)
    error = builder.convert_files([docx])[docx]
    if error:
        raise CoparError(f"couverture du jury {packet.jury.jury} non convertie : {error}")
    pdf = docx.with_suffix(".pdf")
    page_count(pdf)  # fails clearly if LibreOffice produced something unreadable
    return pdf

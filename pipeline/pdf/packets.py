"""Jury packets: one bookmarked PDF per jury session, built from converted documents.

A packet is rebuilt when what it is made of changed (its parts' PDFs, the rapports, the
jury, the cover and placeholder templates, --pdfa); otherwise it is left as it is.
This stage receives the build's state — the manifest, the output folder and a way to
convert — as a `PacketStage`, never the builder itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from pipeline.documents import contexts as cx
from pipeline.documents.catalogue import STUDENT_FILES
from pipeline.documents.formats import de, slug
from pipeline.documents.render import find_template, render_docx
from pipeline.errors import CoparError
from pipeline.manifest import Entry, Manifest
from pipeline.outputs import Outputs, set_aside
from pipeline.pdf.assemble import (
    PacketPart,
    PacketSection,
    assemble_packet,
    section_start_pages,
)
from pipeline.pdf.pdfinfo import page_count
from pipeline.pdf.rapports import ABSENT, DEFAULT_MAX_MB, SEVERAL, UNUSABLE, choose_rapport, find_rapports
from pipeline.processes import DISK_FULL
from pipeline.results import FAILED, PACKET_FAMILY, SKIPPED, WRITTEN, BuildResult, Outcome, sha256_file, sha256_text
from pipeline.settings import Settings
from pipeline.workbook.model import Dataset, Defense, Jury, Student

if TYPE_CHECKING:
    from pipeline.documents.catalogue import Layout

# Convert DOCX files beside themselves: each one's French error, or None.
Convert = Callable[[list[Path]], dict[Path, str | None]]

# (family, part title) of each student's documents, in packet order.
STUDENT_PARTS = (
    ("grille", "Grille d'évaluation"),
    ("compte_rendu", "Compte rendu du bilan tripartite"),
    ("livret", "Livret de bilans"),
)
RAPPORT_TITLE = "Rapport de mission"
COVER = "couverture-et-sommaire"
PAGES = "pages"  # placeholder pages, per jury


@dataclass(frozen=True)
class PacketStage:
    """What the packet stage needs from a build."""

    settings: Settings
    manifest: Manifest
    outputs: Outputs
    convert: Convert
    rapports: Path  # the folder of rapports de mission


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

    def placeholders(self) -> list[tuple[Student, int, _Slot, str]]:
        """(student, part index, slot, output path without suffix) of each page to render."""
        return [(s, i, slot, str(self.folder / PAGES / f"{slug(s.numero, 20)}-{i + 1}-indisponible"))
                for s, plan in zip(self.students, self.plans, strict=True)
                for i, slot in enumerate(plan) if slot.pdf is None]

    def extras(self) -> list[str]:
        """The packet's other files: front matter and placeholder pages."""
        stems = [str(self.folder / COVER), *(rel for *_, rel in self.placeholders())]
        return [f"{stem}{suffix}" for stem in stems for suffix in (".docx", ".pdf")]


def build_packets(stage: PacketStage, ds: Dataset, layout: Layout, result: BuildResult, *,
                  only_existing: bool) -> None:
    """Build (or bring up to date) each jury's packet.

    only_existing: update the packets an earlier build wrote, create none (restricted builds).
    """
    rapports = find_rapports(stage.rapports, [s.numero for s in ds.students])
    for jury in ds.juries:
        defenses = ds.defenses_of(jury.jury)
        folder = layout.jury_dir(jury.jury)
        rel = str(folder / f"dossier-{folder.name}")
        if only_existing and rel not in stage.manifest.old:
            continue
        if stage.settings.student is not None and stage.settings.student not in {d.numero for d in defenses}:
            continue
        if not defenses:
            result.notes.append(f"{jury.jury} : aucune soutenance inscrite, pas de dossier.")
            continue
        students = [ds.student(d.numero) for d in defenses]
        plans = [_slots(stage, layout, s, rapports.get(s.numero, []), result) for s in students]
        _one_packet(stage, ds, _Packet(jury, defenses, students, plans, folder, rel), result)


def _one_packet(stage: PacketStage, ds: Dataset, packet: _Packet, result: BuildResult) -> None:
    manifest, outputs = stage.manifest, stage.outputs
    outcome = Outcome(f"Dossier du jury {packet.jury.jury}", packet.rel, WRITTEN, family=PACKET_FAMILY)
    result.outcomes.append(outcome)
    manifest.attempted.add(packet.rel)
    fp = _fingerprint(stage, ds, packet)
    target = outputs.target(packet.rel, ".pdf")
    if not stage.settings.force and manifest.fresh(packet.rel, fp, {"pdf": target}):
        manifest.keep(packet.rel)
        outcome.status = SKIPPED
        return
    set_aside(manifest, outputs, packet.rel, {"pdf": target}, result)
    for path in (manifest.state.get(packet.rel) or {}).get("extra", []):
        if f"/{PAGES}/" in path:  # placeholders of an earlier build (a rapport may have arrived since)
            outputs.remove(path)
    manifest.invalidate(packet.rel, {"family": PACKET_FAMILY, "label": outcome.label, "extra": packet.extras()},
                        [f"{packet.rel}.pdf"])
    try:
        manifest.record(packet.rel, _assemble(stage, ds, packet, fp, result))
    except (CoparError, OSError) as exc:
        if isinstance(exc, OSError) and exc.errno in DISK_FULL:
            raise
        outcome.status, outcome.error = FAILED, f"{exc} (l'ancien dossier, périmé, a été retiré)"
        outputs.discard(f"{packet.rel}.pdf")


def _fingerprint(stage: PacketStage, ds: Dataset, packet: _Packet) -> str:
    parts = [slot.identity() for plan in packet.plans for slot in plan]
    passages = [cx.passage(d, s, ds) for d, s in zip(packet.defenses, packet.students, strict=True)]
    templates = [sha256_file(find_template(name, stage.settings.templates))
                 for name in ("couverture_jury.docx", "rapport_indisponible.docx")]
    text = "|".join([*parts, str(cx.jury(packet.jury)), str(passages), *templates, str(stage.settings.pdfa)])
    return sha256_text(text)


def _assemble(stage: PacketStage, ds: Dataset, packet: _Packet, fp: str, result: BuildResult) -> Entry:
    _render_placeholders(stage, ds, packet)
    sections = [
        PacketSection(f"{cx.fmt.time_fr(d.heure)} — {s.nom_complet}",
                      tuple(PacketPart(slot.title, slot.pdf) for slot in plan if slot.pdf is not None))
        for d, s, plan in zip(packet.defenses, packet.students, packet.plans, strict=True)
    ]
    front = _front(stage, ds, packet, sections)
    pdfa = stage.settings.pdfa and _all_pdfa(sections, packet.jury, result)
    title = f"Dossier du jury {packet.jury.jury}"
    info = assemble_packet(front, sections, stage.outputs.target(packet.rel, ".pdf"), title=title, pdfa=pdfa)
    out = stage.outputs.root.resolve()
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
        "extra": packet.extras(),
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


def _slots(stage: PacketStage, layout: Layout, s: Student, files: list[Path], result: BuildResult) -> list[_Slot]:
    slots = []
    for family, title in STUDENT_PARTS:
        pdf = stage.outputs.target(str(layout.student_dir(s) / STUDENT_FILES[family]), ".pdf")
        if pdf.exists():
            slots.append(_Slot(title, pdf))
        else:
            slots.append(_Slot(title, None, f"le document « {title} » n'a pas pu être produit (voir le rapport de "
                                            "construction)", pdf.name))
    slots.append(_rapport_slot(s, files, stage.rapports, result, stage.settings.rapport_max_mb))
    return slots


def _rapport_slot(s: Student, files: list[Path], folder: Path, result: BuildResult,
                  max_mb: int = DEFAULT_MAX_MB) -> _Slot:
    who = f"{s.nom_complet} (n° {s.numero})"
    rapport = choose_rapport(files, s.numero, max_bytes=max_mb * 2**20)
    if rapport.state == ABSENT:
        result.notes.append(f"Rapport de mission absent : {who}.")
        return _Slot(RAPPORT_TITLE, None, f"aucun fichier dont le nom contient le n° {s.numero} dans le dossier "
                                          f"{folder}", "")
    if rapport.state == SEVERAL:
        result.notes.append(f"Plusieurs rapports pour {who} : {rapport.names} — gardez-en un seul.")
        return _Slot(RAPPORT_TITLE, None, rapport.reason, rapport.names)
    if rapport.ignored:
        result.notes.append(f"Rapport {de(who)} : {rapport.names} utilisé, ignoré : {', '.join(rapport.ignored)}.")
    if rapport.state == UNUSABLE:
        result.notes.append(f"Rapport de mission inutilisable : {who}, {rapport.names} — {rapport.reason}.")
        return _Slot(RAPPORT_TITLE, None, rapport.reason, rapport.names)
    return _Slot(RAPPORT_TITLE, rapport.pdf)


def _render_placeholders(stage: PacketStage, ds: Dataset, packet: _Packet) -> None:
    template = find_template("rapport_indisponible.docx", stage.settings.templates)
    common = cx.common(ds, stage.settings.today)
    todo: dict[Path, _Slot] = {}
    for s, _i, slot, rel in packet.placeholders():
        docx = stage.outputs.target(rel, ".docx")
        context = {**common, "etudiant": cx.student(s, ds), "motif": slot.motif, "fichier": slot.fichier,
                   "document": slot.title}
        render_docx(template, context, docx)
        todo[docx] = slot
    if not todo:
        return
    for docx, error in stage.convert(list(todo)).items():
        if error:
            raise CoparError(f"page de remplacement non convertie ({docx.name}) : {error}")
        todo[docx].pdf = docx.with_suffix(".pdf")


def _front(stage: PacketStage, ds: Dataset, packet: _Packet, sections: list[PacketSection]) -> Path:
    """Cover and table of contents; content pages are numbered from 1, whatever the cover's length."""
    template = find_template("couverture_jury.docx", stage.settings.templates)
    docx = stage.outputs.target(str(packet.folder / COVER), ".docx")
    starts = section_start_pages(sections, 0)
    passages = [cx.passage(d, s, ds, page=start)
                for d, s, start in zip(packet.defenses, packet.students, starts, strict=True)]
    context = {**cx.common(ds, stage.settings.today), "jury": cx.jury(packet.jury), "passages": passages,
               "sommaire": passages}
    render_docx(template, context, docx)
    error = stage.convert([docx])[docx]
    if error:
        raise CoparError(f"couverture du jury {packet.jury.jury} non convertie : {error}")
    pdf = docx.with_suffix(".pdf")
    page_count(pdf)  # fails clearly if LibreOffice produced something unreadable
    return pdf

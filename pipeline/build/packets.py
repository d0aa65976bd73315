"""Jury packets: one bookmarked PDF per jury session, built from converted documents.

A packet is rebuilt when what it is made of changed (its parts' PDFs, the rapports, the
jury, the cover and placeholder templates, --pdfa); otherwise it is left as it is.
This stage receives the build's state — the manifest, the output folder and a way to
convert — as a `PacketStage`, never the builder itself.

Its extra files (the cover « couverture-et-sommaire », the « indisponible » placeholder pages)
are recorded in the packet's manifest entry, each with the fingerprint of what it was rendered
from and its hash: an extra whose fingerprint is unchanged and whose DOCX and PDF are as copar
wrote them is reused as it is; the others are rendered again — a file edited by hand set aside
first — and converted together, every jury's placeholders in one call, then every cover (whose
sommaire needs the placeholders' page counts) in one more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from pipeline.build.fingerprints import fingerprint
from pipeline.build.manifest import Entry, FileRecord, Manifest
from pipeline.build.outputs import Outputs, remove_file, set_aside, set_aside_edited
from pipeline.build.results import FAILED, PACKET_FAMILY, SKIPPED, WRITTEN, BuildResult, Outcome
from pipeline.build.settings import Settings
from pipeline.documents import contexts as cx
from pipeline.documents.catalogue import STUDENT_FILES
from pipeline.documents.formats import de, slug
from pipeline.documents.render import find_template, render_docx
from pipeline.errors import CoparError
from pipeline.files import sha256_file, sha256_text
from pipeline.pdf.assemble import (
    PacketPart,
    PacketSection,
    assemble_packet,
    section_start_pages,
)
from pipeline.pdf.pdfinfo import page_count
from pipeline.processes import DISK_FULL
from pipeline.workbook.model import Dataset, Defense, Jury, Student
from pipeline.workbook.rapports import ABSENT, DEFAULT_MAX_MB, SEVERAL, UNUSABLE, choose_rapport, find_rapports

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
    placeholder: bool = field(init=False)  # its PDF is a page rendered to stand in for the missing one

    def __post_init__(self) -> None:
        self.placeholder = self.pdf is None

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
    outcome: Outcome | None = None
    fingerprint: str = ""
    sections: list[PacketSection] = field(default_factory=list)
    front: Path | None = None

    @property
    def alive(self) -> bool:
        return self.outcome is not None and self.outcome.status != FAILED

    def placeholders(self) -> list[tuple[Student, int, _Slot, str]]:
        """(student, part index, slot, output path without suffix) of each page to render."""
        return [(s, i, slot, str(self.folder / PAGES / f"{slug(s.numero, 20)}-{i + 1}-indisponible"))
                for s, plan in zip(self.students, self.plans, strict=True)
                for i, slot in enumerate(plan) if slot.placeholder]

    def extras(self) -> list[str]:
        """The packet's other files: front matter and placeholder pages."""
        stems = [str(self.folder / COVER), *(rel for *_, rel in self.placeholders())]
        return [f"{stem}{suffix}" for stem in stems for suffix in (".docx", ".pdf")]


# A DOCX rendered for a packet, waiting for its PDF: (packet, output path without suffix, fingerprint)
_Rendered = tuple[_Packet, str, str]


def build_packets(stage: PacketStage, ds: Dataset, layout: Layout, result: BuildResult, *,
                  only_existing: bool) -> None:
    """Build (or bring up to date) each jury's packet.

    The placeholder pages of every packet to rebuild are converted in one call, then their
    covers (whose sommaire needs the placeholders' page counts) in one more; a cover or a
    placeholder page rendered from what it was last time, and untouched since, is reused.
    One jury's failure fails that jury's packet only.

    only_existing: update the packets an earlier build wrote, create none (restricted builds).
    """
    rapports = find_rapports(stage.rapports, [s.numero for s in ds.students])
    packets = []
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
        packets.append(_Packet(jury, defenses, students, plans, folder, rel))
    todo = [packet for packet in packets if _start(stage, ds, packet, result)]
    _placeholders(stage, ds, todo, result)
    _covers(stage, ds, [p for p in todo if p.alive], result)
    for packet in todo:
        if packet.alive:
            _guarded(stage, packet, partial(_record, stage, packet, result))


def _start(stage: PacketStage, ds: Dataset, packet: _Packet, result: BuildResult) -> bool:
    """Skip an up-to-date packet; otherwise make way for the new one. Whether it must be built."""
    manifest, outputs = stage.manifest, stage.outputs
    packet.outcome = Outcome(f"Dossier du jury {packet.jury.jury}", packet.rel, WRITTEN, family=PACKET_FAMILY)
    result.outcomes.append(packet.outcome)
    manifest.attempted.add(packet.rel)
    packet.fingerprint = _fingerprint(stage, ds, packet)
    target = outputs.target(packet.rel, ".pdf")
    if not stage.settings.force and manifest.fresh(packet.rel, packet.fingerprint, {"pdf": target}):
        manifest.keep(packet.rel)
        packet.outcome.status = SKIPPED
        return False
    set_aside(manifest, outputs, packet.rel, {"pdf": target}, result)
    wanted = packet.extras()
    recorded = manifest.extras_of(packet.rel)
    for path, item in recorded.items():
        if path not in wanted:  # e.g. the placeholder of a rapport that has arrived since
            remove_file(outputs, path, item.sha256, result)
    extras = tuple(recorded.get(path) or FileRecord(path) for path in wanted)  # kept: may be reused
    manifest.invalidate(packet.rel, Entry(PACKET_FAMILY, packet.outcome.label, extra=extras), [f"{packet.rel}.pdf"])
    return True


def _guarded(stage: PacketStage, packet: _Packet, step: Callable[[], object]) -> bool:
    """Run one step of one packet; on failure, that packet alone fails (a full disk stops the build)."""
    try:
        step()
        return True
    except (CoparError, OSError) as exc:
        if isinstance(exc, OSError) and exc.errno in DISK_FULL:
            raise
        _fail(stage, packet, str(exc))
        return False


def _fail(stage: PacketStage, packet: _Packet, error: str) -> None:
    assert packet.outcome is not None
    packet.outcome.status, packet.outcome.error = FAILED, f"{error} (l'ancien dossier, périmé, a été retiré)"
    stage.outputs.discard(f"{packet.rel}.pdf")


def _fingerprint(stage: PacketStage, ds: Dataset, packet: _Packet) -> str:
    parts = [slot.identity() for plan in packet.plans for slot in plan]
    passages = [cx.passage(d, s, ds) for d, s in zip(packet.defenses, packet.students, strict=True)]
    templates = [sha256_file(find_template(name, stage.settings.templates))
                 for name in ("couverture_jury.docx", "rapport_indisponible.docx")]
    text = "|".join([*parts, str(cx.jury(packet.jury)), str(passages), *templates, str(stage.settings.pdfa)])
    return sha256_text(text)


# --- extras: covers and placeholder pages, reused when unchanged ----------------------------------

def _reusable(stage: PacketStage, packet: _Packet, stem: str, fp: str) -> Path | None:
    """The PDF of an extra rendered from `fp` whose DOCX and PDF are as copar wrote them; else None."""
    if stage.settings.force:
        return None
    recorded = stage.manifest.extras_of(packet.rel)
    for suffix in (".docx", ".pdf"):
        item = recorded.get(f"{stem}{suffix}")
        path = stage.outputs.target(stem, suffix)
        if item is None or item.fingerprint != fp or not item.sha256 or not path.is_file() \
                or sha256_file(path) != item.sha256:
            return None
    return stage.outputs.target(stem, ".pdf")


def _render_extra(stage: PacketStage, packet: _Packet, stem: str, fp: str, template: Path,
                  context: dict[str, Any], result: BuildResult, rendered: dict[Path, _Rendered]) -> Path | None:
    """The PDF of an extra when it can be reused; otherwise render its DOCX (setting aside a file
    edited by hand) and queue it for conversion."""
    pdf = _reusable(stage, packet, stem, fp)
    if pdf is not None:
        return pdf
    recorded = stage.manifest.extras_of(packet.rel)
    for suffix in (".docx", ".pdf"):
        path = f"{stem}{suffix}"
        item = recorded.get(path)
        set_aside_edited(stage.outputs, path, item.sha256 if item is not None else None, result)
        stage.manifest.update_extra(packet.rel, path, None)  # copar's, content unknown until it lands
    stage.outputs.discard(f"{stem}.pdf")
    docx = stage.outputs.target(stem, ".docx")
    render_docx(template, context, docx)
    rendered[docx] = (packet, stem, fp)
    return None


def _convert_extras(stage: PacketStage, rendered: dict[Path, _Rendered]) -> list[tuple[Path, _Rendered, str | None]]:
    """Convert the DOCX of the packets still alive in one call: (docx, what it is, error or None)."""
    docx = [path for path, (packet, *_) in rendered.items() if packet.alive]
    if not docx:
        return []
    try:
        errors = stage.convert(docx)
    except CoparError as exc:  # no LibreOffice at all
        errors = dict.fromkeys(docx, str(exc))
    return [(path, rendered[path], errors.get(path, "conversion PDF impossible")) for path in docx]


def _landed(stage: PacketStage, packet: _Packet, stem: str, fp: str) -> Path:
    """Record an extra's new DOCX and PDF; its PDF (failing clearly if LibreOffice's is unreadable)."""
    docx, pdf = stage.outputs.target(stem, ".docx"), stage.outputs.target(stem, ".pdf")
    pages = page_count(pdf)
    stage.manifest.update_extra(packet.rel, f"{stem}.docx", docx, fp)
    stage.manifest.update_extra(packet.rel, f"{stem}.pdf", pdf, fp, pages=pages)
    return pdf


def _placeholders(stage: PacketStage, ds: Dataset, packets: list[_Packet], result: BuildResult) -> None:
    """Every packet's placeholder pages: reused, or rendered and converted all together."""
    common = cx.common(ds, stage.settings.today)
    rendered: dict[Path, _Rendered] = {}
    slots: dict[Path, _Slot] = {}

    def render(packet: _Packet) -> None:
        template = find_template("rapport_indisponible.docx", stage.settings.templates)
        for s, _i, slot, stem in packet.placeholders():
            context = {**common, "etudiant": cx.student(s, ds), "motif": slot.motif, "fichier": slot.fichier,
                       "document": slot.title}
            fp = fingerprint(context, template, stage.settings.pdfa)
            slot.pdf = _render_extra(stage, packet, stem, fp, template, context, result, rendered)
            slots[stage.outputs.target(stem, ".docx")] = slot

    for packet in packets:
        _guarded(stage, packet, partial(render, packet))
    for docx, (packet, stem, fp), error in _convert_extras(stage, rendered):
        def landed(docx: Path = docx, packet: _Packet = packet, stem: str = stem, fp: str = fp,
                   error: str | None = error) -> None:
            if error:
                raise CoparError(f"page de remplacement non convertie ({docx.name}) : {error}")
            slots[docx].pdf = _landed(stage, packet, stem, fp)

        if packet.alive:
            _guarded(stage, packet, landed)


def _covers(stage: PacketStage, ds: Dataset, packets: list[_Packet], result: BuildResult) -> None:
    """Cover and table of contents of every packet: reused, or rendered and converted all together.
    Content pages are numbered from 1, whatever the cover's length."""
    rendered: dict[Path, _Rendered] = {}

    def render(packet: _Packet) -> None:
        packet.sections = [
            PacketSection(f"{cx.fmt.time_fr(d.heure)} — {s.nom_complet}",
                          tuple(PacketPart(slot.title, slot.pdf) for slot in plan if slot.pdf is not None))
            for d, s, plan in zip(packet.defenses, packet.students, packet.plans, strict=True)
        ]
        template = find_template("couverture_jury.docx", stage.settings.templates)
        starts = section_start_pages(packet.sections, 0)
        passages = [cx.passage(d, s, ds, page=start)
                    for d, s, start in zip(packet.defenses, packet.students, starts, strict=True)]
        context = {**cx.common(ds, stage.settings.today), "jury": cx.jury(packet.jury), "passages": passages,
                   "sommaire": passages}
        fp = fingerprint(context, template, stage.settings.pdfa)
        packet.front = _render_extra(stage, packet, str(packet.folder / COVER), fp, template, context, result,
                                     rendered)

    for packet in packets:
        _guarded(stage, packet, partial(render, packet))
    for _docx, (packet, stem, fp), error in _convert_extras(stage, rendered):
        def landed(packet: _Packet = packet, stem: str = stem, fp: str = fp, error: str | None = error) -> None:
            if error:
                raise CoparError(f"couverture du jury {packet.jury.jury} non convertie : {error}")
            packet.front = _landed(stage, packet, stem, fp)

        if packet.alive:
            _guarded(stage, packet, landed)


def _record(stage: PacketStage, packet: _Packet, result: BuildResult) -> None:
    stage.manifest.record(packet.rel, _assemble(stage, packet, result))


def _assemble(stage: PacketStage, packet: _Packet, result: BuildResult) -> Entry:
    assert packet.front is not None
    sections = packet.sections
    pdfa = stage.settings.pdfa and _all_pdfa(sections, packet.jury, result)
    title = f"Dossier du jury {packet.jury.jury}"
    info = assemble_packet(packet.front, sections, stage.outputs.target(packet.rel, ".pdf"), title=title, pdfa=pdfa)
    out = stage.outputs.root.resolve()
    recorded = stage.manifest.extras_of(packet.rel)
    return Entry(PACKET_FAMILY, title, packet.fingerprint,
                 pdf=FileRecord(f"{packet.rel}.pdf", sha256_file(info.path), info.pages, info.size),
                 extra=tuple(recorded.get(path) or FileRecord(path) for path in packet.extras()),
                 students=tuple(s.numero for s in packet.students), pdfa=pdfa,
                 parts=tuple(FileRecord(_relative(p.pdf, out), sha256_file(p.pdf))
                             for sec in sections for p in sec.parts))


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

"""Jury packets: one bookmarked PDF per jury session, built from converted documents."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from . import contexts as cx
from .assemble import (
    PacketPart,
    PacketSection,
    assemble_packet,
    find_rapports,
    page_count,
    probe_pdf,
    section_start_pages,
)
from .documents import STUDENT_FILES
from .errors import CoparError
from .formats import slug
from .model import Dataset, Defense, Jury, Student
from .workbook import rapports_dir

if TYPE_CHECKING:
    from .build import Builder, BuildResult
    from .documents import Layout

# (family, part title) of each student's documents, in packet order.
STUDENT_PARTS = (
    ("grille", "Grille d'évaluation"),
    ("compte_rendu", "Compte rendu du bilan tripartite"),
    ("livret", "Livret de bilans"),
)
RAPPORT_TITLE = "Rapport de mission"
FRONT_TITLE = "Couverture et sommaire"
MAX_FRONT_ATTEMPTS = 3


@dataclass
class _Slot:
    """One part of one student's section: a PDF to include, or a placeholder to render."""

    title: str
    pdf: Path | None
    motif: str = ""
    fichier: str = ""


def build_packets(builder: Builder, ds: Dataset, layout: Layout, result: BuildResult) -> None:
    rapports = find_rapports(rapports_dir(builder.source), [s.numero for s in ds.students])
    for jury in ds.juries:
        defenses = ds.defenses_of(jury.jury)
        if not defenses:
            result.notes.append(f"{jury.jury} : aucune soutenance inscrite, pas de dossier.")
            continue
        folder = layout.jury_dir(jury.jury)
        rel = str(folder / f"dossier-{folder.name}")
        from .build import Outcome

        outcome = Outcome(f"Dossier du jury {jury.jury}", rel, "written", family="dossier_jury")
        result.outcomes.append(outcome)
        try:
            _packet(builder, ds, layout, jury, defenses, rapports, rel, result)
        except (CoparError, OSError) as exc:
            outcome.status, outcome.error = "failed", str(exc)


def _packet(builder: Builder, ds: Dataset, layout: Layout, jury: Jury, defenses: list[Defense],
            rapports: dict[str, list[Path]], rel: str, result: BuildResult) -> None:
    from .build import sha256_file

    folder = layout.jury_dir(jury.jury)
    students = [ds.student(d.numero) for d in defenses]
    plans = [_slots(builder, layout, s, rapports.get(s.numero, []), result) for s in students]
    _render_placeholders(builder, ds, folder, students, plans)
    sections = [
        PacketSection(f"{cx.fmt.time_fr(d.heure)} — {s.nom_complet}",
                      tuple(PacketPart(slot.title, slot.pdf) for slot in plan if slot.pdf is not None))
        for d, s, plan in zip(defenses, students, plans, strict=True)
    ]
    front = _front(builder, ds, jury, defenses, students, sections, folder)
    pdfa = builder.s.pdfa and _all_pdfa(sections, jury, result)
    info = assemble_packet(front, sections, builder.target(rel, ".pdf"), title=f"Dossier du jury {jury.jury}",
                           pdfa=pdfa)
    builder.files[rel] = {
        "family": "dossier_jury",
        "label": f"Dossier du jury {jury.jury}",
        "students": [s.numero for s in students],
        "pdf": {"path": f"{rel}.pdf", "sha256": sha256_file(info.path),
                "pages": info.pages, "bytes": info.size},
        "parts": [str(p.pdf) for sec in sections for p in sec.parts],
    }


def _all_pdfa(sections: list[PacketSection], jury: Jury, result: BuildResult) -> bool:
    """Whether every part is PDF/A-2b with embedded fonts; notes the parts that are not."""
    from .convert import fonts_embedded, pdfa_claim

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
    if not files:
        motif = f"aucun fichier dont le nom contient le n° {s.numero} dans le dossier {folder}"
        result.notes.append(f"Rapport de mission absent : {who}.")
        return _Slot(RAPPORT_TITLE, None, motif, "")
    if len(files) > 1:
        names = ", ".join(p.name for p in files)
        result.notes.append(f"Plusieurs rapports pour {who} : {names} — gardez-en un seul.")
        return _Slot(RAPPORT_TITLE, None, f"plusieurs fichiers trouvés ({names}) : le programme doit indiquer "
                                          "lequel est le bon", names)
    reason = probe_pdf(files[0])
    if reason is not None:
        result.notes.append(f"Rapport de mission inutilisable : {who}, {files[0].name} — {reason}.")
        return _Slot(RAPPORT_TITLE, None, reason, files[0].name)
    return _Slot(RAPPORT_TITLE, files[0])


def _render_placeholders(builder: Builder, ds: Dataset, folder: PurePosixPath, students: list[Student],
                         plans: list[list[_Slot]]) -> None:
    from .render import find_template, render_docx

    template = find_template("rapport_indisponible.docx", builder.s.templates)
    common = cx.common(ds, builder.s.today)
    todo: dict[Path, _Slot] = {}
    for s, plan in zip(students, plans, strict=True):
        for i, slot in enumerate(plan):
            if slot.pdf is None:
                docx = builder.target(str(folder / "pages" / f"{slug(s.numero, 20)}-{i + 1}-indisponible"), ".docx")
                context = {**common, "etudiant": cx.student(s, ds), "motif": slot.motif, "fichier": slot.fichier,
                           "document": slot.title}
                render_docx(template, context, docx)
                todo[docx] = slot
    if not todo:
        return
    for docx, error in builder.convert_files(list(todo)).items():
        if error:
            raise CoparError(f"Page de remplacement non convertie ({docx.name}) : {error}")
        todo[docx].pdf = docx.with_suffix(".pdf")


def _front(builder: Builder, ds: Dataset, jury: Jury, defenses: list[Defense], students: list[Student],
           sections: list[PacketSection], folder: PurePosixPath) -> Path:
    """Cover + table of contents, re-rendered until its own page count is the one assumed."""
    from .render import find_template, render_docx

    template = find_template("couverture_jury.docx", builder.s.templates)
    docx = builder.target(str(folder / "couverture-et-sommaire"), ".docx")
    front_pages = 2
    for _ in range(MAX_FRONT_ATTEMPTS):
        starts = section_start_pages(sections, front_pages)
        context = _cover_context(builder, ds, jury, defenses, students, starts)
        render_docx(template, context, docx)
        error = builder.convert_files([docx])[docx]
        if error:
            raise CoparError(f"Couverture du jury {jury.jury} non convertie : {error}")
        actual = page_count(docx.with_suffix(".pdf"))
        if actual == front_pages:
            return docx.with_suffix(".pdf")
        front_pages = actual
    raise CoparError(f"Couverture du jury {jury.jury} : le sommaire ne se stabilise pas ({front_pages} pages).")


def _cover_context(builder: Builder, ds: Dataset, jury: Jury, defenses: list[Defense], students: list[Student],
                   starts: list[int]) -> dict[str, Any]:
    passages = [cx.passage(d, s, ds, page=start) for d, s, start in zip(defenses, students, starts, strict=True)]
    return {**cx.common(ds, builder.s.today), "jury": cx.jury(jury), "passages": passages, "sommaire": passages}

"""`copar forms`: write the forms of one type (and period) under outputs/formulaires/."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

from pipeline.documents import contexts as cx
from pipeline.errors import ValidationFailed
from pipeline.forms import layout
from pipeline.forms.content import Form, build_forms
from pipeline.forms.keys import ensure_key, sign
from pipeline.settings import Settings
from pipeline.workbook.reader import resolve_input
from pipeline.workbook.validate import check

FORMATS = ("pdf", "docx", "xlsx")


@dataclass
class Written:
    files: list[Path] = field(default_factory=list)
    forms: int = 0
    recipients: int = 0
    skipped: list[str] = field(default_factory=list)  # French: students left out, and why


def write_forms(settings: Settings, form_type: str, periode: int | None, fmt: str) -> Written:
    """Write every form; raises ValidationFailed while the workbook has errors."""
    ds, report = check(settings.input)
    if ds is None:
        raise ValidationFailed(report)
    key = ensure_key(resolve_input(settings.input))
    forms = [replace(f, identity=sign(f.identity, f.recipient.folder, key)) if f.recipient else f
             for f in build_forms(ds, form_type, periode, settings.student)]
    result = Written(forms=len(forms))
    if form_type == "grille":
        with_defense = {f.identity.numero for f in forms}
        result.skipped = [f"{s.nom_complet} (n° {s.numero}) : pas de soutenance dans la feuille Soutenances, "
                          "donc pas de jury à qui envoyer la grille."
                          for s in ds.students if s.numero not in with_defense
                          and (settings.student is None or s.numero == settings.student)]
    groups: dict[str, list[Form]] = defaultdict(list)
    for form in forms:
        assert form.recipient is not None
        groups[form.recipient.folder].append(form)
    result.recipients = len(groups)
    folder = settings.output / layout.ROOT / layout.type_folder(form_type, periode)
    if fmt == "xlsx":
        from pipeline.forms.sheet import write_xlsx

        for name, group in groups.items():
            path = folder / name / f"{name}.xlsx"
            write_xlsx(group, path)
            result.files.append(path)
        return result
    common = cx.common(ds, settings.today)
    for form in forms:
        assert form.student is not None and form.recipient is not None
        path = folder / form.recipient.folder / f"{layout.file_stem(form.student, periode)}.{fmt}"
        if fmt == "pdf":
            from pipeline.forms.pdf import write_pdf

            write_pdf(form, path)
        else:
            from pipeline.forms.word import write_docx

            write_docx(form, path, common, settings.templates)
        result.files.append(path)
    return result

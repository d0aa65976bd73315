"""`copar forms`: write the forms of one type (and period) under outputs/formulaires/."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

from pipeline.build.settings import Settings
from pipeline.documents import contexts as cx
from pipeline.documents.formats import plural
from pipeline.errors import CoparError
from pipeline.forms import layout, spec
from pipeline.forms.content import Form, build_forms
from pipeline.forms.keys import ensure_key, sign
from pipeline.workbook.model import Dataset, Student, Tutor
from pipeline.workbook.reader import resolve_input
from pipeline.workbook.schema import normalize
from pipeline.workbook.validate import load_valid

FORMATS = ("pdf", "docx", "xlsx")


@dataclass
class FormsWritten:
    files: list[Path] = field(default_factory=list)
    forms: int = 0
    recipients: int = 0
    skipped: list[str] = field(default_factory=list)  # French: students left out, and why
    removed: list[Path] = field(default_factory=list)  # forms of an earlier run no longer due (old names), unchanged
    notes: list[str] = field(default_factory=list)  # French: drafts written again because their forms changed
                                                    # (filled by the caller: pipeline.sending.derived)

    def summary_lines(self, output: Path) -> list[str]:
        """What `copar forms` wrote, in French (the CLI and the web page show these lines)."""
        lines = [f"Sans formulaire : {line}" for line in self.skipped]
        written = "écrit" if len(self.files) <= 1 else "écrits"
        lines.append(f"{plural(self.forms, 'formulaire')} pour {plural(self.recipients, 'destinataire')}, "
                     f"{plural(len(self.files), 'fichier')} {written} dans {output}/{layout.ROOT}/")
        if self.removed:
            lines.append(f"{'Retiré' if len(self.removed) == 1 else 'Retirés'} (ancien nom, ou plus attendu) : "
                         + ", ".join(str(p) for p in self.removed))
        return lines + self.notes


def write_forms(settings: Settings, form_type: str, periode: int | None, fmt: str, tutor: str | None = None) -> FormsWritten:
    """Write every form (of one tutor's students with `tutor`); raises ValidationFailed while the workbook has errors."""
    ds = load_valid(settings.input)
    mine = None
    if tutor is not None:
        if form_type == spec.GRILLE:
            raise CoparError("--tuteur ne s'emploie pas avec --type grille : les grilles vont aux jurys.")
        mine = {s.numero for s in find_tutor(ds, tutor)[1]}
    key = ensure_key(resolve_input(settings.input))
    forms = [replace(f, identity=sign(f.identity, f.recipient.folder, key)) if f.recipient else f
             for f in build_forms(ds, form_type, periode, settings.student)
             if mine is None or f.identity.numero in mine]
    result = FormsWritten(forms=len(forms))
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
    targets: list[tuple[Path, list[Form]]] = []
    if fmt == "xlsx":
        targets = [(folder / name / f"{name}.xlsx", group) for name, group in groups.items()]
    else:
        for form in forms:
            assert form.student is not None and form.recipient is not None
            targets.append((folder / form.recipient.folder / f"{layout.file_stem(form.student, periode)}.{fmt}", [form]))
    record = Record(settings.output / layout.ROOT)
    if not settings.force:
        filled = [(path, why) for path, group in targets if (why := record.filled_in_place(path, group, ds))]
        if filled:
            raise FormsFilledInPlace(filled)
    common = cx.common(ds, settings.today) if fmt == "docx" else {}
    for path, group in targets:
        if fmt == "xlsx":
            from pipeline.forms.sheet import write_xlsx

            write_xlsx(group, path)
        elif fmt == "pdf":
            from pipeline.forms.pdf import write_pdf

            write_pdf(group[0], path)
        else:
            from pipeline.forms.word import write_docx

            write_docx(group[0], path, common, settings.templates)
        record.wrote(path)
        result.files.append(path)
    if settings.student is None and tutor is None:  # a renamed student's or a changed tutor's old forms are not left beside the new
        result.removed = record.sweep(folder, set(result.files), f".{fmt}")
    record.save()
    return result


def find_tutor(ds: Dataset, text: str) -> tuple[Tutor, list[Student]]:
    """The tutor `text` names: their address, or their name in either order, case and accents aside; or
    their last name alone when no other tutor has it. A French error naming the close names otherwise."""
    import difflib

    def key(name: str) -> str:
        return " ".join(sorted(normalize(w) for w in name.split() if normalize(w)))

    wanted = key(text)
    tutors = ds.tutors()
    found = [g for g in tutors if text.strip().lower() == g[0].key or wanted == key(g[0].nom_complet)]
    if not found:
        found = [g for g in tutors if wanted and wanted == key(g[0].nom)]
    if len(found) == 1:
        return found[0]
    names = [g[0].nom_complet for g in tutors]
    if found:
        raise CoparError(f"Plusieurs tuteur·rices s'appellent « {text} » : "
                         + ", ".join(f"{t.nom_complet} ({t.courriel})" for t, _ in found)
                         + ". Précisez --tuteur avec le prénom et le nom, ou le courriel.")
    by_key = {key(n): n for n in names} | {normalize(t.nom): t.nom_complet for t, _ in tutors}
    close = difflib.get_close_matches(wanted, list(by_key), n=3, cutoff=0.6)
    hint = (f" Vouliez-vous dire : {', '.join(dict.fromkeys(by_key[c] for c in close))} ?" if close else
            " Les tuteur·rices sont dans la feuille Étudiant·es, colonnes Tuteur·rice nom et prénom.")
    raise CoparError(f"Tuteur·rice inconnu·e pour --tuteur : « {text} ».{hint}")


class FormsFilledInPlace(CoparError):
    """Raised when `copar forms` would overwrite forms that someone filled in place."""

    def __init__(self, filled: list[tuple[Path, str]]) -> None:
        shown = "\n".join(f"  - {path} : {why}" for path, why in filled[:20])
        more = f"\n  … et {len(filled) - 20} autres" if len(filled) > 20 else ""
        n = len(filled)
        super().__init__(f"{n} formulaire{'s' if n > 1 else ''} déjà rempli{'s' if n > 1 else ''} sur place "
                         f"(réponses différentes de celles que copar y a écrites et du classeur) :\n{shown}{more}\n"
                         "Rien n'a été écrit. Reportez d'abord ces réponses avec « copar collect DOSSIER » (ou "
                         "déplacez ces fichiers), ou relancez avec --force pour les remplacer.")


class Record:
    """What `copar forms` wrote: SHA-256 of each form, in formulaires/.copar-formulaires.json."""

    NAME = ".copar-formulaires.json"

    def __init__(self, root: Path) -> None:
        import json

        self.root = root
        self.path = root / self.NAME
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.hashes: dict[str, str] = {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
        except (OSError, ValueError):
            self.hashes = {}

    def _key(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def wrote(self, path: Path) -> None:
        self.hashes[self._key(path)] = _sha256(path)

    def sweep(self, folder: Path, written: set[Path], suffix: str) -> list[Path]:
        """Remove the forms (of this format) copar wrote earlier in `folder` and not now, if unchanged since."""
        removed = []
        for key, sha in sorted(self.hashes.items()):
            path = self.root / key
            if (path.suffix != suffix or path in written or folder not in path.parents or ".." in Path(key).parts
                    or not path.is_file() or _sha256(path) != sha):
                continue
            path.unlink()
            del self.hashes[key]
            removed.append(path)
            if path.parent != folder and not any(path.parent.iterdir()):
                path.parent.rmdir()
        return removed

    def save(self) -> None:
        import json

        from pipeline.files import write_atomically

        text = json.dumps(self.hashes, ensure_ascii=False, indent=1, sort_keys=True)
        write_atomically(self.path, lambda tmp: tmp.write_text(text, encoding="utf-8"))

    def filled_in_place(self, path: Path, forms: list[Form], ds: Dataset) -> str:
        """Why overwriting `path` would lose answers ("" when it would not): the file is as copar wrote it,
        or every answer it holds is also in the new form."""
        if not path.is_file() or self.hashes.get(self._key(path)) == _sha256(path):
            return ""
        from pipeline.forms import guard
        from pipeline.forms.merge import typed_or_text
        from pipeline.forms.read import read_file

        try:
            returns = read_file(path, ds)
        except guard.Refused as exc:
            return f"modifié depuis son écriture et illisible ({exc.args[0] if exc.args else ''})"
        by_identity = {(f.identity.type, f.identity.numero, f.identity.periode): f for f in forms}
        differing: list[str] = []
        for ret in returns:
            i = ret.identity
            form = by_identity.get((i.type, i.numero, i.periode))
            new = form.values if form else {}
            for f in spec.fields(i.type, ds) if i.type in spec.TYPES else ():
                old = ret.answers.get(f.key)
                if old in (None, "") or (f.key in new and typed_or_text(f, old) == typed_or_text(f, new[f.key])):
                    continue
                differing.append(f"« {f.label[:40]} »" + (f" (n° {i.numero})" if len(forms) > 1 else ""))
        if not differing:
            return ""
        return ("modifié depuis son écriture, réponses absentes du classeur : " + ", ".join(differing[:5])
                + (f" et {len(differing) - 5} autres" if len(differing) > 5 else ""))


def _sha256(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(2**20), b""):
            digest.update(chunk)
    return digest.hexdigest()

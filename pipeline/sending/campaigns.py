"""The mail campaigns: who receives what, for each `copar mails --pour` value.

Each campaign turns the promotion into drafts: recipients (To, Cc), the template and its
context, the PDFs to attach (paths under the build's output folder, each with the command
that produces it) and an optional calendar. Who is copied follows the handbook: the
teaching team for the tutors' meeting, the cahier des charges ("communiqué au tuteur·rice
et à l'équipe pédagogique"), the bilan tripartite and the juries; the bilans intermédiaires
are between the student and the tutor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Callable

from pipeline.documents import contexts as cx
from pipeline.documents import formats as fmt
from pipeline.documents.catalogue import STUDENT_FILES, Layout
from pipeline.documents.formats import slug
from pipeline.forms import layout as forms_layout
from pipeline.forms import spec
from pipeline.sending import calendars as ical
from pipeline.sending.addresses import Recipient, name_key, parse_member, recipient, unique
from pipeline.workbook.model import PERIODS, Dataset, Student, Tutor

FORMS = PurePosixPath(forms_layout.ROOT)


@dataclass(frozen=True)
class Attachment:
    path: Path
    hint: str  # the command that writes it, for the "missing" message
    name: str = ""  # the name the recipient sees, when the file's own name is not telling

    @property
    def filename(self) -> str:
        return self.name or self.path.name


@dataclass
class Draft:
    stem: str  # the .eml file name, without suffix
    to: list[Recipient]
    cc: list[Recipient]
    context: dict[str, Any]
    attachments: list[Attachment] = field(default_factory=list)
    calendar: tuple[str, bytes] | None = None  # (file name, .ics bytes)
    ident: str = ""  # who, stable when names change: « tuteur:<adresse> », « etudiant:<n°> », « jury:<nom> »

    @property
    def who(self) -> str:
        return self.ident or self.stem


@dataclass(frozen=True)
class CampaignOptions:
    out: Path  # the build's output folder, where the PDFs are
    periode: int | None = None
    all_formats: bool = False  # forms: every format `copar forms` wrote, not one per form


Campaign = Callable[[Dataset, Layout, dict[str, Any], CampaignOptions], list[Draft]]


def team(ds: Dataset) -> list[Recipient]:
    """The teaching team (Promotion's responsable and accompagnement), addresses from Promotion or Équipe."""
    p = ds.promotion
    known = directory(ds)
    members = [recipient(p.responsable, p.courriel_responsable or known.get(name_key(p.responsable), ""),
                         "responsable pédagogique")]
    if p.accompagnement:
        members.append(recipient(p.accompagnement,
                                 p.courriel_accompagnement or known.get(name_key(p.accompagnement), ""),
                                 "accompagnement de l'alternance"))
    return members


def directory(ds: Dataset) -> dict[str, str]:
    """Every address the workbook gives a name (sheet Équipe first, then Promotion, then the tutors), by name_key."""
    p = ds.promotion
    known = {name_key(m.nom): m.courriel for m in ds.equipe if m.courriel}
    for name, address in ((p.responsable, p.courriel_responsable), (p.accompagnement, p.courriel_accompagnement),
                          (p.secretariat, p.courriel_secretariat)):
        if name and address:
            known.setdefault(name_key(name), address)
    for t, _ in ds.tutors():
        known.setdefault(name_key(t.nom_complet), t.courriel)
    return known


def sender(ds: Dataset) -> Recipient | None:
    """Who the drafts come from: the Promotion's Secrétariat, else the accompagnement, else the responsable."""
    p = ds.promotion
    if p.secretariat:
        found = recipient(p.secretariat, p.courriel_secretariat or directory(ds).get(name_key(p.secretariat), ""),
                          "secrétariat")
        if found.ok:
            return found
    return next((r for r in reversed(team(ds)) if r.ok), None)


def signature(ds: Dataset) -> list[dict[str, str]]:
    """Who signs the mails: the Promotion's Signataire (role and address from Équipe), else the teaching team."""
    p = ds.promotion
    people = [{"nom": r.name, "role": r.role, "courriel": r.address} for r in team(ds)]
    if not p.signataire:
        return people
    key = name_key(p.signataire)
    for person in people:
        if name_key(person["nom"]) == key:
            return [person]
    member = next((m for m in ds.equipe if name_key(m.nom) == key), None)
    if member is not None:
        return [{"nom": member.nom, "role": member.role, "courriel": member.courriel}]
    if p.secretariat and name_key(p.secretariat) == key:
        return [{"nom": p.secretariat, "role": "secrétariat", "courriel": p.courriel_secretariat}]
    return [{"nom": p.signataire, "role": "", "courriel": ""}]


def tripartite_staff(ds: Dataset, s: Student) -> list[Recipient]:
    """The teacher(s) of the student's bilan tripartite (its Participants, else pipeline.planning.people's rule)."""
    from pipeline.planning.people import staff_of

    known = directory(ds)
    return [recipient(p.label, known.get(name_key(p.label), ""), "enseignant·e du bilan tripartite")
            for p in staff_of(s, ds.tripartite_of(s.numero), ds)]


def tutor_ident(t: Tutor) -> str:
    return f"tuteur:{t.key}"


def student_ident(s: Student) -> str:
    return f"etudiant:{s.numero}"


def jury_ident(name: str) -> str:
    return f"jury:{' '.join(name.lower().split())}"


def _tutor(t: Tutor) -> Recipient:
    return recipient(t.nom_complet, t.courriel, "tuteur·rice")


def _student(s: Student) -> Recipient:
    return recipient(s.nom_complet, s.courriel, "étudiant·e")


def _pdf(opts: CampaignOptions, rel: PurePosixPath | str, family: str) -> Attachment:
    return Attachment(opts.out / f"{rel}.pdf", f"copar build --only {family}")


def _student_pdf(opts: CampaignOptions, layout: Layout, s: Student, family: str, stem: str = "") -> Attachment:
    """A student's document, named after the student (a tutor with two gets two distinct names)."""
    stem = stem or STUDENT_FILES[family]
    return Attachment(opts.out / layout.student_dir(s) / f"{stem}.pdf", f"copar build --only {family.replace('_', '-')}",
                      f"{stem}-{slug(s.nom, 30)}-{slug(s.prenom, 30)}.pdf")


def _ics(ds: Dataset, entries: list[ical.Entry], person: str, name: str, file: str) -> tuple[str, bytes] | None:
    return (file, ical.to_ics(ds, entries, person, name)) if entries else None


def reunion_tuteurs(ds: Dataset, layout: Layout, common: dict[str, Any], opts: CampaignOptions) -> list[Draft]:
    """One per tutor: the invitation, each student's fiche, the meeting in an .ics."""
    meeting = ds.calendar.get("reunion_tuteurs")
    drafts = []
    for t, students in ds.tutors():
        attachments = [_pdf(opts, PurePosixPath("reunion-tuteurs", "invitations", layout.tutors[t.key]), "invitation")]
        attachments += [_student_pdf(opts, layout, s, "fiche") for s in students]
        entries = [ical.row_entry(meeting)] if meeting else []
        drafts.append(Draft(
            ical.tutor_stem(layout, t), [_tutor(t)], team(ds),
            {**common, "tuteur": cx.tutor(t), "etudiants": [cx.student(s, ds) for s in students],
             "reunion": common["echeances"]["reunion_tuteurs"]},
            attachments, _ics(ds, entries, ical.tutor_person(t), "Réunion des tuteur·rices", "reunion-tuteurs.ics"),
            tutor_ident(t)))
    return drafts


def cahier(ds: Dataset, layout: Layout, common: dict[str, Any], opts: CampaignOptions) -> list[Draft]:
    """One per student: the cahier des charges (or feuille de route) skeleton and its deadline."""
    due = ds.calendar.get("cahier_des_charges")
    drafts = []
    for s in ds.students:
        family = "feuille_de_route" if s.en_emploi else "cahier"
        entries = [ical.row_entry(due)] if due else []
        drafts.append(Draft(
            layout.students[s.numero], [_student(s)], [_tutor(s.tuteur), *team(ds)],
            {**common, "etudiant": cx.student(s, ds), "echeance": common["echeances"]["cahier_des_charges"],
             "document": "feuille de route" if s.en_emploi else "cahier des charges"},
            [_student_pdf(opts, layout, s, family)],
            _ics(ds, entries, ical.student_person(s), "Cahier des charges", "cahier-des-charges.ics"), student_ident(s)))
    return drafts


def bilans(ds: Dataset, layout: Layout, common: dict[str, Any], opts: CampaignOptions) -> list[Draft]:
    """One per student, to the student and the tutor: the bilan of --periode N, else the livret."""
    drafts = []
    for s in ds.students:
        if opts.periode is None:
            attachment = _student_pdf(opts, layout, s, "livret")
            periode = None
        else:
            attachment = _student_pdf(opts, layout, s, "bilan", f"bilan-periode-{opts.periode}")
            periode = cx.period(opts.periode, ds.reviews_of(s.numero).get(opts.periode), ds)
        drafts.append(Draft(
            layout.students[s.numero], [_student(s), _tutor(s.tuteur)], [],
            {**common, "etudiant": cx.student(s, ds), "periode": periode}, [attachment], ident=student_ident(s)))
    return drafts


def compte_rendu(ds: Dataset, layout: Layout, common: dict[str, Any], opts: CampaignOptions) -> list[Draft]:
    """One per student, to the tutor and the student: the compte rendu and the tripartite slot."""
    drafts = []
    for s in ds.students:
        slot = ical.tripartite_entry(ds, s)
        drafts.append(Draft(
            layout.students[s.numero], [_tutor(s.tuteur), _student(s)], unique([*team(ds), *tripartite_staff(ds, s)]),
            {**common, "etudiant": cx.student(s, ds), "bilan": cx.tripartite(ds.tripartite_of(s.numero))},
            [_student_pdf(opts, layout, s, "compte_rendu")],
            _ics(ds, [slot] if slot else [], ical.student_person(s), "Bilan tripartite", "bilan-tripartite.ics"),
            student_ident(s)))
    return drafts


def jury_members(ds: Dataset, jury_name: str) -> list[Recipient]:
    """President and members, by name: the address from the sheet Équipe (or Promotion, or a tutor's), or the
    one typed in the cell as « Nom <adresse> »."""
    jury = ds.jury(jury_name)
    assert jury is not None
    known = directory(ds)
    result = []
    for role, text in [("présidence du jury", jury.president), *(("membre du jury", m) for m in jury.membres)]:
        name, address = parse_member(text)
        result.append(recipient(name, address or known.get(name_key(name), ""), role))
    return unique(result)


def jurys(ds: Dataset, layout: Layout, common: dict[str, Any], opts: CampaignOptions) -> list[Draft]:
    """One per jury with soutenances, to its members: the packet (or a mention when too large)."""
    drafts = []
    for j in ds.juries:
        defenses = ds.defenses_of(j.jury)
        if not defenses:
            continue
        folder = layout.jury_dir(j.jury)
        passages = [cx.passage(d, ds.student(d.numero), ds) for d in defenses]
        drafts.append(Draft(
            layout.juries[j.jury], jury_members(ds, j.jury), team(ds),
            {**common, "jury": cx.jury(j), "passages": passages},
            [_pdf(opts, folder / f"dossier-{folder.name}", "jurys")],
            _ics(ds, [ical.jury_entry(ds, j)], f"jury-{j.jury}", j.jury, "jury.ics"), jury_ident(j.jury)))
    return drafts


def form_folders(out: Path, periode: int | None) -> list[Path]:
    """outputs/formulaires/<type>[-periode-<N>]/ that exist, those of period N when given."""
    folders = [out / forms_layout.ROOT / forms_layout.type_folder(kind, p) for kind, p in _form_kinds(periode)]
    return [f for f in folders if f.is_dir()]


def _form_kinds(periode: int | None) -> list[tuple[str, int | None]]:
    """(form type, period) pairs `copar forms` may have written: one period's bilans, or everything."""
    if periode is not None:
        return [(spec.BILAN, periode)]
    return [*((spec.BILAN, n) for n in PERIODS), (spec.COMPTE_RENDU, None), (spec.GRILLE, None)]


def _forms_of(opts: CampaignOptions, ds: Dataset, students: list[Student], kinds: list[tuple[str, int | None]]) -> list[Attachment]:
    """The files in the folders of these students' recipient (pipeline.forms.layout), named by type."""
    folders: dict[Path, str] = {}
    for kind, periode in kinds:
        for s in students:
            try:
                folders.setdefault(forms_layout.recipient_folder(opts.out, ds, kind, s, periode), kind)
            except KeyError:  # no grille recipient for a student without a soutenance
                continue
    found = [Attachment(f, "copar forms", f"{kind}-{f.name}")
             for folder, kind in folders.items() if folder.is_dir()
             for f in one_format(sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")),
                                 opts.all_formats)]
    return found or [Attachment(next(iter(folders)), "copar forms")]  # reported as missing, with its folder


PREFERRED = (".pdf", ".docx", ".xlsx")  # one format per form: the PDF if `copar forms` wrote it, else Word, else Excel


def one_format(files: list[Path], every: bool = False) -> list[Path]:
    """The forms of one recipient's folder, one file per form (`every`: all of them).

    Per student forms are named by student (`<n°>-…-periode-N.pdf`, `.docx`); a recipient's
    workbook (`tuteur-….xlsx`) holds all their forms, so it goes only where no per-student form is."""
    forms = [f for f in files if f.suffix.lower() in PREFERRED]
    if every:
        return forms
    per_student = [f for f in forms if f.suffix.lower() != ".xlsx"] or forms
    best: dict[str, Path] = {}
    for f in per_student:
        kept = best.get(f.stem)
        if kept is None or PREFERRED.index(f.suffix.lower()) < PREFERRED.index(kept.suffix.lower()):
            best[f.stem] = f
    return [f for f in per_student if best.get(f.stem) == f]


def _period_deadline(ds: Dataset, periode: int | None) -> str:
    """When the bilan of a period is due: the period's last day (pipeline.tracking.status), « » if unknown."""
    event = ds.calendar.get(f"periode_{periode}") if periode is not None else None
    return fmt.long_date(event.fin or event.debut) if event is not None else ""


def formulaires(ds: Dataset, layout: Layout, common: dict[str, Any], opts: CampaignOptions) -> list[Draft]:
    """One per tutor, and per jury that has forms: what `copar forms` wrote for them.

    Where is `pipeline.forms.layout`'s to say (`formulaires/<type>[-periode-<N>]/tuteur-<nom>-<prenom>/`,
    `formulaires/grille/jury-a/`).
    """
    kinds = _form_kinds(opts.periode)
    tutor_kinds = [(k, p) for k, p in kinds if k != spec.GRILLE]
    drafts = []
    for t, students in ds.tutors():
        drafts.append(Draft(
            ical.tutor_stem(layout, t), [_tutor(t)], [],
            {**common, "tuteur": cx.tutor(t), "jury": None, "etudiants": [cx.student(s, ds) for s in students],
             "periode": opts.periode, "echeance": _period_deadline(ds, opts.periode)},
            _forms_of(opts, ds, students, tutor_kinds), ident=tutor_ident(t)))
    if (spec.GRILLE, None) not in kinds:
        return drafts
    for j in ds.juries:
        students = [ds.student(d.numero) for d in ds.defenses_of(j.jury)]
        attachments = _forms_of(opts, ds, students, [(spec.GRILLE, None)]) if students else []
        if any(a.path.is_file() for a in attachments):
            drafts.append(Draft(
                layout.juries[j.jury], jury_members(ds, j.jury), team(ds),
                {**common, "tuteur": None, "jury": cx.jury(j), "etudiants": [cx.student(s, ds) for s in students],
                 "periode": opts.periode, "echeance": fmt.long_date(j.date)},
                attachments, ident=jury_ident(j.jury)))
    return drafts


CAMPAIGNS: dict[str, Campaign] = {
    "reunion-tuteurs": reunion_tuteurs,
    "cahier": cahier,
    "bilans": bilans,
    "compte-rendu": compte_rendu,
    "jurys": jurys,
    "formulaires": formulaires,
}


def folder_name(campaign: str, periode: int | None) -> str:
    return campaign if periode is None or campaign not in ("bilans", "formulaires") else f"{campaign}-periode-{periode}"

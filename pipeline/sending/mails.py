"""`copar mails`: one reviewable .eml draft per recipient, and envoi.csv for a mail merge.

Messages are built with the standard library's email package (EmailMessage, policy.default:
RFC 2047 for non-ASCII names, RFC 2231 for attachment names), written with CRLF line ends,
marked `X-Unsent: 1` so that Outlook opens them as drafts (Thunderbird: "Edit as new message"). Nothing
here opens a network connection. A recipient without a valid address, a PDF that the build
has not written, an attachment over the size limit: each is reported and noted in envoi.csv;
the draft is still written so that staff can complete it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from pipeline.documents import contexts as cx
from pipeline.documents.catalogue import Layout
from pipeline.documents.render import PACKAGE_TEMPLATES
from pipeline.errors import CoparError
from pipeline.files import write_bytes_atomically
from pipeline.sending import journal as jr
from pipeline.sending.addresses import Recipient
from pipeline.sending.campaigns import (
    CAMPAIGNS,
    FORMS,
    CampaignOptions,
    Draft,
    folder_name,
    form_folders,
    signature,
    team,
)
from pipeline.sending.campaigns import sender as sender_of
from pipeline.sending.corrections import Correction, corrected_campaign, differences, digest, last_sent, mark
from pipeline.sending.ledger import Ledger
from pipeline.sending.mailtemplates import lint_mail_templates, render_mail
from pipeline.workbook.model import Dataset
from pipeline.workbook.parse import one_line
from pipeline.workbook.validate import load_valid

MAILS = "courriels"
MAILING_LIST = "envoi.csv"
DEFAULT_MAX_MB = 10.0
WRITE_POLICY = policy.default.clone(linesep="\r\n")
RELANCE = "relance"  # the reminders, pipeline.sending.reminders
CSV_HEADER = ["destinataire", "adresse", "copie", "objet", "pieces_jointes", "brouillon", "statut"]


@dataclass(frozen=True)
class MailRequest:
    input: Path
    output: Path
    campaign: str
    periode: int | None = None
    max_mb: float = DEFAULT_MAX_MB
    templates: Path | None = None
    force: bool = False
    today: dt.date = field(default_factory=dt.date.today)
    form_type: str | None = None  # --pour relance: bilan, compte-rendu or grille
    a_renvoyer: bool = False  # --a-renvoyer: only the messages whose documents changed since they were sent
    all_formats: bool = False  # --tous-formats: every format of each form, not one
    student: str | None = None  # relance: only the reminder asking for this student's form (the web's « Relancer »)


@dataclass
class DraftWritten:
    """One draft as written, and what it lacks."""

    path: Path
    to: list[Recipient]
    subject: str
    attached: list[str]
    warnings: list[str] = field(default_factory=list)  # French, one sentence each
    draft: Draft | None = None


@dataclass
class MailResult:
    folder: Path
    drafts: list[DraftWritten]
    mailing_list: Path
    removed: list[Path] = field(default_factory=list)  # earlier drafts for people no longer concerned

    @property
    def complete(self) -> bool:
        return not any(d.warnings for d in self.drafts)


def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} Mo".replace(".", ",")


def _attach(draft: Draft, limit: int) -> tuple[list[tuple[str, bytes]], list[dict[str, str]], list[str]]:
    """Files that fit under the limit; those left out (for the message's text); warnings."""
    files: list[tuple[str, bytes]] = []
    left_out: list[dict[str, str]] = []
    warnings: list[str] = []
    total = 0
    for a in draft.attachments:
        shown = str(a.path)
        if not a.path.is_file():
            warnings.append(f"pièce jointe manquante {shown} : lancez « {a.hint} » puis relancez « copar mails ».")
            continue
        size = a.path.stat().st_size
        if total + size > limit:
            left_out.append({"nom": a.filename, "taille": _size(size), "chemin": shown})
            warnings.append(f"{shown} ({_size(size)}) dépasse la taille maximale des pièces jointes ({_size(limit)}) : "
                            "il n'est pas joint, le message le signale ; transmettez-le par un lien de partage "
                            "(ou relancez avec --taille-max).")
            continue
        total += size
        files.append((a.filename, a.path.read_bytes()))
    return files, left_out, warnings


def _recipient_warnings(draft: Draft) -> list[str]:
    return [f"{r.name} ({r.role}) n'a pas d'adresse valide : complétez le classeur "
            f"({_where(r.role)}) ou ajoutez l'adresse dans le brouillon."
            for r in [*draft.to, *draft.cc] if not r.ok]


def _where(role: str) -> str:
    if "jury" in role or "enseignant" in role:
        return "feuille Équipe, colonne Courriel, sur la ligne de cette personne"
    if role == "tuteur·rice":
        return "feuille Étudiant·es, colonne Tuteur·rice courriel"
    if role == "étudiant·e":
        return "feuille Étudiant·es, colonne Courriel"
    return "feuille Équipe, colonne Courriel, ou feuille Promotion, ligne Courriel responsable ou Courriel accompagnement"


def message(draft: Draft, sender: Recipient | None, subject: str, text: str, html: str,
            files: list[tuple[str, bytes]]) -> EmailMessage:
    msg = EmailMessage(policy=policy.default)
    if sender is not None and sender.ok:
        msg["From"] = sender.header()
    if any(r.ok for r in draft.to):
        msg["To"] = [r.header() for r in draft.to if r.ok]
    if any(r.ok for r in draft.cc):
        msg["Cc"] = [r.header() for r in draft.cc if r.ok]
    msg["Subject"] = subject
    msg["X-Unsent"] = "1"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    for name, data in files:
        msg.add_attachment(data, maintype="application", subtype="pdf" if name.lower().endswith(".pdf") else "octet-stream",
                           filename=name)
    if draft.calendar is not None:
        name, data = draft.calendar
        # the charset, or mutt shows « R??union »; the method, as the .ics's METHOD says (RFC 6047)
        msg.add_attachment(data, maintype="text", subtype="calendar", filename=name,
                           params={"charset": "utf-8", "method": "PUBLISH"})
    return msg


def _common(ds: Dataset, today: dt.date) -> dict[str, Any]:
    return {**cx.common(ds, today),
            "equipe": [{"nom": r.name, "role": r.role, "courriel": r.address} for r in team(ds)],
            "signature": signature(ds)}


def example_contexts(ds: Dataset, today: dt.date) -> dict[str, dict[str, Any]]:
    """What each campaign's templates receive, from the first draft of `ds` (for the template lint)."""
    result = {}
    for name, campaign in CAMPAIGNS.items():
        drafts = campaign(ds, Layout.of(ds), _common(ds, today), CampaignOptions(Path("sorties"), 1))
        if drafts:
            result[name] = {**drafts[0].context, "pieces_jointes": ["document.pdf"], "formats_joints": ["pdf"],
                            "non_joints": [{"nom": "dossier.pdf", "taille": "12,0 Mo", "chemin": "sorties/dossier.pdf"}]}
    from pipeline.sending.reminders import example_context

    reminder = example_context(ds, today, _common(ds, today))
    if reminder is not None:
        result[RELANCE] = {**reminder, "pieces_jointes": ["formulaire.pdf"], "non_joints": [], "formats_joints": ["pdf"]}
    return result


def check_mail_templates(folder: Path | None = None) -> tuple[list[str], bool]:
    """Lint the e-mail templates of `folder` (default: the shipped ones) against the sample promotion."""
    from pipeline.documents.variables import example_dataset

    return lint_mail_templates(folder or PACKAGE_TEMPLATES, example_contexts(example_dataset(), dt.date.today()))


@dataclass
class Composed:
    """One message of a campaign, before it is written as a draft or sent."""

    draft: Draft
    message: EmailMessage
    subject: str
    attached: list[tuple[str, bytes]]  # (file name, content), the calendar included
    warnings: list[str]  # French: what the message lacks (address, attachment)
    correction: Correction | None = None  # --a-renvoyer: why it is sent again


def _drafts(request: MailRequest, ds: Dataset) -> list[Draft]:
    common = _common(ds, request.today)
    if request.campaign == RELANCE:
        from pipeline.sending.reminders import reminder_drafts

        drafts = reminder_drafts(ds, Layout.of(ds), common, request.output, request.form_type, request.periode,
                                 request.today)
        if request.student is None:
            return drafts
        mine = [d for d in drafts if any(str(i.get("numero")) == request.student for i in d.context.get("relance", []))]
        if not mine:
            raise CoparError(f"Rien à relancer pour l'étudiant·e n° {request.student} : ce formulaire n'est pas en "
                             "retard (voir « copar suivi »).")
        return mine
    if request.campaign not in CAMPAIGNS:
        raise CoparError(f"Campagne inconnue : {request.campaign}. Choix possibles : {', '.join(CAMPAIGNS)}.")
    if request.campaign == "formulaires" and not form_folders(request.output, request.periode):
        which = f" de la période {request.periode}" if request.periode is not None else ""
        raise CoparError(f"Aucun formulaire{which} dans {request.output / FORMS}/ : lancez d'abord « copar forms ».")
    return CAMPAIGNS[request.campaign](ds, Layout.of(ds), common,
                                       CampaignOptions(request.output, request.periode, request.all_formats))


def campaign_folder(request: MailRequest) -> str:
    if request.campaign == RELANCE:
        from pipeline.sending.reminders import folder_name as reminder_folder

        return reminder_folder(request.form_type, request.periode)
    name = folder_name(request.campaign, request.periode)
    return corrected_campaign(name) if request.a_renvoyer else name


def _sent(request: MailRequest) -> dict[str, jr.Entry] | None:
    """With --a-renvoyer: the last message each recipient of the campaign received (None otherwise)."""
    if not request.a_renvoyer:
        return None
    if request.campaign == RELANCE:
        raise CoparError("--a-renvoyer ne s'emploie pas avec --pour relance : la prochaine relance joint déjà les "
                         "formulaires à jour.")
    return last_sent(jr.read_entries(jr.journal_folder(request.input)), folder_name(request.campaign, request.periode))


def compose(request: MailRequest) -> tuple[Path, list[Composed]]:
    """Every message of one campaign, and the folder of its drafts (<output>/courriels/<campagne>/)."""
    ds = load_valid(request.input)
    drafts = _drafts(request, ds)
    folder = request.output / MAILS / campaign_folder(request)
    sender = sender_of(ds)
    limit = int(request.max_mb * 1_000_000)
    sent = _sent(request)
    composed = []
    for draft in drafts:
        files, left_out, warnings = _attach(draft, limit)
        attached = files + ([draft.calendar] if draft.calendar else [])
        correction = None
        if sent is not None:  # --a-renvoyer: only who received other documents than these
            entry = sent.get(draft.who) or sent.get(draft.stem)
            changed = differences(entry, attached) if entry is not None else []
            if not changed:
                continue
            correction = Correction(entry.time if entry is not None else "", changed)
        context = {**draft.context, "pieces_jointes": [name for name, _ in files], "non_joints": left_out,
                   "formats_joints": sorted({name.rpartition(".")[2].lower() for name, _ in files})}
        mail = render_mail(request.campaign, context, request.templates)
        subject, text, html = mail.subject, mail.text, mail.html
        if correction is not None:
            subject, text, html = mark(subject, text, html, correction)
        msg = message(draft, sender, subject, text, html, files)
        composed.append(Composed(draft, msg, subject, attached, _recipient_warnings(draft) + warnings, correction))
    return folder, composed


def run(request: MailRequest, before: dict[str, str] | None = None) -> MailResult:
    """Write the drafts of one campaign under <output>/courriels/<campagne>/.

    `before`: the versions recorded the last time (`recorded_request`); a draft whose version
    did not change since is kept as it is, not written again."""
    folder, composed = compose(request)
    ledger = Ledger(folder)
    written: list[DraftWritten] = []
    now = versions(composed)
    for c in composed:
        warnings = list(c.warnings)
        path = folder / f"{c.draft.stem}.eml"
        if before is not None and before.get(c.draft.stem) == now[c.draft.stem] and ledger.keep(path):
            pass
        elif ledger.edited(path) and not request.force:
            warnings.append("brouillon modifié depuis que copar l'a écrit : conservé tel quel "
                            "(relancez avec --force pour le remplacer).")
        else:
            ledger.write(path, c.message.as_bytes(policy=WRITE_POLICY))
        written.append(DraftWritten(path, c.draft.to, c.subject, [name for name, _ in c.attached], warnings, c.draft))
    drafts = [c.draft for c in composed]
    mailing_list = folder / MAILING_LIST
    if request.student is not None:  # one reminder among the others: the folder's list and record stay whole
        return MailResult(folder, written, mailing_list, ledger.finish(partial=True))
    write_bytes_atomically(mailing_list, _csv(written, drafts).encode("utf-8-sig"))
    removed = ledger.finish()
    write_bytes_atomically(folder / CAMPAIGN_RECORD, json.dumps(
        {"demande": {"pour": request.campaign, "periode": request.periode, "type": request.form_type,
                     "taille_max": request.max_mb, "a_renvoyer": request.a_renvoyer},
         "versions": now}, ensure_ascii=False, indent=1).encode("utf-8"))
    return MailResult(folder, written, mailing_list, removed)


CAMPAIGN_RECORD = ".copar-campagne.json"  # how the drafts of a folder were asked for, and from which documents


def versions(composed: list[Composed]) -> dict[str, str]:
    """Each draft's documents and subject, as a digest: a build that changes one makes the drafts stale."""
    return {c.draft.stem: f"{digest(c.attached)}-{digest([('objet', c.subject.encode('utf-8'))])}" for c in composed}


def recorded_request(folder: Path, entrees: Path, output: Path, templates: Path | None,
                     today: dt.date) -> tuple[MailRequest, dict[str, str]] | None:
    """The request that wrote the drafts of `folder` (and their versions), or None if copar did not record it."""
    try:
        data = json.loads((folder / CAMPAIGN_RECORD).read_text(encoding="utf-8"))
        asked = data["demande"]
        request = MailRequest(entrees, output, str(asked["pour"]), asked.get("periode"),
                              float(asked.get("taille_max") or DEFAULT_MAX_MB), templates, today=today,
                              form_type=asked.get("type"), a_renvoyer=bool(asked.get("a_renvoyer")))
        return request, {str(k): str(v) for k, v in data.get("versions", {}).items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _csv(written: list[DraftWritten], drafts: list[Draft]) -> str:
    """One row per To recipient, `;`-separated (what French Excel and mail merges expect)."""
    buffer = io.StringIO()
    out = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    out.writerow(CSV_HEADER)
    for w, d in zip(written, drafts, strict=True):
        cc = ", ".join(r.address for r in d.cc if r.ok)
        for r in w.to:
            status = "prêt" if r.ok and not w.warnings else "à compléter : " + " ".join(
                ([] if r.ok else ["adresse manquante."]) + w.warnings)
            row = [r.name, r.address, cc, w.subject, " | ".join(w.attached), w.path.name, status]
            out.writerow([one_line(cell) for cell in row])  # one CSV line per recipient, for mail merges
    return buffer.getvalue()


def summary_lines(result: MailResult) -> list[str]:
    lines = []
    for d in result.drafts:
        for warning in d.warnings:
            lines.append(f"[attention] {d.path.name} : {warning}")
    for path in result.removed:
        lines.append(f"Brouillon retiré (plus de destinataire correspondant dans le classeur) : {path.name}")
    n = len(result.drafts)
    lines.append(f"{n} brouillon{'s' if n > 1 else ''} écrit{'s' if n > 1 else ''} dans {result.folder}/ "
                 f"(liste d'envoi : {result.mailing_list.name})")
    incomplete = sum(1 for d in result.drafts if d.warnings)
    if incomplete:
        lines.append(f"{incomplete} brouillon{'s' if incomplete > 1 else ''} à compléter (voir ci-dessus).")
    lines.append("Rien n'a été envoyé : ouvrez les fichiers .eml dans votre messagerie pour les relire et les envoyer.")
    return lines

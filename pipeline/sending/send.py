"""`copar mails … --envoyer`: send a campaign through SMTP, each message journalled first.

`prepare` composes the campaign (the same messages as the drafts) and decides, from the
journal (`pipeline.sending.journal`), what is to send: a message already « envoyé » is never
sent again; one « incertain » is not resent without --renvoyer; one that lacks an address or
an attachment is not sent at all (« à compléter »). The CLI shows `summary_lines` and asks for
confirmation; `send` then sends what is to send, one message at a time, rate-limited, each
written « en cours » in the journal before it is handed over and given its fate after.
"""

from __future__ import annotations

import copy
import datetime as dt
import time
from dataclasses import dataclass, field
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Callable

from pipeline.sending import journal as jr
from pipeline.sending.addresses import Recipient
from pipeline.sending.corrections import digest, piece
from pipeline.sending.mails import RELANCE, WRITE_POLICY, Composed, MailRequest, MailResult, campaign_folder, compose
from pipeline.sending.smtp import Connection, Delivery, SmtpError, SmtpSettings, read_smtp_settings

A_ENVOYER, DEJA, A_COMPLETER = "à envoyer", "déjà envoyé", "à compléter"


@dataclass
class Outgoing:
    key: str  # <campagne>/<destinataire>: the same message in every run
    composed: Composed
    status: str  # A_ENVOYER, DEJA, A_COMPLETER, or jr.INCERTAIN
    sent_on: str = ""  # for DEJA and INCERTAIN: when
    seen: str | None = None  # its state in the journal when the plan was made

    @property
    def recipients(self) -> list[str]:
        d = self.composed.draft
        return list(dict.fromkeys(r.address for r in [*d.to, *d.cc] if r.ok))

    @property
    def size(self) -> int:
        return sum(len(data) for _, data in self.composed.attached)


@dataclass
class Plan:
    request: MailRequest
    campaign: str  # the campaign's folder name: reunion-tuteurs, formulaires-periode-2, relance-bilan…
    settings: SmtpSettings
    journal: Path
    items: list[Outgoing]

    def having(self, status: str) -> list[Outgoing]:
        return [o for o in self.items if o.status == status]


def journal_campaign(request: MailRequest) -> str:
    """The campaign's name in the journal; a reminder round is one a day, not one ever."""
    campaign = campaign_folder(request)
    return f"{campaign}-{request.today.isoformat()}" if request.campaign == RELANCE else campaign


def prepare(request: MailRequest, renvoyer: bool = False) -> Plan:
    settings = read_smtp_settings(request.input)
    _, composed = compose(request)
    campaign = journal_campaign(request)
    folder = jr.journal_folder(request.input)
    entries = jr.read_entries(folder)
    items = []
    for c in composed:
        key = f"{campaign}/{c.draft.stem}"
        if c.correction is not None:  # one key per version of the documents: each correction is sent once
            key += f"-{digest(c.attached)}"
        entry = entries.get(key)
        state = entry.state if entry else None
        when = entry.time if entry else ""
        if c.warnings or not any(r.ok for r in c.draft.to):
            items.append(Outgoing(key, c, A_COMPLETER, seen=state))
        elif state == jr.ENVOYE:
            items.append(Outgoing(key, c, DEJA, when, state))
        elif state == jr.INCERTAIN and not renvoyer:
            items.append(Outgoing(key, c, jr.INCERTAIN, when, state))
        else:
            items.append(Outgoing(key, c, A_ENVOYER, seen=state))
    return Plan(request, campaign, settings, folder, items)


def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} Mo".replace(".", ",")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n > 1 else ''}"


def summary_lines(plan: Plan) -> list[str]:
    """What is about to happen, for the confirmation."""
    todo = plan.having(A_ENVOYER)
    people = {a for o in todo for a in o.recipients}
    attachments = sum(len(o.composed.attached) for o in todo)
    if not todo:
        lines = [f"Campagne {plan.campaign} : aucun nouveau message à envoyer."]
    else:
        lines = [f"Campagne {plan.campaign} : {_plural(len(todo), 'message')} à envoyer à "
                 f"{_plural(len(people), 'destinataire')} (copies comprises), {_plural(attachments, 'pièce')} "
                 f"jointe{'s' if attachments > 1 else ''}, {_size(sum(o.size for o in todo))} au total, "
                 f"par {plan.settings.serveur}:{plan.settings.port} ({plan.settings.securite}) "
                 f"de la part de {plan.settings.expediteur}."]
    for o in todo:
        to = ", ".join(r.address for r in o.composed.draft.to if r.ok)
        names = ", ".join(name for name, _ in o.composed.attached) or "aucune pièce jointe"
        lines.append(f"  {to} : {o.composed.subject} [{names}]")
    done = plan.having(DEJA)
    if done:
        last = max(o.sent_on for o in done)
        lines.append(f"{_plural(len(done), 'message')} déjà envoyé{'s' if len(done) > 1 else ''} (le dernier le "
                     f"{_when(last)}) : pas renvoyé{'s' if len(done) > 1 else ''} (détail : « copar envois »).")
    for o in plan.having(jr.INCERTAIN):
        lines.append(f"[incertain] {o.key} : l'envoi du {_when(o.sent_on)} a été interrompu avant la réponse du "
                     "serveur ; le message est peut-être arrivé. Il n'est pas renvoyé (relancez avec --renvoyer "
                     "pour l'envoyer quand même).")
    for o in plan.having(A_COMPLETER):
        lines.append(f"[à compléter] {o.key} : {' '.join(o.composed.warnings) or 'aucun destinataire valide.'} "
                     "Ce message n'est pas envoyé.")
    return lines


def _when(stamp: str) -> str:
    """« 04/12/2026 à 16:31 » from the journal's ISO time."""
    if len(stamp) < 16:
        return stamp
    return f"{stamp[8:10]}/{stamp[5:7]}/{stamp[0:4]} à {stamp[11:16]}"


@dataclass
class Sent:
    outgoing: Outgoing
    state: str  # jr.ENVOYE, jr.REFUSE, jr.NON_ENVOYE, jr.INCERTAIN
    refused: dict[str, str] = field(default_factory=dict)
    error: str = ""


@dataclass
class SendResult:
    plan: Plan
    sent: list[Sent]
    stopped: str = ""  # French: why the run stopped before the end (the server could not be reached again)

    @property
    def complete(self) -> bool:
        return (not self.stopped and not self.plan.having(A_COMPLETER) and not self.plan.having(jr.INCERTAIN)
                and all(s.state == jr.ENVOYE and not s.refused for s in self.sent))


def _finished(o: Outgoing, sender: str, message_id: str, date: str) -> bytes:
    """The draft as sent: from the [envoi] sender, dated, with its Message-ID, no longer a draft."""
    msg = copy.deepcopy(o.composed.message)
    for name in ("X-Unsent", "From", "Message-ID", "Date"):
        del msg[name]
    msg["From"] = sender
    msg["Date"] = date
    msg["Message-ID"] = message_id
    return msg.as_bytes(policy=WRITE_POLICY)


def _people(rs: list[Recipient]) -> list[dict[str, str]]:
    return [{"nom": r.name, "adresse": r.address, "role": r.role} for r in rs if r.ok]


def _record(o: Outgoing, plan: Plan, message_id: str) -> dict[str, object]:
    d = o.composed.draft
    record: dict[str, object] = {
        "cle": o.key, "etat": jr.EN_COURS, "campagne": plan.campaign, "destinataires": _people(d.to),
        "copie": _people(d.cc), "objet": o.composed.subject, "message_id": message_id, "ident": d.who,
        "demande": {"pour": plan.request.campaign, "periode": plan.request.periode, "type": plan.request.form_type},
        "pieces": [piece(name, data) for name, data in o.composed.attached]}
    if o.composed.correction is not None:
        record["corrige"] = o.composed.correction.changed
    if "relance" in d.context:
        record["relance"] = d.context["relance"]
    return record


def record_drafts(request: MailRequest, result: MailResult) -> None:
    """Reminders written as drafts go in the journal too (« brouillon »): `copar suivi` shows them."""
    campaign = journal_campaign(request)
    with jr.Journal(jr.journal_folder(request.input)) as journal:
        for w in result.drafts:
            key = f"{campaign}/{w.draft.stem}" if w.draft is not None else ""
            if w.draft is None or w.warnings or journal.state(key) not in (None, jr.BROUILLON, jr.NON_ENVOYE,
                                                                              jr.REFUSE):
                continue  # sent, or being sent: the journal keeps that
            journal.append({"cle": key, "etat": jr.BROUILLON, "campagne": campaign,
                            "destinataires": _people(w.draft.to), "copie": _people(w.draft.cc), "objet": w.subject,
                            "brouillon": str(w.path), "relance": w.draft.context.get("relance", [])})


Progress = Callable[[str], None]


def send(plan: Plan, password: str | None, progress: Progress | None = None, started: Callable[[], None] | None = None,
         sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> SendResult:
    """Send every message `plan` has « à envoyer »; the journal says what happened to each.

    `started` is called once logged in, `progress` after each message."""
    s = plan.settings
    gap = 60.0 / s.messages_par_minute
    todo = plan.having(A_ENVOYER)
    result = SendResult(plan, [])
    if not todo:
        return result
    connection = Connection(s, password)
    domain = s.sender_address.rpartition("@")[2] or None
    with jr.Journal(plan.journal) as journal:
        last = float("-inf")
        try:
            connection.open()  # a wrong password stops here, before anything is journalled
            if started is not None:
                started()
            for o in todo:
                if journal.state(o.key) != o.seen and journal.state(o.key) in (jr.ENVOYE, jr.INCERTAIN):
                    continue  # another run sent it (or began to) since prepare()
                wait = last + gap - clock()
                if wait > 0:
                    sleep(wait)
                last = clock()
                try:
                    result.sent.append(_send_one(o, plan, journal, connection, domain, sleep))
                except SmtpError as exc:  # the server went away for good: what is left waits for a rerun
                    journal.append({"cle": o.key, "etat": jr.NON_ENVOYE, "erreur": str(exc)})
                    result.sent.append(Sent(o, jr.NON_ENVOYE, error=str(exc)))
                    result.stopped = str(exc)
                    break
                if progress is not None:
                    progress(o.key)
        finally:
            connection.close()
    return result


def _send_one(o: Outgoing, plan: Plan, journal: jr.Journal, connection: Connection, domain: str | None,
              sleep: Callable[[float], None]) -> Sent:
    s = plan.settings
    previous = journal.entries.get(o.key)
    message_id = str(previous.data.get("message_id")) if previous and previous.data.get("message_id") else \
        make_msgid(domain=domain)
    content = _finished(o, s.expediteur, message_id, format_datetime(dt.datetime.now().astimezone()))
    journal.append(_record(o, plan, message_id))
    outcome = Delivery(temporary="aucun essai")
    retried: list[str] = []  # the temporary failures met on the way, for the journal
    for attempt in range(s.essais):
        if attempt:
            sleep(s.attente * 2 ** (attempt - 1))
        outcome = connection.send(content, o.recipients)
        if not outcome.temporary:
            break
        retried.append(outcome.temporary)
    extra = {"reprises": retried} if retried else {}
    if outcome.uncertain:
        return Sent(o, jr.INCERTAIN, error=outcome.uncertain)  # the journal keeps « en cours »
    if outcome.temporary:
        journal.append({"cle": o.key, "etat": jr.NON_ENVOYE, "erreur": outcome.temporary, **extra})
        return Sent(o, jr.NON_ENVOYE, error=outcome.temporary)
    if not outcome.delivered:
        journal.append({"cle": o.key, "etat": jr.REFUSE, "refuses": outcome.refused, **extra})
        return Sent(o, jr.REFUSE, outcome.refused)
    journal.append({"cle": o.key, "etat": jr.ENVOYE, "acceptes": outcome.delivered, "refuses": outcome.refused,
                    **extra})
    return Sent(o, jr.ENVOYE, outcome.refused)


def result_lines(result: SendResult) -> list[str]:
    lines = [f"Envoi interrompu : {result.stopped} Relancez la même commande : ce qui est parti ne repart pas."] \
        if result.stopped else []
    for s in result.sent:
        if s.state == jr.NON_ENVOYE:
            lines.append(f"[non envoyé] {s.outgoing.key} : {s.error} (échec temporaire après "
                         f"{result.plan.settings.essais} essais) ; relancez la même commande plus tard.")
        elif s.state == jr.INCERTAIN:
            lines.append(f"[incertain] {s.outgoing.key} : {s.error} ; vérifiez auprès du ou de la destinataire "
                         "avant de relancer avec --renvoyer.")
        for address, answer in s.refused.items():
            lines.append(f"[refusé] {s.outgoing.key} : le serveur refuse {address} ({answer}) ; corrigez l'adresse "
                         "dans le classeur puis relancez.")
    counts = {state: sum(1 for s in result.sent if s.state == state)
              for state in (jr.ENVOYE, jr.REFUSE, jr.NON_ENVOYE, jr.INCERTAIN)}
    lines.append(f"{_plural(counts[jr.ENVOYE], 'message')} envoyé{'s' if counts[jr.ENVOYE] > 1 else ''}, "
                 f"{counts[jr.REFUSE]} refusé{'s' if counts[jr.REFUSE] > 1 else ''}, "
                 f"{counts[jr.NON_ENVOYE]} non envoyé{'s' if counts[jr.NON_ENVOYE] > 1 else ''}, "
                 f"{counts[jr.INCERTAIN]} incertain{'s' if counts[jr.INCERTAIN] > 1 else ''} "
                 f"(journal : {result.plan.journal / jr.JOURNAL}).")
    return lines

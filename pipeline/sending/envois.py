"""`copar envois`: the sending journal shown per campaign and per person (table or xlsx).

Read-only: the journal (`pipeline.sending.journal`) is read without its lock, a line cut by a
running send is simply not shown yet. In the xlsx every cell is written as text: a subject or a
name typed as `=…` stays text, never a formula.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.files import write_atomically
from pipeline.sending import journal as jr

XLSX_NAME = "envois.xlsx"  # `copar envois --format xlsx` writes it in the output folder unless -o
ORDER = (jr.ENVOYE, jr.INCERTAIN, jr.REFUSE, jr.NON_ENVOYE, jr.BROUILLON)


def when(stamp: str) -> str:
    """« 04/12/2026 16:31 » from the journal's ISO time."""
    try:
        return f"{dt.datetime.fromisoformat(stamp):%d/%m/%Y %H:%M}"
    except ValueError:
        return stamp


@dataclass(frozen=True)
class Row:
    campaign: str
    name: str
    address: str
    role: str  # « destinataire » or « copie »
    subject: str
    state: str
    time: str
    attachments: str
    message_id: str
    detail: str  # refused: the server's answer for this address


def rows(entries: dict[str, jr.Entry]) -> list[Row]:
    """One row per message and person (To and Cc), in the journal's order."""
    result = []
    for e in entries.values():
        d = e.data
        last = e.history[-1] if e.history else {}
        refused = last.get("refuses") or {}
        pieces = ", ".join(f"{p.get('nom', '')} (sha256 {str(p.get('sha256', ''))[:12]}…)" for p in d.get("pieces", []))
        for role, people in (("destinataire", d.get("destinataires", [])), ("copie", d.get("copie", []))):
            for p in people:
                address = str(p.get("adresse", ""))
                state = jr.REFUSE if e.state == jr.ENVOYE and address in refused else e.state
                detail = str(refused.get(address, "")) or str(last.get("erreur", ""))
                result.append(Row(str(d.get("campagne", "")), str(p.get("nom", "")), address, role,
                                  str(d.get("objet", "")), state, when(e.time), pieces, str(d.get("message_id", "")),
                                  detail))
    return result


def listing(entrees: Path) -> list[Row]:
    """Every row of the journal beside the workbook `entrees` (the page's Envois table)."""
    return rows(jr.read_entries(jr.journal_folder(entrees)))


def _table(headers: list[str], body: list[list[str]]) -> list[str]:
    widths = [max(len(r[c]) for r in (headers, *body)) for c in range(len(headers))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in (headers, *body)]


def table(entrees: Path) -> str:
    folder = jr.journal_folder(entrees)
    entries = jr.read_entries(folder)
    if not entries:
        return f"Aucun envoi dans {folder / jr.JOURNAL} : rien n'a encore été envoyé avec « copar mails --envoyer ».\n"
    all_rows = rows(entries)
    lines = [f"Journal des envois : {folder / jr.JOURNAL}", "", "Par campagne"]
    campaigns: dict[str, dict[str, int]] = {}
    last: dict[str, str] = {}
    for e in entries.values():
        name = str(e.data.get("campagne", ""))
        counts = campaigns.setdefault(name, dict.fromkeys(ORDER, 0))
        counts[e.state] = counts.get(e.state, 0) + 1
        last[name] = max(last.get(name, ""), e.time)
    body = [[name, *(str(n[s]) for s in ORDER), when(last[name])] for name, n in campaigns.items()]
    lines += _table(["Campagne", *ORDER, "Dernier"], body)
    lines += ["", "Par personne"]
    people: dict[str, list[Row]] = {}
    for r in all_rows:
        people.setdefault(r.address.lower(), []).append(r)
    body = []
    for group in sorted(people.values(), key=lambda g: (g[0].name.lower(), g[0].address)):
        for i, r in enumerate(group):
            body.append([r.name if i == 0 else "", r.address if i == 0 else "", r.campaign,
                         r.state + (" (copie)" if r.role == "copie" else ""), r.time, r.detail])
    lines += _table(["Personne", "Adresse", "Campagne", "État", "Date", "Détail"], body)
    counts = {s: sum(1 for e in entries.values() if e.state == s) for s in ORDER}
    total = sum(counts.values())
    lines += ["", f"{total} message{'s' if total > 1 else ''} : "
              + ", ".join(f"{n} {s}" for s, n in counts.items() if n) + "."]
    if counts[jr.INCERTAIN]:
        lines.append("« incertain » : l'envoi a été interrompu avant la réponse du serveur ; le message est peut-être "
                     "arrivé. « copar mails … --envoyer --renvoyer » l'envoie de nouveau.")
    return "\n".join(lines) + "\n"


def write_xlsx(entrees: Path, target: Path) -> Path:
    """Sheets « Par campagne » (one row per message and person) and « Par personne » (sorted by person)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    all_rows = rows(jr.read_entries(jr.journal_folder(entrees)))
    headers = ["Campagne", "Nom", "Adresse", "Destinataire ou copie", "Objet", "État", "Date", "Pièces jointes",
               "Message-ID", "Détail"]
    wb = Workbook()
    by_campaign = wb.active
    by_campaign.title = "Par campagne"
    by_person = wb.create_sheet("Par personne")
    ordered = {"Par campagne": all_rows,
               "Par personne": sorted(all_rows, key=lambda r: (r.name.lower(), r.address.lower(), r.time))}
    for ws in (by_campaign, by_person):
        for c, header in enumerate(headers, start=1):
            ws.cell(1, c).value = header
            ws.cell(1, c).font = Font(bold=True)
        for r, row in enumerate(ordered[ws.title], start=2):
            values = [row.campaign, row.name, row.address, row.role, row.subject, row.state, row.time,
                      row.attachments, row.message_id, row.detail]
            for c, value in enumerate(values, start=1):
                cell = ws.cell(r, c)
                cell.value = value
                cell.data_type = "s"  # text, even `=…`: never a formula
        for c, width in enumerate([26, 24, 32, 12, 50, 12, 17, 50, 40, 40], start=1):
            ws.column_dimensions[get_column_letter(c)].width = width
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(len(ordered[ws.title]) + 1, 2)}"
    write_atomically(target, lambda tmp: wb.save(tmp))
    return target


def reminders(entrees: Path) -> dict[tuple[str, str], str]:
    """(N° étudiant, suivi item key) → « relancé le JJ/MM/AAAA » (or « relance préparée le … »), the latest."""
    result: dict[tuple[str, str], tuple[str, str]] = {}
    for e in jr.read_entries(jr.journal_folder(entrees)).values():
        if e.state not in (jr.ENVOYE, jr.BROUILLON):
            continue
        day = when(e.time)[:10]
        text = f"relancé le {day}" if e.state == jr.ENVOYE else f"relance préparée le {day} (brouillon)"
        for item in e.data.get("relance", []) or []:
            key = (str(item.get("numero", "")), str(item.get("element", "")))
            if key not in result or result[key][0] <= e.time:
                result[key] = (e.time, text)
    return {k: text for k, (_, text) in result.items()}


@dataclass(frozen=True)
class ToResend:
    """One message whose documents changed since it was sent (`copar envois --a-renvoyer`)."""

    campaign: str  # the campaign as `copar mails --pour … --periode …` names it
    command: str  # the command that sends it again
    people: list[tuple[str, str]]  # (name, address) of its recipients
    sent_on: str
    changed: list[str]
    warnings: list[str]  # what it lacks to be sent (a document not built…)
    pour: str = ""  # --pour and --periode of the campaign that sends it again
    periode: int | None = None


_CAMPAIGN = re.compile(r"^(?P<pour>[a-z-]+?)(?:-periode-(?P<n>[1-6]))?$")


def _request_of(name: str, entries: list[jr.Entry]) -> tuple[str, int | None] | None:
    """(--pour, --periode) of a campaign of the journal, from its lines or else from its name."""
    from pipeline.sending.campaigns import CAMPAIGNS

    for e in entries:
        asked = e.data.get("demande")
        if isinstance(asked, dict) and asked.get("pour") in CAMPAIGNS:
            periode = asked.get("periode")
            return str(asked["pour"]), periode if isinstance(periode, int) else None
    m = _CAMPAIGN.match(name)
    if m and m["pour"] in CAMPAIGNS:
        return m["pour"], int(m["n"]) if m["n"] else None
    return None


def to_resend(entrees: Path, output: Path, templates: Path | None = None) -> list[ToResend]:
    """Every message sent whose documents no longer match what `copar build` and `copar forms` wrote since."""
    from pipeline.sending.corrections import base_campaign
    from pipeline.sending.mails import MailRequest, compose

    by_campaign: dict[str, list[jr.Entry]] = {}
    for e in jr.read_entries(jr.journal_folder(entrees)).values():
        if e.state == jr.ENVOYE:
            by_campaign.setdefault(base_campaign(str(e.data.get("campagne", ""))), []).append(e)
    result = []
    for name, entries in by_campaign.items():
        asked = _request_of(name, entries)
        if asked is None:  # a reminder round: the next one attaches the forms as they are
            continue
        pour, periode = asked
        _, composed = compose(MailRequest(entrees, output, pour, periode, templates=templates, a_renvoyer=True))
        command = f"copar mails --pour {pour}" + (f" --periode {periode}" if periode else "") + " --a-renvoyer"
        for c in composed:
            assert c.correction is not None
            result.append(ToResend(name, command, [(r.name, r.address) for r in c.draft.to], c.correction.sent_on,
                                   c.correction.changed, c.warnings, pour, periode))
    return result


def resend_table(entrees: Path, items: list[ToResend]) -> str:
    """`copar envois --a-renvoyer`: by person, what was sent and has changed since, and the command."""
    folder = jr.journal_folder(entrees)
    if not items:
        return (f"Rien à renvoyer : les documents envoyés (journal {folder / jr.JOURNAL}) correspondent à ceux que "
                "copar produit aujourd'hui.\n")
    body = []
    for item in sorted(items, key=lambda i: (i.people[0][0].lower() if i.people else "", i.campaign)):
        for n, (name, address) in enumerate(item.people):
            what = ", ".join(item.changed) if n == 0 else ""
            if n == 0 and item.warnings:
                what += " — à compléter : " + " ".join(item.warnings)
            body.append([name, address, item.campaign, when(item.sent_on)[:10], what])
    lines = [f"À renvoyer : documents corrigés depuis leur envoi (journal {folder / jr.JOURNAL})", ""]
    lines += _table(["Personne", "Adresse", "Campagne", "Envoyé le", "Documents"], body)
    lines += ["", f"{len(items)} message{'s' if len(items) > 1 else ''} à renvoyer, marqué{'s' if len(items) > 1 else ''}"
              " « Version corrigée » :"]
    for command in dict.fromkeys(i.command for i in items):
        lines.append(f"  {command} --envoyer")
    return "\n".join(lines) + "\n"

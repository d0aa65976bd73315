"""`copar suivi` as a text table (people), JSON (programs) or one filterable xlsx sheet (the secretary)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from pipeline.files import write_atomically
from pipeline.tracking.status import (
    A_VENIR,
    A_VERIFIER,
    EN_RETARD,
    INUTILISABLE,
    MEANINGS,
    NON_DU,
    RECU,
    STATES,
    Deliverable,
    StudentState,
)

XLSX_NAME = "suivi.xlsx"  # `copar suivi --format xlsx` writes it in the output folder unless -o
SHORT = {RECU: "reçu", A_VENIR: "à venir", EN_RETARD: "RETARD", A_VERIFIER: "à vérifier",
         INUTILISABLE: "INUTILISABLE", NON_DU: "—"}
COLOURS = {RECU: "C6EFCE", A_VENIR: "DDEBF7", EN_RETARD: "FFC7CE", A_VERIFIER: "FFEB9C",
           INUTILISABLE: "F4B183", NON_DU: "EDEDED"}
JSON_STATES = {RECU: "recu", A_VENIR: "a_venir", EN_RETARD: "en_retard", A_VERIFIER: "a_verifier",
               INUTILISABLE: "inutilisable", NON_DU: "non_du"}


def _counts(states: list[StudentState]) -> dict[str, int]:
    counts = dict.fromkeys(STATES, 0)
    for st in states:
        for item in st.items:
            counts[item.state] += 1
    return counts


def write_to(st: StudentState, item: Deliverable) -> str:
    """Who to write to about a late item: the tutor for what the tutor returns (bilans, compte rendu), the
    student for their own (cahier des charges, rapport); with the address."""
    s = st.student
    if item.key.startswith("bilan_") or item.key in ("tripartite",):
        return f"{s.tuteur.nom_complet} <{s.tuteur.courriel}> (tuteur·rice)"
    if item.key == "jury":
        return "les membres du jury (copar mails --pour relance --type grille)"
    return f"{s.nom_complet} <{s.courriel}>"


def table(states: list[StudentState], today: dt.date, reminded: dict[tuple[str, str], str] | None = None) -> str:
    """One line per student, one column per deliverable, then what is late and why.

    `reminded`: (N° étudiant, item key) → « relancé le … », from the sending journal.
    """
    reminded = reminded or {}
    if not states:
        return f"Suivi au {today:%d/%m/%Y} : aucun·e étudiant·e dans le classeur.\n"
    headers = ["N°", "Étudiant·e", *(i.label for i in states[0].items)]
    rows = [[st.student.numero, st.student.nom_complet, *(SHORT[i.state] for i in st.items)] for st in states]
    widths = [max(len(r[c]) for r in (headers, *rows)) for c in range(len(headers))]
    lines = [f"Suivi au {today:%d/%m/%Y}", ""]
    lines += ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in (headers, *rows)]
    late = [(st, item) for st in states for item in st.late]
    if late:
        lines += ["", "À relancer :"]
        lines += [f"  {st.student.nom_complet} (n° {st.student.numero}) — {item.label} : {item.detail}"
                  + (f" ; {reminded[st.student.numero, item.key]}" if (st.student.numero, item.key) in reminded else "")
                  + f" — à écrire : {write_to(st, item)}"
                  for st, item in late]
    counts = _counts(states)
    lines += ["", ", ".join(f"{counts[s]} {s}" for s in STATES if counts[s])]
    return "\n".join(lines) + "\n"


def to_json(states: list[StudentState], today: dt.date) -> str:
    data = {
        "date": today.isoformat(),
        "etats": {JSON_STATES[s]: MEANINGS[s] for s in STATES},
        "etudiants": [{
            "numero": st.student.numero,
            "nom": st.student.nom,
            "prenom": st.student.prenom,
            "statut": st.student.statut,
            "tuteur": st.student.tuteur.courriel,
            "elements": [{"cle": i.key, "libelle": i.label, "etat": JSON_STATES[i.state], "detail": i.detail,
                          "echeance": i.due.isoformat() if i.due else None, **({"faits": i.facts} if i.facts else {})}
                         for i in st.items],
        } for st in states],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def write_xlsx(states: list[StudentState], today: dt.date, target: Path,
               reminded: dict[tuple[str, str], str] | None = None) -> Path:
    """One sheet « Suivi » (autofilter, frozen header and names, a colour per state) and a « Légende »."""
    reminded = reminded or {}
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from pipeline.workbook.cells import append, text_value

    wb = Workbook()
    ws = wb.active
    ws.title = "Suivi"
    labels = [i.label for i in states[0].items] if states else []
    headers = ["N° étudiant", "Nom", "Prénom", "Statut", "Tuteur·rice", "Courriel tuteur·rice", *labels, "À relancer"]
    append(ws, headers)
    for cell in ws[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E79")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    fills = {state: PatternFill("solid", fgColor=colour) for state, colour in COLOURS.items()}
    for r, st in enumerate(states, start=2):
        s = st.student
        late = "\n".join(f"{i.label} : {i.detail}" + (f" ; {reminded[s.numero, i.key]}" if (s.numero, i.key) in reminded
                                                      else "") for i in st.late)
        append(ws, [s.numero, s.nom, s.prenom, s.statut_libelle, s.tuteur.nom_complet, s.tuteur.courriel,
                    *(i.state for i in st.items), late])
        for c, item in enumerate(st.items, start=7):
            cell = ws.cell(r, c)
            cell.fill = fills[item.state]
            if item.detail:
                cell.comment = Comment(text_value(item.detail), "copar")
        ws.cell(r, len(headers)).alignment = Alignment(wrap_text=True, vertical="top")
    widths = [13, 16, 14, 26, 22, 30, *([13] * len(labels)), 60]
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.freeze_panes = "D2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(len(states) + 1, 2)}"

    legend = wb.create_sheet("Légende")
    legend.append([f"Suivi de la promotion au {today:%d/%m/%Y}"])
    legend["A1"].font = Font(bold=True, size=13)
    legend.append([])
    legend.append(["État", "Signification"])
    for state in STATES:
        legend.append([state, MEANINGS[state]])
        legend.cell(legend.max_row, 1).fill = fills[state]
    legend.append([])
    legend.append(["Le détail de chaque case (date, fichier, motif) est dans son commentaire ; la colonne "
                   "« À relancer » résume ce qui est en retard."])
    legend.column_dimensions["A"].width = 16
    legend.column_dimensions["B"].width = 90
    write_atomically(target, lambda tmp: wb.save(tmp))
    return target


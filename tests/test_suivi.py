"""`copar suivi` on the sample promotion at fixed dates, a student starting in January, the xlsx form."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from openpyxl import load_workbook

from .helpers import INPUTS

Copar = Callable[..., Result]
CORPUS = Path("/work/shared/corpus/pdf")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the sample inputs (workbook and rapports) that tests may change."""
    folder = tmp_path_factory.mktemp("suivi")
    shutil.copytree(INPUTS, folder, dirs_exist_ok=True)
    return folder


def _states(copar: Copar, inputs: Path, date: str) -> dict[str, dict[str, dict[str, object]]]:
    result = copar("suivi", inputs, "--date", date, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    return {s["numero"]: {e["cle"]: e for e in s["elements"]} for s in data["etudiants"]}


def _row(table: str, name: str) -> list[str]:
    line = next(line for line in table.splitlines() if f"  {name}  " in line)
    return [cell.strip() for cell in line.split("  ") if cell.strip()][2:]


def test_table_on_15_february_2024(copar: Copar, sample: Path) -> None:
    result = copar("suivi", sample, "--date", "15/02/2024")
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith("Suivi au 15/02/2024\n")
    # periods 1-3 have ended (period 3: 08/01-19/01/2024), periods 4-6 not yet
    assert _row(out, "Aïssatou N'Diaye") == ["à vérifier", "reçu", "reçu", "reçu", "à venir", "à venir", "à venir",
                                             "reçu", "reçu", "reçu"]
    assert _row(out, "Léa Fontaine") == ["à vérifier", "reçu", "RETARD", "RETARD", "à venir", "à venir", "à venir",
                                         "à venir", "à venir", "à venir"]
    relancer = out.split("À relancer :\n")[1].split("\n\n")[0].splitlines()
    assert relancer == [
        "  Adaeze Okafor (n° 22001176) — Bilan P3 : bilan manquant, période terminée le 19/01/2024 — à écrire : Antoine Lemaire <antoine.lemaire@example.org> (tuteur·rice)",
        "  Léa Fontaine (n° 22007203) — Bilan P2 : bilan manquant, période terminée le 22/12/2023 — à écrire : Stéphane Quéré <stephane.quere@example.org> (tuteur·rice)",
        "  Léa Fontaine (n° 22007203) — Bilan P3 : bilan manquant, période terminée le 19/01/2024 — à écrire : Stéphane Quéré <stephane.quere@example.org> (tuteur·rice)",
        "  Rachid Amrani (n° 16008814) — Bilan P1 : bilan manquant, période terminée le 01/12/2023 — à écrire : Véronique Hamon <veronique.hamon@example.org> (tuteur·rice)",
        "  Rachid Amrani (n° 16008814) — Bilan P2 : bilan manquant, période terminée le 22/12/2023 — à écrire : Véronique Hamon <veronique.hamon@example.org> (tuteur·rice)",
        "  Rachid Amrani (n° 16008814) — Bilan P3 : bilan manquant, période terminée le 19/01/2024 — à écrire : Véronique Hamon <veronique.hamon@example.org> (tuteur·rice)",
    ]


def test_periods_1_and_2_due_on_10_january(copar: Copar, sample: Path) -> None:
    states = _states(copar, sample, "10/01/2024")
    lea, adaeze = states["22007203"], states["22001176"]
    assert [lea[f"bilan_{n}"]["etat"] for n in range(1, 7)] == ["recu", "en_retard", "a_venir", "a_venir", "a_venir", "a_venir"]
    # a row with answers but no date is received
    assert adaeze["bilan_2"]["etat"] == "recu" and adaeze["bilan_2"]["detail"] == "bilan rempli"
    assert lea["cahier"] == {"cle": "cahier", "libelle": "Cahier / FdR", "etat": "a_venir",
                             "detail": "cahier des charges à rendre le 22/01/2024", "echeance": "2024-01-22"}
    assert states["19004471"]["cahier"]["detail"] == "feuille de route à rendre le 22/01/2024"


@pytest.mark.slow
def test_tripartite_rapport_and_jury_in_june(copar: Copar, sample: Path) -> None:
    (sample / "rapports" / "22004587-rapport.pdf").write_bytes(b"Ceci n'est pas un PDF\n")
    shutil.copyfile(CORPUS / "enc_r4-aes128-user-password.pdf", sample / "rapports" / "rapport_22001176.pdf")
    try:
        states = _states(copar, sample, "10/06/2024")
    finally:
        (sample / "rapports" / "22004587-rapport.pdf").unlink()
        (sample / "rapports" / "rapport_22001176.pdf").unlink()
    aissatou, mael, camille, linh = states["22004512"], states["22004587"], states["22007719"], states["22006120"]
    assert aissatou["tripartite"]["faits"] == {"planifie": True, "tenu": True, "compte_rendu": True}
    assert aissatou["tripartite"]["etat"] == "recu"
    assert mael["tripartite"]["etat"] == "en_retard"
    assert mael["tripartite"]["detail"] == "pas de créneau alors que les entretiens ont commencé le 06/06/2024"
    assert aissatou["rapport"]["etat"] == "recu"
    assert mael["rapport"] == {"cle": "rapport", "libelle": "Rapport", "etat": "inutilisable",
                               "detail": "22004587-rapport.pdf : ce n'est pas un PDF (fichier texte)",
                               "echeance": "2024-05-24"}
    assert states["22001176"]["rapport"]["detail"] == "rapport_22001176.pdf : PDF protégé par un mot de passe"
    assert linh["rapport"]["etat"] == "en_retard"
    assert camille["jury"]["etat"] == "recu" and camille["jury"]["detail"] == "Jury B, 27/06/2024 à 14:00 : 15,5/20"
    assert states["22002264"]["jury"]["etat"] == "a_venir"  # Jury A on 25 June, no notes yet
    # after the jury: missing notes are late
    later = _states(copar, sample, "26/06/2024")
    assert later["22002264"]["jury"] == {"cle": "jury", "libelle": "Jury, notes", "etat": "en_retard",
                                         "detail": "Jury A, 25/06/2024 à 12:00 : notes manquantes",
                                         "echeance": "2024-06-25"}


@pytest.mark.slow
def test_student_starting_in_january(copar: Copar, tmp_path: Path) -> None:
    workbook = tmp_path / "promotion.xlsx"
    shutil.copyfile(INPUTS / "promotion.xlsx", workbook)
    wb = load_workbook(workbook)
    ws = wb["Étudiant·es"]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "22003398")  # Yanis Benhamou, stage
    ws.cell(row, 16).value = dt.datetime(2024, 1, 8)  # Début
    ws.cell(row, 17).value = dt.datetime(2024, 3, 31)  # Fin: before period 6
    wb.save(workbook)
    yanis = _states(copar, workbook, "15/02/2024")["22003398"]
    assert [yanis[f"bilan_{n}"]["etat"] for n in range(1, 7)] == ["non_du", "non_du", "recu", "a_venir", "a_venir", "non_du"]
    assert yanis["bilan_1"]["detail"] == "période 1 hors de l'alternance (08/01/2024 – 31/03/2024)"
    # the cahier des charges comes a month after the start at the earliest
    assert yanis["cahier"]["echeance"] == "2024-02-08"
    assert _states(copar, workbook, "01/02/2024")["22003398"]["cahier"]["etat"] == "a_venir"


@pytest.mark.slow
def test_xlsx_for_the_secretary(copar: Copar, sample: Path, tmp_path: Path) -> None:
    target = tmp_path / "suivi.xlsx"
    result = copar("suivi", sample, "--date", "15/02/2024", "--format", "xlsx", "-o", target)
    assert result.exit_code == 0
    assert result.stdout == f"Suivi au 15/02/2024 écrit : {target}\n"
    wb = load_workbook(target)
    assert wb.sheetnames == ["Suivi", "Légende"]
    ws = wb["Suivi"]
    headers = [c.value for c in ws[1]]
    assert headers[:7] == ["N° étudiant", "Nom", "Prénom", "Statut", "Tuteur·rice", "Courriel tuteur·rice", "Cahier / FdR"]
    assert headers[-1] == "À relancer"
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, len(headers)).column_letter}27"
    assert ws.freeze_panes == "D2"
    lea = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "22007203")
    p2 = lea[headers.index("Bilan P2")]
    assert (p2.value, p2.fill.fgColor.rgb, p2.comment.text) == (
        "en retard", "00FFC7CE", "bilan manquant, période terminée le 22/12/2023")
    p1 = lea[headers.index("Bilan P1")]
    assert (p1.value, p1.fill.fgColor.rgb) == ("reçu", "00C6EFCE")
    assert lea[-1].value == ("Bilan P2 : bilan manquant, période terminée le 22/12/2023\n"
                             "Bilan P3 : bilan manquant, période terminée le 19/01/2024")
    legend = [row for row in wb["Légende"].iter_rows(min_row=4, max_row=9, values_only=True)]
    assert [state for state, _ in legend] == ["reçu", "à venir", "en retard", "à vérifier", "inutilisable", "non dû"]


@pytest.mark.slow
def test_a_soutenance_without_hour_is_not_an_error_for_suivi(copar: Copar, tmp_path: Path) -> None:
    workbook = tmp_path / "promotion.xlsx"
    shutil.copyfile(INPUTS / "promotion.xlsx", workbook)
    wb = load_workbook(workbook)
    ws = wb["Soutenances"]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "22002264")
    ws.cell(row, 3).value = None
    wb.save(workbook)
    assert copar("check", workbook).exit_code == 1
    mamadou = _states(copar, workbook, "15/02/2024")["22002264"]
    assert (mamadou["jury"]["etat"], mamadou["jury"]["detail"]) == ("a_venir", "passage à prévoir dans Soutenances")

"""Rapports de mission found by N° or, failing that, by the student's name in the file name;
files attributed to nobody listed by `copar check` and `copar suivi`; no « absent » before the due date."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from pipeline.build.packets import _rapport_slot
from pipeline.build.results import BuildResult
from pipeline.report import Report
from pipeline.workbook.rapports import PRESENT, SEVERAL, choose_rapport, match_rapports
from pipeline.workbook.validate import check

from .helpers import INPUTS

Copar = Callable[..., Result]
SAMPLE_PDF = INPUTS / "rapports" / "22004512-rapport-mission.pdf"
PEOPLE = [("22004512", "Aïssatou", "N'Diaye"), ("22004587", "Maël", "Le Bihan"), ("22001843", "Inès", "Moreau"),
          ("30000001", "Marie", "Dupont"), ("30000002", "Marie-Anne", "Dupont")]


def _files(folder: Path, *names: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copyfile(SAMPLE_PDF, folder / name)


def test_a_file_without_number_is_matched_by_name_whatever_case_accents_and_order(tmp_path: Path) -> None:
    _files(tmp_path, "Rapport DUPONT marie.pdf", "rapport_mael_LE_BIHAN.pdf", "NDIAYE Aissatou - rapport.pdf",
           "22001843-rapport.pdf", "Moreau Inès brouillon.pdf")
    matches = match_rapports(tmp_path, PEOPLE)
    assert matches.by_name == {"30000001": ("Rapport DUPONT marie.pdf",), "22004587": ("rapport_mael_LE_BIHAN.pdf",),
                               "22004512": ("NDIAYE Aissatou - rapport.pdf",), "22001843": ("Moreau Inès brouillon.pdf",)}
    assert [p.name for p in matches.files["22004587"]] == ["rapport_mael_LE_BIHAN.pdf"]
    # the N° file and the name file are two versions of Inès Moreau's rapport: staff keep one
    assert [p.name for p in matches.files["22001843"]] == ["22001843-rapport.pdf", "Moreau Inès brouillon.pdf"]
    assert choose_rapport(matches.files["22001843"], "22001843").state == SEVERAL
    assert choose_rapport(matches.files["30000001"], "30000001").state == PRESENT
    assert matches.unmatched == () and matches.ambiguous == {}
    findings = matches.findings({"30000001": "Marie Dupont"})
    assert ("nom", "Rapport DUPONT marie.pdf", "Rapport de mission « Rapport DUPONT marie.pdf » attribué à Marie "
            "Dupont (n° 30000001) d'après le nom du fichier : ajoutez le n° étudiant au nom du fichier pour en être "
            "sûr·e.") in findings


def test_the_longest_name_wins_and_a_tie_or_no_name_matches_nobody(tmp_path: Path) -> None:
    people = [*PEOPLE, ("30000003", "Marie", "Dupont")]  # a homonym of 30000001
    _files(tmp_path, "Dupont Marie-Anne.pdf", "dupont marie.pdf", "rapport final.pdf", "Dupont.pdf", "99999999.pdf")
    matches = match_rapports(tmp_path, people)
    assert matches.by_name == {"30000002": ("Dupont Marie-Anne.pdf",)}
    assert matches.ambiguous == {"dupont marie.pdf": ("30000001", "30000003")}
    assert [p.name for p in matches.unmatched] == ["99999999.pdf", "Dupont.pdf", "rapport final.pdf"]
    kinds = [(kind, name) for kind, name, _ in matches.findings({})]
    assert kinds == [("nom", "Dupont Marie-Anne.pdf"), ("personne", "99999999.pdf"), ("personne", "Dupont.pdf"),
                     ("personne", "rapport final.pdf"), ("personne", "dupont marie.pdf")]


def test_check_warns_about_name_matches_and_lists_files_attributed_to_nobody(copar: Copar, promo: Path) -> None:
    rapports = promo.parent / "rapports"
    _files(rapports, "Rapport BENHAMOU yanis.pdf", "rapport final.pdf")
    result = copar("check", promo, "--format", "json")
    problems = [p for p in json.loads(result.stdout) if p["sheet"] == "rapports/"]
    assert [(p["severity"], p["code"], p["value"]) for p in problems] == [
        ("warning", "rapport-by-name", "Rapport BENHAMOU yanis.pdf"),
        ("warning", "rapport-unmatched", "rapport final.pdf")]
    assert "Yanis Benhamou (n° 22003398)" in problems[0]["message"]
    # the library call the build makes stays quiet about rapports: the build says it in its notes
    _, report = check(promo)
    assert not [p for p in report.problems if p.sheet == "rapports/"]


def test_suivi_uses_a_name_match_and_lists_files_attributed_to_nobody(copar: Copar, promo: Path) -> None:
    rapports = promo.parent / "rapports"
    _files(rapports, "Rapport BENHAMOU yanis.pdf", "rapport final.pdf")
    table = copar("suivi", promo, "--date", "01/06/2024").stdout
    assert "Yanis Benhamou (n° 22003398) — Rapport" not in table  # not late: his rapport is there
    unattributed = table.split("Rapports attribués à personne :\n")[1].split("\n\n")[0].splitlines()
    assert unattributed == ["  Fichier « rapport final.pdf » du dossier rapports/ : ni n° étudiant ni nom "
                            "d'étudiant·e reconnu, il n'est attribué à personne ; renommez-le avec le n° étudiant."]
    data = json.loads(copar("suivi", promo, "--date", "01/06/2024", "--format", "json").stdout)
    yanis = next(s for s in data["etudiants"] if s["numero"] == "22003398")
    rapport = next(e for e in yanis["elements"] if e["cle"] == "rapport")
    assert (rapport["etat"], rapport["detail"]) == ("recu", "déposé : Rapport BENHAMOU yanis.pdf")


def test_an_absent_rapport_is_noted_only_once_due(tmp_path: Path) -> None:
    dataset, _ = check(INPUTS)
    assert dataset is not None
    student = dataset.student("22003398")
    due = dataset.calendar["rapport_mission"].debut
    for today, noted in ((due, False), (due + dt.timedelta(days=1), True)):
        result = BuildResult(tmp_path, Report())
        slot = _rapport_slot(student, [], result, late=today > due)
        assert slot.pdf is None and "dossier" in slot.motif and str(tmp_path) not in slot.motif
        assert (result.notes == ["Rapport de mission absent : Yanis Benhamou (n° 22003398)."]) is noted

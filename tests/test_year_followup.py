"""Follow-up that matches the year: a bilan dated outside its period is warned at collect and check."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest

from pipeline.workbook.validate import check
from pipeline.workbook.validate_sheets import bilan_date_problem
from tests.helpers import INPUTS
from tests.test_forms import _fill_docx

pytestmark = pytest.mark.slow  # whole promotions through the CLI or a real SMTP server: not the fast tier


def test_a_bilan_date_is_checked_against_its_period() -> None:
    ds, _ = check(INPUTS)
    assert ds is not None
    period = ds.calendar["periode_2"]
    end = period.fin or period.debut
    assert bilan_date_problem(2, period.debut, ds.calendar) is None
    assert bilan_date_problem(2, end + dt.timedelta(days=14), ds.calendar) is None  # written just after
    assert bilan_date_problem(2, None, ds.calendar) is None
    late = bilan_date_problem(2, end + dt.timedelta(days=15), ds.calendar)
    early = bilan_date_problem(2, period.debut - dt.timedelta(days=1), ds.calendar)
    assert late is not None and early is not None
    assert late.startswith(f"bilan de la période 2 daté du {end + dt.timedelta(days=15):%d/%m/%Y}, hors de sa période")


def test_check_warns_about_a_bilan_dated_outside_its_period(copar, promo: Path) -> None:
    assert not [p for p in check(promo)[1].problems if p.code == "review-date-outside-period"]  # the sample is right
    wb = openpyxl.load_workbook(promo)
    ws = wb["Bilans intermédiaires"]
    headers = [c.value for c in ws[1]]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, headers.index("Période") + 1).value == 2)
    ws.cell(row, headers.index("Date") + 1).value = dt.datetime(2024, 5, 2)
    wb.save(promo)
    problems = [p for p in json.loads(copar("check", promo, "--format", "json").stdout)
                if p["code"] == "review-date-outside-period"]
    assert [(p["severity"], p["row"], p["value"]) for p in problems] == [("warning", row, "02/05/2024")]
    assert "Bilan de la période 2 daté du 02/05/2024, hors de sa période" in problems[0]["message"]


def test_collect_warns_about_a_bilan_dated_outside_its_period(copar, promo: Path, tmp_path: Path) -> None:
    out = tmp_path / "outputs"
    made = copar("forms", promo, "-o", out, "--type", "bilan", "--periode", "2", "--etudiant", "22004587",
                 "--format", "docx")
    assert made.exit_code == 0, made.output
    form = next((out / "formulaires").glob("**/22004587-*.docx"))
    _fill_docx(form, {"activites": "Des activités", "date": "02/05/2024"})
    result = copar("collect", form.parent, promo, "-o", out, "--simulation")
    assert result.exit_code == 1, result.output  # the sample already holds this bilan: a conflict, reported
    assert "bilan de la période 2 daté du 02/05/2024, hors de sa période" in result.output


def test_suivi_records_a_cahier_dropped_in_the_cahiers_folder(copar, promo: Path) -> None:
    def cahier(data: dict, numero: str) -> dict:
        student = next(s for s in data["etudiants"] if s["numero"] == numero)
        return next(e for e in student["elements"] if e["cle"] == "cahier")

    before = json.loads(copar("suivi", promo, "--date", "01/03/2024", "--format", "json").stdout)
    assert cahier(before, "22004512")["etat"] == "a_verifier"
    assert "déposez-le dans le dossier cahiers/" in cahier(before, "22004512")["detail"]
    folder = promo.parent / "cahiers"
    folder.mkdir()
    (folder / "22004512-cahier-des-charges.pdf").write_bytes(b"%PDF-1.4")
    (folder / "Feuille de route DIALLO ibrahima.docx").write_bytes(b"PK")
    (folder / "brouillon.pdf").write_bytes(b"%PDF-1.4")
    after = json.loads(copar("suivi", promo, "--date", "01/03/2024", "--format", "json").stdout)
    assert (cahier(after, "22004512")["etat"], cahier(after, "22004512")["detail"]) == (
        "recu", "cahier des charges reçu : 22004512-cahier-des-charges.pdf")
    assert cahier(after, "22006684")["etat"] == "recu"  # found by the name in the file
    assert cahier(after, "22004587")["etat"] == "a_verifier"
    table = copar("suivi", promo, "--date", "01/03/2024").stdout
    assert ("  Fichier « brouillon.pdf » du dossier cahiers/ : ni n° étudiant ni nom d'étudiant·e reconnu, il n'est "
            "attribué à personne ; renommez-le avec le n° étudiant.") in table


def test_letters_are_dated_from_the_promotions_place() -> None:
    import dataclasses
    import zipfile

    from pipeline.documents import contexts as cx

    ds, _ = check(INPUTS)
    assert ds is not None
    assert cx.common(ds, dt.date(2023, 11, 20))["lieu_courrier"] == "Rennes"
    brest = dataclasses.replace(ds, promotion=dataclasses.replace(ds.promotion, lieu_courriers="Brest"))
    assert cx.common(brest, dt.date(2023, 11, 20))["lieu_courrier"] == "Brest"
    empty = dataclasses.replace(ds, promotion=dataclasses.replace(ds.promotion, lieu_courriers=""))
    assert cx.common(empty, dt.date(2023, 11, 20))["lieu_courrier"] == "Rennes"
    xml = zipfile.ZipFile(Path(__file__).parent.parent / "templates_docx" / "invitation.docx").read("word/document.xml")
    assert b"{{ lieu_courrier }}" in xml and b", le " in xml


def test_civilite_chooses_the_words_for_that_person_and_inclusive_forms_otherwise(copar, promo: Path) -> None:
    from pipeline.documents import contexts as cx

    wb = openpyxl.load_workbook(promo)
    ws = wb["Étudiant·es"]
    headers = [c.value for c in ws[1]]
    row = next(r for r in range(2, ws.max_row + 1) if str(ws.cell(r, 1).value) == "22004512")
    ws.cell(row, headers.index("Civilité") + 1).value = "Mme"
    ws.cell(row, headers.index("Tuteur·rice civilité") + 1).value = "madame"
    wb.save(promo)
    ds, report = check(promo)
    assert ds is not None, report.to_table()
    aissatou, mael = ds.student("22004512"), ds.student("22004587")  # one tutor, typed with a civilité once
    assert (aissatou.civilite, aissatou.tuteur.civilite, mael.civilite, mael.tuteur.civilite) == \
        ("Madame", "Madame", "", "Madame")
    student = cx.student(aissatou, ds)
    assert (student["etudiant_mot"], student["appel"], student["e"]) == ("étudiante", "Madame", "e")
    other = cx.student(ds.student("22001843"), ds)
    assert (other["etudiant_mot"], other["appel"], other["e"]) == ("étudiant·e", "Madame, Monsieur", "·e")
    tutor = cx.tutor(aissatou.tuteur)
    assert (tutor["appel"], tutor["tuteur_mot"], tutor["e"]) == ("Madame", "tutrice", "e")
    assert cx.tutor(ds.student("22001843").tuteur)["appel"] == "Madame, Monsieur"
    ws.cell(row, headers.index("Civilité") + 1).value = "Docteur"
    wb.save(promo)
    assert any(p.code == "unknown-civilite" for p in check(promo)[1].problems)


def test_recto_verso_from_the_option_or_copar_toml(promo: Path) -> None:
    from pipeline.promotion import Promotion

    assert Promotion.open(promo).settings.recto is False
    assert Promotion.open(promo, recto=True).settings.recto is True
    (promo.parent / "copar.toml").write_text("recto_verso = true\n", encoding="utf-8")
    assert Promotion.open(promo).settings.recto is True

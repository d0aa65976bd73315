"""Word and workbook forms as people fill them: typed in LibreOffice Writer and Calc (fr-FR) through
UNO (tests/lo_user.py), then `copar collect`; and what the files promise Word and Excel users."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from lxml import etree
from pypdf import PdfReader

from pipeline.forms.sheet import FINGERPRINT_COLUMN
from pipeline.forms.word import PLACEHOLDER
from pipeline.libreoffice.listener import uno_python
from pipeline.workbook.validate import check
from tests.helpers import ROOT

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
LONG = ("Atelier « habiter ensemble » co-animé avec la chargée de mission ; œuvre collective, 12 participant·es.\n"
        "Deuxième ligne, après Maj+Entrée — et un emoji 🌱")



def _flat(text: str) -> str:
    return " ".join(text.split())


def _lo_user(job: dict[str, Any], tmp: Path) -> dict[str, Any]:
    python = uno_python()
    if python is None:
        pytest.fail("no Python with LibreOffice's uno module: run scripts/setup.sh (python3-uno)")
    spec = tmp / f"job-{job['kind']}.json"
    spec.write_text(json.dumps({**job, "soffice": shutil.which("soffice") or "soffice"}), encoding="utf-8")
    done = subprocess.run([python, str(ROOT / "tests" / "lo_user.py"), str(spec)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def _form(copar: Any, promo: Path, out: Path, *args: str) -> Path:
    """The one Word form asked for, or the grille's workbook of jury B."""
    r = copar("forms", promo, "-o", out, *args)
    assert r.exit_code == 0, r.output
    return next((out / "formulaires").rglob("*.docx" if "docx" in args else "jury-b.xlsx"))


# --- Word -------------------------------------------------------------------------------------


def test_word_form_controls_show_a_placeholder_and_forms_protection(copar, promo: Path, tmp_path: Path) -> None:
    form = _form(copar, promo, tmp_path / "out", "--type", "bilan", "--periode", "2", "--etudiant", "22004512",
                 "--format", "docx")
    with zipfile.ZipFile(form) as zf:
        document, settings = etree.fromstring(zf.read("word/document.xml")), zf.read("word/settings.xml")
    assert b'w:edit="forms"' in settings and b'w:enforcement="1"' in settings
    shown = {}
    for sdt in document.iter(f"{W}sdt"):
        key = sdt.find(f"{W}sdtPr/{W}tag").get(f"{W}val").rsplit("__", 1)[-1]
        text = "".join(t.text or "" for t in sdt.iter(f"{W}t"))
        shown[key] = (sdt.find(f"{W}sdtPr/{W}showingPlcHdr") is not None, text[:22])
    assert shown == {"date": (False, "22/12/2023"), "activites": (False, "Observation de deux ré"),
                     "autres_actions": (True, PLACEHOLDER[:22]), "apports": (False, "Méthodologie de la rec"),
                     "attentes": (False, "Besoin d'outils pour a")}


def _edit_docx(path: Path, edit: Any) -> None:
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    root = etree.fromstring(parts["word/document.xml"])
    edit(root)
    parts["word/document.xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, blob in parts.items():
            zf.writestr(name, blob)


def _run(text: str) -> Any:
    run = etree.Element(f"{W}r")
    etree.SubElement(run, f"{W}t").text = text
    return run


@pytest.mark.slow
def test_word_collect_reads_text_typed_beside_a_control_never_the_placeholder(copar, promo: Path,
                                                                               tmp_path: Path) -> None:
    out = tmp_path / "out"
    form = _form(copar, promo, out, "--type", "compte-rendu", "--etudiant", "22004587", "--format", "docx")
    returned = tmp_path / "retours"
    returned.mkdir()
    untouched = returned / "intact.docx"
    shutil.copy(form, untouched)
    r = copar("collect", returned, promo, "-o", out, "--simulation")
    assert "rejeté — formulaire vide" in _flat(r.output)  # placeholders are not answers

    def beside(root: Any) -> None:
        sdts = {s.find(f"{W}sdtPr/{W}tag").get(f"{W}val").rsplit("__", 1)[-1]: s for s in root.iter(f"{W}sdt")}
        date, realisations, retours = sdts["date"], sdts["realisations"], sdts["retours"]
        date.addnext(_run("06/06/2024"))  # typed after the control, placeholder left in it
        paragraph = realisations.getparent()
        paragraph.insert(paragraph.index(realisations), _run("Avant. "))
        realisations.addnext(_run(" Après."))
        more = etree.Element(f"{W}p")  # Entrée at the end: a paragraph of its own under the control
        more.append(_run("Paragraphe suivant."))
        paragraph.addnext(more)
        content = retours.find(f"{W}sdtContent")
        content.append(_run(" puis la suite"))  # typed after the placeholder, inside the control
        # Entrée in Word: the control grows into a block of paragraphs, in place of its paragraph
        processus = sdts["processus"]
        block = processus.getparent()
        block.addprevious(processus)
        block.getparent().remove(block)
        content = processus.find(f"{W}sdtContent")
        for child in list(content):
            content.remove(child)
        for text in ("Par étapes.", "Puis ensemble."):
            etree.SubElement(content, f"{W}p").append(_run(text))
        processus.find(f"{W}sdtPr").remove(processus.find(f"{W}sdtPr/{W}showingPlcHdr"))
        # emptied in Word, which puts its own placeholder back
        content = sdts["apprentissages"].find(f"{W}sdtContent")
        content.find(f".//{W}t").text = "Cliquez ou appuyez ici pour entrer du texte."

    _edit_docx(untouched, beside)
    # the visible identity table typed over (possible once the protection is lifted): not the identity
    _edit_docx(untouched, lambda root: setattr(next(t for t in root.iter(f"{W}t") if t.text == "22004587"),
                                               "text", "22004512"))
    r = copar("collect", returned, promo, "-o", out)
    assert r.exit_code == 0 and "compte-rendu — Maël Le Bihan (22004587) ajouté" in _flat(r.output), r.output
    ds, _ = check(promo)
    t = ds.tripartite_of("22004587") if ds else None
    assert t is not None and str(t.date) == "2024-06-06"
    assert t.realisations == "Avant.  Après.\nParagraphe suivant."  # the placeholder between, dropped
    assert (t.retours, t.processus, t.apprentissages) == ("puis la suite", "Par étapes.\nPuis ensemble.", "")


@pytest.mark.soffice
def test_word_form_typed_in_libreoffice_writer(copar, promo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    returned = tmp_path / "retours"
    returned.mkdir()
    # an empty form: a click in each control selects its placeholder, typing replaces it
    empty = _form(copar, promo, out, "--type", "compte-rendu", "--etudiant", "22004587", "--format", "docx")
    typed = {0: "06/06/2024", 1: "10:15", 2: "Gaëlle L'Hôte\nMaël Le Bihan\nNadia Roussel", 3: LONG, 4: "Par étapes.",
             5: "Écouter avant de proposer.", 6: "Les retours du groupe d'analyse.", 7: "Poursuivre l'atelier."}
    seen = _lo_user({"kind": "writer", "in": str(empty), "out": str(returned / "writer.docx"), "intrude": "INTRUS",
                     "typing": [{"control": i, "text": text, "at": "click"} for i, text in typed.items()]}, tmp_path)
    assert (seen["read_only_on_open"], seen["protect_form"], seen["count"]) == (False, True, 8)
    assert all(c["placeholder"] and c["text"] == PLACEHOLDER for c in seen["controls"])
    assert seen["after"] == list(typed.values())
    assert seen["intruded"] is False  # the title and the identity table refuse typing
    with zipfile.ZipFile(returned / "writer.docx") as zf:
        assert b"copar-formulaire" in zf.read("docProps/custom.xml")  # the identity survives the save
        assert b'w:edit="forms"' in zf.read("word/settings.xml")
        assert b"INTRUS" not in zf.read("word/document.xml")
    r = copar("collect", returned, promo, "-o", out)
    assert r.exit_code == 0, r.output
    assert "writer.docx compte-rendu — Maël Le Bihan (22004587) ajouté" in _flat(r.output)
    ds, _ = check(promo)
    t = ds.tripartite_of("22004587") if ds else None
    assert t is not None and (str(t.date), str(t.heure)) == ("2024-06-06", "10:15:00")
    assert (t.participants, t.realisations, t.processus, t.apprentissages, t.processus_apprentissage, t.retours) == (
        typed[2], LONG, typed[4], typed[5], typed[6], typed[7])

    # a pre-filled form: typing after the last character of an answer, and in the one empty control
    prefilled = _form(copar, promo, tmp_path / "out2", "--type", "bilan", "--periode", "2", "--etudiant", "22004512",
                      "--format", "docx")
    shutil.rmtree(returned)
    returned.mkdir()
    seen = _lo_user({"kind": "writer", "in": str(prefilled), "out": str(returned / "suite.docx"), "typing": [
        {"control": 1, "text": " Suite tapée à la fin.\nEt une ligne.", "at": "end", "enter": True},  # Entrée
        {"control": 2, "text": "Forum des associations.", "at": "click"}]}, tmp_path)
    before = seen["controls"][1]["text"]
    assert before.startswith("Observation de deux réunions")
    assert seen["after"][1:3] == [before + " Suite tapée à la fin.\nEt une ligne.", "Forum des associations."]
    r = copar("collect", returned, promo, "-o", out, "--remplacer")
    assert r.exit_code == 0, r.output
    assert "remplacé" in r.output and "réponses : 1 ajouté, 3 identique, 1 remplacé" in _flat(r.output)
    ds, _ = check(promo)
    review = ds.reviews_of("22004512")[2] if ds else None
    assert review is not None and review.activites == before + " Suite tapée à la fin.\nEt une ligne."
    assert review.autres_actions == "Forum des associations."


# --- Workbook ---------------------------------------------------------------------------------


def _rule_holds(value: float, maximum: float) -> bool:
    """The notes' validation formula, AND(ISNUMBER(x),x>=0,x<=max,MOD(x*2,1)=0), in Python."""
    return 0 <= value <= maximum and (value * 2) % 1 == 0


def test_workbook_form_rules_print_setup_and_labels(copar, promo: Path, tmp_path: Path) -> None:
    path = _form(copar, promo, tmp_path / "out", "--type", "grille", "--format", "xlsx")
    ws = openpyxl.load_workbook(path)["Formulaire"]
    headers = [c.value for c in ws[1]]
    assert headers[13:15] == ["Note du rapport de mission (rapport + soutenance = total des critères, sur 20)",
                              "Note de la soutenance (rapport + soutenance = total des critères, sur 20)"]
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    note = rules[f"E2:E{ws.max_row}"]
    assert (note.type, note.formula1, note.allowBlank) == ("custom", "AND(ISNUMBER(E2),E2>=0,E2<=3,MOD(E2*2,1)=0)",
                                                           True)
    assert rules[f"N2:N{ws.max_row}"].formula1 == "AND(ISNUMBER(N2),N2>=0,N2<=20,MOD(N2*2,1)=0)"
    maxima = [3, 3, 2, 2, 2, 2, 2, 2, 2, 20, 20]
    prefilled = [(ws.cell(r, 5 + i).value, m) for r in range(2, ws.max_row + 1) for i, m in enumerate(maxima)
                 if ws.cell(r, 5 + i).value is not None]
    assert prefilled and all(_rule_holds(v, m) for v, m in prefilled)
    assert not _rule_holds(4, 3) and not _rule_holds(1.25, 2) and _rule_holds(2.5, 3)
    setup = ws.page_setup
    assert (setup.orientation, setup.fitToWidth, setup.fitToHeight) == ("landscape", 1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_title_rows == "$1:$1"
    assert [b.id for b in ws.row_breaks.brk] == list(range(2, ws.max_row))  # one student per page


def test_word_grille_headings_say_what_the_notes_add_up_to(copar, promo: Path, tmp_path: Path) -> None:
    form = _form(copar, promo, tmp_path / "out", "--type", "grille", "--etudiant", "22008845", "--format", "docx")
    text = "".join(t.text or "" for t in etree.fromstring(zipfile.ZipFile(form).read("word/document.xml"))
                   .iter(f"{W}t"))
    assert "Note du rapport de mission (rapport + soutenance = total des critères, sur 20)" in text
    assert "(sur 20)" not in text


@pytest.mark.slow
def test_workbook_identity_is_checked_by_its_fingerprint(copar, promo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    path = _form(copar, promo, out, "--type", "grille", "--format", "xlsx")
    returned = tmp_path / "retours"
    returned.mkdir()
    wb = openpyxl.load_workbook(path)
    wb["Formulaire"]["E4"] = 2.5
    hidden = wb["copar-formulaire"]
    hidden.sheet_state = "visible"  # shown, as anyone can in LibreOffice: still fine while unchanged
    wb.save(returned / "montre.xlsx")
    r = copar("collect", returned, promo, "-o", out, "--simulation")
    assert "montre.xlsx grille — Sarah Belkacem (22008845), ligne 4 ajouté" in _flat(r.output), r.output
    # the row's answers moved to another student by editing both the hidden identity and the N°
    hidden["B4"] = wb["Formulaire"]["A4"] = "22004512"
    wb.save(returned / "montre.xlsx")
    r = copar("collect", returned, promo, "-o", out, "--simulation")
    assert r.exit_code == 1
    assert ("montre.xlsx rejeté — classeur-formulaire modifié : ligne 4 : l'identité de l'étudiant·e (colonnes "
            "grisées ou feuille cachée) a été modifiée") in _flat(r.output)
    hidden["B4"] = wb["Formulaire"]["A4"] = "22008845"
    hidden.cell(4, FINGERPRINT_COLUMN).value = None  # a workbook form made before the fingerprint, or a cleared cell
    wb.save(returned / "montre.xlsx")
    r = copar("collect", returned, promo, "-o", out, "--simulation")
    assert "ligne 4 : pas d'empreinte d'identité" in _flat(r.output)


@pytest.mark.soffice
@pytest.mark.parametrize(("locale", "comma"), [("fr-FR", ","), ("en-US", ".")])
def test_workbook_form_typed_in_calc(copar, promo: Path, tmp_path: Path, locale: str, comma: str) -> None:
    out = tmp_path / "out"
    path = _form(copar, promo, out, "--type", "grille", "--format", "xlsx")
    returned = tmp_path / "retours"
    returned.mkdir()
    notes = ["2,5", "2", "1,5", "1,5", "2", "1,5", "1,5", "1,5", "1", "7,5", "7,5"]
    row4 = dict(zip("EFGHIJKLMNOP", [n.replace(",", comma) for n in notes] + ["Présentation claire ; échanges riches."],
                    strict=True))
    typing = [{"cell": f"{col}4", "text": text} for col, text in row4.items()]
    typing += [{"cell": "F5", "text": "4"}, {"cell": "G5", "text": f"1{comma}25"}, {"cell": "A6", "text": "99999999"}]
    seen = _lo_user({"kind": "calc", "locale": locale, "in": str(path), "out": str(returned / "calc.xlsx"),
                     "typing": typing, "validations": ["E4", "N4", "F5", "G5", "A6"]}, tmp_path)
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path / "printed"), str(returned / "calc.xlsx")], check=True,
                   capture_output=True, timeout=180)
    pages = PdfReader(tmp_path / "printed" / "calc.pdf").pages
    assert len(pages) == 6 and all(p.mediabox.width > p.mediabox.height for p in pages)  # a landscape page each
    assert "Camille" in pages[0].extract_text() and "Khady" in pages[5].extract_text()
    cells = seen["cells"]
    assert (cells["E4"]["value"], cells["E4"]["is_value"], cells["N4"]["value"]) == (2.5, True, 7.5)  # a number
    assert cells["F5"]["rule"]["type"] == "CUSTOM" and cells["F5"]["rule"]["error_style"] == "STOP"
    assert seen["invalid"] == ["F5", "G5"]  # Calc's own check: 4 on a 3-point criterion, a quarter point
    assert cells["A6"]["string"] == "18006539"  # the N° is locked
    assert openpyxl.load_workbook(returned / "calc.xlsx")["copar-formulaire"].sheet_state == "hidden"
    r = copar("collect", returned, promo, "-o", out)
    flat = _flat(r.output)
    assert "calc.xlsx grille — Sarah Belkacem (22008845), ligne 4 ajouté" in flat, r.output
    # a partial return: the note out of bounds waits « à vérifier », its neighbour goes in
    assert ("ligne 5 à vérifier — réponses : 1 ajouté, 1 à vérifier « Lecture réflexive des apprentissages "
            "professionnels : réalis » : note hors limites, de 0 à 3 (valeur « 4 »)") in flat
    ds, _ = check(promo)
    assert ds is not None and sum(ds.notes_of("22008845").values()) == 15
    d = ds.defense_of("22008845")
    assert d is not None and (d.note_rapport, d.note_soutenance) == (7.5, 7.5)


@pytest.mark.soffice
def test_workbook_bilan_dates_typed_in_calc_fr(copar, promo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = copar("forms", promo, "-o", out, "--type", "bilan", "--periode", "6", "--format", "xlsx")
    assert r.exit_code == 0, r.output
    path = out / "formulaires" / "bilan-periode-6" / "tuteur-l-hote-gaelle" / "tuteur-l-hote-gaelle.xlsx"
    returned = tmp_path / "retours"
    returned.mkdir()
    seen = _lo_user({"kind": "calc", "in": str(path), "out": str(returned / "calc.xlsx"), "validations": ["F2", "F3"],
                     "typing": [{"cell": "F2", "text": "14/06/2024"}, {"cell": "G2", "text": "Bilan de l'atelier."},
                                {"cell": "F3", "text": "fin juin"}]}, tmp_path)
    assert (seen["cells"]["F2"]["is_value"], seen["cells"]["F2"]["string"]) == (True, "14/06/2024")
    assert seen["invalid"] == ["F3"]  # a date, not words
    r = copar("collect", returned, promo, "-o", out)
    assert "calc.xlsx bilan, période 6 — Aïssatou N'Diaye (22004512), ligne 2 ajouté" in _flat(r.output), r.output
    ds, _ = check(promo)
    review = ds.reviews_of("22004512")[6] if ds else None
    assert review is not None and (str(review.date), review.activites) == ("2024-06-14", "Bilan de l'atelier.")

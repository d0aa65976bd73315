"""copar forms → filled as people do (PDF.js, pypdf, Word/LibreOffice, Excel) → copar collect → copar build."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, TextStringObject

from pipeline.workbook.validate import check
from tests.helpers import DATA, INPUTS, ROOT, pdf_text

JS = ROOT / "tests" / "js"
HOSTILE = 'R&D <Centre> "Les Îlots"\n{{ 7*7 }} — deuxième ligne 🌱'



def _fields(path: Path) -> dict[str, str]:
    return {k: str(v.get("/V", "")) for k, v in (PdfReader(path).get_fields() or {}).items()}


def _pdfjs_fill(src: Path, dst: Path, values: dict[str, str], tmp: Path) -> dict:
    if not (JS / "node_modules" / "pdfjs-dist").is_dir():
        pytest.fail("pdfjs-dist is missing: run scripts/setup.sh (npm ci --prefix tests/js)")
    spec = tmp / "values.json"
    spec.write_text(json.dumps(values), encoding="utf-8")
    out = subprocess.run(["node", str(JS / "fill.mjs"), str(src), str(dst), str(spec)], capture_output=True,
                         text=True, timeout=120, check=True)
    return json.loads(out.stdout)


def _pypdf_fill(src: Path, dst: Path, values: dict[str, str]) -> None:
    writer = PdfWriter(clone_from=PdfReader(src))
    for page in writer.pages:
        writer.update_page_form_field_values(page, values, auto_regenerate=False)
    writer.write(dst)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _lines_in(text: str, pdf: Path) -> None:
    got = pdf_text(pdf)
    for line in text.split("\n"):
        assert " ".join(line.split()) in got, line


@pytest.mark.node
@pytest.mark.soffice
def test_pdf_round_trip_pdfjs_and_pypdf(copar, promo: Path, tmp_path: Path) -> None:
    out = tmp_path / "outputs"
    for numero in ("22004512", "22004587"):
        r = copar("forms", promo, "-o", out, "--type", "bilan", "--periode", "4", "--etudiant", numero)
        assert r.exit_code == 0, r.output
    folder = out / "formulaires" / "bilan-periode-4"
    first = folder / "tuteur-l-hote-gaelle" / "22004512-n-diaye-aissatou-periode-4.pdf"
    second = next(folder.glob("*/22004587-*-periode-4.pdf"))
    # PDF.js lists every field of the form, with a multi-line field for each long answer
    prefix = "copar__bilan__22004512__4__"
    returned = tmp_path / "retours"
    returned.mkdir()
    listed = _pdfjs_fill(first, returned / "firefox.pdf",
                         {prefix + "activites": HOSTILE, prefix + "date": "01/03/2024"}, tmp_path)
    assert sorted(f["name"][len(prefix):] for f in listed["fields"]) == [
        "activites", "apports", "attentes", "autres_actions", "date"]
    assert {f["name"][len(prefix):]: f["multiline"] for f in listed["fields"]}["activites"] is True
    assert listed["filled"] == 2
    _pypdf_fill(second, returned / "pypdf.pdf", {"copar__bilan__22004587__4__apports": "Conduite de projet ;\nanimation"})

    r = copar("collect", returned, promo, "-o", out)
    assert r.exit_code == 0, r.output
    assert "firefox.pdf bilan, période 4 — Aïssatou N'Diaye (22004512) ajouté" in _flat(r.output)
    assert "3 cellules écrites" in r.output
    assert len(list(promo.parent.glob("sauvegardes/promotion-*-avant-collecte.xlsx"))) == 1
    original, written = openpyxl.load_workbook(INPUTS / "promotion.xlsx"), openpyxl.load_workbook(promo)
    assert written.sheetnames == original.sheetnames
    for name in original.sheetnames:  # staff's drop-downs, frozen panes and widths survive
        assert len(written[name].data_validations.dataValidation) == len(original[name].data_validations.dataValidation)
        assert written[name].freeze_panes == original[name].freeze_panes
        assert {k: d.width for k, d in written[name].column_dimensions.items()} == {
            k: d.width for k, d in original[name].column_dimensions.items()}
    ds, _ = check(promo)
    assert ds is not None
    assert ds.reviews_of("22004512")[4].activites == HOSTILE
    assert ds.reviews_of("22004587")[4].apports == "Conduite de projet ;\nanimation"

    # the same files again: nothing changes, not even the workbook's bytes
    before = promo.read_bytes()
    r = copar("collect", returned, promo, "-o", out)
    assert r.exit_code == 0 and "0 ajouté, 2 identique" in r.output
    assert promo.read_bytes() == before

    # build prints the answer verbatim in the bilan and the livret
    r = copar("build", promo, "-o", out, "--only", "bilans", "--etudiant", "22004512")
    assert r.exit_code == 0, r.output
    student = out / "etudiants" / "22004512-n-diaye-aissatou"
    _lines_in(HOSTILE, student / "bilan-periode-4.pdf")
    _lines_in(HOSTILE, student / "livret-de-bilans.pdf")

    # a changed answer is a conflict: the workbook keeps its value, both go to conflits.xlsx
    _pdfjs_fill(first, returned / "firefox.pdf", {prefix + "activites": "Autre texte", prefix + "date": "01/03/2024"},
                tmp_path)
    r = copar("collect", returned, promo, "-o", out)
    assert r.exit_code == 1
    assert "conflit" in r.output and "formulaire « Autre texte »" in r.output
    assert promo.read_bytes() == before
    conflicts = openpyxl.load_workbook(out / "formulaires" / "conflits.xlsx").active
    assert [c.value for c in conflicts[2]][4:7] == ["Activités et contribution à la mission", HOSTILE, "Autre texte"]
    # --remplacer takes it
    r = copar("collect", returned, promo, "-o", out, "--remplacer")
    assert "remplacé" in r.output
    ds, _ = check(promo)
    assert ds is not None and ds.reviews_of("22004512")[4].activites == "Autre texte"


def _fill_docx(path: Path, values: dict[str, str]) -> None:
    """Type into the content controls, as Word does: runs and line breaks inside w:sdtContent."""
    from lxml import etree

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    root = etree.fromstring(parts["word/document.xml"])
    for sdt in root.iter(f"{w}sdt"):
        tag = sdt.find(f"{w}sdtPr/{w}tag").get(f"{w}val")
        key = tag.rsplit("__", 1)[-1]
        if key in values:
            content = sdt.find(f"{w}sdtContent")
            for child in list(content):
                content.remove(child)
            for i, line in enumerate(values[key].split("\n")):
                run = etree.SubElement(content, f"{w}r")
                if i:
                    etree.SubElement(run, f"{w}br")
                etree.SubElement(run, f"{w}t").text = line
    parts["word/document.xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, blob in parts.items():
            zf.writestr(name, blob)


@pytest.mark.soffice
def test_docx_round_trip_through_libreoffice(copar, promo: Path, tmp_path: Path) -> None:
    out = tmp_path / "outputs"
    r = copar("forms", promo, "-o", out, "--type", "compte-rendu", "--etudiant", "22004587", "--format", "docx")
    assert r.exit_code == 0, r.output
    form = next((out / "formulaires" / "compte-rendu").glob("*/22004587-*.docx"))
    _fill_docx(form, {"realisations": HOSTILE, "date": "06/06/2024", "heure": "10:15"})
    r = copar("collect", form.parent, promo, "-o", out, "--simulation")  # as saved by Word: tags kept
    assert r.exit_code == 0 and "ajouté" in r.output, r.output
    resaved = tmp_path / "resaved"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "docx",
                    "--outdir", str(resaved), str(form)], check=True, capture_output=True, timeout=180)
    assert b"w:tag" not in zipfile.ZipFile(resaved / form.name).read("word/document.xml")  # LibreOffice drops tags
    r = copar("collect", resaved, promo, "-o", out)
    assert r.exit_code == 0, r.output
    assert "compte-rendu — Maël Le Bihan (22004587)" in r.output and "ajouté" in r.output
    ds, _ = check(promo)
    assert ds is not None
    t = ds.tripartite_of("22004587")
    assert t is not None and t.realisations == HOSTILE and str(t.heure) == "10:15:00"
    r = copar("build", promo, "-o", out, "--only", "compte-rendu", "--etudiant", "22004587")
    assert r.exit_code == 0, r.output
    _lines_in(HOSTILE, next((out / "etudiants").glob("22004587-*")) / "compte-rendu-bilan-tripartite.pdf")


@pytest.mark.soffice
def test_xlsx_round_trip_grille(copar, promo: Path, tmp_path: Path) -> None:
    out = tmp_path / "outputs"
    r = copar("forms", promo, "-o", out, "--type", "grille", "--format", "xlsx")
    assert r.exit_code == 0, r.output
    path = out / "formulaires" / "grille" / "jury-b" / "jury-b.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb["Formulaire"]
    assert ws.protection.sheet and ws["A2"].protection.locked and not ws["E2"].protection.locked
    assert [ws.cell(r, 1).value for r in range(2, ws.max_row + 1)] == [
        "22007719", "22004033", "22008845", "19004471", "18006539", "20003312"]
    row = 4  # 22008845, no notes yet
    notes = [2.5, 2, 1.5, 1.5, 2, 1.5, 1.5, 1.5, 1]
    for i, note in enumerate(notes):
        ws.cell(row, 5 + i, note)
    ws.cell(row, 14, 7.5)
    ws.cell(row, 15, 7.5)
    ws.cell(row, 16, HOSTILE)
    returned = tmp_path / "retours"
    returned.mkdir()
    wb.save(returned / "jury-b.xlsx")
    r = copar("collect", returned, promo, "-o", out)
    assert r.exit_code == 0, r.output
    assert "grille — Sarah Belkacem (22008845), ligne 4 ajouté" in _flat(r.output)
    ds, _ = check(promo)
    assert ds is not None and sum(ds.notes_of("22008845").values()) == 15
    r = copar("build", promo, "-o", out, "--only", "grille", "--etudiant", "22008845")
    assert r.exit_code == 0, r.output
    grille = next((out / "etudiants").glob("22008845-*")) / "grille-evaluation.pdf"
    _lines_in(HOSTILE, grille)
    assert "Total : 15 / 20" in pdf_text(grille)


@pytest.mark.slow
def test_rejections(copar, promo: Path, tmp_path: Path) -> None:
    out = tmp_path / "outputs"
    copar("forms", promo, "-o", out, "--type", "bilan", "--periode", "5", "--etudiant", "22004512")
    form = next((out / "formulaires").rglob("*.pdf"))
    returned = tmp_path / "retours"
    returned.mkdir()
    shutil.copy(DATA / "pdf" / "dmg_startxref-oops.pdf", returned / "abime.pdf")
    shutil.copy(DATA / "pdf" / "enc_libreoffice-writer-password.pdf", returned / "chiffre.pdf")
    shutil.copy(DATA / "pdf" / "form_libreoffice-9-widgets.pdf", returned / "autre-formulaire.pdf")
    (returned / "notes.txt").write_text("bonjour", encoding="utf-8")
    shutil.copy(form, returned / "vide.pdf")
    for name, change in (("autre-promo.pdf", {"annee": "2022-2023"}), ("ancienne-grille.pdf", {"version": "0" * 12})):
        writer = PdfWriter(clone_from=PdfReader(form))
        identity = json.loads(str(PdfReader(form).metadata["/CoparFormulaire"]))
        identity.update(change)
        writer.add_metadata({"/CoparFormulaire": json.dumps(identity)})
        writer.update_page_form_field_values(writer.pages[0], {"copar__bilan__22004512__5__apports": "x"},
                                             auto_regenerate=False)
        writer.write(returned / name)
    # a hand-made form for a student who is not in the workbook: identity and field names agree
    stranger = PdfWriter(clone_from=PdfReader(form))
    for page in stranger.pages:
        for annot in page["/Annots"]:
            widget = annot.get_object()
            widget[NameObject("/T")] = TextStringObject(str(widget["/T"]).replace("22004512", "99999999"))
    identity = json.loads(str(PdfReader(form).metadata["/CoparFormulaire"]))
    stranger.add_metadata({"/CoparFormulaire": json.dumps({**identity, "numero": "99999999"})})
    stranger.update_page_form_field_values(stranger.pages[0], {"copar__bilan__99999999__5__apports": "x"},
                                           auto_regenerate=False)
    stranger.write(returned / "inconnu.pdf")
    for name, text in (("double-1.pdf", "version un"), ("double-2.pdf", "version deux")):
        _pypdf_fill(form, returned / name, {"copar__bilan__22004512__5__apports": text})
    before = promo.read_bytes()
    r = copar("collect", returned, promo, "-o", out)
    assert r.exit_code == 1
    lines = {line.split()[0]: line for line in r.output.splitlines() if line.strip() and not line.startswith(" ")}
    assert "PDF endommagé" in lines["abime.pdf"]
    assert "protégé par un mot de passe" in lines["chiffre.pdf"]
    assert "PDF sans champ de formulaire copar" in lines["autre-formulaire.pdf"]
    assert "ce n'est pas un formulaire" in lines["notes.txt"]
    assert "formulaire vide" in lines["vide.pdf"]
    assert "promotion 2022-2023, pas de 2023-2024" in lines["autre-promo.pdf"]
    assert "formulaire d'une autre version" in lines["ancienne-grille.pdf"]
    assert "n° étudiant « 99999999 » absent de la feuille Étudiant·es" in lines["inconnu.pdf"]
    assert "deux retours différents" in lines["double-1.pdf"] and "deux retours différents" in lines["double-2.pdf"]
    assert promo.read_bytes() == before
    doubles = openpyxl.load_workbook(out / "formulaires" / "conflits.xlsx").active
    assert sorted(row[6] for row in doubles.iter_rows(min_row=2, values_only=True)) == ["version deux", "version un"]


@pytest.mark.slow
def test_online_form_exports_and_simulation(copar, promo: Path, tmp_path: Path) -> None:
    returned = tmp_path / "retours"
    returned.mkdir()
    (returned / "google.csv").write_text(
        "Horodateur,N° étudiant,Période,Activités de la période,Apports de formation mobilisés,Remarque\n"
        '2024/03/01 10:00:00,22004512,5,"Atelier\nrestitution",Dynamique de groupe,merci\n', encoding="utf-8")
    wb = openpyxl.Workbook()
    wb.active.append(["ID", "Heure de début", "Heure de fin", "Adresse de messagerie", "Numéro étudiant",
                      "Réalisations, résultats et impact", "Retours et suites"])
    wb.active.append([1, "06/06/2024 10:00", "06/06/2024 10:05", "t@example.org", "22004587", "Un forum", "Poursuivre"])
    wb.save(returned / "microsoft.xlsx")
    before = promo.read_bytes()
    r = copar("collect", returned, promo, "-o", tmp_path / "out", "--simulation")
    assert r.exit_code == 0, r.output
    assert "google.csv bilan, période 5 — Aïssatou N'Diaye (22004512), ligne 2 ajouté — colonnes ignorées : Remarque" in _flat(r.output)
    assert "microsoft.xlsx compte-rendu — Maël Le Bihan (22004587), ligne 2 ajouté" in _flat(r.output)
    assert "Simulation : rien n'a été écrit." in r.output
    assert promo.read_bytes() == before and not (tmp_path / "out").exists()
    r = copar("collect", returned, promo, "-o", tmp_path / "out")
    ds, _ = check(promo)
    assert ds is not None and ds.reviews_of("22004512")[5].activites == "Atelier\nrestitution"
    assert ds.tripartite_of("22004587").retours == "Poursuivre"  # type: ignore[union-attr]


def test_collect_refuses_an_open_workbook(copar, promo: Path, tmp_path: Path) -> None:
    returned = tmp_path / "retours"
    returned.mkdir()
    (returned / "g.csv").write_text("N° étudiant,Période,Apports de formation mobilisés\n22004512,6,Lectures\n",
                                    encoding="utf-8")
    (promo.parent / ".~lock.promotion.xlsx#").write_text("x")
    r = copar("collect", returned, promo, "-o", tmp_path / "out")
    assert r.exit_code == 1
    assert "est ouvert dans Excel ou LibreOffice" in r.stderr


@pytest.mark.slow
def test_notes_sheet_is_checked(copar, promo: Path) -> None:
    wb = openpyxl.load_workbook(promo)
    ws = wb["Notes"]
    rows = (["22004587", "Critère qui n'existe pas", 1],
            ["22004587", "Qualité des échanges avec le jury", 3],
            ["22004512", "Qualité des échanges avec le jury", 2])  # the sample already notes it
    for r, values in enumerate(rows, start=20):
        for c, value in enumerate(values, start=1):
            ws.cell(r, c, value)
    wb.save(promo)
    r = copar("check", promo, "--format", "json")
    problems = [(p["row"], p["column"], p["message"].split(" :")[0]) for p in json.loads(r.output)
                if p["sheet"] == "Notes"]
    assert problems == [(20, "Critère", "Critère absent de la feuille Grille"),
                        (21, "Note", "Note 3 hors limites"),
                        (22, "Critère", "Note de l'étudiant·e n° 22004512 pour ce critère déjà présent·e à la ligne 8")]


def test_forms_refuses_a_bad_request(copar, promo: Path, tmp_path: Path) -> None:
    r = copar("forms", promo, "-o", tmp_path, "--type", "bilan")
    assert (r.exit_code, r.stderr) == (1, "Erreur : Indiquez la période des bilans intermédiaires avec --periode (de 1 à 6).\n")
    r = copar("forms", promo, "-o", tmp_path, "--type", "grille", "--periode", "2")
    assert r.exit_code == 1 and "--periode ne s'applique qu'aux bilans intermédiaires" in r.stderr
    r = copar("forms", promo, "-o", tmp_path, "--type", "bilan", "--periode", "7")
    assert r.exit_code == 1 and "Période 7 hors limites" in r.stderr
    r = copar("forms", promo, "-o", tmp_path, "--type", "compte-rendu", "--etudiant", "123")
    assert r.exit_code == 1 and "Aucun·e étudiant·e n° 123" in r.stderr
    assert not (tmp_path / "formulaires").exists()


def test_pdf_identity_also_in_xmp(copar, promo: Path, tmp_path: Path) -> None:
    out = tmp_path / "outputs"
    copar("forms", promo, "-o", out, "--type", "bilan", "--periode", "6", "--etudiant", "22004512")
    form = next((out / "formulaires").rglob("*.pdf"))
    reader = PdfReader(form)
    identity = json.loads(reader.xmp_metadata.dc_identifier)  # type: ignore[union-attr]
    assert identity == json.loads(str(reader.metadata["/CoparFormulaire"]))
    assert identity["type"] == "bilan" and identity["periode"] == 6 and len(identity["version"]) == 12
    # a tool that rewrites the document information without copar's entry: the XMP still tells
    writer = PdfWriter(clone_from=reader)
    del writer._info.get_object()[NameObject("/CoparFormulaire")]  # type: ignore[union-attr]
    xmp = writer.xmp_metadata
    xmp.dc_identifier = json.dumps({**identity, "annee": "2020-2021"})  # type: ignore[union-attr]
    writer.xmp_metadata = xmp
    writer.update_page_form_field_values(writer.pages[0], {"copar__bilan__22004512__6__apports": "x"},
                                         auto_regenerate=False)
    returned = tmp_path / "retours"
    returned.mkdir()
    writer.write(returned / "sans-info.pdf")
    r = copar("collect", returned, promo, "-o", out, "--simulation")
    assert "formulaire de la promotion 2020-2021, pas de 2023-2024" in r.output

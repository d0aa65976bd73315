"""copar's PDF forms typed in the engines of the viewers tutors use, saved, collected, built.

Firefox's PDF.js in Chromium (`browser`), Chrome's PDFium (`pdfium`), Poppler for Evince and
Okular (`poppler`), and a printed form (pdftocairo, no marker: poppler-utils is always there).
The renderings of the long answer are written to outputs/tests-viewers/ (git-ignored) for a look.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader

from pipeline.workbook.validate import check
from tests.helpers import ROOT

SHOTS = ROOT / "outputs" / "tests-viewers"
PREFIX = "copar__bilan__22004512__4__"
SENTENCES = (
    "Atelier « parole d'habitant·es » avec douze participant·es, œuvre commune… 🌱",
    "Réunion du conseil d'administration : décisions votées à l'unanimité ; suite en février 😀.",
    "Élaboration d'un questionnaire (ça avance) — « où êtes-vous né·e ? », « qu'attendez-vous ? »",
    "Entretiens menés à Rennes et à Saint-Jacques-de-la-Lande, synthèse rédigée en août.",
)


def long_answer(size: int, emoji: bool = True, start: int = 0) -> str:
    """`size` characters (code points) of French with accents, « … », emoji and line breaks."""
    text, n = "", start
    while len(text) < size:
        sentence = SENTENCES[n % len(SENTENCES)]
        if not emoji:
            sentence = sentence.replace(" 🌱", "").replace(" 😀", "")
        text += sentence + ("\n" if n % 3 == 2 else " ")
        n += 1
    text = text[:size]
    while not text[-1].isalnum():  # no blank at the end (collect strips it), and still `size` long
        text = text[:-1] + "x"
    return text


LONG = long_answer(1500)
FLAT = " ".join(LONG.split())
# every box of the bilan, typed: the date and four 1,500-character answers
TYPED = {"date": "01/03/2024", "activites": LONG, "autres_actions": long_answer(1500, start=1),
         "apports": long_answer(1500, start=2), "attentes": long_answer(1500, start=3)}
ANSWERS = {k: v for k, v in TYPED.items() if k != "date"}



def _form(copar, promo: Path, out: Path, numero: str = "22004512", periode: int = 4) -> Path:
    r = copar("forms", promo, "-o", out, "--type", "bilan", "--periode", str(periode), "--etudiant", numero)
    assert r.exit_code == 0, r.output
    return next((out / "formulaires" / f"bilan-periode-{periode}").glob(f"*/{numero}-*.pdf"))


def _docx_text(path: Path) -> str:
    from lxml import etree

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    root = etree.fromstring(zipfile.ZipFile(path).read("word/document.xml"))
    return "".join(el.text or "" if el.tag == f"{w}t" else " " for el in root.iter(f"{w}t", f"{w}br", f"{w}p"))


def _collect_and_build(copar, returned: Path, promo: Path, out: Path, expected: dict[str, str],
                       numero: str = "22004512", periode: int = 4) -> None:
    """collect then build (Word only): the workbook holds `expected` verbatim, the bilan prints it."""
    r = copar("collect", returned, promo, "-o", out)
    assert r.exit_code == 0, r.output
    ds, _ = check(promo)
    assert ds is not None
    review = ds.reviews_of(numero)[periode]
    for key, value in expected.items():
        assert getattr(review, key) == value
    r = copar("build", promo, "-o", out, "--only", "bilans", "--etudiant", numero, "--no-pdf")
    assert r.exit_code == 0, r.output
    bilan = next((out / "etudiants").glob(f"{numero}-*")) / f"bilan-periode-{periode}.docx"
    printed = " ".join(_docx_text(bilan).split())
    for value in expected.values():
        assert " ".join(value.split()) in printed


def _shot(source: Path, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(source, SHOTS / name))


def test_pdf_fields_have_no_length_limit_and_unicode_everywhere(copar, promo: Path, tmp_path: Path) -> None:
    form = _form(copar, promo, tmp_path / "out", periode=1)  # the sample holds period 1's answers
    reader = PdfReader(form)
    widgets = [a.get_object() for page in reader.pages for a in page["/Annots"]]
    assert len(widgets) == 5
    for widget in widgets:
        assert "/MaxLen" not in widget
        raw = widget.get_inherited("/TU", None)
        assert raw.get_original_bytes()[:2] == b"\xfe\xff"  # UTF-16 with its byte order mark
    by_key = {str(w["/T"]).rsplit("__", 1)[-1]: w for w in widgets}
    assert str(by_key["autres_actions"]["/TU"]).endswith("(intérêt, questions…)")
    for key in ("activites", "autres_actions", "apports", "attentes"):
        assert int(by_key[key]["/Ff"]) & 4096  # multiline
        assert str(by_key[key]["/DA"]).startswith("/Helv 0 Tf")  # auto size: a viewer shrinks a long answer
    # the pre-filled answers are drawn in the embedded house font
    fonts = by_key["activites"]["/AP"]["/N"]["/Resources"]["/Font"]
    assert any("Carlito" in str(f.get_object()["/BaseFont"]) for f in fonts.values())
    assert reader.trailer["/Root"]["/AcroForm"]["/NeedAppearances"] == False  # noqa: E712 (a PDF boolean)
    # identity: document information, XMP (typed stream) and field names agree
    metadata = reader.trailer["/Root"]["/Metadata"].get_object()
    assert (metadata["/Type"], metadata["/Subtype"]) == ("/Metadata", "/XML")
    identity = json.loads(str(reader.metadata["/CoparFormulaire"]))
    assert json.loads(reader.xmp_metadata.dc_identifier) == identity  # type: ignore[union-attr]
    assert identity["numero"] == "22004512" and all(str(w["/T"]).startswith("copar__bilan__22004512__1__")
                                                     for w in widgets)


def test_prefilled_long_answer_is_drawn_whole_with_emoji(promo: Path, tmp_path: Path) -> None:
    from pipeline.forms.content import build_forms
    from pipeline.forms.pdf import pdf_bytes

    ds, _ = check(promo)
    assert ds is not None
    form = build_forms(ds, "bilan", 4, "22004512")[0]
    path = tmp_path / "prefilled.pdf"
    path.write_bytes(pdf_bytes(replace(form, values={"activites": LONG})))
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Carlito" in fonts and "Symbola" in fonts  # emoji from the fallback font, both embedded
    text = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert FLAT in " ".join(text.split())  # nothing clipped, emoji in the text layer
    subprocess.run(["pdftoppm", "-r", "80", "-f", "1", "-l", "1", "-png", str(path), str(tmp_path / "page")],
                   check=True, capture_output=True)
    _shot(tmp_path / "page-1.png", "prefilled-1500.png")


@pytest.mark.slow
def test_printed_form_is_read_from_its_text_and_a_scan_is_refused(copar, promo: Path, tmp_path: Path) -> None:
    from reportlab.pdfgen.canvas import Canvas

    from pipeline.forms.content import build_forms
    from pipeline.forms.pdf import pdf_bytes

    out = tmp_path / "out"
    ds, _ = check(promo)
    assert ds is not None
    form = build_forms(ds, "bilan", 4, "22004512")[0]
    filled = tmp_path / "filled.pdf"  # as a viewer draws what was typed
    filled.write_bytes(pdf_bytes(replace(form, values={"activites": LONG, "date": "01/03/2024"})))
    # a grille: each note sits in its box on the row of its criterion, beside the criterion's points
    grille = build_forms(ds, "grille", None, "22008845")[0]
    notes = ["2,5", "2", "1,5", "1,5", "2", "1,5", "1,5", "1,5", "1"]
    graded = tmp_path / "grille.pdf"
    graded.write_bytes(pdf_bytes(replace(grille, values={
        **{f"critere_{i}": note for i, note in enumerate(notes, start=1)},
        "note_rapport": "7,5", "note_soutenance": "7,5", "appreciation": "Très bon travail « réflexif » … 🌱"})))
    returned = tmp_path / "retours"
    returned.mkdir()
    for source, name in ((filled, "imprime.pdf"), (graded, "grille-imprimee.pdf")):
        subprocess.run(["pdftocairo", "-pdf", str(source), str(returned / name)], check=True,
                       capture_output=True, timeout=120)
        assert not PdfReader(returned / name).get_fields()  # flattened: no field left
    r = copar("collect", returned, promo, "-o", out)
    assert r.exit_code == 0, r.output
    line = " ".join(r.output.split())
    assert "imprime.pdf bilan, période 4 — Aïssatou N'Diaye (22004512), formulaire imprimé, lu depuis le texte : " \
           "à vérifier ajouté" in line
    assert "grille-imprimee.pdf grille — Sarah Belkacem (22008845), formulaire imprimé, lu depuis le texte : " \
           "à vérifier ajouté" in line
    ds, _ = check(promo)
    assert ds is not None
    review = ds.reviews_of("22004512")[4]
    assert " ".join(review.activites.split()) == FLAT  # line breaks and wrapping cannot be told apart
    assert review.date.isoformat() == "2024-03-01"
    assert list(ds.notes_of("22008845").values()) == [2.5, 2, 1.5, 1.5, 2, 1.5, 1.5, 1.5, 1]
    defense = ds.defense_of("22008845")
    assert defense is not None and (defense.note_rapport, defense.note_soutenance) == (7.5, 7.5)
    assert defense.appreciation == "Très bon travail « réflexif » … 🌱"

    # a scan: the same pages as images, no text layer
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(filled), str(tmp_path / "scan")], check=True,
                   capture_output=True, timeout=120)
    scans = tmp_path / "scans"
    scans.mkdir()
    c = Canvas(str(scans / "scan.pdf"), pagesize=(595.28, 841.89))
    for image in sorted(tmp_path.glob("scan-*.png")):
        c.drawImage(str(image), 0, 0, 595.28, 841.89)
        c.showPage()
    c.save()
    r = copar("collect", scans, promo, "-o", out)
    assert r.exit_code == 1
    assert ("scan.pdf rejeté — PDF sans texte (une image, sans doute numérisée) : copar ne lit pas les scans. "
            "Demandez le formulaire PDF rempli, enregistré depuis le lecteur PDF (Fichier > Enregistrer), "
            "ou saisissez les réponses dans le classeur") in " ".join(r.output.split())


@pytest.mark.pdfium
def test_typed_in_pdfium(copar, promo: Path, tmp_path: Path) -> None:
    from tests.viewers import pdfium_type

    out = tmp_path / "out"
    form = _form(copar, promo, out)
    returned = tmp_path / "retours"
    returned.mkdir()
    shot = tmp_path / "pdfium.png"
    pdfium_type(form, returned / "chrome.pdf", TYPED, render=shot)
    _shot(shot, "pdfium-typed-1500.png")
    _collect_and_build(copar, returned, promo, out, ANSWERS)


@pytest.mark.slow
@pytest.mark.pdfium
def test_pdfium_adds_to_a_prefilled_600_character_answer(copar, promo: Path, tmp_path: Path) -> None:
    from tests.viewers import pdfium_render, pdfium_type

    out = tmp_path / "out"
    # no emoji in the pre-filled answer: PDFium keeps text being edited as UTF-16 units but loads a
    # field's value as UTF-32 on Linux, so 🌱 (U+1F331) already in a field becomes U+F331 once someone
    # edits that field (an emoji *typed* survives, see test_typed_in_pdfium)
    before = long_answer(600, emoji=False)
    assert len(before) == 600
    first = tmp_path / "first"
    first.mkdir()
    pdfium_type(_form(copar, promo, out), first / "a.pdf", {"apports": before})
    r = copar("collect", first, promo, "-o", out)  # the workbook now holds the 600 characters
    assert r.exit_code == 0 and "ajouté" in r.output, r.output
    form = _form(copar, promo, out)  # the form again, pre-filled from the workbook
    assert str(PdfReader(form).get_fields()[PREFIX + "apports"]["/V"]) == before  # type: ignore[index]
    pdfium_render(form, tmp_path / "prefilled.png", page=1)
    _shot(tmp_path / "prefilled.png", "pdfium-prefilled-600.png")
    sentence = " Et une phrase ajoutée à la fin, « relue » … 🌻"
    returned = tmp_path / "retours"
    returned.mkdir()
    pdfium_type(form, returned / "chrome.pdf", {"apports": sentence}, to_end=True)
    r = copar("collect", returned, promo, "-o", out, "--remplacer")
    assert r.exit_code == 0 and "remplacé" in r.output, r.output
    ds, _ = check(promo)
    assert ds is not None and ds.reviews_of("22004512")[4].apports == before + sentence


@pytest.mark.poppler
def test_filled_with_poppler(copar, promo: Path, tmp_path: Path) -> None:
    from tests.viewers import poppler_fill

    out = tmp_path / "out"
    form = _form(copar, promo, out)
    returned = tmp_path / "retours"
    returned.mkdir()
    seen = poppler_fill(form, returned / "evince.pdf", {"activites": LONG, "apports": "Lectures ; œuvre 🌱"})
    assert sorted(seen) == [["activites", True, 0], ["apports", True, 0]]  # multi-line, no length limit
    subprocess.run(["pdftoppm", "-r", "80", "-f", "1", "-l", "1", "-png", str(returned / "evince.pdf"),
                    str(tmp_path / "poppler")], check=True, capture_output=True, timeout=120)
    _shot(tmp_path / "poppler-1.png", "poppler-1500.png")
    _collect_and_build(copar, returned, promo, out, {"activites": LONG, "apports": "Lectures ; œuvre 🌱"})


@pytest.mark.browser
def test_typed_in_firefox_viewer(copar, promo: Path, tmp_path: Path) -> None:
    from tests.viewers import pdfjs_type

    if not Path("/usr/bin/chromium").exists():
        pytest.fail("chromium is missing: run scripts/setup.sh")
    out = tmp_path / "out"
    form = _form(copar, promo, out)
    returned = tmp_path / "retours"
    returned.mkdir()
    shot = tmp_path / "pdfjs.png"
    fields = pdfjs_type(form, returned / "firefox.pdf", TYPED, tmp_path, screenshot=shot)
    assert {name[len(PREFIX):]: info[2:] for name, info in fields.items()} == {
        "date": [0, False], "activites": [0, True], "autres_actions": [0, True], "apports": [0, True],
        "attentes": [0, True]}  # no length limit, long answers multi-line
    _shot(shot, "pdfjs-typed-1500.png")
    _collect_and_build(copar, returned, promo, out, ANSWERS)

"""Rebuilding over earlier outputs: nothing stale is left, nothing false is recorded."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import docx
import openpyxl
import pytest

from .helpers import INPUTS, run


def workbook_copy(tmp_path: Path, edit=None) -> Path:  # type: ignore[no-untyped-def]
    folder = tmp_path / "inputs"
    folder.mkdir(exist_ok=True)
    wb = openpyxl.load_workbook(INPUTS / "promotion.xlsx")
    if edit:
        edit(wb)
    wb.save(folder / "promotion.xlsx")
    return folder


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]


def drop_student(numero: str):  # type: ignore[no-untyped-def]
    def edit(wb: openpyxl.Workbook) -> None:
        for ws in wb.worksheets:
            if ws.title in ("Instructions", "Promotion", "Calendrier", "Jurys", "Grille"):
                continue
            for row in range(ws.max_row, 1, -1):
                if str(ws.cell(row, 1).value) == numero:
                    ws.delete_rows(row)
    return edit


def broken_fiche(folder: Path, expression: str) -> Path:
    folder.mkdir(exist_ok=True)
    document = docx.Document()
    document.add_paragraph(f"Fiche : {expression}")
    document.save(folder / "fiche.docx")
    return folder


def lower_note(wb: openpyxl.Workbook) -> None:
    """Student 22004512's soutenance marks lowered (to 7 / 20)."""
    ws = wb["Soutenances"]
    for row in range(2, ws.max_row + 1):
        if str(ws.cell(row, 1).value) == "22004512":
            ws.cell(row, 4).value, ws.cell(row, 5).value = 3, 4


@pytest.mark.slow
def test_a_runtime_template_error_fails_that_document_only(tmp_path: Path) -> None:
    templates = broken_fiche(tmp_path / "modeles", "{{ etudiant.nom / 2 }}")
    out = tmp_path / "out"
    code, stdout, stderr = run("build", str(INPUTS), "-o", str(out), "--no-pdf", "--only", "fiche,livret",
                               "--etudiant", "22001843", "--templates", str(templates))
    assert code == 1, stdout + stderr
    assert "Traceback" not in stdout + stderr
    assert "erreur en remplissant le modèle (TypeError" in stdout
    folder = next((out / "etudiants").glob("22001843-*"))
    assert sorted(p.name for p in folder.iterdir()) == ["livret-de-bilans.docx"]
    assert (out / "rapport-de-construction.txt").exists()
    code, checked, _ = run("templates", "check", str(templates))
    assert code == 1
    assert "fiche.docx : 1 problème" in checked and "Échec d'un essai avec la promotion d'exemple" in checked


@pytest.mark.slow
def test_a_failed_rerender_leaves_no_stale_document(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("build", str(INPUTS), "-o", str(out), "--no-pdf", "--only", "fiche", "--etudiant", "22001843")[0] == 0
    key = next(k for k in manifest(out) if k.endswith("/fiche-alternance"))
    templates = broken_fiche(tmp_path / "modeles", "{{ etudiant.inconnu }}")
    code, stdout, _ = run("build", str(INPUTS), "-o", str(out), "--no-pdf", "--only", "fiche", "--etudiant",
                          "22001843", "--templates", str(templates))
    assert code == 1 and "variable inconnue" in stdout
    assert not (out / f"{key}.docx").exists()  # the old version is not left as if it were current
    assert key not in manifest(out)


@pytest.mark.slow
def test_people_no_longer_in_the_workbook_lose_their_documents(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("build", str(INPUTS), "-o", str(out), "--no-pdf")[0] == 0
    assert any((out / "etudiants").glob("22004587-*"))
    inputs = workbook_copy(tmp_path, drop_student("22004587"))
    code, stdout, stderr = run("build", str(inputs), "-o", str(out), "--no-pdf")
    assert code == 0, stdout + stderr
    assert not any((out / "etudiants").glob("22004587-*"))
    assert not any("22004587" in key for key in manifest(out))
    assert "11 fichiers obsolètes supprimés" in stdout  # 11 documents, each a DOCX
    report = (out / "rapport-de-construction.txt").read_text(encoding="utf-8")
    assert "etudiants/22004587-le-bihan-mael/fiche-alternance.docx" in report


@pytest.mark.slow
def test_only_removes_obsolete_outputs_of_the_families_it_built_and_no_other(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("build", str(INPUTS), "-o", str(out), "--no-pdf", "--only", "fiche,livret")[0] == 0
    inputs = workbook_copy(tmp_path, drop_student("22004587"))
    code, stdout, _ = run("build", str(inputs), "-o", str(out), "--no-pdf", "--only", "fiche")
    assert code == 0
    assert "1 fichier obsolète supprimé" in stdout
    (folder,) = (out / "etudiants").glob("22004587-*")
    assert sorted(p.name for p in folder.iterdir()) == ["livret-de-bilans.docx"]  # not a family it built
    assert [k for k in manifest(out) if "22004587" in k] == ["etudiants/22004587-le-bihan-mael/livret-de-bilans"]


@pytest.mark.slow
def test_etudiant_finds_the_tutor_whatever_the_case_of_the_email(tmp_path: Path) -> None:
    def shout(wb: openpyxl.Workbook) -> None:
        ws = wb["Étudiant·es"]
        for row in range(2, ws.max_row + 1):
            if str(ws.cell(row, 1).value) == "22004587":
                ws.cell(row, 11).value = str(ws.cell(row, 11).value).upper()

    inputs = workbook_copy(tmp_path, shout)
    out = tmp_path / "out"
    code, stdout, stderr = run("build", str(inputs), "-o", str(out), "--no-pdf", "--only", "invitation",
                               "--etudiant", "22004587")
    assert code == 0, stdout + stderr
    assert [p.name for p in (out / "reunion-tuteurs" / "invitations").iterdir()] == ["invitation-l-hote-gaelle.docx"]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["file", "readonly"])
def test_unusable_output_folder(tmp_path: Path, kind: str) -> None:
    out = tmp_path / "out"
    if kind == "file":
        out.write_text("x")
    else:
        out.mkdir()
        out.chmod(0o500)
    try:
        code, stdout, stderr = run("build", str(INPUTS), "-o", str(out), "--no-pdf", "--only", "fiche")
    finally:
        if kind == "readonly":
            out.chmod(0o700)
    if kind == "readonly" and code == 0:
        pytest.skip("running as root: permissions do not stop writes")
    assert code == 1
    assert "Dossier de sortie" in stderr and "-o" in stderr
    assert "Traceback" not in stderr


@pytest.mark.soffice
def test_packet_follows_a_changed_note(tmp_path: Path) -> None:
    """--etudiant rebuilds the jury packet that holds that student, with the new note."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    shutil.copy(INPUTS / "promotion.xlsx", inputs / "promotion.xlsx")
    out = tmp_path / "out"
    assert run("build", str(inputs), "-o", str(out), "--only", "jurys")[0] == 0

    workbook_copy(tmp_path, lower_note)
    code, stdout, stderr = run("build", str(inputs), "-o", str(out), "--etudiant", "22004512")
    assert code == 0, stdout + stderr
    assert "Dossier de jury (PDF) : 1 écrit" in stdout
    from .helpers import pdf_text

    text = pdf_text(out / "jurys" / "jury-a" / "dossier-jury-a.pdf")
    assert "7 / 20" in text


@pytest.mark.soffice
def test_a_failed_part_becomes_a_placeholder_in_the_packet(tmp_path: Path) -> None:
    """A broken grille template: every grille fails, the packets are still produced and say so."""
    templates = tmp_path / "modeles"
    templates.mkdir()
    document = docx.Document()
    document.add_paragraph("{{ jury.nom / 2 }}")
    document.save(templates / "grille.docx")
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    shutil.copy(INPUTS / "promotion.xlsx", inputs / "promotion.xlsx")
    out = tmp_path / "out"
    code, stdout, _ = run("build", str(inputs), "-o", str(out), "--only", "jurys", "--templates", str(templates))
    assert code == 1
    assert "ÉCHEC (26 documents : Grille d'évaluation — " in stdout
    assert "Dossier de jury (PDF) : 3 écrits" in stdout
    from pypdf import PdfReader

    from .helpers import pdf_text

    reader = PdfReader(out / "jurys" / "jury-b" / "dossier-jury-b.pdf")
    first_part = reader.outline[2][0]  # [cover, first student, [their parts], …]
    assert first_part.title == "Grille d'évaluation"
    page = reader.pages[reader.get_destination_page_number(first_part)].extract_text()
    assert "Grille d'évaluation non disponible" in page
    assert "n'a pas pu être produit" in " ".join(page.split())
    assert "Livret de bilans" in pdf_text(out / "jurys" / "jury-b" / "dossier-jury-b.pdf")


# --- a rebuild after one change: covers and placeholder pages reused, page counts known ---------------

SKIP_IN_SNAPSHOT = {"manifest.json", "rapport-de-construction.txt"}


def snapshot(out: Path) -> dict[str, int]:
    return {str(p.relative_to(out)): p.stat().st_mtime_ns for p in out.rglob("*")
            if p.is_file() and p.name not in SKIP_IN_SNAPSHOT and ".copar" not in p.relative_to(out).parts}


def change_first_bilan(wb: openpyxl.Workbook) -> None:
    """The first row of « Bilans intermédiaires » (n° 22004512, période 1) gets a longer activity text."""
    sheet = wb["Bilans intermédiaires"]
    headers = [str(c.value or "") for c in sheet[1]]
    column = next(i for i, h in enumerate(headers, start=1) if h.lower().startswith("activit"))
    assert str(sheet.cell(row=2, column=1).value) == "22004512"
    cell = sheet.cell(row=2, column=column)
    cell.value = f"{cell.value or ''} Une phrase de plus."


@pytest.fixture(scope="module")
def built_bilans_and_jurys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample's bilans and jury packets, built once and kept aside; tests work on a copy."""
    folder = tmp_path_factory.mktemp("built")
    work = folder / "work"
    shutil.copytree(INPUTS, work / "inputs", ignore=shutil.ignore_patterns("~$*"))
    code, stdout, stderr = run("build", str(work / "inputs"), "-o", str(work / "out"), "--only", "bilans,jurys")
    assert code == 0, stdout + stderr
    shutil.copytree(work, folder / "pristine", symlinks=True)
    return folder


def fresh_copy(built: Path) -> Path:
    """The built folder as it was, at the same place (the rapports' folder is named in placeholder pages),
    with the files' times (an untouched file keeps its mtime). Its `inputs` and `out`."""
    shutil.rmtree(built / "work")
    shutil.copytree(built / "pristine", built / "work", symlinks=True)
    return built / "work"


class _Streams:
    """Records every ConversionStream a build makes (its scheduler counts the probe calls)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from pipeline.libreoffice.stream import ConversionStream

        self.made: list[ConversionStream] = []
        recorder = self

        class Recording(ConversionStream):
            def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
                super().__init__(*args, **kwargs)
                recorder.made.append(self)

        import sys

        monkeypatch.setattr(sys.modules["pipeline.build.builder"], "ConversionStream", Recording)  # pipeline.build: a function


@pytest.mark.soffice
def test_one_bilan_changed_rewrites_its_documents_and_the_packet_only(built_bilans_and_jurys: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    work = fresh_copy(built_bilans_and_jurys)
    inputs, out = work / "inputs", work / "out"
    files = manifest(out)
    student = "etudiants/22004512-n-diaye-aissatou"
    assert files[f"{student}/livret-de-bilans"]["pdf"]["pages"] >= 1  # page counts recorded for the next build
    assert all(isinstance(e["pdf"].get("pages"), int) for e in files.values() if "pdf" in e)
    cover = {x["path"]: x for x in files["jurys/jury-a/dossier-jury-a"]["extra"]}
    assert cover["jurys/jury-a/couverture-et-sommaire.docx"]["sha256"]
    assert cover["jurys/jury-a/couverture-et-sommaire.pdf"]["fingerprint"]
    placeholders = [p for p in cover if "/pages/" in p]
    assert placeholders  # the sample lacks some rapports: unchanged pages that must not be rewritten
    before = snapshot(out)
    workbook_copy(work, change_first_bilan)
    streams = _Streams(monkeypatch)
    code, stdout, stderr = run("build", str(inputs), "-o", str(out), "--only", "bilans,jurys")
    assert code == 0, stdout + stderr
    after = snapshot(out)
    assert sorted(after) == sorted(before)  # nothing removed, nothing added
    rewritten = sorted(path for path, mtime in after.items() if before[path] != mtime)
    assert rewritten == [f"{student}/bilan-periode-1.docx", f"{student}/bilan-periode-1.pdf",
                         f"{student}/livret-de-bilans.docx", f"{student}/livret-de-bilans.pdf",
                         "jurys/jury-a/dossier-jury-a.pdf"]
    assert "Dossier de jury (PDF) : 1 écrit, 2 inchangés" in stdout
    (stream,) = streams.made
    assert stream.scheduler.probes == 0  # both documents' page counts came from the manifest
    assert stream.calls == 1, stream.log  # merged into one LibreOffice call, no cover nor placeholder
    again = {x["path"]: x for x in manifest(out)["jurys/jury-a/dossier-jury-a"]["extra"]}
    assert again == cover  # the reused files' records are kept as they were


@pytest.mark.soffice
def test_a_cover_edited_by_hand_is_set_aside_when_copar_rewrites_it(built_bilans_and_jurys: Path) -> None:
    work = fresh_copy(built_bilans_and_jurys)
    inputs, out = work / "inputs", work / "out"
    cover = out / "jurys" / "jury-a" / "couverture-et-sommaire.docx"
    document = docx.Document(str(cover))
    document.add_paragraph("Note de la présidente du jury : salle B204.")
    document.save(str(cover))

    workbook_copy(work, lower_note)  # the cover lists the notes: it must be rewritten
    code, stdout, stderr = run("build", str(inputs), "-o", str(out), "--only", "bilans,jurys")
    assert code == 0, stdout + stderr
    (kept,) = cover.parent.glob("couverture-et-sommaire-modifié-*.docx")
    text = "\n".join(p.text for p in docx.Document(str(kept)).paragraphs)
    assert "salle B204" in text
    assert "salle B204" not in "\n".join(p.text for p in docx.Document(str(cover)).paragraphs)
    assert cover.with_suffix(".pdf").is_file()
    rel = "jurys/jury-a/couverture-et-sommaire.docx"
    assert f"1 fichier modifié à la main depuis que copar l'a écrit, conservé sous un autre nom :\n  - {rel} → " \
           f"{kept.relative_to(out)}" in stdout
    assert str(kept.relative_to(out)) in (out / "rapport-de-construction.txt").read_text(encoding="utf-8")
    extras = {x["path"]: x for x in manifest(out)["jurys/jury-a/dossier-jury-a"]["extra"]}
    from pipeline.files import sha256_file

    assert extras[rel]["sha256"] == sha256_file(cover)  # the new cover is recorded as copar's


def test_extras_of_a_manifest_old_and_new(tmp_path: Path) -> None:
    """Older manifests list a packet's extra files as bare paths: still read, their hash unknown."""
    from pipeline.build.manifest import Entry, Manifest

    m = Manifest(tmp_path, tmp_path / ".copar")
    old = Entry.from_json({"family": "dossier_jury", "pdf": {"path": "p.pdf", "sha256": "a"},
                           "extra": ["c.docx", {"path": "c.pdf", "sha256": "b"}, 3, {"sha256": "no path"}]})
    assert old is not None
    m.state["p"] = old
    assert m.files_of("p") == [("p.pdf", "a"), ("c.docx", None), ("c.pdf", "b")]
    (tmp_path / "c.docx").write_bytes(b"x")
    m.update_extra("p", "c.docx", tmp_path / "c.docx", "fp")
    m.update_extra("p", "d.pdf", None)
    assert [x.path for x in m.state["p"].extra] == ["c.docx", "c.pdf", "d.pdf"]
    assert m.extras_of("p")["c.docx"].fingerprint == "fp" and m.extras_of("p")["d.pdf"].sha256 is None
    # written back as it was read, the extras now with their hashes
    assert m.state["p"].to_json()["extra"][:2] == [
        {"path": "c.docx", "sha256": "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881",
         "fingerprint": "fp"}, {"path": "c.pdf", "sha256": "b"}]


def test_a_manifest_entry_survives_its_json_and_the_journal(tmp_path: Path) -> None:
    """manifest.json and the journal hold each entry as JSON: read back, it is the same typed record;
    a value of the wrong type is dropped, not believed."""
    from pipeline.build.manifest import Entry, FileRecord, Manifest

    document = Entry("fiche", "Fiche d'alternance — A", "f1", docx=FileRecord("e/a/fiche.docx", "d1"),
                     pdf=FileRecord("e/a/fiche.pdf", "p1", pages=2), student="22004512", template="fiche.docx",
                     template_sha256="t", inputs=("promotion.xlsx",))
    packet = Entry("dossier_jury", "Dossier du jury A", "f2", pdf=FileRecord("j/a.pdf", "p2", 40, 123456),
                   extra=(FileRecord("j/c.docx", "c", fingerprint="f3"),), students=("22004512",), pdfa=True,
                   parts=(FileRecord("e/a/grille.pdf", "g"),))
    for entry in (document, packet):
        assert Entry.from_json(json.loads(json.dumps(entry.to_json()))) == entry
    assert Entry.from_json({"family": "fiche", "fingerprint": 3, "pdf": {"path": "x.pdf", "pages": True}}) == \
        Entry("fiche", pdf=FileRecord("x.pdf"))
    assert Entry.from_json(["not", "an", "entry"]) is None

    out = tmp_path / "out"
    manifest = Manifest(out, out / ".copar")
    manifest.open({"promotion": "2024-2025"})
    manifest.record("e/a/fiche", document)
    manifest.record("j/a", packet)
    manifest.close()  # as a killed build leaves it: the journal only
    again = Manifest.load(out, out / ".copar")
    assert again.state == {"e/a/fiche": document, "j/a": packet}
    again.open({})
    again.close()
    assert Manifest.load(out, out / ".copar").state == {"e/a/fiche": document, "j/a": packet}


@pytest.mark.soffice
def test_a_rapport_that_arrives_removes_its_placeholder_page_only(built_bilans_and_jurys: Path) -> None:
    work = fresh_copy(built_bilans_and_jurys)
    inputs, out = work / "inputs", work / "out"
    pages = out / "jurys" / "jury-a" / "pages"
    gone = pages / "22003398-4-indisponible"
    assert gone.with_suffix(".pdf").is_file()
    before = snapshot(out)
    shutil.copy(inputs / "rapports" / "22004512-rapport-mission.pdf", inputs / "rapports" / "22003398-rapport.pdf")
    code, stdout, stderr = run("build", str(inputs), "-o", str(out), "--only", "bilans,jurys")
    assert code == 0, stdout + stderr
    after = snapshot(out)
    removed = sorted(set(before) - set(after))
    assert removed == ["jurys/jury-a/pages/22003398-4-indisponible.docx",
                       "jurys/jury-a/pages/22003398-4-indisponible.pdf"]
    assert set(after) <= set(before)
    others = [p for p in after if p.startswith("jurys/jury-a/pages/")]
    assert others and all(after[p] == before[p] for p in others)  # the other placeholder pages: untouched
    assert "2 fichiers obsolètes supprimés" in stdout
    extras = [x["path"] for x in manifest(out)["jurys/jury-a/dossier-jury-a"]["extra"]]
    assert not any("22003398" in p for p in extras) and sorted(extras) == sorted(
        ["jurys/jury-a/couverture-et-sommaire.docx", "jurys/jury-a/couverture-et-sommaire.pdf",
         *(f"jurys/jury-a/pages/{p.rsplit('/', 1)[1]}" for p in others)])

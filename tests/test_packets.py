"""Jury packets built from the sample promotion, with unusable rapports planted in a copy."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from pipeline.pdf.pdfinfo import fonts_embedded, pdfa_claim
from pipeline.workbook.validate import check

from .helpers import DATA, INPUTS, pdf_text, run

PART_TITLES = ["Grille d'évaluation", "Compte rendu du bilan tripartite", "Livret de bilans", "Rapport de mission"]
STUDENT_FILES = ["grille-evaluation", "compte-rendu-bilan-tripartite", "livret-de-bilans"]
# Jury A: N° -> what its rapport is in the planted copy
PLANTED = {
    "22004512": "sain",
    "22004587": "endommagé",
    "22001843": "chiffré",
    "22006120": "pas un PDF",
    "22003398": "absent",
    "22005071": "deux fichiers",
    "22002264": "lien",
}


@pytest.fixture(scope="module")
def planted_inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("inputs")
    shutil.copy(INPUTS / "promotion.xlsx", folder / "promotion.xlsx")
    rapports = folder / "rapports"
    shutil.copytree(INPUTS / "rapports", rapports)
    healthy = (INPUTS / "rapports" / "22001843-rapport-mission.pdf").read_bytes()
    (rapports / "22004587-rapport.pdf").write_bytes(healthy[: len(healthy) // 3])  # an interrupted download
    (rapports / "22001843-rapport-mission.pdf").unlink()
    shutil.copy(DATA / "pdf" / "enc_libreoffice-writer-password.pdf", rapports / "22001843.pdf")
    (rapports / "22006120-rapport.pdf").write_text("Rapport de mission\n(en texte brut)\n", encoding="utf-8")
    shutil.copy(rapports / "22005071-rapport-mission.pdf", rapports / "22005071-rapport-v2.pdf")
    (rapports / "22002264-rapport.pdf").symlink_to(rapports / "22004512-rapport-mission.pdf")  # another's rapport
    return folder


# What the packet stage asked to convert, in `packets`: (DOCX names, LibreOffice calls it took)
CONVERSIONS: list[tuple[list[str], int]] = []


@pytest.fixture(scope="module")
def packets(planted_inputs: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    from pipeline.build.builder import Builder

    original = Builder.convert_files

    def counted(self: Builder, docx: list[Path], on_done: object = None) -> dict[Path, str | None]:
        calls = self.stream.calls if self.stream is not None else 0
        done = original(self, docx, on_done)
        CONVERSIONS.append(([p.name for p in docx], (self.stream.calls if self.stream is not None else 0) - calls))
        return done

    out = tmp_path_factory.mktemp("out")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Builder, "convert_files", counted)
        code, stdout, stderr = run("build", str(planted_inputs), "-o", str(out), "--only", "jurys")
    assert code == 0, stdout + stderr
    return out, stdout


@pytest.fixture(scope="module")
def sample():
    dataset, _ = check(INPUTS)
    assert dataset is not None
    return dataset


def outline_of(reader: PdfReader) -> list[tuple[int, str, int]]:
    rows: list[tuple[int, str, int]] = []

    def walk(items: list, level: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                rows.append((level, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline, 1)
    return rows


def pages(path: Path) -> int:
    return len(PdfReader(path).pages)


@pytest.mark.soffice
def test_one_packet_per_jury(packets, sample) -> None:
    out, _ = packets
    found = sorted(str(p.relative_to(out)) for p in out.glob("jurys/*/dossier-*.pdf"))
    assert found == ["jurys/jury-a/dossier-jury-a.pdf", "jurys/jury-b/dossier-jury-b.pdf",
                     "jurys/jury-c/dossier-jury-c.pdf"]


@pytest.mark.soffice
def test_packet_structure_of_jury_a(packets, sample, planted_inputs) -> None:
    out, _ = packets
    packet = out / "jurys" / "jury-a" / "dossier-jury-a.pdf"
    reader = PdfReader(packet)
    front = pages(out / "jurys" / "jury-a" / "couverture-et-sommaire.pdf")
    assert front == 2
    expected = [(1, "Couverture et sommaire", 0)]
    page = front
    for defense in sample.defenses_of("Jury A"):
        student = sample.student(defense.numero)
        folder = next((out / "etudiants").glob(f"{student.numero}-*"))
        sizes = [pages(folder / f"{name}.pdf") for name in STUDENT_FILES]
        rapport = 4 if PLANTED[student.numero] == "sain" else 1  # the sample rapports have 4 pages
        sizes.append(rapport)
        hour = f"{defense.heure.hour} h {defense.heure.minute:02d}"
        expected.append((1, f"{hour} — {student.nom_complet}", page))
        for title, size in zip(PART_TITLES, sizes, strict=True):
            expected.append((2, title, page))
            page += size
    assert len(reader.pages) == page  # the sum of the parts, nothing more
    assert outline_of(reader) == expected
    labels = reader.page_labels
    assert labels[:3] == ["i", "ii", "1"]
    assert labels[-1] == str(page - front)
    assert reader.metadata.title == "Dossier du jury Jury A"
    assert reader.root_object["/PageMode"] == "/UseOutlines"


@pytest.mark.soffice
def test_covers_and_placeholders_of_all_juries_take_two_conversions(packets, sample) -> None:
    """Placeholder pages of every jury together, then every cover together: no serial calls per jury.
    Each is one merged LibreOffice document, after one of them converted alone when the build has
    not seen that kind of page yet (its page count, for « Page X sur Y »): two calls at most."""
    out, _ = packets
    placeholders = sorted(p.with_suffix(".docx").name for p in out.glob("jurys/*/pages/*.pdf"))
    assert len({p.parent.parent for p in out.glob("jurys/*/pages/*.pdf")}) >= 2  # several juries have some
    assert [sorted(names) for names, _ in CONVERSIONS] == [placeholders, ["couverture-et-sommaire.docx"] * 3]
    assert [calls for _, calls in CONVERSIONS] == [2, 2]


@pytest.mark.soffice
def test_table_of_contents_matches_the_outline(packets, sample) -> None:
    out, _ = packets
    reader = PdfReader(out / "jurys" / "jury-a" / "dossier-jury-a.pdf")
    toc = reader.pages[1].extract_text()
    assert "Sommaire" in toc
    for level, title, target in outline_of(reader):
        if level != 1 or title == "Couverture et sommaire":
            continue
        name = title.split(" — ", 1)[1]
        line = next(line for line in toc.splitlines() if name in line)
        printed = re.findall(r"\d+", line)[-1]
        assert printed == reader.page_labels[target], (name, line)


@pytest.mark.soffice
def test_unusable_rapports_get_a_placeholder_page(packets, sample) -> None:
    out, stdout = packets
    reader = PdfReader(out / "jurys" / "jury-a" / "dossier-jury-a.pdf")
    outline = outline_of(reader)
    reasons = {
        "endommagé": "endommagé",
        "chiffré": "mot de passe",
        "pas un PDF": "pas un PDF",
        "absent": "aucun fichier dont le nom contient le n°",
        "deux fichiers": "plusieurs versions du rapport ont été déposées",
        "lien": "lien symbolique vers « 22004512-rapport-mission.pdf », dont le nom ne porte pas le n° 22002264",
    }
    section = None
    for level, title, target in outline:
        if level == 1:
            section = title
        elif title == "Rapport de mission":
            numero = next(n for n in PLANTED if sample.student(n).nom_complet in section)
            text = re.sub(r"\s+", " ", reader.pages[target].extract_text())
            if PLANTED[numero] == "sain":
                assert "non disponible" not in text
                continue
            assert "Rapport de mission non disponible" in text, numero
            assert reasons[PLANTED[numero]] in text, (numero, text)
            assert numero in text
    # the summary lists every case
    assert "Rapport de mission inutilisable : Maël Le Bihan (n° 22004587)" in stdout
    assert "Rapport de mission inutilisable : Inès Moreau (n° 22001843), 22001843.pdf — PDF protégé" in stdout
    assert "Rapport de mission inutilisable : Linh Nguyen (n° 22006120)" in stdout
    assert "Rapport de mission absent : Yanis Benhamou (n° 22003398)." in stdout
    assert ("Plusieurs rapports pour Louise Kerjean (n° 22005071) : 22005071-rapport-mission.pdf, "
            "22005071-rapport-v2.pdf") in stdout
    report = (out / "rapport-de-construction.txt").read_text(encoding="utf-8")
    assert "Rapport de mission absent : Yanis Benhamou (n° 22003398)." in report


@pytest.mark.soffice
def test_a_packet_holds_its_jurys_students_only(packets, sample) -> None:
    out, _ = packets
    for jury in sample.juries:
        text = pdf_text(out / "jurys" / f"jury-{jury.jury.split()[-1].lower()}" /
                        f"dossier-jury-{jury.jury.split()[-1].lower()}.pdf")
        own = {d.numero for d in sample.defenses_of(jury.jury)}
        for student in sample.students:
            if student.numero in own:
                assert student.nom_complet in text
            else:
                assert student.numero not in text, (jury.jury, student.numero)
                assert student.nom_complet not in text, (jury.jury, student.nom_complet)


@pytest.mark.soffice
def test_form_fields_and_size(packets) -> None:
    out, _ = packets
    packet = out / "jurys" / "jury-a" / "dossier-jury-a.pdf"
    parts = sum(p.stat().st_size for p in (out / "etudiants").rglob("*.pdf"))
    assert packet.stat().st_size < parts  # deduplicated: far below the sum of every student PDF


@pytest.mark.soffice
def test_pdfa_packets(tmp_path: Path) -> None:
    """Without rapports every part comes from LibreOffice, so the packet can claim PDF/A-2b."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(INPUTS / "promotion.xlsx", inputs / "promotion.xlsx")
    out = tmp_path / "out"
    code, stdout, stderr = run("build", str(inputs), "-o", str(out), "--only", "jurys", "--pdfa")
    assert code == 0, stdout + stderr
    grille = next(out.rglob("grille-evaluation.pdf"))
    assert pdfa_claim(grille) == "2B" and fonts_embedded(grille)
    packet = out / "jurys" / "jury-b" / "dossier-jury-b.pdf"
    assert pdfa_claim(packet) == "2B"
    assert fonts_embedded(packet)
    reader = PdfReader(packet)
    assert "/OutputIntents" in reader.root_object
    assert reader.metadata.title == "Dossier du jury Jury B"


def test_one_pdf_beside_another_file_is_used(tmp_path: Path) -> None:
    """A rapport PDF plus its Word source: the PDF is used, the other file noted."""
    from pipeline.build.packets import _rapport_slot
    from pipeline.build.results import BuildResult
    from pipeline.report import Report

    dataset, _ = check(INPUTS)
    student = dataset.student("22004512")
    pdf = tmp_path / "22004512-rapport.pdf"
    shutil.copy(INPUTS / "rapports" / "22004512-rapport-mission.pdf", pdf)
    word = tmp_path / "22004512-rapport.docx"
    word.write_bytes(b"PK")
    result = BuildResult(tmp_path, Report())
    slot = _rapport_slot(student, [pdf, word], tmp_path, result)
    assert slot.pdf == pdf
    assert result.notes == ["Rapport d'Aïssatou N'Diaye (n° 22004512) : 22004512-rapport.pdf utilisé, "
                            "ignoré : 22004512-rapport.docx."]


@pytest.mark.slow
def test_one_jurys_cover_failing_fails_that_packet_only(tmp_path: Path) -> None:
    """With a stand-in converter (no LibreOffice): every jury's placeholders in one call, every cover
    in one; jury B's cover fails, so does its packet alone; the next run converts only what is missing."""
    import datetime as dt

    from pypdf import PdfWriter

    from pipeline.build.manifest import Manifest
    from pipeline.build.outputs import Outputs
    from pipeline.build.packets import PacketStage, build_packets
    from pipeline.build.results import FAILED, SKIPPED, WRITTEN, BuildResult
    from pipeline.build.settings import Settings
    from pipeline.documents.catalogue import Layout
    from pipeline.report import Report

    dataset, _ = check(INPUTS)
    blank = tmp_path / "blank.pdf"
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.write(blank)
    calls: list[list[str]] = []

    def convert(docx: list[Path]) -> dict[Path, str | None]:
        calls.append([str(p.relative_to(out)) for p in docx])
        done: dict[Path, str | None] = {}
        for path in docx:
            if path.parent.name == "jury-b" and path.stem == "couverture-et-sommaire":
                done[path] = "LibreOffice s'est arrêté"
            else:
                shutil.copy(blank, path.with_suffix(".pdf"))
                done[path] = None
        return done

    out = tmp_path / "out"
    outputs = Outputs(out)
    outputs.prepare()
    manifest = Manifest(out, outputs.work)
    stage = PacketStage(Settings(INPUTS, out, today=dt.date(2025, 6, 1)), manifest, outputs, convert,
                        tmp_path / "rapports")

    def packet_run() -> dict[str, tuple[str, str]]:
        result = BuildResult(out, Report())
        build_packets(stage, dataset, Layout.of(dataset), result, only_existing=False)
        return {o.path.rsplit("/", 1)[1]: (o.status, o.error) for o in result.outcomes}

    outcomes = packet_run()
    assert outcomes["dossier-jury-b"] == (FAILED, "couverture du jury Jury B non convertie : LibreOffice s'est "
                                                  "arrêté (l'ancien dossier, périmé, a été retiré)")
    assert outcomes["dossier-jury-a"] == outcomes["dossier-jury-c"] == (WRITTEN, "")
    assert (out / "jurys/jury-a/dossier-jury-a.pdf").is_file() and not (out / "jurys/jury-b/dossier-jury-b.pdf").exists()
    assert len(calls) == 2
    assert {p.split("/")[1] for p in calls[0]} == {"jury-a", "jury-b", "jury-c"}
    assert all(p.endswith("-indisponible.docx") for p in calls[0])
    assert calls[1] == [f"jurys/jury-{x}/couverture-et-sommaire.docx" for x in "abc"]

    calls.clear()
    outcomes = packet_run()  # jury B again: its placeholder pages are reused, its cover converted
    assert outcomes["dossier-jury-a"][0] == outcomes["dossier-jury-c"][0] == SKIPPED
    assert outcomes["dossier-jury-b"][0] == FAILED
    assert calls == [["jurys/jury-b/couverture-et-sommaire.docx"]]

    # jury A dropped from the workbook: its files go, the cover someone edited is kept aside
    from pipeline.build.outputs import remove_file

    cover = out / "jurys/jury-a/couverture-et-sommaire.docx"
    cover.write_bytes(cover.read_bytes() + b"edited")
    result = BuildResult(out, Report())
    for path, sha in manifest.files_of("jurys/jury-a/dossier-jury-a"):  # as Builder._remove_obsolete does
        assert sha
        remove_file(outputs, path, sha, result)
    assert [before for before, _ in result.set_aside] == ["jurys/jury-a/couverture-et-sommaire.docx"]
    assert (out / result.set_aside[0][1]).read_bytes().endswith(b"edited")
    assert "jurys/jury-a/couverture-et-sommaire.pdf" in result.removed and not cover.exists()

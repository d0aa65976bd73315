"""The conversion stream: merged conversion gives the same pages as per-document conversion,
failed calls are bisected, a merged group that fails falls back to its documents one by one."""

from __future__ import annotations

import datetime as dt
import shutil
import stat
import sys
import zipfile
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from pipeline.build.builder import Builder
from pipeline.build.settings import Settings
from pipeline.libreoffice.grouping import merge_key
from pipeline.libreoffice.stream import ConversionStream, Document

INPUTS = Path(__file__).resolve().parent.parent / "inputs"

# A stand-in soffice: writes a one-page PDF per input, and fails the whole call (no PDF at
# all, exit 1) when one input's name contains "bad" — as a LibreOffice crash would.
FAKE = """#!{python}
import sys
from pathlib import Path
from pypdf import PdfWriter
args = sys.argv[1:]
if "--terminate_after_init" in args:
    sys.exit(0)
outdir = Path(args[args.index("--outdir") + 1])
files = [a for a in args if a.endswith(".docx")]
with open({log!r}, "a") as log:
    log.write(" ".join(Path(f).name for f in files) + "\\n")
if any("bad" in Path(f).name for f in files):
    sys.exit(1)
outdir.mkdir(parents=True, exist_ok=True)
for f in files:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.write(outdir / (Path(f).stem + ".pdf"))
"""


def fake_soffice(tmp_path: Path) -> tuple[str, Path]:
    log = tmp_path / "calls.log"
    script = tmp_path / "fake-soffice"  # a stand-in for fault injection: the fast loop may run it
    script.write_text(FAKE.format(python=sys.executable, log=str(log)))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script), log


def small_docx(path: Path, text: str) -> Path:
    document = docx.Document()
    document.add_paragraph(text)
    document.save(str(path))
    return path


@pytest.mark.slow
def test_a_failed_call_is_bisected(tmp_path: Path) -> None:
    soffice, log = fake_soffice(tmp_path)
    names = [f"doc{i}" for i in range(7)] + ["bad"]
    files = [small_docx(tmp_path / f"{name}.docx", name) for name in names]
    with ConversionStream(soffice, workers=1, grouping=False, expected=len(files)) as stream:
        stream.submit(files)
        results = {r.source.stem: r for r in stream.finished()}
    assert {name for name, r in results.items() if r.pdf is not None} == set(names) - {"bad"}
    assert results["bad"].error == "LibreOffice n'a pas produit de PDF pour bad.docx (code 1)"
    sizes = sorted(len(line.split()) for line in log.read_text().splitlines())
    assert sizes == [1, 1, 2, 2, 4, 4, 8]  # not 8 + 8 one by one


def test_a_merged_group_that_fails_is_converted_document_by_document(tmp_path: Path) -> None:
    """The stand-in cannot write the destinations a merged PDF needs: each document is converted alone."""
    soffice, log = fake_soffice(tmp_path)
    files = [small_docx(tmp_path / f"doc{i}.docx", f"texte {i}") for i in range(3)]
    assert len({merge_key(f) for f in files}) == 1 and merge_key(files[0]) is not None
    with ConversionStream(soffice, workers=1, expected=3) as stream:
        stream.submit([Document(f, "note", 1) for f in files])
        results = list(stream.finished())
    assert all(r.pdf is not None for r in results) and len(results) == 3
    calls = log.read_text().splitlines()
    assert len(calls) == 2 and len(calls[0].split()) == 1 and calls[0].endswith("groupe.docx")
    assert sorted(calls[1].split()) == ["001-" + tmp_path.name + "-doc0.docx", "002-" + tmp_path.name + "-doc1.docx",
                                        "003-" + tmp_path.name + "-doc2.docx"]


def test_documents_with_images_or_notes_are_not_merged(tmp_path: Path) -> None:
    plain = small_docx(tmp_path / "plain.docx", "texte")
    with_image = tmp_path / "image.docx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(with_image, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr("word/media/image1.png", b"\x89PNG")
    assert merge_key(plain) is not None
    assert merge_key(with_image) is None


@pytest.mark.slow
def test_pdfs_are_journalled_as_they_land_while_rendering_goes_on(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A PDF converted while other documents are still being rendered is recorded at once, not at the
    end of the rendering: a build interrupted during the rendering keeps it."""
    from pipeline.build.manifest import Manifest

    soffice, _ = fake_soffice(tmp_path)
    journal: list[tuple[str, str]] = []  # ("pdf", rel) as each PDF is recorded, ("rendered", "") at the end
    update = Manifest.update_file

    def spy(self: Manifest, rel: str, key: str, *args: object, **kwargs: object) -> None:
        if key == "pdf":
            journal.append(("pdf", rel))
        update(self, rel, key, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Manifest, "update_file", spy)

    class Clock:
        def start(self, phase: str, total: int) -> None:
            pass

        def advance(self, label: str) -> None:
            pass

        def finish(self) -> None:
            if not any(kind == "rendered" for kind, _ in journal):
                journal.append(("rendered", ""))

    settings = Settings(input=INPUTS, output=tmp_path / "out", today=dt.date(2023, 11, 20), soffice=soffice)
    result = Builder(settings, Clock()).run()
    assert not result.with_status("failed")
    end_of_rendering = journal.index(("rendered", ""))
    early = [rel for kind, rel in journal[:end_of_rendering] if kind == "pdf"]
    assert early, "no PDF was recorded before the rendering ended"
    assert len([kind for kind, _ in journal if kind == "pdf"]) == len(set(rel for kind, rel in journal if kind == "pdf"))


# --- against the real LibreOffice -----------------------------------------------------------------

def pages_text(pdf: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(pdf).pages]


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The sample built with merged conversion, and the same DOCX converted one by one."""
    out = tmp_path_factory.mktemp("grouped") / "outputs"
    result = Builder(Settings(input=INPUTS, output=out, today=dt.date(2023, 11, 20))).run()
    assert not result.with_status("failed")
    alone = tmp_path_factory.mktemp("alone") / "outputs"
    shutil.copytree(out, alone, ignore=shutil.ignore_patterns("*.pdf"))
    from pipeline.libreoffice.calls import find_soffice

    with ConversionStream(find_soffice(), workers=2, grouping=False) as stream:
        stream.submit(sorted(alone.rglob("*.docx")))
        failed = [r for r in stream.finished() if r.pdf is None]
    assert not failed
    return out, alone


@pytest.mark.soffice
def test_merged_conversion_gives_the_same_pages_as_per_document_conversion(both: tuple[Path, Path]) -> None:
    grouped, alone = both
    documents = sorted(p.relative_to(alone) for p in alone.rglob("*.pdf"))
    assert len(documents) >= 300
    different = [str(rel) for rel in documents if pages_text(grouped / rel) != pages_text(alone / rel)]
    assert different == []
    livret = next(grouped.rglob("livret-de-bilans.pdf"))
    footers = [text.strip().splitlines()[-1] for text in pages_text(livret)]
    assert footers[0].endswith("Page 1 sur 7") and footers[-1].endswith("Page 7 sur 7")


@pytest.mark.soffice
def test_a_split_pdf_keeps_its_outline_and_title(both: tuple[Path, Path]) -> None:
    grouped, alone = both
    for name in ("livret-de-bilans.pdf", "fiche-alternance.pdf"):
        ours, theirs = PdfReader(next(grouped.rglob(name))), PdfReader(next(alone.rglob(name)))
        assert [o.title for o in ours.outline if not isinstance(o, list)] == \
               [o.title for o in theirs.outline if not isinstance(o, list)]
        assert ours.metadata is not None and theirs.metadata is not None
        assert ours.metadata.title == theirs.metadata.title


@pytest.mark.soffice
def test_one_changed_bilan_rewrites_that_student_and_the_packet_only(
        both: tuple[Path, Path], tmp_path: Path) -> None:
    import openpyxl

    grouped, _ = both
    out = tmp_path / "outputs"
    shutil.copytree(grouped, out)
    inputs = tmp_path / "inputs"
    shutil.copytree(INPUTS, inputs)
    book = openpyxl.load_workbook(inputs / "promotion.xlsx")
    sheet = book["Bilans intermédiaires"]
    column = next(c.column for c in sheet[1] if str(c.value).startswith("Activit"))
    assert str(sheet.cell(row=2, column=1).value) == "22004512"
    assert sheet.cell(row=2, column=2).value == 1  # période 1
    sheet.cell(row=2, column=column).value = "Un tout autre texte pour la période 1."
    settings = Settings(input=inputs, output=out, today=dt.date(2023, 11, 20))
    Builder(settings).run()  # placeholder pages name the rapports folder, which moved: rewritten once
    book.save(inputs / "promotion.xlsx")
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    Builder(settings).run()
    rewritten = sorted(str(p.relative_to(out)) for p in out.rglob("*")  # .copar/: the build's own journal
                       if p.is_file() and before.get(p) != p.stat().st_mtime_ns and ".copar" not in p.parts)
    student = next(p.name for p in (out / "etudiants").iterdir() if p.name.startswith("22004512"))
    outside_juries = [p for p in rewritten if not p.startswith("jurys/")]
    assert outside_juries == sorted([
        f"etudiants/{student}/bilan-periode-1.docx", f"etudiants/{student}/bilan-periode-1.pdf",
        f"etudiants/{student}/livret-de-bilans.docx", f"etudiants/{student}/livret-de-bilans.pdf",
        "manifest.json", "rapport-de-construction.txt"])
    assert "jurys/jury-a/dossier-jury-a.pdf" in rewritten
    assert not [p for p in rewritten if p.startswith(("jurys/jury-b", "jurys/jury-c"))]
    text = " ".join(pages_text(out / "etudiants" / student / "bilan-periode-1.pdf"))
    assert "Un tout autre texte pour la période 1." in text


# --- a hung LibreOffice on the build path ----------------------------------------------------------

@pytest.mark.slow
def test_a_build_with_a_hung_libreoffice_gives_up_after_two_calls_per_worker(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`copar build` with a LibreOffice that never answers (a stand-in: fault injection): each worker's
    first call is killed when no PDF comes within one document's limit, then its first document
    alone; the rest is « non tentée » — 2 calls per worker, not one per document (was 47 calls for
    the sample's 26 fiches)."""
    from .helpers import run
    from .promotions import small_promotion

    log = tmp_path / "calls.log"
    fake = tmp_path / "fake-soffice"
    fake.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec sleep 300\n')
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("COPAR_SOFFICE", str(fake))
    inputs = small_promotion(tmp_path / "in", keep=("22004512", "22004587", "22001843", "22006120"))
    out = tmp_path / "out"
    code, stdout, _ = run("build", inputs, "-o", out, "--only", "fiche", "--timeout", "5", "--workers", "2")
    assert code != 0
    calls = [line for line in log.read_text().splitlines() if "--terminate_after_init" not in line]
    assert 2 <= len(calls) <= 4  # at most two per worker (how the 4 fiches are shared depends on rendering)
    lines = [line for line in (out / "rapport-de-construction.txt").read_text(encoding="utf-8").splitlines()
             if line.startswith("  [ÉCHEC] ")]
    timed_out = [line for line in lines if line.endswith("délai de 5 s dépassé pour fiche-alternance.docx : "
                                                          "LibreOffice a été arrêté")]
    given_up = [line for line in lines if "conversion de fiche-alternance.docx non tentée : LibreOffice ne répond "
                                          "plus" in line]
    assert len(lines) == 4 and len(timed_out) + len(given_up) == 4 and given_up
    assert "4 en échec" in stdout

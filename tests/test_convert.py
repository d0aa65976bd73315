"""The LibreOffice engine's batch calls (`convert_many`, the whole engine behind one call) against
the real LibreOffice, and against stand-in `soffice` scripts that hang, fail or write garbage."""

from __future__ import annotations

import stat
import time
from pathlib import Path

import pytest
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject

from pipeline.errors import SofficeNotFound
from pipeline.libreoffice import calls as convert
from pipeline.libreoffice.calls import ConversionResult, find_soffice
from pipeline.libreoffice.stream import convert_many
from pipeline.pdf.pdfinfo import fonts_embedded, pdfa_claim

from .helpers import alive, make_docx, pdf_text

ODD_TEXT = 'R&D <Centre> "Les Îlots" — l\'étudiant·e {{ x }}'


@pytest.fixture(scope="session")
def soffice() -> str:
    return find_soffice()


def stand_in(tmp_path: Path, body: str) -> str:
    """A fake `soffice`: finds --outdir in its arguments, logs each call, runs `body`."""
    script = tmp_path / "fake-soffice"
    script.write_text(
        "#!/bin/sh\n"
        'outdir=""; prev=""\n'
        'for a in "$@"; do [ "$prev" = "--outdir" ] && outdir="$a"; prev="$a"; done\n'
        f'echo "$*" >> "{tmp_path / "calls.log"}"\n' + body
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def calls(tmp_path: Path) -> int:
    return len((tmp_path / "calls.log").read_text().splitlines())




def test_find_soffice_prefers_explicit_path_then_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = stand_in(tmp_path, "exit 0\n")
    assert find_soffice(fake) == fake
    monkeypatch.setenv("COPAR_SOFFICE", fake)
    assert find_soffice() == fake


def test_find_soffice_says_how_to_install_libreoffice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COPAR_SOFFICE", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(convert, "FALLBACK_SOFFICE", str(tmp_path / "absent"))
    with pytest.raises(SofficeNotFound, match="apt-get install libreoffice-writer-nogui"):
        find_soffice()
    with pytest.raises(SofficeNotFound, match="« /nulle/part/soffice »"):
        find_soffice("/nulle/part/soffice")


@pytest.mark.soffice
def test_converts_each_document_beside_its_source(tmp_path: Path, soffice: str) -> None:
    # Two documents with the same name must not share a batch (same output name).
    sources = [
        make_docx(tmp_path / "a" / "fiche.docx", "Fiche de Aïssatou N'Diaye", ODD_TEXT),
        make_docx(tmp_path / "b" / "fiche.docx", "Fiche de Jean Dupont"),
        make_docx(tmp_path / "a" / "bilan-p1.docx", "Bilan de la période 1"),
        make_docx(tmp_path / "b" / "bilan-p2.docx", "Bilan de la période 2"),
    ]
    seen: list[ConversionResult] = []
    results = convert_many(sources, soffice=soffice, workers=2, on_done=seen.append)

    assert [r.source for r in results] == sources
    assert [(r.pdf, r.error) for r in results] == [(s.with_suffix(".pdf"), None) for s in sources]
    assert sorted(map(str, (r.source for r in seen))) == sorted(map(str, sources))
    assert "Fiche de Aïssatou N'Diaye" in pdf_text(sources[0].with_suffix(".pdf"))
    assert ODD_TEXT in pdf_text(sources[0].with_suffix(".pdf"))
    assert "Fiche de Jean Dupont" in pdf_text(sources[1].with_suffix(".pdf"))
    assert "Bilan de la période 2" in pdf_text(sources[3].with_suffix(".pdf"))
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [
        "bilan-p1.docx",
        "bilan-p1.pdf",
        "fiche.docx",
        "fiche.pdf",
    ]


@pytest.mark.soffice
def test_pdfa_conversion_claims_2b_and_embeds_fonts(tmp_path: Path, soffice: str) -> None:
    plain, archived = make_docx(tmp_path / "plain.docx", ODD_TEXT), make_docx(tmp_path / "pdfa" / "a.docx", ODD_TEXT)
    assert convert_many([plain], soffice=soffice)[0].error is None
    assert convert_many([archived], soffice=soffice, pdfa=True)[0].error is None
    assert pdfa_claim(archived.with_suffix(".pdf")) == "2B"
    assert fonts_embedded(archived.with_suffix(".pdf"))
    assert pdfa_claim(plain.with_suffix(".pdf")) is None


def test_fonts_embedded_is_false_for_a_standard_font(tmp_path: Path) -> None:
    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    helvetica = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): helvetica})}
    )
    writer.write(tmp_path / "helvetica.pdf")
    assert not fonts_embedded(tmp_path / "helvetica.pdf")


@pytest.mark.soffice
def test_a_bad_document_does_not_lose_the_others(tmp_path: Path, soffice: str) -> None:
    good = [make_docx(tmp_path / f"bon-{i}.docx", f"Document {i}") for i in (1, 2)]
    corrupt = tmp_path / "corrompu.docx"
    corrupt.write_bytes(b"PK\x03\x04 not really a zip archive")
    results = convert_many([good[0], corrupt, good[1]], soffice=soffice)

    assert [r.error for r in results][::2] == [None, None]
    assert "Document 2" in pdf_text(good[1].with_suffix(".pdf"))
    assert results[1].pdf is None
    assert results[1].error is not None
    assert results[1].error.startswith("LibreOffice n'a pas produit de PDF pour corrompu.docx (code ")
    assert not corrupt.with_suffix(".pdf").exists()


def test_missing_source_is_reported_without_calling_libreoffice(tmp_path: Path) -> None:
    fake = stand_in(tmp_path, "exit 0\n")
    [result] = convert_many([tmp_path / "absent.docx"], soffice=fake)
    assert result.error == f"fichier introuvable : {tmp_path / 'absent.docx'}"
    assert not (tmp_path / "calls.log").exists()


@pytest.mark.slow
def test_hanging_libreoffice_is_killed_with_its_children(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    fake = stand_in(tmp_path, f'sleep 300 &\necho $! > "{pid_file}"\nwait\n')
    source = make_docx(tmp_path / "lent.docx", "x")
    started = time.monotonic()
    [result] = convert_many([source], soffice=fake, timeout=1)

    assert time.monotonic() - started < 10
    assert result.error == "délai de 1 s dépassé pour lent.docx : LibreOffice a été arrêté"
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(child)


def test_interrupted_conversion_kills_running_calls(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    body = (  # the quick call fails once the slow one has started its child
        f'case "$*" in *rapide*) while [ ! -s "{pid_file}" ]; do sleep 0.05; done; exit 1;; esac\n'
        f'sleep 300 &\necho $! > "{pid_file}"\nwait\n'
    )
    fake = stand_in(tmp_path, body)
    sources = [make_docx(tmp_path / "lent.docx", "x"), make_docx(tmp_path / "rapide.docx", "x")]

    def interrupt(result: ConversionResult) -> None:
        raise KeyboardInterrupt

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        convert_many(sources, soffice=fake, timeout=120, workers=2, on_done=interrupt)
    assert time.monotonic() - started < 10
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(child)


def test_failing_batch_is_retried_file_by_file(tmp_path: Path) -> None:
    fake = stand_in(tmp_path, 'echo "Warning: failed to launch javaldx" >&2\necho "Error: plantage" >&2\nexit 1\n')
    sources = [make_docx(tmp_path / f"bilan-p{i}.docx", "x") for i in (1, 2)]
    results = convert_many(sources, soffice=fake)

    assert [r.error for r in results] == [
        "LibreOffice n'a pas produit de PDF pour bilan-p1.docx (code 1) : Error: plantage",
        "LibreOffice n'a pas produit de PDF pour bilan-p2.docx (code 1) : Error: plantage",
    ]
    assert calls(tmp_path) == 3  # the batch, then each file alone


def test_silent_failure_gives_an_error_per_file(tmp_path: Path) -> None:
    fake = stand_in(tmp_path, "exit 1\n")
    sources = [make_docx(tmp_path / f"f{i}.docx", "x") for i in (1, 2)]
    assert [r.error for r in convert_many(sources, soffice=fake)] == [
        "LibreOffice n'a pas produit de PDF pour f1.docx (code 1)",
        "LibreOffice n'a pas produit de PDF pour f2.docx (code 1)",
    ]


def test_garbage_pdf_is_rejected_and_the_old_pdf_kept(tmp_path: Path) -> None:
    body = (
        'mkdir -p "$outdir"\n'
        'for a in "$@"; do case "$a" in *.docx) n=$(basename "$a" .docx); '
        'echo "not a pdf" > "$outdir/$n.pdf";; esac; done\n'
        "exit 0\n"
    )
    fake = stand_in(tmp_path, body)
    folder = tmp_path / "sortie"
    source = make_docx(folder / "grille.docx", "x")
    (folder / "grille.pdf").write_bytes(b"%PDF-1.4 previous good version")
    [result] = convert_many([source], soffice=fake)

    assert result.pdf is None
    assert result.error == (
        "LibreOffice a produit un fichier inutilisable pour grille.docx : ce n'est pas un PDF (fichier texte)"
    )
    assert (folder / "grille.pdf").read_bytes() == b"%PDF-1.4 previous good version"
    assert sorted(p.name for p in folder.iterdir()) == ["grille.docx", "grille.pdf"]


@pytest.mark.slow
def test_after_a_batch_and_its_first_retry_time_out_the_rest_is_not_attempted(tmp_path: Path) -> None:
    """A hanging LibreOffice: two calls (the batch, then its first document alone), not one per document."""
    fake = stand_in(tmp_path, "sleep 300\n")
    sources = [make_docx(tmp_path / f"d{i}.docx", "x") for i in range(4)]
    started = time.monotonic()
    results = convert_many(sources, soffice=fake, timeout=1)

    assert calls(tmp_path) == 2
    assert time.monotonic() - started < 15
    not_attempted = ("non tentée : LibreOffice ne répond plus (délai dépassé pour un lot puis pour un document "
                     "seul)")
    assert [r.error for r in results] == [
        "délai de 1 s dépassé pour d0.docx : LibreOffice a été arrêté",
        *(f"conversion de d{i}.docx {not_attempted}" for i in (1, 2, 3)),
    ]
    assert [r.timed_out for r in results] == [True, False, False, False]


@pytest.mark.slow
def test_a_call_stuck_on_a_file_is_killed_at_that_files_allowance_not_at_the_calls_total(tmp_path: Path) -> None:
    """Five documents get 1 s each (one document's limit) between two PDFs, and 2 s in all: a call that
    produces nothing is killed at the first file's allowance — the limit it reports."""
    from pipeline.libreoffice.calls import CallOptions, Limits, run_batch

    fake = stand_in(tmp_path, "sleep 300\n")
    files = [make_docx(tmp_path / f"d{i}.docx", "x") for i in range(5)]
    limits = Limits.of(1, [1] * 5)
    assert (limits.total, limits.each) == (2.0, (1.0,) * 5)
    run = run_batch(CallOptions(fake, 1), files, tmp_path / "out", tmp_path / "profile", limits)
    assert run.timed_out and run.limit == 1.0


@pytest.mark.slow
def test_a_call_that_makes_progress_runs_to_its_total(tmp_path: Path) -> None:
    """A PDF every 0.5 s (each file within its 1 s allowance): killed at the call's total, 2 s."""
    body = ('mkdir -p "$outdir"\n'
            'for a in "$@"; do case "$a" in *.docx) sleep 0.5; n=$(basename "$a" .docx); '
            'echo x > "$outdir/$n.pdf";; esac; done\nsleep 300\n')
    fake = stand_in(tmp_path, body)
    files = [make_docx(tmp_path / f"d{i}.docx", "x") for i in range(5)]
    from pipeline.libreoffice.calls import CallOptions, Limits, run_batch

    run = run_batch(CallOptions(fake, 1), files, tmp_path / "out", tmp_path / "profile", Limits.of(1, [1] * 5))
    assert run.timed_out and run.limit == 2.0
    assert len(list((tmp_path / "out").glob("*.pdf"))) >= 3

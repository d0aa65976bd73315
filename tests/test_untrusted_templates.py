"""Templates from --templates are untrusted: bounded size, operations, time and memory."""

from __future__ import annotations

import os
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import docx
import pytest

from pipeline.build.settings import Settings
from pipeline.documents.limits import PART_MAX, limit_worker
from pipeline.documents.render import PACKAGE_TEMPLATES, render_docx
from pipeline.documents.variables import check_templates, example_contexts, example_dataset
from pipeline.errors import TemplateProblem

from .helpers import INPUTS

_ORIGINAL_JOB = None
_PIDS = Path()

# One hostile expression per template (one `templates check` run for all).
HOSTILE = {
    "fiche.docx": "{{ 9**(9**9) }}",
    "bilan.docx": "{{ 'a' * 10**9 }}",
    "cahier.docx": "{{ [1, 2] * 10**9 }}",
    "grille.docx": "{% for i in range(100000) %}{% for j in range(100000) %}{{ i }}{% endfor %}{% endfor %}",
    "livret.docx": "{{ 'x'|center(10**9) }}",
    "invitation.docx": "{{ 'x'.rjust(10**9) }}",
    "emargement.docx": "{{ '%0999999999d' % 1 }}",
    "compte_rendu.docx": "{{ '{:>999999999}'.format(1) }}",
}


@pytest.fixture(scope="module")
def fiche() -> dict:
    return example_contexts(example_dataset())["fiche"]


def template_with(folder: Path, text: str, name: str = "fiche.docx") -> Path:
    document = docx.Document(str(PACKAGE_TEMPLATES / name))
    document.add_paragraph(text)
    folder.mkdir(parents=True, exist_ok=True)
    document.save(str(folder / name))
    return folder / name


@pytest.mark.slow
def test_templates_check_refuses_huge_computations_at_once(tmp_path: Path) -> None:
    for name, text in HOSTILE.items():
        template_with(tmp_path, text, name)
    start = time.monotonic()
    lines, broken = check_templates(tmp_path)
    assert time.monotonic() - start < 20
    assert broken
    for name in HOSTILE:
        at = lines.index(f"{name} : 1 problème")
        assert "opération interdite" in lines[at + 1] and "calcul trop coûteux, refusé" in lines[at + 1], lines


@pytest.mark.slow
def test_ordinary_arithmetic_still_works(tmp_path: Path) -> None:
    template_with(tmp_path, "{{ 2 ** 10 }} {{ 'ab' * 3 }} {% for i in range(3) %}{{ i }}{% endfor %} "
                            "{{ '%05d' % 42 }} {{ 'x'|center(9) }} {{ 1234567 * 3 }}")
    lines, broken = check_templates(tmp_path)
    assert (lines, broken) == (["fiche.docx : OK"], False)


@pytest.mark.slow
def test_a_long_render_is_interrupted(tmp_path: Path, fiche: dict) -> None:
    template = template_with(tmp_path, "{% for i in range(10000) %}{% for j in range(10000) %}{{ j }}"
                                       "{% endfor %}{% endfor %}")
    start = time.monotonic()
    with pytest.raises(TemplateProblem) as caught:
        render_docx(template, fiche, tmp_path / "out.docx", seconds=1)
    assert time.monotonic() - start < 5
    assert str(caught.value) == ("Modèle fiche.docx : remplissage interrompu au bout de 1 s (une boucle trop "
                                 "longue ?). Simplifiez le modèle.")
    assert not (tmp_path / "out.docx").exists()


@pytest.mark.slow
def test_a_template_that_inflates_beyond_the_limit_is_refused_before_reading(tmp_path: Path) -> None:
    source = PACKAGE_TEMPLATES / "fiche.docx"
    bomb = tmp_path / "fiche.docx"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "word/document.xml":
                data = data.replace(b"<w:body>", b"<w:body>" + b" " * (PART_MAX + 2**20), 1)
            zout.writestr(item, data)
    assert bomb.stat().st_size < 2**20
    with pytest.raises(TemplateProblem, match=r"^Modèle fiche.docx refusé : la partie word/document.xml occupe "
                                              r"33 Mo une fois décompressée \(limite : 32 Mo par partie\)\.$"):
        render_docx(bomb, {}, tmp_path / "out.docx")
    lines, broken = check_templates(tmp_path)
    assert broken and lines[1].startswith("  - Modèle refusé : la partie word/document.xml occupe 33 Mo")


def _render_in_worker(template: Path, context: dict, out: Path) -> tuple[int, str]:
    import resource

    limit = resource.getrlimit(resource.RLIMIT_AS)[0]
    if limit == resource.RLIM_INFINITY:  # never run the doubling below without the cap
        return limit, "pas de limite"
    try:
        render_docx(template, context, out)
    except TemplateProblem as exc:
        return limit, str(exc)
    return limit, "rendu"


@pytest.mark.slow
def test_a_render_worker_has_a_memory_cap(tmp_path: Path, fiche: dict) -> None:
    doubling = ("{% set ns = namespace(x='a') %}{% for i in range(40) %}{% set ns.x = ns.x ~ ns.x %}{% endfor %}"
                "{{ ns.x|length }}")
    template = template_with(tmp_path, doubling)
    with ProcessPoolExecutor(1, mp_context=get_context("fork"), initializer=limit_worker) as pool:
        limit, message = pool.submit(_render_in_worker, template, fiche, tmp_path / "out.docx").result(timeout=120)
    assert limit < 4 * 2**30
    assert message == ("Modèle fiche.docx : mémoire insuffisante pour remplir le modèle (limite : 1\u202f024 Mo par "
                       "document). Simplifiez le modèle.")


def _record_pid(args: tuple) -> str | None:  # type: ignore[type-arg]
    """Runs in the (forked) render workers: which process rendered each document."""
    with open(_PIDS, "a", encoding="ascii") as fh:
        fh.write(f"{os.getpid()}\n")
    return _ORIGINAL_JOB(args)


@pytest.mark.slow
def test_render_workers_are_replaced_so_their_memory_stays_bounded(tmp_path: Path, monkeypatch) -> None:
    """Workers grow as they render (see pipeline.documents.limits): fresh ones every RENDER_BATCH documents."""
    import importlib

    import pipeline.documents.limits as limits

    build_module = importlib.import_module("pipeline.build.builder")
    global _ORIGINAL_JOB, _PIDS
    _ORIGINAL_JOB, _PIDS = build_module._render_job, tmp_path / "pids.txt"
    monkeypatch.setattr(build_module, "_render_job", _record_pid)
    monkeypatch.setattr(limits, "RENDER_BATCH", 10)
    out = tmp_path / "out"
    settings = Settings(input=INPUTS, output=out, only=("fiche",), pdf=False, workers=2)
    result = build_module.build(settings)
    assert len(result.with_status("written")) == 26
    pids = _PIDS.read_text(encoding="ascii").split()
    assert len(pids) == 26 and os.getpid() not in map(int, pids)
    assert len(set(pids)) >= 3, pids  # 3 pools (10 + 10 + 6 documents), each with fresh workers
    assert all(pids.count(pid) <= 10 for pid in set(pids))


_DOUBLING = ("{% set ns = namespace(x='a') %}{% for i in range(40) %}{% set ns.x = ns.x ~ ns.x %}{% endfor %}"
             "{{ ns.x|length }}")


def _only_when_capped(original):  # type: ignore[no-untyped-def]
    """render_docx that refuses to run the doubling above in a process without a memory cap."""
    import resource

    def render(template: Path, context: dict, out: Path, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if resource.getrlimit(resource.RLIMIT_AS)[0] == resource.RLIM_INFINITY:
            raise TemplateProblem("pas de limite de mémoire")
        original(template, context, out, **kwargs)

    return render


@pytest.mark.slow
def test_templates_check_renders_under_the_memory_cap(tmp_path: Path, monkeypatch) -> None:
    import pipeline.documents.variables as variables

    monkeypatch.setattr(variables, "render_docx", _only_when_capped(variables.render_docx))
    template_with(tmp_path, _DOUBLING)
    lines, broken = check_templates(tmp_path)
    assert broken
    assert lines[1] == ("  - Échec d'un essai avec la promotion d'exemple : Modèle fiche.docx : mémoire insuffisante "
                        "pour remplir le modèle (limite : 1\u202f024 Mo par document). Simplifiez le modèle."), lines


@pytest.mark.slow
def test_a_small_build_renders_under_the_memory_cap(tmp_path: Path, monkeypatch) -> None:
    """--etudiant, one family: fewer documents than a pool of workers is worth, still capped."""
    import shutil
    import sys

    from pipeline.build.builder import build

    build_module = sys.modules["pipeline.build.builder"]  # `pipeline.build` the attribute is the function
    monkeypatch.setattr(build_module, "render_docx", _only_when_capped(build_module.render_docx))
    template_with(tmp_path / "modeles", _DOUBLING)
    promo = tmp_path / "promotion.xlsx"
    shutil.copy(INPUTS / "promotion.xlsx", promo)
    settings = Settings(input=promo, output=tmp_path / "out", only=("fiche",), student="22004512", pdf=False,
                        templates=tmp_path / "modeles")
    result = build(settings)
    failed = [o for o in result.outcomes if o.error]
    assert len(failed) == 1
    assert failed[0].error == ("Modèle fiche.docx : mémoire insuffisante pour remplir le modèle (limite : 1\u202f024 Mo "
                               "par document). Simplifiez le modèle.")

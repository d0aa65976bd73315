"""Acceptance on the sample promotion, from a real build: tutors' meeting drafts and the cahier bundle."""

from __future__ import annotations

from pathlib import Path

import pytest
from icalendar import Calendar
from pypdf import PdfReader

from pipeline.documents.catalogue import Layout
from pipeline.documents.variables import example_dataset
from pipeline.workbook.model import Dataset
from tests.helpers import INPUTS
from tests.sending_helpers import addresses, attachments, bodies, read_eml

pytestmark = pytest.mark.soffice


@pytest.fixture(scope="module")
def sample() -> Dataset:
    return example_dataset()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, copar_module) -> Path:
    out = tmp_path_factory.mktemp("out")
    result = copar_module("build", INPUTS, "-o", out, "--only", "invitation,fiche,cahier")
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def copar_module():
    from click.testing import CliRunner

    from pipeline.cli import cli

    runner = CliRunner()
    return lambda *args: runner.invoke(cli, [str(a) for a in args], obj={})


def test_reunion_tuteurs_drafts(built: Path, sample: Dataset, copar_module) -> None:
    result = copar_module("mails", INPUTS, "-o", built, "--pour", "reunion-tuteurs")
    assert result.exit_code == 0, result.output
    folder = built / "courriels" / "reunion-tuteurs"
    assert result.stdout.splitlines()[0] == f"21 brouillons écrits dans {folder}/ (liste d'envoi : envoi.csv)"
    layout = Layout.of(sample)
    drafts = sorted(folder.glob("*.eml"))
    assert len(drafts) == 21 == len(sample.tutors())
    for tutor, students in sample.tutors():
        stem = layout.tutors[tutor.key]
        msg = read_eml(folder / f"{stem.replace('invitation-', 'tuteur-', 1)}.eml")
        assert addresses(msg, "To") == [(tutor.nom_complet, tutor.courriel)]
        assert msg["Subject"] == "Invitation à la réunion des tuteur·rices du mardi 5 décembre 2023, 14 h – 16 h 30"
        text, html = bodies(msg)
        assert f"Bonjour {tutor.nom_complet}," in text and all(s.nom_complet in text for s in students)
        files = attachments(msg)
        invitation = built / "reunion-tuteurs" / "invitations" / f"{stem}.pdf"
        assert files[f"{stem}.pdf"] == invitation.read_bytes()
        for s in students:
            fiche = built / layout.student_dir(s) / "fiche-alternance.pdf"
            name = f"fiche-alternance-{layout.students[s.numero].split('-', 1)[1]}.pdf"
            assert files[name] == fiche.read_bytes()
        meeting = list(Calendar.from_ical(files["reunion-tuteurs.ics"]).walk("VEVENT"))
        assert [str(e["SUMMARY"]) for e in meeting] == [sample.calendar["reunion_tuteurs"].evenement]
        assert len(files) == 2 + len(students)


def test_cahier_bundle_one_bookmark_per_student(built: Path, sample: Dataset, copar_module) -> None:
    result = copar_module("lots", INPUTS, "-o", built, "--famille", "cahier")
    assert result.exit_code == 0, result.output
    reader = PdfReader(built / "impression" / "cahier.pdf")
    cahiers = [s for s in sample.students if not s.en_emploi]
    titles = [item.title for item in reader.outline]
    assert len(titles) == len(cahiers) == 20
    assert sorted(t.split(" (")[0] for t in titles) == sorted(s.nom_complet for s in cahiers)
    starts = [reader.get_destination_page_number(item) for item in reader.outline]
    assert all(p % 2 == 0 for p in starts)
    text = reader.pages[starts[1]].extract_text()
    assert "Cahier des charges" in text and titles[1].split(" (")[0].split()[-1] in text

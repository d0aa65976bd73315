"""File names, French formats, and `copar init` through the command line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipeline.documents import formats
from pipeline.documents.catalogue import Layout
from pipeline.workbook.model import Dataset, Promotion, Student, Tutor

from .helpers import invoke


def student(numero: str, nom: str, prenom: str, courriel: str = "t@example.org") -> Student:
    tutor = Tutor("Durand", "Marc", courriel)
    return Student(numero, nom, prenom, "e@example.org", "stage", "S", tutor, "M", dt.date(2023, 11, 20),
                   dt.date(2024, 4, 30))


@pytest.mark.parametrize(("day", "expected"), [
    (dt.date(2023, 12, 5), "mardi 5 décembre 2023"),
    (dt.date(2023, 12, 1), "vendredi 1er décembre 2023"),
    (dt.date(2024, 1, 22), "lundi 22 janvier 2024"),
    (None, ""),
])
def test_long_date(day: dt.date | None, expected: str) -> None:
    assert formats.long_date(day) == expected


def test_date_range_and_numbers() -> None:
    assert formats.date_range(dt.date(2024, 6, 6), dt.date(2024, 6, 7)) == "du jeudi 6 juin 2024 au vendredi 7 juin 2024"
    assert formats.time_fr(dt.time(9, 0)) == "9 h 00"
    assert formats.number_fr(7.5) == "7,5" and formats.number_fr(8.0) == "8" and formats.number_fr(None) == ""
    assert formats.hours_fr(420) == "420 h"


@pytest.mark.parametrize(("text", "expected"), [
    ("N'Diaye", "n-diaye"),
    ("Aïssatou", "aissatou"),
    ("../../etc/passwd", "etc-passwd"),
    ('R&D <Centre> "Les Îlots"', "r-d-centre-les-ilots"),
    ("", "sans-nom"),
    ("🙂", "sans-nom"),
])
def test_slug_is_safe(text: str, expected: str) -> None:
    assert formats.slug(text) == expected


def test_layout_names_are_unique_and_safe() -> None:
    ds = Dataset(Promotion("F", "P", "20e", "2023-2024", "U", "R"), students=[
        student("22000001", "Martin", "Léa", "a@example.org"),
        student("22000002", "Martin", "Léa", "b@example.org"),  # same name, other student and tutor
        student("../x", "Dupont", "Jean", "c@example.org"),
    ])
    layout = Layout.of(ds)
    assert layout.students == {
        "22000001": "22000001-martin-lea",
        "22000002": "22000002-martin-lea",
        "../x": "x-dupont-jean",
    }
    # two tutors with the same name get two files
    assert sorted(layout.tutors.values()) == ["invitation-durand-marc", "invitation-durand-marc-2",
                                              "invitation-durand-marc-3"]


@pytest.mark.slow
def test_init_command(tmp_path: Path) -> None:
    target = tmp_path / "promo.xlsx"
    result = invoke("init", target)
    assert result.exit_code == 0 and result.stdout == (
        f"Classeur vide écrit : {target}\n"
        f"Réglages (modèles, dossier de sortie, date des courriers…) : {tmp_path / 'copar.toml'}, à compléter si besoin.\n"
        f"Clé de la promotion (signe les formulaires, à ne jamais envoyer) : {tmp_path / '.copar-cle'}\n")
    before = target.read_bytes()
    result = invoke("init", "--exemple", target)
    assert result.exit_code == 1
    assert "existe déjà" in result.stderr and "--force" in result.stderr
    assert target.read_bytes() == before  # never overwritten without --force
    result = invoke("init", "--exemple", "--force", target)
    assert result.exit_code == 0
    result = invoke("check", target)
    assert result.exit_code == 0, result.output
    result = invoke("check", tmp_path / "vide.xlsx")
    assert result.exit_code == 2

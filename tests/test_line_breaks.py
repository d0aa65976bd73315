"""A name typed on two lines (Alt+Entrée in Excel): `check` warns, every one-line output joins it with a space."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest
from icalendar import Calendar

from pipeline.documents.catalogue import Layout
from pipeline.sending.addresses import parse_member, recipient
from pipeline.sending.bundles import BundleItem
from pipeline.workbook.parse import one_line
from pipeline.workbook.validate import check
from tests.sending_helpers import addresses, edited_sample, read_eml
from tests.test_bundles import fake_pdf, outline

EDITS = {
    "Étudiant·es": {1: {"Nom": "Dupont\nMartin", "Prénom": "Anne \r\nMarie", "Tuteur·rice nom": "Le\nGoff",
                        "Structure": "Centre\nsocial"}},
    "Jurys": {1: {"Président·e": "Claire\nMorvan <claire.morvan@example.org>"}},
}


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = edited_sample(tmp_path_factory.mktemp("inputs"), EDITS)
    # a Promotion parameter too: the responsable is copied on the drafts
    wb = openpyxl.load_workbook(path)
    ws = wb["Promotion"]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "Responsable pédagogique")
    ws.cell(row, 2, "Yves\nBonny")
    wb.save(path)
    return path


@pytest.mark.slow
def test_check_warns_and_names_the_cells(workbook: Path, copar) -> None:
    result = copar("check", "--format", "json", workbook)
    assert result.exit_code == 0, result.output
    found = [(p["sheet"], p["row"], p["column"], p["value"]) for p in json.loads(result.stdout)
             if p["code"] == "line-break-folded"]
    assert found == [
        ("Promotion", found[0][1], "Valeur", "Yves\nBonny"),
        ("Étudiant·es", 2, "Nom", "Dupont\nMartin"),
        ("Étudiant·es", 2, "Prénom", "Anne \nMarie"),
        ("Étudiant·es", 2, "Structure", "Centre\nsocial"),
        ("Étudiant·es", 2, "Tuteur·rice nom", "Le\nGoff"),
        ("Jurys", 2, "Président·e", "Claire\nMorvan <claire.morvan@example.org>"),
    ]
    assert all(p["severity"] == "warning" for p in json.loads(result.stdout) if p["code"] == "line-break-folded")


@pytest.mark.slow
@pytest.mark.parametrize("campaign", ["cahier", "reunion-tuteurs", "jurys"])
def test_mails_fold_names_in_headers(workbook: Path, tmp_path: Path, copar, campaign: str) -> None:
    result = copar("mails", workbook, "-o", tmp_path, "--pour", campaign)
    assert result.exit_code in (0, 1), result.output  # 1: drafts to complete (no build ran), never 3
    assert "erreur inattendue" not in result.output
    folder = tmp_path / "courriels" / campaign
    drafts = sorted(folder.glob("*.eml"))
    assert drafts
    for path in drafts:
        raw = path.read_bytes()
        head = raw.split(b"\r\n\r\n")[0]
        assert b"\n" not in head.replace(b"\r\n", b""), path.name  # no bare line break inside the headers
        # every header line is a header or its RFC 5322 continuation (folded lines start with a space)
        assert all(b":" in line or line[:1] in (b" ", b"\t") for line in head.split(b"\r\n")), path.name
        msg = read_eml(path)
        assert "\n" not in msg["From"].addresses[0].display_name
        for header in ("To", "Cc"):
            assert all("\n" not in name for name, _ in addresses(msg, header))
        assert "\n" not in msg["Subject"]
    rows = list(csv.reader((folder / "envoi.csv").read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    assert all(len(row) == 7 for row in rows)  # one line per recipient: no cell spread on two lines
    names = {row[0] for row in rows[1:]}
    if campaign == "cahier":
        anne = read_eml(folder / "22004512-dupont-martin-anne-marie.eml")
        assert addresses(anne, "To")[0][0] == "Anne Marie Dupont Martin"
        assert "Anne Marie Dupont Martin" in anne["Subject"]
        assert "Anne Marie Dupont Martin" in names
        cc = [name for name, _ in addresses(anne, "Cc")]
        assert cc[0].endswith(" Le Goff") and "Yves Bonny" in cc  # the tutor, then the team
    if campaign == "reunion-tuteurs":
        assert any(name.endswith(" Le Goff") for name in names)
        assert any(p.name.startswith("tuteur-le-goff-") for p in drafts)
    if campaign == "jurys":
        assert any("Claire Morvan" == name for path in drafts for name, _ in addresses(read_eml(path), "To"))


def test_calendars_fold_names(workbook: Path, tmp_path: Path, copar) -> None:
    result = copar("calendriers", workbook, "-o", tmp_path)
    assert result.exit_code == 0, result.output
    folder = tmp_path / "calendriers"
    assert (folder / "etudiants" / "22004512-dupont-martin-anne-marie.ics").is_file()
    for path in folder.rglob("*.ics"):
        raw = path.read_bytes()
        assert b"\n" not in raw.replace(b"\r\n", b""), path.name  # iCalendar lines end in CRLF only
        cal = Calendar.from_ical(raw)
        for event in cal.walk("VEVENT"):
            assert "\n" not in str(event["SUMMARY"]) and "\n" not in str(event.get("LOCATION", ""))
        assert "\n" not in str(cal.get("X-WR-CALNAME"))
    anne = Calendar.from_ical((folder / "etudiants" / "22004512-dupont-martin-anne-marie.ics").read_bytes())
    assert str(anne["X-WR-CALNAME"]) == "COPAR — Anne Marie Dupont Martin"
    summaries = [str(e["SUMMARY"]) for e in anne.walk("VEVENT")]
    assert any("Soutenance — Anne Marie Dupont Martin" in s for s in summaries)


def test_one_line_helpers() -> None:
    """The sending side folds on its own too (jury members are a multi-line cell; templates; callers)."""
    assert one_line("  Anne\r\n  Marie\u2028Dupont\n\n") == "Anne Marie Dupont"
    assert one_line("sans saut") == "sans saut"
    assert recipient("Anne\nMarie", "anne@example.org").header().display_name == "Anne Marie"
    assert parse_member("Karim\nHaddad, maître de conférences <k.haddad@example.org>") == ("Karim Haddad",
                                                                                            "k.haddad@example.org")
    assert BundleItem("Anne\nMarie (tuteur·rice Le\nGoff)", Path("x.pdf")).title == "Anne Marie (tuteur·rice Le Goff)"


def test_print_bundle_bookmarks_are_one_line(workbook: Path, tmp_path: Path, copar) -> None:
    ds, _ = check(workbook)
    assert ds is not None
    layout = Layout.of(ds)
    for s in ds.students:
        fake_pdf(tmp_path / layout.student_dir(s) / "fiche-alternance.pdf", 1)
    result = copar("lots", workbook, "-o", tmp_path, "--famille", "fiche")
    assert result.exit_code == 0, result.output
    titles = [title for title, _ in outline(tmp_path / "impression" / "fiche.pdf")]
    assert len(titles) == len(ds.students) and all("\n" not in t for t in titles)
    assert "Anne Marie Dupont Martin (tuteur·rice " + ds.students[0].tuteur.nom_complet + ")" in titles
    assert ds.students[0].tuteur.nom_complet.endswith(" Le Goff")

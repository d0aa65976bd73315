"""workbook.py and csvfiles.py: finding sheets, headers and rows in an .xlsx or a folder of CSV files."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.workbook.csvfiles import decode, read_csv, sniff_delimiter
from pipeline.workbook.reader import load, resolve_input
from pipeline.workbook.validate import check

DATA = Path(__file__).resolve().parent / "data"
WORKBOOKS = DATA / "workbooks"
CSV_FOLDERS = sorted(p for p in (DATA / "csv").iterdir() if p.is_dir())


@pytest.fixture(scope="module")
def reference():  # type: ignore[no-untyped-def]
    dataset, report = check(WORKBOOKS / "valid.xlsx")
    assert report.problems == []
    return dataset


# --- headers and sheet names ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "sheet_name"),
    [("valid-header-aliases", "Étudiant·es"), ("valid-header-aliases-sheet-etudiants", "Etudiants")],
)
def test_header_aliases(name: str, sheet_name: str, reference) -> None:  # type: ignore[no-untyped-def]
    raw = load(WORKBOOKS / f"{name}.xlsx")
    sheet = raw.sheets["etudiants"]
    assert sheet.name == sheet_name
    assert {key: sheet.columns[key] for key in ("numero", "nom", "prenom", "tuteur_nom", "tuteur_prenom",
                                                "courriel", "tuteur_courriel")} == {
        "numero": ("N° Etudiant", "A"),
        "nom": ("NOM", "B"),
        "prenom": ("prénom", "C"),
        "courriel": ("E-mail", "D"),
        "tuteur_nom": ("Tuteur.rice nom", "H"),
        "tuteur_prenom": ("tuteur-rice prénom", "I"),
        "tuteur_courriel": ("Tuteur·rice courriel", "K"),
    }
    assert len(sheet.columns) == 19 and sheet.extra_columns == []
    dataset, report = check(WORKBOOKS / f"{name}.xlsx")
    assert report.problems == []
    assert dataset.students == reference.students


def test_header_row_below_a_title_row(reference) -> None:  # type: ignore[no-untyped-def]
    """A (merged) title row above the headers: found, not reported, rows keep their Excel number."""
    raw = load(WORKBOOKS / "valid-title-row.xlsx")
    sheet = raw.sheets["etudiants"]
    assert sheet.header_row == 2
    assert [row.number for row in sheet.rows] == [3, 4, 5, 6]
    assert raw.issues == []
    dataset, _ = check(WORKBOOKS / "valid-title-row.xlsx")
    assert [s.row for s in dataset.students] == [3, 4, 5, 6]
    assert [s.nom_complet for s in dataset.students] == [s.nom_complet for s in reference.students]


def test_empty_rows_are_skipped_and_numbers_kept() -> None:
    sheet = load(WORKBOOKS / "valid-empty-rows.xlsx").sheets["etudiants"]
    assert [row.number for row in sheet.rows] == [2, 3, 6, 7]  # rows 4 and 5 are empty


def test_cells_know_their_letter_and_header() -> None:
    row = load(WORKBOOKS / "valid.xlsx").sheets["etudiants"].rows[0]
    cell = row.cells["tuteur_courriel"]
    assert (cell.value, cell.letter, cell.header) == ("yann.kerherve@unis-cite.example.org", "K", "Tuteur·rice courriel")
    assert row.value("numero") == 22004512
    assert row.value("question_professionnelle") is None


def test_extra_columns_are_kept() -> None:
    raw = load(WORKBOOKS / "warn-extra-column.xlsx")
    sheet = raw.sheets["etudiants"]
    assert sheet.extra_columns == [("Remarques", "T")]
    assert sheet.rows[0].extra == {"Remarques": "RQTH, prévoir un tiers temps"}


def test_formula_cells() -> None:
    """A cached result is used; a formula never calculated and an error result are reported once."""
    grille = load(WORKBOOKS / "valid-formula-cached.xlsx").sheets["grille"]
    assert grille.rows[0].value("points") == 6
    raw = load(WORKBOOKS / "bad-formula-without-value.xlsx")
    assert [(i.code, i.sheet, i.row, i.column, i.letter) for i in raw.issues] == [
        ("formula-without-value", "Grille", 2, "Points", "C")]
    raw = load(WORKBOOKS / "bad-formula-error.xlsx")
    assert [(i.code, i.row, i.letter, i.value) for i in raw.issues] == [("formula-error", 2, "K", "#N/A")]
    assert raw.sheets["etudiants"].rows[0].value("tuteur_courriel") is None


def test_merged_cells_hide_their_other_cells() -> None:
    raw = load(WORKBOOKS / "bad-merged-cells.xlsx")
    sheet = raw.sheets["etudiants"]
    assert [(i.code, i.row, i.column, i.letter, i.value) for i in raw.issues] == [
        ("merged-cells", 3, "Structure", "F", "F3:F4")]
    assert sheet.already_reported(4, "F") and not sheet.already_reported(3, "F")
    assert not sheet.already_reported(5, "F")


def test_huge_declared_dimension_is_read_quickly() -> None:
    """Formatted empty cells up to XFD1048576 (17 billion cells on paper): only the filled ones are read."""
    start = time.monotonic()
    raw = load(WORKBOOKS / "corpus" / "dimension-A1-XFD1048576.xlsx")
    assert time.monotonic() - start < 30
    assert raw.unknown_sheets == ["Sheet1"]


# --- CSV folders ---------------------------------------------------------------------------


@pytest.mark.parametrize("folder", CSV_FOLDERS, ids=[p.name for p in CSV_FOLDERS])
def test_csv_folder_is_the_same_promotion(folder: Path, reference) -> None:  # type: ignore[no-untyped-def]
    dataset, report = check(folder)
    assert report.problems == []
    assert dataset == reference  # every record, row numbers included


@pytest.mark.parametrize("folder", CSV_FOLDERS, ids=[p.name for p in CSV_FOLDERS])
def test_csv_accents_and_multiline_fields(folder: Path) -> None:
    dataset, _ = check(folder)
    student = dataset.student("22004512")
    assert student.prenom == "Aïssatou"
    assert student.adresse_structure == "12 rue de Brest\n35000 Rennes"
    assert student.mission == "Diagnostic des besoins des habitant·es ; propositions d'actions"
    assert dataset.student("21009132").structure == "Centre social de l'Île"


def test_csv_variants_are_what_they_claim() -> None:
    """Guard the test data themselves: encodings, delimiters, dates and file names."""
    csv = DATA / "csv"
    assert (csv / "utf8-bom-pointvirgule" / "Étudiant·es.csv").read_bytes().startswith(b"\xef\xbb\xbfN\xc2\xb0")
    plain = (csv / "utf8-virgule-iso" / "etudiants.csv").read_bytes()
    assert not plain.startswith(b"\xef\xbb\xbf") and b",2023-11-20," in plain
    assert b"A\xefssatou" in (csv / "cp1252-pointvirgule" / "Étudiant·es.csv").read_bytes()
    assert b";20/11/2023;" in (csv / "cp1252-pointvirgule" / "Étudiant·es.csv").read_bytes()
    quoted = (csv / "guillemets-crlf" / "etudiants.csv").read_bytes()
    assert b'"12 rue de Brest\n35000 Rennes"' in quoted and b'"\r\n"' in quoted


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ("Île;Aïssatou".encode("utf-8-sig"), "Île;Aïssatou"),
        ("Île;Aïssatou".encode(), "Île;Aïssatou"),
        ("Île;Aïssatou".encode("cp1252"), "Île;Aïssatou"),
        ("Île;Aïssatou".encode("utf-16"), "Île;Aïssatou"),
    ],
    ids=["utf-8-bom", "utf-8", "cp1252", "utf-16"],
)
def test_decode(data: bytes, text: str) -> None:
    assert decode(data) == text


@pytest.mark.parametrize(
    ("header", "delimiter"),
    [("N° étudiant;Nom;Prénom", ";"), ("N° étudiant,Nom,Prénom", ","), ("N° étudiant\tNom\tPrénom", "\t"),
     ('"Nom, prénom";Courriel', ";")],
)
def test_sniff_delimiter(header: str, delimiter: str) -> None:
    assert sniff_delimiter(header + "\n1;2;3\n") == delimiter


def test_csv_record_numbers_are_excel_rows(tmp_path: Path) -> None:
    """A quoted line break does not shift the rows that follow: Excel shows one row per record."""
    path = tmp_path / "jurys.csv"
    path.write_text('Jury;Date;Président·e;Membres\nA;20/06/2024;X;"Un\nDeux"\nB;21/06/2024;Y;Trois\n',
                    encoding="utf-8")
    assert read_csv(path) == [
        (1, ["Jury", "Date", "Président·e", "Membres"]),
        (2, ["A", "20/06/2024", "X", "Un\nDeux"]),
        (3, ["B", "21/06/2024", "Y", "Trois"]),
    ]


# --- which input --------------------------------------------------------------------------


def test_resolve_input_in_a_folder(tmp_path: Path) -> None:
    shutil.copyfile(WORKBOOKS / "valid.xlsx", tmp_path / "ma-promo.xlsx")
    (tmp_path / "~$ma-promo.xlsx").write_bytes(b"lock file of an open workbook")
    assert resolve_input(tmp_path) == tmp_path / "ma-promo.xlsx"
    shutil.copyfile(WORKBOOKS / "valid.xlsx", tmp_path / "copie.xlsx")
    with pytest.raises(InputError, match="Plusieurs classeurs"):
        resolve_input(tmp_path)
    shutil.copyfile(WORKBOOKS / "valid.xlsx", tmp_path / "promotion.xlsx")
    assert resolve_input(tmp_path) == tmp_path / "promotion.xlsx"  # the default name wins

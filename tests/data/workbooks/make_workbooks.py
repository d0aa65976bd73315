"""Test inputs of `copar check`: one valid promotion, then one workbook per kind of mistake.

Run from the repository root:

    .venv/bin/python tests/data/workbooks/make_workbooks.py            # rewrite every workbook and CSV folder
    .venv/bin/python tests/data/workbooks/make_workbooks.py --goldens  # rewrite the goldens only, from the
                                                                       # current validator, reading the files
                                                                       # as they are (nothing is regenerated)

What is written:

- `valid.xlsx`: a small, complete promotion (8 sheets, 4 students, one per statut, the stage
  being a service civique; 3 tutors, one of them with two students; every calendar key).
- `bad-*.xlsx` / `warn-*.xlsx` / `valid-*.xlsx`: valid.xlsx with ONE mutation each, described in
  MUTATIONS below (`valid-*` are variants that must stay without problem).
- `NAME.expected.json` beside each workbook: its golden, the compact list
  `report.flatten(["severity", "sheet", "row", "column", "code"])`.
- `unreadable/`: files `copar check` must refuse with exit code 2 (empty, text, .xls, encrypted, .ods,
  a lone CSV file), each with `NAME.expected.txt`, the exact message printed on stderr.
- `corpus/`: odd real-world workbooks (see tests/data/SOURCES.md) and `exit-codes.json`.
- `../csv/*/`: the same valid promotion as folders of CSV files, in several encodings and dialects.

Regenerating writes the same bytes (dates in the files are fixed), so git shows only real changes.
The tests never regenerate anything: they read these files and compare with the goldens. After
`--goldens`, read `git diff tests/data` before committing: each golden is a claim about what the
secretary will be told.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json
import re
import shutil
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
CSV_DIR = HERE.parent / "csv"
UNREADABLE = HERE / "unreadable"
CORPUS = HERE / "corpus"
SHARED_CORPUS = Path("/work/shared/corpus/xlsx")
GOLDEN_KEYS = ["severity", "sheet", "row", "column", "code"]

D = dt.date
T = dt.time

# --- the valid promotion -------------------------------------------------------------------
# Sheets as lists of rows; the first row is the header (Excel row 1). Names and headers are the
# ones `copar init` writes (PRODUCT.md, "Inputs: the workbook contract").

PROMOTION = [
    ["Paramètre", "Valeur"],
    ["Formation", "Master 2 Sociologie, mention Intervention et développement social"],
    ["Parcours", "Chargé·es de projets collectifs et participatifs (COPAR)"],
    ["Promotion", "20e promotion"],
    ["Année universitaire", "2023-2024"],
    ["Établissement", "Université de Rennes-Exemple"],
    ["Adresse", "Place de l'Université\nCS 00000\n35000 Rennes Cedex"],
    ["Responsable pédagogique", "Anne Le Bihan"],
    ["Courriel responsable", "anne.lebihan@univ-exemple.fr"],
    ["Accompagnement alternance", "Paul Rivière"],
    ["Courriel accompagnement", "paul.riviere@univ-exemple.fr"],
    ["Téléphone accompagnement", "02 99 00 00 00"],
]

CALENDRIER = [
    ["Clé", "Événement", "Début", "Fin", "Horaire", "Lieu", "Public"],
    ["reunion_tuteurs", "Réunion des tuteur·rices", D(2023, 12, 5), None, "14h–16h30", "Campus, salle B218", "tous"],
    ["cahier_des_charges", "Remise du cahier des charges", D(2023, 12, 15), None, None, None, "stage"],
    ["point_etape", "Point d'étape", D(2024, 1, 26), None, None, None, "tous"],
    ["rapport_mission", "Remise du rapport de mission", D(2024, 5, 17), None, None, None, "tous"],
    ["bilan_tripartite", "Bilans tripartites", D(2024, 6, 6), D(2024, 6, 7), None, None, "tous"],
    ["jury", "Jurys de soutenance", D(2024, 6, 20), None, "9h–12h", "Campus, salle B218", "tous"],
    ["periode_1", "Période 1", D(2023, 11, 20), D(2023, 12, 1), None, None, "stage"],
    ["periode_2", "Période 2", D(2024, 1, 8), D(2024, 1, 19), None, None, "stage"],
    ["periode_3", "Période 3", D(2024, 2, 5), D(2024, 2, 16), None, None, "stage"],
    ["periode_4", "Période 4", D(2024, 3, 4), D(2024, 3, 15), None, None, "stage"],
    ["periode_5", "Période 5", D(2024, 4, 2), D(2024, 4, 12), None, None, "stage"],
    ["periode_6", "Période 6", D(2024, 4, 22), D(2024, 4, 30), None, None, "formation continue"],
]

ETUDIANTS_HEADER = [
    "N° étudiant", "Nom", "Prénom", "Courriel", "Statut", "Structure", "Adresse structure",
    "Tuteur·rice nom", "Tuteur·rice prénom", "Tuteur·rice fonction", "Tuteur·rice courriel",
    "Tuteur·rice téléphone", "Tuteur·rice mémoire", "Intitulé de la mission", "Type de mission",
    "Début", "Fin", "Heures prévues", "Question professionnelle",
]
ETUDIANTS = [
    ETUDIANTS_HEADER,
    # row 2: the stage, as a service civique; row 3 and 4: two students of the same tutor
    [22004512, "Diallo", "Aïssatou", "aissatou.diallo@etu.univ-exemple.fr", "Service civique",
     "Unis-Cité Rennes", "12 rue de Brest\n35000 Rennes", "Kerhervé", "Yann", "Coordinateur",
     "yann.kerherve@unis-cite.example.org", "02 99 11 22 33", "Anne Le Bihan",
     "Diagnostic des besoins des habitant·es ; propositions d'actions", "Diagnostic",
     D(2023, 11, 20), D(2024, 4, 30), 480, None],
    [21009132, "Le Guen", "Jean-Baptiste", "jb.leguen@etu.univ-exemple.fr", "Contrat d'apprentissage",
     "Centre social de l'Île", "3 place de l'Île\n44000 Nantes", "Le Goff", "Camille", "Directrice",
     "camille.legoff@cs-ile.example.org", "02 40 00 00 01", "Paul Rivière",
     "Conception d'un projet jeunesse participatif", "Conception et conduite de projet",
     D(2023, 9, 4), D(2024, 8, 31), None, None],
    [22001843, "Morvan", "Léa", "lea.morvan@etu.univ-exemple.fr", "Contrat de professionnalisation",
     "Centre social de l'Île", "3 place de l'Île\n44000 Nantes", "Le Goff", "Camille", "Directrice",
     "camille.legoff@cs-ile.example.org", "02 40 00 00 01", "Anne Le Bihan",
     "Analyse des besoins des familles du quartier", "Analyse de besoins",
     D(2023, 9, 4), D(2024, 8, 31), None, None],
    [22007719, "Nguyen", "Mathis", "mathis.nguyen@etu.univ-exemple.fr", "Situation d'emploi",
     "Conseil départemental d'Ille-et-Vilaine", None, "Martin", "Sophie", "Cheffe de service",
     "sophie.martin@ille-et-vilaine.example.fr", None, "Paul Rivière",
     "Évaluation du dispositif d'accueil", "Évaluation",
     D(2023, 10, 2), D(2024, 5, 31), None, "Comment associer les usager·es à l'évaluation ?"],
]

BILANS = [
    ["N° étudiant", "Période", "Date", "Activités et contribution à la mission", "Autres actions",
     "Apports de formation mobilisés", "Attentes et besoins de formation"],
    [22004512, 1, D(2023, 12, 1), "Découverte de la structure ; premiers entretiens", None,
     "Méthodes d'enquête", "Animation de réunions"],
    [22004512, 2, D(2024, 1, 19), "Questionnaire auprès des habitant·es", "Conseil d'administration",
     None, None],
    [21009132, 1, D(2023, 12, 1), "Rencontre des partenaires jeunesse", None, None, None],
    [22007719, 1, D(2023, 12, 1), "Cadrage de l'évaluation", None, "Sociologie de l'action publique", None],
]

TRIPARTITES = [
    ["N° étudiant", "Date", "Heure", "Participants", "Réalisations résultats impact", "Processus",
     "Apprentissages", "Processus d'apprentissage", "Retours et suites"],
    [22004512, D(2024, 6, 6), T(10, 0), "Aïssatou Diallo, Yann Kerhervé, Anne Le Bihan",
     "Diagnostic remis au conseil d'administration", "Enquête par questionnaire", "Conduite d'entretiens",
     None, "Poursuite en CDD"],
]

JURYS = [
    ["Jury", "Date", "Lieu", "Président·e", "Membres"],
    ["Jury A", D(2024, 6, 20), "Campus, salle B218", "Anne Le Bihan", "Paul Rivière\nNadia Benali"],
]

SOUTENANCES = [
    ["N° étudiant", "Jury", "Heure", "Note rapport", "Note soutenance", "Appréciation"],
    [22004512, "Jury A", T(9, 0), 8.5, 7, "Très bon diagnostic."],
    [21009132, "Jury A", T(9, 45), 7, 6.5, None],
    [22001843, "Jury A", T(10, 30), None, None, None],
    [22007719, "Jury A", T(11, 15), 9, 8, None],
]

GRILLE = [
    ["Section", "Critère", "Points"],
    ["Rapport", "Qualité du diagnostic", 6],
    ["Rapport", "Écriture et structure", 4],
    ["Soutenance", "Clarté de la présentation", 6],
    ["Soutenance", "Réponses aux questions", 4],
]

VALID = {
    "Promotion": PROMOTION,
    "Calendrier": CALENDRIER,
    "Étudiant·es": ETUDIANTS,
    "Bilans intermédiaires": BILANS,
    "Bilans tripartites": TRIPARTITES,
    "Jurys": JURYS,
    "Soutenances": SOUTENANCES,
    "Grille": GRILLE,
}
STUDENTS = "Étudiant·es"


class Book:
    """A workbook as lists of rows, plus the few things openpyxl must do once it is built."""

    def __init__(self, sheets: dict[str, list[list[Any]]]) -> None:
        self.sheets = copy.deepcopy(sheets)
        self.hooks: list[Callable[[Workbook], None]] = []  # run on the openpyxl workbook (merges…)
        self.cells_xml: list[tuple[str, str, str]] = []  # (sheet, coordinate, <c> element) set in the file

    def col(self, sheet: str, header: str) -> int:
        return self.sheets[sheet][_header_index(self.sheets[sheet])].index(header)

    def set(self, sheet: str, row: int, header: str, value: Any) -> None:
        """Set the cell at Excel row `row` under `header`."""
        self.sheets[sheet][row - 1][self.col(sheet, header)] = value

    def get(self, sheet: str, row: int, header: str) -> Any:
        return self.sheets[sheet][row - 1][self.col(sheet, header)]

    def delete_column(self, sheet: str, header: str) -> None:
        index = self.col(sheet, header)
        for row in self.sheets[sheet]:
            del row[index]

    def add_column(self, sheet: str, header: str, values: list[Any]) -> None:
        rows = self.sheets[sheet]
        rows[0].append(header)
        for row, value in zip(rows[1:], values + [None] * len(rows), strict=False):
            row.append(value)

    def merge(self, sheet: str, cells: str) -> None:
        self.hooks.append(lambda wb: wb[sheet].merge_cells(cells))

    def cell_xml(self, sheet: str, coordinate: str, element: str) -> None:
        """Replace the <c> element of a cell in the saved file (openpyxl can't write cached results)."""
        self.cells_xml.append((sheet, coordinate, element))

    # --- writing ---------------------------------------------------------------------

    def save(self, path: Path) -> None:
        wb = Workbook()
        wb.remove(wb.active)
        for name, rows in self.sheets.items():
            ws = wb.create_sheet(name)
            for row in rows:
                ws.append(row)
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, dt.date):
                        cell.number_format = "DD/MM/YYYY"
                    elif isinstance(cell.value, dt.time):
                        cell.number_format = "HH:MM"
        for hook in self.hooks:
            hook(wb)
        wb.properties.creator = "make_workbooks.py"
        wb.save(path)
        _rewrite(path, list(self.sheets), self.cells_xml)

    def save_csv(self, folder: Path, *, encoding: str, delimiter: str, file_names: dict[str, str],
                 iso_dates: bool = False, quote_all: bool = False, crlf: bool = False) -> None:
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        decimal = "," if delimiter != "," else "."
        for name, rows in self.sheets.items():
            buffer = io.StringIO(newline="")
            writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n" if crlf else "\n",
                                quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
            for row in rows:
                writer.writerow([_csv_text(v, iso_dates, decimal) for v in row])
            (folder / f"{file_names.get(name, name)}.csv").write_bytes(buffer.getvalue().encode(encoding))


def _header_index(rows: list[list[Any]]) -> int:
    """The header is the first row with two cells or more (a title row may come first)."""
    return next(i for i, row in enumerate(rows) if sum(v is not None for v in row) >= 2)


def _csv_text(value: Any, iso_dates: bool, decimal: str) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat() if iso_dates else value.strftime("%d/%m/%Y")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, float):
        return f"{value:g}".replace(".", decimal)
    return str(value)


def _rewrite(path: Path, order: list[str], cells: list[tuple[str, str, str]]) -> None:
    """Set the cells openpyxl can't write, and fix dates so that regenerating changes no byte."""
    with zipfile.ZipFile(path) as zin:
        parts = {info.filename: zin.read(info) for info in zin.infolist()}
    core = parts["docProps/core.xml"].decode("utf-8")
    parts["docProps/core.xml"] = re.sub(r"(<dcterms:(created|modified)[^>]*>)[^<]*", r"\g<1>2024-01-01T00:00:00Z",
                                        core).encode("utf-8")
    for sheet, coordinate, element in cells:
        part = f"xl/worksheets/sheet{order.index(sheet) + 1}.xml"
        xml = parts[part].decode("utf-8")
        match = re.search(rf'<c r="{coordinate}"[^>]*?(/>|>.*?</c>)', xml, re.S)
        if match is None:
            raise SystemExit(f"{path.name}: no cell {coordinate} in {sheet}")
        parts[part] = (xml[:match.start()] + element + xml[match.end():]).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in parts.items():
            zout.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)


# --- one mutation per kind of mistake ----------------------------------------------------------

MUTATIONS: dict[str, Callable[[Book], None]] = {}


def mutation(name: str) -> Callable[[Callable[[Book], None]], Callable[[Book], None]]:
    def register(func: Callable[[Book], None]) -> Callable[[Book], None]:
        MUTATIONS[name] = func
        return func

    return register


@mutation("bad-required-value")
def _(book: Book) -> None:
    """Nom of the 2nd student left empty."""
    book.set(STUDENTS, 3, "Nom", None)


@mutation("bad-duplicate-numero")
def _(book: Book) -> None:
    """The 4th student typed with the N° of the 3rd: the real N° 22007719 is then unknown elsewhere."""
    book.set(STUDENTS, 5, "N° étudiant", 22001843)


@mutation("bad-unknown-statut")
def _(book: Book) -> None:
    book.set(STUDENTS, 3, "Statut", "Alternance")


@mutation("bad-unknown-mission-type")
def _(book: Book) -> None:
    book.set(STUDENTS, 2, "Type de mission", "Animation de quartier")


@mutation("bad-periode-7")
def _(book: Book) -> None:
    book.set("Bilans intermédiaires", 3, "Période", 7)


@mutation("bad-periode-text")
def _(book: Book) -> None:
    book.set("Bilans intermédiaires", 3, "Période", "deux")


@mutation("bad-date-unreadable")
def _(book: Book) -> None:
    book.set(STUDENTS, 4, "Début", "début septembre")


@mutation("bad-date-impossible")
def _(book: Book) -> None:
    """31/02/2024 typed as text (Excel itself refuses to turn it into a date)."""
    book.set("Calendrier", 4, "Début", "31/02/2024")


@mutation("bad-date-order")
def _(book: Book) -> None:
    """Début after Fin (day and month swapped in Fin)."""
    book.set(STUDENTS, 2, "Fin", D(2023, 4, 30))


@mutation("bad-email")
def _(book: Book) -> None:
    book.set(STUDENTS, 2, "Courriel", "aissatou.diallo@etu")


@mutation("bad-unknown-student")
def _(book: Book) -> None:
    """A bilan for a student who is not in Étudiant·es (typo in the N°)."""
    book.set("Bilans intermédiaires", 4, "N° étudiant", 21009123)


@mutation("bad-unknown-jury")
def _(book: Book) -> None:
    book.set("Soutenances", 3, "Jury", "Jury B")


@mutation("bad-duplicate-review")
def _(book: Book) -> None:
    """Two bilans of period 1 for the same student."""
    book.set("Bilans intermédiaires", 3, "Période", 1)


@mutation("bad-grille-total")
def _(book: Book) -> None:
    book.set("Grille", 5, "Points", 5)


@mutation("bad-formula-without-value")
def _(book: Book) -> None:
    """openpyxl writes formulas without their result, as any program but Excel/LibreOffice does."""
    book.set("Grille", 2, "Points", "=2+4")


@mutation("bad-formula-error")
def _(book: Book) -> None:
    """A VLOOKUP that found nothing: Excel saved #N/A as the result."""
    book.cell_xml(STUDENTS, "K2", '<c r="K2" t="e"><f>VLOOKUP(A2,Tuteurs!A:C,3,FALSE)</f><v>#N/A</v></c>')


@mutation("bad-merged-cells")
def _(book: Book) -> None:
    """The two students of the same structure: Structure merged over rows 3-4."""
    book.merge(STUDENTS, "F3:F4")


@mutation("bad-missing-column")
def _(book: Book) -> None:
    book.delete_column(STUDENTS, "Courriel")


@mutation("bad-missing-sheet")
def _(book: Book) -> None:
    """No Étudiant·es sheet: reported once, the other sheets' N° are then not checked."""
    del book.sheets[STUDENTS]


@mutation("bad-duplicate-column")
def _(book: Book) -> None:
    book.add_column(STUDENTS, "E-mail", ["aissatou.diallo@gmail.example.com"])


@mutation("bad-note-range")
def _(book: Book) -> None:
    book.set("Soutenances", 5, "Note soutenance", 25)


@mutation("bad-missing-parameter")
def _(book: Book) -> None:
    del book.sheets["Promotion"][1]  # the Formation row


@mutation("bad-duplicate-sheet")
def _(book: Book) -> None:
    """The students twice: « Étudiant·es » and a copy named « Etudiants »."""
    book.sheets["Etudiants"] = copy.deepcopy(book.sheets[STUDENTS])


@mutation("bad-value-without-header")
def _(book: Book) -> None:
    book.sheets["Jurys"][1] += [None, "à confirmer"]


@mutation("bad-time")
def _(book: Book) -> None:
    book.set("Soutenances", 2, "Heure", "9h75")


@mutation("bad-parameter-empty")
def _(book: Book) -> None:
    """The Formation row is there, its value is empty: reported at its row."""
    book.set("Promotion", 2, "Valeur", None)


@mutation("bad-jury-date")
def _(book: Book) -> None:
    """A jury with an unreadable date: its 4 soutenances are not also reported as « unknown jury »."""
    book.set("Jurys", 2, "Date", "juin")


@mutation("warn-short-stage")
def _(book: Book) -> None:
    """A stage of 300 h (the handbook asks 420 h): a warning only, exit code 0."""
    book.set(STUDENTS, 2, "Heures prévues", 300)


@mutation("warn-extra-column")
def _(book: Book) -> None:
    book.add_column(STUDENTS, "Remarques", ["RQTH, prévoir un tiers temps"])


@mutation("warn-unknown-sheet")
def _(book: Book) -> None:
    book.sheets["Notes perso"] = [["À faire"], ["Relancer les tuteur·rices"]]


@mutation("warn-tutor-mismatch")
def _(book: Book) -> None:
    """Same tutor e-mail, another first name."""
    book.set(STUDENTS, 4, "Tuteur·rice prénom", "Camila")


@mutation("warn-missing-calendar-key")
def _(book: Book) -> None:
    del book.sheets["Calendrier"][3]  # point_etape


@mutation("valid-title-row")
def _(book: Book) -> None:
    """A merged title row above the header of Étudiant·es: harmless, every row number moves by one."""
    book.sheets[STUDENTS].insert(0, ["Promotion 2023-2024 : liste des étudiant·es"])
    book.merge(STUDENTS, "A1:F1")


@mutation("bad-email-below-title-row")
def _(book: Book) -> None:
    """valid-title-row plus the bad e-mail of bad-email: the row reported is the Excel row, 3."""
    MUTATIONS["valid-title-row"](book)
    book.set(STUDENTS, 3, "Courriel", "aissatou.diallo@etu")


@mutation("valid-header-aliases")
def _(book: Book) -> None:
    """Headers typed differently: case, accents, « . » or « - » for « · », documented aliases."""
    header = book.sheets[STUDENTS][0]
    for old, new in ALIASES.items():
        header[header.index(old)] = new


@mutation("valid-header-aliases-sheet-etudiants")
def _(book: Book) -> None:
    """The same headers, in a sheet named « Etudiants »."""
    MUTATIONS["valid-header-aliases"](book)
    book.sheets = {("Etudiants" if name == STUDENTS else name): rows for name, rows in book.sheets.items()}


@mutation("valid-formula-cached")
def _(book: Book) -> None:
    """A formula saved by Excel with its result: the result is used."""
    book.cell_xml("Grille", "C2", '<c r="C2"><f>2+4</f><v>6</v></c>')


@mutation("valid-formula-empty-result")
def _(book: Book) -> None:
    """A formula whose result is an empty text, in an optional column: nothing to report."""
    book.cell_xml(STUDENTS, "M5", '<c r="M5" t="str"><f>IF(1=0,"x","")</f><v></v></c>')


@mutation("valid-empty-rows")
def _(book: Book) -> None:
    """Rows 4 and 5 entirely empty: skipped, the students below keep their Excel row number (6, 7)."""
    book.sheets[STUDENTS].insert(3, [None] * len(ETUDIANTS_HEADER))
    book.sheets[STUDENTS].insert(3, [None] * len(ETUDIANTS_HEADER))


ALIASES = {
    "N° étudiant": "N° Etudiant",
    "Nom": "NOM",
    "Prénom": "prénom",
    "Tuteur·rice nom": "Tuteur.rice nom",
    "Tuteur·rice prénom": "tuteur-rice prénom",
    "Courriel": "E-mail",
}


# --- CSV folders ---------------------------------------------------------------------------------

ASCII_NAMES = {
    "Promotion": "promotion", "Calendrier": "calendrier", STUDENTS: "etudiants",
    "Bilans intermédiaires": "bilans-intermediaires", "Bilans tripartites": "bilans-tripartites",
    "Jurys": "jurys", "Soutenances": "soutenances", "Grille": "grille",
}
CSV_VARIANTS: dict[str, dict[str, Any]] = {
    # LibreOffice / Excel "CSV UTF-8": BOM, semicolons, decimal commas, JJ/MM/AAAA
    "utf8-bom-pointvirgule": {"encoding": "utf-8-sig", "delimiter": ";", "file_names": {}},
    # a program's export: no BOM, commas, ISO dates, plain file names
    "utf8-virgule-iso": {"encoding": "utf-8", "delimiter": ",", "file_names": ASCII_NAMES, "iso_dates": True},
    # Excel on Windows, "CSV (séparateur : point-virgule)": cp1252
    "cp1252-pointvirgule": {"encoding": "cp1252", "delimiter": ";", "file_names": {}},
    # every field quoted, CRLF between records, LF inside the multi-line fields
    "guillemets-crlf": {"encoding": "utf-8-sig", "delimiter": ";", "file_names": ASCII_NAMES,
                        "quote_all": True, "crlf": True},
}


# --- driver --------------------------------------------------------------------------------------


def write_all() -> None:
    for old in HERE.glob("*.xlsx"):
        old.unlink()
    Book(VALID).save(HERE / "valid.xlsx")
    for name, mutate in MUTATIONS.items():
        book = Book(VALID)
        mutate(book)
        book.save(HERE / f"{name}.xlsx")
    for name, options in CSV_VARIANTS.items():
        Book(VALID).save_csv(CSV_DIR / name, **options)
    _write_unreadable()
    _copy_corpus()


def _write_unreadable() -> None:
    UNREADABLE.mkdir(exist_ok=True)
    (UNREADABLE / "vide.xlsx").write_bytes(b"")
    (UNREADABLE / "texte.xlsx").write_text("N° étudiant;Nom\n22004512;Diallo\n", encoding="utf-8")
    (UNREADABLE / "ancien-format.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    with zipfile.ZipFile(UNREADABLE / "libreoffice.ods", "w") as ods:  # the start of a LibreOffice .ods
        ods.writestr(zipfile.ZipInfo("mimetype", (2024, 1, 1, 0, 0, 0)), "application/vnd.oasis.opendocument.spreadsheet")
        ods.writestr(zipfile.ZipInfo("content.xml", (2024, 1, 1, 0, 0, 0)), '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
                     'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>')
    (UNREADABLE / "etudiants.csv").write_text("N° étudiant;Nom\n22004512;Diallo\n", encoding="utf-8")
    source = SHARED_CORPUS / "BAD_encrypted-password.xlsx"
    if source.exists():
        shutil.copyfile(source, UNREADABLE / "mot-de-passe.xlsx")


def _copy_corpus() -> None:
    if not SHARED_CORPUS.is_dir():
        return
    CORPUS.mkdir(exist_ok=True)
    for path in sorted(SHARED_CORPUS.glob("*.xlsx")):
        shutil.copyfile(path, CORPUS / path.name)


def unreadable_files() -> list[Path]:
    return sorted(p for p in UNREADABLE.iterdir() if not p.name.endswith(".expected.txt"))


def write_goldens() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from click.testing import CliRunner

    from pipeline.cli import cli
    from pipeline.workbook.validate import check

    for path in sorted(HERE.glob("*.xlsx")):
        _, report = check(path)
        rows = report.flatten(GOLDEN_KEYS)
        text = "[\n" + ",\n".join("  " + json.dumps(r, ensure_ascii=False) for r in rows) + "\n]\n" if rows else "[]\n"
        path.with_suffix(".expected.json").write_text(text, encoding="utf-8")
    runner = CliRunner()
    for path in unreadable_files():
        result = runner.invoke(cli, ["check", str(path)], obj={})
        path.with_suffix(".expected.txt").write_text(result.stderr, encoding="utf-8")
    codes = {}
    for path in sorted(CORPUS.glob("*.xlsx")):
        codes[path.name] = runner.invoke(cli, ["check", str(path)], obj={}).exit_code
    (CORPUS / "exit-codes.json").write_text(json.dumps(codes, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] == ["--goldens"]:
        write_goldens()
    elif sys.argv[1:]:
        raise SystemExit(__doc__)
    else:
        write_all()

"""Read the promotion workbook (.xlsx) or a folder of CSV files into located rows.

Nothing is interpreted here beyond finding sheets and columns: every cell keeps its
raw value, its Excel row number and its column letter, so that validate.py can say
exactly where a problem is.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries

from pipeline.errors import InputError
from pipeline.workbook.csvfiles import read_csv_folder
from pipeline.workbook.schema import SHEETS, Column, Sheet, normalize
from pipeline.workbook.table import Table
from pipeline.workbook.xlsxsize import compact_copy

DEFAULT_WORKBOOK = "promotion.xlsx"
# Sheets that `copar init` writes for people, not data.
HELPER_SHEETS = {normalize("Instructions"), normalize("Listes"), normalize("Lisez-moi")}
HEADER_SEARCH_ROWS = 10
OLD_BACKUP = re.compile(r"\.avant-[a-z]+(?:-[a-z]+)*-\d{8}-\d{6}(?:-\d+)?\.xlsx$")


@dataclass(frozen=True)
class Cell:
    value: Any
    letter: str
    header: str  # header as written in the file


@dataclass
class Row:
    number: int  # Excel row number (CSV: record number, header = 1)
    cells: dict[str, Cell] = field(default_factory=dict)  # column key -> cell
    extra: dict[str, Any] = field(default_factory=dict)  # unknown header -> value

    def value(self, key: str) -> Any:
        cell = self.cells.get(key)
        return None if cell is None else cell.value


@dataclass(frozen=True)
class Issue:
    """A structural finding while reading; validate.py turns it into a Problem."""

    code: str
    sheet: str
    row: int | None
    column: str
    letter: str
    value: Any
    detail: str = ""


@dataclass
class RawSheet:
    spec: Sheet
    name: str  # as found in the file
    header_row: int
    columns: dict[str, tuple[str, str]]  # key -> (header as written, letter)
    rows: list[Row]
    extra_columns: list[tuple[str, str]]  # (header, letter)
    # Empty cells whose cause the reader already reported, so that validate.py does not report
    # them a second time as missing: (row, letter) of formulas, bounds of merged ranges.
    reported: set[tuple[int, str]] = field(default_factory=set)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # min_col, min_row, max_col, max_row

    def already_reported(self, row: int, letter: str) -> bool:
        if (row, letter) in self.reported:
            return True
        col = column_index_from_string(letter)
        return any(c0 <= col <= c1 and r0 <= row <= r1 and (row, col) != (r0, c0) for c0, r0, c1, r1 in self.merged)

    def header_at(self, letter: str) -> str:
        """The header of the column at `letter`, known or extra ("" when none)."""
        headers = [*self.columns.values(), *self.extra_columns]
        return next((header for header, at in headers if at == letter), "")


@dataclass
class RawWorkbook:
    source: Path
    sheets: dict[str, RawSheet]
    issues: list[Issue]
    unknown_sheets: list[str]


# --- locating the input ------------------------------------------------------------


def resolve_input(path: Path) -> Path:
    """The workbook or CSV folder designated by ENTRÉES (a file or a folder)."""
    if not path.exists():
        raise InputError(f"Entrée introuvable : {path}. Indiquez un classeur .xlsx ou un dossier (par défaut inputs/).")
    if path.is_file() and path.suffix.lower() == ".csv":
        raise InputError(
            f"{path.name} est un fichier CSV seul : indiquez le dossier qui le contient, avec un fichier CSV "
            "par feuille (Promotion.csv, Calendrier.csv, Étudiant·es.csv…)."
        )
    if path.is_file():
        return path
    candidate = path / DEFAULT_WORKBOOK
    if candidate.is_file():
        return candidate
    # old-style backups (promotion.avant-collecte-20240607-101500.xlsx) are not workbooks to read
    workbooks = sorted(p for p in path.glob("*.xlsx") if not p.name.startswith("~$") and not OLD_BACKUP.search(p.name))
    if len(workbooks) == 1:
        return workbooks[0]
    if len(workbooks) > 1:
        names = ", ".join(p.name for p in workbooks)
        raise InputError(
            f"Plusieurs classeurs dans {path} ({names}) : indiquez lequel utiliser, "
            f"par exemple « copar check {workbooks[0]} »."
        )
    csv_files = sorted(path.glob("*.csv"))
    if len(csv_files) == 1:  # one sheet saved as CSV, not the promotion
        raise InputError(
            f"Seul fichier trouvé dans {path} : {csv_files[0].name}, un fichier CSV (une seule feuille). Un dossier "
            "de CSV compte un fichier par feuille (Promotion.csv, Calendrier.csv, Étudiant·es.csv… au moins ces "
            "trois) ; sinon, ouvrez le classeur d'origine dans Excel ou LibreOffice et enregistrez-le en entier "
            f"au format .xlsx, sous le nom {DEFAULT_WORKBOOK}."
        )
    if csv_files:
        return path
    others = _other_workbooks(path)
    if others:
        raise InputError(
            f"Aucun classeur .xlsx dans {path}, mais {others[0].name} : {_save_as_xlsx(others[0])}"
        )
    raise InputError(
        f"Aucun classeur {DEFAULT_WORKBOOK} ni fichier CSV dans {path}. "
        "Créez-en un avec « copar init »."
    )


# Workbooks copar cannot read, and how to save each as .xlsx.
OTHER_FORMATS = {
    ".ods": "ouvrez-le dans LibreOffice Calc et enregistrez-le au format Excel (Fichier > Enregistrer sous > "
            "type « Excel 2007-365 (.xlsx) »)",
    ".xls": "ouvrez-le dans Excel et enregistrez-le au format .xlsx (Fichier > Enregistrer sous > "
            "« Classeur Excel (.xlsx) »)",
    ".numbers": "ouvrez-le dans Numbers et exportez-le au format Excel (Fichier > Exporter vers > Excel)",
    ".xlsm": "ouvrez-le dans Excel et enregistrez-le sans macros, au format « Classeur Excel (.xlsx) »",
}


def _other_workbooks(folder: Path) -> list[Path]:
    """Workbooks of other formats in `folder`, the newest first."""
    found = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in OTHER_FORMATS
             and not p.name.startswith(("~$", ".~lock"))]
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def _save_as_xlsx(path: Path) -> str:
    return f"{OTHER_FORMATS[path.suffix.lower()]}, sous le nom {path.with_suffix('.xlsx').name}."


def newer_workbooks(source: Path) -> list[Path]:
    """Workbooks of other formats beside the .xlsx `source` and more recent than it."""
    if not source.is_file():
        return []
    mtime = source.stat().st_mtime
    return [p for p in _other_workbooks(source.parent) if p.stat().st_mtime > mtime]


def rapports_dir(source: Path) -> Path:
    """Where the students' rapports de mission live: `rapports/` beside the inputs."""
    base = source if source.is_dir() else source.parent
    return base / "rapports"


def cahiers_dir(source: Path) -> Path:
    """Where received cahiers des charges and feuilles de route are dropped: `cahiers/` beside the inputs."""
    base = source if source.is_dir() else source.parent
    return base / "cahiers"


def load(path: Path) -> RawWorkbook:
    source = resolve_input(path)
    issues: list[Issue] = []
    if source.is_dir():
        tables: dict[str, Table] = {}
        for name, table, stray in read_csv_folder(source):
            tables[name] = table
            if stray is not None:
                issues.append(Issue("csv-encoding", name, stray.line, "", "", f"0x{stray.byte:02X}",
                                    stray.message(f"{name}.csv")))
        merged: dict[str, list[str]] = {}
        broken: Broken = {}
    else:
        tables, merged, broken = _read_xlsx(source)
    raw = _locate(source, tables, merged, broken, issues)
    for other in newer_workbooks(source):
        raw.issues.insert(0, Issue("newer-workbook", other.name, None, "", "", None, _save_as_xlsx(other)))
    return raw


# --- xlsx ----------------------------------------------------------------------------

# sheet -> {(row, column index from 0): error value, or None for a formula that was never calculated}
Broken = dict[str, dict[tuple[int, int], Any]]


def _read_xlsx(path: Path) -> tuple[dict[str, Table], dict[str, list[str]], Broken]:
    import openpyxl  # local: keeps `copar --help` fast

    _sniff_xlsx(path)
    try:
        # Sizes checked and empty cells dropped first (see xlsxsize); our own file object, in memory.
        with warnings.catch_warnings(), compact_copy(path) as stream:
            # openpyxl warns about extensions, styles or dates it drops: nothing staff could act on.
            warnings.simplefilter("ignore")
            values_wb = openpyxl.load_workbook(stream, data_only=True)
            stream.seek(0)
            formula_wb = openpyxl.load_workbook(stream, data_only=False)
    except InputError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on damaged files
        raise InputError(
            f"Impossible de lire le classeur {path.name} : il est endommagé ou n'est pas un classeur Excel "
            f"({type(exc).__name__}: {exc}). Ouvrez-le dans Excel ou LibreOffice et enregistrez-le "
            "à nouveau au format .xlsx."
        ) from exc
    if not values_wb.worksheets:
        raise InputError(
            f"Aucune feuille lisible dans le classeur {path.name} (format « Strict Open XML » ou feuilles "
            "de graphique seulement) : ouvrez-le dans Excel ou LibreOffice et enregistrez-le au format "
            "« Classeur Excel (.xlsx) »."
        )
    tables: dict[str, Table] = {}
    merged: dict[str, list[str]] = {}
    broken: Broken = {}
    for ws in values_wb.worksheets:
        broken[ws.title] = _broken_cells(ws, formula_wb[ws.title])
        tables[ws.title] = _table(ws, broken[ws.title])
        merged[ws.title] = [str(r) for r in ws.merged_cells.ranges]
    return tables, merged, broken


def read_tables(path: Path) -> dict[str, Table]:
    """Each sheet's rows that hold a value (as the reader sees them): for comparing two workbooks."""
    return _read_xlsx(path)[0]


def _table(ws: Any, broken: dict[tuple[int, int], Any]) -> Table:
    """The rows that hold a value, each up to its last value.

    Built from the cells stored in the file, not from ws.iter_rows(): a sheet whose empty
    formatted cells reach XFD1048576 would otherwise mean 17 billion values to go through.
    """
    filled: dict[int, dict[int, Any]] = {}
    for (r, c), cell in ws._cells.items():
        if cell.value is not None and (r, c - 1) not in broken:
            filled.setdefault(r, {})[c - 1] = cell.value
    return [(r, [cells.get(c) for c in range(max(cells) + 1)]) for r, cells in sorted(filled.items())]


def _broken_cells(values_ws: Any, formula_ws: Any) -> dict[tuple[int, int], Any]:
    """Cells whose value can't be used: formula errors (#N/A…) and formulas never calculated."""
    found: dict[tuple[int, int], Any] = {}
    for (r, c), cell in formula_ws._cells.items():
        if cell.data_type != "f":
            continue
        cached = values_ws._cells.get((r, c))
        # A formula calculated to "" is stored as an empty string result (t="str"); one that was
        # never calculated (written by a program) has no result type at all.
        if cached is None or (cached.value is None and cached.data_type == "n"):
            found[(r, c - 1)] = None
    for (r, c), cell in values_ws._cells.items():
        if cell.data_type == "e" and cell.value is not None:
            found[(r, c - 1)] = str(cell.value)
    return found


def _sniff_xlsx(path: Path) -> None:
    try:
        with path.open("rb") as file:
            head = file.read(8)
    except OSError as exc:  # on Windows, a workbook open in Excel is locked
        raise InputError(
            f"Impossible d'ouvrir {path.name} ({exc.strerror}) : s'il est ouvert dans Excel, fermez-le, "
            "puis relancez la commande."
        ) from exc
    if not head:
        raise InputError(f"Le fichier {path.name} est vide (0 octet) : ce n'est pas un classeur.")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        data = path.read_bytes()
        if "EncryptionInfo".encode("utf-16-le") in data or b"EncryptedPackage" in data or "EncryptedPackage".encode("utf-16-le") in data:
            raise InputError(
                f"Le classeur {path.name} est protégé par un mot de passe : ouvrez-le dans Excel, "
                "retirez le mot de passe (Fichier > Informations > Protéger le classeur) et enregistrez-le."
            )
        raise InputError(
            f"{path.name} est au format Excel 97-2003 (.xls) : enregistrez-le au format .xlsx "
            "(Fichier > Enregistrer sous > Classeur Excel)."
        )
    if not zipfile.is_zipfile(path):
        raise InputError(
            f"{path.name} n'est pas un classeur Excel (.xlsx) : indiquez le classeur de la promotion "
            "ou un dossier de fichiers CSV."
        )
    if _is_opendocument(path):
        raise InputError(
            f"{path.name} est un classeur LibreOffice (.ods) : enregistrez-le au format Excel "
            "(Fichier > Enregistrer sous > Excel 2007-365 .xlsx)."
        )


def _is_opendocument(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return "mimetype" in archive.namelist() and archive.read("mimetype").startswith(b"application/vnd.oasis")
    except (zipfile.BadZipFile, OSError, KeyError):
        return False  # openpyxl will say what is wrong


# --- locating sheets and columns ------------------------------------------------------


def _match_sheet(name: str) -> Sheet | None:
    key = normalize(name)
    return next((s for s in SHEETS if key in s.names()), None)


def _match_column(spec: Sheet, header: Any) -> Column | None:
    key = normalize(header)
    if not key:
        return None
    return next((c for c in spec.columns if key in c.names()), None)


def _find_header_row(spec: Sheet, table: Table) -> int:
    """Index in `table` of the header row: the first row naming ≥ 1 known column (2 if possible)."""
    best, best_hits = 0, 0
    for index, (_, values) in enumerate(table[:HEADER_SEARCH_ROWS]):
        hits = len({c.key for v in values if (c := _match_column(spec, v))})
        if hits >= min(2, len(spec.columns)):
            return index
        if hits > best_hits:
            best, best_hits = index, hits
    return best


# Excel writes characters XML cannot hold as _xHHHH_ (and a literal "_x" as _x005F_x).
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
# Invisible characters that make two equal-looking values differ (a N° pasted from a web page).
INVISIBLE = {"\u200b": "espace sans chasse", "\u200c": "antiliant sans chasse", "\u200d": "liant sans chasse",
             "\u2060": "gluon de mots", "\ufeff": "indicateur d'ordre des octets", "\u00ad": "trait d'union conditionnel"}
CONTROL_NAMES = {"\x0b": "tabulation verticale", "\x0c": "saut de page", "\x85": "fin de ligne NEL",
                 "\x7f": "suppression", "\x00": "caractère nul"}


def _unwanted(ch: str) -> bool:
    """What a Word document (XML 1.0) cannot hold, or should not: controls, non-characters, invisible marks."""
    code = ord(ch)
    return ((code < 32 and ch not in "\t\n") or 0x7F <= code <= 0x9F or 0xD800 <= code <= 0xDFFF
            or 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE or ch in INVISIBLE)


def strip_unwanted(text: str) -> tuple[str, str]:
    """`text` with line ends as \\n and without what `_unwanted` names; and the characters removed ("" if none)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    removed = "".join(ch for ch in text if _unwanted(ch))
    return ("".join(ch for ch in text if not _unwanted(ch)) if removed else text), removed


def describe_characters(chars: Iterable[str]) -> str:
    """« U+000B (tabulation verticale), U+200B (espace sans chasse) », each character once."""
    names = {**CONTROL_NAMES, **INVISIBLE}
    return ", ".join(f"U+{ord(ch):04X}" + (f" ({names[ch]})" if ch in names else "") for ch in dict.fromkeys(chars))


def _clean(value: Any) -> tuple[Any, str]:
    """The value as validate.py needs it, and the characters removed from it (none: "")."""
    if isinstance(value, str):
        value = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value).replace("\r\n", "\n").replace("\r", "\n")
        removed = "".join(ch for ch in value if _unwanted(ch))
        if removed:
            value = "".join(ch for ch in value if not _unwanted(ch))
        value = value.strip()
        return value or None, removed
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date(), ""
    return value, ""


def _locate(source: Path, tables: dict[str, Table], merged: dict[str, list[str]], broken: Broken,
            issues: list[Issue]) -> RawWorkbook:
    sheets: dict[str, RawSheet] = {}
    unknown: list[str] = []
    for name, table in tables.items():
        spec = _match_sheet(name)
        if spec is None:
            if normalize(name) not in HELPER_SHEETS:
                unknown.append(name)
            continue
        if spec.key in sheets:
            issues.append(Issue("duplicate-sheet", name, None, "", "", name, sheets[spec.key].name))
            continue
        sheet = _read_sheet(spec, name, table, issues)
        sheets[spec.key] = sheet
        issues.extend(_merged_issues(sheet, merged.get(name, [])))
        for (r, c), error in sorted(broken.get(name, {}).items()):
            letter = get_column_letter(c + 1)
            code = "formula-without-value" if error is None else "formula-error"
            issues.append(Issue(code, name, r, sheet.header_at(letter), letter, error))
            sheet.reported.add((r, letter))
    return RawWorkbook(source, sheets, issues, unknown)


def _merged_issues(sheet: RawSheet, ranges: list[str]) -> list[Issue]:
    """One issue per merged range that reaches the header row or the data.

    A merged title above the header row is harmless and is not reported. The cells a range
    hides are remembered so that validate.py does not also report them as missing.
    """
    issues = []
    for rng in ranges:
        bounds = range_boundaries(rng)
        min_col, min_row, _, max_row = bounds
        if max_row < sheet.header_row:
            continue
        letter = get_column_letter(min_col)
        issues.append(Issue("merged-cells", sheet.name, min_row, sheet.header_at(letter), letter, rng))
        sheet.merged.append(bounds)
    return issues


def _read_sheet(spec: Sheet, name: str, table: Table, issues: list[Issue]) -> RawSheet:
    index = _find_header_row(spec, table)
    header_number, headers = table[index] if table else (1, [])
    columns: dict[str, tuple[str, str]] = {}
    positions: dict[int, str] = {}
    extra: list[tuple[str, str]] = []
    for pos, header in enumerate(headers):
        letter = get_column_letter(pos + 1)
        text = "" if header is None else str(header).strip()
        column = _match_column(spec, text)
        if column is None:
            if text:
                extra.append((text, letter))
            continue
        if column.key in columns:
            issues.append(Issue("duplicate-column", name, header_number, text, letter, text, columns[column.key][0]))
            continue
        columns[column.key] = (text, letter)
        positions[pos] = column.key
    extra_positions = {pos: text for pos, h in enumerate(headers) if (text := str(h or "").strip()) and pos not in positions}
    rows = []
    for number, values in table[index + 1:]:
        cleaned = [_clean(v) for v in values]
        if all(v is None for v, _ in cleaned):
            continue
        row = Row(number)
        for pos, (value, removed) in enumerate(cleaned):
            if removed:
                header = columns[positions[pos]][0] if pos in positions else extra_positions.get(pos, "")
                issues.append(Issue("unwanted-characters", name, number, header, get_column_letter(pos + 1), value,
                                    describe_characters(removed)))
            if pos in positions:
                key = positions[pos]
                row.cells[key] = Cell(value, get_column_letter(pos + 1), columns[key][0])
            elif pos in extra_positions and value is not None:
                row.extra[extra_positions[pos]] = value
            elif value is not None:
                issues.append(Issue("value-without-header", name, number, "", get_column_letter(pos + 1), value))
        rows.append(row)
    return RawSheet(spec, name, header_number, columns, rows, extra)

"""The workbook form: one .xlsx per tutor (or jury) with only their students' rows.

Sheet « Formulaire »: identity columns locked (grey), answer columns open, dates and notes
checked by data validation, the sheet protected without a password (protection guards against
slips, not people), printed landscape, fit to width, one student per page under the header row.
A note's rule is a custom formula (a number from 0 to the criterion's points, in half points),
not a list: a list's items are literal text (`"0,0.5,1"`), which a French Calc reads as other
numbers and refuses `2,5`; a formula compares numbers whatever the decimal separator. Excel and
LibreOffice Calc both check it as the cell is typed.
The identity of each row sits in the very hidden sheet `copar-formulaire`: row 1 the field key
of each column, then one row per student (same row number) with type, N°, période, année,
version and a fingerprint of the row's identity (`fingerprint`). LibreOffice saves the sheet
merely hidden, and anyone can show it: `read_rows` compares the fingerprint with the row's
identity and visible identity cells, so a hand-edited identity is refused, not trusted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.forms import spec
from pipeline.forms.content import Form

SHEET = "Formulaire"
HIDDEN = spec.MARKER
IDENTITY_COLUMNS = (("numero", "N° étudiant", 13), ("nom", "Nom", 16), ("prenom", "Prénom", 14),
                    ("structure", "Structure d'accueil", 28))
HIDDEN_HEADER = ("type", "numero", "periode", "annee", "version", "recipient", "mac")
ROW_HEIGHT = 96  # points: a few lines of an answer on screen, room to read it on the printed page
FINGERPRINT_COLUMN = len(HIDDEN_HEADER) + 1  # in the hidden sheet, after the identity


def _cell_text(value: Any) -> str:
    """A cell as text, the same whether Excel, LibreOffice or openpyxl wrote it (2 == 2.0)."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:g}"
    return str(value).strip()


def fingerprint(row: int, identity: spec.Identity, cells: list[Any]) -> str:
    """The fingerprint of one row's identity: the hidden identity, its row and the visible identity cells.

    Plain (a guard against slips and sorting, like the sheet protection); 16 hex digits.
    """
    import hashlib
    import json

    data = [row, identity.to_json(), [_cell_text(c) for c in cells]]
    return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()[:16]


def _note_rule(letter: str, maximum: float) -> str:
    """A custom validation formula for the notes of column `letter` (relative to its first row, 2)."""
    cell = f"{letter}2"
    return f"AND(ISNUMBER({cell}),{cell}>=0,{cell}<={maximum:g},MOD({cell}*2,1)=0)"


def _typed(f: spec.Field, text: str) -> Any:
    """A pre-filled answer as Excel holds it: a number, a date, or text."""
    from pipeline.workbook import parse

    if not text:
        return None
    if f.kind == spec.NUMBER:
        return parse.parse_number(text)
    if f.kind == spec.DATE:
        return parse.parse_date(text)
    return text


def workbook_bytes(forms: list[Form]) -> bytes:
    """One workbook for the forms of one recipient (same type and period)."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from pipeline.workbook.cells import append

    first = forms[0]
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    fields = first.fields
    headers = [h for _, h, _ in IDENTITY_COLUMNS]
    if first.identity.periode:
        headers.append("Période")
    n_identity = len(headers)
    headers += [f.label + (f" ({f.help})" if f.help and f.kind != spec.LONGTEXT else "") for f in fields]
    append(ws, headers)
    locked_fill = PatternFill("solid", fgColor="E8EDF5")
    head_fill = PatternFill("solid", fgColor="D6DFEE")
    for col, _ in enumerate(headers, start=1):
        cell = ws.cell(1, col)
        cell.font = Font(bold=True, color="1F3864")
        cell.fill = head_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for form in forms:
        s = form.student
        assert s is not None
        row = [s.numero, s.nom, s.prenom, s.structure] + ([form.identity.periode] if form.identity.periode else [])
        append(ws, row + [_typed(f, form.values.get(f.key, "")) for f in fields])
    for r in range(2, len(forms) + 2):
        for col in range(1, len(headers) + 1):
            cell = ws.cell(r, col)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if col <= n_identity:
                cell.fill = locked_fill
                cell.protection = Protection(locked=True)
            else:
                cell.protection = Protection(locked=False)
    last = len(forms) + 1
    for i, f in enumerate(fields):
        letter = get_column_letter(n_identity + 1 + i)
        ws.column_dimensions[letter].width = 45 if f.kind == spec.LONGTEXT else 14
        area = f"{letter}2:{letter}{last}"
        if f.kind == spec.NUMBER:
            dv = DataValidation(type="custom", formula1=_note_rule(letter, f.maximum or 0), allow_blank=True)
            dv.error = f"Une note va de 0 à {f.maximum:g}, par demi-point (2,5 ou 2.5 selon la langue du tableur)."
            dv.promptTitle, dv.prompt = "Note", f"De 0 à {f.maximum:g}, par demi-point."
            dv.showInputMessage = True
        elif f.kind == spec.DATE:
            dv = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True)
            dv.error = "Écrivez une date (JJ/MM/AAAA)."
            for r in range(2, last + 1):
                ws.cell(r, n_identity + 1 + i).number_format = "DD/MM/YYYY"
        else:
            continue
        dv.showErrorMessage = True
        dv.errorTitle = "Valeur refusée"
        ws.add_data_validation(dv)
        dv.add(area)
    for col, (_, _, width) in enumerate(IDENTITY_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(2, n_identity + 1)
    # explicit heights: LibreOffice does not fit a wrapped row's height to its text on opening
    ws.row_dimensions[1].height = 64
    for r in range(2, last + 1):
        ws.row_dimensions[r].height = ROW_HEIGHT
    ws.protection.sheet = True
    ws.protection.formatCells = False
    ws.protection.formatRows = False
    ws.protection.formatColumns = False
    _print_setup(ws, last)
    hidden = wb.create_sheet(HIDDEN)
    append(hidden, [""] * n_identity + [f.key for f in fields])
    for r, form in enumerate(forms, start=2):
        ident = form.identity
        cells = [ws.cell(r, c).value for c in range(1, n_identity + 1)]
        append(hidden, [ident.type, ident.numero, ident.periode or "", ident.annee, ident.version, ident.recipient,
                        ident.mac, fingerprint(r, ident, cells)])
    hidden.sheet_state = "veryHidden"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _print_setup(ws: Any, last: int) -> None:
    """Landscape A4, fit to the page's width, the header row on every page, one student per page."""
    from openpyxl.worksheet.pagebreak import Break

    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.print_options.gridLines = True
    for r in range(2, last):
        ws.row_breaks.append(Break(id=r))


def write_xlsx(forms: list[Form], out: Path) -> None:
    from pipeline.files import write_bytes_atomically

    write_bytes_atomically(out, workbook_bytes(forms))


def read_rows(wb: Any) -> list[tuple[int, spec.Identity, dict[str, Any]]] | None:
    """(row number, identity, {field key: cell value}) of a workbook form; None if `wb` is not one."""
    if HIDDEN not in wb.sheetnames or SHEET not in wb.sheetnames:
        return None
    hidden, ws = wb[HIDDEN], wb[SHEET]
    keys = [c.value for c in hidden[1]]
    n_identity = next((i for i, key in enumerate(keys) if key), len(keys))
    result = []
    for r in range(2, hidden.max_row + 1):
        values = [hidden.cell(r, c).value for c in range(1, len(HIDDEN_HEADER) + 1)]
        if not values[0]:
            continue
        data = dict(zip(HIDDEN_HEADER, values, strict=True))
        data["periode"] = int(data["periode"]) if data["periode"] not in (None, "") else None
        identity = spec.Identity(str(data["type"]), str(data["numero"]), data["periode"], str(data["annee"]),
                                 str(data["version"]), str(data["recipient"] or ""), str(data["mac"] or ""))
        if str(ws.cell(r, 1).value or "").strip() != identity.numero:
            raise ValueError(f"ligne {r} : le N° étudiant ne correspond plus à l'identité du formulaire "
                             "(lignes triées ou modifiées)")
        cells = [ws.cell(r, c).value for c in range(1, n_identity + 1)]
        stored = _cell_text(hidden.cell(r, FINGERPRINT_COLUMN).value)
        if not stored:
            raise ValueError(f"ligne {r} : pas d'empreinte d'identité (classeur produit par une version plus "
                             "ancienne de copar ou feuille cachée modifiée) ; renvoyez un formulaire produit "
                             "aujourd'hui par « copar forms »")
        if stored != fingerprint(r, identity, cells):
            raise ValueError(f"ligne {r} : l'identité de l'étudiant·e (colonnes grisées ou feuille cachée) a été "
                             "modifiée ; renvoyez le classeur tel qu'il a été envoyé, seules les colonnes de "
                             "réponse se remplissent")
        answers = {key: ws.cell(r, c).value for c, key in enumerate(keys, start=1) if key}
        result.append((r, identity, answers))
    return result

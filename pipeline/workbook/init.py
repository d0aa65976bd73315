"""`copar init`: write a new promotion workbook, empty or filled with the sample.

Every sheet name, header, help text and value list comes from `pipeline.schema`;
the text of the Instructions sheet from `pipeline.instructions`; the sample promotion
comes from `pipeline.sample`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.errors import OutputExists
from pipeline.files import package_folder, write_atomically, write_bytes_atomically
from pipeline.workbook import instructions, schema
from pipeline.workbook.instructions import KIND_FORMATS, PERIODES, Section

INSTRUCTIONS = "Instructions"
LISTS = "Listes"  # hidden sheet, only created when a list does not fit inline
LAST_ROW = 500  # formats and drop-down lists apply to rows 2..LAST_ROW
DATE_FORMAT = "DD/MM/YYYY"
TIME_FORMAT = "HH:MM"
TEXT_FORMAT = "@"

_WHITE_BOLD = Font(bold=True, color="FFFFFF")
_REQUIRED_FILL = PatternFill("solid", fgColor="1F4E79")  # dark blue: required column
_OPTIONAL_FILL = PatternFill("solid", fgColor="5B9BD5")  # light blue: optional column
_TABLE_FILL = PatternFill("solid", fgColor="DDEBF7")
_HEADER_ALIGN = Alignment(wrap_text=True, vertical="center")
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")

# --- public API ----------------------------------------------------------------------


def write_workbook(path: Path, *, example: bool = False, force: bool = False) -> Path:
    """Write a new promotion workbook at `path` and return the path.

    `example=True` fills it with the sample promotion. An existing file is only
    replaced with `force=True`; the file is written atomically (temporary file in the
    same folder, then renamed), so it is either complete or left as it was.
    """
    return init_workbook(path, example=example, force=force)[0]


def init_workbook(path: Path, *, example: bool = False, force: bool = False) -> tuple[Path, Path | None]:
    """`write_workbook`, and the backup of the workbook it replaced (None when there was none).

    A workbook replaced with `force=True` is first backed up in sauvegardes/ beside it, through
    the same locked writer as collect (`copar sauvegardes --restaurer` puts it back).
    """
    path = Path(path)
    if path.exists() and not force:
        raise OutputExists(
            f"Le fichier « {path} » existe déjà : il n'a pas été modifié. "
            "Relancez avec --force pour le remplacer."
        )
    workbook = build_workbook(example=example)
    backup = None
    if path.is_file() and path.suffix.lower() == ".xlsx":
        import io

        from pipeline.workbook.writer import Writing

        data = io.BytesIO()
        workbook.save(data)
        with Writing(path) as hold:
            backup = hold.replace_with(data.getvalue(), cause="avant-init").backup
    else:
        write_atomically(path, lambda tmp: workbook.save(tmp))
    if example:
        copy_sample_rapports(path.parent / "rapports")
    return path, backup


def copy_sample_rapports(folder: Path) -> list[Path]:
    """Copy the sample students' rapports de mission into `folder`, never over an existing file."""
    written = []
    for item in sorted(package_folder("copar_sample_rapports").glob("*.pdf")):
        target = folder / item.name
        if not target.exists():
            write_bytes_atomically(target, item.read_bytes())
            written.append(target)
    return written


def build_workbook(*, example: bool = False) -> Workbook:
    """The workbook `write_workbook` saves, in memory."""
    from pipeline.workbook import sample  # data only; imported lazily to keep `init` light

    wb = Workbook()
    instructions = wb.active
    instructions.title = INSTRUCTIONS
    for sheet in schema.SHEETS:
        ws = wb.create_sheet(sheet.name)
        if sheet.key_value:
            _write_key_value(ws, sheet, sample.PROMOTION if example else {})
        else:
            rows = sample.rows(sheet.key) if example else []
            _write_table(wb, ws, sheet, rows)
    _write_instructions(instructions)
    wb.active = 0
    wb.properties.creator = "copar"
    wb.properties.title = "Classeur de la promotion"
    return wb


# --- sheets ----------------------------------------------------------------------------


def _header(ws: Worksheet, columns: Sequence[schema.Column], comments: Iterable[str | None]) -> None:
    for index, (column, comment) in enumerate(zip(columns, comments, strict=True), start=1):
        cell = ws.cell(row=1, column=index, value=column.header)
        cell.font = _WHITE_BOLD
        cell.fill = _REQUIRED_FILL if column.required else _OPTIONAL_FILL
        cell.alignment = _HEADER_ALIGN
        if comment:
            cell.comment = _comment(comment)
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.row_dimensions[1].height = 32
    ws.freeze_panes = "A2"


def _comment(text: str) -> Comment:
    comment = Comment(text, "copar")
    comment.width = 320
    comment.height = 40 + 18 * (1 + len(text) // 45)
    return comment


def _column_note(column: schema.Column) -> str:
    parts = ["Colonne obligatoire." if column.required else "Colonne facultative."]
    if column.help:
        parts.append(column.help)
    elif column.kind in (schema.DATE, schema.TIME):
        parts.append(f"Format : {KIND_FORMATS[column.kind]}.")
    return "\n".join(parts)


def _write_table(wb: Workbook, ws: Worksheet, sheet: schema.Sheet, rows: list[dict[str, Any]]) -> None:
    _header(ws, sheet.columns, (_column_note(c) for c in sheet.columns))
    for r, row in enumerate(rows, start=2):
        for c, column in enumerate(sheet.columns, start=1):
            value = row.get(column.key)
            if value is not None and value != "":
                ws.cell(row=r, column=c, value=value)
    # Formats after the values: openpyxl resets the format of a cell given a date.
    for c, column in enumerate(sheet.columns, start=1):
        number_format, alignment = _cell_style(column)
        if number_format is None and alignment is None:
            continue
        for r in range(2, LAST_ROW + 1):
            cell = ws.cell(row=r, column=c)
            if number_format:
                cell.number_format = number_format
            if alignment:
                cell.alignment = alignment
    last = get_column_letter(len(sheet.columns))
    ws.auto_filter.ref = f"A1:{last}{LAST_ROW}"
    _add_validations(wb, ws, sheet)


def _cell_style(column: schema.Column) -> tuple[str | None, Alignment | None]:
    if column.kind == schema.DATE:
        return DATE_FORMAT, _TOP
    if column.kind == schema.TIME:
        return TIME_FORMAT, _TOP
    if column.kind == schema.LONGTEXT:
        return None, _WRAP_TOP
    if column.key == "numero" or column.key.endswith("telephone"):
        # Kept as typed: leading zeros, spaces in phone numbers.
        return TEXT_FORMAT, _TOP
    return None, None


def _write_key_value(ws: Worksheet, sheet: schema.Sheet, values: dict[str, Any]) -> None:
    _header(
        ws,
        sheet.columns,
        (
            "Nom du paramètre : ne pas modifier.",
            "Valeur du paramètre. Les paramètres en bleu foncé sont obligatoires.",
        ),
    )
    for r, parameter in enumerate(schema.PROMOTION_PARAMETERS, start=2):
        name = ws.cell(row=r, column=1, value=parameter.header)
        name.font = Font(bold=True, color="FFFFFF") if parameter.required else Font(bold=True)
        name.fill = _REQUIRED_FILL if parameter.required else _TABLE_FILL
        name.alignment = _TOP
        name.comment = _comment(_column_note(parameter))
        value = values.get(parameter.key)
        cell = ws.cell(row=r, column=2, value=value if value not in (None, "") else None)
        cell.alignment = _WRAP_TOP
        if parameter.kind == schema.LONGTEXT:
            ws.row_dimensions[r].height = 48
        elif parameter.key.endswith("telephone"):
            cell.number_format = TEXT_FORMAT
        elif parameter.kind == schema.DATE:
            cell.number_format = DATE_FORMAT
    ws.auto_filter.ref = f"A1:B{len(schema.PROMOTION_PARAMETERS) + 1}"


# --- drop-down lists ---------------------------------------------------------------------


def _list_formula(wb: Workbook, name: str, values: Sequence[str]) -> str:
    """A data-validation list source: inline when Excel allows it, else a hidden range."""
    inline = '"' + ",".join(values) + '"'
    if len(inline) <= 255 and not any("," in v or '"' in v for v in values):
        return inline
    if LISTS in wb.sheetnames:
        lists = wb[LISTS]
    else:
        lists = wb.create_sheet(LISTS)
        lists.sheet_state = "hidden"
    col = sum(1 for cell in lists[1] if cell.value is not None) + 1
    lists.cell(row=1, column=col, value=name)
    for r, value in enumerate(values, start=2):
        lists.cell(row=r, column=col, value=value)
    letter = get_column_letter(col)
    return f"{quote_sheetname(LISTS)}!${letter}$2:${letter}${len(values) + 1}"


def _validation(formula: str, *, strict: bool, title: str, prompt: str, error: str) -> DataValidation:
    return DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorStyle="stop" if strict else "warning",
        errorTitle=title[:32],
        error=error[:255],
        promptTitle=title[:32],
        prompt=prompt[:255],
    )


def _add_validations(wb: Workbook, ws: Worksheet, sheet: schema.Sheet) -> None:
    for c, column in enumerate(sheet.columns, start=1):
        dv = _column_validation(wb, sheet, column)
        if dv is None:
            continue
        letter = get_column_letter(c)
        dv.add(f"{letter}2:{letter}{LAST_ROW}")
        ws.add_data_validation(dv)


def _column_validation(wb: Workbook, sheet: schema.Sheet, column: schema.Column) -> DataValidation | None:
    if column.kind == schema.STATUT:
        return _validation(
            _list_formula(wb, column.header, list(schema.STATUTS.values())),
            strict=False,
            title="Statut",
            prompt="Choisissez le statut dans la liste. Un service civique compte comme un stage.",
            error="Statut inhabituel : choisissez Stage, Contrat d'apprentissage, Contrat de "
            "professionnalisation ou Situation d'emploi. Les variantes courantes (« contrat pro », "
            "« service civique »…) restent acceptées.",
        )
    if column.kind == schema.MISSION_TYPE:
        return _validation(
            _list_formula(wb, column.header, list(schema.MISSION_TYPES.values())),
            strict=False,
            title="Type de mission",
            prompt="Choisissez le type de mission dans la liste (facultatif).",
            error="Type de mission inhabituel : choisissez une valeur de la liste, ou « Autre ».",
        )
    if column.kind == schema.PERIODE:
        return _validation(
            _list_formula(wb, column.header, PERIODES),
            strict=True,
            title="Période",
            prompt="Numéro de la période d'alternance, de 1 à 6.",
            error="La période doit être un nombre entier de 1 à 6.",
        )
    if column.kind == schema.CIVILITE:
        return _validation(
            _list_formula(wb, column.header, list(schema.CIVILITES)),
            strict=False,
            title="Civilité",
            prompt="Madame ou Monsieur ; laissez vide pour les formules inclusives.",
            error="Choisissez Madame ou Monsieur, ou laissez la cellule vide.",
        )
    if column.kind == schema.PUBLIC:
        return _validation(
            _list_formula(wb, column.header, list(schema.PUBLICS.values())),
            strict=True,
            title="Public",
            prompt="À qui s'adresse l'événement : tous, stage ou formation continue (vide = tous).",
            error="Choisissez tous, stage ou formation continue.",
        )
    if sheet.key == schema.SOUTENANCES.key and column.key == "jury":
        jury_col = get_column_letter(schema.JURYS.columns.index(schema.JURYS.column("jury")) + 1)
        source = f"{quote_sheetname(schema.JURYS.name)}!${jury_col}$2:${jury_col}${LAST_ROW}"
        return _validation(
            source,
            strict=False,
            title="Jury",
            prompt=f"Choisissez un jury de la feuille {schema.JURYS.name}.",
            error=f"Ce jury n'existe pas dans la feuille {schema.JURYS.name} : ajoutez-le d'abord.",
        )
    return None


# --- Instructions ------------------------------------------------------------------------

_INSTRUCTION_WIDTHS = (24, 30, 13, 26, 60, 44)


def _write_instructions(ws: Worksheet) -> None:
    """The Instructions sheet: the text of `pipeline.instructions`, laid out."""
    for c, width in enumerate(_INSTRUCTION_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    _title(ws, 1, instructions.TITLE, size=14)
    row = 2
    for line in instructions.INTRO:
        ws.cell(row=row, column=1, value=line)
        row += 1
    for section in instructions.sections():
        row = _write_section(ws, row + 1, section)
    ws.sheet_view.showGridLines = False


def _write_section(ws: Worksheet, row: int, section: Section) -> int:
    """Title, header, rows and note of one table from `row` on; returns the first row after it."""
    _title(ws, row, section.title)
    row += 1
    _table_header(ws, row, section.header, merge_to=section.merge_to)
    for line in section.lines:
        row += 1
        _table_row(ws, row, line.values, merge_to=section.merge_to, bold=line.bold)
    if section.note:
        row += 1
        ws.cell(row=row, column=1, value=section.note)
    return row + 1


def _title(ws: Worksheet, row: int, text: str, size: int = 12) -> None:
    ws.cell(row=row, column=1, value=text).font = Font(bold=True, size=size, color="1F4E79")
    ws.row_dimensions[row].height = 2 * size


def _table_header(ws: Worksheet, row: int, labels: Sequence[str], *, merge_to: int = 0) -> None:
    for c, label in enumerate(labels, start=1):
        cell = ws.cell(row=row, column=c, value=label)
        cell.font = Font(bold=True)
        cell.fill = _TABLE_FILL
        cell.alignment = _HEADER_ALIGN
    if merge_to:
        ws.merge_cells(start_row=row, start_column=len(labels), end_row=row, end_column=merge_to)


def _table_row(ws: Worksheet, row: int, values: Sequence[Any], *, merge_to: int = 0, bold: int = 1) -> None:
    """One table row; the last value spans up to column `merge_to` when given; column `bold` in bold.

    The row height is set from the text length: spreadsheet programs do not
    always fit wrapped or merged cells by themselves.
    """
    lines = 1
    for c, value in enumerate(values, start=1):
        cell = ws.cell(row=row, column=c, value=value if value != "" else None)
        cell.alignment = _WRAP_TOP
        last = merge_to if merge_to and c == len(values) else c
        width = sum(_INSTRUCTION_WIDTHS[c - 1 : last])
        text = str(value or "")
        lines = max(lines, sum(max(1, -(-len(part) // max(width - 2, 1))) for part in text.split("\n")))
    if merge_to:
        ws.merge_cells(start_row=row, start_column=len(values), end_row=row, end_column=merge_to)
    ws.cell(row=row, column=1).font = Font(bold=True) if bold == 1 else Font()
    if bold > 1:
        ws.cell(row=row, column=bold).font = Font(bold=True)
    if lines > 1:
        ws.row_dimensions[row].height = 15 * lines + 2

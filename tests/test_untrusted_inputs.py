"""Workbooks and CSV files are untrusted: control characters, stray bytes, sizes."""

from __future__ import annotations

import shutil
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.report import WARNING
from pipeline.workbook.validate import check
from pipeline.workbook.xlsxsize import compact_copy

DATA = Path(__file__).resolve().parent / "data"
VALID = DATA / "workbooks" / "valid.xlsx"
KEYS = ["severity", "sheet", "row", "column", "code"]


def _student_cells(path: Path) -> tuple[openpyxl.Workbook, dict[str, int]]:
    wb = openpyxl.load_workbook(path)
    ws = wb["Étudiant·es"]
    headers = {cell.value: cell.column for cell in ws[1] if cell.value}
    return wb, headers


def test_control_characters_are_decoded_reported_and_removed(tmp_path: Path) -> None:
    wb, col = _student_cells(VALID)
    ws = wb["Étudiant·es"]
    numero = str(ws.cell(2, col["N° étudiant"]).value)
    ws.cell(2, col["Structure"]).value = "Maison_x000B_ de quartier"  # how Excel stores a vertical tab
    ws.cell(3, col["Nom"]).value = ws.cell(3, col["Nom"]).value + "\x7f\x85"
    ws.cell(4, col["Prénom"]).value = "Lé_xFFFE_a"
    ws.cell(5, col["Structure"]).value = "Centre social_x005F_x000B_"  # an escaped "_x": kept as typed
    wb["Soutenances"].cell(2, 1).value = None
    soutenances = wb["Soutenances"]
    numero_col = next(c.column for c in soutenances[1] if c.value and "tudiant" in str(c.value))
    soutenances.cell(2, numero_col).value = f"\u200b{numero}"  # pasted from a web page
    wb.save(tmp_path / "controles.xlsx")
    dataset, report = check(tmp_path / "controles.xlsx")
    found = [p for p in report.problems if p.code == "unwanted-characters"]
    assert [[p.severity, p.sheet, p.row, p.column, p.letter, p.value] for p in found] == [
        [WARNING, "Étudiant·es", 2, "Structure", "F", "Maison de quartier"],
        [WARNING, "Étudiant·es", 3, "Nom", "B", ws.cell(3, col["Nom"]).value[:-2]],
        [WARNING, "Étudiant·es", 4, "Prénom", "C", "Léa"],
        [WARNING, "Soutenances", 2, soutenances.cell(1, numero_col).value, found[3].letter, numero],
    ]
    assert "U+000B (tabulation verticale)" in found[0].message
    assert "U+007F (suppression), U+0085 (fin de ligne NEL)" in found[1].message
    assert "U+FFFE" in found[2].message
    assert "U+200B (espace sans chasse)" in found[3].message
    assert dataset is not None, report.errors  # the N° with a zero-width space is the same N°
    assert dataset.students[0].structure == "Maison de quartier"
    assert dataset.students[3].structure == "Centre social_x000B_"
    assert numero in {d.numero for d in dataset.defenses}


def _csv_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "csv"
    shutil.copytree(DATA / "csv" / "utf8-bom-pointvirgule", folder)
    return folder


def test_a_stray_byte_in_a_utf8_csv_is_located_not_a_missing_column(tmp_path: Path) -> None:
    folder = _csv_folder(tmp_path)
    path = folder / "Étudiant·es.csv"
    data = path.read_bytes()[3:]  # without BOM
    line2 = data.index(b"\n") + 1
    at = data.index(b"Unis-Cit", line2) + len("Unis-Cit")
    data = data[:at] + b"\xe9" + data[at + len("é".encode()):]  # « é » typed in a cp1252 program
    path.write_bytes(data)
    dataset, report = check(folder)
    assert report.flatten(KEYS) == [[WARNING, "Étudiant·es", 2, "", "csv-encoding"]]
    column = len(data[line2:at].decode()) + 1
    assert report.problems[0].message == (
        f"Étudiant·es.csv est lu comme UTF-8, mais l'octet 0xE9 ligne 2, colonne {column} n'est pas de l'UTF-8 : "
        "il a été lu en Windows-1252, comme « é ». Vérifiez la valeur, puis enregistrez le fichier en « CSV UTF-8 ».")
    assert dataset is not None and dataset.students[0].structure == "Unis-Cité Rennes"
    assert dataset.students[0].prenom == "Aïssatou"


def test_a_csv_wholly_in_cp1252_is_read_silently(tmp_path: Path) -> None:
    dataset, report = check(DATA / "csv" / "cp1252-pointvirgule")
    assert [p for p in report.problems if p.code == "csv-encoding"] == []
    assert dataset is not None and dataset.students[0].prenom == "Aïssatou"


# ---------------------------------------------------------------- sizes


def _sheet_part(path: Path, title: str) -> str:
    wb = openpyxl.load_workbook(path, read_only=True)
    return f"xl/worksheets/sheet{wb.sheetnames.index(title) + 1}.xml"


def _rewrite(source: Path, target: Path, part: str, edit) -> None:  # type: ignore[no-untyped-def]
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout:
        for item in zin.infolist():
            if item.filename == part:
                with zout.open(item.filename, "w", force_zip64=True) as fh:
                    edit(zin.read(item.filename), fh)
            else:
                zout.writestr(item, zin.read(item.filename))


@pytest.mark.slow
def test_a_million_formatted_empty_rows_check_in_seconds(tmp_path: Path) -> None:
    part = _sheet_part(VALID, "Étudiant·es")

    def formatted(xml: bytes, fh) -> None:  # type: ignore[no-untyped-def]
        head, tail = xml.split(b"</sheetData>")
        fh.write(head)
        for start in range(1000, 1_000_001, 10_000):
            fh.write(b"".join(b'<row r="%d" s="1" customFormat="1"><c r="A%d" s="1"/><c r="B%d" s="1"></c></row>'
                              % (n, n, n) for n in range(start, start + 10_000)))
        fh.write(b"</sheetData>" + tail)

    big = tmp_path / "formatee.xlsx"
    _rewrite(VALID, big, part, formatted)
    with zipfile.ZipFile(big) as archive:
        assert archive.getinfo(part).file_size > 60 * 2**20
    with zipfile.ZipFile(compact_copy(big)) as archive:  # what openpyxl reads: the empty rows are gone
        assert archive.getinfo(part).file_size < 64 * 2**10
    start = time.monotonic()
    dataset, report = check(big)
    elapsed = time.monotonic() - start
    assert dataset is not None and report.problems == []
    assert [s.numero for s in dataset.students] == [s.numero for s in check(VALID)[0].students]
    assert elapsed < 60, elapsed  # 94 s (and 2.8 GB) before on an idle machine; about 1.5 s now


def test_a_sheet_that_inflates_beyond_the_limit_is_refused_before_reading(tmp_path: Path) -> None:
    part = _sheet_part(VALID, "Jurys")

    def bomb(xml: bytes, fh) -> None:  # type: ignore[no-untyped-def]
        head, tail = xml.split(b"</sheetData>")
        fh.write(head)
        for _ in range(257):
            fh.write(b" " * 2**20)
        fh.write(b"</sheetData>" + tail)

    path = tmp_path / "bombe.xlsx"
    _rewrite(VALID, path, part, bomb)
    assert path.stat().st_size < 2 * 2**20
    result = CliRunner().invoke(cli, ["check", str(path)], obj={})
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"Erreur : Classeur trop volumineux : bombe.xlsx — la partie {part} occupe 257 Mo une fois décompressée "
        "(limite : 256 Mo par partie). Supprimez les lignes et colonnes inutiles (ou les mises en forme appliquées "
        "à des feuilles entières), puis enregistrez-le à nouveau.")


def test_only_numbered_empty_rows_and_cells_are_dropped() -> None:
    """A row or cell without its reference (r=) is placed by its rank: dropping one would move the others."""
    import io

    from pipeline.workbook.xlsxsize import _drop_empty

    def compact(xml: bytes) -> bytes:
        out = io.BytesIO()
        _drop_empty(xml, out)
        return out.getvalue()

    numbered = (b'<worksheet><sheetData><row r="1"><c s="1"/><c r="B1" s="2"/><c t="inlineStr"><is><t>a</t></is></c>'
                b'</row><row r="2" s="1"/><row r="3"><c r="A3" s="1"></c><c r="B3"><f>1+1</f></c></row>'
                b'<row r="4"><c r="A4" s="1"/></row></sheetData><rowBreaks/></worksheet>')
    assert compact(numbered) == (b'<worksheet><sheetData><row r="1"><c s="1"/><c t="inlineStr"><is><t>a</t></is>'
                                 b'</c></row><row r="3"><c r="B3"><f>1+1</f></c></row></sheetData><rowBreaks/>'
                                 b'</worksheet>')
    unnumbered = b'<worksheet><sheetData><row><c s="1"/></row><row><c><v>1</v></c></row></sheetData></worksheet>'
    assert compact(unnumbered) == unnumbered

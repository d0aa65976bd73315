"""Every kind of returned file back to answers: filled PDFs, Word forms, workbook forms, and the
exports of online forms. A file that cannot be trusted is rejected with one French reason.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.forms import guard, spec
from pipeline.forms.exports import map_headers
from pipeline.workbook.model import Dataset


@dataclass(frozen=True)
class Return:
    """One student's answers (for one period) as found in a returned file."""

    source: Path
    identity: spec.Identity
    answers: dict[str, Any]  # field key → value as found (text, number, date); empty ones left out
    where: str = ""  # « ligne 3 » in a workbook form or an export
    ignored: tuple[str, ...] = field(default=())  # export columns matched by no field
    warnings: tuple[str, ...] = field(default=())  # French: what was cleaned from the answers
    export: bool = False  # from an online form's export (CSV, xlsx): no identity to authenticate


class Rejected(guard.Refused):
    """Raised when a returned file cannot be read as a form; the message is the French reason."""


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_file(path: Path, ds: Dataset, max_bytes: int = guard.RETURN_MAX_MB * 2**20) -> list[Return]:
    """The returns of one file, checked before parsing, parsed in a capped child, then cleaned.

    Raises Rejected (or guard.Refused) with the French reason.
    """
    kind = guard.precheck(path, max_bytes)
    returns, _ = guard.isolated(parse_file, path, kind, ds)
    return [clean(r) for r in returns]


def parse_file(path: Path, kind: str, ds: Dataset) -> list[Return]:
    """The returns of a file of a known kind (see guard.precheck); no bound of its own."""
    if kind == guard.PDF:
        return [_read_pdf(path, ds)]
    if kind == guard.ZIP:
        try:
            names = set(zipfile.ZipFile(path).namelist())
        except (zipfile.BadZipFile, OSError) as exc:
            raise Rejected("fichier endommagé : l'archive Word ou Excel ne s'ouvre pas") from exc
        guard.check_no_dtd(path)
        if "word/document.xml" in names:
            return [_read_docx(path, ds)]
        if "xl/workbook.xml" in names:
            return _read_xlsx(path, ds)
        raise Rejected("ni un document Word ni un classeur Excel : ce n'est pas un formulaire")
    if kind == guard.OLE:
        raise Rejected("fichier Office chiffré (protégé par mot de passe) ou ancien format (.doc, .xls) : "
                       "demandez le fichier sans mot de passe, au format .docx, .xlsx ou .pdf")
    if path.suffix.lower() == ".csv":
        return _read_csv(path, ds)
    raise Rejected("ce n'est pas un formulaire (ni PDF, ni Word, ni Excel, ni export CSV)")


def clean(ret: Return) -> Return:
    """Control characters, non-characters and invisible marks removed from the answers, with a warning each."""
    from pipeline.workbook.reader import describe_characters, strip_unwanted

    answers: dict[str, Any] = {}
    warnings = list(ret.warnings)
    for key, value in ret.answers.items():
        if isinstance(value, str):
            value, removed = strip_unwanted(value)
            if removed:
                warnings.append(f"caractères retirés de la réponse « {key} » : {describe_characters(removed)}")
            if _blank(value):
                continue
        answers[key] = value
    i = ret.identity
    identity = spec.Identity(i.type, strip_unwanted(i.numero)[0].strip(), i.periode, i.annee, i.version, i.recipient, i.mac)
    return Return(ret.source, identity, answers, ret.where, ret.ignored, tuple(warnings), ret.export)


# --- PDF ------------------------------------------------------------------------------------


def _read_pdf(path: Path, ds: Dataset) -> Return:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    from pipeline.forms.pdf import INFO_KEY

    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise Rejected("PDF protégé par un mot de passe : demandez le formulaire sans mot de passe")
        fields = reader.get_fields() or {}
        info: Any = reader.metadata or {}
        raw = info.get(INFO_KEY)
        if raw is None and reader.xmp_metadata is not None:  # a tool that rewrote /Info kept the XMP
            raw = reader.xmp_metadata.dc_identifier
    except Rejected:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError, OSError) as exc:
        raise Rejected(f"PDF endommagé ({type(exc).__name__}) : demandez un nouvel envoi du formulaire") from exc
    except Exception as exc:  # pypdf raises still other kinds on hostile files (e.g. a missing decryption library)
        raise Rejected(f"PDF illisible ({type(exc).__name__}) : demandez un nouvel envoi du formulaire") from exc
    answers: dict[str, Any] = {}
    named: set[tuple[str, str, int | None]] = set()
    for name, value in fields.items():
        parsed = spec.parse_field_name(name)
        if parsed is None:
            continue
        named.add(parsed[:3])
        v = value.get("/V")
        if not _blank(v):
            answers[parsed[3]] = str(v)
    if not named:  # printed or flattened: read from the text copar drew
        from pipeline.forms.printed import WHERE, NotPrinted, read_printed

        try:
            return Return(path, *read_printed(path, ds), where=WHERE)
        except NotPrinted as exc:
            raise Rejected(str(exc)) from exc
    if len(named) > 1:
        raise Rejected("PDF mêlant les champs de plusieurs formulaires : renvoyez chaque formulaire séparément")
    form_type, numero, periode = named.pop()
    if raw is None:  # a viewer that drops custom document information: the field names still tell
        identity = spec.Identity(form_type, numero, periode, "", "")
    else:
        try:
            identity = spec.Identity.from_json(str(raw))
        except ValueError as exc:
            raise Rejected(f"identité du formulaire illisible ({exc})") from exc
        if (identity.type, identity.numero, identity.periode) != (form_type, numero, periode):
            raise Rejected("identité du document et noms des champs discordants : le formulaire a été modifié")
    return Return(path, identity, answers)


# --- Word -----------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _xml(data: bytes) -> Any:
    return guard.parse_xml(data)


def _text(elements: Any) -> str:
    parts = []
    for el in elements:
        parts.append(el.text or "" if el.tag == f"{_W}t" else ("\t" if el.tag == f"{_W}tab" else "\n"))
    return "".join(parts)


def _sdt_text(sdt: Any) -> str:
    content = sdt.find(f"{_W}sdtContent")
    if content is None:
        return ""
    paragraphs = content.findall(f".//{_W}p") or [content]
    return "\n".join(_text(p.iter(*_TEXT)) for p in paragraphs)


_TEXT = (f"{_W}t", f"{_W}br", f"{_W}tab", f"{_W}cr")
# the text Word puts back in a control emptied by its user, while it shows `w:showingPlcHdr`
_WORD_PLACEHOLDERS = ("Cliquez ou appuyez ici pour entrer du texte.", "Cliquez ici pour taper du texte.",
                      "Click or tap here to enter text.", "Click here to enter text.")
_HEADINGS = ("Heading", "Titre", "Title", "Subtitle", "Sous-titre")


def _answer_text(sdt: Any) -> str:
    """The control's text without the placeholder, with what was typed beside it: before or after it in
    its paragraph, and in the paragraphs that follow until the next heading or control.

    LibreOffice 7.4 keeps `w:showingPlcHdr` after a person typed over the placeholder, so the flag says
    nothing: the placeholder's own words are removed wherever they remain.
    """
    from pipeline.forms.word import PLACEHOLDER

    inner = _sdt_text(sdt).replace(PLACEHOLDER, "")
    if sdt.find(f"{_W}sdtPr/{_W}showingPlcHdr") is not None and inner.strip() in _WORD_PLACEHOLDERS:
        inner = ""
    paragraph = sdt.getparent()
    if paragraph is None or paragraph.tag != f"{_W}p":
        return inner
    inside = set(sdt.iter())
    before: list[Any] = []
    after: list[Any] = []
    side = before
    for el in paragraph.iter():
        if el is sdt:
            side = after
        elif el not in inside and el.tag in _TEXT:
            side.append(el)
    lines = [_text(before) + inner + _text(after)]
    following = paragraph.getnext()
    while following is not None and following.tag == f"{_W}p" and following.find(f".//{_W}sdt") is None:
        style = following.find(f"{_W}pPr/{_W}pStyle")
        if style is not None and style.get(f"{_W}val", "").startswith(_HEADINGS):
            break
        lines.append(_text(following.iter(*_TEXT)))
        following = following.getnext()
    return "\n".join(lines).replace(PLACEHOLDER, "")


def _read_docx(path: Path, ds: Dataset) -> Return:
    from pipeline.forms.word import PROPERTY

    try:
        with zipfile.ZipFile(path) as zf:
            document = _xml(zf.read("word/document.xml"))
            custom = _xml(zf.read("docProps/custom.xml")) if "docProps/custom.xml" in zf.namelist() else None
    except guard.Refused:
        raise
    except Exception as exc:  # zip or XML errors of many kinds
        raise Rejected(f"document Word endommagé ({type(exc).__name__})") from exc
    identity = None
    if custom is not None:
        for prop in custom:
            if prop.get("name") == PROPERTY and len(prop):
                try:
                    identity = spec.Identity.from_json(prop[0].text or "")
                except ValueError as exc:
                    raise Rejected(f"identité du formulaire illisible ({exc})") from exc
    sdts = [s for s in document.iter(f"{_W}sdt") if s.find(f".//{_W}sdt") is None]
    tags = [spec.parse_field_name(t.get(f"{_W}val", "")) if (t := s.find(f"{_W}sdtPr/{_W}tag")) is not None else None
            for s in sdts]
    if identity is None:
        named = {t[:3] for t in tags if t}
        if len(named) != 1:
            raise Rejected("document Word sans identité copar : ce n'est pas un formulaire produit par « copar forms »")
        form_type, numero, periode = named.pop()
        identity = spec.Identity(form_type, numero, periode, "", "")
    answers: dict[str, Any] = {}
    if any(tags):
        for sdt, tag in zip(sdts, tags, strict=True):
            if tag and (tag[0], tag[1], tag[2]) == (identity.type, identity.numero, identity.periode):
                answers[tag[3]] = _answer_text(sdt)
    else:  # re-saved by LibreOffice, which drops the tags but keeps the controls in order
        keys = [f.key for f in spec.fields(identity.type, ds)]
        if len(sdts) != len(keys):
            raise Rejected(f"document Word dont les champs ne correspondent plus au formulaire ({len(sdts)} "
                           f"champs au lieu de {len(keys)}) : des champs ont été supprimés ou ajoutés")
        answers = {key: _answer_text(sdt) for key, sdt in zip(keys, sdts, strict=True)}
    return Return(path, identity, {k: v for k, v in answers.items() if not _blank(v)})


# --- Excel and CSV --------------------------------------------------------------------------


def _read_xlsx(path: Path, ds: Dataset) -> list[Return]:
    from openpyxl import load_workbook

    from pipeline.forms.sheet import read_rows

    try:
        wb = load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise Rejected(f"classeur endommagé ({type(exc).__name__})") from exc
    try:
        rows = read_rows(wb)
    except ValueError as exc:
        if str(exc).startswith("ligne"):
            raise Rejected(f"classeur-formulaire modifié : {exc}") from exc
        raise Rejected("classeur-formulaire modifié : l'identité d'une ligne (feuille cachée) n'est plus lisible, "
                       "par exemple une période qui n'est pas un nombre ; renvoyez le classeur produit par "
                       "« copar forms »") from exc
    except TypeError as exc:
        raise Rejected("classeur-formulaire modifié : l'identité d'une ligne (feuille cachée) n'est plus lisible, "
                       "par exemple une date à la place de la période ; renvoyez le classeur produit par "
                       "« copar forms »") from exc
    if rows is not None:
        return [Return(path, identity, {k: v for k, v in answers.items() if not _blank(v)}, f"ligne {r}")
                for r, identity, answers in rows]
    ws = wb.worksheets[0]
    table = [list(row) for row in ws.iter_rows(values_only=True)]
    return _export(path, table, ds)


def _read_csv(path: Path, ds: Dataset) -> list[Return]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "utf-16", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise Rejected("fichier CSV dans un encodage inconnu : exportez-le en UTF-8")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return _export(path, [list(r) for r in csv.reader(io.StringIO(text), dialect)], ds)


def _export(path: Path, table: list[list[Any]], ds: Dataset) -> list[Return]:
    if not table:
        raise Rejected("fichier vide")
    mapping = map_headers(table[0], ds)
    if mapping is None:
        raise Rejected("ni formulaire copar ni export de formulaire en ligne reconnu : il faut une colonne "
                       "« N° étudiant » et au moins une question du formulaire (voir le guide, formulaires en ligne)")
    from pipeline.workbook import parse

    returns = []
    for n, row in enumerate(table[1:], start=2):
        cells = row + [None] * (len(table[0]) - len(row))
        if all(_blank(c) for c in cells):
            continue
        numero = parse.identifier(cells[mapping.numero]) if not _blank(cells[mapping.numero]) else ""
        periode = None
        if mapping.periode is not None and not _blank(cells[mapping.periode]):
            try:
                periode = parse.parse_int(cells[mapping.periode])
            except ValueError:
                periode = -1  # reported by the checks as a period out of range
        answers = {key: cells[i] for i, key in mapping.columns.items() if not _blank(cells[i])}
        identity = spec.Identity(mapping.form_type, numero, periode, "", "")
        returns.append(Return(path, identity, answers, f"ligne {n}", mapping.ignored, export=True))
    return returns

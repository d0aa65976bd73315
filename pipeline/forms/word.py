"""The Word form: the matching document's template (house style, header, footer), a body of
content controls.

Each answer is one inline rich-text `w:sdt` in a paragraph of its own, tagged with the field's
name (`copar__bilan__22004512__2__activites`, as in the PDF) and surrounded by an editable range
(`w:permStart`/`w:permEnd`). An empty control shows a placeholder (`w:showingPlcHdr`, « Cliquez
ici pour écrire… »): a click in Word or LibreOffice Writer lands inside it and selects it, typing
replaces it (a zero-width control put the cursor outside, and the typing was lost). The document
is protected for « filling in forms » (`w:edit="forms"`): Word and LibreOffice 7.4 both accept
typing only in the controls (`readOnly` opened read-only in LibreOffice, and « Modifier le
document » then unlocked everything). The identity is a custom document property, never the
visible table. LibreOffice 7.4 keeps the controls, their order, the line breaks (Maj+Entrée),
the protection and the custom properties when it saves the file, but drops the tags and keeps
`w:showingPlcHdr` after a person typed over the placeholder: `read` maps the controls by order,
checked against the form's field count, removes the placeholder's words wherever they remain and
adds what was typed beside a control (before or after it in its paragraph, or in paragraphs added
under it), so nothing typed is dropped.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from pipeline.forms import spec
from pipeline.forms.content import Form

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CUSTOM_PART = "/docProps/custom.xml"
CUSTOM_TYPE = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
CUSTOM_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
PROPERTY = spec.MARKER
# what an empty answer shows (`w:showingPlcHdr`): a click selects it, typing replaces it; never read back
PLACEHOLDER = "Cliquez ici pour écrire…"
PLACEHOLDER_COLOR = "767676"
TEMPLATES = {spec.BILAN: "bilan.docx", spec.COMPTE_RENDU: "compte_rendu.docx", spec.GRILLE: "grille.docx"}


def _base(form: Form, common: dict[str, Any], templates: Path | None) -> Any:
    """The family's template with an empty body, header and footer rendered (programme, date)."""
    import docx
    from docxtpl import DocxTemplate

    from pipeline.documents.render import environment, find_template

    document = docx.Document(str(find_template(TEMPLATES[form.identity.type], templates)))
    body = document.element.body
    for child in list(body):
        if not child.tag.endswith("}sectPr"):
            body.remove(child)
    empty = io.BytesIO()
    document.save(empty)
    empty.seek(0)
    template = DocxTemplate(empty)
    template.render(common, jinja_env=environment(), autoescape=True)
    rendered = io.BytesIO()
    template.save(rendered)
    rendered.seek(0)
    return docx.Document(rendered)


def docx_bytes(form: Form, common: dict[str, Any], templates: Path | None = None) -> bytes:
    document = _base(form, common, templates)
    document.add_paragraph(form.title, style="Title")
    document.add_paragraph(form.subtitle, style="Subtitle")
    _note(document, "Cliquez dans chaque case grisée (« Cliquez ici pour écrire… ») et écrivez ; Maj+Entrée pour "
                    "aller à la ligne. Enregistrez le document au format Word (.docx) et renvoyez-le : le reste du "
                    "document est protégé.")
    table = document.add_table(rows=0, cols=2)
    _table_style(document, table)
    from docx.shared import Cm

    table.autofit = False
    for column, width in zip(table.columns, (4.6, 12.4), strict=True):
        column.width = Cm(width)
    for label, value in form.block:
        cells = table.add_row().cells
        cells[0].text = ""
        cells[0].paragraphs[0].add_run(label).bold = True
        _set_text(cells[1].paragraphs[0], value)
        for cell, width in zip(cells, (4.6, 12.4), strict=True):  # the house templates' label/value widths
            cell.width = Cm(width)
    for n, f in enumerate(form.fields, start=1):
        heading = f.label + (f" ({f.help})" if f.help and f.kind != spec.LONGTEXT else "")
        if f.section:
            heading = f"{f.section} — {f.label} (sur {f.maximum:g})"
        document.add_paragraph(heading, style="Heading 2")
        if f.help and f.kind == spec.LONGTEXT:
            _note(document, f.help)
        _control(document.add_paragraph(), spec.field_name(form.identity, f.key), f.label, form.values.get(f.key, ""), n)
    _protect(document)
    props = document.core_properties  # the templates' « copar »: the form speaks for the programme, not the tool
    props.author, props.last_modified_by, props.keywords = form.header[0], "", ""
    out = io.BytesIO()
    document.save(out)
    return _with_custom_property(out.getvalue(), PROPERTY, form.identity.to_json())


def write_docx(form: Form, out: Path, common: dict[str, Any], templates: Path | None = None) -> None:
    from pipeline.files import write_bytes_atomically

    write_bytes_atomically(out, docx_bytes(form, common, templates))


def _note(document: Any, text: str) -> None:
    style = "Consigne" if "Consigne" in [s.name for s in document.styles] else None
    document.add_paragraph(text, style=style)


def _table_style(document: Any, table: Any) -> None:
    names = [s.name for s in document.styles]
    table.style = "Tableau copar" if "Tableau copar" in names else "Table Grid"


def _set_text(paragraph: Any, text: str) -> None:
    for i, line in enumerate(text.split("\n")):
        run = paragraph.add_run(line)
        if i:
            run._r.insert(0, run._r.makeelement(f"{{{W}}}br", {}))


def _el(tag: str, **attrs: str) -> Any:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    element = OxmlElement(tag)
    for key, value in attrs.items():
        element.set(qn(f"w:{key}"), value)
    return element


def _control(paragraph: Any, tag: str, alias: str, value: str, n: int) -> None:
    """An editable range holding one inline rich-text content control, shaded like a form box.

    Not a plain-text control (`w:text`): LibreOffice 7.4 drops the line breaks typed in those.
    """
    p = paragraph._p
    ppr = p.get_or_add_pPr()
    ppr.append(_el("w:shd", val="clear", color="auto", fill="F2F4F8"))
    p.append(_el("w:permStart", id=str(n), edGrp="everyone"))
    sdt = _el("w:sdt")
    props = _el("w:sdtPr")
    props.append(_el("w:alias", val=alias[:250]))
    props.append(_el("w:tag", val=tag))
    props.append(_el("w:id", val=str(100 + n)))
    props.append(_el("w:lock", val="sdtLocked"))
    if not value:
        props.append(_el("w:showingPlcHdr"))
    sdt.append(props)
    content = _el("w:sdtContent")
    for i, line in enumerate(value.split("\n") if value else [PLACEHOLDER]):
        r = _el("w:r")
        if not value:
            rpr = _el("w:rPr")
            rpr.append(_el("w:color", val=PLACEHOLDER_COLOR))
            r.append(rpr)
        if i:
            r.append(_el("w:br"))
        t = _el("w:t")
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        t.text = line
        r.append(t)
        content.append(r)
    sdt.append(content)
    p.append(sdt)
    p.append(_el("w:permEnd", id=str(n)))


def _protect(document: Any) -> None:
    """« Filling in forms » protection: Word and LibreOffice 7.4 both let a person type only in the
    content controls. (`readOnly` with editable ranges opens read-only in LibreOffice, and its
    « Modifier le document » then unlocks everything, the identity table included.)"""
    settings = document.settings.element
    settings.append(_el("w:documentProtection", edit="forms", enforcement="1"))


def _with_custom_property(data: bytes, name: str, value: str) -> bytes:
    """Add docProps/custom.xml with one string property (python-docx has no API for it)."""
    import zipfile
    from xml.sax.saxutils import escape, quoteattr

    xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
           'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
           f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="2" name={quoteattr(name)}>'
           f"<vt:lpwstr>{escape(value)}</vt:lpwstr></property></Properties>")
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            blob = source.read(item.filename)
            if item.filename == "[Content_Types].xml" and b"custom-properties+xml" not in blob:
                blob = blob.replace(b"</Types>", f'<Override PartName="{CUSTOM_PART}" ContentType="{CUSTOM_TYPE}"/></Types>'.encode())
            elif item.filename == "_rels/.rels" and b"custom-properties" not in blob:
                blob = blob.replace(b"</Relationships>", f'<Relationship Id="rIdCopar1" Type="{CUSTOM_REL}" '
                                    f'Target="docProps/custom.xml"/></Relationships>'.encode())
            elif item.filename == "docProps/custom.xml":
                continue
            target.writestr(item, blob)
        target.writestr(zipfile.ZipInfo("docProps/custom.xml", date_time=dt.datetime(2024, 1, 1).timetuple()[:6]), xml)
    return out.getvalue()

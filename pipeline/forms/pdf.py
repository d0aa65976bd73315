"""The fillable PDF form: drawn with ReportLab in the house style, fields as real AcroForm widgets.

Why not LibreOffice: its PDF export (7.4, Debian 12) turns neither Word content controls nor
legacy form fields into PDF fields. So the page is drawn here — Carlito, the programme in the
header, « Page X sur Y » in the footer, the label fills of the Word templates — and pypdf then
adds what ReportLab cannot: the identity (document info `/CoparFormulaire` and XMP
`dc:identifier`, also carried by every field name), number formats and ranges (`AFNumber_*`, `AFRange_Validate`: a note cannot
exceed its criterion's points), a date format, Unicode tooltips and values (UTF-16), and the XMP
stream's type. A pre-filled answer's appearance is drawn here too, in Carlito (Symbola for emoji)
at the largest size that shows it whole, so `/NeedAppearances` is off: a viewer that redrew on
opening would use its own Latin-1 Helvetica (« ? » for an emoji). Viewers redraw a field once
someone types in it. No `/MaxLen`: long answers wrap and scroll. No radio buttons: Preview on
macOS loses them.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline.forms import spec
from pipeline.forms.appearance import draw_value, fix_to_unicode, unicode_text
from pipeline.forms.content import Form
from pipeline.pdf.fonts import house_fonts as _fonts

PAGE_W, PAGE_H = 595.28, 841.89
CM = 28.3465
LEFT, RIGHT, TOP, BOTTOM = 2.0 * CM, PAGE_W - 2.0 * CM, PAGE_H - 2.5 * CM, 2.2 * CM
WIDTH = RIGHT - LEFT
BLUE, GREY, BORDER = "#1F3864", "#595959", "#8C9BB5"
LABEL_FILL, HEAD_FILL, FIELD_FILL = "#E8EDF5", "#D6DFEE", "#F7F9FD"
BODY = 10.5
LONG_HEIGHT = {spec.BILAN: 5.2 * CM, spec.COMPTE_RENDU: 4.4 * CM, spec.GRILLE: 4.0 * CM}
INFO_KEY = "/CoparFormulaire"


@dataclass
class _Block:
    height: float
    draw: Callable[[object, float], None]  # (canvas, y of the block's top)
    keep_with_next: bool = False


def write_pdf(form: Form, out: Path) -> None:
    """Write `form` as a fillable PDF at `out` (atomically)."""
    from pipeline.files import write_bytes_atomically

    write_bytes_atomically(out, pdf_bytes(form))


def pdf_bytes(form: Form) -> bytes:
    blocks = _blocks(form)
    pages = _paginate(blocks)
    raw = _draw(form, blocks, pages)
    return _finish(form, raw)


# --- layout ---------------------------------------------------------------------------------


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    from reportlab.lib.utils import simpleSplit

    lines: list[str] = []
    for part in text.split("\n"):
        lines.extend(simpleSplit(part, font, size, width) or [""])
    return lines


def _blocks(form: Form) -> list[_Block]:
    regular, bold, italic = _fonts()
    blocks = [_text_block(form.title, bold, 20, BLUE, after=4),
              _text_block(form.subtitle, regular, 13, BLUE, after=8),
              _text_block("Remplissez les cases sur fond bleuté, enregistrez le fichier (Fichier > Enregistrer) et "
                          "renvoyez-le tel quel : son nom peut changer, nous le reconnaîtrons. Le cadre d'identité "
                          "n'est pas modifiable.", italic, 9.5, GREY, after=8)]
    label_w = 4.6 * CM
    for label, value in form.block:
        blocks.append(_row_block(label, value, label_w))
    blocks.append(_Block(10, lambda c, y: None))
    section = None
    for f in form.fields:
        if f.kind == spec.NUMBER and f.section and f.section != section:
            section = f.section
            blocks.append(_criteria_head(section))
        blocks.append(_field_block(form, f, label_w))
    return blocks


def _text_block(text: str, font: str, size: float, color: str, after: float = 4) -> _Block:
    lines = _wrap(text, font, size, WIDTH)
    lead = size * 1.2

    def draw(c, y: float) -> None:
        c.setFont(font, size)
        c.setFillColor(color)
        for i, line in enumerate(lines):
            c.drawString(LEFT, y - size - i * lead, line)

    return _Block(len(lines) * lead + after, draw)


def _cell(c, x: float, y: float, w: float, h: float, fill: str | None) -> None:
    c.setStrokeColor(BORDER)
    c.setLineWidth(0.5)
    if fill:
        c.setFillColor(fill)
    c.rect(x, y - h, w, h, stroke=1, fill=1 if fill else 0)


def _lines_in(c, lines: list[str], font: str, size: float, color: str, x: float, y: float) -> None:
    c.setFont(font, size)
    c.setFillColor(color)
    for i, line in enumerate(lines):
        c.drawString(x, y - 4 - size - i * size * 1.2, line)


def _row_block(label: str, value: str, label_w: float) -> _Block:
    regular, bold, _ = _fonts()
    left = _wrap(label, bold, BODY, label_w - 8)
    right = _wrap(value, regular, BODY, WIDTH - label_w - 8)
    h = max(len(left), len(right)) * BODY * 1.2 + 9

    def draw(c, y: float) -> None:
        _cell(c, LEFT, y, label_w, h, LABEL_FILL)
        _cell(c, LEFT + label_w, y, WIDTH - label_w, h, "#FFFFFF")
        _lines_in(c, left, bold, BODY, "#000000", LEFT + 4, y)
        _lines_in(c, right, regular, BODY, "#000000", LEFT + label_w + 4, y)

    return _Block(h, draw)


NOTE_W, POINTS_W = 2.2 * CM, 1.8 * CM


def _criteria_head(section: str) -> _Block:
    _, bold, _ = _fonts()
    h = 18.0

    def draw(c, y: float) -> None:
        text_w = WIDTH - NOTE_W - POINTS_W
        for x, w, text in ((LEFT, text_w, section), (LEFT + text_w, POINTS_W, "Points"),
                           (LEFT + text_w + POINTS_W, NOTE_W, "Note")):
            _cell(c, x, y, w, h, HEAD_FILL)
            _lines_in(c, [text], bold, BODY, BLUE, x + 4, y - 0.5)

    return _Block(h, draw, keep_with_next=True)


def _field_block(form: Form, f: spec.Field, label_w: float) -> _Block:
    regular, bold, italic = _fonts()
    value = form.values.get(f.key, "")
    name = spec.field_name(form.identity, f.key)
    if f.kind == spec.LONGTEXT:
        head = _wrap(f.label, bold, BODY, WIDTH - 8)
        helps = _wrap(f.help, italic, 9, WIDTH - 8) if f.help else []
        head_h = len(head) * BODY * 1.2 + len(helps) * 9 * 1.2 + 9
        box_h = LONG_HEIGHT[form.identity.type]

        def draw_long(c, y: float) -> None:
            _cell(c, LEFT, y, WIDTH, head_h, HEAD_FILL)
            _lines_in(c, head, bold, BODY, BLUE, LEFT + 4, y)
            _lines_in(c, helps, italic, 9, GREY, LEFT + 4, y - len(head) * BODY * 1.2)
            _widget(c, name, f, value, LEFT, y - head_h - box_h, WIDTH, box_h)

        return _Block(head_h + box_h + 6, draw_long)
    if f.section:  # a criterion of the grille
        text_w = WIDTH - NOTE_W - POINTS_W
        lines = _wrap(f.label, regular, BODY, text_w - 8)
        h = max(len(lines) * BODY * 1.2 + 9, 20)

        def draw_criterion(c, y: float) -> None:
            _cell(c, LEFT, y, text_w, h, "#FFFFFF")
            _cell(c, LEFT + text_w, y, POINTS_W, h, LABEL_FILL)
            _cell(c, LEFT + text_w + POINTS_W, y, NOTE_W, h, "#FFFFFF")
            _lines_in(c, lines, regular, BODY, "#000000", LEFT + 4, y)
            _lines_in(c, [f"{f.maximum:g}".replace(".", ",")], bold, BODY, "#000000", LEFT + text_w + 4, y)
            _widget(c, name, f, value, LEFT + text_w + POINTS_W + 2, y - h + 2, NOTE_W - 4, h - 4)

        return _Block(h, draw_criterion)
    label = f.label + (f" ({f.help})" if f.help else "")
    lines = _wrap(label, bold, BODY, label_w - 8)
    h = max(len(lines) * BODY * 1.2 + 9, 22)
    field_w = 4.0 * CM

    def draw_short(c, y: float) -> None:
        _cell(c, LEFT, y, label_w, h, LABEL_FILL)
        _lines_in(c, lines, bold, BODY, "#000000", LEFT + 4, y)
        _widget(c, name, f, value, LEFT + label_w + 2, y - h + 2, field_w, h - 4)

    return _Block(h + (4 if not f.key.startswith(spec.NOTE_PREFIX) else 0), draw_short)


def _widget(c, name: str, f: spec.Field, value: str, x: float, y: float, w: float, h: float) -> None:
    from reportlab.lib.colors import HexColor
    from reportlab.pdfbase.pdfdoc import PDFDictionary, PDFObjectReference, xObjectName

    # no length limit (reportlab's default /MaxLen 100 cut what tutors type); the tooltip and the value
    # are written again as Unicode by _finish, and the appearance is drawn here with the house font
    multiline = f.kind == spec.LONGTEXT
    c.acroForm.textfield(
        name=name, tooltip=_latin1(f.label[:200]), value=_latin1(value), x=x, y=y, width=w, height=h,
        fontName="Helvetica", fontSize=10, borderWidth=0.6, borderColor=HexColor(BORDER),
        fillColor=HexColor(FIELD_FILL), textColor=HexColor("#000000"), forceBorder=True,
        fieldFlags="multiline" if multiline else "", maxlen=None,
    )
    if value:
        form = f"ap{len(c.acroForm.fields)}"
        c.beginForm(form, 0, 0, w, h)
        draw_value(c, value, w, h, multiline, _fonts()[0], FIELD_FILL, BORDER)
        c.endForm()
        annot = c._doc.idToObject[c.acroForm.fields[-1].name]
        annot.dict["AP"] = PDFDictionary({"N": PDFObjectReference(xObjectName(form))})


def _latin1(text: str) -> str:
    return "".join(ch if ord(ch) < 256 else "?" for ch in text)


def _paginate(blocks: list[_Block]) -> list[list[_Block]]:
    pages: list[list[_Block]] = [[]]
    room = TOP - BOTTOM
    for i, block in enumerate(blocks):
        need = block.height + (blocks[i + 1].height if block.keep_with_next and i + 1 < len(blocks) else 0)
        if need > room and pages[-1]:
            pages.append([])
            room = TOP - BOTTOM
        pages[-1].append(block)
        room -= block.height
    return pages


def _draw(form: Form, blocks: list[_Block], pages: list[list[_Block]]) -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    regular, _, _ = _fonts()
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=(PAGE_W, PAGE_H), pageCompression=1, invariant=1)  # same form, same bytes
    c.setTitle(f"{form.title} — {form.student.nom_complet if form.student else ''}")
    c.setAuthor(form.header[0])
    c.setSubject(form.subtitle)
    for n, page in enumerate(pages, start=1):
        c.setFillColor(GREY)
        c.setFont(regular, 8.5)
        c.drawRightString(RIGHT, PAGE_H - 1.6 * CM, form.header[1])
        room = WIDTH - c.stringWidth(form.header[1], regular, 8.5) - 12
        size = 8.5
        while size > 5 and c.stringWidth(form.header[0], regular, size) > room:
            size -= 0.25
        c.setFont(regular, size)
        c.drawString(LEFT, PAGE_H - 1.6 * CM, form.header[0])
        c.setStrokeColor(GREY)
        c.setLineWidth(0.5)
        c.line(LEFT, PAGE_H - 1.75 * CM, RIGHT, PAGE_H - 1.75 * CM)
        c.line(LEFT, 1.55 * CM, RIGHT, 1.55 * CM)
        c.setFillColor(GREY)
        c.drawString(LEFT, 1.15 * CM, "Formulaire à renvoyer rempli à l'équipe pédagogique")
        c.drawRightString(RIGHT, 1.15 * CM, f"Page {n} sur {len(pages)}")
        c.setFont(regular, 6.5)  # read back from the text of a printed form (pipeline/forms/printed.py)
        c.drawString(LEFT, 0.8 * CM, identity_line(form.identity))
        y = TOP
        for block in page:
            block.draw(c, y)
            y -= block.height
        c.showPage()
    c.save()
    return buffer.getvalue()


def identity_line(identity: spec.Identity) -> str:
    """The identity as printed in every page's footer: « réf. bilan · n° 22004512 · période 4 · … »."""
    return (f"réf. {identity.type} · n° {identity.numero} · période {identity.periode or 0} · "
            f"promotion {identity.annee} · version {identity.version}")


def _js(code: str):
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    return DictionaryObject({NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject(code)})


def _finish(form: Form, raw: bytes) -> bytes:
    """Identity, formats and ranges, NeedAppearances: what ReportLab does not write."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import BooleanObject, DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(raw)))
    kinds = {spec.field_name(form.identity, f.key): f for f in form.fields}
    values = {spec.field_name(form.identity, k): v for k, v in form.values.items() if v}
    for page in writer.pages:
        for annot in page.get("/Annots", []) or []:
            widget = annot.get_object()
            name = str(widget.get("/T", ""))
            f = kinds.get(name)
            if f is None:
                continue
            widget.pop(NameObject("/MaxLen"), None)
            widget[NameObject("/TU")] = unicode_text(f.label)
            if name in values:  # reportlab wrote them in Latin-1 (« ? » for the rest)
                widget[NameObject("/V")] = unicode_text(values[name])
                widget[NameObject("/DV")] = unicode_text(values[name])
            if f.kind == spec.LONGTEXT:  # auto size: a viewer that redraws shrinks a long answer to fit
                widget[NameObject("/DA")] = TextStringObject("/Helv 0 Tf 0 g")
            actions = DictionaryObject()
            if f.kind == spec.NUMBER:
                actions[NameObject("/K")] = _js("AFNumber_Keystroke(2, 3, 0, 0, \"\", true);")
                actions[NameObject("/F")] = _js("AFNumber_Format(2, 3, 0, 0, \"\", true);")
                actions[NameObject("/V")] = _js(f"AFRange_Validate(true, 0, true, {f.maximum:g});")
            elif f.kind == spec.DATE:
                actions[NameObject("/K")] = _js("AFDate_KeystrokeEx(\"dd/mm/yyyy\");")
                actions[NameObject("/F")] = _js("AFDate_FormatEx(\"dd/mm/yyyy\");")
            if actions:
                widget[NameObject("/AA")] = actions
    fix_to_unicode(writer)
    acroform = writer._root_object["/AcroForm"].get_object()
    assert isinstance(acroform, DictionaryObject)
    acroform[NameObject("/NeedAppearances")] = BooleanObject(False)  # ours are right: keep Carlito and emoji
    writer.add_metadata({INFO_KEY: form.identity.to_json(), "/Keywords": f"formulaire {form.identity.type}",
                         "/Creator": "", "/Producer": ""})
    from pypdf.xmp import XmpInformation

    xmp = XmpInformation.create()  # the same identity in XMP (dc:identifier), for tools that rewrite /Info
    xmp.dc_identifier = form.identity.to_json()
    writer.xmp_metadata = xmp
    metadata = writer.root_object["/Metadata"].get_object()
    assert isinstance(metadata, DictionaryObject)
    metadata.update({NameObject("/Type"): NameObject("/Metadata"), NameObject("/Subtype"): NameObject("/XML")})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()

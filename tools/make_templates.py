"""Write the default Word templates of copar into templates_docx/.

Run from the repository root:

    .venv/bin/python tools/make_templates.py [OUTPUT_DIR]

Every template gets the same house style (``apply_house_style``): A4, Carlito in
every font slot, French language, sober dark-blue headings, a header with the
programme and a footer with "Page X sur Y" fields and, on internal documents (not on the letters
that go out of the university), the generation date.

Jinja tags (docxtpl syntax) are always written as one run of their own, so that
no tag is ever split across runs. The variables used are exactly those listed in
docs/template-context.md.

This file is the source of the default templates: templates_docx/*.docx are its output, byte for
byte (fixed zip times and core property dates), and a test fails when they differ. Change a
template here, regenerate, then regenerate the previews (tools/make_previews.py) and commit all
three together; an edit made to templates_docx/*.docx in Word would be lost at the next run.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import sys
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "templates_docx"
TEMPLATE_DATE = dt.datetime(2023, 9, 1)  # core properties "created" and "modified" of every template
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry

# --- house style constants --------------------------------------------------------

FONT = "Carlito"
LANG = "fr-FR"
BLUE = "1F3864"  # headings
GREY = "595959"  # guidance text, header, footer
BORDER = "8C9BB5"  # thin table borders
RULE = "A6A6A6"  # dotted writing lines
LABEL_FILL = "E8EDF5"  # label cells
HEAD_FILL = "D6DFEE"  # header rows
GROUP_FILL = "F2F4F8"  # group rows (émargement)
BODY_PT = 10.5
TABLE_STYLE = "Tableau copar"

PORTRAIT = {"width": 21.0, "height": 29.7}
MARGINS = {"top": 2.5, "bottom": 2.2, "left": 2.0, "right": 2.0, "header": 1.0, "footer": 1.0}


def usable_width(landscape: bool = False) -> float:
    page = PORTRAIT["height"] if landscape else PORTRAIT["width"]
    return round(page - MARGINS["left"] - MARGINS["right"], 2)


# --- tiny Jinja helpers (each returns ONE tag, written as one run) -------------------


def V(expr: str) -> str:
    return "{{ " + expr + " }}"


def T(stmt: str) -> str:
    return "{% " + stmt + " %}"


# --- low-level XML helpers ------------------------------------------------------------


def _child(parent, tag: str):
    """Get or create the child `tag` of `parent` (appended at the end)."""
    found = parent.find(qn(tag))
    if found is None:
        found = OxmlElement(tag)
        parent.append(found)
    return found


def _border(tag: str, val: str = "single", sz: int = 4, color: str = BORDER) -> OxmlElement:
    el = OxmlElement(tag)
    el.set(qn("w:val"), val)
    el.set(qn("w:sz"), str(sz))
    el.set(qn("w:space"), "0")
    el.set(qn("w:color"), color if val not in ("nil", "none") else "auto")
    return el


def set_rfonts(rpr, font: str = FONT) -> None:
    """Carlito in the four font slots, no theme font that could override it."""
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in list(rfonts.attrib):
        if attr.endswith("Theme") or attr.endswith("theme") or attr.endswith("}hint"):
            del rfonts.attrib[attr]
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(slot), font)


def _insert_tcpr(tcpr, el, successors) -> None:
    """Insert `el` in tcPr before the first present successor (schema order matters to Word)."""
    for tag in successors:
        nxt = tcpr.find(qn(tag))
        if nxt is not None:
            nxt.addprevious(el)
            return
    tcpr.append(el)


def shade(cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    old = tcpr.find(qn("w:shd"))
    if old is not None:
        tcpr.remove(old)
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    _insert_tcpr(tcpr, shd, ("w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark"))


def cell_borders(cell, **edges) -> None:
    """edges: top/left/bottom/right = (val, sz, color) or 'nil'."""
    tcpr = cell._tc.get_or_add_tcPr()
    tcb = tcpr.find(qn("w:tcBorders"))
    if tcb is None:
        tcb = OxmlElement("w:tcBorders")
        _insert_tcpr(tcpr, tcb, ("w:shd", "w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign",
                                 "w:hideMark"))
    for edge in ("top", "left", "bottom", "right"):
        if edge not in edges:
            continue
        spec = edges[edge]
        old = tcb.find(qn("w:" + edge))
        if old is not None:
            tcb.remove(old)
        if spec == "nil":
            b = _border("w:" + edge, "nil")
        else:
            b = _border("w:" + edge, *spec)
        # keep schema order top, left, bottom, right
        order = ["top", "left", "bottom", "right"]
        placed = False
        for later in order[order.index(edge) + 1 :]:
            nxt = tcb.find(qn("w:" + later))
            if nxt is not None:
                nxt.addprevious(b)
                placed = True
                break
        if not placed:
            tcb.append(b)


def valign(cell, where: str = "center") -> None:
    cell.vertical_alignment = {
        "center": WD_CELL_VERTICAL_ALIGNMENT.CENTER,
        "top": WD_CELL_VERTICAL_ALIGNMENT.TOP,
        "bottom": WD_CELL_VERTICAL_ALIGNMENT.BOTTOM,
    }[where]


def table_borders(table, outer=("single", 4, BORDER), inside_h=("single", 4, BORDER), inside_v=("single", 4, BORDER)):
    tblpr = table._tbl.tblPr
    old = tblpr.find(qn("w:tblBorders"))
    if old is not None:
        tblpr.remove(old)
    b = OxmlElement("w:tblBorders")
    for edge, spec in (
        ("top", outer),
        ("left", outer),
        ("bottom", outer),
        ("right", outer),
        ("insideH", inside_h),
        ("insideV", inside_v),
    ):
        b.append(_border("w:" + edge, "nil") if spec is None else _border("w:" + edge, *spec))
    # schema order in tblPr: tblStyle, ..., tblW, jc, ..., tblBorders, shd, tblLayout, tblCellMar, tblLook
    anchor = None
    for tag in ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook"):
        anchor = tblpr.find(qn(tag))
        if anchor is not None:
            break
    if anchor is not None:
        anchor.addprevious(b)
    else:
        tblpr.append(b)


def table_cell_margins(table, top=0.06, bottom=0.06, left=0.16, right=0.16) -> None:
    tblpr = table._tbl.tblPr
    old = tblpr.find(qn("w:tblCellMar"))
    if old is not None:
        tblpr.remove(old)
    mar = OxmlElement("w:tblCellMar")
    for edge, v in (("top", top), ("left", left), ("bottom", bottom), ("right", right)):
        e = OxmlElement("w:" + edge)
        e.set(qn("w:w"), str(int(v * 567)))
        e.set(qn("w:type"), "dxa")
        mar.append(e)
    look = tblpr.find(qn("w:tblLook"))
    if look is not None:
        look.addprevious(mar)
    else:
        tblpr.append(mar)


def table_look(table, first_row: bool = False) -> None:
    """Conditional formatting of the table style: only the first row, and only when asked."""
    tblpr = table._tbl.tblPr
    look = tblpr.find(qn("w:tblLook"))
    if look is None:
        look = OxmlElement("w:tblLook")
        tblpr.append(look)
    for attr in list(look.attrib):
        del look.attrib[attr]
    look.set(qn("w:val"), "0420" if first_row else "0400")
    for attr, val in (("firstRow", first_row), ("lastRow", False), ("firstColumn", False),
                      ("lastColumn", False), ("noHBand", True), ("noVBand", True)):
        look.set(qn("w:" + attr), "1" if val else "0")


def set_widths(table, widths_cm) -> None:
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    tblpr = table._tbl.tblPr
    tblw = tblpr.find(qn("w:tblW"))
    if tblw is None:
        tblw = OxmlElement("w:tblW")
        tblpr.append(tblw)
    tblw.set(qn("w:w"), str(int(sum(widths_cm) * 567)))
    tblw.set(qn("w:type"), "dxa")
    grid = table._tbl.tblGrid
    for gc, w in zip(grid.findall(qn("w:gridCol")), widths_cm, strict=True):
        gc.set(qn("w:w"), str(int(w * 567)))


def row_props(row, height: float | None = None, rule: str = "atLeast", cant_split: bool = True, header: bool = False):
    trpr = row._tr.get_or_add_trPr()
    for tag in ("w:cantSplit", "w:trHeight", "w:tblHeader"):
        old = trpr.find(qn(tag))
        if old is not None:
            trpr.remove(old)
    if cant_split:
        trpr.append(OxmlElement("w:cantSplit"))
    if height is not None:
        h = OxmlElement("w:trHeight")
        h.set(qn("w:val"), str(int(height * 567)))
        h.set(qn("w:hRule"), rule)
        trpr.append(h)
    if header:
        trpr.append(OxmlElement("w:tblHeader"))


def para_border(paragraph, edge: str, val="single", sz=4, color=BORDER, space=1) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    pbdr = ppr.find(qn("w:pBdr"))
    if pbdr is None:
        pbdr = OxmlElement("w:pBdr")
        # pBdr goes after keepNext/keepLines/pageBreakBefore... ; before shd/tabs/spacing
        anchor = None
        for tag in ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:spacing", "w:ind", "w:jc", "w:rPr"):
            anchor = ppr.find(qn(tag))
            if anchor is not None:
                break
        if anchor is not None:
            anchor.addprevious(pbdr)
        else:
            ppr.append(pbdr)
    b = _border("w:" + edge, val, sz, color)
    b.set(qn("w:space"), str(space))
    pbdr.append(b)


# --- paragraphs and runs ----------------------------------------------------------------


def add_runs(paragraph, parts, bold=None, italic=None, size=None, color=None):
    """Append one run per part. A part is a string or a (string, {fmt}) tuple.

    Jinja tags must be their own part: each part becomes exactly one run.
    """
    for part in parts:
        fmt = {}
        if isinstance(part, tuple):
            part, fmt = part
        assert "\n" not in part and "\t" not in part, part
        run = paragraph.add_run(part)
        b = fmt.get("bold", bold)
        i = fmt.get("italic", italic)
        s = fmt.get("size", size)
        c = fmt.get("color", color)
        if b is not None:
            run.bold = b
        if i is not None:
            run.italic = i
        if s is not None:
            run.font.size = Pt(s)
        if c is not None:
            run.font.color.rgb = RGBColor.from_string(c)
    return paragraph


def para(container, parts=(), style=None, align=None, keep_next=False, before=None, after=None,
         page_break=False, **fmt):
    p = container.add_paragraph(style=style)
    add_runs(p, parts, **fmt)
    pf = p.paragraph_format
    if align:
        pf.alignment = {
            "left": WD_ALIGN_PARAGRAPH.LEFT,
            "center": WD_ALIGN_PARAGRAPH.CENTER,
            "right": WD_ALIGN_PARAGRAPH.RIGHT,
            "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
        }[align]
    if keep_next:
        pf.keep_with_next = True
    if before is not None:
        pf.space_before = Pt(before)
    if after is not None:
        pf.space_after = Pt(after)
    if page_break:
        pf.page_break_before = True
    return p


def tag_para(container, tag: str):
    """A paragraph holding only a docxtpl paragraph-level tag ({%p ... %})."""
    p = container.add_paragraph()
    p.add_run(tag)
    return p


def bullet(container, parts, style=None, **fmt):
    p = container.add_paragraph(style=style)
    pf = p.paragraph_format
    pf.left_indent = Cm(0.6)
    pf.first_line_indent = Cm(-0.4)
    pf.space_after = Pt(2)
    pf.tab_stops.add_tab_stop(Cm(0.6))
    r = p.add_run("–")
    r.add_tab()
    add_runs(p, parts, **fmt)
    return p


def cell_text(cell, parts, first=True, style=None, align=None, **fmt):
    """Write parts into the cell (first paragraph, or a new one)."""
    if first:
        p = cell.paragraphs[0]
        if style:
            p.style = style
    else:
        p = cell.add_paragraph(style=style)
    add_runs(p, parts, **fmt)
    if style != "Consigne":
        p.paragraph_format.space_after = Pt(1)
    if align:
        p.paragraph_format.alignment = {
            "left": WD_ALIGN_PARAGRAPH.LEFT,
            "center": WD_ALIGN_PARAGRAPH.CENTER,
            "right": WD_ALIGN_PARAGRAPH.RIGHT,
        }[align]
    return p


# --- tables -------------------------------------------------------------------------------


def new_table(container, widths, borders=True):
    t = container.add_table(rows=0, cols=len(widths))
    t.style = TABLE_STYLE
    set_widths(t, widths)
    table_look(t)
    table_cell_margins(t)
    if borders:
        table_borders(t)
    else:
        table_borders(t, None, None, None)
    t._copar_widths = list(widths)
    return t


def add_row(table, cells=None, height=0.75, rule="atLeast", cant_split=True, header=False, fill=None):
    """Add a row. `cells` is a list with one spec per visible cell:
    a list of parts, or a dict(parts=..., span=n, fill=..., bold=..., align=..., style=..., paras=[...]).
    """
    row = table.add_row()
    widths = table._copar_widths
    for i, c in enumerate(row.cells):
        c.width = Cm(widths[i])
    row_props(row, height, rule, cant_split, header)
    specs = cells or []
    col = 0
    for spec in specs:
        if not isinstance(spec, dict):
            spec = {"parts": spec}
        span = spec.get("span", 1)
        cell = row.cells[col]
        if span > 1:
            cell = cell.merge(row.cells[col + span - 1])
        fmt = {k: spec[k] for k in ("bold", "italic", "size", "color") if k in spec}
        paras = spec.get("paras") or [spec.get("parts", [])]
        for j, parts in enumerate(paras):
            cell_text(cell, parts, first=(j == 0), style=spec.get("style"), align=spec.get("align"), **fmt)
        f = spec.get("fill", fill)
        if f:
            shade(cell, f)
        valign(cell, spec.get("valign", "center"))
        col += span
    return row


def tr_tag(table, tag: str):
    """A row holding only a docxtpl row-level tag ({%tr ... %}); docxtpl drops the row."""
    row = table.add_row()
    n = len(row.cells)
    cell = row.cells[0].merge(row.cells[n - 1]) if n > 1 else row.cells[0]
    cell.paragraphs[0].add_run(tag)
    return row


def label(text):
    return {"parts": [text], "fill": LABEL_FILL, "bold": True, "color": BLUE, "size": 9.5}


def head(text, align=None):
    spec = {"parts": [text], "fill": HEAD_FILL, "bold": True, "color": BLUE, "size": 9.5}
    if align:
        spec["align"] = align
    return spec


def spacer(container, pt=4):
    """An empty paragraph exactly `pt` high (between tables, or to end a document)."""
    p = container.add_paragraph()
    pf = p.paragraph_format
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Pt(pt)
    r = p.add_run("")
    r.font.size = Pt(pt)
    # the paragraph mark carries the size
    rpr = _child(p._p.get_or_add_pPr(), "w:rPr")
    sz = OxmlElement("w:sz")
    sz.set(qn("w:val"), str(int(pt * 2)))
    rpr.append(sz)
    return p


def form_table(container, rows, widths=(4.6, 12.4), tall=()):
    """Identity/form table: label cell shaded, value cell with room to write.

    rows: list of rows; a row is a list of (label, parts) pairs. In a 4-column table a
    row with one pair spans the value over the three remaining columns.
    """
    t = new_table(container, list(widths))
    ncols = len(widths)
    for r in rows:
        cells = []
        for k, (lab, parts) in enumerate(r):
            cells.append(label(lab))
            span = 1
            if k == len(r) - 1:
                span = ncols - 2 * len(r) + 1
            cells.append({"parts": parts, "span": span})
        add_row(t, cells, height=1.6 if r[0][0] in tall else 0.75)
    spacer(container)
    return t


def keep_row_with_next(row) -> None:
    for cell in row.cells:
        for p in cell.paragraphs:
            p.paragraph_format.keep_with_next = True


def ruled_lines(table, n, height=0.8):
    """n empty rows with dotted bottom rules: room to write by hand, kept together."""
    rows = []
    for k in range(n):
        row = add_row(table, [[""]], height=height, rule="exact", cant_split=True)
        if k < n - 1:
            cell_borders(row.cells[0], bottom=("dotted", 4, RULE))
            keep_row_with_next(row)
        rows.append(row)
    return rows


def long_field(container, title, expr, lines=5, consigne=None, width=None, text_min=1.2, line_h=0.8):
    """A boxed field: shaded title row, then the text when present, else ruled lines."""
    width = width or usable_width()
    t = new_table(container, [width], borders=True)
    table_borders(t, ("single", 4, BORDER), None, None)
    hdr = add_row(t, [{"parts": [title], "fill": LABEL_FILL, "bold": True, "color": BLUE}],
                  height=0.6, cant_split=True)
    hcell = hdr.cells[0]
    hcell.paragraphs[0].paragraph_format.keep_with_next = True
    hcell.paragraphs[0].paragraph_format.space_after = Pt(1)
    if consigne:
        p = cell_text(hcell, consigne, first=False, style="Consigne")
        p.paragraph_format.keep_with_next = True
        p.paragraph_format.space_after = Pt(1)
    cell_borders(hcell, bottom=("single", 4, BORDER))
    tr_tag(t, "{%tr if " + expr + " %}")
    add_row(t, [[V(expr)]], height=text_min, cant_split=False)
    tr_tag(t, "{%tr else %}")
    ruled_lines(t, lines, line_h)
    tr_tag(t, "{%tr endif %}")
    spacer(container, 5)
    return t


def signature_table(container, who, width=None, height=2.4):
    """who: list of (title, name_parts)."""
    width = width or usable_width()
    n = len(who)
    t = new_table(container, [width / n] * n)
    keep_row_with_next(add_row(t, [head(title) for title, _ in who], height=0.6))
    cells = []
    for _, name in who:
        cells.append({"paras": [name, [("Date et signature :", {"italic": True, "color": GREY, "size": 9})]],
                      "valign": "top"})
    add_row(t, cells, height=height)
    return t


def due_box(container, parts_lines, width=None):
    """A shaded box for a deadline or an important notice."""
    width = width or usable_width()
    t = new_table(container, [width])
    table_borders(t, ("single", 8, BLUE), None, None)
    add_row(t, [{"paras": parts_lines, "fill": LABEL_FILL, "color": BLUE}], height=0.8)
    spacer(container)
    return t


# --- the house style ------------------------------------------------------------------------


def _style_rpr(style):
    return style.element.get_or_add_rPr()


def _clear_theme_colors(style):
    rpr = style.element.rPr
    if rpr is None:
        return
    for c in rpr.findall(qn("w:color")):
        for attr in list(c.attrib):
            if "theme" in attr:
                del c.attrib[attr]


def _ensure_style(doc, name, kind=WD_STYLE_TYPE.PARAGRAPH, base="Normal"):
    try:
        return doc.styles[name]
    except KeyError:
        st = doc.styles.add_style(name, kind)
        if base and kind == WD_STYLE_TYPE.PARAGRAPH:
            st.base_style = doc.styles[base]
        return st


def _para_style(doc, name, size, bold=False, italic=False, color=None, before=0, after=4,
                keep_next=False, base="Normal", line=None):
    st = _ensure_style(doc, name, base=base)
    st.font.name = FONT
    st.font.size = Pt(size)
    st.font.bold = bold
    st.font.italic = italic
    if color:
        st.font.color.rgb = RGBColor.from_string(color)
    _clear_theme_colors(st)
    pf = st.paragraph_format
    pf.space_before = Pt(before)
    pf.space_after = Pt(after)
    pf.keep_with_next = keep_next
    if line:
        pf.line_spacing = line
    # drop character spacing and borders inherited from the default template (Title, Subtitle)
    rpr = st.element.rPr
    if rpr is not None:
        for tag in ("w:spacing", "w:kern", "w:caps", "w:smallCaps", "w:i", "w:iCs"):
            for el in rpr.findall(qn(tag)):
                rpr.remove(el)
    st.font.italic = italic
    ppr = st.element.pPr
    if ppr is not None:
        for b in ppr.findall(qn("w:pBdr")):
            ppr.remove(b)
    set_rfonts(_style_rpr(st))
    return st


def _table_style(doc):
    st = _ensure_style(doc, TABLE_STYLE, WD_STYLE_TYPE.TABLE, base=None)
    el = st.element
    for child in list(el):
        if child.tag in (qn("w:tblPr"), qn("w:tblStylePr"), qn("w:rPr"), qn("w:pPr"), qn("w:basedOn")):
            el.remove(child)
    el.append(parse_xml(
        f'<w:basedOn {nsdecls("w")} w:val="TableNormal"/>'
    ))
    borders = "".join(
        f'<w:{e} w:val="single" w:sz="4" w:space="0" w:color="{BORDER}"/>'
        for e in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    el.append(parse_xml(
        f'<w:tblPr {nsdecls("w")}><w:tblBorders>{borders}</w:tblBorders>'
        f'<w:tblCellMar><w:top w:w="34" w:type="dxa"/><w:left w:w="91" w:type="dxa"/>'
        f'<w:bottom w:w="34" w:type="dxa"/><w:right w:w="91" w:type="dxa"/></w:tblCellMar></w:tblPr>'
    ))
    el.append(parse_xml(
        f'<w:tblStylePr {nsdecls("w")} w:type="firstRow"><w:rPr><w:b/><w:color w:val="{BLUE}"/></w:rPr>'
        f'<w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="{HEAD_FILL}"/></w:tcPr></w:tblStylePr>'
    ))
    return st


def apply_house_style(doc, title: str, landscape: bool = False, generated: bool = True) -> None:
    """Page setup, styles, fonts, language, header and footer of every template."""
    # page
    sec = doc.sections[0]
    if landscape:
        sec.orientation = WD_ORIENT.LANDSCAPE
        sec.page_width, sec.page_height = Cm(PORTRAIT["height"]), Cm(PORTRAIT["width"])
    else:
        sec.orientation = WD_ORIENT.PORTRAIT
        sec.page_width, sec.page_height = Cm(PORTRAIT["width"]), Cm(PORTRAIT["height"])
    sec.top_margin = Cm(MARGINS["top"])
    sec.bottom_margin = Cm(MARGINS["bottom"])
    sec.left_margin = Cm(MARGINS["left"])
    sec.right_margin = Cm(MARGINS["right"])
    sec.header_distance = Cm(MARGINS["header"])
    sec.footer_distance = Cm(MARGINS["footer"])

    # document defaults: Carlito in every slot, French
    styles_el = doc.styles.element
    defaults = styles_el.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault"))
    rpr = _child(rpr_default, "w:rPr")
    set_rfonts(rpr)
    for tag in ("w:sz", "w:szCs", "w:lang"):
        old = rpr.find(qn(tag))
        if old is not None:
            rpr.remove(old)
    sz = OxmlElement("w:sz")
    sz.set(qn("w:val"), str(int(BODY_PT * 2)))
    szcs = OxmlElement("w:szCs")
    szcs.set(qn("w:val"), str(int(BODY_PT * 2)))
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), LANG)
    lang.set(qn("w:eastAsia"), LANG)
    lang.set(qn("w:bidi"), "ar-SA")
    rpr.append(sz)
    rpr.append(szcs)
    rpr.append(lang)

    # styles
    normal = _para_style(doc, "Normal", BODY_PT, after=4, base=None, line=1.08)
    normal.font.color.rgb = RGBColor.from_string("000000")
    _para_style(doc, "Title", 20, bold=True, color=BLUE, after=2, keep_next=True)
    _para_style(doc, "Subtitle", 13, bold=False, color=BLUE, after=8, keep_next=True)
    _para_style(doc, "Heading 1", 13.5, bold=True, color=BLUE, before=12, after=4, keep_next=True)
    _para_style(doc, "Heading 2", 11.5, bold=True, color=BLUE, before=8, after=3, keep_next=True)
    _para_style(doc, "Consigne", 9.5, italic=True, color=GREY, after=3)
    _para_style(doc, "Header", 8.5, color=GREY, after=0)
    _para_style(doc, "Footer", 8.5, color=GREY, after=0)
    for name in ("Header", "Footer"):
        ppr = doc.styles[name].element.pPr
        if ppr is not None:
            for tabs in ppr.findall(qn("w:tabs")):
                ppr.remove(tabs)
    for name in ("Heading 1", "Heading 2", "Title", "Subtitle"):
        st = doc.styles[name]
        st.font.italic = False
        st.paragraph_format.keep_together = True
    _table_style(doc)
    # every remaining rFonts (character styles, other headings...) loses its theme fonts
    for rfonts in styles_el.iter(qn("w:rFonts")):
        for attr in list(rfonts.attrib):
            if "theme" in attr.lower() or attr.endswith("}hint"):
                del rfonts.attrib[attr]
        for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            rfonts.set(qn(slot), FONT)
    for lang_el in styles_el.iter(qn("w:lang")):
        lang_el.set(qn("w:val"), LANG)

    # theme fonts and the unused parts of the default template
    pkg = doc.part.package
    for part in pkg.parts:
        if part.content_type.endswith(".theme+xml"):
            xml = part.blob.decode("utf-8")
            xml = re.sub(r'(<a:(?:latin|ea|cs) typeface=")[^"]*(")', r"\g<1>" + FONT + r"\g<2>", xml)
            part._blob = xml.encode("utf-8")
        if part.partname.endswith("stylesWithEffects.xml"):
            xml = part.blob.decode("utf-8")
            xml = re.sub(r"w:(ascii|hAnsi|eastAsia|cs)Theme=\"[^\"]*\"", "", xml)
            part._blob = xml.encode("utf-8")
    for rid, rel in list(pkg.rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            del pkg.rels[rid]

    # settings: French
    settings = doc.settings.element
    tfl = settings.find(qn("w:themeFontLang"))
    if tfl is None:
        tfl = OxmlElement("w:themeFontLang")
        settings.append(tfl)
    for attr in list(tfl.attrib):
        del tfl.attrib[attr]
    tfl.set(qn("w:val"), LANG)

    # properties (docxtpl renders these through Jinja: no braces here)
    cp = doc.core_properties
    cp.title = title
    cp.subject = "Parcours d'alternance"
    cp.author = "copar"
    cp.last_modified_by = "copar"
    cp.language = LANG
    cp.comments = ""
    cp.keywords = "copar"
    cp.created = cp.modified = TEMPLATE_DATE  # fixed: the same code gives the same bytes
    cp.revision = 1

    _header_footer(doc, landscape, generated)


def _add_field(paragraph, instr: str, placeholder: str = "1"):
    def fld(kind):
        r = paragraph.add_run()
        f = OxmlElement("w:fldChar")
        f.set(qn("w:fldCharType"), kind)
        r._r.append(f)

    fld("begin")
    r = paragraph.add_run()
    it = OxmlElement("w:instrText")
    it.set(qn("xml:space"), "preserve")
    it.text = f" {instr} "
    r._r.append(it)
    fld("separate")
    paragraph.add_run(placeholder)
    fld("end")


def _header_footer(doc, landscape: bool, generated: bool = True) -> None:
    sec = doc.sections[0]
    width = usable_width(landscape)
    header = sec.header
    header.is_linked_to_previous = False
    t = header.add_table(rows=0, cols=2, width=Cm(width))
    t.style = TABLE_STYLE
    right_w = 5.0
    set_widths(t, [width - right_w, right_w])
    table_look(t)
    t._copar_widths = [width - right_w, right_w]
    table_borders(t, None, None, None)
    table_cell_margins(t, 0, 0.05, 0, 0)
    tblpr = t._tbl.tblPr
    b = tblpr.find(qn("w:tblBorders"))
    b.find(qn("w:bottom")).getparent().replace(b.find(qn("w:bottom")), _border("w:bottom", "single", 4, GREY))
    row = add_row(t, [
        {"parts": [V("promo.formation"), " — ", V("promo.parcours")], "style": "Header", "valign": "bottom"},
        {"parts": [V("promo.promotion"), " · ", V("promo.annee")], "style": "Header", "align": "right",
         "valign": "bottom"},
    ], height=None, cant_split=True)
    del row
    # the header's own (first) paragraph goes after the table, tiny
    first = header.paragraphs[0]
    header._element.remove(first._p)
    header._element.append(first._p)
    first.style = doc.styles["Header"]
    first.paragraph_format.space_after = Pt(0)
    rpr = _child(first._p.get_or_add_pPr(), "w:rPr")
    sz = OxmlElement("w:sz")
    sz.set(qn("w:val"), "4")
    rpr.append(sz)

    footer = sec.footer
    footer.is_linked_to_previous = False
    p = footer.paragraphs[0]
    p.style = doc.styles["Footer"]
    p.paragraph_format.tab_stops.add_tab_stop(Cm(width), WD_TAB_ALIGNMENT.RIGHT)
    para_border(p, "top", "single", 4, GREY, 3)
    if generated:  # internal documents only: a letter going out carries its own date
        add_runs(p, ["Document généré le ", V("genere_le")])
    p.add_run().add_tab()
    add_runs(p, ["Page "])
    _add_field(p, "PAGE")
    add_runs(p, [" sur "])
    _add_field(p, "NUMPAGES")


def new_document(title: str, landscape: bool = False, generated: bool = True):
    doc = Document()
    apply_house_style(doc, title, landscape, generated)
    # drop the empty first paragraph of the default body
    body = doc.element.body
    for p in body.findall(qn("w:p")):
        body.remove(p)
    return doc


def title_block(doc, title, subtitle_parts=None):
    para(doc, [title], style="Title")
    if subtitle_parts:
        para(doc, subtitle_parts, style="Subtitle")


# --- shared blocks ----------------------------------------------------------------------------

STUDENT_NAME = [V("etudiant.nom_complet")]
TUTOR_LINE = [V("etudiant.tuteur.nom_complet"), T("if etudiant.tuteur.fonction"), ", ",
              V("etudiant.tuteur.fonction"), T("endif")]
PERIOD_DATES = [V("periode.titre"), T("if periode.dates"), " — ", V("periode.dates"), T("endif")]

BILAN_FIELDS = [
    ("Activités de la période, contribution à la mission", "periode.activites"),
    ("Participation à des actions autres que la mission (intérêt, questions…)", "periode.autres_actions"),
    ("Apports de formation mobilisés", "periode.apports"),
    ("Attentes ou propositions pour les périodes suivantes, besoins de formation à développer",
     "periode.attentes"),
]


def period_block(doc, in_livret: bool) -> None:
    """The annex 'Bilans intermédiaires d'avancée de la mission' for `periode`.

    In the livret the identity is on the cover, so each period keeps one identity row
    and gets five writing lines per field; the stand-alone bilan gets the full identity
    and four lines, so that a blank review fits on one page.
    """
    if in_livret:
        para(doc, PERIOD_DATES, style="Heading 1", page_break=True, before=0, after=0)
        para(doc, ["Bilan intermédiaire d'avancée de la mission — à chaque période d'alternance, un point "
                   "d'étape à réaliser entre l'étudiant·e et le ou la tuteur·rice."],
             style="Consigne", keep_next=True)
        form_table(doc, [
            [("Étudiant·e", STUDENT_NAME), ("Date du bilan", [V("periode.date_bilan")])],
        ], widths=(3.9, 6.4, 2.6, 4.1))
        lines = 5
    else:
        title_block(doc, "Bilan intermédiaire d'avancée de la mission", PERIOD_DATES)
        para(doc, ["À chaque période d'alternance, un point d'étape à réaliser entre l'étudiant·e "
                   "et le ou la tuteur·rice."], style="Consigne", keep_next=True)
        form_table(doc, [
            [("Étudiant·e", STUDENT_NAME), ("N° étudiant", [V("etudiant.numero")])],
            [("Structure d'accueil", [V("etudiant.structure")]), ("Date du bilan", [V("periode.date_bilan")])],
            [("Tuteur·rice professionnel·le", TUTOR_LINE)],
            [("Mission", [V("etudiant.mission")])],
        ], widths=(3.9, 6.4, 2.6, 4.1))
        lines = 4
    for heading, expr in BILAN_FIELDS:
        long_field(doc, heading, expr, lines=lines, line_h=0.8 if in_livret else 0.75)
    signature_table(doc, [
        ("L'étudiant·e", STUDENT_NAME),
        ("Le ou la tuteur·rice", [V("etudiant.tuteur.nom_complet")]),
    ], height=1.7)


# --- the templates -------------------------------------------------------------------------------


def make_bilan():
    doc = new_document("Bilan intermédiaire d'avancée de la mission")
    period_block(doc, in_livret=False)
    return doc


def make_livret():
    doc = new_document("Livret de bilans intermédiaires")
    title_block(doc, "Livret de bilans intermédiaires", ["Bilans intermédiaires d'avancée de la mission"])
    form_table(doc, [
        [("Étudiant·e", STUDENT_NAME), ("N° étudiant", [V("etudiant.numero")])],
        [("Statut", [V("etudiant.statut")])],
        [("Structure d'accueil", [V("etudiant.structure")])],
        [("Adresse", [V("etudiant.adresse_structure")])],
        [("Tuteur·rice professionnel·le", TUTOR_LINE)],
        [("Tuteur·rice mémoire", [V("etudiant.tuteur_memoire")])],
        [("Mission", [V("etudiant.mission")])],
        [("Type de mission", [V("etudiant.type_mission")])],
        [("Début", [V("etudiant.debut")]), ("Fin", [V("etudiant.fin")])],
    ], widths=(3.9, 6.6, 2.9, 3.6))
    para(doc, ["Le ou la tuteur·rice professionnel·le"], style="Heading 2")
    para(doc, ["Nous vous suggérons de réaliser ensemble des ", ("bilans intermédiaires", {"bold": True}),
               " d'avancée de la mission à la fin de chaque période de présence dans la structure. "
               "À chaque période d'alternance, un point d'étape à réaliser entre l'étudiant·e et le ou la "
               "tuteur·rice."])
    para(doc, ["Les périodes"], style="Heading 2")
    t = new_table(doc, [3.0, 9.4, 4.6])
    add_row(t, [head("Période"), head("Dates"), head("Date du bilan")], height=0.6, header=True)
    tr_tag(t, "{%tr for periode in periodes %}")
    add_row(t, [{"parts": [V("periode.titre")], "bold": True}, [V("periode.dates")],
                [T("if periode.concerne"), V("periode.date_bilan"), T("else"),
                 ("non concerné·e", {"italic": True, "color": GREY}), T("endif")]], height=0.7)
    tr_tag(t, "{%tr endfor %}")
    tag_para(doc, "{%p if periodes|rejectattr('concerne')|list %}")
    para(doc, ["« Non concerné·e » : la période est hors des dates d'alternance de l'étudiant·e ; "
               "elle n'a pas de bilan."], style="Consigne")
    tag_para(doc, "{%p endif %}")
    tag_para(doc, "{%p for periode in periodes %}")
    tag_para(doc, "{%p if periode.concerne %}")
    period_block(doc, in_livret=True)
    tag_para(doc, "{%p endif %}")
    tag_para(doc, "{%p endfor %}")
    return doc


def _reunion_box(doc, width=None):
    t = new_table(doc, [3.2, (width or usable_width()) - 3.2])
    table_borders(t, ("single", 8, BLUE), ("single", 4, BORDER), ("single", 4, BORDER))
    for lab, key in (("Date", "reunion.date"), ("Horaire", "reunion.horaire"), ("Lieu", "reunion.lieu")):
        add_row(t, [label(lab), {"parts": [T(f"if {key}"), V(key), T("else"),
                                           ("à préciser", {"italic": True, "color": GREY}), T("endif")],
                                 "bold": True}], height=0.65)
    spacer(doc)
    return t


CALENDAR_ROWS = [
    ("Cahier des charges (feuille de route pour les étudiant·es en emploi)", "à transmettre au plus tard",
     "cahier_des_charges"),
    ("Point d'étape individuel", "entre l'équipe pédagogique et l'étudiant·e", "point_etape"),
    ("Rapport de mission", "à rendre", "rapport_mission"),
    ("Bilan tripartite de l'alternance", "entretien d'environ 45 min", "bilan_tripartite"),
    ("Jury de soutenance", "associe les tuteur·rices professionnel·les", "jury"),
]


def make_invitation():
    doc = new_document("Invitation à la réunion des tuteur·rices", generated=False)
    w = usable_width()
    # sender | recipient
    t = new_table(doc, [8.5, w - 8.5], borders=False)
    table_cell_margins(t, 0, 0, 0, 0.2)
    sender = [
        [(V("promo.etablissement"), {"bold": True, "color": BLUE})],
        [V("promo.formation")],
        [V("promo.parcours")],
    ]
    row = add_row(t, [{"paras": sender, "valign": "top", "size": 9.5}, {"paras": [[""]], "valign": "top"}],
                  height=None)
    c = row.cells[0]
    tag_para(c, "{%p if promo.adresse %}")
    cell_text(c, [V("promo.adresse")], first=False, size=9.5)
    tag_para(c, "{%p endif %}")
    tag_para(c, "{%p if promo.responsable %}")
    cell_text(c, ["Responsable pédagogique : ", V("promo.responsable"), T("if promo.courriel_responsable"),
                  " — ", V("promo.courriel_responsable"), T("endif")], first=False, size=9.5)
    tag_para(c, "{%p endif %}")
    tag_para(c, "{%p if promo.accompagnement %}")
    cell_text(c, ["Accompagnement de l'alternance : ", V("promo.accompagnement")], first=False, size=9.5)
    tag_para(c, "{%p endif %}")
    tag_para(c, "{%p if promo.courriel_accompagnement or promo.telephone_accompagnement %}")
    cell_text(c, [V("promo.courriel_accompagnement"),
                  T("if promo.courriel_accompagnement and promo.telephone_accompagnement"), " / ", T("endif"),
                  V("promo.telephone_accompagnement")], first=False, size=9.5)
    tag_para(c, "{%p endif %}")
    r = row.cells[1]
    r.paragraphs[0].paragraph_format.space_before = Pt(30)
    cell_text(r, ["À l'attention de"], first=True, italic=True, color=GREY, size=9.5)
    cell_text(r, [V("tuteur.nom_complet")], first=False, bold=True)
    cell_text(r, [V("tuteur.fonction")], first=False)
    cell_text(r, [V("tuteur.structure")], first=False)
    cell_text(r, [V("tuteur.courriel")], first=False, size=9.5)
    para(doc, [V("lieu_courrier"), ", le ", T("if date_courrier"), V("date_courrier"), T("else"), V("genere_le"),
               T("endif")],
         align="right", before=6, after=8)
    para(doc, [("Objet : ", {"bold": True}),
               "réunion des tuteur·rices avec les étudiant·es et l'équipe pédagogique"], after=8)
    para(doc, [V("tuteur.appel"), ","], after=6)
    para(doc, ["Vous accompagnez cette année, en tant que tuteur·rice professionnel·le, ",
               T("if etudiants|length > 1"), "des étudiant·es", T("else"), "un·e étudiant·e", T("endif"),
               " du ", V("promo.formation"), ", parcours ", V("promo.parcours"), " (", V("promo.promotion"),
               ", ", V("promo.annee"), "). Nous vous remercions de votre engagement."])
    para(doc, ["Nous avons le plaisir de vous convier à la ",
               ("réunion des tuteur·rices avec les étudiant·es et l'équipe pédagogique", {"bold": True}),
               " :"], keep_next=True)
    _reunion_box(doc)

    para(doc, [T("if etudiants|length > 1"), "Les étudiant·es que vous accompagnez", T("else"),
               "L'étudiant·e que vous accompagnez", T("endif")], style="Heading 2", before=4)
    st = new_table(doc, [4.6, 3.6, w - 8.2])
    add_row(st, [head("Étudiant·e"), head("Statut"), head("Mission")], height=0.6, header=True)
    tr_tag(st, "{%tr for e in etudiants %}")
    add_row(st, [{"parts": [V("e.nom_complet")], "bold": True}, [V("e.statut")],
                 [V("e.mission"), T("if e.type_mission"), " (", V("e.type_mission"), ")", T("endif")]],
            height=0.7)
    tr_tag(st, "{%tr endfor %}")
    spacer(doc)

    para(doc, ["Le rôle du ou de la tuteur·rice professionnel·le"], style="Heading 2")
    para(doc, ["Ce temps de formation faisant partie intégrante des outils d'apprentissage du Master, il "
               "convient que le ou la tuteur·rice professionnel·le accompagne l'étudiant·e tout au long "
               "de l'alternance en se rendant ", ("disponible pour des échanges réguliers", {"bold": True}),
               "."])
    para(doc, ["Nous vous suggérons de réaliser ensemble des ", ("bilans intermédiaires", {"bold": True}),
               " d'avancée de la mission à la fin de chaque période de présence dans la structure."])
    para(doc, ["Il est demandé aux tuteur·rices de s'engager dans l'",
               ("évaluation en deux temps", {"bold": True}), " :"], keep_next=True, after=2)
    bullet(doc, ["lors d'un ", ("entretien de bilan", {"bold": True}),
                 " avec l'étudiant·e et le ou la responsable des stages ;"])
    bullet(doc, ["dans le cadre de la ", ("soutenance du rapport de mission", {"bold": True}), "."])

    para(doc, ["Le calendrier de l'alternance"], style="Heading 2")
    ct = new_table(doc, [7.4, w - 7.4])
    add_row(ct, [head("Étape"), head("Date")], height=0.6, header=True)
    for title, note, key in CALENDAR_ROWS:
        ev = f"echeances.{key}"
        add_row(ct, [{"paras": [[(title, {"bold": True})], [(note, {"italic": True, "color": GREY, "size": 9})]]},
                     [T(f"if {ev}.date"), V(f"{ev}.date"), T("else"),
                      ("à préciser", {"italic": True, "color": GREY}), T("endif"),
                      T(f"if {ev}.horaire"), ", ", V(f"{ev}.horaire"), T("endif"),
                      T(f"if {ev}.lieu"), " — ", V(f"{ev}.lieu"), T("endif")]], height=0.7)
    spacer(doc)
    para(doc, ["Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations distinguées."],
         before=4, after=10, keep_next=True)
    p = para(doc, [V("promo.responsable")], bold=True, keep_next=True, after=0)
    p.paragraph_format.left_indent = Cm(9.5)
    p = para(doc, ["Responsable pédagogique — ", V("promo.parcours")], size=9.5, color=GREY, keep_next=True,
             after=0)
    p.paragraph_format.left_indent = Cm(9.5)
    p = para(doc, [V("promo.etablissement")], size=9.5, color=GREY)
    p.paragraph_format.left_indent = Cm(9.5)
    return doc


def make_emargement():
    doc = new_document("Feuille d'émargement", landscape=True)
    w = usable_width(True)
    title_block(doc, "Feuille d'émargement",
                ["Réunion des tuteur·rices avec les étudiant·es et l'équipe pédagogique"])
    t = new_table(doc, [2.6, 6.0, 2.6, w - 11.2])
    add_row(t, [label("Date"), {"parts": [V("reunion.date")], "bold": True}, label("Horaire"),
                {"parts": [V("reunion.horaire")], "bold": True}], height=0.65)
    add_row(t, [label("Lieu"), {"parts": [V("reunion.lieu")], "span": 3}], height=0.65)
    spacer(doc)
    para(doc, ["Personnes attendues : ", (V("nb_tuteurs"), {"bold": True}), " tuteur·rices et ",
               (V("nb_etudiants"), {"bold": True}), " étudiant·es, ainsi que l'équipe pédagogique."], after=6)
    cols = [6.0, 4.6, 6.6, w - 17.2]
    s = new_table(doc, cols)
    add_row(s, [head("Nom"), head("Qualité"), head("Structure"), head("Signature")], height=0.65, header=True)
    tr_tag(s, "{%tr for g in groupes %}")
    keep_row_with_next(add_row(s, [{"parts": [V("g.tuteur.nom_complet")], "bold": True}, ["Tuteur·rice"],
                                   [V("g.tuteur.structure")], [""]], height=1.15, fill=GROUP_FILL))
    tr_tag(s, "{%tr for e in g.etudiants %}")
    row = add_row(s, [[V("e.nom_complet")], ["Étudiant·e"], [V("e.structure")], [""]], height=1.15)
    row.cells[0].paragraphs[0].paragraph_format.left_indent = Cm(0.5)
    tr_tag(s, "{%tr endfor %}")
    tr_tag(s, "{%tr endfor %}")
    add_row(s, [{"parts": ["Équipe pédagogique"], "span": 4, "fill": HEAD_FILL, "bold": True, "color": BLUE}],
            height=0.6)
    tr_tag(s, "{%tr for m in equipe %}")
    add_row(s, [{"parts": [V("m.nom")], "bold": True}, [V("m.role")], [V("promo.etablissement")], [""]],
            height=1.15)
    tr_tag(s, "{%tr endfor %}")
    for _ in range(2):
        add_row(s, [[""], [""], [""], [""]], height=1.15)
    spacer(doc)
    para(doc, ["Lignes vides : personnes présentes non inscrites."], style="Consigne")
    return doc


def make_fiche():
    doc = new_document("Fiche d'alternance")
    title_block(doc, "Fiche d'alternance", [V("etudiant.nom_complet"), " — ", V("etudiant.statut")])
    widths = (3.6, 4.8, 2.6, 6.0)
    para(doc, ["L'étudiant·e"], style="Heading 2", before=2)
    form_table(doc, [
        [("Nom", [V("etudiant.nom")]), ("Prénom", [V("etudiant.prenom")])],
        [("N° étudiant", [V("etudiant.numero")]), ("Courriel", [V("etudiant.courriel")])],
        [("Statut", [V("etudiant.statut")])],
    ], widths=widths)
    para(doc, ["La structure d'accueil"], style="Heading 2")
    form_table(doc, [
        [("Structure", [V("etudiant.structure")])],
        [("Adresse", [V("etudiant.adresse_structure")])],
    ], widths=widths)
    para(doc, ["Le ou la tuteur·rice"], style="Heading 2")
    form_table(doc, [
        [("Tuteur·rice professionnel·le", [V("etudiant.tuteur.nom_complet")]),
         ("Fonction", [V("etudiant.tuteur.fonction")])],
        [("Courriel", [V("etudiant.tuteur.courriel")]), ("Téléphone", [V("etudiant.tuteur.telephone")])],
        [("Tuteur·rice mémoire", [V("etudiant.tuteur_memoire")])],
    ], widths=widths)
    para(doc, ["La mission"], style="Heading 2")
    t = form_table(doc, [
        [("Intitulé de la mission", [V("etudiant.mission")])],
        [("Type de mission", [V("etudiant.type_mission")])],
        [("Début", [V("etudiant.debut")]), ("Fin", [V("etudiant.fin")])],
        [("Heures prévues", [V("etudiant.heures")])],
    ], widths=widths)
    tr_tag(t, "{%tr if etudiant.en_emploi %}")
    add_row(t, [label("Question professionnelle"), {"parts": [V("etudiant.question_professionnelle")], "span": 3}],
            height=0.75, cant_split=False)
    tr_tag(t, "{%tr endif %}")
    tag_para(doc, "{%p if etudiant.statut_cle == 'stage' %}")
    para(doc, ["Stage : ", ("420 heures minimum sur 6 mois, à raison de deux semaines par mois", {"bold": True}),
               " (soit 12 semaines). Une alternance en service civique relève du stage : une convention de stage "
               "est également nécessaire."], style="Consigne")
    tag_para(doc, "{%p endif %}")
    para(doc, ["Le rythme de l'alternance"], style="Heading 2")
    para(doc, ["Une semaine par mois est réservée aux cours, pour tous les étudiant·es. L'assiduité est "
               "rigoureusement respectée et non négociable : les cours ont toujours priorité sur la formation "
               "en situation professionnelle."])
    para(doc, [("Travaux individuels et collectifs (TIC) : ", {"bold": True}), V("etudiant.rythme_tic"),
               T("if etudiant.formation_continue"),
               " en plus de la semaine de cours (formation continue : apprentissage, contrat de "
               "professionnalisation ou emploi).", T("else"), " (stage).", T("endif")])
    para(doc, ["Le calendrier de l'alternance"], style="Heading 2")
    w = usable_width()
    ct = new_table(doc, [5.4, 6.4, w - 11.8])
    add_row(ct, [head("Étape"), head("Date"), head("Horaire et lieu")], height=0.6, header=True)
    tr_tag(ct, "{%tr for e in etudiant.echeances %}")
    add_row(ct, [{"parts": [V("e.evenement")], "bold": True, "size": 9.5}, {"parts": [V("e.date")], "size": 9.5},
                 {"parts": [V("e.horaire"), T("if e.horaire and e.lieu"), " — ", T("endif"), V("e.lieu")],
                  "size": 9.5}],
            height=0.6)
    tr_tag(ct, "{%tr endfor %}")
    return doc


CAHIER_SECTIONS = [
    ("La structure et son environnement",
     "Présentez la structure d'accueil (statut, missions, organisation, publics, territoire) et son "
     "environnement législatif, organisationnel, partenarial et sociologique."),
    ("La contextualisation et la problématisation de la mission",
     "Reformulez la commande : son origine, le contexte et les constats auxquels elle répond. Problématisez-la : "
     "le cahier des charges est un outil de problématisation et de traduction de la commande, et un moyen "
     "d'expliciter votre positionnement pour y répondre."),
    ("Le système d'acteurs et leurs enjeux respectifs",
     "Identifiez les acteurs concernés par la mission (structure, partenaires, publics, financeurs…) et "
     "les enjeux de la mission pour chacun d'eux."),
    ("Les objectifs de travail",
     "Explicitez les objectifs de la mission et les réalisations attendues."),
    ("La démarche ou la méthodologie conçue et sa justification argumentée",
     "Décrivez la méthodologie et l'approche conçues pour mettre en œuvre la mission (feuille de route, note "
     "de cadrage, plan d'action…) et argumentez vos choix : quelle est la meilleure manière de s'y prendre ?"),
    ("Le plan d'intervention étape par étape ou le calendrier prévisionnel",
     "Présentez les grandes étapes de l'intervention et leur calendrier prévisionnel, en tenant compte "
     "des périodes de présence dans la structure."),
    ("Anticipation de la fin de l'intervention : livrables attendus, modalités d'évaluation, continuité du projet",
     "Clarifiez les livrables attendus, les modalités d'évaluation envisagées à l'issue de la mission et "
     "la continuité du projet…"),
]


def _identity_cover(doc):
    form_table(doc, [
        [("Étudiant·e", STUDENT_NAME), ("N° étudiant", [V("etudiant.numero")])],
        [("Statut", [V("etudiant.statut")])],
        [("Structure d'accueil", [V("etudiant.structure")])],
        [("Adresse", [V("etudiant.adresse_structure")])],
        [("Tuteur·rice professionnel·le", TUTOR_LINE)],
        [("Tuteur·rice mémoire", [V("etudiant.tuteur_memoire")])],
        [("Mission", [V("etudiant.mission")])],
        [("Type de mission", [V("etudiant.type_mission")])],
        [("Début", [V("etudiant.debut")]), ("Fin", [V("etudiant.fin")])],
    ], widths=(3.9, 6.6, 2.9, 3.6))


def _due(doc):
    due_box(doc, [
        [("À transmettre au plus tard le ", {"bold": True}), T("if echeance.date"), (V("echeance.date"),
         {"bold": True}), T("else"), ("____________________", {"bold": True}), T("endif")],
        ["à votre tuteur·rice et à l'équipe pédagogique du Master"],
    ])


def make_cahier():
    doc = new_document("Cahier des charges")
    para(doc, [""], after=30)
    title_block(doc, "Cahier des charges", [V("etudiant.mission")])
    _identity_cover(doc)
    _due(doc)
    para(doc, ["Le cahier des charges valide l'alternance pour le premier semestre (notation)."],
         style="Consigne")

    para(doc, ["Le cahier des charges"], style="Heading 1", page_break=True, before=0)
    for text in (
        ["Environ un mois après le début de la période en situation professionnelle, l'étudiant·e est en "
         "mesure de reformuler la mission sous la forme d'un cahier des charges qui sera communiqué au ou à la "
         "tuteur·rice et à l'équipe pédagogique du Master."],
        ["Il vise à formaliser la ", ("méthodologie", {"bold": True}), " et l'approche que l'étudiant·e a "
         "conçues pour mettre en œuvre la mission qui lui est confiée (feuille de route, note de cadrage, "
         "plan d'action…)."],
        ["Ce document professionnel doit être écrit à destination de la structure d'abord. C'est un outil de ",
         ("problématisation et de traduction de la commande", {"bold": True}), " et un moyen pour l'étudiant·e "
         "d'expliciter son positionnement pour répondre à celle-ci."],
        ["Ce document doit nourrir le dialogue entre le ou la tuteur·rice et l'étudiant·e sur "
         "l'explicitation des objectifs et des enjeux de la mission et des acteurs ; sur la meilleure manière "
         "de s'y prendre et sur les réalisations attendues."],
        ["Il s'agit d'un document ", ("réflexif", {"bold": True}), " et ", ("analytique", {"bold": True}),
         " qui explore les éléments suivants."],
    ):
        para(doc, text, style="Consigne", after=4)
    for n, (heading, guidance) in enumerate(CAHIER_SECTIONS, 1):
        para(doc, [f"{n}. {heading}"], style="Heading 1")
        para(doc, [guidance], style="Consigne", keep_next=True)
        for _ in range(4):
            para(doc, [""])
    return doc


def make_feuille_de_route():
    doc = new_document("Feuille de route")
    title_block(doc, "Feuille de route", ["La question professionnelle mise en travail"])
    form_table(doc, [
        [("Étudiant·e", STUDENT_NAME), ("N° étudiant", [V("etudiant.numero")])],
        [("Statut", [V("etudiant.statut")])],
        [("Structure", [V("etudiant.structure")])],
        [("Tuteur·rice professionnel·le", TUTOR_LINE)],
        [("Tuteur·rice mémoire", [V("etudiant.tuteur_memoire")])],
        [("Mission ou axe de travail", [V("etudiant.mission")])],
    ], widths=(3.9, 6.6, 2.9, 3.6))
    _due(doc)
    para(doc, ["Les étudiant·es en emploi réalisent une feuille de route qui explique la manière dont ils et elles "
               "mettront en travail leur question professionnelle dans leur cadre professionnel."],
         style="Consigne")
    para(doc, ["La question professionnelle"], style="Heading 2")
    para(doc, ["Par ", ("question professionnelle", {"bold": True}), ", nous entendons un axe réflexif sur la "
               "pratique et l'action à la lumière des prises de conscience, des apprentissages et des déplacements "
               "qui adviennent par l'épreuve de la formation. Il ne s'agit pas de la question de mémoire, même si "
               "le thème peut être le même."], style="Consigne", keep_next=True)
    long_field(doc, "Ma question professionnelle", "etudiant.question_professionnelle", lines=3)
    para(doc, ["Les espaces où la question sera mise en travail"], style="Heading 2")
    para(doc, ["Présentez les différents espaces de votre cadre professionnel (situations, instances, "
               "collectifs, partenariats…) où cette question sera mise en travail."], style="Consigne",
         keep_next=True)
    for _ in range(4):
        para(doc, [""])
    para(doc, ["Ce que j'envisage d'expérimenter"], style="Heading 2")
    para(doc, ["Décrivez ce que vous envisagez d'expérimenter dans ces espaces : pratiques, postures, outils, "
               "manières de faire nouvelles."], style="Consigne", keep_next=True)
    for _ in range(4):
        para(doc, [""])
    para(doc, ["Calendrier"], style="Heading 2")
    para(doc, ["Situez les étapes prévues jusqu'au rapport de mission et au bilan tripartite."],
         style="Consigne", keep_next=True)
    w = usable_width()
    t = new_table(doc, [3.6, 7.4, w - 11.0])
    keep_row_with_next(add_row(t, [head("Quand"), head("Étape, expérimentation"),
                                   head("Espace, personnes associées")], height=0.6, header=True))
    for k in range(5):
        row = add_row(t, [[""], [""], [""]], height=0.9)
        if k < 4:
            keep_row_with_next(row)
    return doc


CR_FIELDS = [
    ("Réalisations, résultats et impact", "bilan.realisations",
     "Ce que j'ai réalisé et ses effets : activités et pratiques mises en œuvre, effets immédiats de l'action "
     "menée, changements que l'on peut raisonnablement imputer à l'action."),
    ("Processus", "bilan.processus",
     "La manière dont je l'ai fait : ce qui a permis d'y arriver, la manière dont j'ai relevé les défis ; ce "
     "que j'ai mobilisé en termes de savoirs, de concepts, connaissances, théories, compétences…"),
    ("Apprentissages", "bilan.apprentissages",
     "Ce que j'ai appris : les ratés et ce que j'ai retenu de mes erreurs ; lorsque je serai dans un autre "
     "contexte, je garderai en mémoire…"),
    ("Processus d'apprentissage", "bilan.processus_apprentissage",
     "Ce qui a soutenu mes apprentissages, les moyens qui m'ont permis d'apprendre."),
    ("Retours et suites", "bilan.retours",
     "Les retours (feedbacks constructifs) et la projection dans les étapes professionnelles à venir."),
]


def make_compte_rendu():
    doc = new_document("Compte rendu du bilan tripartite")
    title_block(doc, "Compte rendu du bilan tripartite", ["Bilan de la formation en situation professionnelle"])
    form_table(doc, [
        [("Étudiant·e", STUDENT_NAME), ("N° étudiant", [V("etudiant.numero")])],
        [("Statut", [V("etudiant.statut")])],
        [("Structure d'accueil", [V("etudiant.structure")])],
        [("Tuteur·rice professionnel·le", TUTOR_LINE)],
        [("Mission", [V("etudiant.mission")])],
        [("Date", [T("if bilan.date"), V("bilan.date"), T("else"), V("echeances.bilan_tripartite.date"),
                   T("endif")]),
         ("Heure", [V("bilan.heure")])],
        [("Durée", [T("if bilan.duree"), V("bilan.duree"), T("else"), "environ 45 min", T("endif")])],
        [("Participants", [V("bilan.participants")])],
    ], widths=(3.9, 7.4, 2.1, 3.6), tall=("Participants",))
    para(doc, ["L'entretien de bilan vise à valoriser le travail fait par l'étudiant·e, à lui permettre de recevoir "
               "des retours constructifs et de se projeter dans les étapes professionnelles à venir. Il s'agit d'un "
               "temps d'intégration et de conscientisation des apprentissages faits."], style="Consigne", after=6)
    for heading, expr, consigne in CR_FIELDS:
        long_field(doc, heading, expr, lines=5, consigne=[consigne])
    para(doc, [("Ce compte rendu est transmis au jury d'évaluation du parcours de formation.",
                {"bold": True, "color": BLUE})], keep_next=True, after=6)
    signature_table(doc, [
        ("L'étudiant·e", STUDENT_NAME),
        ("Le ou la tuteur·rice", [V("etudiant.tuteur.nom_complet")]),
        ("L'équipe pédagogique", [""]),
    ], height=2.2)
    return doc


def make_grille():
    doc = new_document("Grille d'évaluation du jury")
    title_block(doc, "Grille d'évaluation du jury", ["Rapport de mission et soutenance"])
    form_table(doc, [
        [("Étudiant·e", STUDENT_NAME), ("N° étudiant", [V("etudiant.numero")])],
        [("Statut", [V("etudiant.statut")])],
        [("Structure d'accueil", [V("etudiant.structure")])],
        [("Tuteur·rice professionnel·le", TUTOR_LINE)],
        [("Mission", [V("etudiant.mission")])],
    ], widths=(3.9, 7.4, 2.6, 3.1))
    form_table(doc, [
        [("Jury", [V("jury.nom")]), ("Heure de passage", [(V("passage.heure"), {"bold": True})])],
        [("Date", [V("jury.date")])],
        [("Lieu", [V("jury.lieu")])],
        [("Présidence", [V("jury.president")])],
        [("Membres", [V("jury.membres_texte")])],
    ], widths=(3.9, 7.4, 2.6, 3.1))
    para(doc, ["Critères d'évaluation"], style="Heading 2", before=2)
    w = usable_width()
    cols = [7.6, 1.6, 1.6, w - 10.8]
    tag_para(doc, "{%p for s in sections %}")
    t = new_table(doc, cols)
    add_row(t, [head(V("s.titre")), head("Points", "center"), head("Note", "center"), head("Commentaires")],
            height=0.6, header=True)
    tr_tag(t, "{%tr for c in s.criteres %}")
    add_row(t, [[V("c.critere")], {"parts": [V("c.points")], "align": "center"},
                {"parts": [V("c.note")], "align": "center", "bold": True}, [""]], height=1.0)
    tr_tag(t, "{%tr endfor %}")
    add_row(t, [{"parts": ["Sous-total"], "bold": True, "align": "right", "fill": LABEL_FILL},
                {"parts": [V("s.points")], "bold": True, "align": "center", "fill": LABEL_FILL},
                {"parts": [V("s.note")], "bold": True, "align": "center", "fill": "FFFFFF"},
                {"parts": [""], "fill": LABEL_FILL}], height=0.7)
    spacer(doc, 6)
    tag_para(doc, "{%p endfor %}")
    para(doc, ["Notes"], style="Heading 2")
    nt = new_table(doc, [6.0, 3.0, w - 9.0])
    add_row(nt, [label("Note du rapport de mission"),
                 {"parts": [V("passage.note_rapport")], "align": "center", "bold": True},
                 {"parts": [""], "span": 1}], height=0.9)
    add_row(nt, [label("Note de la soutenance"),
                 {"parts": [V("passage.note_soutenance")], "align": "center", "bold": True}, [""]], height=0.9)
    total_parts = [("Total : ", {"bold": True}), T("if passage.total"), (V("passage.total"), {"bold": True}),
                   T("else"), "______", T("endif"), (" / ", {"bold": True}), (V("total_points"), {"bold": True})]
    add_row(nt, [{"parts": total_parts, "span": 2, "fill": HEAD_FILL, "color": BLUE, "size": 12}, [""]],
            height=1.0)
    # the third column is a blank margin: no borders there
    for row in nt.rows:
        cell_borders(row.cells[-1], top="nil", right="nil", bottom="nil")
    spacer(doc, 6)
    long_field(doc, "Appréciation du jury", "passage.appreciation", lines=4)
    para(doc, ["Signatures des membres du jury"], style="Heading 2")
    sg = new_table(doc, [6.5, 4.0, w - 10.5])
    add_row(sg, [head("Nom"), head("Qualité"), head("Signature")], height=0.6, header=True)
    add_row(sg, [{"parts": [V("jury.president")], "bold": True}, ["Présidence du jury"], [""]], height=1.2)
    tr_tag(sg, "{%tr for m in jury.membres %}")
    add_row(sg, [[V("m")], ["Membre du jury"], [""]], height=1.2)
    tr_tag(sg, "{%tr endfor %}")
    return doc


def make_couverture_jury():
    doc = new_document("Jury de soutenance")
    para(doc, [""], after=10)
    para(doc, ["Jury de soutenance"], style="Title")
    para(doc, [V("jury.nom")], style="Subtitle", size=16, bold=True)
    para(doc, ["Rapports de mission et bilans de l'alternance"], style="Consigne", after=8)
    form_table(doc, [
        [("Date", [(V("jury.date"), {"bold": True})])],
        [("Lieu", [V("jury.lieu")])],
        [("Présidence", [V("jury.president")])],
        [("Membres", [V("jury.membres_texte")])],
    ], widths=(3.9, usable_width() - 3.9))
    para(doc, ["Ordre de passage"], style="Heading 1", before=6)
    w = usable_width()
    t = new_table(doc, [1.5, 3.7, 5.4, w - 10.6])
    add_row(t, [head("Heure"), head("Étudiant·e"), head("Structure"), head("Mission")], height=0.55, header=True)
    tr_tag(t, "{%tr for p in passages %}")
    add_row(t, [{"parts": [V("p.heure")], "bold": True}, [V("p.etudiant.nom_complet")],
                {"parts": [V("p.etudiant.structure")], "size": 9},
                {"parts": [V("p.etudiant.mission|truncate(80, False, '…', 0)")], "size": 9}], height=0.6)
    tr_tag(t, "{%tr endfor %}")
    spacer(doc)
    para(doc, ["Sommaire"], style="Heading 1", page_break=True, before=0)
    para(doc, ["Pour chaque étudiant·e : grille d'évaluation du jury, compte rendu du bilan tripartite, livret "
               "de bilans intermédiaires et rapport de mission."], style="Consigne", after=6)
    s = new_table(doc, [7.0, 3.0, 2.4, w - 12.4])
    add_row(s, [head("Étudiant·e"), head("N° étudiant"), head("Passage"), head("Page", "right")], height=0.6,
            header=True)
    tr_tag(s, "{%tr for p in sommaire %}")
    add_row(s, [{"parts": [V("p.etudiant.nom_complet")], "bold": True}, [V("p.etudiant.numero")], [V("p.heure")],
                {"parts": [V("p.page")], "align": "right", "bold": True}], height=0.75)
    tr_tag(s, "{%tr endfor %}")
    return doc


def make_rapport_indisponible():
    doc = new_document("Document non disponible")
    para(doc, [""], after=40)
    para(doc, [V("document"), " non disponible"], style="Title")
    para(doc, [V("etudiant.nom_complet")], style="Subtitle")
    form_table(doc, [
        [("Étudiant·e", STUDENT_NAME)],
        [("N° étudiant", [V("etudiant.numero")])],
        [("Structure d'accueil", [V("etudiant.structure")])],
        [("Mission", [V("etudiant.mission")])],
        [("Fichier", [T("if fichier"), V("fichier"), T("else"),
                      ("aucun fichier fourni", {"italic": True, "color": GREY}), T("endif")])],
        [("Motif", [V("motif")])],
    ], widths=(3.9, usable_width() - 3.9))
    due_box(doc, [
        [("Ce document n'a pas pu être joint à votre dossier : « ", {"bold": True}),
         (V("document"), {"bold": True}), (" ».", {"bold": True})],
        ["Vous pouvez le demander à l'équipe pédagogique du parcours : ",
         V("promo.responsable"), T("if promo.courriel_responsable"), " (", V("promo.courriel_responsable"), ")",
         T("endif"), "."],
    ])
    return doc


BUILDERS = {
    "bilan": make_bilan,
    "livret": make_livret,
    "invitation": make_invitation,
    "emargement": make_emargement,
    "fiche": make_fiche,
    "cahier": make_cahier,
    "feuille_de_route": make_feuille_de_route,
    "compte_rendu": make_compte_rendu,
    "grille": make_grille,
    "couverture_jury": make_couverture_jury,
    "rapport_indisponible": make_rapport_indisponible,
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else OUT_DIR
    out.mkdir(parents=True, exist_ok=True)
    for family, build in BUILDERS.items():
        doc = build()
        spacer(doc, 1)  # a document never ends with a table or a {%p %} tag
        path = out / f"{family}.docx"
        save_stable(doc, path)
        print(f"{path}")
    return 0


def save_stable(doc, path: Path) -> None:
    """Save `doc` so that the same document always gives the same bytes: python-docx's part order,
    but every zip entry with a fixed time, mode and origin (core property dates are fixed above).
    tests/test_templates_source.py regenerates every template and compares the bytes."""
    buffer = io.BytesIO()
    doc.save(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w") as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever the machine
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(entry))
    path.write_bytes(out.getvalue())


if __name__ == "__main__":
    raise SystemExit(main())

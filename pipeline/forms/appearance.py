"""What a viewer shows of a pre-filled answer before anyone types: its appearance stream, and
the Unicode that goes with it.

Viewers redraw a field once someone types in it, with the field's own font (Helvetica,
Latin-1); until then they show the appearance copar draws. It is drawn here in the house font,
Carlito, with Symbola for what Carlito lacks (emoji), at the largest size from 10 down to 3
points that shows the whole answer: nothing is clipped, and a printed form keeps every word.
The values and tooltips are UTF-16 text strings, and the fonts' ToUnicode maps are mended so
that an emoji stays an emoji in the text layer.
"""

from __future__ import annotations

PAD = 2.0  # between a box's edge and its text, as viewers draw it
SIZES = [10.0 - 0.5 * i for i in range(15)]  # 10 down to 3 points: the largest that shows a long answer whole


def draw_value(c, value: str, w: float, h: float, multiline: bool, regular: str, fill: str, border: str) -> None:
    """A box's pre-filled appearance, on reportlab canvas `c` inside a form XObject of `w` × `h`:
    `regular` (Carlito) with the fallback font for emoji, at the largest size that shows it whole."""
    from pipeline.pdf.fonts import runs, width

    c.setFillColor(fill)
    c.setStrokeColor(border)
    c.setLineWidth(0.6)
    c.rect(0.3, 0.3, w - 0.6, h - 0.6, stroke=1, fill=1)
    inner = w - 2 * PAD - 2
    if multiline:
        for size in SIZES:
            lines = fit_lines(value, regular, size, inner)
            if len(lines) * size * 1.15 <= h - 2 * PAD:
                break
    else:
        lines = [value.replace("\n", " ")]
        size = next((s for s in SIZES if width(lines[0], regular, s) <= inner), SIZES[-1])
    path = c.beginPath()
    path.rect(PAD / 2, PAD / 2, w - PAD, h - PAD)
    c.clipPath(path, stroke=0, fill=0)
    c.setFillColor("#000000")
    top = h - PAD - size if multiline else (h - size * 0.7) / 2
    for i, line in enumerate(lines):
        t = c.beginText(PAD + 1, top - i * size * 1.15)
        for font, piece in runs(line, regular):
            t.setFont(font, size)
            t.textOut(piece)
        c.drawText(t)


def fit_lines(text: str, font: str, size: float, room: float) -> list[str]:
    """`text` wrapped at spaces (a word too long for a line is cut) into lines at most `room` wide."""
    from pipeline.pdf.fonts import width

    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if width(candidate, font, size) <= room or not line and width(word, font, size) <= room:
                line = candidate
                continue
            if line:
                lines.append(line)
            line = ""
            for ch in word:  # a word wider than the box
                if line and width(line + ch, font, size) > room:
                    lines.append(line)
                    line = ""
                line += ch
        lines.append(line)
    return lines


def fix_to_unicode(writer) -> None:
    """ReportLab writes a character beyond the BMP (an emoji) as `<1F331>` in a font's ToUnicode map,
    which readers cut to U+1F33: write it as the UTF-16 pair `<D83CDF31>`, so the text layer (copy,
    search, a printed form read back) has the emoji."""
    import re

    def pair(match: re.Match[bytes]) -> bytes:
        utf16 = chr(int(match.group(2), 16)).encode("utf-16-be").hex().upper().encode()
        return match.group(1) + b"<" + utf16 + b">"

    seen: set[int] = set()
    resources = [page.get("/Resources") for page in writer.pages]
    for page in writer.pages:
        for annot in page.get("/Annots", []) or []:
            ap = annot.get_object().get("/AP")
            if ap is not None and "/N" in ap:
                resources.append(ap["/N"].get_object().get("/Resources"))
    for res in resources:
        fonts = res.get_object().get("/Font") if res is not None else None
        for ref in (fonts.get_object().values() if fonts is not None else ()):
            font = ref.get_object()
            stream = font.get_object().get("/ToUnicode")
            stream = stream.get_object() if stream is not None else None
            if stream is None or id(stream) in seen:
                continue
            seen.add(id(stream))
            data = stream.get_data()
            fixed = re.sub(rb"(<[0-9A-F]{2}> )<([0-9A-F]{5,6})>", pair, data)
            if fixed != data:
                stream.set_data(fixed)


def unicode_text(text: str):
    """A PDF text string written as UTF-16BE with its byte order mark, whatever its characters."""
    import codecs

    from pypdf.generic import TextStringObject

    string = TextStringObject(text)
    string.autodetect_utf16, string.utf16_bom = True, codecs.BOM_UTF16_BE
    return string

"""The packet's own page number, stamped on every page: « Dossier de jury — p. 16 ».

Each part keeps its own « Page 1 sur 2 »; the sommaire gives the packet's page labels (i, ii
for the front matter, then 1, 2…). A jury member holding the printed packet finds page 16
thanks to this stamp: small grey Carlito (the house font, embedded) in the bottom margin,
below the templates' footer (which starts 1 cm from the edge), drawn as an overlay so that
nothing under it is changed. Rotated pages (/Rotate) get it at the bottom as they are shown.
"""

from __future__ import annotations

import io

from pypdf import PageObject, PdfReader, PdfWriter, Transformation

from pipeline.pdf.fonts import house_fonts

STAMP = "Dossier de jury — p. {label}"
FONT_SIZE = 7.5  # points
GREY = (110, 110, 110)  # RGB, which a PDF/A output intent (sRGB) covers
BOTTOM_MM = 5.0  # baseline above the bottom edge: inside printers' margins, below the footer
RIGHT_MM = 20.0  # right end of the text, aligned on the templates' right margin
MM = 72 / 25.4


def roman(n: int) -> str:
    """Lower-case roman numeral, as the packet's page labels show the front matter."""
    values = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
              (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))
    text = ""
    for value, letters in values:
        while n >= value:
            text += letters
            n -= value
    return text


def page_labels(pages: int, front_pages: int) -> list[str]:
    """The label of each page: i, ii… for the front matter, then 1, 2… (as assemble.py sets them)."""
    return [roman(i + 1) if i < front_pages else str(i - front_pages + 1) for i in range(pages)]


def _overlays(sizes: list[tuple[float, float]], labels: list[str]) -> PdfReader:
    """One page per packet page, of its (shown) size, holding only the stamp."""
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    font = house_fonts()[0]
    # the initial font is the stamp's: else every page would also refer to a Helvetica never embedded
    canvas = Canvas(buffer, pageCompression=1, initialFontName=font, initialFontSize=FONT_SIZE)
    for (width, height), label in zip(sizes, labels, strict=True):
        canvas.setPageSize((width, height))
        canvas.setFont(font, FONT_SIZE)
        canvas.setFillColorRGB(*(c / 255 for c in GREY))
        canvas.drawRightString(width - RIGHT_MM * MM, BOTTOM_MM * MM, STAMP.format(label=label))
        canvas.showPage()
    canvas.save()
    return PdfReader(io.BytesIO(buffer.getvalue()))


def _placement(page: PageObject) -> tuple[tuple[float, float], Transformation]:
    """The page's size as shown, and the transformation from that view into its own space."""
    box = page.mediabox
    x0, y0, w, h = float(box.left), float(box.bottom), float(box.width), float(box.height)
    rotation = (page.get("/Rotate") or 0) % 360
    if rotation == 90:
        return (h, w), Transformation((0, 1, -1, 0, x0 + w, y0))
    if rotation == 180:
        return (w, h), Transformation((-1, 0, 0, -1, x0 + w, y0 + h))
    if rotation == 270:
        return (h, w), Transformation((0, -1, 1, 0, x0, y0 + h))
    return (w, h), Transformation().translate(x0, y0)


def stamp_pages(writer: PdfWriter, front_pages: int) -> None:
    """Stamp every page of `writer` with its packet page label."""
    placements = [_placement(page) for page in writer.pages]
    labels = page_labels(len(writer.pages), front_pages)
    overlays = _overlays([size for size, _ in placements], labels)
    for page, overlay, (_, transformation) in zip(writer.pages, overlays.pages, placements, strict=True):
        page.merge_transformed_page(overlay, transformation, over=True, expand=False)

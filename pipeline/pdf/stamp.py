"""The packet's own page number, stamped on every page: « Dossier de jury — p. 16 ».

Each part keeps its own « Page 1 sur 2 »; the sommaire gives the packet's page labels (i, ii
for the front matter, then 1, 2…). A jury member holding the printed packet finds page 16
thanks to this stamp: small grey Carlito (the house font, embedded) in the bottom margin,
below the templates' footer (which starts 1 cm from the edge), drawn as an overlay so that
nothing under it is changed. Rotated pages (/Rotate) get it at the bottom as they are shown.
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
from functools import cache
from pathlib import Path

from pypdf import PageObject, PdfReader, PdfWriter, Transformation

STAMP = "Dossier de jury — p. {label}"
FONT_SIZE = 7.5  # points
GREY = (110, 110, 110)  # RGB, which a PDF/A output intent (sRGB) covers
BOTTOM_MM = 5.0  # baseline above the bottom edge: inside printers' margins, below the footer
RIGHT_MM = 20.0  # right end of the text, aligned on the templates' right margin
MM = 72 / 25.4
FONT_PATHS = (
    Path("/usr/share/fonts/truetype/crosextra/Carlito-Regular.ttf"),
    Path("/usr/share/fonts/crosextra/Carlito-Regular.ttf"),
)


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


@cache
def _font() -> Path | None:
    for path in FONT_PATHS:
        if path.is_file():
            return path
    if shutil.which("fc-match"):
        found = subprocess.run(["fc-match", "-f", "%{file}", "Carlito:style=Regular"], capture_output=True,
                               text=True, check=False).stdout.strip()
        if found and "carlito" in found.lower() and Path(found).is_file():
            return Path(found)
    return None


def _overlays(sizes: list[tuple[float, float]], labels: list[str]) -> PdfReader:
    """One page per packet page, of its (shown) size, holding only the stamp."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    font = _font()
    if font is not None:
        # fontTools (under fpdf2) logs a harmless remark about Carlito's timestamps on stderr
        logging.getLogger("fontTools").setLevel(logging.ERROR)
        pdf.add_font("Carlito", fname=str(font))
        family = "Carlito"
    else:  # no house font installed: a standard font, still readable
        family = "Helvetica"
    for (width, height), label in zip(sizes, labels, strict=True):
        pdf.add_page(format=(width, height))
        pdf.set_font(family, size=FONT_SIZE)
        pdf.set_text_color(*GREY)
        text = STAMP.format(label=label)
        pdf.text(width - RIGHT_MM * MM - pdf.get_string_width(text), height - BOTTOM_MM * MM, text)
    return PdfReader(io.BytesIO(bytes(pdf.output())))


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

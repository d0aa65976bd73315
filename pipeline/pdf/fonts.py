"""The house font, Carlito, for the PDF pages copar draws itself (reportlab): forms, packet stamps."""

from __future__ import annotations

from pathlib import Path

FONT_DIRS = ("/usr/share/fonts/truetype/crosextra", "/usr/share/fonts/crosextra", "/Library/Fonts")


def house_fonts() -> tuple[str, str, str]:
    """Carlito (regular, bold, italic) registered with reportlab when installed, else the PDF base fonts."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    names = ("Carlito", "Carlito-Bold", "Carlito-Italic")
    if all(n in pdfmetrics.getRegisteredFontNames() for n in names):
        return names
    for folder in FONT_DIRS:
        files = [Path(folder, f"{n}.ttf") for n in ("Carlito-Regular", "Carlito-Bold", "Carlito-Italic")]
        if all(f.is_file() for f in files):
            for name, file in zip(names, files, strict=True):
                pdfmetrics.registerFont(TTFont(name, str(file)))
            return names
    return "Helvetica", "Helvetica-Bold", "Helvetica-Oblique"

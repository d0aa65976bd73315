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


FALLBACK_FILES = ("/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf",
                  "/usr/share/fonts/truetype/ancient-scripts/Symbola.ttf", "/usr/share/fonts/truetype/symbola/Symbola.ttf")


def fallback_font() -> str | None:
    """Symbola (emoji, rare symbols) registered with reportlab when installed (fonts-symbola), else None."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "Symbola" in pdfmetrics.getRegisteredFontNames():
        return "Symbola"
    for file in FALLBACK_FILES:
        if Path(file).is_file():
            pdfmetrics.registerFont(TTFont("Symbola", file))
            return "Symbola"
    return None


def runs(text: str, font: str) -> list[tuple[str, str]]:
    """`text` cut into (font, piece) runs: `font` where it has the glyph, the fallback font elsewhere.

    `font` must be registered; a base-14 font (no Carlito installed) takes Latin-1 only."""
    from reportlab.pdfbase import pdfmetrics

    face = getattr(pdfmetrics.getFont(font), "face", None)
    has = (lambda ch: ord(ch) in face.charToGlyph) if face is not None else (lambda ch: ord(ch) < 256)
    other = fallback_font()
    out: list[tuple[str, str]] = []
    for ch in text:
        name = font if has(ch) or other is None or ch in "\n\t " else other
        if out and out[-1][0] == name:
            out[-1] = (name, out[-1][1] + ch)
        else:
            out.append((name, ch))
    return out


def width(text: str, font: str, size: float) -> float:
    """The printed width of `text` in `font` with the fallback font for what `font` lacks."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return sum(stringWidth(piece, name, size) for name, piece in runs(text, font))

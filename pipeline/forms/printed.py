"""A printed or flattened copar PDF form ("Imprimer → Enregistrer en PDF", a scanner's PDF with
its text layer): no fields left, so it is read from its text.

The identity is the line copar prints in every page's footer (pdf.identity_line: type, n°,
période, promotion, form version), checked by `collect` like any identity. The answers are the
words whose centre lies inside the boxes copar drew: the form is laid out again for that
identity (today's workbook) and each field's rectangle taken from it, scaled to the printed
page. What was a line break and what was wrapping cannot be told apart, so `collect` reports the
return as « formulaire imprimé, lu depuis le texte : à vérifier ». Text comes from Poppler's
`pdftotext -bbox-layout` (poppler-utils), run with a timeout in its own temporary folder.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from pipeline.forms import spec
from pipeline.workbook.model import Dataset

WHERE = "formulaire imprimé, lu depuis le texte : à vérifier"
TIMEOUT = 60
# the footer line of a form: « réf. bilan · n° … » (« copar bilan · n° … » on forms of earlier versions)
_IDENTITY = re.compile(r"(?:copar|réf\.)\s+(bilan|compte-rendu|grille)\s*·\s*n°\s*(\S+)\s*·\s*période\s*(\d+)\s*·\s*"
                       r"promotion\s*(\S+)\s*·\s*version\s*([0-9a-f]{12})")
_XHTML = "{http://www.w3.org/1999/xhtml}"

Box = tuple[int, float, float, float, float]  # page index, x0, top, x1, bottom (points, from the top left)


class NotPrinted(Exception):
    """Raised when a PDF's text is not a printed copar form; the message is the French reason."""


def read_printed(path: Path, ds: Dataset) -> tuple[spec.Identity, dict[str, Any]]:
    """The identity and the answers of a printed form. Raises NotPrinted (French reason)."""
    pages = _text_lines(path)
    if not any(lines for _, _, lines in pages):
        raise NotPrinted("PDF sans texte (une image, sans doute numérisée) : copar ne lit pas les scans. "
                         "Demandez le formulaire PDF rempli, enregistré depuis le lecteur PDF (Fichier > Enregistrer), "
                         "ou saisissez les réponses dans le classeur")
    found = next((m for _, _, lines in pages for words in lines
                  if (m := _IDENTITY.search(" ".join(w[4] for w in words)))), None)
    if found is None:
        raise NotPrinted("PDF sans champ de formulaire copar : ce n'est pas un formulaire produit par « copar forms »")
    form_type, numero, periode, annee, version = found.groups()
    identity = spec.Identity(form_type, numero, int(periode) or None, annee, version)
    boxes = _boxes(identity, ds)
    answers: dict[str, Any] = {}
    for key, (page, x0, top, x1, bottom) in boxes.items():
        if page >= len(pages):
            continue
        width, height, lines = pages[page]
        # printed on another paper size: scaled to fit and centred, as print dialogs do
        scale = min(width / _A4[0], height / _A4[1])
        dx, dy = (width - _A4[0] * scale) / 2, (height - _A4[1] * scale) / 2
        left, right, up, down = (x0 * scale + dx, x1 * scale + dx, top * scale + dy, bottom * scale + dy)
        inside = [" ".join(text for wx0, wtop, wx1, wbottom, text in words
                           if left <= (wx0 + wx1) / 2 <= right and up <= (wtop + wbottom) / 2 <= down)
                  for words in lines]
        inside = [line for line in inside if line]
        if inside:
            answers[key] = "\n".join(inside)
    if boxes and not answers:
        raise NotPrinted("formulaire imprimé vide : aucune réponse dans les cases")
    return identity, answers


_A4 = (595.28, 841.89)


def _boxes(identity: spec.Identity, ds: Dataset) -> dict[str, Box]:
    """Each field's rectangle on the form copar draws today for `identity` (blank)."""
    import io
    from dataclasses import replace

    from pypdf import PdfReader

    from pipeline.forms.content import build_forms
    from pipeline.forms.pdf import pdf_bytes

    if not any(s.numero == identity.numero for s in ds.students):
        return {}  # collect rejects the identity
    from pipeline.errors import CoparError

    try:
        forms = build_forms(ds, identity.type, identity.periode, identity.numero)
    except CoparError:  # a period out of range, an empty grille: collect reports the identity
        return {}
    if not forms:
        return {}
    reader = PdfReader(io.BytesIO(pdf_bytes(replace(forms[0], values={}))))
    boxes: dict[str, Box] = {}
    for n, page in enumerate(reader.pages):
        height = float(page.mediabox.top)
        for annot in page.get("/Annots", []) or []:
            widget = annot.get_object()
            parsed = spec.parse_field_name(str(widget.get("/T", "")))
            if parsed is not None:
                x0, y0, x1, y1 = (float(v) for v in widget["/Rect"])
                boxes[parsed[3]] = (n, x0, height - y1, x1, height - y0)
    return boxes


Word = tuple[float, float, float, float, str]  # x0, top, x1, bottom, text


def _text_lines(path: Path) -> list[tuple[float, float, list[list[Word]]]]:
    """Per page: its size and its text lines, each a list of words, as Poppler lays them out. A line
    may run across boxes (a criterion, its points, its note): words are sorted into boxes one by one."""
    from lxml import etree

    with tempfile.TemporaryDirectory(prefix="copar-printed-") as tmp:
        out = Path(tmp) / "text.html"
        try:
            subprocess.run(["pdftotext", "-bbox-layout", "-enc", "UTF-8", str(path.resolve()), str(out)], cwd=tmp,
                           capture_output=True, timeout=TIMEOUT, check=True)
            root = etree.fromstring(out.read_bytes(), etree.XMLParser(resolve_entities=False, no_network=True,
                                                                       recover=True))
        except FileNotFoundError as exc:
            raise NotPrinted("formulaire sans champs (imprimé ?) : pour le lire, installez poppler-utils "
                             "(scripts/setup.sh)") from exc
        except (subprocess.SubprocessError, OSError, etree.XMLSyntaxError) as exc:
            raise NotPrinted("PDF illisible : demandez un nouvel envoi du formulaire") from exc
    if root is None:
        raise NotPrinted("PDF illisible : demandez un nouvel envoi du formulaire")
    pages = []
    for page in root.iter(f"{_XHTML}page"):
        lines = []
        for line in page.iter(f"{_XHTML}line"):
            lines.append([(float(w.get("xMin", 0)), float(w.get("yMin", 0)), float(w.get("xMax", 0)),
                           float(w.get("yMax", 0)), w.text or "") for w in line.iter(f"{_XHTML}word")])
        pages.append((float(page.get("width", _A4[0])), float(page.get("height", _A4[1])), lines))
    return pages

"""Typing into copar's PDF forms as people do, in the engines of real viewers (tests only).

PDFium (Chrome, Edge) through pypdfium2's form API: a click on the box, one key event per UTF-16
unit (Enter for a line break), Ctrl+End, and PDFium's own save. Poppler (Evince, Okular) through
gir1.2-poppler, which only the system Python has: a subprocess. Firefox's PDF.js is driven in
Chromium by tests/test_pdf_viewers.py.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from pypdf import PdfReader

FWL_VKEY_RETURN, FWL_VKEY_END = 0x0D, 0x23
FWL_EVENTFLAG_CONTROLKEY = 0x02  # fpdf_fwlevent.h: Shift 1, Control 2, Alt 4, Meta 8


def widget_rects(path: Path) -> dict[str, tuple[int, tuple[float, float, float, float]]]:
    """Field key (the last part of copar's field name) → (page index, /Rect)."""
    rects = {}
    for n, page in enumerate(PdfReader(path).pages):
        for annot in page.get("/Annots", []) or []:
            widget = annot.get_object()
            name = str(widget.get("/T", ""))
            if name.startswith("copar__"):
                rects[name.rsplit("__", 1)[-1]] = (n, tuple(float(v) for v in widget["/Rect"]))
    return rects  # type: ignore[return-value]


def pdfium_type(src: Path, dst: Path, typed: dict[str, str], *, to_end: bool = False,
                render: Path | None = None) -> None:
    """Open `src` in PDFium with forms, click into each field of `typed`, type its text key by key
    (after Ctrl+End when `to_end`), save as `dst`; render the first typed field's page to `render`."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    rects = widget_rects(src)
    pdf = pdfium.PdfDocument(src)
    pdf.init_forms()
    env = pdf.formenv
    pages = {}
    for key, text in typed.items():
        index, (x0, y0, x1, y1) = rects[key]
        page = pages.get(index) or pages.setdefault(index, pdf[index])
        x, y = x0 + 6, y1 - 6  # the top left corner, inside the box
        raw.FORM_OnMouseMove(env, page, 0, x, y)
        raw.FORM_OnLButtonDown(env, page, 0, x, y)
        raw.FORM_OnLButtonUp(env, page, 0, x, y)
        if to_end:
            raw.FORM_OnKeyDown(env, page, FWL_VKEY_END, FWL_EVENTFLAG_CONTROLKEY)
            raw.FORM_OnKeyUp(env, page, FWL_VKEY_END, FWL_EVENTFLAG_CONTROLKEY)
        units = text.encode("utf-16-le")
        for i in range(0, len(units), 2):
            unit = int.from_bytes(units[i:i + 2], "little")
            if unit == 0x0A:  # Enter
                raw.FORM_OnKeyDown(env, page, FWL_VKEY_RETURN, 0)
                raw.FORM_OnChar(env, page, 0x0D, 0)
                raw.FORM_OnKeyUp(env, page, FWL_VKEY_RETURN, 0)
            else:
                raw.FORM_OnChar(env, page, unit, 0)
        raw.FORM_ForceToKillFocus(env)  # leave the field, as a click elsewhere does: the value is committed
    if render is not None:
        first = rects[next(iter(typed))][0]
        pages.get(first, pdf[first]).render(scale=2, may_draw_forms=True).to_pil().save(render)
    for page in pages.values():
        page.close()
    pdf.save(dst)
    pdf.close()


def pdfium_render(src: Path, png: Path, page: int = 0) -> None:
    """A page as Chrome shows it on opening: PDFium with forms (FPDF_FFLDraw), nothing typed."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(src)
    pdf.init_forms()
    pdf[page].render(scale=2, may_draw_forms=True).to_pil().save(png)
    pdf.close()


POPPLER_SCRIPT = r"""
import json, sys
import gi
gi.require_version("Poppler", "0.18")
from gi.repository import Gio, Poppler
src, dst, values = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
doc = Poppler.Document.new_from_file(Gio.File.new_for_path(src).get_uri(), None)
seen = []
for n in range(doc.get_n_pages()):
    for mapping in doc.get_page(n).get_form_field_mapping():
        field = mapping.field
        key = (field.get_name() or "").rsplit("__", 1)[-1]
        if field.get_field_type() == Poppler.FormFieldType.TEXT and key in values:
            field.text_set_text(values[key])
            seen.append([key, field.text_get_text_type() == Poppler.FormTextType.MULTILINE, field.text_get_max_len()])
doc.save(Gio.File.new_for_path(dst).get_uri())
print(json.dumps(seen))
"""


def poppler_fill(src: Path, dst: Path, values: dict[str, str]) -> list[list]:
    """Fill through Poppler's GLib API (what Evince does) with the system Python; returns
    [key, multiline, max length] for each field set."""
    out = subprocess.run(["/usr/bin/python3", "-c", POPPLER_SCRIPT, str(src.resolve()), str(dst.resolve()),
                          json.dumps(values)], capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout)


PDFJS = Path(__file__).parent / "js" / "node_modules" / "pdfjs-dist"
VIEWER_PAGE = Path(__file__).parent / "js" / "viewer.html"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def _serve(folder: Path):
    """An HTTP server on 127.0.0.1 (a free port) serving `folder`, in a daemon thread."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Handler(SimpleHTTPRequestHandler):
        extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".mjs": "text/javascript",
                          ".js": "text/javascript"}

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def pdfjs_type(src: Path, dst: Path, typed: dict[str, str], tmp: Path, *,
               screenshot: Path | None = None) -> dict[str, list]:
    """Open `src` in PDF.js's viewer in Chromium, click into each field of `typed` and type its text
    on the keyboard (Enter for a line break), then save with saveDocument() into `dst`.
    Returns PDF.js's fields: name → [page, annotation id, maxLen, multiline]. `screenshot`: the box
    with the longest text, after the typing."""
    import base64
    import os

    from playwright.sync_api import sync_playwright

    site = tmp / "site"
    site.mkdir()
    os.symlink(PDFJS, site / "pdfjs")
    (site / "index.html").write_bytes(VIEWER_PAGE.read_bytes())
    (site / "form.pdf").write_bytes(src.read_bytes())
    server = _serve(site)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1000, "height": 1200})
                errors: list[str] = []
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.goto(f"http://127.0.0.1:{server.server_address[1]}/index.html")
                page.wait_for_function("document.title === 'ready'", timeout=60_000)
                fields = page.evaluate("window.copar.fields")
                by_key = {name.rsplit("__", 1)[-1]: (name, info) for name, info in fields.items()}
                for key, text in typed.items():
                    _, (number, annotation, _, _) = by_key[key]
                    page.evaluate(f"window.copar.viewer.currentPageNumber = {number}")
                    box = page.locator(f"[data-element-id='{annotation}']")
                    box.wait_for(state="visible", timeout=30_000)
                    box.click()
                    page.keyboard.press("Control+End")
                    page.keyboard.type(text)
                    if screenshot is not None and text == max(typed.values(), key=len):
                        box.screenshot(path=str(screenshot))
                    page.keyboard.press("Tab")  # leave the field: PDF.js commits and formats the value
                assert not errors, errors
                dst.write_bytes(base64.b64decode(page.evaluate("window.copar.save()")))
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return fields

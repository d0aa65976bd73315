"""Removing active content from a packet: what a rapport could run or carry on a jury member's machine.

Decisions:

- Removed wherever they are (document, page, annotation, form field): /OpenAction,
  additional actions (/AA), the /JavaScript and /EmbeddedFiles name trees, XFA forms,
  and annotations that carry or play files (FileAttachment, Sound, Movie, Screen,
  RichMedia, 3D).
- Embedded files by any other road: associated files (/AF arrays, PDF 2.0 and PDF/A-3,
  on the catalog, pages, XObjects, annotations or structure elements), the file stream
  of any file specification (/EF) and a portfolio's /Collection. Nothing then refers to
  the file streams, and the writer drops them.
- Of the document's name trees only /Dests (named destinations, for links inside the
  document) is kept: /JavaScript, /EmbeddedFiles, and also /Templates (pages a script
  spawns), /Renditions and /AlternatePresentations (media), /AP, /Pages, /IDS, /URLS go.
- Links: an /URI action to http, https or mailto is kept as it is (without any /Next
  action chained to it); a /GoTo inside the document becomes a plain destination; any
  other action (/Launch, /JavaScript, /GoToR, /SubmitForm, /ImportData, …) is removed.
"""

from __future__ import annotations

from typing import Any

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

DOCUMENT_KEYS = ("/OpenAction", "/AA", "/Collection")
FILE_KEYS = ("/AF", "/EF")  # associated files, and a file specification's embedded streams
KEPT_NAME_TREES = ("/Dests",)
FILE_ANNOTATIONS = {"/FileAttachment", "/Sound", "/Movie", "/Screen", "/RichMedia", "/3D"}
SAFE_SCHEMES = ("http://", "https://", "mailto:")


def strip_active_content(writer: PdfWriter) -> int:
    """Remove every action but plain links, and every embedded file, from `writer`; how many were removed."""
    removed = 0
    root = writer.root_object
    for key in DOCUMENT_KEYS:
        removed += root.pop(key, None) is not None
    names = _dict(root.get("/Names"))
    if names is not None:
        for key in [k for k in names if k not in KEPT_NAME_TREES]:
            del names[key]
            removed += 1
    form = _dict(root.get("/AcroForm"))
    if form is not None:
        removed += form.pop("/XFA", None) is not None
    for obj in _every_dictionary(root):
        removed += _clean(obj)
    return removed


def _dict(value: Any) -> DictionaryObject | None:
    value = value.get_object() if value is not None else None
    return value if isinstance(value, DictionaryObject) else None


def _every_dictionary(start: DictionaryObject) -> list[DictionaryObject]:
    """Every dictionary (streams included) reachable from `start`, each once."""
    found: list[DictionaryObject] = []
    seen: set[int] = set()
    stack: list[Any] = [start]
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            key = item.idnum
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        elif id(item) in seen:
            continue
        else:
            seen.add(id(item))
        if isinstance(item, DictionaryObject):
            found.append(item)
            stack.extend(v for k, v in item.items() if k != "/Parent")
        elif isinstance(item, ArrayObject):
            stack.extend(item)
    return found


def _clean(obj: DictionaryObject) -> int:
    removed = 0
    if obj.pop("/AA", None) is not None:
        removed += 1
    for key in FILE_KEYS:
        removed += obj.pop(key, None) is not None
    if "/A" in obj:
        removed += _clean_action(obj)
    annots = obj.get("/Annots")
    if annots is not None and isinstance(annots.get_object(), ArrayObject):
        kept = ArrayObject(a for a in annots.get_object()
                           if (_dict(a) or DictionaryObject()).get("/Subtype") not in FILE_ANNOTATIONS)
        removed += len(annots.get_object()) - len(kept)
        if len(kept) != len(annots.get_object()):
            obj[NameObject("/Annots")] = kept
    return removed


def _clean_action(obj: DictionaryObject) -> int:
    """Keep a safe /URI, turn a /GoTo into /Dest, remove anything else; 1 when something was removed."""
    action = _dict(obj["/A"])
    kind = action.get("/S") if action is not None else None
    if action is not None and kind == "/URI" and str(action.get("/URI", "")).lower().startswith(SAFE_SCHEMES):
        return int(action.pop("/Next", None) is not None)
    if action is not None and kind == "/GoTo" and "/D" in action and "/Dest" not in obj:
        obj[NameObject("/Dest")] = action["/D"]
        del obj["/A"]
        return 0
    del obj["/A"]
    return 1

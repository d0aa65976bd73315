"""Rapports de mission are untrusted: matching by whole token, links, active content, size."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    TextStringObject,
)

from pipeline.pdf.assemble import PacketPart, PacketSection, assemble_packet
from pipeline.pdf.pdfinfo import probe_pdf
from pipeline.workbook.rapports import PRESENT, UNUSABLE, choose_rapport, find_rapports

# ---------------------------------------------------------------- matching and links


def test_a_numero_matches_only_a_whole_token(tmp_path: Path) -> None:
    for name in ("22001843-rapport-mission-v1.pdf", "rapport 1.pdf", "1_rapport.pdf", "rapport-11.pdf", "a1b.pdf"):
        (tmp_path / name).write_bytes(b"%PDF-1.4")
    found = find_rapports(tmp_path, ["1", "22001843"])
    assert found["1"] == [tmp_path / "1_rapport.pdf", tmp_path / "rapport 1.pdf"]
    assert found["22001843"] == [tmp_path / "22001843-rapport-mission-v1.pdf"]


def _blank_pdf(path: Path, pages: int = 1) -> Path:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(200, 200)
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def test_symlinks_outside_the_inputs_or_to_another_students_file_are_refused(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    rapports = inputs / "rapports"
    rapports.mkdir(parents=True)
    outside = _blank_pdf(tmp_path / "secret.pdf")
    other = _blank_pdf(rapports / "22001843-rapport.pdf")
    own = _blank_pdf(inputs / "22004512-original.pdf")
    (rapports / "22004512-rapport.pdf").symlink_to(outside)
    (rapports / "22005071-rapport.pdf").symlink_to(other)
    (rapports / "22006120-rapport.pdf").symlink_to(own)  # inside the inputs, but another N° in its name
    (rapports / "22003398-rapport.pdf").symlink_to(tmp_path / "nowhere.pdf")
    (rapports / "22001111-rapport.pdf").symlink_to(inputs / "22001111.pdf")
    _blank_pdf(inputs / "22001111.pdf")
    found = find_rapports(rapports, ["22004512", "22005071", "22006120", "22003398", "22001111"])

    def motif(numero: str) -> str:
        rapport = choose_rapport(found[numero], numero, max_bytes=2**20)
        return rapport.reason if rapport.state == UNUSABLE else rapport.state

    assert motif("22004512") == (f"lien symbolique vers un fichier hors du dossier des entrées ({outside}) : "
                                 "refusé, déposez le fichier lui-même")
    assert motif("22005071") == ("lien symbolique vers « 22001843-rapport.pdf », dont le nom ne porte pas le n° "
                                 "22005071 (le fichier d'un·e autre étudiant·e ?) : refusé")
    assert motif("22006120").startswith("lien symbolique vers « 22004512-original.pdf »")
    assert motif("22003398") == "lien symbolique cassé ou en boucle : déposez le fichier lui-même"
    assert motif("22001111") == PRESENT


# ---------------------------------------------------------------- size


@pytest.mark.slow
def test_a_valid_pdf_above_the_size_limit_is_too_large_not_damaged(tmp_path: Path) -> None:
    big = tmp_path / "22004512.pdf"
    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    page[NameObject("/Filler")] = TextStringObject(os.urandom(1_600_000).hex())  # ~3 MB, incompressible
    with big.open("wb") as fh:
        writer.write(fh)
    assert probe_pdf(big) is None
    assert probe_pdf(big, max_bytes=2 * 2**20) == (
        "PDF trop volumineux (3,1 Mo, la limite est de 2 Mo ; réduisez-le, par exemple en compressant ses images, "
        "ou relancez avec --rapport-max-mo)")
    rapport = choose_rapport([big], "22004512", max_bytes=2 * 2**20)
    assert rapport.state == UNUSABLE and rapport.reason.startswith("PDF trop volumineux (3,1 Mo")
    assert "endommagé" not in rapport.reason


# ---------------------------------------------------------------- active content


def _action(writer: PdfWriter, **entries: Any) -> IndirectObject:
    return writer._add_object(DictionaryObject({NameObject(k): v for k, v in entries.items()}))


def _js(writer: PdfWriter, code: str = "app.alert(1)") -> IndirectObject:
    return _action(writer, **{"/Type": NameObject("/Action"), "/S": NameObject("/JavaScript"),
                              "/JS": TextStringObject(code)})


def _link(writer: PdfWriter, action: IndirectObject) -> IndirectObject:
    rect = ArrayObject(FloatObject(v) for v in (10, 10, 50, 50))
    return _action(writer, **{"/Type": NameObject("/Annot"), "/Subtype": NameObject("/Link"), "/Rect": rect,
                              "/A": action})


def hostile_rapport(path: Path) -> Path:
    """A two-page PDF carrying every kind of active content, plus two plain web links."""
    writer = PdfWriter()
    first, second = writer.add_blank_page(300, 300), writer.add_blank_page(300, 300)
    root = writer.root_object
    root[NameObject("/OpenAction")] = _js(writer)
    root[NameObject("/AA")] = DictionaryObject({NameObject("/WC"): _js(writer)})
    writer.add_attachment("payload.exe", b"MZ" + b"\0" * 64)  # /Names /EmbeddedFiles
    names = root["/Names"].get_object()
    names[NameObject("/JavaScript")] = DictionaryObject({NameObject("/Names"): ArrayObject(
        [TextStringObject("init"), _js(writer, "app.launchURL('http://evil.example');")])})
    first[NameObject("/AA")] = DictionaryObject({NameObject("/O"): _js(writer)})
    launch = _action(writer, **{"/S": NameObject("/Launch"), "/F": TextStringObject("cmd.exe")})
    uri = _action(writer, **{"/S": NameObject("/URI"), "/URI": TextStringObject("https://www.univ-rennes2.fr/"),
                             "/Next": _js(writer)})
    js_uri = _action(writer, **{"/S": NameObject("/URI"), "/URI": TextStringObject("javascript:alert(1)")})
    goto = _action(writer, **{"/S": NameObject("/GoTo"),
                              "/D": ArrayObject([second.indirect_reference, NameObject("/Fit")])})
    annotated = _link(writer, _js(writer))
    annotated.get_object()[NameObject("/AA")] = DictionaryObject({NameObject("/E"): _js(writer)})
    attachment = _action(writer, **{"/Type": NameObject("/Annot"), "/Subtype": NameObject("/FileAttachment"),
                                    "/Rect": ArrayObject(FloatObject(v) for v in (60, 60, 80, 80)),
                                    "/FS": TextStringObject("payload.exe")})
    first[NameObject("/Annots")] = ArrayObject([
        _link(writer, launch), _link(writer, uri), _link(writer, js_uri), _link(writer, goto), annotated, attachment,
    ])
    second[NameObject("/Annots")] = ArrayObject([_link(writer, _action(
        writer, **{"/S": NameObject("/URI"), "/URI": TextStringObject("mailto:jury@example.org")}))])
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def every_object(reader: PdfReader) -> list[Any]:
    """Every indirect object of the file (from its cross-reference tables), then everything inside them."""
    found: list[Any] = []
    stack: list[Any] = [reader.trailer]
    for generation, numbers in reader.xref.items():
        stack.extend(IndirectObject(num, generation, reader) for num in numbers)
    stack.extend(IndirectObject(num, 0, reader) for num in reader.xref_objStm)
    seen: set[Any] = set()
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            if (item.idnum, item.generation) in seen:
                continue
            seen.add((item.idnum, item.generation))
            item = item.get_object()
        found.append(item)
        if isinstance(item, DictionaryObject):
            stack.extend(v for k, v in item.items() if k != "/Parent")
        elif isinstance(item, ArrayObject):
            stack.extend(item)
    return found


def active_content(reader: PdfReader) -> list[str]:
    problems = []
    for obj in every_object(reader):
        if not isinstance(obj, DictionaryObject):
            continue
        for key in ("/OpenAction", "/AA", "/JS", "/JavaScript", "/EmbeddedFiles", "/EF", "/Launch"):
            if key in obj:
                problems.append(key)
        if "/Next" in obj and "/S" in obj:  # an action chained to another (outline items have /Next too)
            problems.append("/Next")
        if obj.get("/S") not in (None, "/URI") and obj.get("/Type") == "/Action":
            problems.append(str(obj.get("/S")))
        if obj.get("/S") in ("/Launch", "/JavaScript", "/GoToR", "/SubmitForm"):
            problems.append(str(obj["/S"]))
        if obj.get("/Subtype") == "/FileAttachment" or obj.get("/Type") == "/Filespec":
            problems.append("attachment")
        if "/A" in obj:
            action = obj["/A"].get_object()
            if action.get("/S") != "/URI" or not str(action["/URI"]).startswith(("https:", "mailto:")):
                problems.append(f"action {action.get('/S')}")
    return problems


def test_active_content_never_reaches_a_packet(tmp_path: Path) -> None:
    rapport = hostile_rapport(tmp_path / "22004512-rapport.pdf")
    hostile = active_content(PdfReader(rapport))
    assert {"/OpenAction", "/AA", "/JS", "/JavaScript", "/EmbeddedFiles", "/Next", "attachment",
            "action /Launch", "action /JavaScript"} <= set(hostile)
    front = _blank_pdf(tmp_path / "front.pdf")
    grille = _blank_pdf(tmp_path / "grille.pdf")
    sections = [PacketSection("9 h 00 — Aïssatou N'Diaye", (PacketPart("Grille", grille),
                                                              PacketPart("Rapport de mission", rapport)))]
    out = tmp_path / "dossier.pdf"
    info = assemble_packet(front, sections, out, title="Dossier du jury A")
    assert info.pages == 4
    packet = PdfReader(out)
    assert active_content(packet) == []
    assert packet.attachments == {}
    # the plain links stay, the inner link becomes a destination
    links = [annot.get_object() for page in packet.pages for annot in page.get("/Annots", [])]
    uris = sorted(str(link["/A"]["/URI"]) for link in links if "/A" in link)
    assert uris == ["https://www.univ-rennes2.fr/", "mailto:jury@example.org"]
    dests = [link["/Dest"] for link in links if "/Dest" in link]
    assert len(dests) == 1 and dests[0][0].get_object() == packet.pages[3].get_object()


def test_real_rapports_lose_their_attachment_and_open_action_but_keep_their_link(tmp_path: Path) -> None:
    data = Path(__file__).parent / "data" / "pdf"
    attached, linked = data / "attach_embedded-file.pdf", data / "annot_uri-link-libreoffice.pdf"
    assert PdfReader(attached).attachments and "/OpenAction" in PdfReader(linked).root_object
    front = _blank_pdf(tmp_path / "front.pdf")
    sections = [PacketSection("9 h 00 — A", (PacketPart("Rapport de mission", attached),)),
                PacketSection("9 h 45 — B", (PacketPart("Rapport de mission", linked),))]
    out = tmp_path / "dossier.pdf"
    assemble_packet(front, sections, out, title="Dossier du jury B")
    packet = PdfReader(out)
    assert active_content(packet) == [] and packet.attachments == {}
    links = [a.get_object()["/A"]["/URI"] for page in packet.pages for a in page.get("/Annots", [])]
    assert links == ["https://martin-thoma.com/"]

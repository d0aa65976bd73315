"""A rapport's associated files (/AF, PDF 2.0 and PDF/A-3) never reach a jury packet, wherever they hang."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    TextStringObject,
)

from pipeline.pdf.active import strip_active_content
from pipeline.pdf.assemble import PacketPart, PacketSection, assemble_packet
from tests.test_untrusted_rapports import _blank_pdf, every_object

PAYLOAD = b"ASSOCIATED-FILE-PAYLOAD-"  # stored uncompressed: findable in the packet's bytes if it survived
FILE_KEYS = ("/AF", "/EF", "/EmbeddedFiles", "/Collection")


def _filespec(writer: PdfWriter, name: str) -> IndirectObject:
    stream = DecodedStreamObject()
    stream.set_data(PAYLOAD + name.encode())
    stream[NameObject("/Type")] = NameObject("/EmbeddedFile")
    return writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Filespec"), NameObject("/F"): TextStringObject(name),
        NameObject("/UF"): TextStringObject(name), NameObject("/AFRelationship"): NameObject("/Data"),
        NameObject("/EF"): DictionaryObject({NameObject("/F"): writer._add_object(stream)})}))


def _af(writer: PdfWriter, *names: str) -> ArrayObject:
    return ArrayObject(_filespec(writer, n) for n in names)


def rapport_with_associated_files(path: Path) -> Path:
    """Two pages with /AF on the catalog, a page, a form XObject, a link and a structure element,
    a portfolio /Collection, and an ordinary attachment (/Names /EmbeddedFiles)."""
    writer = PdfWriter()
    first, second = writer.add_blank_page(300, 300), writer.add_blank_page(300, 300)
    root = writer.root_object
    root[NameObject("/AF")] = _af(writer, "donnees.xlsx")
    root[NameObject("/Collection")] = DictionaryObject({NameObject("/Type"): NameObject("/Collection"),
                                                        NameObject("/View"): NameObject("/D")})
    writer.add_attachment("annexe.docm", PAYLOAD + b"names")
    first[NameObject("/AF")] = _af(writer, "page.exe", "page2.bin")
    drawing = DecodedStreamObject()
    drawing.set_data(b"0 0 m 10 10 l S")
    drawing.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
                    NameObject("/BBox"): ArrayObject(FloatObject(v) for v in (0, 0, 10, 10)),
                    NameObject("/AF"): _af(writer, "xobject.js")})
    first[NameObject("/Resources")] = DictionaryObject({NameObject("/XObject"): DictionaryObject(
        {NameObject("/Fm1"): writer._add_object(drawing)})})
    link = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
        NameObject("/Rect"): ArrayObject(FloatObject(v) for v in (10, 10, 50, 50)),
        NameObject("/A"): DictionaryObject({NameObject("/S"): NameObject("/URI"),
                                            NameObject("/URI"): TextStringObject("https://www.univ-rennes2.fr/")}),
        NameObject("/AF"): _af(writer, "lien.hta")}))
    second[NameObject("/Annots")] = ArrayObject([link])
    element = writer._add_object(DictionaryObject({NameObject("/Type"): NameObject("/StructElem"),
                                                   NameObject("/S"): NameObject("/P"),
                                                   NameObject("/AF"): _af(writer, "structure.vbs")}))
    root[NameObject("/StructTreeRoot")] = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/StructTreeRoot"), NameObject("/K"): ArrayObject([element])}))
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def _file_keys(reader: PdfReader) -> list[str]:
    return sorted(k for obj in every_object(reader) if isinstance(obj, DictionaryObject) for k in obj if k in FILE_KEYS)


def test_associated_files_are_stripped_from_the_packet(tmp_path: Path) -> None:
    rapport = rapport_with_associated_files(tmp_path / "22004512-rapport.pdf")
    source = PdfReader(rapport)
    assert set(_file_keys(source)) == set(FILE_KEYS)  # the test file carries each road
    assert _file_keys(source).count("/AF") == 5 and _file_keys(source).count("/EF") == 7
    assert rapport.read_bytes().count(PAYLOAD) == 7

    front, grille = _blank_pdf(tmp_path / "front.pdf"), _blank_pdf(tmp_path / "grille.pdf")
    sections = [PacketSection("9 h 00 — Aïssatou N'Diaye", (PacketPart("Grille", grille),
                                                              PacketPart("Rapport de mission", rapport)))]
    out = tmp_path / "dossier.pdf"
    assert assemble_packet(front, sections, out, title="Dossier du jury A").pages == 4

    packet = PdfReader(out)
    assert _file_keys(packet) == []
    assert packet.attachments == {}
    assert PAYLOAD not in out.read_bytes()  # the file streams themselves are gone, not only the references
    assert not [o for o in every_object(packet) if isinstance(o, DictionaryObject) and o.get("/Type") == "/Filespec"]
    # the rapport's own content stays: its drawing and its web link
    assert "/Fm1" in packet.pages[2]["/Resources"]["/XObject"]
    links = [a.get_object() for a in packet.pages[3].get("/Annots", [])]
    assert [str(a["/A"]["/URI"]) for a in links] == ["https://www.univ-rennes2.fr/"]


def test_only_named_destinations_stay_in_the_name_trees() -> None:
    """Whatever a pypdf version copies from a rapport's catalog, only /Dests survives the stripping."""
    writer = PdfWriter()
    writer.add_blank_page(300, 300)
    second = writer.add_blank_page(300, 300)
    writer.add_named_destination("annexe", 1)
    writer.add_attachment("annexe.docm", PAYLOAD)
    names = writer.root_object["/Names"].get_object()
    for tree in ("/Templates", "/Renditions", "/AlternatePresentations", "/JavaScript", "/URLS"):
        names[NameObject(tree)] = DictionaryObject({NameObject("/Names"): ArrayObject(
            [TextStringObject("x"), second.indirect_reference])})
    assert len(names) == 7
    assert strip_active_content(writer) == 6
    assert list(writer.root_object["/Names"]) == ["/Dests"]
    assert list(writer.named_destinations) == ["annexe"]

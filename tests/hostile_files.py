"""Hostile returned files, built on the spot: bombs, huge and sparse PDFs, nested identities.

Shared by tests/test_hostile_returns.py and tools/measure_returns.py (which prints what each costs).
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

_CHUNK = 2**20


def docx_bomb(path: Path, inflated: int = 2 * 2**30) -> Path:
    """A .docx of about 2 MB whose word/document.xml inflates to `inflated` bytes of spaces.

    Written by hand: one MiB of spaces deflated with a full flush is the same 1 KB block each
    time, so the bomb takes milliseconds to make, where zipfile would take seconds.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(b" " * _CHUNK) + compressor.flush(zlib.Z_FULL_FLUSH)
    count = inflated // _CHUNK
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(b" " * _CHUNK, crc)
    end = zlib.compressobj(9, zlib.DEFLATED, -15).flush()  # an empty final block
    data_size = len(block) * count + len(end)
    types = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
             b'content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
             b'officedocument.wordprocessingml.document.main+xml"/></Types>')
    entries = [(b"[Content_Types].xml", 0, zlib.crc32(types), len(types), len(types), [types]),
               (b"word/document.xml", 8, crc, data_size, count * _CHUNK, None)]
    central = b""
    with open(path, "wb") as fh:
        for name, method, crc_, csize, usize, payload in entries:
            offset = fh.tell()
            fh.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, method, 0, 0x21, crc_, csize, usize, len(name), 0))
            fh.write(name)
            if payload is None:
                for _ in range(count):
                    fh.write(block)
                fh.write(end)
            else:
                for part in payload:
                    fh.write(part)
            central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, method, 0, 0x21, crc_, csize, usize,
                                   len(name), 0, 0, 0, 0, 0, offset) + name
        start = fh.tell()
        fh.write(central)
        fh.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), start, 0))
    return path


def sparse_pdf(path: Path, size: int) -> Path:
    """A "PDF" of `size` bytes that takes no room on disk: a header, then a hole."""
    with open(path, "wb") as fh:
        fh.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        fh.truncate(size)
    return path


def pdf_declaring_objects(path: Path, count: int) -> Path:
    """A small PDF whose cross-reference trailer declares `count` objects."""
    path.write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\nxref\n0 1\n0000000000 65535 f \n"
                     b"trailer\n<< /Size " + str(count).encode() + b" /Root 1 0 R >>\nstartxref\n50\n%%EOF\n")
    return path


def pdf_with_objects(path: Path, count: int) -> Path:
    """A PDF holding `count` tiny objects (a few MB)."""
    body = b"".join(b"%d 0 obj null endobj\n" % n for n in range(1, count + 1))
    path.write_bytes(b"%PDF-1.7\n" + body + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")
    return path


def nested_json(depth: int) -> str:
    """An identity that is `depth` nested lists: json.loads recurses once per level."""
    return '{"type": ' + "[" * depth + "]" * depth + ', "numero": "1", "annee": "x", "version": "y"}'

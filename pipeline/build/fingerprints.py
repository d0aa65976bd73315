"""Fingerprints of rendered documents: what a DOCX was made from, so that an unchanged one is not
made again. Shared by the build (documents) and the packet stage (covers, placeholder pages)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline.files import sha256_file, sha256_text


def stable_json(context: dict[str, Any]) -> str:
    """The context as text, without the generation date (which alone does not make a document new)."""
    return json.dumps({k: v for k, v in context.items() if k != "genere_le"}, sort_keys=True, ensure_ascii=False,
                      default=str)


def fingerprint(context: dict[str, Any], template: Path, pdfa: bool) -> str:
    """What a document is rendered from: its context (less `genere_le`), its template, --pdfa."""
    return sha256_text(f"{stable_json(context)}|{sha256_file(template)}|{pdfa}")

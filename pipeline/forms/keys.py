"""The promotion's secret key, and the signature each form carries of its identity.

Decisions:

- One key per promotion: 32 random bytes, hex, in `.copar-cle` beside the workbook (a file
  tutors never receive: forms go out from outputs/, never from inputs/; the name starts with a
  dot, so `collect` and the workbook finders skip it; .gitignore lists it). `copar init`
  creates it; `copar forms` creates it when it is missing.
- A form's identity (type, N°, période, année, form version, recipient) is signed with
  HMAC-SHA256, truncated to 128 bits, and the signature travels with the identity (the PDF's
  /CoparFormulaire and XMP, the Word custom property, the workbook form's hidden sheet).
  Anyone can read an identity; nobody without the key can make one: renaming tutor A's form
  to tutor B's student, or inventing a type, breaks the signature.
- A form without signature was made before the key existed: accepted with a warning, and it
  never replaces a value already in the workbook (even with --remplacer). A signed form whose
  student is no longer followed by its recipient is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path

from pipeline.forms import spec
from pipeline.forms.layout import recipients
from pipeline.workbook.model import Dataset

KEY_FILE = ".copar-cle"
_MAC_HEX = 32


def key_path(workbook: Path) -> Path:
    """`.copar-cle` beside the workbook (inside a folder of CSV files)."""
    return (workbook if workbook.is_dir() else workbook.parent) / KEY_FILE


def load_key(workbook: Path) -> bytes | None:
    """The promotion's key, or None when it has none yet (or it is unreadable)."""
    try:
        text = key_path(workbook).read_text(encoding="ascii").strip()
        return bytes.fromhex(text) if len(text) >= 32 else None
    except (OSError, ValueError):
        return None


def ensure_key(workbook: Path) -> bytes:
    """The promotion's key, created (readable by its owner only) when there is none."""
    key = load_key(workbook)
    if key is not None:
        return key
    path = key_path(workbook)
    key = secrets.token_bytes(32)
    tmp = path.with_name(f"{KEY_FILE}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key.hex() + "\n")
    try:
        os.link(tmp, path)  # never over a key another command wrote meanwhile
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return load_key(workbook) or key


def mac(identity: spec.Identity, key: bytes) -> str:
    """The signature of an identity: HMAC-SHA256 of its fields, 32 hex digits."""
    fields = [identity.type, identity.numero, identity.periode, identity.annee, identity.version, identity.recipient]
    message = json.dumps(fields, ensure_ascii=False).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:_MAC_HEX]


def sign(identity: spec.Identity, recipient: str, key: bytes) -> spec.Identity:
    """The identity with its recipient and signature."""
    from dataclasses import replace

    unsigned = replace(identity, recipient=recipient, mac="")
    return replace(unsigned, mac=mac(unsigned, key))


UNSIGNED = ("formulaire sans signature (produit avant la clé de la promotion) : vérifiez qu'il vient bien "
            "de son ou sa destinataire ; il ne remplace aucune valeur du classeur")


def authenticate(identity: spec.Identity, ds: Dataset, key: bytes | None) -> str | None:
    """None when the identity may be trusted (signed, or from before the key); else the French reason."""
    if identity.type not in spec.TYPES:
        return f"type de formulaire inconnu « {identity.type[:40]} » : ce n'est pas un formulaire de copar"
    if not identity.mac:
        return None
    if key is None:
        return (f"formulaire signé, mais la clé de la promotion ({KEY_FILE}) est introuvable à côté du classeur : "
                "lancez « copar collect » sur le classeur qui a produit les formulaires")
    from dataclasses import replace

    if not hmac.compare_digest(identity.mac.encode(), mac(replace(identity, mac=""), key).encode()):
        return ("signature du formulaire invalide : son identité (type, N°, période, destinataire) a été modifiée "
                "ou il vient d'une autre promotion ; rien n'est repris")
    expected = recipients(ds, identity.type).get(identity.numero)
    if expected is None or expected.folder != identity.recipient:
        return (f"l'étudiant·e n° {identity.numero} n'est pas (ou plus) suivi·e par le ou la destinataire de ce "
                f"formulaire ({identity.recipient}) : produisez un nouveau formulaire avec « copar forms »")
    return None

"""copar.toml: the settings of one promotion, kept beside its workbook.

`copar init` writes it with French comments; `copar build` reads it, and its own options win
over it. Keys are French (staff edit the file); values are checked here and turned into the
field names of `Settings`. Relative paths are relative to the file's own folder.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from pipeline.errors import InputError
from pipeline.files import write_bytes_atomically
from pipeline.workbook.parse import parse_date

SETTINGS_FILE = "copar.toml"

SETTINGS_TEXT = """\
# Réglages de copar pour cette promotion (fichier lu par « copar build »).
# Une ligne par réglage : retirez le « # » du début pour l'activer. Les options de la
# commande (--templates, -o, --date-courrier…) l'emportent sur ce fichier.
# Les chemins relatifs partent du dossier de ce fichier.

# Dossier des modèles Word de l'université (à la place des modèles fournis) :
# modeles = "mes-modeles"

# Dossier où écrire les documents :
# sorties = "../outputs"

# Date inscrite sur les courriers (invitations), JJ/MM/AAAA ; sinon le paramètre
# « Date des courriers » de la feuille Promotion, sinon le jour de la production :
# date_courrier = "20/11/2024"

# Conversions LibreOffice en parallèle (1 à 16) :
# workers = 2

# PDF/A-2b (archivage) pour tous les PDF :
# pdfa = false

# Délai maximal d'un appel à LibreOffice, en secondes :
# delai = 180

# Nombre de sauvegardes du classeur gardées dans sauvegardes/ (les plus anciennes partent) :
# sauvegardes = 50

# Qui envoie et qui signe les courriels : feuille Promotion du classeur, paramètres
# « Secrétariat » et « Courriel secrétariat » (l'expéditeur·rice des brouillons) et
# « Signataire des courriels » (vide : l'équipe pédagogique). Les adresses des enseignant·es
# et des membres de jury : feuille Équipe.
#
# Envoi des courriels par « copar mails … --envoyer » (serveur SMTP de l'université).
# « expediteur » est l'adresse du compte qui envoie (en général celle du secrétariat).
# Le mot de passe n'est jamais écrit ici : variable d'environnement COPAR_SMTP_MOT_DE_PASSE,
# sinon copar le demande.
# [envoi]
# serveur = "smtp.univ-exemple.fr"
# port = 587
# securite = "starttls"          # « starttls », « ssl » ou « aucune »
# identifiant = "prenom.nom"
# expediteur = "Prénom Nom <prenom.nom@univ-exemple.fr>"
# messages_par_minute = 30
"""


@dataclass(frozen=True)
class FileSettings:
    """What copar.toml says, as `Settings` field names → values; `path` is None without a file."""

    path: Path | None = None
    values: dict[str, Any] = field(default_factory=dict)


def settings_path(entrees: Path) -> Path:
    """copar.toml beside the workbook (or inside the folder given as ENTRÉES)."""
    folder = entrees if entrees.is_dir() else entrees.parent
    return folder / SETTINGS_FILE


def write_settings_file(folder: Path) -> Path | None:
    """Write the commented copar.toml in `folder` unless one is there already (never overwritten)."""
    path = folder / SETTINGS_FILE
    if path.exists():
        return None
    write_bytes_atomically(path, SETTINGS_TEXT.encode("utf-8"))
    return path


def read_settings_file(entrees: Path) -> FileSettings:
    path = settings_path(entrees)
    if not path.is_file():
        return FileSettings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"Fichier de réglages {path} illisible ({exc}) : corrigez-le (chaque réglage s'écrit "
                         "nom = valeur, les textes entre guillemets) ou supprimez-le.") from exc
    values: dict[str, Any] = {}
    for key, raw in data.items():
        if key in SECTIONS:  # read by the command that uses it
            continue
        if key not in _KEYS:
            raise InputError(f"Réglage « {key} » inconnu dans {path} : réglages possibles : "
                             f"{', '.join(_KEYS)}.")
        name, convert = _KEYS[key]
        try:
            values[name] = convert(raw, path.parent)
        except (ValueError, TypeError) as exc:
            raise InputError(f"Réglage « {key} » de {path} incorrect ({exc}) : corrigez sa valeur.") from exc
    return FileSettings(path, values)


def _folder(raw: Any, base: Path) -> Path:
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError("un nom de dossier entre guillemets est attendu")
    return Path(os.path.normpath(base / raw.strip()))  # "inputs/../sorties" reads "sorties" in every message


def _templates(raw: Any, base: Path) -> Path:
    path = _folder(raw, base)
    if not path.is_dir():
        raise ValueError(f"le dossier {path} n'existe pas")
    return path


def _date(raw: Any, base: Path) -> dt.date:
    if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
        return raw
    return parse_date(str(raw))


def _workers(raw: Any, base: Path) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= 16:
        raise ValueError("un nombre entier de 1 à 16 est attendu")
    return raw


def _flag(raw: Any, base: Path) -> bool:
    if not isinstance(raw, bool):
        raise ValueError("true ou false est attendu")
    return raw


def _seconds(raw: Any, base: Path) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not 5 <= raw <= 3600:
        raise ValueError("un nombre de secondes de 5 à 3600 est attendu")
    return float(raw)


def _count(raw: Any, base: Path) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= 10000:
        raise ValueError("un nombre entier de 1 à 10000 est attendu")
    return raw


# French key → (Settings field, converter)
_KEYS: dict[str, tuple[str, Callable[[Any, Path], Any]]] = {
    "modeles": ("templates", _templates),
    "sorties": ("output", _folder),
    "date_courrier": ("letter_date", _date),
    "workers": ("workers", _workers),
    "pdfa": ("pdfa", _flag),
    "delai": ("timeout", _seconds),
    "sauvegardes": ("backups_kept", _count),
}
SECTIONS = ("envoi",)  # tables of their own: [envoi] is pipeline.sending.smtp's
KEY_OF_FIELD = {name: key for key, (name, _) in _KEYS.items()}


def describe(templates: Path | None, file: FileSettings, from_file: list[str]) -> str:
    """The build's first line: which templates, which settings file and what it set."""
    which = f"modèles de {templates}" if templates else "modèles fournis avec copar"
    if file.path is None:
        return f"Modèles : {which} ; pas de fichier de réglages {SETTINGS_FILE} (valeurs par défaut)."
    used = ", ".join(KEY_OF_FIELD[name] for name in from_file) or "aucun réglage actif"
    return f"Modèles : {which} ; réglages : {file.path} ({used}) ; les options de la commande priment."

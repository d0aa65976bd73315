"""French for click's own words ("Usage:", "Options", "Show this message and exit.", errors).

Click translates through `gettext`; the project ships no .mo catalogue, so the few
strings a user of copar can meet are mapped here and the modules' `_` rebound. This module does
not import click: cli.py, the only one that does, hands it click's modules.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from types import ModuleType

FRENCH = {
    "Usage:": "Utilisation :",
    "Options": "Options",
    "Commands": "Commandes",
    "Show this message and exit.": "Affiche cette aide et quitte.",
    "Show the version and exit.": "Affiche la version et quitte.",
    "%(prog)s, version %(version)s": "%(prog)s, version %(version)s",
    "Error: {message}": "Erreur : {message}",
    "Try '{command} {option}' for help.": "Essayez « {command} {option} » pour l'aide.",
    "No such command {name!r}.": "Commande inconnue : {name!r}.",
    "No such option {name!r}.": "Option inconnue : {name!r}.",
    "Missing argument": "Argument manquant",
    "Missing option": "Option manquante",
    "Missing parameter": "Paramètre manquant",
    "Missing command.": "Commande manquante.",
    "Invalid value for {param_hint}: {message}": "Valeur invalide pour {param_hint} : {message}",
    "Invalid value: {message}": "Valeur invalide : {message}",
    "Aborted!": "Interrompu.",
    "default: {default}": "par défaut : {default}",
    "required": "obligatoire",
    "Choose from:\n\t{choices}": "Choisissez parmi :\n\t{choices}",
    "{name} {filename!r} does not exist.": "{name} {filename!r} n'existe pas.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} est un dossier.",
    "{name} {filename!r} is a file.": "{name} {filename!r} est un fichier.",
    "{value!r} is not a valid {number_type}.": "{value!r} n'est pas un nombre valide.",
    "{value} is not in the range {range}.": "{value} n'est pas dans l'intervalle {range}.",
    "{value!r} is not one of {choices}.": "{value!r} ne fait pas partie de : {choices}.",
    "{value!r} is not {choice}.": "{value!r} n'est pas {choice}.",
    "file": "fichier",
    "directory": "dossier",
    "path": "chemin",
    "Got unexpected extra argument ({args})": "Argument en trop : {args}",
    "Got unexpected extra arguments ({args})": "Arguments en trop : {args}",
    "Did you mean {possibility}?": "Vouliez-vous dire {possibility} ?",
    "(Did you mean one of: {possibilities}?)": "(Vouliez-vous dire l'une de : {possibilities} ?)",
    "Option {name!r} requires an argument.": "L'option {name!r} demande une valeur.",
    "Option {name!r} requires {nargs} arguments.": "L'option {name!r} demande {nargs} valeurs.",
}


def translate(message: str) -> str:
    """The French of one of click's messages (itself when it has none)."""
    return FRENCH.get(message, gettext.gettext(message))


def _nfrench(singular: str, plural: str, n: int) -> str:
    return translate(singular if n == 1 else plural)


@contextmanager
def french(modules: Iterable[ModuleType]) -> Iterator[None]:
    """Click speaks French inside this block only (importing copar changes nothing in click).

    `modules` are click's modules that translate (cli.py passes them: it is the only module that
    imports click); their `_` and `ngettext` are rebound for the block and restored after it.
    """
    saved = [(m, vars(m).get("_"), vars(m).get("ngettext")) for m in modules]
    for module, underscore, ngettext in saved:
        if underscore is not None:
            module._ = translate  # type: ignore[attr-defined]
        if ngettext is not None:
            module.ngettext = _nfrench  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for module, underscore, ngettext in saved:
            if underscore is not None:
                module._ = underscore  # type: ignore[attr-defined]
            if ngettext is not None:
                module.ngettext = ngettext  # type: ignore[attr-defined]

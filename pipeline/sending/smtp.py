"""The SMTP side of `copar mails --envoyer`: the [envoi] settings and one message's transaction.

The transaction is spelled out (MAIL, RCPT for each recipient, DATA) so that its outcome is
exact: a temporary answer (4xx) or a dropped connection *before* the message's content went
out means nothing was delivered and it can be tried again; a permanent answer (5xx) to a
recipient is reported for that recipient, the others still get the message; a connection
lost *after* the content went out and before the server's answer is « incertain ».
"""

from __future__ import annotations

import re
import smtplib
import ssl
import tomllib
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from pipeline.errors import CoparError, InputError
from pipeline.workbook.config import settings_path

SECTION = "envoi"
SECURITY = ("starttls", "ssl", "aucune")
PASSWORD_ENV = "COPAR_SMTP_MOT_DE_PASSE"


class SmtpError(CoparError):
    """Raised when the SMTP server cannot be reached or refuses the login."""


@dataclass(frozen=True)
class SmtpSettings:
    serveur: str
    expediteur: str  # « Nom <adresse> » or « adresse »: From, and the envelope sender
    port: int = 587
    securite: str = "starttls"
    identifiant: str = ""
    messages_par_minute: float = 30.0
    essais: int = 4  # attempts per message on temporary failures
    attente: float = 5.0  # seconds before the 2nd attempt, doubled at each one
    certificat: Path | None = None  # the authority that signs the server's certificate, when not a public one
    delai: float = 60.0  # socket timeout, seconds

    @property
    def sender_address(self) -> str:
        return parseaddr(self.expediteur)[1]


_DESCRIPTION = {
    "serveur": "le nom du serveur SMTP de l'université, entre guillemets",
    "expediteur": "l'adresse d'expédition, « Nom <adresse> » ou « adresse », entre guillemets",
    "port": "un nombre entier de 1 à 65535",
    "securite": "« starttls », « ssl » ou « aucune »",
    "identifiant": "l'identifiant de connexion, entre guillemets",
    "messages_par_minute": "un nombre de 1 à 6000",
    "essais": "un nombre entier de 1 à 10",
    "attente": "un nombre de secondes de 0 à 600",
    "certificat": "le chemin d'un fichier .pem, entre guillemets",
    "delai": "un nombre de secondes de 1 à 600",
}


def read_smtp_settings(entrees: Path) -> SmtpSettings:
    """The [envoi] table of copar.toml beside the workbook; a French error naming what to fix."""
    path = settings_path(entrees)
    example = (f"[{SECTION}]\nserveur = \"smtp.univ-exemple.fr\"\nport = 587\nsecurite = \"starttls\"\n"
               "identifiant = \"prenom.nom\"\nexpediteur = \"Prénom Nom <prenom.nom@univ-exemple.fr>\"")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"Fichier de réglages {path} illisible ({exc}) : corrigez-le.") from exc
    table = data.get(SECTION)
    if not isinstance(table, dict) or not table.get("serveur") or not table.get("expediteur"):
        raise InputError(f"Pour envoyer, {path} doit avoir une section [{SECTION}] avec au moins serveur et "
                         f"expediteur, par exemple :\n{example}")
    values: dict[str, Any] = {}
    for key, raw in table.items():
        if key not in _DESCRIPTION:
            raise InputError(f"Réglage « {key} » inconnu dans la section [{SECTION}] de {path} : réglages "
                             f"possibles : {', '.join(_DESCRIPTION)}.")
        try:
            values[key] = _convert(key, raw, path.parent)
        except (ValueError, TypeError):
            raise InputError(f"Réglage « {key} » de la section [{SECTION}] de {path} incorrect ({raw!r}) : "
                             f"il faut {_DESCRIPTION[key]}.") from None
    if "port" not in values:
        values["port"] = {"ssl": 465, "aucune": 25}.get(values.get("securite", "starttls"), 587)
    settings = SmtpSettings(**values)
    if "@" not in settings.sender_address:
        raise InputError(f"Réglage « expediteur » de {path} sans adresse valide ({settings.expediteur!r}) : "
                         "écrivez « Nom <adresse> » ou « adresse ».")
    return settings


def _convert(key: str, raw: Any, base: Path) -> Any:
    if key in ("serveur", "expediteur", "identifiant", "securite", "certificat"):
        if not isinstance(raw, str) or (key != "identifiant" and not raw.strip()):
            raise ValueError(key)
        if key == "securite" and raw not in SECURITY:
            raise ValueError(key)
        if key == "certificat":
            path = base / raw
            if not path.is_file():
                raise ValueError(key)
            return path
        return raw.strip()
    limits = {"port": (1, 65535), "messages_par_minute": (1, 6000), "essais": (1, 10), "attente": (0, 600),
              "delai": (1, 600)}
    low, high = limits[key]
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not low <= raw <= high:
        raise ValueError(key)
    if key in ("port", "essais") and not isinstance(raw, int):
        raise ValueError(key)
    return raw


@dataclass
class Delivery:
    """What the server did with one message."""

    delivered: list[str] = field(default_factory=list)  # addresses that accepted it
    refused: dict[str, str] = field(default_factory=dict)  # address → « 550 … » (permanent)
    temporary: str = ""  # a 4xx or a lost connection before the content went out: try again
    uncertain: str = ""  # lost after the content went out, before the answer


def _answer(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {' '.join(words.split())}"


class Connection:
    """One authenticated SMTP session, opened on first use and again after a loss."""

    def __init__(self, settings: SmtpSettings, password: str | None) -> None:
        self.settings = settings
        self.password = password
        self.smtp: smtplib.SMTP | None = None

    def _context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.settings.certificat) if self.settings.certificat else None)

    def open(self) -> None:
        s = self.settings
        where = f"{s.serveur}:{s.port}"
        try:
            if s.securite == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.serveur, s.port, timeout=s.delai, context=self._context())
            else:
                smtp = smtplib.SMTP(s.serveur, s.port, timeout=s.delai)
            smtp.ehlo()
            if s.securite == "starttls":
                smtp.starttls(context=self._context())
                smtp.ehlo()
            if s.identifiant:
                smtp.login(s.identifiant, self.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise SmtpError(f"Le serveur {where} refuse l'identifiant « {s.identifiant} » et ce mot de passe "
                            f"({_answer(exc.smtp_code, exc.smtp_error)}) : vérifiez l'identifiant dans copar.toml "
                            f"et le mot de passe ({PASSWORD_ENV}). Rien n'a été envoyé.") from None
        except smtplib.SMTPNotSupportedError as exc:
            raise SmtpError(f"Le serveur {where} ne propose pas ce qui est demandé ({exc}) : vérifiez « securite » "
                            "et « port » dans la section [envoi] de copar.toml.") from None
        except ssl.SSLError as exc:
            raise SmtpError(f"Connexion chiffrée impossible avec {where} ({exc.reason or exc}) : vérifiez « securite », "
                            "« port » et, pour un certificat interne à l'université, « certificat ».") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise SmtpError(f"Impossible de joindre le serveur {where} ({exc}) : vérifiez « serveur » et « port » "
                            "dans la section [envoi] de copar.toml, et la connexion au réseau.") from None
        self.smtp = smtp

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None

    def _drop(self) -> None:
        if self.smtp is not None:
            self.smtp.close()
            self.smtp = None

    def send(self, content: bytes, recipients: list[str]) -> Delivery:
        """Hand one message to the server; never raises for what the server answers."""
        try:
            if self.smtp is None:
                self.open()
            assert self.smtp is not None
            return self._transaction(self.smtp, content, recipients)
        except SmtpError:
            raise
        except (OSError, smtplib.SMTPServerDisconnected) as exc:  # lost before the content went out
            self._drop()
            return Delivery(temporary=f"connexion perdue ({exc or type(exc).__name__})")

    def _transaction(self, smtp: smtplib.SMTP, content: bytes, recipients: list[str]) -> Delivery:
        code, text = smtp.mail(self.settings.sender_address)
        if code != 250:
            return self._refused_all(smtp, code, text, recipients)
        outcome = Delivery()
        for address in recipients:
            code, text = smtp.rcpt(address)
            if code in (250, 251):
                outcome.delivered.append(address)
            elif 400 <= code < 500:  # one recipient not now: nobody now, all again later
                self._reset(smtp, code)
                return Delivery(temporary=f"{address} : {_answer(code, text)}")
            else:
                outcome.refused[address] = _answer(code, text)
        if not outcome.delivered:
            self._reset(smtp, 0)
            return outcome
        code, text = smtp.docmd("DATA")
        if code != 354:
            return self._refused_all(smtp, code, text, outcome.delivered, outcome)
        try:
            smtp.send(_dot_stuffed(content))
            code, text = smtp.getreply()
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            self._drop()
            return Delivery(uncertain=f"connexion perdue après l'envoi du message, avant la réponse du serveur ({exc})")
        if code == 250:
            return outcome
        if 400 <= code < 500:
            return Delivery(temporary=_answer(code, text))
        return Delivery(refused={**outcome.refused, **{a: _answer(code, text) for a in outcome.delivered}})

    def _refused_all(self, smtp: smtplib.SMTP, code: int, text: bytes, recipients: list[str],
                     outcome: Delivery | None = None) -> Delivery:
        self._reset(smtp, code)
        if code == 421 or 400 <= code < 500:
            return Delivery(temporary=_answer(code, text))
        refused = dict(outcome.refused) if outcome else {}
        return Delivery(refused={**refused, **{a: _answer(code, text) for a in recipients}})

    def _reset(self, smtp: smtplib.SMTP, code: int) -> None:
        if code == 421:  # the server is closing the connection
            self._drop()
            return
        try:
            smtp.rset()
        except (OSError, smtplib.SMTPException):
            self._drop()


def _dot_stuffed(content: bytes) -> bytes:
    """The message as DATA sends it: CRLF lines, leading dots doubled, ending with CRLF.CRLF."""
    data = re.sub(rb"\r\n|\n|\r", b"\r\n", content)
    data = re.sub(rb"(?m)^\.", b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def host_of(settings: SmtpSettings) -> str:
    """For messages: where the server is."""
    return f"{settings.serveur}:{settings.port}"


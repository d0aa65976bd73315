"""A real SMTP server for the sending tests: aiosmtpd on 127.0.0.1, STARTTLS then AUTH required.

The certificate is self-signed, made here with `cryptography` for 127.0.0.1; copar trusts it
through the `certificat` setting of [envoi]. Messages land in `Mailbox.messages`; faults are
switches on the mailbox: answer 451 (a few times) or 550 to a recipient, drop the connection
after N messages, hold one message (after keeping it) so that a test can kill copar while it
waits for the answer.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import json
import socket
import ssl
import threading
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HOST = "127.0.0.1"
LOGIN, PASSWORD = "secretariat", "mot-de-passe-de-test"


def make_certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "serveur-test.pem", folder / "serveur-test.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    @property
    def message(self) -> EmailMessage:
        msg = BytesParser(policy=policy.default).parsebytes(self.content)
        assert isinstance(msg, EmailMessage)
        return msg


@dataclass
class Mailbox:
    messages: list[Received] = field(default_factory=list)
    temporary: dict[str, int] = field(default_factory=dict)  # address → how many 451 answers before accepting
    permanent: set[str] = field(default_factory=set)  # addresses answered 550
    drop_after: int | None = None  # close the connection at the MAIL after this many messages (once)
    hold_at: int | None = None  # keep message N, then wait for `release` before answering
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    logins: list[str] = field(default_factory=list)
    tls_at_auth: list[bool] = field(default_factory=list)
    dropped: bool = False

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address.lower() in (a.lower() for a in m.rcpt_tos)]

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if self.drop_after is not None and not self.dropped and len(self.messages) >= self.drop_after:
            self.dropped = True
            server.transport.close()
            return "421 4.4.2 connexion coupée pour le test"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if self.temporary.get(address, 0) > 0:
            self.temporary[address] -= 1
            return "451 4.3.0 essayez plus tard"
        if address in self.permanent:
            return "550 5.1.1 destinataire inconnu"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        if self.hold_at is not None and len(self.messages) == self.hold_at:
            self.held.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        return "250 OK"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        self.tls_at_auth.append(session.ssl is not None)
        ok = isinstance(data, LoginPassword) and data.login == LOGIN.encode() and data.password == PASSWORD.encode()
        if ok:
            self.logins.append(LOGIN)
        return AuthResult(success=ok, handled=False)


class Server:
    """The running server (a context manager): `port`, `certificate`, `mailbox`."""

    def __init__(self, folder: Path) -> None:
        self.certificate, key = make_certificate(folder)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.certificate, key)
        self.mailbox = Mailbox()
        self.port = free_port()
        self.controller = Controller(self.mailbox, hostname=HOST, port=self.port, tls_context=context, ready_timeout=60,
                                     require_starttls=True, auth_required=True, auth_require_tls=True,
                                     authenticator=self.mailbox.authenticate)

    def __enter__(self) -> Server:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.mailbox.release.set()
        self.controller.stop()

    def settings(self, **extra: Any) -> str:
        """The [envoi] table for copar.toml, pointing at this server only."""
        values: dict[str, Any] = {"serveur": HOST, "port": self.port, "securite": "starttls", "identifiant": LOGIN,
                                  "expediteur": "Secrétariat COPAR <secretariat@copar.test>",
                                  "messages_par_minute": 6000, "attente": 0.05, "certificat": str(self.certificate),
                                  **extra}
        lines = ["[envoi]"] + [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in values.items()]
        return "\n".join(lines) + "\n"

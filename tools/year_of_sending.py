"""A year of sending, as a secretary would run it: the acceptance run of issue 19.

    .venv/bin/python tools/year_of_sending.py [--garder DOSSIER]

On a copy of the sample promotion in a temporary folder (or DOSSIER, kept), with a local SMTP
server (aiosmtpd on 127.0.0.1, STARTTLS then AUTH, tests/smtp_server.py — nothing leaves the
machine), it runs the copar command line in that folder, step by step:

1. the tutors' meeting: `build`, then `mails --pour reunion-tuteurs --envoyer --oui`;
2. the period-2 forms (the copy starts with no period-2 bilan in the workbook, as in December):
   `forms`, then `mails --pour formulaires --periode 2 --envoyer --oui`;
3. some tutors send their forms back, filled: `collect`; then one reminder round to those
   who still owe one: `mails --pour relance --type bilan --periode 2 --envoyer --oui`;
4. a student's name was misspelled: fixed in the workbook, then `build` and `forms` again,
   `envois --a-renvoyer`, and only what changed is sent again, marked « Version corrigée ».

After each step: the ledger (`copar envois`) and the mailbox's counts. No draft is opened.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import openpyxl  # noqa: E402
from pypdf import PdfReader, PdfWriter  # noqa: E402

from pipeline.sending.smtp import PASSWORD_ENV  # noqa: E402
from tests.smtp_server import PASSWORD, Server  # noqa: E402

RENAMED = ("22004512", "N'Diaye", "N'Diaye-Sow")  # N° étudiant, name as typed, name as it should be
RETURNS = 12  # forms sent back before the reminder


def copar(folder: Path, *args: str) -> int:
    """Run `copar ARGS…` in `folder` and show it as a terminal would."""
    print(f"\n$ copar {' '.join(args)}", flush=True)
    env = {**os.environ, PASSWORD_ENV: PASSWORD, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=1800)
    print((done.stdout + done.stderr).rstrip("\n"))
    if done.returncode:
        print(f"(code de sortie {done.returncode})")
    return done.returncode


def mailbox(server: Server, before: int) -> None:
    box = server.mailbox
    people = {a.lower() for m in box.messages for a in m.rcpt_tos}
    print(f"\n[boîte du serveur de test] {len(box.messages) - before} message(s) reçus à cette étape, "
          f"{len(box.messages)} en tout, pour {len(people)} adresses distinctes.")


def step(title: str) -> None:
    print(f"\n{'=' * 100}\n{title}\n{'=' * 100}", flush=True)


def without_period(workbook: Path, periode: int) -> int:
    """December: no bilan of that period has come back yet (the sample has the whole year)."""
    wb = openpyxl.load_workbook(workbook)
    ws = wb["Bilans intermédiaires"]
    headers = [c.value for c in ws[1]]
    column = headers.index("Période")
    rows = [r[0].row for r in ws.iter_rows(min_row=2) if r[column].value == periode]
    for row in reversed(rows):
        ws.delete_rows(row)
    wb.save(workbook)
    return len(rows)


def fill_some(forms: Path, target: Path, count: int) -> list[str]:
    """What tutors send back: `count` period-2 forms, filled in a PDF viewer (here pypdf)."""
    target.mkdir(parents=True, exist_ok=True)
    returned = []
    for pdf in sorted(forms.glob("tuteur-*/*.pdf"))[:count]:
        writer = PdfWriter(clone_from=PdfReader(pdf))
        names = [n for n in (writer.get_fields() or {}) if n.endswith("__activites")]
        for page in writer.pages:
            writer.update_page_form_field_values(page, {n: "Animation des ateliers de quartier ; "
                                                           "entretiens avec les habitant·es." for n in names},
                                                 auto_regenerate=False)
        with (target / pdf.name).open("wb") as fh:
            writer.write(fh)
        returned.append(pdf.name.split("-")[0])
    return returned


def rename(workbook: Path, numero: str, old: str, new: str) -> None:
    wb = openpyxl.load_workbook(workbook)
    ws = wb["Étudiant·es"]
    headers = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if str(row[headers.index("N° étudiant")].value) == numero:
            assert row[headers.index("Nom")].value == old
            row[headers.index("Nom")].value = new
    wb.save(workbook)


def run(folder: Path) -> None:
    logging.getLogger("mail.log").setLevel(logging.ERROR)  # the test server's own chatter
    inputs = folder / "inputs"
    shutil.copytree(ROOT / "inputs", inputs, ignore=shutil.ignore_patterns("envois", "sauvegardes", ".copar-cle"))
    with Server(folder) as server:
        (inputs / "copar.toml").write_text(server.settings(expediteur="Nadia Le Gall <secretariat.copar@univ-exemple.fr>"),
                                           encoding="utf-8")
        removed = without_period(inputs / "promotion.xlsx", 2)
        print(f"Copie de la promotion d'exemple : {folder} ; serveur SMTP de test 127.0.0.1:{server.port} "
              f"(STARTTLS, AUTH). Bilans de la période 2 retirés de la copie (décembre, rien n'est revenu) : {removed}.")

        step("1. Réunion des tuteur·rices : les invitations et les fiches, envoyées")
        before = len(server.mailbox.messages)
        copar(folder, "build", "--only", "reunion-tuteurs,fiche")
        copar(folder, "mails", "--pour", "reunion-tuteurs", "--envoyer", "--oui")
        copar(folder, "envois")
        mailbox(server, before)

        step("2. Formulaires de bilan de la période 2, envoyés aux tuteur·rices")
        before = len(server.mailbox.messages)
        copar(folder, "forms", "--type", "bilan", "--periode", "2")
        copar(folder, "mails", "--pour", "formulaires", "--periode", "2", "--envoyer", "--oui")
        copar(folder, "envois")
        mailbox(server, before)

        step(f"3. {RETURNS} formulaires reviennent remplis ; une relance à ceux et celles qui en doivent encore")
        before = len(server.mailbox.messages)
        returned = fill_some(folder / "outputs" / "formulaires" / "bilan-periode-2", folder / "retours", RETURNS)
        print(f"Formulaires revenus (n° étudiant) : {', '.join(returned)}")
        copar(folder, "collect", "retours")
        copar(folder, "mails", "--pour", "relance", "--type", "bilan", "--periode", "2", "--envoyer", "--oui")
        copar(folder, "envois")
        mailbox(server, before)

        numero, old, new = RENAMED
        step(f"4. Un nom mal orthographié : « {old} » devient « {new} » (n° {numero}) ; seul ce qui a changé repart")
        before = len(server.mailbox.messages)
        rename(inputs / "promotion.xlsx", numero, old, new)
        copar(folder, "build", "--only", "reunion-tuteurs,fiche")
        copar(folder, "forms", "--type", "bilan", "--periode", "2")
        copar(folder, "envois", "--a-renvoyer")
        copar(folder, "mails", "--pour", "reunion-tuteurs", "--a-renvoyer", "--envoyer", "--oui")
        copar(folder, "mails", "--pour", "formulaires", "--periode", "2", "--a-renvoyer", "--envoyer", "--oui")
        copar(folder, "envois", "--a-renvoyer")
        copar(folder, "envois")
        mailbox(server, before)
        stale = sorted(str(p.relative_to(folder)) for p in (folder / "outputs").rglob("*n-diaye-aissatou*"))
        print(f"\nFichiers encore au nom de « {old} » dans outputs/ : {len(stale)}" + "".join(f"\n  {p}" for p in stale))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--garder", type=Path, help="dossier (vide ou absent) où faire l'essai et le garder")
    args = parser.parse_args()
    if args.garder:
        args.garder.mkdir(parents=True, exist_ok=True)
        run(args.garder.resolve())
    else:
        with tempfile.TemporaryDirectory(prefix="copar-annee-") as tmp:
            run(Path(tmp))


if __name__ == "__main__":
    main()

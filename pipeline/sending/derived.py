"""After a build: what was made from its documents follows them (print bundles, agendas, drafts).

`copar lots`, `copar calendriers` and `copar mails` record what they wrote and from what
(`impression/.copar-lots.json`, `calendriers/.copar-agendas.json`, each drafts folder's
`.copar-campagne.json`). At the end of every build, `refresh` compares with the documents as
they are now: a bundle whose documents changed is assembled again (or removed when it can no
longer be: its jury is gone), the agendas are written again (those of a renamed or departed
person removed), a drafts folder whose messages would now differ is written again (the
drafts ledger removes those under an old name). Nothing is left with an old name beside the
new one. A file someone edited since copar wrote it is kept, and said.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipeline.build.settings import Settings
from pipeline.errors import CoparError
from pipeline.files import sha256_file
from pipeline.sending import bundles, calendars
from pipeline.sending.mails import CAMPAIGN_RECORD, MAILS, compose, recorded_request, run, versions
from pipeline.workbook.model import Dataset


def after_build(settings: Settings) -> list[str]:
    """`refresh` once a build has written its documents (the front door and `copar build` call it)."""
    from pipeline.workbook.validate import check

    ds, _ = check(settings.input)
    return refresh(ds, settings.input, settings.output, settings.templates, settings.today) if ds is not None else []


def refresh(ds: Dataset, entrees: Path, out: Path, templates: Path | None, today: dt.date) -> list[str]:
    """Bring bundles, agendas and drafts in line with the documents; French notes of what changed."""
    notes = _bundles(ds, out)
    if calendars.written_before(out):
        before = {p for p in (out / calendars.FOLDER).rglob("*.ics")}
        mtimes = {p: p.stat().st_mtime_ns for p in before}
        written = calendars.write_calendars(ds, out)
        changed = [p for p in written if p not in mtimes or p.stat().st_mtime_ns != mtimes[p]]
        gone = [p for p in before if not p.exists()]
        if changed or gone:
            notes.append(f"Agendas mis à jour dans {out / calendars.FOLDER}/ : {len(changed)} réécrit"
                         f"{'s' if len(changed) > 1 else ''}, {len(gone)} retiré{'s' if len(gone) > 1 else ''} "
                         f"({', '.join(p.name for p in gone) or 'aucun sous un ancien nom'}).")
    notes += refresh_drafts(entrees, out, templates, today)
    return notes


def _bundles(ds: Dataset, out: Path) -> list[str]:
    notes: list[str] = []
    dropped = []
    for name, record in sorted(bundles.read_records(out).items()):
        path = out / bundles.FOLDER / name
        if path.name != name or not path.is_file():
            dropped.append(name)
            continue
        if sha256_file(path) != record.get("sha256"):
            notes.append(f"Lot d'impression {path} modifié à la main : pas mis à jour (relancez « copar lots »).")
            continue
        try:
            if bundles.current_sources(ds, out, record) == record.get("sources"):
                continue
            bundles.write_bundle(ds, out, str(record["famille"]), record.get("ordre"), record.get("periode"),
                                 record.get("jury"))
            notes.append(f"Lot d'impression refait, ses documents ayant changé : {path}")
        except (CoparError, KeyError, TypeError, ValueError):
            path.unlink()
            dropped.append(name)
            notes.append(f"Lot d'impression retiré, ses documents n'existant plus : {path}")
    if dropped:
        kept = bundles.read_records(out)
        bundles.save_records(out, {k: v for k, v in kept.items() if k not in dropped})
    return notes


def refresh_drafts(entrees: Path, out: Path, templates: Path | None, today: dt.date) -> list[str]:
    """Write again the drafts folders whose messages would now differ (after a build or `copar forms`)."""
    root = out / MAILS
    notes = []
    for folder in sorted(root.glob(f"*/{CAMPAIGN_RECORD}")):
        found = recorded_request(folder.parent, entrees, out, templates, today)
        if found is None:
            continue
        request, before = found
        try:
            _, composed = compose(request)
            if versions(composed) == before:
                continue
            result = run(request, before)
        except CoparError as exc:
            notes.append(f"Brouillons de {folder.parent} non mis à jour : {exc}")
            continue
        removed = f", {len(result.removed)} retiré{'s' if len(result.removed) > 1 else ''} " \
                  f"({', '.join(p.name for p in result.removed)})" if result.removed else ""
        notes.append(f"Brouillons refaits dans {folder.parent}/, leurs documents ayant changé : "
                     f"{len(result.drafts)} écrit{'s' if len(result.drafts) > 1 else ''}{removed}.")
    return notes

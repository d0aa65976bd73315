"""`copar archive`: a zip of a chosen part of outputs/ to hand over, with a LISEZMOI.txt.

Files are stored in sorted path order (the same selection always gives the same order),
LISEZMOI.txt first, listing every file with its size. Temporary files, the zip itself and
the build's bookkeeping (manifest.json) are left out.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import dataclass
from pathlib import Path

from pipeline.documents.formats import long_date
from pipeline.errors import CoparError
from pipeline.files import write_atomically

README = "LISEZMOI.txt"
LEFT_OUT = ("manifest.json",)


@dataclass(frozen=True)
class Archive:
    path: Path
    files: list[str]  # paths inside the zip, without LISEZMOI.txt
    size: int


def select(out: Path, selection: tuple[str, ...]) -> list[Path]:
    """Files of `out` under each selected folder, file or glob (all of `out` when empty), sorted."""
    if not out.is_dir():
        raise CoparError(f"Dossier de sortie introuvable : {out}. Lancez d'abord « copar build ».")
    chosen: set[Path] = set()
    for pattern in selection or ("*",):
        pattern = pattern.strip().strip("/")
        matches = [out / pattern] if (out / pattern).exists() else sorted(out.glob(pattern))
        if not matches:
            raise CoparError(f"Rien ne correspond à « {pattern} » dans {out}/. Indiquez un dossier ou un fichier "
                             "de ce dossier (par exemple --only impression --only reunion-tuteurs).")
        for match in matches:
            chosen.update(match.rglob("*") if match.is_dir() else [match])
    files = [p for p in chosen if p.is_file() and not p.name.startswith(".") and p.name not in LEFT_OUT
             and p.suffix != ".tmp"]
    return sorted(files, key=lambda p: p.relative_to(out).as_posix())


def _size(n: int) -> str:
    return f"{n / 1000:.0f} ko" if n < 1_000_000 else f"{n / 1_000_000:.1f} Mo".replace(".", ",")


def readme(out: Path, files: list[Path], today: dt.date) -> str:
    lines = [f"Documents de la promotion — extrait de {out.name}/, préparé par copar le {long_date(today)}.",
             "", f"{len(files)} fichier{'s' if len(files) > 1 else ''} :", ""]
    lines += [f"  {p.relative_to(out).as_posix()}  ({_size(p.stat().st_size)})" for p in files]
    lines += ["", "Les documents Word (.docx) sont modifiables ; les PDF sont prêts à imprimer ou à envoyer.", ""]
    return "\r\n".join(lines)


def write_archive(out: Path, selection: tuple[str, ...] = (), target: Path | None = None,
                  today: dt.date | None = None) -> Archive:
    """Write the zip (default: <out>.zip beside the output folder) atomically."""
    files = select(out, selection)
    target = target or out.parent / f"{out.name or out.absolute().name}.zip"
    files = [p for p in files if p.resolve() != target.resolve()]
    if not files:
        raise CoparError(f"Aucun fichier à archiver dans {out}/.")
    today = today or dt.date.today()
    text = readme(out, files, today)
    stamp = (today.year, today.month, today.day, 0, 0, 0)  # the same selection on one day gives the same bytes

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(zipfile.ZipInfo(README, stamp), text.encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)
            for p in files:
                info = zipfile.ZipInfo(p.relative_to(out).as_posix(), stamp)
                zf.writestr(info, p.read_bytes(), compress_type=zipfile.ZIP_DEFLATED)

    write_atomically(target, write)
    return Archive(target, [p.relative_to(out).as_posix() for p in files], target.stat().st_size)

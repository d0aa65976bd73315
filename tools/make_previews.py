"""Regenerate docs/preview-<family>.png from a build of the sample promotion.

    .venv/bin/python tools/make_previews.py [OUTPUTS]

Uses an existing build in OUTPUTS (default: outputs/) or builds the sample there first.
First page of one document per family, 60 dpi, through poppler's pdftoppm.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STUDENT = "22001843-moreau-ines"  # the student with the hostile structure name
EMPLOYED = "17005820-garnier-hugo"
PREVIEWS = {
    "invitation": "reunion-tuteurs/invitations/invitation-ferrand-baptiste.pdf",
    "emargement": "reunion-tuteurs/feuille-emargement.pdf",
    "fiche": f"etudiants/{STUDENT}/fiche-alternance.pdf",
    "cahier": f"etudiants/{STUDENT}/cahier-des-charges.pdf",
    "feuille_de_route": f"etudiants/{EMPLOYED}/feuille-de-route.pdf",
    "bilan": f"etudiants/{STUDENT}/bilan-periode-2.pdf",
    "livret": f"etudiants/{STUDENT}/livret-de-bilans.pdf",
    "compte_rendu": "etudiants/22004512-n-diaye-aissatou/compte-rendu-bilan-tripartite.pdf",
    "grille": f"etudiants/{STUDENT}/grille-evaluation.pdf",
    "couverture_jury": "jurys/jury-a/couverture-et-sommaire.pdf",
    "rapport_indisponible": "jurys/jury-a/dossier-jury-a.pdf#29",
}


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "outputs"
    if not (out / "manifest.json").exists():
        subprocess.run([str(ROOT / ".venv" / "bin" / "copar"), "build", str(ROOT / "inputs"), "-o", str(out)],
                       check=True)
    for family, rel in PREVIEWS.items():
        rel, _, page = rel.partition("#")
        page = page or "1"
        target = ROOT / "docs" / f"preview-{family}"
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", page, "-l", page, "-singlefile",
                        str(out / rel), str(target)], check=True)
        print(f"{target}.png")


if __name__ == "__main__":
    main()

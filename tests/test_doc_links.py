"""Every relative link of the README and the guide leads somewhere: the file exists and, after a `#`,
so does the heading (GitHub's anchors), in that file or in the one linked."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from urllib.parse import unquote

import pytest

from tests.helpers import ROOT

PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "docs" / "guide").glob("*.md")])
_FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
_CODE = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+\"[^\"]*\")?\s*$", re.M)
_HTML = re.compile(r"""<(?:a|img)\b[^>]*?\b(?:href|src)\s*=\s*["']([^"']+)["']""", re.I)
_EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)  # https:, mailto:, …


def _prose(text: str) -> str:
    """The page without its code: a `[x](y)` in a shell session or in backticks is not a link."""
    return _CODE.sub("", _FENCE.sub("", text))


def links(page: Path) -> list[str]:
    text = _prose(page.read_text(encoding="utf-8"))
    found = _LINK.findall(text) + _REFERENCE.findall(text) + _HTML.findall(text)
    return [target for target in found if not _EXTERNAL.match(target)]


def _slug(heading: str) -> str:
    """GitHub's anchor: lower case, markup and punctuation dropped, each space a hyphen."""
    text = re.sub(r"[`*_]|<[^>]+>", "", heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text).strip().lower()
    kept = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LN")
    return kept.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = _FENCE.sub("", page.read_text(encoding="utf-8"))
    seen: dict[str, int] = {}
    found = set(re.findall(r"""<a\b[^>]*\b(?:id|name)\s*=\s*["']([^"']+)["']""", text))
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", text, flags=re.M):
        slug = _slug(heading)
        found.add(slug if slug not in seen else f"{slug}-{seen[slug]}")
        seen[slug] = seen.get(slug, 0) + 1
    return found


def test_the_pages_are_found_and_have_links() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in PAGES}
    assert {"README.md", "docs/guide.md", "docs/guide/formulaires.md"} <= names
    assert sum(len(links(p)) for p in PAGES) >= 30
    assert "4-les-réglages--copartoml" in anchors(ROOT / "docs" / "guide.md")  # what GitHub makes of « : » and « . »


def broken_links(page: Path, root: Path = ROOT) -> list[str]:
    broken = []
    for target in links(page):
        path, _, anchor = unquote(target).partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(f"{target}: no file {file.name}")
        elif root.resolve() not in file.parents:
            broken.append(f"{target}: outside the repository")
        elif anchor and (file.suffix != ".md" or anchor not in anchors(file)):
            broken.append(f"{target}: no heading #{anchor} in {file.name}")
    return broken


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(ROOT).as_posix() for p in PAGES])
def test_every_relative_link_resolves(page: Path) -> None:
    assert broken_links(page) == []


def test_a_broken_link_is_seen(tmp_path: Path) -> None:
    root = tmp_path / "depot"
    root.mkdir()
    page = root / "page.md"
    page.write_text("# Titre : un essai\n\n[ok](#titre--un-essai) [cassé](absent.md) [ancre](#absente)\n"
                    "```\n[pas un lien](nulle-part.md)\n```\n`[code](non.md)` [web](https://example.org)\n"
                    "[bon](autre.md#deux-1) [mauvais](autre.md#trois) ![image](absente.png) [haut](../x.md)\n",
                    encoding="utf-8")
    (root / "autre.md").write_text("## Deux\n## Deux\n", encoding="utf-8")
    (tmp_path / "x.md").write_text("x", encoding="utf-8")
    assert links(page) == ["#titre--un-essai", "absent.md", "#absente", "autre.md#deux-1", "autre.md#trois",
                           "absente.png", "../x.md"]
    assert anchors(page) == {"titre--un-essai"}
    assert broken_links(page, root=root) == [
        "absent.md: no file absent.md", "#absente: no heading #absente in page.md",
        "autre.md#trois: no heading #trois in autre.md", "absente.png: no file absente.png",
        "../x.md: outside the repository"]

"""Template mistakes told in French, at the place in the Word document where they are.

Jinja speaks English and counts lines of the document's XML; staff edit paragraphs, table
cells, headers and footers. This module translates Jinja's syntax errors, finds the tag that
opened an unclosed block, names where it is (« tableau 2, ligne 3, colonne 1 »), suggests the
known variable closest to a misspelled one, and spots `{{ … }}` tags whose runs carry
different formatting (docxtpl keeps the formatting of the run where the tag starts).
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from jinja2 import TemplateSyntaxError

PART_NAMES = {"document": "corps du document", "header": "en-tête", "footer": "pied de page",
              "footnotes": "notes de bas de page"}
_TOKENS = {"end of print statement": "}}", "end of statement block": "%}", "name": "un nom de variable",
           "end of template": "la fin du modèle"}
_BLOCKS = ("if", "for", "with", "macro", "call", "filter", "block", "raw")
_TAG = re.compile(r"\{%-?\s*(\w+)")
_STRUCTURE = re.compile(r"<(/?)w:(tbl|tr|tc|p)(?=[ >/])[^>]*?(/?)>")


def _token(text: str) -> str:
    return f"« {_TOKENS[text]} »" if text in _TOKENS else f"« {text} »"


def french_message(message: str) -> str:
    """Jinja's syntax error message, in French, saying how to fix it."""
    rules: list[tuple[str, Any]] = [
        (r"Unexpected end of template\. Jinja was looking for the following tags: .*\. The innermost block that "
         r"needs to be closed is '(\w+)'\.",
         lambda m: f"balise « {{% {m[1]} %}} » jamais fermée : ajoutez « {{% end{m[1]} %}} » là où le bloc doit "
                   "se terminer"),
        (r"Encountered unknown tag '(\w+)'\. Jinja was looking for the following tags: .*\. The innermost block "
         r"that needs to be closed is '(\w+)'\.",
         lambda m: f"balise « {{% {m[1]} %}} » inattendue : le bloc ouvert à cet endroit est « {{% {m[2]} %}} », "
                   f"qui se ferme par « {{% end{m[2]} %}} » (balises mal imbriquées ?)"),
        (r"Encountered unknown tag '((?:end)\w+|else|elif)'\.",
         lambda m: f"balise « {{% {m[1]} %}} » sans bloc ouvert avant elle : supprimez-la, ou ajoutez la balise "
                   "d'ouverture qui manque"),
        (r"Encountered unknown tag '(\w+)'\.",
         lambda m: f"balise inconnue « {{% {m[1]} %}} » : les balises possibles sont if, elif, else, endif, for, "
                   "endfor et set (vérifiez l'orthographe)"),
        (r"unexpected end of template, expected '(.*)'\.",
         lambda m: f"balise non fermée : il manque {_token(m[1])}"),
        (r"unexpected '(.+?)', expected '(.*)'",
         lambda m: f"« {m[1]} » inattendu dans une balise : {_token(m[2])} est attendu à cet endroit"),
        (r"unexpected '(.+?)'",
         lambda m: f"« {m[1]} » inattendu dans une balise : vérifiez les accolades « {{{{ … }}}} » et « {{% … %}} »"),
        (r"expected token '(.*)', got '(.*)'",
         lambda m: f"{_token(m[2])} inattendu dans une balise ({_token(m[1])} attendu) : il manque peut-être un "
                   "point, une parenthèse ou la fin de la balise"),
        (r"Expected an expression, got '(.*)'",
         lambda m: "balise vide ou incomplète : il manque une variable ou une condition avant "
                   f"{_token(m[1])}"),
        (r"unexpected char '(.)' at \d+",
         lambda m: f"caractère « {m[1]} » interdit dans une balise : retirez-le"),
    ]
    for pattern, say in rules:
        m = re.match(pattern, message, flags=re.S)
        if m:
            return say(m)
    return f"erreur de syntaxe ({message})"


def part_name(part: str) -> str:
    """« word/header2.xml » → « en-tête »."""
    stem = re.sub(r"\d+$", "", part.rsplit("/", 1)[-1].removesuffix(".xml"))
    return PART_NAMES.get(stem, part)


def locate(xml: str, offset: int, part: str) -> str:
    """Where `offset` of a part's XML is, as staff find it in Word: part, table cell or paragraph."""
    tables: list[list[int]] = []  # open tables: [table number, row, column]
    count_tables = paragraphs = 0
    for m in _STRUCTURE.finditer(xml, 0, offset):
        closing, tag, empty = m.group(1), m.group(2), m.group(3)
        if tag == "tbl":
            if closing:
                tables.pop()
            else:
                if not tables:
                    count_tables += 1
                tables.append([count_tables, 0, 0])
        elif tag == "tr" and not closing and tables:
            tables[-1][1] += 1
            tables[-1][2] = 0
        elif tag == "tc" and not closing and tables:
            tables[-1][2] += 1
        elif tag == "p" and not closing and not empty and not tables:
            paragraphs += 1
    where = part_name(part)
    if tables:
        _, row, column = tables[-1]  # the innermost cell, in the outermost table
        return f"{where}, tableau {tables[0][0]}, ligne {row}, colonne {column}"
    return f"{where}, paragraphe {max(paragraphs, 1)}"


def paragraph_text(xml: str, offset: int) -> str:
    """The text of the paragraph around `offset` (tags included), for the message."""
    start = max(xml.rfind("<w:p>", 0, offset + 1), xml.rfind("<w:p ", 0, offset + 1))
    end = xml.find("</w:p>", offset)
    chunk = xml[max(start, 0): end if end != -1 else len(xml)]
    text = re.sub(r"<[^>]+>", "", chunk)
    return re.sub(r"\s+", " ", text).strip()[:200]


def _open_blocks(source: str, upto: int) -> list[tuple[str, int]]:
    """The blocks still open at `upto`: (tag, offset of its « {% »)."""
    stack: list[tuple[str, int]] = []
    for m in _TAG.finditer(source, 0, upto):
        name = m.group(1)
        if name in _BLOCKS:
            stack.append((name, m.start()))
        elif name.startswith("end") and stack and stack[-1][0] == name[3:]:
            stack.pop()
    return stack


def error_offset(source: str, exc: TemplateSyntaxError) -> int:
    """The offset of the faulty tag: the opening tag of an unclosed block, else the error's line."""
    if exc.message and exc.message.startswith("Unexpected end of template. Jinja was looking"):
        stack = _open_blocks(source, len(source))
        if stack:
            return stack[-1][1]
    lines = source.split("\n")
    line = min(max(exc.lineno or 1, 1), len(lines))
    start = sum(len(text) + 1 for text in lines[: line - 1])
    found = source.find("{", start)
    return found if found != -1 and found < start + len(lines[line - 1]) else start


def syntax_problem(part: str, source: str, exc: TemplateSyntaxError) -> tuple[str, str]:
    """French message and document text of a syntax error in one part's (patched) XML."""
    offset = error_offset(source, exc)
    message = french_message(exc.message or str(exc))
    return f"Erreur de syntaxe ({locate(source, offset, part)}) : {message}.", paragraph_text(source, offset)


# --- misspelled variables -----------------------------------------------------------


def known_paths(value: Any, prefix: str = "") -> list[str]:
    """Every dotted variable path a context offers (list items are reached through a loop)."""
    paths: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            paths.append(path)
            paths.extend(known_paths(item, path))
    return paths


def suggestion(name: str, known: dict[str, Any]) -> str:
    """« , vouliez-vous dire « etudiant.nom_complet » ? » or ""."""
    close = difflib.get_close_matches(name, known_paths(known), n=1, cutoff=0.7)
    return f" Vouliez-vous dire « {close[0]} » ?" if close else ""


# --- formatting inside one tag ------------------------------------------------------------

_RUN = re.compile(r"<w:r(?:\s[^>]*)?>(.*?)</w:r>", re.S)
_RPR = re.compile(r"<w:rPr>(.*?)</w:rPr>", re.S)
_TEXT = re.compile(r"<w:t(?:\s[^>]*)?>([^<]*)</w:t>")
_NOISE = re.compile(r"<w:(?:lang|noProof|rtl|cs|spellingErr|proofErr|webHidden|kern)\b[^>]*/>|\s+w:rsid\w*=\"[^\"]*\"")


def _formatting(rpr: str) -> str:
    return _NOISE.sub("", rpr).strip()


def describe_formatting(rpr: str) -> str:
    """French words for a run's formatting: « gras, italique, couleur C00000 »."""
    words = []
    checks = [("b", "gras"), ("i", "italique"), ("u", "souligné"), ("strike", "barré"), ("caps", "majuscules")]
    for tag, word in checks:
        m = re.search(rf"<w:{tag}(?:\s+w:val=\"([^\"]*)\")?\s*/>", rpr)
        if m and m.group(1) not in ("0", "false", "none"):
            words.append(word)
    if m := re.search(r"<w:color w:val=\"([0-9A-Fa-f]{6})\"", rpr):
        words.append(f"couleur {m.group(1).upper()}")
    if m := re.search(r"<w:sz w:val=\"(\d+)\"", rpr):
        words.append(f"taille {int(m.group(1)) / 2:g} pt")
    if m := re.search(r"<w:rFonts[^>]*w:ascii=\"([^\"]+)\"", rpr):
        words.append(f"police {m.group(1)}")
    return ", ".join(words) or "sans mise en forme particulière"


def mixed_formatting(part: str, xml: str) -> list[tuple[str, str]]:
    """`{{ … }}` tags whose runs are formatted differently: (French message, tag) for each."""
    found = []
    for para in re.finditer(r"<w:p[ >].*?</w:p>", xml, flags=re.S):
        runs = []  # (text, formatting) of each run of the paragraph
        for run in _RUN.finditer(para.group(0)):
            rpr = _RPR.search(run.group(1))
            text = "".join(_TEXT.findall(run.group(1)))
            if text:
                runs.append((text, rpr.group(1) if rpr else ""))
        owner = [i for i, (text, _) in enumerate(runs) for _ in text]
        joined = "".join(text for text, _ in runs)
        for tag in re.finditer(r"\{\{.*?\}\}", joined):
            used = sorted(set(owner[tag.start(): tag.end()]))
            styles = [runs[i][1] for i in used]
            if len({_formatting(s) for s in styles}) > 1:
                kinds = "; ".join(dict.fromkeys(describe_formatting(s) for s in styles))
                found.append((f"Balise « {tag.group(0)} » écrite avec plusieurs mises en forme ({kinds}) dans "
                              f"{locate(xml, para.start(), part)} : le document n'en gardera qu'une, celle du "
                              f"début de la balise ({describe_formatting(styles[0])}). Mettez toute la balise, "
                              "accolades comprises, dans la même mise en forme.", tag.group(0)))
    return found

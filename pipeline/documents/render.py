"""docxtpl rendering in a Jinja sandbox with autoescape, and template linting."""

from __future__ import annotations

import functools
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError, meta, nodes
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from pipeline.documents.formats import de
from pipeline.documents.limits import (
    RENDER_MEMORY,
    RENDER_SECONDS,
    RenderTimeout,
    TemplateTooLarge,
    bounded_filter,
    check_binop,
    check_call,
    check_template_size,
    time_limit,
)
from pipeline.documents.template_errors import french_message, mixed_formatting, suggestion, syntax_problem
from pipeline.errors import TemplateProblem
from pipeline.files import megabytes, package_folder, write_atomically

# The default templates: package data of their own (`templates_docx/` in the repository, see pyproject.toml).
PACKAGE_TEMPLATES = package_folder("copar_templates")
MIXED_FORMAT = "mixed-format"  # a warning: the document is still rendered
XML_PARTS = re.compile(r"word/(document|header\d*|footer\d*|footnotes)\.xml$")


class _Environment(SandboxedEnvironment):
    """Sandboxed, autoescaped, strict; compiles each distinct template source once.

    docxtpl calls `from_string` on the whole document XML for every document it
    renders; a build renders the same template hundreds of times.
    """

    _compiled: dict[str, Any]
    # Operators and calls checked before they run (pipeline.documents.limits): huge powers,
    # repetitions, widths and ranges are refused instead of computed.
    intercepted_binops = frozenset({"**", "*", "%"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        check_binop(operator, left, right)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        check_call(__obj, args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Any:  # noqa: A002
        if globals or template_class or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        cache = self.__dict__.setdefault("_compiled", {})
        if source not in cache:
            if len(cache) > 64:
                cache.clear()
            cache[source] = super().from_string(source)
        return cache[source]


_ENV: _Environment | None = None


def environment() -> SandboxedEnvironment:
    """The only Jinja environment templates are rendered in: sandboxed, autoescaped, strict."""
    global _ENV
    if _ENV is None:
        _ENV = _Environment(autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True)
        _ENV.filters = {name: bounded_filter(func) for name, func in _ENV.filters.items()}
        _ENV.filters["de"] = de  # {{ etudiant.prenom|de }} → « d'Antoine », « de Marie »
    return _ENV


_PATCHED: dict[str, str] = {}


@functools.cache
def _template_class() -> Any:
    from docxtpl import DocxTemplate

    class CachedDocxTemplate(DocxTemplate):
        """docxtpl's template with its (pure) XML patching memoised per source."""

        def patch_xml(self, src_xml: str) -> str:
            if src_xml not in _PATCHED:
                if len(_PATCHED) > 256:
                    _PATCHED.clear()
                _PATCHED[src_xml] = super().patch_xml(src_xml)
            return _PATCHED[src_xml]

    return CachedDocxTemplate


def lighten_rendering() -> None:
    """In a render worker: render the same documents for a third less CPU (once per worker process).

    A template's styles part is its largest (~350 kB); python-docx parses it on opening and
    writes it back on saving, although filling a template never changes it (only docxtpl's
    subdocuments read styles, and templates cannot make any). Here it is carried over as the
    template's bytes: every part of the DOCX is byte for byte what it was.
    """
    try:
        from docx.opc.constants import CONTENT_TYPE
        from docx.opc.part import Part, PartFactory
    except ImportError:  # another python-docx: render as it does
        return
    PartFactory.part_type_for[CONTENT_TYPE.WML_STYLES] = Part


def find_template(name: str, custom: Path | None = None) -> Path:
    """The university's template when `custom` has one, else the default."""
    if custom is not None and (custom / name).is_file():
        return custom / name
    path = PACKAGE_TEMPLATES / name
    if not path.is_file():
        raise TemplateProblem(f"Modèle {name} introuvable dans {PACKAGE_TEMPLATES}.")
    return path


def render_docx(template: Path, context: dict[str, Any], out: Path, *, seconds: float = RENDER_SECONDS) -> None:
    """Render `template` with `context` into `out`, atomically; any failure is a TemplateProblem.

    The template is refused if it would inflate beyond the size limits, and the render is
    interrupted after `seconds` (pipeline.documents.limits).
    """
    try:
        check_template_size(template)
        with time_limit(seconds):
            doc = _filled(template, context)
    except TemplateTooLarge as exc:
        raise TemplateProblem(f"Modèle {template.name} refusé : {exc}.") from None
    except RenderTimeout:
        raise TemplateProblem(f"Modèle {template.name} : remplissage interrompu au bout de {seconds:g} s (une boucle "
                              "trop longue ?). Simplifiez le modèle.") from None
    except MemoryError:
        raise TemplateProblem(f"Modèle {template.name} : mémoire insuffisante pour remplir le modèle (limite : "
                              f"{megabytes(RENDER_MEMORY)} Mo par document). Simplifiez le modèle.") from None
    write_atomically(out, lambda tmp: doc.save(str(tmp)))


def _filled(template: Path, context: dict[str, Any]) -> Any:
    doc = _template_class()(template)
    try:
        doc.init_docx()
    except Exception as exc:  # python-docx raises many kinds on a damaged file
        raise TemplateProblem(f"Modèle {template.name} illisible : ce n'est pas un document Word (.docx) valide "
                              f"({type(exc).__name__}).") from exc
    try:
        doc.render(context, jinja_env=environment(), autoescape=True)
    except SecurityError as exc:
        raise TemplateProblem(f"Modèle {template.name} : opération interdite ({exc}).") from exc
    except UndefinedError as exc:
        raise TemplateProblem(f"Modèle {template.name} : variable inconnue ({exc}). "
                              "Voir « copar templates vars ».") from exc
    except TemplateError as exc:
        where = " / ".join(line for line in getattr(exc, "docx_context", []) if line.strip())
        message = french_message(exc.message) if isinstance(exc, TemplateSyntaxError) and exc.message else str(exc)
        raise TemplateProblem(f"Modèle {template.name} : {message}" + (f" — près de : {where}" if where else "")
                              + ". Voir « copar templates check ».") from exc
    except MemoryError:
        raise
    except Exception as exc:  # e.g. {{ nom / 2 }}: a type error inside the template's expressions
        raise TemplateProblem(f"Modèle {template.name} : erreur en remplissant le modèle "
                              f"({type(exc).__name__} : {exc}).") from exc
    return doc


# --- lint -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateIssue:
    template: str
    kind: str  # "syntax", "split-tag", "unknown-variable", "unreadable", "forbidden", MIXED_FORMAT
    message: str  # French
    context: str = ""  # surrounding document text


def _xml_parts(path: Path) -> list[tuple[str, str]]:
    with zipfile.ZipFile(path) as zf:
        return [(n, zf.read(n).decode("utf-8")) for n in zf.namelist() if XML_PARTS.search(n)]


def _split_tags(name: str, parts: list[tuple[str, str]], syntax_failed: bool) -> list[TemplateIssue]:
    """Tags that Word spread over two paragraphs (or table cells), or left unclosed.

    docxtpl joins a tag whose pieces sit in several runs of one paragraph
    (`patch_xml`), but a tag whose `{{` and `}}` are in different paragraphs breaks
    the document's structure when rendered.
    """
    issues = []
    for _part, xml in parts:
        pending: list[str] = []
        for para in re.findall(r"<w:p[ >].*?</w:p>", xml, flags=re.S):
            text = "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", para))
            balance = len(re.findall(r"\{[{%#]", text)) - len(re.findall(r"[}%#]\}", text))
            if pending:
                pending.append(text)
                if balance < 0:
                    issues.append(TemplateIssue(
                        name, "split-tag",
                        "Balise coupée entre deux paragraphes : docxtpl ne peut pas la réparer. Retapez la "
                        "balise {{ … }} ou {% … %} entière dans un même paragraphe.",
                        " ⏎ ".join(t.strip() for t in pending)[:200]))
                    pending = []
                elif len(pending) > 3:
                    pending = pending[:1]
                    break
            elif balance > 0:
                pending = [text]
        if pending and not syntax_failed:
            issues.append(TemplateIssue(name, "split-tag", "Balise non fermée : ajoutez « }} » ou « %} ».",
                                        pending[0].strip()[:200]))
    return issues


def lint(path: Path, known: dict[str, Any]) -> list[TemplateIssue]:
    """Problems of one template: unreadable, split tags, syntax errors, unknown variables."""
    from docxtpl import DocxTemplate

    name = path.name
    try:
        check_template_size(path)
        parts = _xml_parts(path)
    except TemplateTooLarge as exc:
        return [TemplateIssue(name, "unreadable", f"Modèle refusé : {exc}.")]
    except (zipfile.BadZipFile, OSError, KeyError) as exc:
        return [TemplateIssue(name, "unreadable", f"Modèle illisible : ce n'est pas un document Word (.docx) ({exc}).")]
    issues: list[TemplateIssue] = []
    env = environment()
    tpl = DocxTemplate(path)
    syntax_failed = False
    for part, xml in parts:
        patched = re.sub(r"<w:p([ >])", r"\n<w:p\1", tpl.patch_xml(xml))  # one paragraph per line
        try:
            ast = env.parse(patched)
        except TemplateSyntaxError as exc:
            syntax_failed = True
            issues.append(TemplateIssue(name, "syntax", *syntax_problem(part, patched, exc)))
            continue
        issues.extend(check_ast(name, ast, known))
        issues.extend(TemplateIssue(name, MIXED_FORMAT, message, tag) for message, tag in mixed_formatting(part, xml))
    return _split_tags(name, parts, syntax_failed) + issues


def check_ast(name: str, ast: nodes.Template, known: dict[str, Any]) -> list[TemplateIssue]:
    """Unknown variables and sandbox escapes in a parsed template (Word or e-mail)."""
    return [*_variables(name, ast, known), *_forbidden(name, ast)]


def _variables(name: str, ast: nodes.Template, known: dict[str, Any]) -> Iterable[TemplateIssue]:
    for var in sorted(meta.find_undeclared_variables(ast)):
        if var not in known and not var.startswith("_"):
            yield TemplateIssue(name, "unknown-variable",
                                f"Variable « {var} » inconnue : ce type de document ne la reçoit pas "
                                f"(liste : « copar templates vars »).{suggestion(var, known)}", var)
    loop_vars = {n.name for f in ast.find_all(nodes.For) for n in f.target.find_all(nodes.Name)}
    for getattr_node in ast.find_all(nodes.Getattr):
        chain = _chain(getattr_node)
        if chain and chain[0] in known and chain[0] not in loop_vars and not any(c.startswith("_") for c in chain):
            problem = _missing_path(known, chain)
            if problem:
                yield TemplateIssue(name, "unknown-variable",
                                    f"Variable « {problem} » inconnue : ce type de document ne la reçoit pas "
                                    f"(liste : « copar templates vars »).{suggestion(problem, known)}", problem)


def _chain(node: nodes.Node) -> list[str]:
    names: list[str] = []
    while isinstance(node, nodes.Getattr):
        names.insert(0, node.attr)
        node = node.node
    if isinstance(node, nodes.Name):
        return [node.name, *names]
    return []


def _missing_path(known: dict[str, Any], chain: list[str]) -> str | None:
    value: Any = known
    for i, part in enumerate(chain):
        if isinstance(value, dict):
            if part not in value:
                return ".".join(chain[: i + 1])
            value = value[part]
        else:
            return None  # list methods, string methods: not ours to judge
    return None


def _forbidden(name: str, ast: nodes.Template) -> Iterable[TemplateIssue]:
    chains = ["." .join(_chain(n) or [n.attr]) for n in ast.find_all(nodes.Getattr)]
    private = {c for c in chains if any(part.startswith("_") for part in c.split("."))}
    for chain in sorted(c for c in private if not any(o != c and o.startswith(c + ".") for o in private)):
        yield TemplateIssue(name, "forbidden",
                            f"Accès interdit à « {chain} » : les modèles ne peuvent pas lire les attributs "
                            "internes (protection du bac à sable).", chain)
    for node in ast.find_all(nodes.Filter):
        if node.name == "safe":
            yield TemplateIssue(name, "forbidden",
                                "Filtre « safe » interdit : il désactive l'échappement des valeurs et peut "
                                "corrompre le document.", "safe")

"""E-mail templates: `courriel-<campagne>.txt` (subject and plain text) and `.html`, Jinja.

They are rendered in the Word templates' sandbox (pipeline.documents.render.environment):
the HTML part autoescaped, the text part in an overlay of the same sandbox without
escaping, so `R&D <Centre>` reads as typed in the text and is escaped in the HTML. The first
line of the .txt template is the subject: `Objet : …`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import TemplateSyntaxError, UndefinedError
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from pipeline.documents.render import TemplateIssue, check_ast, environment, find_template
from pipeline.errors import TemplateProblem

PREFIX = "courriel-"
SUBJECT = "Objet :"
SUFFIXES = (".txt", ".html")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def _text_environment() -> SandboxedEnvironment:
    env = environment().overlay(autoescape=False)
    assert isinstance(env, SandboxedEnvironment)  # overlay keeps the class: still the sandbox
    return env


def template_path(campaign: str, suffix: str, custom: Path | None = None) -> Path:
    """The university's e-mail template when `custom` has one, else the default."""
    return find_template(f"{PREFIX}{campaign}{suffix}", custom)


def _render(env: SandboxedEnvironment, path: Path, context: dict[str, Any]) -> str:
    try:
        # template_class bypasses the Word environment's cache of compiled sources, which
        # is keyed by source only and would mix escaped and unescaped compilations
        return env.from_string(path.read_text(encoding="utf-8"), template_class=env.template_class).render(context)
    except SecurityError as exc:
        raise TemplateProblem(f"Modèle {path.name} : opération interdite ({exc}).") from exc
    except UndefinedError as exc:
        raise TemplateProblem(f"Modèle {path.name} : variable inconnue ({exc}). Voir « copar templates check ».") from exc
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"Modèle {path.name}, ligne {exc.lineno} : {exc.message}.") from exc
    except (TemplateError, TypeError, ValueError) as exc:
        raise TemplateProblem(f"Modèle {path.name} : {exc}.") from exc


def render_mail(campaign: str, context: dict[str, Any], custom: Path | None = None) -> Rendered:
    """Subject, plain text and HTML of one message."""
    text_path = template_path(campaign, ".txt", custom)
    text = _render(_text_environment(), text_path, context)
    first, _, body = text.lstrip("\n").partition("\n")
    if not first.startswith(SUBJECT):
        raise TemplateProblem(f"Modèle {text_path.name} : la première ligne doit être l'objet du message, "
                              f"« {SUBJECT} … ».")
    subject = " ".join(first[len(SUBJECT):].split())
    html = _render(environment(), template_path(campaign, ".html", custom), context)
    return Rendered(subject, body.strip("\n") + "\n", html)


def lint_mail_templates(folder: Path, contexts: dict[str, dict[str, Any]]) -> tuple[list[str], bool]:
    """`copar templates check` for the e-mail templates of `folder`: lines to print, broken?

    `contexts` maps each campaign to an example context (what its templates receive).
    """
    lines: list[str] = []
    broken = False
    for path in sorted(p for p in folder.glob(f"{PREFIX}*") if p.suffix in SUFFIXES):
        campaign = path.stem[len(PREFIX):]
        if campaign not in contexts:
            lines.append(f"{path.name} : ne correspond à aucune campagne de courriels (ignoré). "
                         f"Campagnes : {', '.join(sorted(contexts))}.")
            continue
        issues = _lint_one(path, contexts[campaign])
        if not issues:
            lines.append(f"{path.name} : OK")
            continue
        broken = True
        lines.append(f"{path.name} : {len(issues)} problème{'s' if len(issues) > 1 else ''}")
        for issue in issues:
            lines.append(f"  - {issue.message}" + (f"\n      texte : « {issue.context} »" if issue.context else ""))
    return lines, broken


def _lint_one(path: Path, known: dict[str, Any]) -> list[TemplateIssue]:
    env = environment()
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [TemplateIssue(path.name, "unreadable", f"Modèle illisible : enregistrez-le en texte UTF-8 ({exc}).")]
    try:
        ast = env.parse(source)
    except TemplateSyntaxError as exc:
        lines = source.splitlines()
        context = lines[exc.lineno - 1].strip() if exc.lineno and exc.lineno <= len(lines) else ""
        return [TemplateIssue(path.name, "syntax", f"Erreur de syntaxe Jinja, ligne {exc.lineno} : {exc.message}.",
                              context[:200])]
    issues = check_ast(path.name, ast, known)
    if issues:
        return issues
    try:
        if path.suffix == ".txt":
            first = _render(_text_environment(), path, known).lstrip("\n").partition("\n")[0]
            if not first.startswith(SUBJECT):
                return [TemplateIssue(path.name, "syntax", f"La première ligne doit être l'objet : « {SUBJECT} … ».",
                                      first[:200])]
        else:
            _render(env, path, known)
    except TemplateProblem as exc:
        return [TemplateIssue(path.name, "syntax", str(exc))]
    return []

"""The page's routes: read the request, call one Promotion method, show the result. No logic of their own.

`create_app(entrees, ...)` returns the Starlette application; `pipeline.web.server.serve` runs it.
Every CoparError becomes its French message in the page (with the problems table for a
workbook that has errors); anything else, a French sentence without a traceback.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from pipeline.documents import catalogue
from pipeline.documents.formats import time_fr, time_range_fr
from pipeline.errors import CoparError, ValidationFailed
from pipeline.promotion import BuildOptions, CollectOptions, FormOptions, MailOptions, Promotion
from pipeline.web import uploads
from pipeline.web.jobs import BuildJob
from pipeline.web.security import Guard, Secrets, csrf_query, inside

HERE = Path(__file__).parent
PAGES = [("/", "L'année"), ("/classeur", "Classeur"), ("/documents", "Documents"), ("/formulaires", "Formulaires"),
         ("/suivi", "Suivi"), ("/envois", "Envois"), ("/planning", "Planning"), ("/sauvegardes", "Sauvegardes")]
UPLOAD_MAX_BYTES = 256 * 2**20  # one drop of returned forms, all files together
FORM_TYPES = [("bilan", "Bilan intermédiaire"), ("compte-rendu", "Compte rendu de bilan tripartite"),
              ("grille", "Grille d'évaluation du jury")]
FORM_FORMATS = [("pdf", "PDF à remplir"), ("docx", "Word"), ("xlsx", "Classeur Excel (un par destinataire)")]
STEP_ACTIONS = {"reunion_tuteurs": ("/documents", "Produire les invitations"),
                "cahier_des_charges": ("/suivi", "Voir le suivi"),
                "bilan_tripartite": ("/planning", "Planifier les bilans tripartites"),
                "rapport_mission": ("/suivi", "Voir le suivi"), "jury": ("/planning", "Planifier les jurys"),
                "jury_septembre": ("/planning", "Planifier les jurys")}
# A backup's cause as the page's user knows it (the CLI says the command: backups.CAUSES)
CAUSES = {"avant-collecte": "avant un dépôt de retours (copar collect)",
          "avant-planning": "avant un planning appliqué (copar planning)",
          "avant-init": "avant le remplacement du classeur (copar init --force)",
          "avant-restauration": "avant une restauration"}


class Web:
    """What the routes share: the promotion's place, the secrets, the build job, the dropped batches."""

    def __init__(self, entrees: Path, output: Path | None, keys: Secrets, today: dt.date | None) -> None:
        self.entrees, self.output, self.keys, self.today = entrees, output, keys, today
        self.job = BuildJob()
        self.batches: dict[str, Path] = {}
        env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True))
        env.globals.update(pages=PAGES, csrf=csrf_query(keys), time_fr=time_fr, time_range_fr=time_range_fr)
        self.env = env

    def promotion(self) -> Promotion:
        return Promotion.open(self.entrees, output=self.output, today=self.today)

    def page(self, request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.env.get_template(template).render(path=request.url.path, **context)
        return HTMLResponse(html, status_code=status)

    def step_action(self, key: str) -> tuple[str, str]:
        if key.startswith("periode_"):
            return f"/formulaires?type=bilan&periode={key.removeprefix('periode_')}", "Produire les bilans de la période"
        return STEP_ACTIONS.get(key, ("/suivi", "Voir le suivi"))


def _web(request: Request) -> Web:
    web: Web = request.app.state.web
    return web


# ---- L'année ----
async def home(request: Request) -> Response:
    from pipeline.tracking.year import next_step, steps

    web = _web(request)
    p = web.promotion()
    today = p.settings.today
    all_steps = await run_in_threadpool(lambda: steps(p.dataset(), p.suivi(today), today))
    return web.page(request, "annee.html", title="L'année", steps=all_steps, next=next_step(all_steps), today=today,
                    action=web.step_action, workbook=p.workbook)


# ---- Classeur ----
async def workbook(request: Request) -> Response:
    web = _web(request)
    p = web.promotion()
    report = await run_in_threadpool(p.check) if "verifier" in request.query_params else None
    changed = dt.datetime.fromtimestamp(p.workbook.stat().st_mtime) if p.workbook.exists() else None
    return web.page(request, "classeur.html", title="Classeur", workbook=p.workbook, changed=changed, report=report,
                    mtime=_mtime(p.workbook))


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


async def workbook_state(request: Request) -> Response:
    return JSONResponse({"mtime": str(_mtime(_web(request).promotion().workbook))})


# ---- Documents ----
async def documents(request: Request) -> Response:
    web = _web(request)
    p = web.promotion()
    return web.page(request, "documents.html", title="Documents", families=catalogue.choices(), job=web.job.snapshot(),
                    outputs=_listing(p.output, exclude=("formulaires", "courriels", ".copar")), output=p.output,
                    students=await run_in_threadpool(_students, p))


def _students(p: Promotion) -> list[tuple[str, str]]:
    try:
        return [(s.numero, f"{s.nom_complet} ({s.numero})") for s in p.dataset().students]
    except CoparError:
        return []


def _listing(root: Path, exclude: tuple[str, ...] = (), under: str = "") -> dict[str, dict[str, list[Path]]]:
    """Files of the output folder: section (first folder) → person or group (second folder) → files."""
    base = root / under if under else root
    found: dict[str, dict[str, list[Path]]] = defaultdict(lambda: defaultdict(list))
    if not base.is_dir():
        return {}
    for path in sorted(base.rglob("*")):
        rel = path.relative_to(base)
        if not path.is_file() or rel.parts[0] in exclude or any(part.startswith(".") for part in rel.parts):
            continue
        if path.suffix.lower() not in (".pdf", ".docx", ".xlsx", ".txt", ".eml", ".ics", ".zip"):
            continue
        section = rel.parts[0] if len(rel.parts) > 1 else "général"
        group = rel.parts[1] if len(rel.parts) > 2 else ""
        found[section][group].append(path.relative_to(root))
    return {k: dict(v) for k, v in found.items()}


async def produce(request: Request) -> Response:

    web = _web(request)
    form = await request.form()
    p = web.promotion()
    only = catalogue.expand([str(v) for v in form.getlist("famille")])
    student = str(form.get("etudiant") or "") or None
    options = BuildOptions(only=only, student=student, pdf=form.get("pdf") != "non", force=form.get("force") == "oui")
    web.job.launch(lambda job: p.build(options, job))  # already running: the page shows that build
    return RedirectResponse("/documents#production", status_code=303)


async def progress(request: Request) -> Response:
    return JSONResponse(_web(request).job.snapshot().to_json())


async def files(request: Request) -> Response:
    web = _web(request)
    target = inside(web.promotion().output, request.path_params["path"])
    if target is None:
        raise HTTPException(404)
    download = "telecharger" in request.query_params
    return FileResponse(target, filename=target.name, content_disposition_type="attachment" if download else "inline")


async def zip_all(request: Request) -> Response:
    web = _web(request)
    p = web.promotion()
    if web.job.running:
        raise CoparError("Une production est en cours : attendez qu'elle se termine (page Documents) pour tout "
                         "télécharger, l'archive ne contiendrait qu'une partie des documents.")
    folder = Path(tempfile.mkdtemp(prefix="copar-zip-"))
    try:
        archive = await run_in_threadpool(p.archive, (), folder / f"{p.output.resolve().name}.zip")
    except BaseException:
        uploads.discard(folder)
        raise
    return FileResponse(archive.path, filename=archive.path.name,
                        background=BackgroundTask(uploads.discard, folder))


# ---- Formulaires ----
async def forms(request: Request, written: Any = None, collected: Any = None, batch: str = "",
                message: str = "") -> Response:
    web = _web(request)
    p = web.promotion()
    from pipeline.forms.merge import cell_key, show

    return web.page(request, "formulaires.html", title="Formulaires", types=FORM_TYPES, formats=FORM_FORMATS,
                    cell_key=cell_key, show=show,
                    chosen_type=request.query_params.get("type", "bilan"),
                    chosen_periode=request.query_params.get("periode", ""),
                    forms=_listing(p.output, under="formulaires"), written=written, collected=collected, batch=batch,
                    message=message, max_files=uploads.MAX_FILES, max_mb=uploads.MAX_MB)


async def produce_forms(request: Request) -> Response:
    form = await request.form()
    periode = str(form.get("periode") or "")
    options = FormOptions(form_type=str(form.get("type", "bilan")), periode=int(periode) if periode.isdigit() else None,
                          fmt=str(form.get("format", "pdf")), force=form.get("force") == "oui")
    written = await run_in_threadpool(_web(request).promotion().forms, options)
    return await forms(request, written=written)


async def drop_returns(request: Request) -> Response:
    web = _web(request)
    length = request.headers.get("content-length")
    if length is None or not length.isdigit() or int(length) > UPLOAD_MAX_BYTES:
        raise uploads.UploadRefused(f"Dépôt refusé : plus de {UPLOAD_MAX_BYTES // 2**20} Mo en une fois (ou taille "
                                    "inconnue). Déposez les formulaires en plusieurs fois ; rien n'a été enregistré.")
    try:
        async with request.form(max_files=uploads.MAX_FILES + 1, max_fields=20) as form:
            folder = await uploads.store([f for f in form.getlist("retours") if not isinstance(f, str)])
    except uploads.UploadRefused:
        raise
    except Exception as exc:  # the multipart parser's own refusals (too many files or fields)
        if isinstance(exc, CoparError):
            raise
        raise uploads.UploadRefused(f"Dépôt illisible ou trop grand ({exc}) : rien n'a été enregistré.") from exc
    collected = await run_in_threadpool(web.promotion().collect, CollectOptions(folder=folder, simulation=True))
    batch = secrets.token_urlsafe(12)
    web.batches[batch] = folder
    return await forms(request, collected=collected, batch=batch)


async def confirm_returns(request: Request) -> Response:
    web = _web(request)
    form = await request.form()
    batch = str(form.get("lot", ""))
    folder = web.batches.pop(batch, None)
    if folder is None:
        return await forms(request, message="Ce dépôt n'est plus disponible (déjà confirmé, ou le serveur a redémarré) : "
                                            "déposez de nouveau les formulaires.")
    try:
        chosen = frozenset(name.removeprefix("choix:") for name, value in form.multi_items()
                           if name.startswith("choix:") and value == "formulaire")
        collected = await run_in_threadpool(web.promotion().collect, CollectOptions(folder=folder, replace=chosen))
    finally:
        uploads.discard(folder)
    return await forms(request, collected=collected)


# ---- Suivi ----
async def follow_up(request: Request, lines: list[str] | None = None, drafts: list[tuple[str, str]] | None = None
                    ) -> Response:
    from pipeline.tracking import export
    from pipeline.tracking.status import MEANINGS, STATES

    web = _web(request)
    p = web.promotion()
    today = p.settings.today
    states = await run_in_threadpool(p.suivi, today)
    return web.page(request, "suivi.html", title="Suivi", states=states, today=today, short=export.SHORT,
                    classes={s: f"etat-{export.JSON_STATES[s]}" for s in STATES}, meanings=MEANINGS,
                    reminded=p.reminded(), lines=lines, drafts=drafts or [], reminder=_reminder)


def _reminder(key: str) -> tuple[str, int | None] | None:
    """The relance campaign's form type (and period) for a late follow-up item, None when there is none."""
    if key.startswith("bilan_"):
        return "bilan", int(key.removeprefix("bilan_"))
    return {"tripartite": ("compte-rendu", None), "jury": ("grille", None)}.get(key)


async def remind(request: Request) -> Response:
    from pipeline.sending.mails import summary_lines

    form = await request.form()
    periode = str(form.get("periode") or "")
    options = MailOptions(campaign="relance", form_type=str(form.get("type", "bilan")),
                          periode=int(periode) if periode.isdigit() else None,
                          student=str(form.get("etudiant") or "") or None)
    p = _web(request).promotion()
    result = await run_in_threadpool(p.mails, options)
    return await follow_up(request, lines=summary_lines(result), drafts=_drafts(p, result))


async def follow_up_xlsx(request: Request) -> Response:
    p = _web(request).promotion()
    path = await run_in_threadpool(p.suivi_xlsx)
    return FileResponse(path, filename=path.name)


# ---- Envois ----
CAMPAIGNS = [("reunion-tuteurs", "Réunion des tuteur·rices : invitations"), ("cahier", "Cahiers des charges"),
             ("bilans", "Bilans intermédiaires (le livret, ou le bilan d'une période)"),
             ("compte-rendu", "Comptes rendus de bilan tripartite"), ("jurys", "Dossiers de jury"),
             ("formulaires", "Formulaires à remplir (d'une période : les bilans)")]


async def sendings(request: Request, lines: list[str] | None = None, drafts: list[tuple[str, str]] | None = None
                   ) -> Response:
    from pipeline.sending.envois import listing, when

    web = _web(request)
    p = web.promotion()
    rows = listing(p.input)
    campaigns: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        campaigns[row.campaign].append(row)
    resend = await run_in_threadpool(p.to_resend) if rows else []
    return web.page(request, "envois.html", title="Envois", campaigns=dict(campaigns), choices=CAMPAIGNS,
                    lines=lines, drafts=drafts or [], resend=resend, when=when,
                    resend_campaigns=list(dict.fromkeys((r.pour, r.periode) for r in resend)))


def _mail_options(form: Any) -> MailOptions:
    periode = str(form.get("periode") or "")
    form_type = str(form.get("type") or "") or None
    return MailOptions(campaign=str(form.get("campagne", "")), form_type=form_type,
                       periode=int(periode) if periode.isdigit() else None, a_renvoyer=form.get("a_renvoyer") == "oui",
                       student=str(form.get("etudiant") or "") or None)


def _drafts(p: Promotion, result: Any) -> list[tuple[str, str]]:
    """(path under the output folder, recipients) of each draft written, for its download link."""
    out = p.output.resolve()
    return [(d.path.resolve().relative_to(out).as_posix(), ", ".join(r.name for r in d.to) or d.path.name)
            for d in result.drafts if d.path.resolve().is_relative_to(out)]


async def prepare_mails(request: Request) -> Response:
    from pipeline.sending.mails import summary_lines

    p = _web(request).promotion()
    result = await run_in_threadpool(p.mails, _mail_options(await request.form()))
    return await sendings(request, lines=summary_lines(result), drafts=_drafts(p, result))


async def confirm_send(request: Request) -> Response:
    """What « Envoyer » would send (the CLI's summary before its question), and the password when one is needed."""
    from pipeline.sending import send as sending
    from pipeline.sending.smtp import PASSWORD_ENV

    web = _web(request)
    form = await request.form()
    options = _mail_options(form)
    renvoyer = form.get("renvoyer") == "oui"
    plan = await run_in_threadpool(web.promotion().send_plan, options, renvoyer)
    return web.page(request, "envoyer.html", title="Envois", lines=sending.summary_lines(plan),
                    todo=len(plan.having(sending.A_ENVOYER)), options=options, renvoyer=renvoyer,
                    login=plan.settings.identifiant if not os.environ.get(PASSWORD_ENV) else "")


async def send_mails(request: Request) -> Response:
    from pipeline.sending import send as sending
    from pipeline.sending.smtp import PASSWORD_ENV

    form = await request.form()
    p = _web(request).promotion()
    plan = await run_in_threadpool(p.send_plan, _mail_options(form), form.get("renvoyer") == "oui")
    password = os.environ.get(PASSWORD_ENV) or str(form.get("mot_de_passe") or "") or None
    result = await run_in_threadpool(p.send, plan, password)
    return await sendings(request, lines=[*sending.result_lines(result)])


# ---- Planning ----
async def planning(request: Request, applied: Any = None) -> Response:
    from pipeline.planning.tripartites import TripartiteOptions as Options

    web = _web(request)
    p = web.promotion()
    plans = await run_in_threadpool(lambda: {"tripartites": p.plan_tripartites(Options(), simulate=True).plan,
                                             "jurys": p.plan_juries(simulate=True).plan})
    return web.page(request, "planning.html", title="Planning", plans=plans, grids={k: _grid(v) for k, v in plans.items()},
                    applied=applied)


def _grid(plan: Any) -> list[tuple[dt.date, list[str], list[tuple[str, list[list[Any]]]]]]:
    """Per day: the start times (columns), and per group — tutor or jury — its placements at each time (cells)."""
    days: dict[dt.date, list[Any]] = defaultdict(list)
    for placement in plan.placed:
        days[placement.day].append(placement)
    grid = []
    for day in sorted(days):
        times = sorted({pl.start for pl in days[day]})
        groups = sorted({pl.group for pl in days[day]})
        rows = [(g, [[pl for pl in days[day] if pl.start == t and pl.group == g] for t in times]) for g in groups]
        grid.append((day, [time_fr(t) for t in times], rows))
    return grid


async def apply_planning(request: Request) -> Response:
    from pipeline.planning.tripartites import TripartiteOptions as Options

    form = await request.form()
    p = _web(request).promotion()
    if form.get("quoi") == "jurys":
        outcome = await run_in_threadpool(lambda: p.plan_juries(simulate=False))
    else:
        outcome = await run_in_threadpool(lambda: p.plan_tripartites(Options(), simulate=False))
    return await planning(request, applied=outcome)


# ---- Sauvegardes ----
async def backups_page(request: Request) -> Response:
    from pipeline.workbook import backups

    web = _web(request)
    p = web.promotion()
    return web.page(request, "sauvegardes.html", title="Sauvegardes", listed=p.backups(), describe=backups.describe,
                    folder=backups.folder(p.workbook), workbook=p.workbook, causes=CAUSES)


async def restore_confirm(request: Request) -> Response:
    from pipeline.workbook import backups

    web = _web(request)
    p = web.promotion()
    name = request.query_params.get("nom", "")
    listed = next((item for item in p.backups() if item.backup.path.name == name), None)
    if listed is None:
        raise HTTPException(404)
    return web.page(request, "restaurer.html", title="Sauvegardes", item=listed, describe=backups.describe,
                    workbook=p.workbook, causes=CAUSES)


async def restore(request: Request) -> Response:
    web = _web(request)
    form = await request.form()
    saved, restored = await run_in_threadpool(web.promotion().restore, str(form.get("nom", "")))
    return web.page(request, "restaure.html", title="Sauvegardes", saved=saved, restored=restored,
                    workbook=web.promotion().workbook)


# ---- errors ----
async def copar_error(request: Request, exc: Exception) -> Response:
    web = _web(request)
    report = exc.report if isinstance(exc, ValidationFailed) else None
    status = 413 if isinstance(exc, uploads.UploadRefused) else 409
    return web.page(request, "erreur.html", status=status, title="Erreur", message=str(exc), report=report)


async def http_error(request: Request, exc: Exception) -> Response:
    code = exc.status_code if isinstance(exc, HTTPException) else 500
    messages = {404: "Page ou fichier introuvable : revenez à l'accueil et suivez les liens de la page.",
                405: "Cette adresse ne s'ouvre pas ainsi : revenez à l'accueil et suivez les liens de la page."}
    return _web(request).page(request, "erreur.html", status=code, title="Erreur",
                              message=messages.get(code, f"La demande n'a pas abouti (code {code})."), report=None)


async def unexpected(request: Request, exc: Exception) -> Response:
    message = (f"Erreur inattendue ({type(exc).__name__}). Relancez la même action depuis un terminal avec « copar "
               "--debug … » et transmettez le message complet à l'équipe technique.")
    return _web(request).page(request, "erreur.html", status=500, title="Erreur", message=message, report=None)


def _refusal(web: Web) -> Any:
    async def refuse(scope: Scope, receive: Receive, send: Send) -> None:
        message = scope.get("state", {}).get("refusal", "Accès refusé.")
        html = web.env.get_template("refus.html").render(message=message, title="Accès refusé")
        await HTMLResponse(html, status_code=403)(scope, receive, send)

    return refuse


def create_app(entrees: Path, output: Path | None = None, keys: Secrets | None = None, port: int | None = None,
               today: dt.date | None = None) -> Starlette:
    """The page for the promotion `entrees` (as `copar serve ENTRÉES`); `port`: the one Host must name."""
    keys = keys or Secrets()
    web = Web(Path(entrees), output, keys, today)
    routes = [
        Route("/", home), Route("/classeur", workbook), Route("/classeur/etat", workbook_state),
        Route("/documents", documents), Route("/documents/produire", produce, methods=["POST"]),
        Route("/documents/progression", progress), Route("/documents/tout.zip", zip_all),
        Route("/fichiers/{path:path}", files),
        Route("/formulaires", forms), Route("/formulaires/produire", produce_forms, methods=["POST"]),
        Route("/formulaires/retours", drop_returns, methods=["POST"]),
        Route("/formulaires/confirmer", confirm_returns, methods=["POST"]),
        Route("/suivi", follow_up), Route("/suivi/relancer", remind, methods=["POST"]),
        Route("/suivi/suivi.xlsx", follow_up_xlsx),
        Route("/envois", sendings), Route("/envois/preparer", prepare_mails, methods=["POST"]),
        Route("/envois/verifier", confirm_send, methods=["POST"]), Route("/envois/envoyer", send_mails, methods=["POST"]),
        Route("/planning", planning), Route("/planning/appliquer", apply_planning, methods=["POST"]),
        Route("/sauvegardes", backups_page), Route("/sauvegardes/restaurer", restore_confirm),
        Route("/sauvegardes/restaurer", restore, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    handlers: dict[Any, Any] = {CoparError: copar_error, HTTPException: http_error, Exception: unexpected}
    app = Starlette(routes=routes, exception_handlers=handlers)
    app.state.web = web
    app.add_middleware(Guard, keys=keys, port=port, refuse=_refusal(web))
    return app


def clean_up(app: Starlette) -> bool:
    """At shutdown: interrupt a running build (True if there was one), remove the batches never confirmed."""
    web: Web = app.state.web
    interrupted = web.job.interrupt()
    for folder in web.batches.values():
        uploads.discard(folder)
    web.batches.clear()
    return interrupted


"""The `copar` command line: parse, call the core, map errors to messages and exit codes."""

from __future__ import annotations

import signal
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click import core, decorators, exceptions, formatting, parser, types

from pipeline import cli_fr
from pipeline.build.settings import DEFAULT_INPUT, DEFAULT_OUTPUT
from pipeline.documents import catalogue
from pipeline.errors import CoparError, ValidationFailed
from pipeline.processes import forget_handled_interrupts

if TYPE_CHECKING:
    from pipeline.promotion import Promotion

EXIT_OK, EXIT_PROBLEMS, EXIT_BUG = 0, 1, 3  # and each CoparError's exit_code
EXIT_INTERRUPTED = 130  # the shell's code for a command stopped by Ctrl-C
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
_CLICK_MODULES = (core, decorators, exceptions, formatting, parser, types)  # those whose words cli_fr translates


def _path(**kwargs: Any) -> Any:
    """click.Path whose name (built when the command is declared, in English) reads in French."""
    param = click.Path(**kwargs)
    param.name = cli_fr.translate(param.name)
    return param


class _Bar:
    """Progress bars on stderr, one per build phase."""

    def __init__(self) -> None:
        self.bar: Any = None

    def start(self, phase: str, total: int) -> None:
        if total:
            self.bar = click.progressbar(length=total, label=phase.ljust(16), file=sys.stderr,
                                         item_show_func=lambda item: item[:40] if item else None)
            self.bar.__enter__()

    def advance(self, label: str) -> None:
        if self.bar is not None:
            self.bar.current_item = label
            self.bar.update(1)

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.current_item = None
            self.bar.__exit__(None, None, None)
            self.bar = None


def _fail(message: str, code: int) -> None:
    click.echo(f"Erreur : {message}", err=True)
    sys.exit(code)


def _guard(ctx: click.Context, func: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a core call; turn the project's errors into French messages and exit codes."""
    try:
        return func(*args, **kwargs)
    except CoparError as exc:
        if isinstance(exc, ValidationFailed):
            click.echo(exc.report.to_table(), err=True, nl=False)
        if getattr(exc, "result", None) is not None:  # a build stopped half-way (full disk): what it wrote
            from pipeline.build.results import summary_lines

            for line in summary_lines(exc.result):  # type: ignore[attr-defined]
                click.echo(line)
        _fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM/SIGHUP during a build
        click.echo("", err=True)
        _fail("interrompu. Aucun fichier à moitié écrit n'est resté ; relancez la même commande pour terminer.",
              EXIT_INTERRUPTED)
    except SystemExit:
        raise
    except Exception as exc:  # a bug: short message unless --debug
        if ctx.obj.get("debug"):
            traceback.print_exc()
        _fail(f"erreur inattendue ({type(exc).__name__}: {exc}). Relancez avec « copar --debug … » "
              "et transmettez le message complet à l'équipe technique.", EXIT_BUG)


# Settings field → the click parameter that overrides it, where the names differ
_PARAMETER_OF = {"output": "sorties"}


def _default(ctx: click.Context, parameter: str) -> bool:
    """Whether a command-line option was left at its default (so copar.toml may set it)."""
    source = ctx.get_parameter_source(parameter)
    return source in (None, click.core.ParameterSource.DEFAULT)


def _open(ctx: click.Context, entrees: Path, **options: Any) -> Promotion:
    """The front door: the promotion at ENTRÉES, its copar.toml, and only the options typed on the command line.

    `options` are Settings field names → the parsed option values; those left at their default
    are dropped, so that copar.toml (read by Promotion.open) decides them.
    """
    from pipeline.promotion import Promotion

    typed = {name: value for name, value in options.items() if not _default(ctx, _PARAMETER_OF.get(name, name))}
    return _guard(ctx, Promotion.open, entrees, **typed)


class _FrenchGroup(click.Group):
    """The copar group: click's own words are French while it runs (see cli_fr)."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        with cli_fr.french(_CLICK_MODULES):
            return super().main(*args, **kwargs)


@click.group(cls=_FrenchGroup, context_settings=CONTEXT, subcommand_metavar="COMMANDE [ARGUMENTS]...", options_metavar="[OPTIONS]")
@click.option("--debug", is_flag=True, help="Affiche la trace complète des erreurs inattendues.")
@click.version_option(package_name="copar", message="copar %(version)s", help="Affiche la version et quitte.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """copar : les documents de l'alternance du Master 2 COPAR à partir du classeur de la promotion.

    \b
    Démarrage rapide :
      copar init inputs/promotion.xlsx   crée le classeur à remplir
      copar check                        vérifie inputs/promotion.xlsx
      copar build                        écrit tous les documents dans outputs/
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    from pipeline.libreoffice import orphans

    orphans.sweep()  # LibreOffice left running by a copar killed with kill -9, whatever the command now


@cli.command()
@click.argument("fichier", type=_path(path_type=Path), default=DEFAULT_INPUT / "promotion.xlsx")
@click.option("--exemple", is_flag=True, help="Remplit le classeur avec la promotion d'exemple.")
@click.option("--force", is_flag=True, help="Remplace le fichier s'il existe déjà.")
@click.pass_context
def init(ctx: click.Context, fichier: Path, exemple: bool, force: bool) -> None:
    """Crée un classeur de promotion (FICHIER, par défaut inputs/promotion.xlsx).

    Toutes les feuilles, leurs en-têtes, les listes déroulantes, les formats de date et une
    feuille Instructions ; à côté, un fichier de réglages copar.toml commenté (s'il n'existe pas
    déjà). N'écrase jamais un fichier existant sans --force ; avec --force, l'ancien classeur
    est d'abord sauvegardé dans sauvegardes/ (voir « copar sauvegardes »).
    """
    from pipeline.workbook.config import write_settings_file
    from pipeline.workbook.init import init_workbook

    path, backup = _guard(ctx, init_workbook, fichier, example=exemple, force=force)
    what = "avec la promotion d'exemple" if exemple else "vide"
    click.echo(f"Classeur {what} écrit : {path}")
    if backup is not None:
        click.echo(f"L'ancien classeur est sauvegardé : {backup} (pour le remettre : copar sauvegardes "
                   f"--restaurer {backup.name})")
    settings = write_settings_file(path.parent)
    if settings is not None:
        click.echo(f"Réglages (modèles, dossier de sortie, date des courriers…) : {settings}, à compléter si besoin.")
    from pipeline.forms.keys import ensure_key, key_path

    _guard(ctx, ensure_key, path)  # the promotion's secret key, which signs its forms (never sent to anyone)
    click.echo(f"Clé de la promotion (signe les formulaires, à ne jamais envoyer) : {key_path(path)}")


@cli.command()
@click.argument("entrees", metavar="[ENTRÉES]", type=_path(path_type=Path), default=DEFAULT_INPUT)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="table pour les personnes, json pour les programmes.")
@click.pass_context
def check(ctx: click.Context, entrees: Path, fmt: str) -> None:
    """Vérifie le classeur (ou le dossier de CSV) ENTRÉES, par défaut inputs/.

    Code de sortie : 0 sans erreur, 1 s'il y a des erreurs, 2 si l'entrée est illisible.
    """
    report = _guard(ctx, _open(ctx, entrees).check)
    if fmt == "json":
        click.echo(report.to_json())
    else:
        click.echo(report.to_table(), nl=False)
    sys.exit(EXIT_OK if report.valid else EXIT_PROBLEMS)


@cli.command()
@click.argument("entrees", metavar="[ENTRÉES]", type=_path(path_type=Path), default=DEFAULT_INPUT)
@click.option("-o", "--sorties", type=_path(path_type=Path), default=DEFAULT_OUTPUT, show_default=True,
              help="Dossier où écrire les documents.")
@click.option("--only", "only", multiple=True, metavar="FAMILLE",
              help="Ne produit que cette famille (répétable, ou séparée par des virgules) : "
                   + ", ".join(catalogue.only_names()) + ".")
@click.option("--etudiant", "student", metavar="N°", help="Ne produit que les documents de cet·te étudiant·e.")
@click.option("--no-pdf", "no_pdf", is_flag=True, help="N'écrit que les documents Word, sans conversion PDF.")
@click.option("--pdfa", is_flag=True, help="PDF/A-2b (archivage) pour tous les PDF.")
@click.option("--workers", type=click.IntRange(1, 16), default=2, show_default=True, metavar="N",
              help="Conversions LibreOffice en parallèle.")
@click.option("--force", is_flag=True, help="Régénère aussi les documents inchangés.")
@click.option("--templates", "templates", type=_path(path_type=Path, file_okay=False, exists=True),
              help="Dossier de modèles de l'université, utilisés à la place des modèles par défaut.")
@click.option("--timeout", type=click.FloatRange(5, 3600), default=180, show_default=True, metavar="SECONDES",
              help="Délai maximal (secondes) d'un appel à LibreOffice.")
@click.option("--rapport-max-mo", "rapport_max_mb", type=click.IntRange(1, 4096), default=100, show_default=True,
              metavar="MO", help="Taille maximale (Mo) d'un rapport de mission ; au-delà, il est remplacé dans le "
                                 "dossier du jury par une page qui le signale.")
@click.option("--date-courrier", "letter_date", metavar="JJ/MM/AAAA",
              help="Date inscrite sur les courriers (invitations), à la place du paramètre « Date des courriers » "
                   "de la feuille Promotion ou du jour de la production.")
@click.option("--recto-verso", "recto", is_flag=True,
              help="Dossiers de jury à imprimer en recto verso : chaque étudiant·e commence sur un recto.")
@click.pass_context
def build(ctx: click.Context, entrees: Path, sorties: Path, only: tuple[str, ...], student: str | None,
          no_pdf: bool, pdfa: bool, workers: int, force: bool, templates: Path | None, timeout: float,
          rapport_max_mb: int, letter_date: str | None, recto: bool) -> None:
    """Produit les documents (Word et PDF) et les dossiers de jury dans SORTIES.

    Les réglages du fichier copar.toml placé à côté du classeur s'appliquent ; les options
    de la commande l'emportent. Refuse de produire quoi que ce soit tant que « copar check »
    trouve des erreurs.
    """
    from pipeline.build.results import summary_lines
    from pipeline.promotion import BuildOptions
    from pipeline.workbook.parse import parse_date

    names = [name for value in only for name in value.split(",") if name.strip()]  # --only a,b --only c
    families = _guard(ctx, catalogue.expand, names)
    try:
        letter_day = parse_date(letter_date) if letter_date else None
    except ValueError:
        _fail(f"date illisible pour --date-courrier : « {letter_date} ». Écrivez-la JJ/MM/AAAA, par exemple "
              "20/11/2024.", EXIT_PROBLEMS)
    promotion = _open(ctx, entrees, output=sorties, pdfa=pdfa, workers=workers, templates=templates, timeout=timeout,
                      letter_date=letter_day, rapport_max_mb=rapport_max_mb, recto=recto)
    click.echo(promotion.describe_settings())
    options = BuildOptions(only=frozenset(families), student=student, pdf=not no_pdf, force=force)
    result = _guard(ctx, promotion.build, options, _Bar())
    for line in summary_lines(result):
        click.echo(line)
    click.echo(f"Sorties : {result.output}/ (voir {result.output}/rapport-de-construction.txt)")
    sys.exit(EXIT_OK if result.ok else EXIT_PROBLEMS)


@cli.command()
@click.argument("entrees", metavar="[ENTRÉES]", type=_path(path_type=Path), default=DEFAULT_INPUT)
@click.option("-o", "--sorties", type=_path(path_type=Path), default=DEFAULT_OUTPUT, show_default=True,
              help="Dossier de sortie : les formulaires vont dans SORTIES/formulaires/.")
@click.option("--type", "form_type", type=click.Choice(["bilan", "compte-rendu", "grille"]), required=True,
              help="bilan (bilan intermédiaire, par période), compte-rendu (bilan tripartite) ou grille (jury).")
@click.option("--periode", type=int, metavar="N", help="Période du bilan intermédiaire, de 1 à 6 (avec --type bilan).")
@click.option("--etudiant", "student", metavar="N°", help="Le formulaire de cet·te étudiant·e seulement.")
@click.option("--format", "fmt", type=click.Choice(["pdf", "docx", "xlsx"]), default="pdf", show_default=True,
              help="pdf (à remplir dans le navigateur ou Acrobat), docx (Word) ou xlsx (un classeur par destinataire).")
@click.option("--templates", "templates", type=_path(path_type=Path, file_okay=False, exists=True),
              help="Dossier de modèles de l'université : les formulaires Word en reprennent l'en-tête et les styles.")
@click.option("--force", is_flag=True, help="Remplace aussi les formulaires déjà remplis sur place (réponses perdues).")
@click.option("--tuteur", "tutor", metavar="NOM",
              help="Les formulaires des étudiant·es de ce ou cette tuteur·rice seulement (nom, « Prénom Nom » ou courriel).")
@click.pass_context
def forms(ctx: click.Context, entrees: Path, sorties: Path, form_type: str, periode: int | None,
          student: str | None, fmt: str, templates: Path | None, force: bool, tutor: str | None) -> None:
    """Produit les formulaires à remplir, rangés par tuteur·rice (ou par jury).

    Le cadre d'identité est pré-rempli et non modifiable ; les réponses déjà présentes dans le
    classeur sont pré-remplies. Les formulaires remplis reviennent avec « copar collect ».
    """
    from pipeline.promotion import FormOptions

    promotion = _open(ctx, entrees, output=sorties, templates=templates)
    options = FormOptions(form_type, periode, student, fmt, force, tutor)
    written = _guard(ctx, promotion.forms, options)
    for line in written.summary_lines(promotion.output):
        click.echo(line)


@cli.command()
@click.argument("dossier", type=_path(path_type=Path, file_okay=False))
@click.argument("entrees", metavar="[ENTRÉES]", type=_path(path_type=Path), default=DEFAULT_INPUT)
@click.option("-o", "--sorties", type=_path(path_type=Path), default=DEFAULT_OUTPUT, show_default=True,
              help="Où écrire le rapport de collecte et conflits.xlsx (SORTIES/formulaires/).")
@click.option("--remplacer", is_flag=True, help="En cas de conflit, la réponse du formulaire remplace celle du classeur.")
@click.option("--simulation", is_flag=True, help="Montre ce qui changerait, sans rien écrire.")
@click.option("--retour-max-mo", "retour_max_mb", type=click.IntRange(1, 1024), default=50, show_default=True,
              metavar="MO", help="Taille maximale (Mo) d'un fichier reçu ; au-delà, il est rejeté sans être lu.")
@click.pass_context
def collect(ctx: click.Context, dossier: Path, entrees: Path, sorties: Path, remplacer: bool, simulation: bool,
            retour_max_mb: int) -> None:
    """Lit les formulaires remplis de DOSSIER et reporte les réponses dans le classeur.

    PDF, Word, classeurs-formulaires et exports Google Forms (CSV) ou Microsoft Forms (xlsx).
    Une sauvegarde datée du classeur est faite dans sauvegardes/ avant toute écriture
    (voir « copar sauvegardes »). Code de sortie 1 si un
    fichier est rejeté ou s'il y a un conflit.
    """
    from pipeline.promotion import CollectOptions

    promotion = _open(ctx, entrees, output=sorties)
    result = _guard(ctx, promotion.collect, CollectOptions(dossier, remplacer, simulation, retour_max_mb))
    click.echo(result.table(), nl=False)
    for line in result.summary_lines():
        click.echo(line)
    sys.exit(EXIT_PROBLEMS if result.trouble else EXIT_OK)


_INPUT = click.argument("entrees", metavar="[ENTRÉES]", type=_path(path_type=Path), default=DEFAULT_INPUT)
_OUTPUT = click.option("-o", "--sorties", type=_path(path_type=Path), default=DEFAULT_OUTPUT,
                       show_default=True, help="Dossier des documents produits par « copar build ».")
_PERIODE = click.option("--periode", type=click.IntRange(1, 6), metavar="N", help="Période d'alternance (1 à 6).")


@cli.command()
@_INPUT
@_OUTPUT
@click.option("--pour", "campaign", required=True,
              type=click.Choice(["reunion-tuteurs", "cahier", "bilans", "compte-rendu", "jurys", "formulaires",
                                 "relance"]),
              help="La campagne : à qui écrire et quoi joindre (relance : à qui doit encore un formulaire).")
@click.option("--type", "form_type", type=click.Choice(["bilan", "compte-rendu", "grille"]),
              help="Avec --pour relance : le formulaire attendu.")
@_PERIODE
@click.option("--taille-max", "max_mb", type=click.FloatRange(0.1, 1000), default=10, show_default=True, metavar="Mo",
              help="Au-delà, une pièce jointe n'est pas jointe mais signalée dans le message.")
@click.option("--templates", "templates", type=_path(path_type=Path, file_okay=False, exists=True),
              help="Dossier de modèles de l'université (courriel-<campagne>.txt et .html).")
@click.option("--force", is_flag=True, help="Remplace aussi les brouillons modifiés à la main depuis le dernier passage.")
@click.option("--envoyer", is_flag=True,
              help="Envoie les messages par le serveur SMTP de la section [envoi] de copar.toml (au lieu des brouillons).")
@click.option("--oui", is_flag=True, help="Avec --envoyer : n'attend pas de confirmation.")
@click.option("--renvoyer", is_flag=True, help="Avec --envoyer : envoie aussi les messages « incertains » (envoi interrompu).")
@click.option("--a-renvoyer", "a_renvoyer", is_flag=True,
              help="Seulement les messages dont un document a changé depuis l'envoi, marqués « Version corrigée » "
                   "(voir « copar envois --a-renvoyer »).")
@click.option("--etudiant", "student", metavar="N°",
              help="Avec --pour relance : seulement la relance qui demande le formulaire de cet·te étudiant·e "
                   "(à son ou sa tuteur·rice, ou à son jury).")
@click.option("--tous-formats", "all_formats", is_flag=True,
              help="Formulaires : joint chaque format écrit par « copar forms » (PDF, Word, classeur), au lieu "
                   "d'un seul par formulaire (le PDF s'il existe).")
@click.pass_context
def mails(ctx: click.Context, entrees: Path, sorties: Path, campaign: str, form_type: str | None, periode: int | None,
          max_mb: float, templates: Path | None, force: bool, envoyer: bool, oui: bool, renvoyer: bool,
          a_renvoyer: bool, all_formats: bool, student: str | None) -> None:
    """Écrit un brouillon de courriel (.eml) par destinataire et la liste d'envoi envoi.csv,
    ou, avec --envoyer, envoie les messages.

    Les brouillons vont dans SORTIES/courriels/<campagne>/, avec les PDF de « copar build »
    en pièces jointes et les rendez-vous en .ics. Sans --envoyer, aucun message n'est envoyé :
    ouvrez les .eml dans votre messagerie pour les relire et les envoyer. Avec --envoyer, chaque
    message est inscrit au journal envois/journal.jsonl (à côté du classeur) et n'est jamais
    envoyé deux fois (voir « copar envois »). Mot de passe : variable COPAR_SMTP_MOT_DE_PASSE,
    sinon il est demandé. Code de sortie 1 si un message est à compléter (adresse ou pièce
    jointe manquante), refusé, non envoyé ou incertain.
    """
    from pipeline.promotion import MailOptions
    from pipeline.sending.mails import summary_lines

    if (campaign == "relance") != (form_type is not None):
        _fail("--type s'emploie avec --pour relance, et --pour relance demande --type (bilan, compte-rendu "
              "ou grille).", 2)
    if a_renvoyer and campaign == "relance":
        _fail("--a-renvoyer ne s'emploie pas avec --pour relance : la prochaine relance joint déjà les formulaires "
              "à jour.", 2)
    promotion = _open(ctx, entrees, output=sorties, templates=templates)
    if student is not None and campaign != "relance":
        _fail("--etudiant s'emploie avec --pour relance.", 2)
    options = MailOptions(campaign, form_type, periode, max_mb, force, a_renvoyer, all_formats, student)
    if envoyer:
        _send(ctx, promotion, options, oui, renvoyer)
    if oui or renvoyer:
        _fail("--oui et --renvoyer s'emploient avec --envoyer.", 2)
    result = _guard(ctx, promotion.mails, options)
    for line in summary_lines(result):
        click.echo(line)
    sys.exit(EXIT_OK if result.complete else EXIT_PROBLEMS)


def _send(ctx: click.Context, promotion: Promotion, options: Any, oui: bool, renvoyer: bool) -> None:
    """`mails --envoyer`: the summary, the confirmation, the password, the sending; exits."""
    import os

    from pipeline.sending import send as sending
    from pipeline.sending.smtp import PASSWORD_ENV

    plan = _guard(ctx, promotion.send_plan, options, renvoyer)
    for line in sending.summary_lines(plan):
        click.echo(line)
    todo = len(plan.having(sending.A_ENVOYER))
    if not todo:
        click.echo("Rien à envoyer.")
        sys.exit(EXIT_OK if not plan.having(sending.A_COMPLETER) and not plan.having("incertain") else EXIT_PROBLEMS)
    if not oui and not click.confirm(f"Envoyer {todo} message{'s' if todo > 1 else ''} maintenant ?", default=False):
        click.echo("Rien n'a été envoyé.")
        sys.exit(EXIT_PROBLEMS)
    password = os.environ.get(PASSWORD_ENV)
    if password is None and plan.settings.identifiant:
        password = click.prompt(f"Mot de passe SMTP de {plan.settings.identifiant}", hide_input=True, err=True)
    bar = _Bar()
    try:
        result = _guard(ctx, promotion.send, plan, password, bar.advance, lambda: bar.start("Envoi", todo))
    finally:
        bar.finish()
    for line in sending.result_lines(result):
        click.echo(line)
    sys.exit(EXIT_OK if result.complete else EXIT_PROBLEMS)


@cli.command()
@_INPUT
@click.option("--format", "fmt", type=click.Choice(["table", "xlsx"]), default="table", show_default=True,
              help="table pour l'écran, xlsx pour un tableau filtrable.")
@click.option("-o", "--sortie", type=_path(path_type=Path), default=None,
              help="Fichier écrit avec --format xlsx (par défaut envois.xlsx dans SORTIES).")
@click.option("--a-renvoyer", "a_renvoyer", is_flag=True,
              help="Liste, par personne, les documents envoyés qui ont changé depuis (après une correction).")
@click.option("--sorties", type=_path(path_type=Path), default=DEFAULT_OUTPUT, show_default=True,
              help="Avec --a-renvoyer : dossier des documents produits par « copar build ».")
@click.pass_context
def envois(ctx: click.Context, entrees: Path, fmt: str, sortie: Path | None, a_renvoyer: bool, sorties: Path) -> None:
    """Le journal des envois : ce qui est parti, à qui et quand, par campagne et par personne.

    Lu dans envois/journal.jsonl à côté du classeur (écrit par « copar mails … --envoyer »).
    « incertain » : un envoi interrompu avant la réponse du serveur. Avec --a-renvoyer : les
    messages dont un document a changé depuis l'envoi (un nom corrigé puis « copar build »),
    à renvoyer avec « copar mails --pour … --a-renvoyer ».
    """
    promotion = _open(ctx, entrees, output=sorties)
    if a_renvoyer:
        click.echo(_guard(ctx, promotion.resend_table), nl=False)
        sys.exit(EXIT_OK)
    if fmt == "xlsx":
        path = _guard(ctx, promotion.envois_xlsx, sortie)
        click.echo(f"Journal des envois écrit : {path}")
    else:
        click.echo(_guard(ctx, promotion.envois_table), nl=False)
    sys.exit(EXIT_OK)


@cli.command()
@_INPUT
@_OUTPUT
@click.pass_context
def calendriers(ctx: click.Context, entrees: Path, sorties: Path) -> None:
    """Écrit les agendas .ics : la promotion, chaque étudiant·e, chaque tuteur·rice, chaque jury.

    Dans SORTIES/calendriers/. À importer (ou à publier pour abonnement) dans un agenda :
    un nouvel import met à jour les événements au lieu de les dupliquer.
    """
    promotion = _open(ctx, entrees, output=sorties)
    written = _guard(ctx, promotion.calendars)
    click.echo(f"{len(written)} agendas écrits dans {promotion.output / 'calendriers'}/ (dont promotion.ics, "
               "l'agenda de toute la promotion).")


@cli.command()
@_INPUT
@_OUTPUT
@click.option("--famille", required=True,
              type=click.Choice(catalogue.bundle_names()),
              help="Les documents à réunir en un PDF à imprimer.")
@_PERIODE
@click.option("--ordre", type=click.Choice(["tuteur", "jury"]), default=None,
              help="Par tuteur·rice (par défaut), ou par jury puis heure de passage (par défaut pour grille).")
@click.option("--jury", metavar="NOM", help="Seulement les étudiant·es de ce jury (colonne Jury de la feuille Jurys), "
                                           "dans l'ordre de passage.")
@click.pass_context
def lots(ctx: click.Context, entrees: Path, sorties: Path, famille: str, periode: int | None, ordre: str | None,
         jury: str | None) -> None:
    """Réunit les PDF d'une famille en un seul PDF à imprimer recto verso.

    Dans SORTIES/impression/<famille>.pdf : un signet par personne, une page blanche
    ajoutée quand il le faut pour que chaque personne commence sur un recto. Code de
    sortie 1 si un document manque (lancez alors « copar build »).
    """
    from pipeline.promotion import BundleOptions
    from pipeline.sending.bundles import summary_lines

    promotion = _open(ctx, entrees, output=sorties)
    bundle = _guard(ctx, promotion.bundle, BundleOptions(famille, ordre, periode, jury))
    for line in summary_lines(bundle):
        click.echo(line)
    sys.exit(EXIT_PROBLEMS if bundle.missing else EXIT_OK)


@cli.command()
@click.option("-o", "--sorties", type=_path(path_type=Path, file_okay=False), default=DEFAULT_OUTPUT,
              show_default=True, help="Dossier des documents produits.")
@click.option("--only", "selection", multiple=True, metavar="CHEMIN",
              help="Dossier, fichier ou motif dans SORTIES (répétable), par exemple impression, reunion-tuteurs, "
                   "\"etudiants/*/fiche-alternance.pdf\". Par défaut : tout.")
@click.option("--fichier", type=_path(path_type=Path, dir_okay=False), default=None,
              help="Le fichier .zip à écrire (par défaut SORTIES.zip, à côté du dossier).")
@click.option("--entrees", type=_path(path_type=Path), default=DEFAULT_INPUT, show_default=True,
              help="Classeur (ou son dossier) dont le copar.toml donne SORTIES quand -o n'est pas donné.")
@click.pass_context
def archive(ctx: click.Context, sorties: Path, selection: tuple[str, ...], fichier: Path | None, entrees: Path) -> None:
    """Écrit un .zip d'une sélection de SORTIES, avec un LISEZMOI.txt qui liste les fichiers ; sans
    --only, le classeur de la promotion y est joint. Les fichiers internes de copar n'y vont pas."""
    promotion = _open(ctx, entrees, output=sorties)
    result = _guard(ctx, promotion.archive, selection, fichier, on_wait=lambda line: click.echo(line, err=True))
    click.echo(result.summary())


@cli.group(subcommand_metavar="COMMANDE [ARGUMENTS]...")
def templates() -> None:
    """Modèles Word : variables disponibles et vérification."""


@templates.command("vars")
@click.argument("type_", metavar="[TYPE]", required=False)
@click.option("--entrees", type=_path(path_type=Path), default=None,
              help="Classeur dont tirer les exemples (par défaut : la promotion d'exemple).")
@click.option("--format", "fmt", type=click.Choice(["table", "markdown"]), default="table", show_default=True,
              help="table pour le terminal, markdown pour docs/template-context.md.")
@click.pass_context
def templates_vars(ctx: click.Context, type_: str | None, entrees: Path | None, fmt: str) -> None:
    """Liste les variables que reçoit chaque type de document, avec un exemple."""
    from pipeline.documents.variables import describe, describe_markdown

    text = _guard(ctx, describe_markdown if fmt == "markdown" else describe, type_, entrees)
    click.echo(text, nl=False)


@templates.command("check")
@click.argument("dossier", required=False, type=_path(path_type=Path, file_okay=False))
@click.pass_context
def templates_check(ctx: click.Context, dossier: Path | None) -> None:
    """Vérifie les modèles de DOSSIER (par défaut ceux de inputs/copar.toml, sinon les modèles fournis).

    Signale les erreurs de syntaxe, les balises coupées par Word et les variables inconnues,
    dans les modèles Word et dans les modèles de courriels (courriel-<campagne>.txt et .html).
    Code de sortie 1 si un modèle est défectueux.
    """
    from pipeline.documents.variables import check_templates
    from pipeline.sending.mails import check_mail_templates
    if dossier is None and DEFAULT_INPUT.is_dir():
        dossier = _open(ctx, DEFAULT_INPUT).templates
        if dossier is not None:
            click.echo(f"Modèles de {dossier} (réglage « modeles » de {DEFAULT_INPUT / 'copar.toml'}) :")
    lines, broken = _guard(ctx, check_templates, dossier)
    mail_lines, mail_broken = _guard(ctx, check_mail_templates, dossier)
    for line in lines + mail_lines:
        click.echo(line)
    sys.exit(EXIT_PROBLEMS if broken or mail_broken else EXIT_OK)


@cli.command()
@click.argument("entrees", metavar="[ENTRÉES]", type=_path(path_type=Path), default=DEFAULT_INPUT)
@click.option("--format", "fmt", type=click.Choice(["table", "xlsx", "json"]), default="table", show_default=True,
              help="table pour l'écran, xlsx pour un tableau filtrable, json pour les programmes.")
@click.option("--date", "date_", metavar="JJ/MM/AAAA", help="Date du suivi (par défaut : aujourd'hui).")
@click.option("-o", "--sortie", type=_path(path_type=Path), default=None,
              help="Fichier écrit avec --format xlsx (par défaut suivi.xlsx dans le dossier des sorties).")
@click.pass_context
def suivi(ctx: click.Context, entrees: Path, fmt: str, date_: str | None, sortie: Path | None) -> None:
    """Où en est chaque étudiant·e : cahier des charges ou feuille de route, bilans des périodes
    terminées, bilan tripartite, rapport de mission, jury et notes — et ce qui est en retard.

    Le Calendrier et la date du jour (ou --date) décident de ce qui est dû.
    """
    import datetime as dt

    from pipeline.planning.slots import parse_day
    from pipeline.tracking import export

    today = _guard(ctx, parse_day, date_, "--date") if date_ else dt.date.today()
    promotion = _open(ctx, entrees)
    states = _guard(ctx, promotion.suivi, today)
    reminded = _guard(ctx, promotion.reminded)
    if fmt == "json":
        click.echo(export.to_json(states, today), nl=False)
    elif fmt == "xlsx":
        path = _guard(ctx, promotion.suivi_xlsx, sortie, today)
        click.echo(f"Suivi au {today:%d/%m/%Y} écrit : {path}")
    else:
        click.echo(export.table(states, today, reminded, _guard(ctx, promotion.unattributed_files)), nl=False)
    sys.exit(EXIT_OK)


@cli.command()
@click.argument("entrees", metavar="[ENTRÉES]", type=_path(path_type=Path), default=DEFAULT_INPUT)
@click.option("--restaurer", "nom", metavar="NOM", help="Remet cette sauvegarde à la place du classeur (le classeur "
              "actuel est d'abord sauvegardé à son tour).")
@click.pass_context
def sauvegardes(ctx: click.Context, entrees: Path, nom: str | None) -> None:
    """Liste les sauvegardes du classeur ENTRÉES (dossier sauvegardes/ à côté de lui), ou en remet une.

    collect, planning et init --force sauvegardent le classeur avant de l'écrire ; chaque ligne
    dit quand, avant quelle commande, et combien de cellules diffèrent du classeur actuel.
    """
    from pipeline.workbook import backups

    promotion = _open(ctx, entrees)
    workbook = _guard(ctx, lambda: promotion.workbook)
    if not workbook.is_file():
        _fail(f"{workbook} est un dossier de CSV : copar ne l'écrit jamais et n'en fait pas de sauvegarde.",
              EXIT_PROBLEMS)
    if nom:
        saved, restored = _guard(ctx, promotion.restore, nom)
        click.echo(f"Classeur remis comme dans {restored.name} : {workbook}")
        click.echo(f"Le classeur d'avant est sauvegardé : {saved.backup} (pour revenir en arrière : copar "
                   f"sauvegardes --restaurer {saved.backup.name})")
        sys.exit(EXIT_OK)
    listed = _guard(ctx, promotion.backups)
    if not listed:
        click.echo(f"Aucune sauvegarde de {workbook} (elles vont dans {backups.folder(workbook)}/).")
        sys.exit(EXIT_OK)
    click.echo(f"Sauvegardes de {workbook}, la plus récente d'abord ({backups.folder(workbook)}/, "
               f"{backups.kept(workbook)} gardées au plus) :")
    width = max(len(item.backup.path.name) for item in listed)
    click.echo(f"{'Nom':<{width}}  {'Date':<16}  {'Avant':<30}  Différences avec le classeur actuel")
    for item in listed:
        b = item.backup
        place = "" if b.path.parent == backups.folder(workbook) else " (ancienne sauvegarde, à côté du classeur)"
        click.echo(f"{b.path.name:<{width}}  {b.when:%d/%m/%Y %H:%M}  {b.what:<30}  {backups.describe(item)}{place}")
    click.echo("Pour remettre une sauvegarde : copar sauvegardes --restaurer NOM")
    sys.exit(EXIT_OK)


@cli.group(subcommand_metavar="COMMANDE [ARGUMENTS]...")
def planning() -> None:
    """Planifie les bilans tripartites et l'ordre de passage des jurys, et l'écrit dans le classeur.

    Le classeur est sauvegardé dans sauvegardes/ à côté de lui
    (promotion-AAAA-MM-JJ-HHMMSS-avant-planning.xlsx) avant d'être modifié ; seules les
    cellules vides sont remplies.
    """


def _show_plan(outcome: Any, group_header: str, fmt: str, simulation: bool) -> None:
    from pipeline.planning import run

    if fmt == "json":
        import json

        click.echo(json.dumps(run.to_json(outcome), ensure_ascii=False, indent=2))
    else:
        for line in run.outcome_lines(outcome, group_header, simulation):
            click.echo(line)
    sys.exit(EXIT_PROBLEMS if outcome.plan.unplaced else EXIT_OK)


_PLAN_FORMAT = click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
                            help="table pour les personnes, json pour les programmes.")
_SIMULATION = click.option("--simulation", is_flag=True, help="Affiche le planning sans modifier le classeur.")


@planning.command("tripartites")
@click.argument("entrees", metavar="[ENTRÉES]", type=_path(path_type=Path), default=DEFAULT_INPUT)
@click.option("--jours", metavar="JJ/MM/AAAA,…",
              help="Jours des entretiens, séparés par des virgules (par défaut : la clé bilan_tripartite du Calendrier).")
@click.option("--creneaux", default="9h00-12h30,14h00-17h30", show_default=True, metavar="PLAGES",
              help="Plages horaires de chaque jour.")
@click.option("--duree", type=click.IntRange(5, 480), default=45, show_default=True, metavar="MIN",
              help="Durée d'un entretien, en minutes.")
@click.option("--pause", type=click.IntRange(0, 240), default=15, show_default=True, metavar="MIN",
              help="Pause entre deux entretiens d'une même personne, en minutes.")
@_SIMULATION
@_PLAN_FORMAT
@click.pass_context
def planning_tripartites(ctx: click.Context, entrees: Path, jours: str | None, creneaux: str, duree: int, pause: int,
                         simulation: bool, fmt: str) -> None:
    """Donne un créneau à chaque bilan tripartite qui n'en a pas (feuille Bilans tripartites).

    Personne (étudiant·e, tuteur·rice, membre de l'équipe pédagogique) n'est à deux endroits à
    la fois, les étudiant·es d'un·e même tuteur·rice se suivent si possible, et les
    indisponibilités de la feuille Disponibilités sont respectées. Code de sortie 1 si un·e
    étudiant·e n'a pas pu être placé·e (la raison est donnée).
    """
    from pipeline.planning import slots
    from pipeline.planning.tripartites import TripartiteOptions

    days = _guard(ctx, slots.parse_days, jours) if jours is not None else None
    windows = _guard(ctx, slots.parse_windows, creneaux)
    options = TripartiteOptions(days, tuple(windows), duree, pause)
    outcome = _guard(ctx, _open(ctx, entrees).plan_tripartites, options, simulate=simulation)
    _show_plan(outcome, "Tuteur·rice", fmt, simulation)


@planning.command("jurys")
@click.argument("entrees", metavar="[ENTRÉES]", type=_path(path_type=Path), default=DEFAULT_INPUT)
@click.option("--debut", metavar="HEURE", help="Heure du premier passage de la journée (par défaut 9h00).")
@click.option("--fin", metavar="HEURE", help="Heure où finit le dernier passage au plus tard (par défaut 18h00).")
@click.option("--pause", metavar="DÉBUT-FIN", help="Pause déjeuner, sans passage (par défaut 12h00-13h30 ; « aucune »).")
@click.option("--duree", type=click.IntRange(5, 480), metavar="MIN", help="Durée d'un passage, en minutes (par défaut 30).")
@click.option("--session", "sessions", multiple=True, metavar="JURY=SESSION",
              help="Session d'un jury : matin, après-midi ou journée (par défaut) ; répétable.")
@_SIMULATION
@_PLAN_FORMAT
@click.pass_context
def planning_jurys(ctx: click.Context, entrees: Path, debut: str | None, fin: str | None, pause: str | None,
                   duree: int | None, sessions: tuple[str, ...], simulation: bool, fmt: str) -> None:
    """Donne une heure de passage à chaque soutenance qui n'en a pas (feuille Soutenances).

    Chaque jury siège dans sa session (matin, après-midi ou journée), jamais pendant la pause
    déjeuner ; ses passages se suivent, sans chevaucher les passages déjà fixés ni ceux d'un
    autre jury du même jour qui partage un membre ou un·e tuteur·rice. Les réglages de la
    section [jurys] de copar.toml s'appliquent ; ces options l'emportent.
    """
    from pipeline.planning import run, slots
    from pipeline.promotion import JuryPlanOptions

    start = _guard(ctx, slots.parse_time, debut, "--debut") if debut else None
    end = _guard(ctx, slots.parse_time, fin, "--fin") if fin else None
    lunch = _guard(ctx, run.parse_lunch, pause) if pause else None
    chosen = _guard(ctx, run.parse_sessions, sessions) if sessions else None
    options = JuryPlanOptions(start, duree, end, lunch, chosen)
    outcome = _guard(ctx, _open(ctx, entrees).plan_juries, options, simulate=simulation)
    _show_plan(outcome, "Jury", fmt, simulation)


@cli.command()
@click.argument("entrees", metavar="[ENTRÉES]", type=_path(path_type=Path), default=DEFAULT_INPUT)
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, metavar="N",
              help="Port de la page sur 127.0.0.1 (0 : un port libre au hasard).")
@click.option("--sans-navigateur", "no_browser", is_flag=True, help="N'ouvre pas le navigateur (le lien s'affiche).")
@click.pass_context
def serve(ctx: click.Context, entrees: Path, port: int, no_browser: bool) -> None:
    """Ouvre la page web de la promotion ENTRÉES : l'année, le classeur, les documents, les
    formulaires, le suivi, les envois, le planning et les sauvegardes.

    La page n'est visible que sur cet ordinateur (127.0.0.1), avec le lien affiché (il contient
    un jeton d'accès). Ctrl-C l'arrête.
    """
    from pipeline.web.server import serve as run_serve

    _guard(ctx, run_serve, entrees, port, not no_browser, click.echo)


def main() -> None:
    try:
        cli(obj={}, prog_name="copar")
    finally:
        # Done (or stopped, already reported): a Ctrl-C now would find Python finalising, its handler
        # gone, and kill copar with a signal instead of the exit code it is about to return.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        forget_handled_interrupts()  # nor may one already handled (see processes.py)


if __name__ == "__main__":  # pragma: no cover
    main()

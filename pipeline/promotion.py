"""The front door: one promotion (a workbook, its copar.toml, its output folder), and every command on it.

`Promotion.open(path, **overrides)` reads copar.toml beside the workbook, applies the overrides a
caller chose (the CLI passes only the options typed on the command line), and from then on is
the one place that decides the output folder, the templates and every other setting. The CLI
and the web page call its methods; a Python caller does the same:

    >>> from pipeline import Promotion, BuildOptions
    >>> promotion = Promotion.open("inputs")
    >>> result = promotion.build(BuildOptions(only=frozenset({"invitation"})))

Each method takes one options object (frozen, with the command's defaults) and delegates to the
feature that does the work. No logic of its own beyond choosing settings.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from pipeline.build.settings import DEFAULT_INPUT, Settings
from pipeline.workbook.config import FileSettings, read_settings_file
from pipeline.workbook.reader import resolve_input

if TYPE_CHECKING:  # the features are imported when a command runs, keeping `import pipeline` light
    from pipeline.build.builder import Progress
    from pipeline.build.results import BuildResult
    from pipeline.forms.collect import Collected
    from pipeline.forms.generate import FormsWritten
    from pipeline.planning.run import PlanningOutcome as PlanOutcome
    from pipeline.planning.tripartites import TripartiteOptions
    from pipeline.report import Report
    from pipeline.sending.archive import Archive
    from pipeline.sending.bundles import Bundle
    from pipeline.sending.envois import ToResend
    from pipeline.sending.mails import MailRequest, MailResult
    from pipeline.sending.send import Plan as SendPlan
    from pipeline.sending.send import SendResult
    from pipeline.tracking.status import StudentState
    from pipeline.workbook.backups import Listed
    from pipeline.workbook.model import Dataset
    from pipeline.workbook.writer import Saved

# The settings a caller may override, by `Settings` field name (copar.toml's keys map onto them)
OVERRIDABLE = ("output", "templates", "workers", "pdfa", "timeout", "letter_date", "backups_kept", "soffice",
               "grouping", "rapport_max_mb", "today", "recto")


@dataclass(frozen=True)
class BuildOptions:
    """`copar build`: which documents. `only` holds family names (see `catalogue.expand`)."""

    only: frozenset[str] = frozenset()
    student: str | None = None
    pdf: bool = True
    force: bool = False


@dataclass(frozen=True)
class FormOptions:
    """`copar forms`: one form type (bilan, compte-rendu, grille), for a period where it has one."""

    form_type: str
    periode: int | None = None
    student: str | None = None
    fmt: str = "pdf"
    force: bool = False
    tutor: str | None = None  # --tuteur: the forms of this tutor's students only


@dataclass(frozen=True)
class CollectOptions:
    """`copar collect`: the folder of returned forms, and how to merge them."""

    folder: Path
    replace: bool | frozenset[str] = False  # a set: only these cells (`forms.merge.cell_key`), the page's choice
    simulation: bool = False
    max_mb: int = 50


@dataclass(frozen=True)
class MailOptions:
    """`copar mails`: one campaign (`--pour`), for a form type or period where it needs one."""

    campaign: str
    form_type: str | None = None
    periode: int | None = None
    max_mb: float = 10.0
    force: bool = False
    a_renvoyer: bool = False  # only the messages whose documents changed since they were sent
    all_formats: bool = False  # forms: every format written, not one per form
    student: str | None = None  # relance: only the reminder that asks for this student's form (its tutor or jury)


@dataclass(frozen=True)
class BundleOptions:
    """`copar lots`: one print bundle of a family, in tutor or jury order."""

    famille: str
    order: str | None = None
    periode: int | None = None
    jury: str | None = None


@dataclass(frozen=True)
class JuryPlanOptions:
    """`copar planning jurys`: first passage and end of the day (minutes after midnight), length of one
    passage, lunch break, each jury's session (pipeline.planning.jurys); None: copar.toml's [jurys], else defaults."""

    start: int | None = None
    duration: int | None = None
    end: int | None = None
    lunch: tuple[int, int] | None = None
    sessions: dict[str, str] | None = None


@dataclass
class Promotion:
    """One promotion's workbook and settings; see the module docstring."""

    input: Path  # ENTRÉES as given: the workbook, or the folder holding it (or the CSV folder)
    settings: Settings  # copar.toml merged with the overrides
    settings_file: FileSettings = field(default_factory=FileSettings)
    from_file: tuple[str, ...] = ()  # the Settings fields copar.toml set (and no override replaced)
    _dataset: Dataset | None = field(default=None, repr=False)

    @classmethod
    def open(cls, path: Path | str = DEFAULT_INPUT, **overrides: Any) -> Promotion:
        """Read copar.toml beside `path`, then apply `overrides` (Settings field names; None = not given)."""
        unknown = set(overrides) - set(OVERRIDABLE)
        if unknown:
            raise TypeError(f"unknown setting(s): {', '.join(sorted(unknown))}; possible: {', '.join(OVERRIDABLE)}")
        given = {name: value for name, value in overrides.items() if value is not None}
        entrees = Path(path)
        file = read_settings_file(entrees)
        from_file = tuple(name for name in file.values if name not in given)
        values = {**{name: file.values[name] for name in from_file}, **given}
        return cls(entrees, Settings(input=entrees, **values), file, from_file)

    # ---- where things are ----
    @property
    def workbook(self) -> Path:
        """The workbook file (or CSV folder) that ENTRÉES names."""
        return resolve_input(self.input)

    @property
    def output(self) -> Path:
        return self.settings.output

    @property
    def templates(self) -> Path | None:
        return self.settings.templates

    def with_settings(self, **changes: Any) -> Promotion:
        """The same promotion with some settings replaced (e.g. `today` for a reminder round)."""
        return dataclasses.replace(self, settings=dataclasses.replace(self.settings, **changes), _dataset=None)

    def describe_settings(self) -> str:
        """The build's first line: which templates, which settings file and what it set."""
        from pipeline.workbook.config import describe

        return describe(self.templates, self.settings_file, list(self.from_file))

    # ---- the workbook ----
    def check(self) -> Report:
        """Every problem of the workbook (`copar check`), and the rapports de mission attributed to nobody."""
        from pipeline.workbook.validate import check

        return check(self.input, rapports=True)[1]

    def dataset(self) -> Dataset:
        """The validated workbook, read once; raises ValidationFailed while an error remains."""
        if self._dataset is None:
            from pipeline.workbook.validate import load_valid

            self._dataset = load_valid(self.input)
        return self._dataset

    def backups(self) -> list[Listed]:
        from pipeline.workbook import backups

        return backups.report(self.workbook)

    def restore(self, name: str) -> tuple[Saved, Path]:
        from pipeline.workbook.writer import restore

        self._dataset = None
        return restore(self.workbook, name)

    # ---- documents ----
    def build(self, options: BuildOptions = BuildOptions(), progress: Progress | None = None) -> BuildResult:
        from pipeline.build.builder import build
        from pipeline.sending.derived import after_build

        settings = dataclasses.replace(self.settings, only=options.only, student=options.student, pdf=options.pdf,
                                       force=options.force)
        result = build(settings, progress)
        result.notes.extend(after_build(settings))  # bundles, agendas and drafts follow the documents
        return result

    def forms(self, options: FormOptions) -> FormsWritten:
        from pipeline.forms.generate import write_forms

        settings = dataclasses.replace(self.settings, student=options.student, force=options.force)
        from pipeline.sending.derived import refresh_drafts

        written = write_forms(settings, options.form_type, options.periode, options.fmt, options.tutor)
        written.notes = refresh_drafts(settings.input, settings.output, settings.templates, settings.today)
        return written

    def collect(self, options: CollectOptions) -> Collected:
        from pipeline.forms.collect import collect

        self._dataset = None
        return collect(self.input, self.output, options.folder, options.replace, options.simulation, options.max_mb)

    # ---- follow-up ----
    def suivi(self, today: dt.date | None = None) -> list[StudentState]:
        from pipeline.tracking.load import load_states

        return load_states(self.input, today or self.settings.today)

    def unattributed_files(self) -> list[str]:
        """Files of rapports/ (or cahiers/) that match no student, one French sentence each."""
        from pipeline.tracking.load import unattributed_rapports

        return unattributed_rapports(self.input)

    def reminded(self) -> dict[tuple[str, str], str]:
        """(N°, suivi item) → « relancé le … », from the sending journal."""
        from pipeline.sending.envois import reminders

        return reminders(self.input)

    def suivi_xlsx(self, target: Path | None = None, today: dt.date | None = None) -> Path:
        from pipeline.tracking import export

        day = today or self.settings.today
        return export.write_xlsx(self.suivi(day), day, target or self.output / export.XLSX_NAME, self.reminded())

    # ---- mails and sending ----
    def mail_request(self, options: MailOptions) -> MailRequest:
        from pipeline.sending.mails import MailRequest

        return MailRequest(self.input, self.output, options.campaign, options.periode, options.max_mb, self.templates,
                           options.force, today=self.settings.today, form_type=options.form_type,
                           a_renvoyer=options.a_renvoyer, all_formats=options.all_formats, student=options.student)

    def mails(self, options: MailOptions) -> MailResult:
        """Write the drafts of one campaign (and record them in the sending journal)."""
        from pipeline.sending.mails import run
        from pipeline.sending.send import record_drafts

        request = self.mail_request(options)
        result = run(request)
        if options.campaign == "relance":  # a reminder round is remembered even as drafts (suivi shows it)
            record_drafts(request, result)
        return result

    def send_plan(self, options: MailOptions, renvoyer: bool = False) -> SendPlan:
        """What `mails --envoyer` would send, before asking for confirmation."""
        from pipeline.sending.send import prepare

        return prepare(self.mail_request(options), renvoyer)

    def send(self, plan: SendPlan, password: str | None, progress: Callable[[str], None] | None = None,
             started: Callable[[], None] | None = None) -> SendResult:
        """Send what `plan` has « à envoyer »; `started` once logged in, `progress(key)` after each message."""
        from pipeline.sending.send import send

        return send(plan, password, progress, started)

    def envois_table(self) -> str:
        from pipeline.sending.envois import table

        return table(self.input)

    def to_resend(self) -> list[ToResend]:
        """Sent messages whose documents changed since (`copar envois --a-renvoyer`)."""
        from pipeline.sending.envois import to_resend

        return to_resend(self.input, self.output, self.templates)

    def resend_table(self) -> str:
        """`copar envois --a-renvoyer`: by person, the sent documents that changed since."""
        from pipeline.sending.envois import resend_table

        return resend_table(self.input, self.to_resend())

    def envois_xlsx(self, target: Path | None = None) -> Path:
        from pipeline.sending.envois import XLSX_NAME, write_xlsx

        return write_xlsx(self.input, target or self.output / XLSX_NAME)

    def calendars(self) -> list[Path]:
        from pipeline.sending.calendars import write_calendars

        return write_calendars(self.dataset(), self.output)

    def bundle(self, options: BundleOptions) -> Bundle:
        from pipeline.sending.bundles import write_bundle

        return write_bundle(self.dataset(), self.output, options.famille, options.order, options.periode, options.jury)

    def archive(self, selection: tuple[str, ...] = (), target: Path | None = None, on_wait: Any = None) -> Archive:
        from pipeline.sending.archive import write_archive

        return write_archive(self.output, selection, target, on_wait=on_wait,
                             workbook=None if selection else self.workbook)

    # ---- planning ----
    def plan_tripartites(self, options: TripartiteOptions, *, simulate: bool) -> PlanOutcome:
        from pipeline.planning import run

        self._dataset = None
        return run.tripartites(self.input, options, simulate=simulate)

    def plan_juries(self, options: JuryPlanOptions = JuryPlanOptions(), *, simulate: bool) -> PlanOutcome:
        from pipeline.planning import run

        self._dataset = None
        return run.juries(self.input, options.start, options.duration, simulate=simulate, end=options.end,
                          lunch=options.lunch, sessions=options.sessions)

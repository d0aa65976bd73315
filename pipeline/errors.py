"""The project's errors: one base class and a shallow family under it.

Messages are French: the CLI prints them as they are, and exits with the error's `exit_code`
(1: something in the inputs or a document is wrong; 2: the input cannot be read at all).
"""


from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.report import Report


class CoparError(Exception):
    """Base class of every error copar raises on purpose."""

    exit_code = 1


class InputError(CoparError):
    """Raised when the input workbook or CSV folder cannot be read at all."""

    exit_code = 2


class ValidationFailed(CoparError):
    """Raised when a build is asked for while the workbook still has errors."""

    def __init__(self, report: Report) -> None:
        self.report = report
        n = len(report.errors)
        super().__init__(
            f"{n} erreur{'s' if n > 1 else ''} dans le classeur : corrigez-les "
            "(voir « copar check ») avant de générer les documents."
        )


class TemplateProblem(CoparError):
    """Raised when a document template cannot be loaded or rendered."""


class ConversionError(CoparError):
    """Raised when LibreOffice fails to turn a document into a PDF."""


class SofficeNotFound(ConversionError):
    """Raised when no LibreOffice executable can be found."""


class AssemblyError(CoparError):
    """Raised when a jury packet cannot be assembled."""


class OutputExists(CoparError):
    """Raised when a command would overwrite a file without --force."""


class ReportUnwritable(CoparError):
    """Raised when a command's report cannot be written (before it changed anything)."""

"""copar: the work-study paperwork pipeline of the Master 2 COPAR.

Public API (see the README): `Promotion.open(path)`, the front door every command uses, with one
options object per command; `check` a workbook, `build` the documents with `Settings`, and the
types they return or raise. No logic here, and no side effect at import.
"""

from importlib.metadata import version

from pipeline.build.builder import build
from pipeline.build.results import BuildResult, Outcome
from pipeline.build.settings import Settings
from pipeline.documents.catalogue import expand
from pipeline.errors import CoparError, InputError, ValidationFailed
from pipeline.promotion import (
    BuildOptions,
    BundleOptions,
    CollectOptions,
    FormOptions,
    JuryPlanOptions,
    MailOptions,
    Promotion,
)
from pipeline.report import Problem, Report
from pipeline.workbook.codes import CODES, Code
from pipeline.workbook.validate import check

__version__ = version("copar")
__all__ = [
    "Promotion", "BuildOptions", "FormOptions", "CollectOptions", "MailOptions", "BundleOptions", "JuryPlanOptions",
    "build", "check", "expand", "Settings", "BuildResult", "Outcome", "Report", "Problem", "CODES", "Code",
    "CoparError", "InputError", "ValidationFailed", "__version__",
]

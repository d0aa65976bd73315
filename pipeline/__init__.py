"""copar: the work-study paperwork pipeline of the Master 2 COPAR.

Public API: `check` (validate a workbook), `build` (write the documents), and the
error family in `pipeline.errors`.
"""

from pipeline.build import build
from pipeline.errors import CoparError, InputError, ValidationFailed
from pipeline.workbook.validate import check

__version__ = "0.1.0"
__all__ = ["build", "check", "CoparError", "InputError", "ValidationFailed", "__version__"]

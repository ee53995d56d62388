"""Import teachers' pupil progress files and MIS registers into the tracker workbook.

The two entry points are `import_progress` and `import_register`; both
return a report whose ``summary()`` is ready to show a user.
"""

from .progress import ProgressCallback, import_progress
from .records import ImportReport
from .register_import import RegisterReport, import_register

__all__ = ["ImportReport", "ProgressCallback", "RegisterReport", "import_progress", "import_register"]

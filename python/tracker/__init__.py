"""pptracker: a Pupil Premium tracker that lives in an Excel workbook."""

__version__ = "0.1.0"

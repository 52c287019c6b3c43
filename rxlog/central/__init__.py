"""The project lead's side: trusted keys, verified import of monthly returns, a central
store (SQLite by default, any SQLAlchemy URL), completeness status, combined export and
the evidence report.

Qt-free, like the rest of the core; the lead's window is ``rxlog/ui/central_window.py``.
Heavy libraries (alembic, reportlab, openpyxl) are imported inside the functions that
need them.
"""

"""The desktop app (PySide6): a thin layer over ``rxlog.service.RxLog``.

The only package in RxLog that imports Qt.
"""

"""The monthly return: sign-off, CSV/PDF writers, signatures, manifest, e-mail draft.

Qt-free; used by ``rxlog export``/``rxlog verify`` and the app's Month dialog. Heavy
libraries (reportlab, pyHanko) are imported inside the functions that need them.
"""

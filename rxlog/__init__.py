"""RxLog core: the activity record of a rotational pharmacy technician.

Nothing in this package (outside ``rxlog.ui``) imports Qt; the CLI and the desktop
app are two thin shells over the functions here.
"""

__version__ = "0.1.0"

"""Run the RxLog desktop app from a source checkout: ``python main.py [--data-dir DIR]``."""

import sys

from rxlog.ui.app import main

if __name__ == "__main__":
    sys.exit(main())

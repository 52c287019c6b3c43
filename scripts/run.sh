#!/usr/bin/env bash
# Set everything up, then start RxLog. With no display it runs offscreen on a sample
# month and saves a screenshot of the main window (see main.py --help).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/python main.py "$@"

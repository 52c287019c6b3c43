#!/usr/bin/env bash
# Set everything up, then run the whole test suite (extra arguments go to pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
# The JUnit file is what scripts/safety-report reads for the hazard log's evidence.
mkdir -p build
exec .venv/bin/python -m pytest --junitxml=build/test-results.xml "$@"

#!/usr/bin/env bash
# Set everything up, then run the whole test suite (extra arguments go to pytest) with
# coverage of rxlog/, and print the figure (all of rxlog/, and outside rxlog/ui/).
# RXLOG_COVERAGE=0 runs without coverage (it costs about 40% more CPU time; see
# CONTRIBUTING.md). `scripts/test.sh -m "not slow"` is the fast set. The tests run in
# one worker process per CPU (pytest-xdist); RXLOG_TEST_WORKERS=0 runs them in this one.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
# The JUnit file is what scripts/safety-report reads for the hazard log's evidence.
mkdir -p build
cov=()
if [ "${RXLOG_COVERAGE:-1}" != 0 ]; then
  rm -f .coverage
  cov=(--cov=rxlog --cov-report=)
fi
status=0
.venv/bin/python -m pytest -n "${RXLOG_TEST_WORKERS:-auto}" --junitxml=build/test-results.xml "${cov[@]}" "$@" \
  || status=$?
if [ ${#cov[@]} -gt 0 ] && [ -f .coverage ]; then
  all=$(.venv/bin/python -m coverage report --format=total)
  core=$(.venv/bin/python -m coverage report --format=total --omit='rxlog/ui/*')
  .venv/bin/python -m coverage report --omit='rxlog/ui/*' --skip-covered --sort=miss \
    | tail -n 15 > build/coverage-core.txt || true
  echo "coverage: ${all}% of rxlog/, ${core}% of rxlog/ outside rxlog/ui/ (least covered: build/coverage-core.txt)"
fi
exit "$status"

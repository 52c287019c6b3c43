#!/usr/bin/env bash
# Every benchmark's quick mode, one after another (a few minutes in all, niced): each
# measure beside its floor, the ratio and its target. Run it before stopping work on
# anything that could be slower; it exits 1 when a benchmark reports a target not met
# (and says which), 0 when every target is met.
#   bash bench/quick.sh            (PY=path/to/python to use another interpreter)
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
missed=()
run() {
  echo "== $*"
  if ! nice "$PY" "$@"; then
    missed+=("$1")
  fi
  echo
}
run bench/bench_cli.py --quick
run bench/bench_export.py --quick
run bench/bench_central.py --quick
run bench/bench_report.py --quick  # the report beside its floor (SQLite; no target)
run bench/bench_attachment.py --quick
run bench/bench_startup.py --quick
run bench/bench_gui_history.py --quick
read -r one five _ < /proc/loadavg 2>/dev/null || one=? five=?
echo "load average now $one (5 min $five) on $(nproc 2>/dev/null || echo ?) CPUs: ratios move less than times, but a busy machine still moves them"
if [ ${#missed[@]} -gt 0 ]; then
  echo "target not met or benchmark failed: ${missed[*]}"
  exit 1
fi
echo "every target met"

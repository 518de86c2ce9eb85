#!/usr/bin/env bash
# Runs the scheduler (its own process, as in production) beside the web server for `make demo`,
# and stops it when the server stops.
set -euo pipefail
FLASK=".venv/bin/flask --app wsgi"
sched_pid=""
if $FLASK scheduler --help >/dev/null 2>&1; then
  $FLASK scheduler > instance/scheduler.log 2>&1 &
  sched_pid=$!
  echo "Scheduler gestart (log: instance/scheduler.log)"
fi
trap '[ -n "$sched_pid" ] && kill "$sched_pid" 2>/dev/null || true' EXIT INT TERM
echo "Beschikbaarheidswijzer draait op http://127.0.0.1:5000  (stoppen: Ctrl+C)"
$FLASK run --host 127.0.0.1 --port 5000

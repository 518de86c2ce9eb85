#!/usr/bin/env bash
# Makes sure Python 3.11 with the venv module (ensurepip) is present before `make` creates .venv.
# On a fresh Debian 12 machine these come from the python3.11 and python3.11-venv packages.
# Idempotent; does nothing when both are present.
set -euo pipefail
PY="${1:-python3.11}"
if command -v "$PY" >/dev/null 2>&1 && "$PY" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  exit 0
fi
"$(dirname "$0")/apt-install.sh" python3.11 python3.11-venv

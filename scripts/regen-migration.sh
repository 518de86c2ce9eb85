#!/usr/bin/env bash
# Regenerates the single initial migration from the models (only while nothing is deployed).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f migrations/versions/*_0001_initial_schema.py
WIJZER_DATABASE_URL="sqlite:///$tmp/gen.db" .venv/bin/alembic -c alembic.ini revision --autogenerate -m "initial schema" --rev-id 0001 >/dev/null 2>&1 \
  || WIJZER_DATABASE_URL="sqlite:///$tmp/gen.db" /work/venv/bin/alembic -c alembic.ini revision --autogenerate -m "initial schema" --rev-id 0001
rm -rf "$tmp"
ls migrations/versions

#!/usr/bin/env bash
# Installs the Debian packages the test suite needs when they are missing: PostgreSQL (server and
# client) and Chromium (for the browser tests). Idempotent; does nothing when both are present.
set -euo pipefail
need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi dejavu || need+=(fonts-dejavu-core)
[ ${#need[@]} -eq 0 ] || "$(dirname "$0")/apt-install.sh" "${need[@]}"

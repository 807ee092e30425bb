#!/usr/bin/env bash
# README command 1: set up, load the demo district into the embedded SQLite database, and serve it.
# Extra arguments go to `yusuan demo` (e.g. --scale tiny, --addr 0.0.0.0:8000, --no-serve).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-yusuan.conf.dev}"
exec .venv/bin/yusuan demo "$@"

#!/usr/bin/env bash
# The date-sensitive tests at three dates of the demo year (issue 13, ADR 0014): the suite's clock
# (YUSUAN_TEST_CLOCK) set to 1 January, 30 June and 31 December; the tiny demo is loaded as of each.
# Date-sensitive = everything that reads the demo's year or the clock: the whole SQLite suite but
# the PostgreSQL-only races (they don't read dates) and the browser journeys (issue 20: they doubled
# these passes' time and test the pages' scripts, not dates; the page tests at each date render the
# same pages from a demo loaded as of that day, and the main pass runs the journeys).
# Extra arguments go to pytest. Ends with one line per date.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-artifacts
WORKERS="${YUSUAN_TEST_WORKERS:-$(.venv/bin/python -c 'import os; print(min(4, os.cpu_count() or 1))')}"
PARALLEL=()
[ "$WORKERS" -gt 1 ] && PARALLEL=(-n "$WORKERS" --dist loadfile --no-loadscope-reorder)  # conftest orders
declare -a SUMMARY=()
STATUS=0
for day in ${YUSUAN_TEST_DATES:-2026-01-01 2026-06-30 2026-12-31}; do
  echo "== Date-sensitive tests with the clock at $day =="
  log="test-artifacts/pytest-clock-$day.log"
  started=$SECONDS
  YUSUAN_TEST_CLOCK="$day" env -u DATABASE_URL .venv/bin/pytest -q -p no:cacheprovider \
    --create-db -m "not postgres and not browser" "${PARALLEL[@]}" "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  counts=$(grep -E '([0-9]+ (passed|failed|errors?|skipped)|no tests ran).* in [0-9.]+s' "$log" | tail -1 | sed -E 's/^=+ //; s/ =+$//')
  if [ "$rc" -eq 0 ]; then verdict=PASS; else verdict=FAIL; STATUS=1; fi
  SUMMARY+=("$(printf 'clock %s: %s  %s  [%ss wall]' "$day" "$verdict" "${counts:-no result (exit $rc)}" $((SECONDS - started)))")
done
echo
echo "== Summary: date-sensitive tests =="
printf '%s\n' "${SUMMARY[@]}"
exit "$STATUS"

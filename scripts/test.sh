#!/usr/bin/env bash
# README command 2: set up and run the whole test suite on SQLite, then on PostgreSQL.
# PostgreSQL: TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/yusuan). Locally an
# unreachable server is reported and skipped; under CI (CI=true) it is a failure.
# Both passes always run (a SQLite failure does not hide PostgreSQL's result); the script ends with
# one summary line per database and fails if either failed.
# The suite runs under a fixed clock: YUSUAN_TEST_CLOCK (default in conftest.py, 2026-06-30);
# YUSUAN_TEST_CLOCK_POSTGRES sets the PostgreSQL pass's apart (CI puts it on 31 December, ADR 0050).
# Extra arguments go to pytest (e.g. -k scope, -x).
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --browser || exit 1
mkdir -p var test-artifacts

# Parallel workers (pytest-xdist): one per core, at most 4; YUSUAN_TEST_WORKERS=0 runs in one process.
WORKERS="${YUSUAN_TEST_WORKERS:-$(.venv/bin/python -c 'import os; print(min(4, os.cpu_count() or 1))')}"
PARALLEL=()
[ "$WORKERS" -gt 1 ] && PARALLEL=(-n "$WORKERS" --dist loadfile --no-loadscope-reorder)  # conftest orders

declare -a SUMMARY=()
STATUS=0

# run_pass NAME LOG -- command...: runs one pass, keeps its log, records one summary line.
run_pass() {
  local name="$1" log="$2"
  shift 3
  local started=$SECONDS
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local counts
  counts=$(grep -E '([0-9]+ (passed|failed|errors?|skipped)|no tests ran).* in [0-9.]+s' "$log" | tail -1 | sed -E 's/^=+ //; s/ =+$//')
  [ -n "$counts" ] || counts="no result (pytest exit code $rc)"
  if [ "$rc" -eq 0 ]; then
    SUMMARY+=("$(printf '%-11s PASS  %s  [%ss wall]' "$name:" "$counts" $((SECONDS - started)))")
  else
    SUMMARY+=("$(printf '%-11s FAIL  %s  [%ss wall]' "$name:" "$counts" $((SECONDS - started)))")
    STATUS=1
  fi
}

echo "== Test suite on SQLite =="
run_pass SQLite test-artifacts/pytest-sqlite.log -- \
  env -u DATABASE_URL .venv/bin/pytest --create-db "${PARALLEL[@]}" "$@"

PG_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/yusuan}"
if .venv/bin/python - "$PG_URL" <<'PY'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1].rsplit("/", 1)[0] + "/postgres", connect_timeout=5).close()
except Exception as exc:
    print(f"PostgreSQL not reachable: {exc}", file=sys.stderr)
    sys.exit(1)
PY
then
  echo "== Test suite on PostgreSQL =="
  PG_CLOCK=()
  [ -n "${YUSUAN_TEST_CLOCK_POSTGRES:-}" ] && PG_CLOCK=(YUSUAN_TEST_CLOCK="$YUSUAN_TEST_CLOCK_POSTGRES")
  run_pass PostgreSQL test-artifacts/pytest-postgresql.log -- \
    env "${PG_CLOCK[@]}" DATABASE_URL="$PG_URL" .venv/bin/pytest --create-db -m "not browser" "${PARALLEL[@]}" "$@"
elif [ "${CI:-}" = "true" ]; then
  SUMMARY+=("PostgreSQL: FAIL  not reachable at $PG_URL (required under CI)")
  STATUS=1
else
  SUMMARY+=("PostgreSQL: SKIPPED  not reachable at $PG_URL (start PostgreSQL or set TEST_DATABASE_URL)")
fi

echo
echo "== Summary (clock: ${YUSUAN_TEST_CLOCK:-conftest default}${YUSUAN_TEST_CLOCK_POSTGRES:+; PostgreSQL: $YUSUAN_TEST_CLOCK_POSTGRES}) =="
printf '%s\n' "${SUMMARY[@]}"
exit "$STATUS"

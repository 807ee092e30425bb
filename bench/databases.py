"""What the database benchmarks share: each measurement runs in a child process of the script
(``--child``) on a scratch SQLite file and, unless told not to, on a scratch PostgreSQL database
created and dropped around it; the child prints its figures as one JSON line.

BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432) names the server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
# Scratch databases carry the run's id: two benches on one server never drop each other's.
RUN_ID = os.environ.setdefault("BENCH_RUN_ID", uuid.uuid4().hex[:8])


def child_figures(script: str, url: str, var_dir: str, args: list[str]) -> dict[str, Any]:
    """Run ``script --child *args`` against the database at ``url``; its last stdout line."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "YUSUAN_VAR_DIR": var_dir,
        "DJANGO_SETTINGS_MODULE": "yusuan.conf.test",
    }
    out = subprocess.run(
        [sys.executable, script, "--child", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    if out.stderr.strip():  # BENCH_PROFILE's profile
        print(out.stderr[-6000:], file=sys.stderr)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def on_both(script: str, database: str, args: list[str], *, postgres: bool) -> dict[str, Any]:
    """The child's figures on SQLite and (``postgres``) on a scratch PostgreSQL ``database``."""
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as var_dir:
        results["SQLite"] = child_figures(
            script, f"sqlite:///{var_dir}/bench.sqlite3", var_dir, args
        )
    if not postgres:
        return results
    import psycopg

    database = f"{database}_{RUN_ID}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {database}")
        admin.execute(f"CREATE DATABASE {database}")
    try:
        with tempfile.TemporaryDirectory() as var_dir:
            results["PostgreSQL"] = child_figures(script, f"{SERVER}/{database}", var_dir, args)
    finally:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {database}")
    return results

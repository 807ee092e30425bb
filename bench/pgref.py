"""What the benchmark scripts share: the PostgreSQL server they use, scratch databases, and the
pgbench reference run (TPC-B-like TPS on the same server, so figures are read as ratios)."""

from __future__ import annotations

import os
import re
import subprocess
from urllib.parse import urlsplit

import psycopg

SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432").rstrip("/")
PGBENCH_DB = "yusuan_pgbench"


def recreate_database(name: str) -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pgbench(args: list[str]) -> str:
    server = urlsplit(SERVER)
    command = [
        "pgbench",
        "-h",
        server.hostname or "127.0.0.1",
        "-p",
        str(server.port or 5432),
        "-U",
        server.username or "postgres",
        *args,
        PGBENCH_DB,
    ]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def pgbench_tps(clients: int, seconds: int) -> float:
    threads = min(clients, os.cpu_count() or 1)
    output = pgbench(["-c", str(clients), "-j", str(threads), "-T", str(seconds)])
    found = re.search(r"tps = ([\d.]+)", output)
    if found is None:
        raise SystemExit(f"pgbench printed no tps:\n{output}")
    return float(found.group(1))

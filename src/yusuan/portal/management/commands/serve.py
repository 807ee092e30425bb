"""``yusuan serve``: the production application server (gunicorn) with the production settings,
one worker process per core (issue 20 item 4), so a deployment and the load bench
(``bench/pages.py``) run the same thing.

    yusuan serve                         # 127.0.0.1:8000, workers = cores, 4 threads each
    yusuan serve --bind 0.0.0.0:8000 --workers 8

It collects the static files first (the production storage serves hashed, compressed copies;
``--no-collectstatic`` when a deployment step already did), then replaces itself with gunicorn:
signals, logs and the exit status are gunicorn's. The settings are ``yusuan.conf.prod`` (it needs
``YUSUAN_SECRET_KEY``; see the README's production outline) unless ``--settings-module`` names
others. Threads matter because a request mostly waits on the database; the workers are what use
the cores.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

PRODUCTION = "yusuan.conf.prod"


def gunicorn_argv(*, bind: str, workers: int, threads: int, timeout: int) -> list[str]:
    """The gunicorn command line (a function so that a test can read it without running it)."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "yusuan.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread" if threads > 1 else "sync",
        "--timeout",
        str(timeout),
        # Workers load the code after forking: no database connection is shared between them.
        "--access-logfile",
        "-",
        "--forwarded-allow-ips",
        "127.0.0.1",
        # One control socket per user home would be shared by two servers on one machine.
        "--no-control-socket",
    ]


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class Command(BaseCommand):
    help = "Serve Yusuan with gunicorn and the production settings, one worker per core."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="host:port to listen on")
        parser.add_argument(
            "--workers", type=int, default=0, help="worker processes (default: the cores)"
        )
        parser.add_argument("--threads", type=int, default=4, help="threads per worker")
        parser.add_argument(
            "--timeout", type=int, default=120, help="seconds before a stuck worker is restarted"
        )
        parser.add_argument(
            "--settings-module", default=PRODUCTION, help=f"Django settings (default {PRODUCTION})"
        )
        parser.add_argument(
            "--no-collectstatic", action="store_true", help="the static files are collected already"
        )
        parser.add_argument(
            "--print", action="store_true", help="print the gunicorn command instead of running it"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        workers = options["workers"] or default_workers()
        if workers < 1 or options["threads"] < 1:
            raise CommandError("--workers and --threads must be at least 1")
        argv = gunicorn_argv(
            bind=options["bind"],
            workers=workers,
            threads=options["threads"],
            timeout=options["timeout"],
        )
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": options["settings_module"]}
        if options["print"]:
            self.stdout.write(
                f"DJANGO_SETTINGS_MODULE={options['settings_module']} {' '.join(argv)}"
            )
            return
        if not options["no_collectstatic"]:
            import subprocess

            subprocess.run(
                [sys.executable, "-m", "yusuan", "collectstatic", "--noinput", "-v", "0"],
                env=env,
                check=True,
            )
        self.stdout.write(
            f"Serving on http://{options['bind']}/ with {workers} workers × {options['threads']} threads"
        )
        self.stdout.flush()
        os.execve(sys.executable, argv, env)  # noqa: S606 - our own argv, no shell

"""``yusuan serve`` (issue 20 item 4): gunicorn with the production settings, one worker per
core, static files collected — started for real on a free loopback port and asked for a page."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from yusuan.portal.management.commands.serve import default_workers, gunicorn_argv

YUSUAN = [sys.executable, "-m", "yusuan"]


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",  # the login page reads none
        "YUSUAN_VAR_DIR": str(tmp_path),
        "YUSUAN_SECRET_KEY": "serve-test-" + "k" * 40,
        "YUSUAN_SECURE_COOKIES": "false",
        "DJANGO_SETTINGS_MODULE": "yusuan.conf.dev",  # what the console script sets; serve overrides
    }


def test_the_command_line_is_production_gunicorn_with_a_worker_per_core(tmp_path: Path) -> None:
    out = subprocess.run(
        [*YUSUAN, "serve", "--print"],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.startswith("DJANGO_SETTINGS_MODULE=yusuan.conf.prod ")
    assert f"--workers {default_workers()} --threads 4 --worker-class gthread" in out
    assert "yusuan.wsgi:application" in out and "--bind 127.0.0.1:8000" in out
    single = gunicorn_argv(bind="h:1", workers=2, threads=1, timeout=5)
    assert single[single.index("--worker-class") + 1] == "sync"


def test_bad_worker_counts_are_refused(tmp_path: Path) -> None:
    out = subprocess.run(
        [*YUSUAN, "serve", "--print", "--threads", "0"],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0 and "--threads must be at least 1" in out.stderr


def test_it_serves_pages_and_static_files(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [*YUSUAN, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2"],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        page = ""
        # collectstatic, then gunicorn: seconds on a quiet machine, more than 30 on a loaded one
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/") as answer:
                    page = answer.read().decode()
                    assert answer.status == 200
                    break
            except (urllib.error.URLError, ConnectionError):
                if server.poll() is not None:
                    pytest.fail(server.stdout.read().decode() if server.stdout else "stopped")
                time.sleep(0.5)
        assert 'name="password"' in page
        # Production storage: hashed names, served by WhiteNoise from the collected folder.
        css = re.search(r'href="(/static/yusuan/yusuan\.[0-9a-f]{12}\.css)"', page)
        assert css is not None, page[:2000]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{css.group(1)}") as answer:
            assert answer.status == 200 and b"{" in answer.read()
        assert (tmp_path / "static" / "staticfiles.json").exists()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)

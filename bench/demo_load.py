"""Times `yusuan demo --no-serve` at each scale on a fresh embedded SQLite database.

Usage: .venv/bin/python bench/demo_load.py [tiny district province]
Prints wall-clock seconds per scale and the counts the command reported; the reference run is
`yusuan migrate` alone on an empty database, so the load time can be read against it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str], var_dir: str) -> tuple[float, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(YUSUAN_VAR_DIR=var_dir, DJANGO_SETTINGS_MODULE="yusuan.conf.dev")
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "yusuan", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - started, result.stdout


def main() -> None:
    scales = sys.argv[1:] or ["tiny", "district"]
    with tempfile.TemporaryDirectory() as var_dir:
        reference, _ = run(["migrate", "-v", "0"], var_dir)
    print(f"reference: migrate on an empty SQLite database: {reference:.1f} s")
    for scale in scales:
        with tempfile.TemporaryDirectory() as var_dir:
            seconds, output = run(["demo", "--scale", scale, "--no-serve"], var_dir)
            size_mb = (Path(var_dir) / "yusuan.sqlite3").stat().st_size / 1e6
        summary = next((line for line in output.splitlines() if line.startswith("Loaded")), "")
        print(
            f"{scale}: {seconds:.1f} s wall ({seconds / reference:.1f}× migrate), database {size_mb:.1f} MB"
        )
        print(f"  {summary}")


if __name__ == "__main__":
    main()

"""The benchmark harness (bench/pgref.py, issue 20 item 5) divides by a reference taken around the
measured case, not before it, and names its scratch databases for the run."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import pgref  # noqa: E402


def test_the_reference_is_pgbench_in_both_protocols_before_and_after_the_case(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[str, int]] = []
    rates = iter([100.0, 120.0, 60.0, 80.0])  # the machine got busier during the case

    def fake_tps(clients: int, seconds: int, mode: str = "simple") -> float:
        calls.append((mode, clients))
        return next(rates)

    def case() -> str:
        calls.append(("case", 0))
        return "done"

    monkeypatch.setattr(pgref, "pgbench_tps", fake_tps)
    result, reference = pgref.bracketed(16, 1, case)
    assert result == "done"
    assert calls == [
        ("simple", 16),
        ("prepared", 16),
        ("case", 0),
        ("simple", 16),
        ("prepared", 16),
    ]
    assert reference.mean == 90.0
    assert reference.ratio(45.0) == 0.5
    assert reference.spread == 2.0 and reference.noisy
    assert "NOISY" in reference.describe() and "mean 90" in reference.describe()


def test_a_steady_reference_is_not_noisy() -> None:
    steady: Any = pgref.Reference(
        4, {"simple": 100, "prepared": 110}, {"simple": 104, "prepared": 112}, 0.5, 0.6
    )
    assert not steady.noisy and "NOISY" not in steady.describe()


def test_scratch_databases_carry_the_run_id() -> None:
    assert pgref.scratch("yusuan_bench_pages") == f"yusuan_bench_pages_{pgref.RUN_ID}"
    assert pgref.PGBENCH_DB.endswith(pgref.RUN_ID) and len(pgref.RUN_ID) == 8

"""Deliberate bugs ("mutants") for the tests that prove a property test or a race test bites.

Each helper applies one mutant with ``monkeypatch`` for the duration of a test; the source is
never edited. A mutant test runs the very same machine or race body as the ordinary test and
asserts the opposite outcome: the property or the race now fails (docs/development/testing.md,
"Property tests that bite").
"""

from __future__ import annotations

import dataclasses

import pytest

from yusuan.indicators.services import ledger


def ledger_forgets_op_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """P11 broken: every posting reaches the ledger without its ``op_key``, so the movement is
    stored without it and a retried operation posts again."""
    post = ledger.post

    def forgetful(posting: ledger.Posting) -> bool:
        return post(dataclasses.replace(posting, op_key=None))

    monkeypatch.setattr(ledger, "post", forgetful)

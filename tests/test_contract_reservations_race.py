"""R-GP-9 under real concurrency (PostgreSQL): contracts filed at the same moment for the last
yuan of one procurement line — exactly one reserves it, the others are refused by line with the
figures, and the ledger and the reservations reconcile. ``tests/test_race_mutants.py`` runs the
same body with the ledger's conditional update turned into a read-modify-write and sees several
contracts reserve the same money."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from tests.payment_helpers import _payee
from tests.test_contract_reservations import _consistent, _lines, _user
from tests.test_indicators_concurrency import _in_threads

from yusuan.common.errors import BusinessRuleError
from yusuan.common.money import Money
from yusuan.procurement.models import Contract
from yusuan.procurement.services import ContractInput, contract_file

# --- the race (PostgreSQL) -------------------------------------------------------------------------

RACERS = 8


def contracts_race_for_the_last_yuan() -> tuple[list[Any], tuple[int, int], bool]:
    """Eight contracts of 600 yuan filed at once against a procurement line of 1,000 yuan."""
    (line,) = _lines(1_000_00)
    supplier = _payee(_user).pk

    def file(index: int) -> bool:
        contract_file(
            actor=_user("school_clerk"),
            data=ContractInput(
                number=f"HT-RACE-{index}",
                title="并发合同",
                supplier_id=supplier,
                amount=Money(600_00),
                indicator_line_ids=[line.pk],
                filed_on=dt.date(2026, 6, 1),
            ),
            fiscal_year=2026,
        )
        return True

    results = _in_threads(file, RACERS)
    line.refresh_from_db()
    return results, (line.available, line.reserved), _consistent()


@pytest.mark.postgres
def test_r_gp_9_two_contracts_race_for_the_last_yuan_one_wins(
    reload_demo_after: None, transactional_db: None
) -> None:
    results, buckets, consistent = contracts_race_for_the_last_yuan()
    assert results.count(True) == 1
    refused = [r for r in results if isinstance(r, BusinessRuleError)]
    assert len(refused) == RACERS - 1
    assert {(e.errors[0].rule, e.errors[0].field, e.errors[0].limit) for e in refused} == {
        ("R-GP-9", "lines[0].amount", "400.00")
    }
    assert buckets == (400_00, 600_00)
    assert Contract.objects.filter(number__startswith="HT-RACE-").count() == 1
    assert consistent

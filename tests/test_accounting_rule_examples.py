"""Every shipped posting rule with a worked example (issue 19; DOMAIN §4, DOMAIN-2 §5.2), checked
line by line: the event's facts as the handlers make them, the rule that answers, and the lines
of both halves (R-AC-1) with their accounts and amounts. Pure: the shipped rules.json through
``rules.book``, no database. A test at the end holds every shipped rule to an example here."""

from __future__ import annotations

from typing import Any

import pytest

from yusuan.accounting.rules import Dims, Item, RuleSpec, book
from yusuan.accounting.services.chart import standard_rules

FA, BA, DR, CR = "fa", "ba", "dr", "cr"
AMOUNT = 1_200_00


def _specs() -> list[RuleSpec]:
    return [
        RuleSpec(
            code=r["code"],
            version=1,
            name=r["name"],
            event=r["event"],
            priority=r.get("priority", 100),
            conditions=r.get("conditions", {}),
            lines=r.get("lines", []),
            net_halves=tuple(r.get("net_halves", ())),
        )
        for r in standard_rules()
    ]


def _facts(fund: str = "fiscal", eco: str = "30201", **more: Any) -> dict[str, Any]:
    """What ``generate._facts`` gives a rule to match on (a 一体化 institution by default)."""
    return {
        "fund_class": fund,
        "eco": eco,
        "quota_model": "unified",
        "unit_kind": "institution",
        "pay_type_code": "11",
        **more,
    }


OLD = Dims(exp_func_code="2050202", dep_bgt_eco_code="30201", fund_type_code="111")
NEW = Dims(exp_func_code="2050203", dep_bgt_eco_code="30201", fund_type_code="111")
EQUIPMENT = Dims(exp_func_code="2050203", dep_bgt_eco_code="31002", fund_type_code="111")

# (rule, event, the item's facts, expenditure account, {from, to} dims, the expected lines)
EXAMPLES: list[tuple[str, str, dict[str, Any], str, dict[str, Dims], list[tuple[str, ...]]]] = [
    (
        "E6",  # office supplies paid by the treasury (Model U)
        "payments.settled",
        _facts(),
        "7201",
        {},
        [(FA, DR, "5001"), (FA, CR, "4001"), (BA, DR, "7201"), (BA, CR, "6001")],
    ),
    (
        "E6",  # the same in an administrative unit: 7101 (R-AC-11)
        "payments.settled",
        _facts(unit_kind="administrative"),
        "7101",
        {},
        [(FA, DR, "5001"), (FA, CR, "4001"), (BA, DR, "7101"), (BA, CR, "6001")],
    ),
    (
        "E8",  # equipment: the asset, not an expense
        "payments.settled",
        _facts(eco="31002"),
        "7201",
        {},
        [(FA, DR, "1601"), (FA, CR, "4001"), (BA, DR, "7201"), (BA, CR, "6001")],
    ),
    (
        "E8-IA",  # software: an intangible asset
        "payments.settled",
        _facts(eco="31007"),
        "7201",
        {},
        [(FA, DR, "1701"), (FA, CR, "4001"), (BA, DR, "7201"), (BA, CR, "6001")],
    ),
    (
        "E3-P",  # net pay of an accrued month clears its payable (E3)
        "payments.settled",
        _facts(eco="30101", business_type="salary", payroll="net", payable="220101"),
        "7201",
        {},
        [(FA, DR, "220101"), (FA, CR, "4001"), (BA, DR, "7201"), (BA, CR, "6001")],
    ),
    (
        "E3-P",  # a withholding passed on to the tax office (E4)
        "payments.settled",
        _facts(eco="30101", business_type="salary", payroll="withheld", payable="210201"),
        "7201",
        {},
        [(FA, DR, "210201"), (FA, CR, "4001"), (BA, DR, "7201"), (BA, CR, "6001")],
    ),
    (
        "E3",  # a salary request typed by hand (no batch, nothing accrued)
        "payments.settled",
        _facts(eco="30101", business_type="salary"),
        "7201",
        {},
        [(FA, DR, "5001"), (FA, CR, "4001"), (BA, DR, "7201"), (BA, CR, "6001")],
    ),
    (
        "E12",  # 公务卡还款
        "payments.settled",
        _facts(business_type="card_repayment"),
        "7201",
        {},
        [(FA, DR, "5001"), (FA, CR, "4001"), (BA, DR, "7201"), (BA, CR, "6001")],
    ),
    (
        "E-SP",  # 财政专户管理资金
        "payments.settled",
        _facts(fund="special"),
        "7201",
        {},
        [(FA, DR, "5001"), (FA, CR, "4101"), (BA, DR, "7201"), (BA, CR, "6101")],
    ),
    (
        "E15",  # the unit's own money (E15)
        "payments.settled",
        _facts(fund="own"),
        "7201",
        {},
        [(FA, DR, "5001"), (FA, CR, "1002"), (BA, DR, "7201"), (BA, CR, "800102")],
    ),
    (
        "L-AUTH",  # legacy quota model, 授权支付: the quota is spent
        "payments.settled",
        _facts(quota_model="legacy", pay_type_code="12"),
        "7201",
        {},
        [(FA, DR, "5001"), (FA, CR, "1011"), (BA, DR, "7201"), (BA, CR, "800101")],
    ),
    (
        "R1",  # same-year refund: the payment's lines reversed on the original codes (§4.4)
        "payments.refund_confirmed",
        _facts(same_year=True, refund_kind="refund"),
        "7201",
        {},
        [(FA, DR, "4001"), (FA, CR, "5001"), (BA, DR, "6001"), (BA, CR, "7201")],
    ),
    (
        "R1",  # a refunded equipment payment credits what the payment debited
        "payments.refund_confirmed",
        _facts(eco="31002", same_year=True, refund_kind="bank_return"),
        "7201",
        {},
        [(FA, DR, "4001"), (FA, CR, "1601"), (BA, DR, "6001"), (BA, CR, "7201")],
    ),
    (
        "R1-SP",
        "payments.refund_confirmed",
        _facts(fund="special", same_year=True),
        "7201",
        {},
        [(FA, DR, "4101"), (FA, CR, "5001"), (BA, DR, "6101"), (BA, CR, "7201")],
    ),
    (
        "R1-OWN",
        "payments.refund_confirmed",
        _facts(fund="own", same_year=True),
        "7201",
        {},
        [(FA, DR, "1002"), (FA, CR, "5001"), (BA, DR, "800102"), (BA, CR, "7201")],
    ),
    (
        "R-L",  # legacy: the quota comes back
        "payments.refund_confirmed",
        _facts(quota_model="legacy", pay_type_code="12", same_year=True),
        "7201",
        {},
        [(FA, DR, "1011"), (FA, CR, "5001"), (BA, DR, "800101"), (BA, CR, "7201")],
    ),
    (
        "R2",  # an earlier year's payment refunded: 财政应返还额度 and 年初余额调整 (§4.4)
        "payments.refund_confirmed",
        _facts(same_year=False),
        "7201",
        {},
        [(FA, DR, "1201"), (FA, CR, "3501"), (BA, DR, "800103"), (BA, CR, "810101")],
    ),
    (
        "R2-OTHER",
        "payments.refund_confirmed",
        _facts(fund="own", same_year=False),
        "7201",
        {},
        [(FA, DR, "1002"), (FA, CR, "3501"), (BA, DR, "800102"), (BA, CR, "8201")],
    ),
    (
        "E16",  # 更正 of the functional class only: the expense stays, so no financial lines
        "payments.correction_posted",
        _facts(),
        "7201",
        {"from": OLD, "to": NEW},
        [(BA, DR, "7201"), (BA, CR, "7201")],
    ),
    (
        "E16",  # 更正 from office costs to equipment: the financial half is reclassified too
        "payments.correction_posted",
        _facts(eco="31002"),
        "7201",
        {"from": OLD, "to": EQUIPMENT},
        [(FA, DR, "1601"), (FA, CR, "5001"), (BA, DR, "7201"), (BA, CR, "7201")],
    ),
    (
        "E1",  # gross pay accrued by item
        "payroll.accrued",
        {"part": "gross", "eco": "30101", "payable": "220101", "unit_kind": "institution"},
        "7201",
        {},
        [(FA, DR, "5001"), (FA, CR, "220101")],
    ),
    (
        "E2",  # 个税 withheld out of basic pay
        "payroll.accrued",
        {"part": "withheld", "eco": "30101", "payable": "220101", "withholding": "210201"},
        "7201",
        {},
        [(FA, DR, "220101"), (FA, CR, "210201")],
    ),
    (
        "E5",  # the employer's pension contribution accrued
        "payroll.accrued",
        {"part": "contribution", "eco": "30108", "payable": "220104"},
        "7201",
        {},
        [(FA, DR, "5001"), (FA, CR, "220104")],
    ),
    (
        "L-ISSUE",  # legacy quota model: 授权支付额度 arrives in the zero-balance account (§4.1)
        "indicators.posted",
        _facts(quota_model="legacy", pay_type_code="12", movement="issue"),
        "7201",
        {},
        [(FA, DR, "1011"), (FA, CR, "4001"), (BA, DR, "800101"), (BA, CR, "6001")],
    ),
    (
        "E11",  # a month's amortisation of software charged to administration
        "accounting.depreciation",
        {"kind": "1701", "expense": "5101", "accumulated": "1702"},
        "7201",
        {},
        [(FA, DR, "5101"), (FA, CR, "1702")],
    ),
]


@pytest.mark.parametrize(
    ("code", "event", "facts", "expenditure", "moved", "expected"),
    EXAMPLES,
    ids=[f"{e[0]}-{i}" for i, e in enumerate(EXAMPLES)],
)
def test_the_rule_books_its_worked_example_line_by_line(
    code: str,
    event: str,
    facts: dict[str, Any],
    expenditure: str,
    moved: dict[str, Dims],
    expected: list[tuple[str, ...]],
) -> None:
    specs = _specs()
    payment_rules = [s for s in specs if s.event == "payments.settled"]
    item = Item(
        amount=AMOUNT,
        facts=facts,
        # The line's codes: a refund finds its payment's account by them.
        dims=moved.get("to") or (EQUIPMENT if facts.get("eco") == "31002" else OLD),
        from_dims=moved.get("from"),
        to_dims=moved.get("to"),
    )
    lines, used = book(
        [item],
        [s for s in specs if s.event == event],
        payment_rules=payment_rules,
        expenditure_account=expenditure,
    )
    assert used == [f"{code} v1"]
    assert [(x.half, x.side, x.account_code) for x in lines] == expected
    assert all(x.amount == AMOUNT for x in lines)
    for half in (FA, BA):  # R-AC-2: each half balances
        assert sum(x.debit for x in lines if x.half == half) == sum(
            x.credit for x in lines if x.half == half
        )
    if moved:  # E16: the budgetary line leaves the old codes for the new
        ba = {x.side: x.dims for x in lines if x.half == BA}
        assert (ba[DR], ba[CR]) == (moved["to"], moved["from"])


def test_every_shipped_rule_has_a_worked_example() -> None:
    shipped = {r["code"] for r in standard_rules()}
    assert shipped == {e[0] for e in EXAMPLES}


def test_no_rule_books_an_indicator_issued_under_the_unified_model() -> None:
    """DOMAIN §4: issuing an indicator creates no entry in the unit's books (Model U)."""
    from yusuan.accounting.rules import first_match

    issued = [s for s in _specs() if s.event == "indicators.posted"]
    assert first_match(issued, _facts(pay_type_code="1", movement="issue")) is None
    assert first_match(issued, _facts(quota_model="legacy", pay_type_code="11")) is None

"""Indicator documents end to end: issue → allocate → increase/decrease → freeze → reclaim,
with every bucket asserted after each step and the ledger reconciled."""

from __future__ import annotations

from typing import Any

import pytest
from tests.indicator_helpers import issue, project, shared_source, spec

from yusuan.common.errors import BusinessRuleError
from yusuan.common.money import Money
from yusuan.indicators.choices import DocumentKind, LineKind
from yusuan.indicators.models import IndicatorLine, Movement
from yusuan.indicators.selectors import reconcile
from yusuan.indicators.services import (
    DocumentInput,
    LineInput,
    LineSpec,
    Op,
    apply,
    document_create,
    document_post,
)

pytestmark = pytest.mark.django_db


def buckets(line: IndicatorLine) -> dict[str, int]:
    line.refresh_from_db()
    return {
        k: getattr(line, k)
        for k in ("total", "available", "allocated", "reserved", "frozen", "held", "paid")
        if getattr(line, k)
    }


def post_doc(entrant: Any, poster: Any, kind: str, lines: list[LineInput], **kw: Any) -> Any:
    if kind in (DocumentKind.ISSUE, DocumentKind.INCREASE):
        kw.setdefault("budget_source_id", shared_source().pk)  # R-IN-7
    document = document_create(
        actor=entrant,
        data=DocumentInput(kind=kind, title="测试", lines=lines, fiscal_year=2026, **kw),
    )
    document_post(actor=poster, document_id=document.pk)
    document.refresh_from_db()
    return document


def test_issue_allocate_adjust_pay_reclaim(user: Any, org: Any) -> None:
    budget, chief = user("wj_budget"), user("wj_budget_chief")
    clerk = user("school_clerk")
    school = clerk.organisation
    proj = project(school, clerk)
    bureau = budget.organisation.parent
    [pending] = issue(
        budget,
        chief,
        [(spec(bureau, None, line_kind=LineKind.PENDING, dep_bgt_eco_code=""), 1_000_000_00)],
    )
    assert pending.kind == LineKind.PENDING
    assert buckets(pending) == {"total": 1_000_000_00, "available": 1_000_000_00}

    allocation = post_doc(
        budget,
        chief,
        DocumentKind.ALLOCATE,
        [
            LineInput(
                amount=Money(300_000_00),
                source_id=pending.pk,
                spec=LineSpec(
                    organisation_id=school.pk,
                    project_id=proj.pk,
                    dep_bgt_eco_code="30201",
                    pay_type_code="1",
                    acc_type="unit_zero_balance",
                ),
            )
        ],
    )
    child = allocation.lines.get().created_line
    assert child.parent_id == pending.pk and child.gov_bgt_eco_code
    assert buckets(pending) == {
        "total": 1_000_000_00,
        "available": 700_000_00,
        "allocated": 300_000_00,
    }
    assert buckets(child) == {"total": 300_000_00, "available": 300_000_00}

    post_doc(
        budget,
        chief,
        DocumentKind.INCREASE,
        [LineInput(Money(50_000_00), target_id=child.pk)],
        doc_no="吴财预〔2026〕9号",
    )
    assert buckets(child) == {"total": 350_000_00, "available": 350_000_00}

    apply("freeze", [Op(child.pk, 100_000_00)], actor_id=clerk.pk, op_key="pay-1")
    assert not apply("freeze", [Op(child.pk, 100_000_00)], actor_id=clerk.pk, op_key="pay-1")
    apply("pay", [Op(child.pk, 60_000_00)], actor_id=clerk.pk)
    apply("unfreeze", [Op(child.pk, 40_000_00)], actor_id=clerk.pk)
    assert buckets(child) == {"total": 350_000_00, "available": 290_000_00, "paid": 60_000_00}
    apply("restore", [Op(child.pk, 10_000_00)], actor_id=clerk.pk)
    assert buckets(child) == {"total": 350_000_00, "available": 300_000_00, "paid": 50_000_00}

    with pytest.raises(BusinessRuleError) as excinfo:
        apply("freeze", [Op(child.pk, 300_000_01)], actor_id=clerk.pk)
    detail = excinfo.value.errors[0]
    assert (detail.rule, detail.value, detail.limit) == ("R-PY-1", "300,000.01", "300,000.00")

    post_doc(
        budget,
        chief,
        DocumentKind.RECLAIM,
        [LineInput(Money(100_000_00), source_id=child.pk, to_parent=True)],
    )
    assert buckets(child) == {"total": 250_000_00, "available": 200_000_00, "paid": 50_000_00}
    assert buckets(pending) == {
        "total": 1_000_000_00,
        "available": 800_000_00,
        "allocated": 200_000_00,
    }
    assert Movement.objects.filter(line=child).count() == 7
    assert reconcile() == []

"""Builders for indicator tests: lines issued through real documents, as a user would."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from yusuan.common.money import Money
from yusuan.core.models import Organisation
from yusuan.identity.models import User
from yusuan.indicators.choices import DocumentKind, LineKind, SourceKind
from yusuan.indicators.models import IndicatorLine, IndicatorSource
from yusuan.indicators.services import (
    DocumentInput,
    LineInput,
    LineSpec,
    document_create,
    document_post,
)
from yusuan.indicators.services.sources import SourceInput, source_create
from yusuan.projects.choices import SYSTEM_CATEGORIES, ProjectState
from yusuan.projects.models import Project
from yusuan.projects.services import ProjectInput, project_create, project_set_state

# A source large enough for any test (R-IN-7: every 下达 and 追加 draws from one).
BIG = 10_000_000_000_00


def budget_source(
    fen: int = BIG,
    *,
    kind: str = SourceKind.BUDGET_LINE,
    actor: Any = None,
    year: int = 2026,
    **kw: Any,
) -> IndicatorSource:
    """A source opened by the budget division (``wj_budget`` unless ``actor`` is given)."""
    return source_create(
        actor=actor or User.objects.get(username="wj_budget"),
        data=SourceInput(
            kind=kind,
            name=kw.pop("name", "测试批复预算"),
            amount=Money(fen),
            fiscal_year=year,
            **kw,
        ),
    )


def project(
    unit: Organisation, clerk: Any, *, category: str = "3", name: str = "测试项目", **kw: Any
) -> Project:
    """A project in the library (R-PJ-1: only stored projects carry budget lines); 人员类 and
    公用经费 ones as the system makes them (R-PJ-8)."""
    created = project_create(
        actor=clerk,
        organisation=unit,
        fiscal_year=2026,
        data=ProjectInput(
            name=name,
            category=category,
            kind="new",
            start_year=2026,
            end_year=2026,
            total_amount=Money(10_000_000_00),
            fund_type="111",
            **kw,
        ),
        system=category in SYSTEM_CATEGORIES,
    )
    with transaction.atomic():
        project_set_state(actor=clerk, project=created, state=ProjectState.STORED, why="test")
    return created


def spec(unit: Organisation, proj: Project | None, **kw: Any) -> LineSpec:
    values: dict[str, Any] = {
        "line_kind": LineKind.EXECUTABLE,
        "organisation_id": unit.pk,
        "project_id": proj.pk if proj else None,
        "exp_func_code": "2050202",
        "dep_bgt_eco_code": "30201",
        "fund_type_code": "111",
        "source_type_code": "01",
        "pay_type_code": "1",
        "acc_type": "unit_zero_balance",
        "summary": "测试指标",
    }
    values.update(kw)
    return LineSpec(**values)


SHARED_NAME = "测试批复预算（共用）"


def shared_source() -> IndicatorSource:
    """The test's one big budget-line source, opened on first use (tests that count audit
    records open it beforehand, e.g. in ``make_world``)."""
    found = IndicatorSource.objects.filter(name=SHARED_NAME, fiscal_year=2026).first()
    return found or budget_source(name=SHARED_NAME)


def issue(
    entrant: Any,
    poster: Any,
    specs: list[tuple[LineSpec, int]],
    *,
    doc_no: str = "吴财预〔2026〕1号",
    source: IndicatorSource | None = None,
) -> list[IndicatorLine]:
    document = document_create(
        actor=entrant,
        data=DocumentInput(
            kind=DocumentKind.ISSUE,
            title="年初预算指标下达",
            doc_no=doc_no,
            fiscal_year=2026,
            budget_source_id=(source or shared_source()).pk,
            lines=[LineInput(amount=Money(fen), spec=s) for s, fen in specs],
        ),
    )
    document_post(actor=poster, document_id=document.pk)
    return [line.created_line for line in document.lines.order_by("row")]  # type: ignore[misc]

"""What the budgeting endpoints share: their token scopes and permissions, a budget line as every
endpoint shows it (with its figure at each stage, R-BP-9), the errors and findings of a check,
and the amounts they read (text in 元, ADR 0015)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from django.utils.translation import get_language

from ninja import Field, Schema

from yusuan.budgeting import rules
from yusuan.budgeting.models import BudgetLine
from yusuan.budgeting.selectors import LineRow
from yusuan.common.api import Id
from yusuan.common.errors import BusinessRuleError, ErrorDetail, field_amount
from yusuan.common.money import Money

READ, WRITE = "budgeting:read", "budgeting:write"
VIEW = "budgeting.view_budgetround"  # the pages' permission to read
PREPARE = "budgeting.prepare_budget"
MANAGE_ROUND = "budgeting.manage_round"
ISSUE_CONTROL = "budgeting.issue_control"
REPLY = "budgeting.reply_budget"

# Lists of figures a body may carry: a department's lines, with room to spare.
MAX_FIGURES = 20_000


class BudgetStageFiguresOut(Schema):
    """A line's figure at each stage, written once (R-BP-9); null where not written yet."""

    apply_1_fen: int | None = Field(description="一上 requested (申报数)")
    control_fen: int | None = Field(description="一下 finance figure (财政审核数)")
    apply_2_fen: int | None = Field(description="二上 requested")
    approved_fen: int | None = Field(description="批复数")
    current_fen: int | None = Field(description="In force: the latest changed 批复, else 批复")


class BudgetFindingOut(Schema):
    """A review rule's note (R-BP-3/4/6/13): shown, not blocking."""

    rule: str
    position: int | None
    message: str
    message_zh: str
    message_en: str


class BudgetCheckErrorOut(Schema):
    """What a submission would be refused for, as the problem body names it."""

    code: str
    rule: str | None
    field: str | None
    row: int | None
    message: str
    message_zh: str
    message_en: str
    value: Any = None
    limit: Any = None


class BudgetLineOut(Schema):
    id: int
    position: int
    organisation_id: int
    side: str
    revenue_kind: str
    part: str
    project_id: int | None
    project_code: str
    project_name: str
    project_rank: int | None
    exp_func_code: str
    dep_bgt_eco_code: str
    fund_type_code: str
    carry_over: bool
    pay_type_code: str
    acc_type: str
    is_gov_pur: bool
    pur_item: str
    is_gov_service: bool
    is_asset: bool
    people: int | None
    days: int | None
    standard_fen: int | None
    summary: str
    amount_fen: int = Field(description="The working figure (the draft's, while it is a draft)")
    computed: bool = Field(description="Computed by the system (R-PJ-8): not edited by hand")
    removed: bool
    figures: BudgetStageFiguresOut
    findings: list[BudgetFindingOut]


class BudgetFigureIn(Schema):
    line_id: Id
    amount: str = Field(description="元, e.g. '1,234.56'", max_length=32)


def figures_out(figures: dict[str, int]) -> dict[str, int | None]:
    return {
        "apply_1_fen": figures.get("apply_1"),
        "control_fen": figures.get("control"),
        "apply_2_fen": figures.get("apply_2"),
        "approved_fen": figures.get("approved"),
        "current_fen": figures.get("current"),
    }


def finding_out(finding: rules.Finding) -> dict[str, Any]:
    english = (get_language() or "").lower().startswith("en")  # as ErrorDetail.message
    return {
        "rule": finding.rule,
        "position": finding.position,
        "message": finding.message_en if english else finding.message_zh,
        "message_zh": finding.message_zh,
        "message_en": finding.message_en,
    }


def errors_out(errors: Iterable[ErrorDetail]) -> list[dict[str, Any]]:
    return [e.as_dict(get_language()) for e in errors]


def line_out(row: LineRow) -> dict[str, Any]:
    line: BudgetLine = row.line
    project = line.project
    return {
        **{
            name: getattr(line, name)
            for name in BudgetLineOut.model_fields.keys()
            - {"project_code", "project_name", "project_rank", "figures", "findings", "id"}
        },
        "id": line.pk,
        "project_code": project.code if project else "",
        "project_name": project.name if project else "",
        "project_rank": project.rank if project else None,
        "figures": figures_out(row.figures),
        "findings": [finding_out(f) for f in row.findings],
    }


def amount(text: str, field: str) -> Money:
    """An amount typed in 元 (the house's parser, ADR 0015); refused naming ``field``."""
    money: Money = field_amount(text, field)
    return money


def figures_in(rows: Iterable[BudgetFigureIn], prefix: str = "figures") -> dict[int, Money]:
    """``[{line_id, amount}]`` → {line id: Money}; every unreadable amount or repeated line at
    once, each naming its row."""
    found: dict[int, Money] = {}
    errors: list[ErrorDetail] = []
    for index, row in enumerate(rows):
        try:
            money = amount(row.amount, f"{prefix}[{index}].amount")
        except BusinessRuleError as exc:
            errors += at_row(exc.errors, index)
            continue
        if row.line_id in found:
            errors.append(
                ErrorDetail(
                    code="budgeting.figure_twice",
                    field=f"{prefix}[{index}].line_id",
                    row=index,
                    value=row.line_id,
                    message_zh=f"第 {index + 1} 项：预算行 {row.line_id} 重复填写",
                    message_en=f"item {index + 1}: budget line {row.line_id} is given twice",
                )
            )
        found[row.line_id] = money
    if errors:
        raise BusinessRuleError(errors)
    return found


def at_row(errors: Iterable[ErrorDetail], index: int) -> list[ErrorDetail]:
    """A field's errors as the ``index``-th item of a list in the body."""
    return [dataclasses.replace(e, row=index) for e in errors]

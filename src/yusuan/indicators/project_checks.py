"""R-PJ-4 from the ledger's side: a project with money in flight or under contract is not
terminated or completed, and one that ever carried a budget line is not voided (作废), only
terminated. Registered into ``projects.hooks`` (the library sits below indicators)."""

from __future__ import annotations

from django.db.models import Count, Sum

from yusuan.common.errors import ErrorDetail
from yusuan.common.money import Money
from yusuan.indicators.models import IndicatorLine
from yusuan.projects.models import Project


def project_end_errors(project: Project, ending: str) -> list[ErrorDetail]:
    found = IndicatorLine.objects.filter(project=project).aggregate(
        lines=Count("id"), frozen=Sum("frozen"), reserved=Sum("reserved")
    )
    if ending == "void":
        if found["lines"]:
            return [
                ErrorDetail(
                    code="projects.void_has_indicators",
                    rule="R-PJ-4",
                    field="state",
                    value=found["lines"],
                    limit=0,
                    message_zh=f"项目已有 {found['lines']} 条预算指标，不能作废，只能终止",
                    message_en=f"the project has {found['lines']} indicator lines: terminate it,"
                    " it cannot be voided",
                )
            ]
        return []
    frozen, reserved = found["frozen"] or 0, found["reserved"] or 0
    if frozen or reserved:
        return [
            ErrorDetail(
                code="projects.money_in_flight",
                rule="R-PJ-4",
                field="state",
                value=Money(frozen + reserved).format(),
                limit="0.00",
                message_zh=f"项目指标尚有支付在途 {Money(frozen).format()} 元、"
                f"合同占用 {Money(reserved).format()} 元，须先办结支付和合同",
                message_en=f"the project's lines have {Money(frozen).format()} frozen for"
                f" payments and {Money(reserved).format()} reserved for contracts: settle them"
                " first",
            )
        ]
    return []

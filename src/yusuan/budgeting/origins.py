"""R-BP-12's trace on an indicator's page: the budget line it was generated from, its figures
stage by stage, the 批复 and the people's-congress approval (registered with
``indicators.origins``). Links only where the reader may open the page."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from yusuan.budgeting import selectors
from yusuan.budgeting.models import BudgetDraft, Reply
from yusuan.common.money import Money
from yusuan.indicators.models import IndicatorLine
from yusuan.indicators.origins import Origin


def _figure(value: int | None) -> str:
    return Money(value).format() if value is not None else "—"


def budget_origin(actor: Any, line: IndicatorLine) -> list[Origin]:
    found = selectors.generated_for_indicator(line.pk)
    if found is None:
        return []
    budget_line, reply = found.line, found.reply
    draft = (
        BudgetDraft.objects.visible_to(actor)
        .filter(round=budget_line.round, organisation=budget_line.organisation)
        .order_by("-stage")
        .first()
    )
    project = budget_line.project.name if budget_line.project else ""
    figures = selectors.stage_figures([budget_line.pk]).get(budget_line.pk, {})
    stages = " / ".join(
        f"{name} {_figure(figures.get(key))}"
        for key, name in (
            ("apply_1", "一上"),
            ("control", "一下"),
            ("apply_2", "二上"),
            ("current", "批复"),
        )
    )
    reply_visible = Reply.objects.visible_to(actor).filter(pk=reply.pk).exists()
    budget_round = reply.round
    return [
        Origin(
            _("Budget line"),
            f"{budget_line.organisation.name} {budget_line.fiscal_year} "
            f"{_('budget')} #{budget_line.position} {project} "
            f"{budget_line.exp_func_code}/{budget_line.dep_bgt_eco_code or '—'}",
            reverse("budgeting:draft_detail", args=[draft.pk]) if draft is not None else "",
            "trace-budget-line",
        ),
        Origin(_("Figures by stage"), stages, "", "trace-budget-stages"),
        Origin(
            _("批复"),
            f"{reply.number} {reply.doc_no} {reply.title}",
            reverse("budgeting:reply_detail", args=[reply.pk]) if reply_visible else "",
            "trace-reply",
        ),
        Origin(
            _("People's congress approval"),
            f"{budget_round.congress_decision_no}（{budget_round.congress_date}）",
            "",
            "trace-congress",
        ),
    ]

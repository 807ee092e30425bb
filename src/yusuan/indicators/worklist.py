"""What the indicator module leaves for a person (``common.worklist``; issue 16 item 2): documents
in draft (for the budget division: to check and post), 追加申请 approved and waiting for finance's
answer, upper-level transfers past their 30-day deadline (R-IN-5), a unit's unsent 追加申请."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from yusuan.common.worklist import ATTENTION, ROUTINE, URGENT, WorkItem
from yusuan.indicators.choices import DocumentState, SupplementState
from yusuan.indicators.models import IndicatorDocument, SupplementRequest
from yusuan.indicators.selectors import transfer_breaches


def indicator_work(actor: Any) -> list[WorkItem]:
    items: list[WorkItem] = []
    documents = reverse("indicators:document_list")
    supplements = reverse("indicators:supplement_list")
    if actor.has_perm("indicators.post_indicatordocument"):
        items.append(
            WorkItem(
                key="indicators.to_post",
                label=_("Indicator documents in draft, to check and post"),
                count=IndicatorDocument.objects.visible_to(actor)
                .filter(state=DocumentState.DRAFT)
                .count(),
                url=f"{documents}?state={DocumentState.DRAFT}",
                urgency=ATTENTION,
            )
        )
        items.append(
            WorkItem(
                key="indicators.transfers_overdue",
                label=_("Upper-level transfers past the 30-day allocation deadline"),
                count=len(transfer_breaches(actor=actor)),
                url=reverse("indicators:transfer_breaches"),
                urgency=URGENT,
            )
        )
    elif actor.has_perm("indicators.change_indicatordocument"):
        items.append(
            WorkItem(
                key="indicators.drafts",
                label=_("Indicator documents not yet submitted"),
                count=IndicatorDocument.objects.visible_to(actor)
                .filter(state=DocumentState.DRAFT)
                .count(),
                url=f"{documents}?state={DocumentState.DRAFT}",
                urgency=ROUTINE,
            )
        )
    if actor.has_perm("indicators.answer_supplementrequest"):
        items.append(
            WorkItem(
                key="indicators.supplements_to_answer",
                label=_("Approved requests for more money (追加申请) to answer"),
                count=SupplementRequest.objects.visible_to(actor)
                .filter(state=SupplementState.APPROVED)
                .count(),
                url=f"{supplements}?state={SupplementState.APPROVED}",
                urgency=ATTENTION,
            )
        )
    elif actor.has_perm("indicators.add_supplementrequest"):
        items.append(
            WorkItem(
                key="indicators.supplement_drafts",
                label=_("Requests for more money (追加申请) not yet submitted"),
                count=SupplementRequest.objects.visible_to(actor)
                .filter(state=SupplementState.DRAFT)
                .count(),
                url=f"{supplements}?state={SupplementState.DRAFT}",
                urgency=ROUTINE,
            )
        )
    return items

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
from yusuan.indicators.transfers import transfer_breaches


def _in_state(
    actor: Any, key: str, label: str, model: Any, state: str, url_name: str, urgency: int
) -> WorkItem:
    """The actor's documents of ``model`` in ``state``, linked to the list filtered alike."""
    return WorkItem(
        key=key,
        label=label,
        count=model.objects.visible_to(actor).filter(state=state).count(),
        url=f"{reverse(url_name)}?state={state}",
        urgency=urgency,
    )


def indicator_work(actor: Any) -> list[WorkItem]:
    items: list[WorkItem] = []
    documents, supplements = "indicators:document_list", "indicators:supplement_list"
    if actor.has_perm("indicators.post_indicatordocument"):
        items.append(
            _in_state(
                actor,
                "indicators.to_post",
                _("Indicator documents in draft, to check and post"),
                IndicatorDocument,
                DocumentState.DRAFT,
                documents,
                ATTENTION,
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
            _in_state(
                actor,
                "indicators.drafts",
                _("Indicator documents not yet submitted"),
                IndicatorDocument,
                DocumentState.DRAFT,
                documents,
                ROUTINE,
            )
        )
    if actor.has_perm("indicators.answer_supplementrequest"):
        items.append(
            _in_state(
                actor,
                "indicators.supplements_to_answer",
                _("Approved requests for more money (追加申请) to answer"),
                SupplementRequest,
                SupplementState.APPROVED,
                supplements,
                ATTENTION,
            )
        )
    elif actor.has_perm("indicators.add_supplementrequest"):
        items.append(
            _in_state(
                actor,
                "indicators.supplement_drafts",
                _("Requests for more money (追加申请) not yet submitted"),
                SupplementRequest,
                SupplementState.DRAFT,
                supplements,
                ROUTINE,
            )
        )
    return items

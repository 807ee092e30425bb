"""What the payments module leaves for a person (``common.worklist``; issue 16 item 2): a unit's
drafts, payments blocked by monitoring, warnings to explain and bank failures; the treasury's
vouchers to send, 实拨 receipts and clearing differences; refunds and corrections to confirm.
Each count is of the list its link opens (the request list's ``state`` / ``waiting`` filters)."""

from __future__ import annotations

from typing import Any

from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from yusuan.common.worklist import ATTENTION, ROUTINE, URGENT, WorkItem
from yusuan.payments import selectors
from yusuan.payments.choices import RequestState
from yusuan.payments.models import ClearingDay, PaymentVoucher

LIST = "payments:request_list"


def _requests(
    actor: Any, key: str, label: str, urgency: int, *, state: str = "", waiting: str = ""
) -> WorkItem:
    query = f"state={state}" if state else f"waiting={waiting}"
    return WorkItem(
        key=key,
        label=label,
        count=selectors.request_list(actor=actor, state=state, waiting=waiting).count(),
        url=f"{reverse(LIST)}?{query}",
        urgency=urgency,
    )


def payment_work(actor: Any) -> list[WorkItem]:
    items: list[WorkItem] = []
    if actor.has_perm("payments.change_paymentrequest"):
        items += [
            _requests(
                actor,
                "payments.blocked",
                _("Payments blocked by monitoring, to revise"),
                URGENT,
                state=RequestState.BLOCKED,
            ),
            _requests(
                actor,
                "payments.explain",
                _("Monitoring warnings to explain"),
                URGENT,
                state=RequestState.PENDING_EXPLANATION,
            ),
            _requests(
                actor,
                "payments.failed",
                _("Payments the bank failed"),
                URGENT,
                state=RequestState.FAILED,
            ),
            _requests(
                actor,
                "payments.partly_failed",
                _("Payments the bank partly failed"),
                URGENT,
                state=RequestState.PARTLY_FAILED,
            ),
            _requests(
                actor,
                "payments.drafts",
                _("Payment requests not yet submitted"),
                ROUTINE,
                state=RequestState.DRAFT,
            ),
        ]
    if actor.has_perm("payments.change_refund") or actor.has_perm("payments.change_correction"):
        items.append(
            _requests(
                actor,
                "payments.confirmation",
                _("Refunds and corrections to confirm"),
                ATTENTION,
                waiting="confirmation",
            )
        )
    if actor.has_perm("payments.send_to_bank"):
        waiting = PaymentVoucher.objects.filter(
            request__in=selectors.request_list(actor=actor, waiting="sending")
        )
        items.append(
            WorkItem(
                key="payments.sending",
                label=_("Vouchers to send to the agent banks"),
                count=waiting.count(),
                url=reverse("payments:bank_exchange"),
                urgency=ATTENTION,
                amount_fen=waiting.aggregate(s=Sum("amount"))["s"],
            )
        )
        items.append(
            WorkItem(
                key="payments.clearing",
                label=_("Clearing differences to resolve"),
                count=ClearingDay.objects.filter(
                    mof_div_code__in=actor.scope.mof_div_codes, state=ClearingDay.OPEN
                ).count(),
                url=reverse("payments:bank_exchange"),
                urgency=URGENT,
            )
        )
    if actor.has_perm("payments.confirm_allocation"):
        items.append(
            _requests(
                actor,
                "payments.receipt",
                _("实拨 vouchers awaiting the treasury's receipt"),
                ATTENTION,
                waiting="receipt",
            )
        )
    return items

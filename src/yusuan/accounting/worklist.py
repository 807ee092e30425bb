"""What the books leave for a person (``common.worklist``): the drafts a 会计主管 may review and
the reviewed vouchers an accountant may post, and the generated vouchers that wait for their
lines. Each count is of the voucher list its link opens."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from yusuan.accounting import selectors
from yusuan.accounting.choices import VoucherState
from yusuan.accounting.services.common import KEEP, REVIEW
from yusuan.common.worklist import ATTENTION, ROUTINE, WorkItem


def accounting_work(actor: Any) -> list[WorkItem]:
    items: list[WorkItem] = []
    listed = reverse("accounting:vouchers")
    if actor.has_perm(REVIEW):
        drafts = selectors.voucher_list(actor=actor, state=VoucherState.DRAFT)
        items.append(
            WorkItem(
                key="accounting.review",
                label=_("Vouchers to review"),
                count=drafts.filter(problem="").count(),
                url=f"{listed}?state=draft",
                urgency=ROUTINE,
            )
        )
    if actor.has_perm(KEEP):
        reviewed = selectors.voucher_list(actor=actor, state=VoucherState.REVIEWED)
        incomplete = selectors.voucher_list(actor=actor, state=VoucherState.DRAFT).exclude(
            problem=""
        )
        items += [
            WorkItem(
                key="accounting.post",
                label=_("Vouchers to post"),
                count=reviewed.count(),
                url=f"{listed}?state=reviewed",
                urgency=ROUTINE,
            ),
            WorkItem(
                key="accounting.incomplete",
                label=_("Generated vouchers waiting for their lines"),
                count=incomplete.count(),
                url=f"{listed}?state=draft",
                urgency=ATTENTION,
            ),
        ]
    return items

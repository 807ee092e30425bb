"""R-PS-5's warnings as a release check of the salary batch's payment request (ADR 0045).

What the import found and did not block — a row differing from the person's standard without a
reason, or, while the region's check is on trial, what would have blocked — is kept with the batch.
Payments' release checks (``payments.hooks``, the mechanism monitoring uses, ADR 0025) are how a
warning reaches the request's page, the approver's summary and the API, and how the voucher waits
for the unit's written explanation (``monitoring.services.request_explain``): the check warns while
the batch holds unexplained findings, and shows the explained ones with their reasons.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from yusuan.common.actor import Actor
from yusuan.payments.choices import BusinessType
from yusuan.payments.hooks import Finding, Outcome
from yusuan.payments.models import PaymentRequest
from yusuan.payroll.choices import PersonnelCheck
from yusuan.payroll.models import PayrollBatch
from yusuan.payroll.services.personnel import RULE, WARN

MAX_SHOWN = 50  # a batch with thousands of differences shows the first and a count; its page all


def _batch(request: PaymentRequest) -> PayrollBatch | None:
    if request.business_type != BusinessType.SALARY:
        return None
    return (
        PayrollBatch.objects.filter(request=request)
        .only("pk", "number", "findings", "personnel_check")
        .first()
    )


class PersonnelFindings:
    """Registered by ``PayrollConfig.ready()`` as the release check ``payroll.personnel``."""

    def run(self, *, actor: Actor, request: PaymentRequest, round_no: int) -> Outcome:
        batch = _batch(request)
        if batch is not None and any(f.get("outcome") == WARN for f in batch.findings):
            return Outcome.WARN
        return Outcome.PASS

    def findings(self, request: PaymentRequest) -> list[Finding]:
        batch = _batch(request)
        if batch is None:
            return []
        if batch.personnel_check == PersonnelCheck.NO_DATABASE:
            return [
                Finding(
                    round=0,
                    rule=RULE,
                    outcome=str(Outcome.PASS),
                    level="",
                    row=None,
                    value=batch.number,
                    limit="",
                    message_zh=f"工资批次 {batch.number} 未与人员信息库核对：本区划人员信息库尚无数据",
                    message_en=f"salary batch {batch.number} was not checked against the personnel "
                    "database: the region's database is empty",
                )
            ]
        explained = _("Explained by the unit") if request.explanation else ""
        shown: list[Finding] = [_finding(f, explained) for f in batch.findings[:MAX_SHOWN]]
        left = len(batch.findings) - len(shown)
        if left > 0:
            shown.append(
                Finding(
                    round=0,
                    rule=RULE,
                    outcome=WARN,
                    level="",
                    row=None,
                    value=str(left),
                    limit="",
                    message_zh=f"……另有 {left} 项，见工资批次 {batch.number}",
                    message_en=f"… and {left} more, see salary batch {batch.number}",
                )
            )
        return shown


def _finding(found: dict[str, Any], explained: str) -> Finding:
    warned = found.get("outcome") == WARN
    return Finding(
        round=0,
        rule=str(found.get("rule") or RULE),
        # A difference the sheet explains does not hold the voucher: shown, passed.
        outcome=str(Outcome.WARN if warned else Outcome.PASS),
        level="",
        row=found.get("row"),
        value=str(found.get("value") or ""),
        limit=str(found.get("limit") or ""),
        message_zh=str(found.get("message_zh", "")),
        message_en=str(found.get("message_en", "")),
        status_label=explained if warned else _("Explained on the sheet"),
    )

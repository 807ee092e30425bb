"""A payment request as its approver sees it (``workflow.summary``; issue 16 item 1): every line's
payee and account (masked unless the role sees personal data), the indicator it is paid from
with that indicator's available balance before and after this request, the economic and
functional class by name, the monitoring findings, the request's origin and a link to it."""

from __future__ import annotations

from typing import Any

from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from yusuan.common.masking import account_no_for
from yusuan.common.money import Money
from yusuan.core.choices import CodeKind
from yusuan.core.validation import code_names
from yusuan.indicators.models import IndicatorLine
from yusuan.payments import hooks
from yusuan.payments.choices import FROZEN_STATES, RequestState
from yusuan.payments.models import PaymentCharge, PaymentRequest
from yusuan.payments.origins import origins_of
from yusuan.workflow.summary import Cell, Column, DocumentSummary, Fact, Finding

MAX_ROWS = 50  # a salary batch shows its first rows and the count; its page searches the rest

# Before the money is frozen (a draft, a request sent back) the approval would take it out of the
# indicator; while frozen it is already out of ``available``; once paid or gone the balance is
# only shown as it is.
NOT_YET_FROZEN = frozenset({RequestState.DRAFT, RequestState.BLOCKED})


def _severity(found: hooks.Finding) -> str:
    outcome = {"block": _("Blocked"), "warn": _("Warning")}.get(found.outcome, found.outcome)
    level = {
        "red": _("Red"),
        "orange": _("Orange"),
        "yellow": _("Yellow"),
        "blue": _("Blue"),
    }.get(found.level, found.level)
    return f"{outcome} · {level}" if level else outcome


def _findings(request: PaymentRequest) -> tuple[Finding, ...]:
    english = (get_language() or "").startswith("en")
    return tuple(
        Finding(
            rule=f.rule,
            severity=_severity(f),
            text=f.message_en if english else f.message_zh,
            status=f.status_label,
            url=reverse("monitoring:finding_detail", args=[f.id]) if f.id else "",
            blocking=f.outcome == "block",
        )
        for f in hooks.findings(request)
    )


def _balance(line: IndicatorLine, asked: int, state: str) -> Cell:
    now = line.available
    if state in NOT_YET_FROZEN:
        before, after = now, now - asked
    elif state in FROZEN_STATES:
        before, after = now + asked, now
    else:
        return Cell(Money(now).format(), numeric=True, note=_("available now"))
    return Cell(
        f"{Money(before).format()} → {Money(after).format()}",
        numeric=True,
        tone="short" if after < 0 else "",
    )


def request_summary(*, actor: Any, request: PaymentRequest) -> DocumentSummary:
    lines = request.lines.select_related("indicator_line").order_by("row")
    count = lines.count()
    shown = list(lines[:MAX_ROWS])
    # What the whole request asks of each indicator line (a salary batch charges one line from
    # thousands of rows): the balance after is the indicator's, not the row's.
    asked = dict(
        PaymentCharge.objects.filter(line__request=request)
        .values("indicator_line_id")
        .annotate(total=Sum("amount"))
        .values_list("indicator_line_id", "total")
    )
    names = {
        kind: code_names(
            mof_div_code=request.mof_div_code,
            fiscal_year=request.fiscal_year,
            kind=kind,
            codes={getattr(x, attr) for x in shown},
        )
        for kind, attr in (
            (CodeKind.DEPARTMENT_ECONOMIC, "dep_bgt_eco_code"),
            (CodeKind.FUNCTIONAL, "exp_func_code"),
        )
    }
    rows = []
    for line in shown:
        indicator = line.indicator_line
        rows.append(
            (
                Cell(str(line.row + 1)),
                Cell(
                    line.payee_name,
                    note=f"{account_no_for(actor, line.payee_account_no)} {line.payee_bank_name}",
                ),
                Cell(
                    indicator.code,
                    url=reverse("indicators:line_detail", args=[indicator.pk]),
                    note=indicator.summary,
                ),
                Cell(
                    f"{line.dep_bgt_eco_code} "
                    f"{names[CodeKind.DEPARTMENT_ECONOMIC].get(line.dep_bgt_eco_code, '')}",
                    note=f"{line.exp_func_code} "
                    f"{names[CodeKind.FUNCTIONAL].get(line.exp_func_code, '')}",
                ),
                Cell(line.summary or "—"),
                Cell(Money(line.amount).format(), numeric=True),
                _balance(indicator, int(asked.get(indicator.pk, line.amount)), request.state),
            )
        )
    total = sum(lines.values_list("amount", flat=True))
    account = request.payer_account
    facts = [
        Fact(_("Purpose"), request.purpose),
        Fact(
            _("Payer account"),
            f"{account.account_name} {account_no_for(actor, account.account_no)}",
        ),
        Fact(
            _("Business type") + " · " + _("Settlement mode"),
            f"{request.get_business_type_display()} · {request.get_settlement_mode_display()}",
        ),
        Fact(_("Payment date"), request.pay_date.isoformat()),
    ]
    if request.contract_id is not None:
        contract = request.contract
        assert contract is not None
        facts.append(Fact(_("Contract"), f"{contract.number} {contract.title}"))
        if request.instalment is not None:
            facts.append(
                Fact(
                    _("Contract instalment"),
                    f"{request.instalment.name} {Money(request.instalment.amount)}",
                )
            )
    facts += [Fact(o.label, o.text, o.url) for o in origins_of(request)]
    if request.explanation:
        facts.append(Fact(_("Explanation of warnings"), request.explanation))
    return DocumentSummary(
        title=f"{request.number} · {request.purpose}",
        url=reverse("payments:request_detail", args=[request.pk]),
        facts=tuple(facts),
        columns=(
            Column("#"),
            Column(_("Payee")),
            Column(_("Indicator")),
            Column(_("Economic / functional class")),
            Column(_("Summary")),
            Column(_("Amount (yuan)"), numeric=True),
            Column(_("Indicator available (yuan): before → after"), numeric=True),
        ),
        rows=tuple(rows),
        total=(
            Cell(_("Total")),
            Cell(""),
            Cell(""),
            Cell(""),
            Cell(""),
            Cell(Money(total).format(), numeric=True),
            Cell(""),
        ),
        row_count=count,
        findings=_findings(request),
    )

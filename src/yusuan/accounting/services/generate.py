"""Vouchers generated from money events (R-AC-1, R-AC-7; ADR 0022, ADR 0047).

Each money event that moves a unit's cash becomes exactly one draft voucher in that unit's book,
unique on the event id and linked to its source document: a payment line paid by the bank
(E3/E6/E8/E12/E15…), a refund confirmed (DOMAIN §4.4), a 更正 (E16). The region's posting rules
(data, versioned) decide the lines of both halves. Events that move only the indicator ledger
(issue, freeze, release, a failed transfer, a contract's reservation) book nothing under the
integrated model (DOMAIN §4: "issuing an indicator creates no entry in the unit's books").

A handler runs inside the payment's transaction (ADR 0022) and never blocks it for a reason of
its own: when no rule books an item, the voucher is still made, without lines, naming the
problem, and waits for an accountant to complete it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from yusuan.accounting.choices import PeriodState, QuotaModel, RuleEvent, VoucherOrigin
from yusuan.accounting.models import Book, Period, Voucher, VoucherLine
from yusuan.accounting.rules import (
    EXPENDITURE_ACCOUNT,
    Dims,
    Item,
    Line,
    NoRuleError,
    RuleSpec,
    activity_of,
    book,
    fund_class,
    salary_payable,
    withheld_account,
)
from yusuan.accounting.services.books import book_for
from yusuan.accounting.services.chart import rules_in_force
from yusuan.accounting.services.common import ChartAccount, chart_of
from yusuan.accounting.services.lines import check_lines, new_lines, voucher_total
from yusuan.common.bulk import insert_rows
from yusuan.common.events import SourceDocument
from yusuan.core import standard_keys
from yusuan.core.models import Organisation
from yusuan.core.selectors import standard_value
from yusuan.indicators.events import (
    INDICATOR_POSTED,
    IndicatorAmount,
    IndicatorPosted,
    IndicatorRef,
    LegPosted,
)
from yusuan.indicators.models import IndicatorDocument
from yusuan.indicators.rules import expenditure_kind
from yusuan.payments.choices import BusinessType
from yusuan.payments.events import (
    CORRECTION_POSTED,
    PAYMENT_SETTLED,
    REFUND_CONFIRMED,
    CorrectionPosted,
    PaymentLineRef,
    PaymentSettled,
    RefundConfirmed,
)
from yusuan.payments.models import Correction, PaymentRequest, Refund
from yusuan.payroll.events import PAYROLL_ACCRUED, PayrollAccrued
from yusuan.payroll.selectors import payment_line_role, payment_line_roles
from yusuan.projects.models import Project


def _categories(project_ids: set[int]) -> dict[int, str]:
    if not project_ids:
        return {}
    return dict(Project.objects.filter(pk__in=project_ids).values_list("pk", "category"))


def _dims(
    ref: IndicatorRef | PaymentLineRef,
    *,
    indicator_id: int | None,
    categories: dict[int, str],
    payee: PaymentLineRef | None,
) -> Dims:
    basic = expenditure_kind(categories.get(ref.project_id or 0, ""))
    return Dims(
        exp_func_code=ref.exp_func_code,
        dep_bgt_eco_code=ref.dep_bgt_eco_code,
        fund_type_code=ref.fund_type_code,
        budget_activity=activity_of(dep_bgt_eco_code=ref.dep_bgt_eco_code, basic=basic),
        project_id=ref.project_id,
        indicator_line_id=indicator_id,
        payee_id=payee.payee_id if payee is not None else None,
        counterparty=payee.payee_name[:120] if payee is not None else "",
    )


def _facts(book_: Book, ref: IndicatorRef | PaymentLineRef, **extra: Any) -> dict[str, Any]:
    return {
        "fund_class": fund_class(ref.fund_type_code),
        "eco": ref.dep_bgt_eco_code,
        "quota_model": book_.quota_model,
        "unit_kind": book_.unit_kind,
        "pay_type_code": getattr(ref, "pay_type_code", ""),
        **extra,
    }


def _payroll_payable(role: str) -> tuple[str, Callable[[str], str]]:
    """E3/E4/E5 at payment: a line of a salary batch's request clears what the accrual booked —
    the item's 应付职工薪酬 for an employee's pay or an employer contribution, 2102/2307 for a
    withholding passed on. The line's role (``payroll.selectors.payment_line_role``) as a fact,
    and the payable account of a charge's economic class; a salary request no batch made has
    none (E3 expenses it)."""
    if role == "":
        return "", lambda eco: ""
    if role in ("net", "contribution"):
        return role, salary_payable
    withheld = withheld_account(role)
    return "withheld", lambda eco: withheld


def _charge_items(
    book_: Book,
    charges: Sequence[IndicatorAmount],
    line: PaymentLineRef,
    *,
    summary: str,
    request_id: int,
    categories: dict[int, str] | None = None,
    role: str | None = None,
    **facts: Any,
) -> list[Item]:
    """``categories`` (project id → category) and ``role`` (the line's payroll role) when the
    caller read them for many events at once; read here otherwise."""
    if categories is None:
        categories = _categories(
            {c.indicator.project_id for c in charges if c.indicator.project_id}
        )
    salary = facts.get("business_type") == BusinessType.SALARY
    payable: Callable[[str], str] | None = None
    if salary:
        if role is None:
            role = payment_line_role(request_id=request_id, row=line.row)
        role, payable = _payroll_payable(role)
    items = []
    for charge in charges:
        dims = _dims(
            charge.indicator, indicator_id=charge.indicator.id, categories=categories, payee=line
        )
        payroll = (
            {"payroll": role, "payable": payable(charge.indicator.dep_bgt_eco_code)}
            if payable is not None
            else {}
        )
        items.append(
            Item(
                amount=charge.amount,
                facts={
                    **_facts(book_, charge.indicator, **facts),
                    "budget_activity": dims.budget_activity,
                    **payroll,
                },
                dims=dims,
                summary=summary,
            )
        )
    return items


@dataclass
class BookKit:
    """What a book's generated vouchers are made with, read once per book (a bank file's
    thousand results in one unit's book read its chart, rules and closed months once)."""

    book: Book
    chart: dict[str, ChartAccount]
    closed: set[int]
    rules: dict[str, list[RuleSpec]] = field(default_factory=dict)

    @classmethod
    def of(cls, book_: Book) -> BookKit:
        return cls(
            book=book_,
            chart=chart_of(book_.mof_div_code),
            closed=set(
                Period.objects.filter(book=book_, state=PeriodState.CLOSED).values_list(
                    "month", flat=True
                )
            ),
        )

    def rules_for(self, rule_event: str) -> list[RuleSpec]:
        if rule_event not in self.rules:
            self.rules[rule_event] = rules_in_force(self.book.mof_div_code, rule_event)
        return self.rules[rule_event]

    def first_open(self, month: int, voucher_date: dt.date) -> tuple[int, dt.date]:
        """R-AC-8: an event of a closed month (a bank result recorded late) is booked on the
        first day of the next open month; the voucher keeps its source's date in its source
        document."""
        if month not in self.closed:
            return month, voucher_date
        later = [m for m in range(month + 1, 13) if m not in self.closed]
        if not later:  # the whole year is closed: month 12, where posting will say so
            return 12, dt.date(self.book.fiscal_year, 12, 31)
        return later[0], dt.date(self.book.fiscal_year, later[0], 1)


@dataclass(frozen=True)
class Draft:
    """A generated voucher not yet stored, with its lines."""

    voucher: Voucher
    lines: list[Line]
    chart: dict[str, ChartAccount]


def draft_event_voucher(
    kit: BookKit,
    *,
    event_id: str,
    business_date: dt.date,
    source: SourceDocument,
    summary: str,
    rule_event: str,
    items: Sequence[Item],
    event_by_id: int | None,
) -> Draft:
    """The event's draft voucher in the unit's book, with its lines, or naming why it has none
    (nothing is read or written: ``store_drafts`` stores them)."""
    book_ = kit.book
    fiscal_year = book_.fiscal_year
    month = business_date.month if business_date.year == fiscal_year else 12
    voucher_date = (
        business_date if business_date.year == fiscal_year else dt.date(fiscal_year, 12, 31)
    )
    month, voucher_date = kit.first_open(month, voucher_date)
    lines: list[Line] = []
    problem = ""
    used: list[str] = []
    payment_rules = kit.rules_for(RuleEvent.PAYMENT_SETTLED)
    try:
        lines, used = book(
            items,
            kit.rules_for(rule_event),
            payment_rules=payment_rules,
            expenditure_account=EXPENDITURE_ACCOUNT[book_.unit_kind],  # type: ignore[index]
        )
    except NoRuleError as missing:
        problem = f"没有适用的记账规则（{missing}）/ no posting rule applies ({missing})"
    if lines:
        errors = check_lines(book_, lines, kit.chart)
        if errors:
            problem = "；".join(e.message_zh for e in errors)[:300]
    voucher = Voucher(
        mof_div_code=book_.mof_div_code,
        fiscal_year=book_.fiscal_year,
        book=book_,
        month=month,
        voucher_date=voucher_date,
        summary=summary[:200],
        origin=VoucherOrigin.GENERATED,
        event_id=event_id,
        source_type=source.type,
        source_id=source.id,
        source_number=source.number,
        rule_code=", ".join(used)[:60],
        attachments=1,  # the 国库集中支付凭证 / refund or correction document
        event_by_id=event_by_id,
        problem=problem[:300],
    )
    return Draft(voucher, lines, kit.chart)


def store_drafts(drafts: Sequence[Draft]) -> list[Voucher]:
    """Store generated vouchers and their lines: one insert per batch of vouchers, one per
    batch of lines, however many events."""
    for draft in drafts:
        draft.voucher.total_fen = voucher_total(draft.lines)
    vouchers = Voucher.objects.bulk_create([d.voucher for d in drafts], batch_size=500)
    insert_rows(
        VoucherLine,
        (
            line
            for draft, voucher in zip(drafts, vouchers, strict=True)
            for line in new_lines(voucher, draft.lines, draft.chart)
        ),
    )
    return vouchers


def make_event_voucher(
    book_: Book,
    *,
    event_id: str,
    business_date: dt.date,
    source: SourceDocument,
    summary: str,
    rule_event: str,
    items: Sequence[Item],
    event_by_id: int | None,
) -> Voucher:
    """The event's draft voucher in the unit's book, with its lines, or naming why it has none."""
    draft = draft_event_voucher(
        BookKit.of(book_),
        event_id=event_id,
        business_date=business_date,
        source=source,
        summary=summary,
        rule_event=rule_event,
        items=items,
        event_by_id=event_by_id,
    )
    return store_drafts([draft])[0]


def on_payment_settled(event: PaymentSettled) -> None:
    """E3/E6/E8/E12/E15: the bank paid one payment line."""
    on_payments_settled([event])


def on_payments_settled(events: Sequence[PaymentSettled]) -> None:
    """E3/E6/E8/E12/E15: the bank paid payment lines, one voucher each. What the vouchers are
    made with (books, charts, rules, projects, payroll roles, preparers) is read once per book
    and per request, and the vouchers are stored together: a bank file's thousand results cost
    a few statements, not thousands."""
    kits: dict[tuple[int, int], BookKit] = {}
    categories = _categories(
        {c.indicator.project_id for e in events for c in e.charges if c.indicator.project_id}
    )
    requests = {e.source.id for e in events}
    prepared_by = dict(
        PaymentRequest.objects.filter(pk__in=requests).values_list("pk", "created_by_id")
    )
    roles = {
        request_id: payment_line_roles(request_id=request_id)
        for request_id in {e.source.id for e in events if e.business_type == BusinessType.SALARY}
    }
    drafts = []
    for event in events:
        key = (event.organisation_id, event.fiscal_year)
        if key not in kits:
            kits[key] = BookKit.of(book_for(*key))
        kit = kits[key]
        summary = (
            f"支付 {event.line.payee_name}（{event.line.voucher_number or event.source.number}）"
        )
        items = _charge_items(
            kit.book,
            event.charges,
            event.line,
            summary=summary,
            request_id=event.source.id,
            categories=categories,
            role=roles[event.source.id](event.line.row) if event.source.id in roles else None,
            business_type=event.business_type,
        )
        drafts.append(
            draft_event_voucher(
                kit,
                event_id=event.event_id,
                business_date=event.business_date,
                source=event.source,
                summary=summary,
                rule_event=RuleEvent.PAYMENT_SETTLED,
                items=items,
                event_by_id=prepared_by.get(event.source.id),
            )
        )
    store_drafts(drafts)


def on_refund_confirmed(event: RefundConfirmed) -> None:
    """DOMAIN §4.4: a same-year refund reverses the payment's lines on the original codes; a
    later year's goes to 1201 / 8001—财政应返还额度 against 3501 / 8101—年初余额调整."""
    book_ = book_for(event.organisation_id, event.fiscal_year)
    kind = "退票" if event.refund_kind == "bank_return" else "退回"
    summary = f"{kind} {event.line.payee_name}（原支付 {event.payment.number}）"
    facts: dict[str, Any] = {
        "same_year": event.same_year,
        "refund_kind": event.refund_kind,
        "business_type": event.business_type,
    }
    if event.restored:
        items = _charge_items(
            book_,
            event.restored,
            event.line,
            summary=summary,
            request_id=event.payment.id,
            **facts,
        )
    else:  # a later year: the original line's codes (DOMAIN §4.4), no indicator line
        categories = _categories({event.line.project_id} if event.line.project_id else set())
        dims = _dims(event.line, indicator_id=None, categories=categories, payee=event.line)
        items = [
            Item(
                amount=event.amount,
                facts={
                    **_facts(book_, event.line, **facts),
                    "budget_activity": dims.budget_activity,
                },
                dims=dims,
                summary=summary,
            )
        ]
    make_event_voucher(
        book_,
        event_id=event.event_id,
        business_date=event.business_date,
        source=event.source,
        summary=summary,
        rule_event=RuleEvent.REFUND_CONFIRMED,
        items=items,
        event_by_id=Refund.objects.filter(pk=event.source.id)
        .values_list("registered_by_id", flat=True)
        .first(),
    )


def on_correction_posted(event: CorrectionPosted) -> None:
    """E16: the budgetary line moves from the old codes to the new; the financial one only when
    its account changes."""
    book_ = book_for(event.organisation_id, event.fiscal_year)
    source, target = event.from_indicator, event.to_indicator
    categories = _categories({p for p in (source.project_id, target.project_id) if p})
    from_dims = _dims(source, indicator_id=source.id, categories=categories, payee=event.line)
    to_dims = _dims(target, indicator_id=target.id, categories=categories, payee=event.line)
    summary = f"更正 {event.payment.number}：{event.reason}"[:200]
    item = Item(
        amount=event.amount,
        facts={
            **_facts(book_, target, business_type=event.business_type),
            "budget_activity": to_dims.budget_activity,
        },
        dims=to_dims,
        from_dims=from_dims,
        to_dims=to_dims,
        summary=summary,
    )
    make_event_voucher(
        book_,
        event_id=event.event_id,
        business_date=event.business_date,
        source=event.source,
        summary=summary,
        rule_event=RuleEvent.CORRECTION_POSTED,
        items=[item],
        event_by_id=Correction.objects.filter(pk=event.source.id)
        .values_list("registered_by_id", flat=True)
        .first(),
    )


def on_payroll_accrued(event: PayrollAccrued) -> None:
    """E1/E2 (a batch's month of pay: gross by item, the withholdings out of their items) or
    E5 (its employer contributions): the financial half only, in the unit's book."""
    book_ = book_for(event.organisation_id, event.fiscal_year)
    what = "工资" if event.kind == "salary" else "单位缴费"
    summary = f"计提{event.source.number} {what}"
    items = [
        Item(
            amount=part.amount,
            facts={
                "part": part.part,
                "eco": part.eco,
                "payable": salary_payable(part.eco),
                "withholding": withheld_account(part.kind) if part.kind else "",
                "unit_kind": book_.unit_kind,
            },
            dims=Dims(dep_bgt_eco_code=part.eco),
            summary=f"{summary}：{part.eco}{' 代扣' + part.kind if part.kind else ''}",
        )
        for part in event.parts
    ]
    make_event_voucher(
        book_,
        event_id=event.event_id,
        business_date=event.business_date,
        source=event.source,
        summary=summary,
        rule_event=RuleEvent.PAYROLL_ACCRUED,
        items=items,
        event_by_id=event.event_by_id,
    )


LEGACY_AUTHORISED = "12"  # pay type 授权支付 (the legacy model's zero-balance quota)


def _quota_model(organisation_id: int, fiscal_year: int) -> str:
    """The unit's booking model that year: its book's, or the region's standard before the book
    opens (so a unified region opens no book when an indicator is issued)."""
    found = (
        Book.objects.filter(organisation_id=organisation_id, fiscal_year=fiscal_year)
        .values_list("quota_model", flat=True)
        .first()
    )
    if found is not None:
        return str(found)
    region = Organisation.objects.values_list("mof_div_code", flat=True).get(pk=organisation_id)
    value = standard_value(
        mof_div_code=region, fiscal_year=fiscal_year, key="accounting.quota_model"
    )
    return QuotaModel.LEGACY if value == standard_keys.QUOTA_LEGACY else QuotaModel.UNIFIED


def on_indicator_posted(event: IndicatorPosted) -> None:
    """DOMAIN §4.1: under the legacy quota model an executable 授权支付 line issued to a unit is
    quota in its zero-balance account (L-ISSUE: Dr 1011 Cr 4001; Dr 8001—零余额账户用款额度 Cr
    6001), one voucher per unit; a reduction books the same lines in red. Under the unified
    model, and for any other line, issuing an indicator books nothing (DOMAIN §4)."""
    legs: dict[int, list[LegPosted]] = {}
    for leg in event.legs:
        ref = leg.indicator
        if (
            leg.d_total
            and ref.kind == "executable"
            and ref.organisation_id is not None
            and ref.pay_type_code == LEGACY_AUTHORISED
        ):
            legs.setdefault(ref.organisation_id, []).append(leg)
    for organisation_id, mine in legs.items():
        if _quota_model(organisation_id, event.fiscal_year) != QuotaModel.LEGACY:
            continue
        book_ = book_for(organisation_id, event.fiscal_year)
        categories = _categories({x.indicator.project_id for x in mine if x.indicator.project_id})
        summary = f"授权支付额度到账 {event.doc_no or event.source.number}"
        items = [
            Item(
                amount=leg.d_total,
                facts={**_facts(book_, leg.indicator), "movement": leg.movement},
                dims=_dims(
                    leg.indicator,
                    indicator_id=leg.indicator.id,
                    categories=categories,
                    payee=None,
                ),
                summary=summary,
            )
            for leg in mine
        ]
        make_event_voucher(
            book_,
            event_id=f"{event.event_id}:{organisation_id}",
            business_date=event.business_date,
            source=event.source,
            summary=summary,
            rule_event=RuleEvent.INDICATOR_POSTED,
            items=items,
            event_by_id=IndicatorDocument.objects.filter(pk=event.source.id)
            .values_list("created_by_id", flat=True)
            .first(),
        )


def subscribe() -> None:
    """Called once by ``AccountingConfig.ready``."""
    INDICATOR_POSTED.subscribe(on_indicator_posted)
    PAYROLL_ACCRUED.subscribe(on_payroll_accrued)
    PAYMENT_SETTLED.subscribe(on_payment_settled, many=on_payments_settled)
    REFUND_CONFIRMED.subscribe(on_refund_confirmed)
    CORRECTION_POSTED.subscribe(on_correction_posted)

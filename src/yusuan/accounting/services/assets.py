"""Asset cards and the monthly depreciation run (DOMAIN-2 §5.2 E11; ADR 0047).

An accountant registers a unit's fixed or intangible asset on a card: cost, salvage, the month it
entered service, its life in months, the expense account it is charged to. Each month a run makes
one draft voucher for the unit — Dr 5001/5101 Cr 1602/1702… per card, straight line, whole fen
(``rules.depreciation_due``) — through the same posting rule machinery as the money events (rule
E11, data), unique on (book, month) so a month is never charged twice. The runner counts as the
voucher's preparer: a 会计主管 reviews it and another accountant posts it (R-AC-7).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from yusuan.accounting.choices import AssetKind, PeriodState, RuleEvent
from yusuan.accounting.models import AssetCard, Period, Voucher
from yusuan.accounting.rules import (
    ACCUMULATED,
    Dims,
    Item,
    depreciation_due,
    months_in_service,
)
from yusuan.accounting.services.books import access_book
from yusuan.accounting.services.chart import chart_install
from yusuan.accounting.services.common import KEEP, chart_of
from yusuan.accounting.services.generate import make_event_voucher
from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.errors import BusinessRuleError, ErrorDetail, NotFoundError, err, refuse
from yusuan.common.events import SourceDocument
from yusuan.common.ids import as_pk
from yusuan.common.money import Money, MoneyParseError
from yusuan.core.models import Organisation

MAX_LIFE_MONTHS = 100 * 12
EVENT = "accounting.depreciation"


@dataclass(frozen=True)
class AssetCardInput:
    """A card as typed (a page's form, an API body): amounts in 元 and the date may be text."""

    organisation_id: object  # the unit whose asset it is
    code: str
    name: str
    kind: str
    cost: Money | str | None
    in_service: dt.date | str | None
    life_months: int | str | None
    salvage: Money | str | None = None
    expense_account: str = "5001"


@dataclass(frozen=True)
class _Typed:
    cost: int
    salvage: int
    in_service: dt.date | None
    life: int


def _typed(data: AssetCardInput, errors: list[ErrorDetail]) -> _Typed:
    """The amounts, date and life as values; what does not read is an error of its field."""

    def money(field: str, value: Money | str | None) -> int:
        if value is None or isinstance(value, Money):
            return value.fen if value is not None else 0
        if not value.strip():
            return 0
        try:
            return Money.parse(value).fen
        except MoneyParseError as exc:
            errors.append(
                err(exc.code, field, exc.message_zh, exc.message_en, rule="E11", value=value)
            )
            return 0

    when: dt.date | None = None
    if isinstance(data.in_service, dt.date):
        when = data.in_service
    elif data.in_service and data.in_service.strip():
        text = data.in_service.strip()
        try:
            when = dt.date.fromisoformat(text)
        except ValueError:
            errors.append(
                err(
                    "accounting.asset_in_service",
                    "in_service",
                    f"日期“{text[:20]}”无法识别，请用 YYYY-MM-DD",
                    f"the date {text[:20]!r} is not YYYY-MM-DD",
                    rule="E11",
                )
            )
            when = dt.date.min
    life = data.life_months
    if isinstance(life, str):
        life = int(life) if life.strip().isdigit() else -1
    return _Typed(money("cost", data.cost), money("salvage", data.salvage), when, life or 0)


def _card_errors(unit: Organisation, data: AssetCardInput) -> tuple[_Typed, list[ErrorDetail]]:
    errors: list[ErrorDetail] = []
    typed = _typed(data, errors)
    parsed = {e.field for e in errors}

    def bad(field: str, zh: str, en: str, **kw: object) -> None:
        errors.append(err(f"accounting.asset_{field}", field, zh, en, rule="E11", **kw))

    if not data.code.strip():
        bad("code", "请填写资产卡片编号", "the card needs a number")
    elif AssetCard.objects.filter(organisation=unit, code=data.code.strip()).exists():
        bad("code", f"卡片编号 {data.code} 已存在", f"card {data.code} exists", value=data.code)
    if not data.name.strip():
        bad("name", "请填写资产名称", "the asset needs a name")
    if data.kind not in AssetKind.values:
        bad(
            "kind",
            f"资产科目 {data.kind} 不是 {'、'.join(AssetKind.values)} 之一",
            f"asset account {data.kind} is not one of {', '.join(AssetKind.values)}",
            value=data.kind,
        )
    cost, salvage = typed.cost, typed.salvage
    if cost <= 0 and "cost" not in parsed:
        bad("cost", "原值须大于 0", "the cost must be more than 0", value=cost, limit=1)
    if "salvage" not in parsed and (salvage < 0 or (cost > 0 and salvage >= cost)):
        bad(
            "salvage",
            f"净残值 {Money(salvage).format()} 元须不小于 0 且小于原值",
            f"the salvage value {Money(salvage).format()} must be at least 0 and below the cost",
            value=salvage,
            limit=cost,
        )
    if typed.in_service is None:
        bad("in_service", "请填写开始使用日期", "the date it entered service is needed")
    life = typed.life
    if not 1 <= life <= MAX_LIFE_MONTHS:
        bad(
            "life_months",
            f"使用年限（月）须在 1 到 {MAX_LIFE_MONTHS} 之间，现为 {life}",
            f"the life in months must be 1 to {MAX_LIFE_MONTHS}, not {life}",
            value=life,
            limit=MAX_LIFE_MONTHS,
        )
    chart = chart_of(unit.mof_div_code)
    account = chart.get(data.expense_account)
    if account is None or not data.expense_account.startswith("5") or not account.is_leaf:
        bad(
            "expense_account",
            f"费用科目 {data.expense_account} 须是本地区科目表中 5 开头的末级科目（如 5001、5101）",
            f"the expense account {data.expense_account} must be a leaf 5xxx account of the "
            "region's chart (5001, 5101 …)",
            value=data.expense_account,
        )
    return typed, errors


@transaction.atomic
def asset_card_create(*, actor: Actor, data: AssetCardInput) -> AssetCard:
    """A card of a unit the actor keeps the books of (another unit is a 404); every problem is
    named at once."""
    ensure_permission(actor, KEEP)
    pk = as_pk(data.organisation_id)
    unit = Organisation.objects.visible_to(actor).filter(pk=pk).first() if pk is not None else None
    if unit is None:
        raise NotFoundError("organisation")
    chart_install(unit.mof_div_code)
    typed, errors = _card_errors(unit, data)
    if errors:
        raise BusinessRuleError(errors)
    assert typed.in_service is not None
    card = AssetCard.objects.create(
        mof_div_code=unit.mof_div_code,
        organisation=unit,
        code=data.code.strip(),
        name=data.name.strip(),
        kind=data.kind,
        expense_account=data.expense_account,
        cost_fen=typed.cost,
        salvage_fen=typed.salvage,
        in_service=typed.in_service,
        life_months=typed.life,
        created_by_id=actor.pk,
    )
    audit_record(
        action="accounting.asset_card.create",
        actor=actor,
        obj=card,
        mof_div_code=card.mof_div_code,
        extra={"cost_fen": card.cost_fen, "life_months": card.life_months, "kind": card.kind},
    )
    return card


def due_in(card: AssetCard, year: int, month: int) -> int:
    """What the card owes for ``year``-``month`` (0 once disposed of before that month)."""
    if card.disposed_on is not None and (card.disposed_on.year, card.disposed_on.month) < (
        year,
        month,
    ):
        return 0
    k = months_in_service(card.in_service.year, card.in_service.month, year, month)
    return depreciation_due(card.cost_fen, card.salvage_fen, card.life_months, k)


@transaction.atomic
def depreciation_run(*, actor: Actor, book_id: object, month: int) -> Voucher:
    """The month's depreciation and amortisation of the book's unit, as one draft voucher."""
    ensure_permission(actor, KEEP)
    book = access_book(actor, book_id)
    if not 1 <= month <= 12:
        raise refuse(
            "accounting.month",
            "month",
            f"月份须在 1 到 12 之间，现为 {month}",
            f"the month must be 1 to 12, not {month}",
            value=month,
        )
    period = Period.objects.get(book=book, month=month)
    if period.state != PeriodState.OPEN:
        raise refuse(
            "accounting.period_closed",
            "month",
            f"{month} 月已结账，不能再计提折旧",
            f"period {month} is closed; no depreciation is booked into it",
            rule="R-AC-8",
            value=month,
        )
    event_id = f"{EVENT}:{book.pk}:{month}"
    done = Voucher.objects.filter(event_id=event_id).first()
    if done is not None:
        raise refuse(
            "accounting.depreciation_done",
            "month",
            f"{month} 月的折旧已计提（凭证 {done.label}）",
            f"the depreciation of period {month} is already booked (voucher {done.label})",
            rule="R-AC-7",
            value=month,
        )
    chart_install(book.mof_div_code)  # a region loaded before E11 shipped gets it now
    items = []
    for card in AssetCard.objects.filter(organisation=book.organisation).order_by("code"):
        amount = due_in(card, book.fiscal_year, month)
        if amount:
            items.append(
                Item(
                    amount=amount,
                    facts={
                        "kind": card.kind,
                        "expense": card.expense_account,
                        "accumulated": ACCUMULATED[card.kind],
                    },
                    dims=Dims(),
                    summary=f"{card.code} {card.name}"[:200],
                )
            )
    if not items:
        raise refuse(
            "accounting.nothing_to_depreciate",
            "month",
            f"{month} 月没有需要计提折旧或摊销的资产卡片",
            f"no asset card owes depreciation or amortisation in period {month}",
            rule="E11",
            value=month,
        )
    last_day = dt.date(book.fiscal_year, month, calendar.monthrange(book.fiscal_year, month)[1])
    voucher = make_event_voucher(
        book,
        event_id=event_id,
        business_date=last_day,
        source=SourceDocument(EVENT, book.pk, f"折旧{book.fiscal_year}{month:02d}"),
        summary=f"计提 {book.fiscal_year} 年 {month} 月折旧和摊销",
        rule_event=RuleEvent.DEPRECIATION,
        items=items,
        event_by_id=actor.pk,
    )
    audit_record(
        action="accounting.depreciation.run",
        actor=actor,
        obj=voucher,
        mof_div_code=book.mof_div_code,
        fiscal_year=book.fiscal_year,
        extra={"month": month, "cards": len(items), "total_fen": voucher.total_fen},
    )
    return voucher

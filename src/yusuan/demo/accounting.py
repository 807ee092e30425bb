"""The demo school's books kept up to the month before "as of" (issue 19).

The year opens with the balances the school brought from 2025 (bank, the equipment on its asset
card with what it has depreciated so far, the unspent 财政应返还额度 and their 结转), prepared by
its accountant. Month by month, the vouchers its payments, refunds and salary batches made, and
the month's depreciation (E11), are reviewed by its 会计主管 and posted by its bookkeeper (记账:
制单 ≠ 审核 ≠ 记账), and the month is closed. The current month's vouchers wait — its
depreciation among them — where the journey of the books starts. The equipment the year's
payments buy (1601) gets asset cards as it is booked."""

from __future__ import annotations

import contextlib
import datetime as dt

from yusuan.accounting.choices import PeriodState, VoucherState
from yusuan.accounting.models import AssetCard, Book, Period, Voucher, VoucherLine
from yusuan.accounting.rules import depreciation_due, months_in_service
from yusuan.accounting.services.assets import AssetCardInput, asset_card_create, depreciation_run
from yusuan.accounting.services.books import book_for, period_close
from yusuan.accounting.services.lines import LineInput
from yusuan.accounting.services.vouchers import voucher_create, voucher_post, voucher_review
from yusuan.common.errors import BusinessRuleError
from yusuan.common.money import Money
from yusuan.identity.models import User

CHIEF, ACCOUNTANT, BOOKKEEPER = (
    "school_chief_accountant",
    "school_accountant",
    "school_bookkeeper",
)
EQUIPMENT_LIFE_MONTHS = 60  # 通用设备: 5 years (财资〔2017〕70号's lowest band for computers)
# What the school brought into the year (fen): its own money in the bank (事业收入 kept), the
# teaching equipment bought in September 2024, last year's unspent 财政拨款 (一般公共预算, 公用).
BANK = 120_000_00
EQUIPMENT = ("GZ-2024-001", "教学一体机及多媒体设备（42 间教室）", 480_000_00, dt.date(2024, 9, 1))
UNSPENT = 35_000_00


def load(*, year: int, as_of: dt.date) -> int:
    """The vouchers posted."""
    chief = User.objects.filter(username=CHIEF).select_related("organisation").first()
    accountant = User.objects.filter(username=ACCOUNTANT).first()
    bookkeeper = User.objects.filter(username=BOOKKEEPER).first()
    if chief is None or accountant is None or bookkeeper is None:
        return 0
    book = book_for(chief.organisation_id, year)
    _opening(book, accountant)
    done = 0
    for month in range(0, as_of.month):
        done += _post_drafts(book, month, chief, bookkeeper)
        if month:
            _cards_bought(book, accountant)
            with contextlib.suppress(BusinessRuleError):  # nothing in service
                depreciation_run(actor=accountant, book_id=book.pk, month=month)
            done += _post_drafts(book, month, chief, bookkeeper)
        try:
            period_close(actor=chief, book_id=book.pk, month=month)
        except BusinessRuleError:
            break  # a voucher of that month waits for its lines: the month stays open
    # This month's run is the bookkeeper's, so the accountant can post it with the rest.
    period = Period.objects.get(book=book, month=as_of.month)
    if period.state == PeriodState.OPEN:
        with contextlib.suppress(BusinessRuleError):  # nothing due, or already run
            depreciation_run(actor=bookkeeper, book_id=book.pk, month=as_of.month)
    return done


def _post_drafts(book: Book, month: int, chief: User, bookkeeper: User) -> int:
    ids = list(
        Voucher.objects.filter(book=book, month=month, state=VoucherState.DRAFT, problem="")
        .order_by("voucher_date", "pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        voucher_review(actor=chief, voucher_ids=chunk)
        voucher_post(actor=bookkeeper, voucher_ids=chunk)
    return len(ids)


def _opening(book: Book, accountant: User) -> None:
    """The opening balances (month 0) and the card of the equipment they include."""
    if Voucher.objects.filter(book=book, month=0).exists():
        return
    code, name, cost, in_service = EQUIPMENT
    card = AssetCard.objects.filter(organisation=book.organisation, code=code).first()
    if card is None:
        card = asset_card_create(
            actor=accountant,
            data=AssetCardInput(
                organisation_id=book.organisation_id,
                code=code,
                name=name,
                kind="1601",
                cost=Money(cost),
                in_service=in_service,
                life_months=EQUIPMENT_LIFE_MONTHS,
            ),
        )
    # What the card depreciated before this year: its months up to last December.
    before = months_in_service(in_service.year, in_service.month, book.fiscal_year - 1, 12)
    depreciated = sum(
        depreciation_due(cost, 0, EQUIPMENT_LIFE_MONTHS, k) for k in range(1, before + 1)
    )

    def fiscal(account: str, debit: Money | None = None, credit: Money | None = None) -> LineInput:
        """A 财政拨款 (一般公共预算, 公用) balance line."""
        return LineInput(
            account,
            debit=debit,
            credit=credit,
            fund_type_code="111",
            budget_activity="public",
            exp_func_code="2050202",
            dep_bgt_eco_code="30201",
        )

    voucher_create(
        actor=accountant,
        book_id=book.pk,
        voucher_date=dt.date(book.fiscal_year, 1, 1),
        summary=f"{book.fiscal_year} 年期初余额（上年结转）",
        opening=True,
        lines=[
            LineInput("1002", debit=Money(BANK)),
            LineInput("1601", debit=Money(cost), summary=f"{code} {name}"),
            LineInput("1602", credit=Money(depreciated), summary=f"{code} 已提折旧"),
            LineInput("1201", debit=Money(UNSPENT)),
            LineInput("3001", credit=Money(BANK + cost - depreciated + UNSPENT)),
            LineInput("800102", debit=Money(BANK), fund_type_code="511"),
            LineInput("8201", credit=Money(BANK), fund_type_code="511"),
            fiscal("800103", debit=Money(UNSPENT)),
            fiscal("810107", credit=Money(UNSPENT)),
        ],
    )


def _cards_bought(book: Book, accountant: User) -> None:
    """A card for each purchase posted to 1601 this year (E8) that has none yet."""
    bought = (
        VoucherLine.objects.filter(
            voucher__book=book,
            voucher__state=VoucherState.POSTED,
            voucher__month__gte=1,
            account_code="1601",
            debit_fen__gt=0,
        )
        .select_related("voucher")
        .order_by("voucher__voucher_date", "pk")
    )
    for n, line in enumerate(bought, start=1):
        code = f"GZ-{book.fiscal_year}-{n:03d}"
        if AssetCard.objects.filter(organisation=book.organisation, code=code).exists():
            continue
        asset_card_create(
            actor=accountant,
            data=AssetCardInput(
                organisation_id=book.organisation_id,
                code=code,
                name=f"设备 · {line.voucher.summary.removeprefix('支付 ')}"[:120],
                kind="1601",
                cost=Money(line.debit_fen),
                in_service=line.voucher.voucher_date,
                life_months=EQUIPMENT_LIFE_MONTHS,
            ),
        )

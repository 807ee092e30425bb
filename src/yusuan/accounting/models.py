"""Unit accounting in two books (单位会计核算, 平行记账; DOMAIN §2.13, §3.10, §4; DOMAIN-2 §5; ADR 0047).

``Account`` is a region's chart (财会〔2017〕25号: 77 financial + 26 budgetary first-level accounts,
second levels added per region). ``Book`` is one unit's books for one fiscal year, with its
booking model (R-AC-6) and expenditure account (R-AC-11); ``Period`` its months (0 holds the
opening balances). ``Voucher`` is a 记账凭证 with its ``VoucherLine`` rows, each in the financial or
the budgetary half (R-AC-2); a posted voucher is frozen by the database and corrected only by a
red-ink reversal. ``PeriodTotal`` keeps each posted month's debits and credits per account and
dimension, so the trial balance and the statements read totals, never the lines.
``PostingRule`` is a region's rule (a template keyed by money event and elements, DOMAIN-2 §5.2),
append-only: an edit is a new version.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from yusuan.accounting.choices import (
    AssetKind,
    BudgetActivity,
    Category,
    Half,
    PeriodState,
    QuotaModel,
    RuleEvent,
    Side,
    UnitKind,
    VoucherOrigin,
    VoucherState,
)
from yusuan.core.models.base import ScopedQuerySet, TimestampedModel

# Month 0 holds the opening balances (期初); 1–12 are the year's months (R-AC-8).
OPENING_MONTH = 0
MONTHS = range(OPENING_MONTH, 13)


class Account(TimestampedModel):
    """A region's chart account: the standard first levels and the region's second levels."""

    SCOPE_ORGANISATION_LOOKUP = None  # region-wide reference data

    mof_div_code = models.CharField(_("region code"), max_length=9)
    code = models.CharField(_("account code"), max_length=12)
    name = models.CharField(_("account name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, related_name="children", null=True, blank=True
    )
    level = models.PositiveSmallIntegerField(_("level"), default=1)
    half = models.CharField(_("book half"), max_length=2, choices=Half.choices)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    normal_side = models.CharField(_("normal balance"), max_length=2, choices=Side.choices)
    # R-AC-6: the 1011 and 直接/授权 sub-accounts exist only under the legacy quota model.
    legacy_only = models.BooleanField(_("legacy quota model only"), default=False)
    standard = models.BooleanField(_("from the national chart"), default=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["mof_div_code", "code"]
        permissions = [("manage_chart", "May add second-level accounts and edit posting rules")]
        constraints = [
            models.UniqueConstraint(fields=["mof_div_code", "code"], name="account_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Book(TimestampedModel):
    """One unit's books for one fiscal year (账套)."""

    SCOPE_ORGANISATION_LOOKUP = "organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="books"
    )
    quota_model = models.CharField(
        _("booking model"), max_length=10, choices=QuotaModel.choices, default=QuotaModel.UNIFIED
    )
    unit_kind = models.CharField(_("unit kind"), max_length=16, choices=UnitKind.choices)
    # DOMAIN §4.5 variant: some regions do not accrue unspent treasury balances at year end.
    accrue_unspent_balance = models.BooleanField(_("accrue unspent balances"), default=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("book")
        verbose_name_plural = _("books")
        ordering = ["-fiscal_year", "organisation__code"]
        permissions = [
            ("keep_books", "May prepare and post vouchers (会计)"),
            ("review_vouchers", "May review vouchers and close periods (会计主管)"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "fiscal_year"], name="book_unit_year")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.fiscal_year}"


class Period(models.Model):
    """A month of a book (R-AC-8): posting into a closed one is refused."""

    book = models.ForeignKey(Book, on_delete=models.PROTECT, related_name="periods")
    month = models.PositiveSmallIntegerField(_("month"))
    state = models.CharField(
        _("state"), max_length=8, choices=PeriodState.choices, default=PeriodState.OPEN
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    reopened = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    # R-AC-8: reopening is asked by one person and confirmed by another.
    reopen_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    reopen_reason = models.CharField(_("reason for reopening"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("period")
        verbose_name_plural = _("periods")
        ordering = ["book", "month"]
        constraints = [
            models.UniqueConstraint(fields=["book", "month"], name="period_book_month"),
            models.CheckConstraint(condition=Q(month__lte=12), name="period_month_range"),
        ]

    def __str__(self) -> str:
        return f"{self.book} · {'期初' if self.month == 0 else f'{self.month} 月'}"


class PostingRule(models.Model):
    """One version of a region's posting rule (DOMAIN-2 §5.2): when an event with these elements
    arrives, these lines are booked in both halves (R-AC-1). Append-only: editing a rule adds a
    version; the newest version of each code is the one in force."""

    mof_div_code = models.CharField(_("region code"), max_length=9)
    code = models.CharField(_("rule code"), max_length=20)  # E3, E6, R1 …
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=120)
    event = models.CharField(_("event"), max_length=40, choices=RuleEvent.choices)
    # Lower runs first; the first rule whose conditions hold books the item.
    priority = models.PositiveSmallIntegerField(_("priority"), default=100)
    conditions = models.JSONField(_("conditions"), default=dict)
    lines = models.JSONField(_("lines"), default=list)
    # Halves whose lines net by account (a 更正 on one expense account books nothing there).
    net_halves = models.JSONField(_("halves netted by account"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("posting rule")
        verbose_name_plural = _("posting rules")
        ordering = ["mof_div_code", "priority", "code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["mof_div_code", "code", "version"], name="posting_rule_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version} {self.name}"


class Voucher(TimestampedModel):
    """记账凭证 (DOMAIN §2.13): prepared (by hand or from a money event, R-AC-7), reviewed by
    another person, posted by a third; numbered per book and month without gaps when posted."""

    SCOPE_ORGANISATION_LOOKUP = "book__organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    book = models.ForeignKey(Book, on_delete=models.PROTECT, related_name="vouchers")
    month = models.PositiveSmallIntegerField(_("period"))
    voucher_date = models.DateField(_("voucher date"))
    # 记-0001: given at posting, gapless per book and month (the counter commits with the post).
    number = models.PositiveIntegerField(_("voucher number"), null=True, blank=True)
    summary = models.CharField(_("summary"), max_length=200)
    state = models.CharField(
        _("state"), max_length=10, choices=VoucherState.choices, default=VoucherState.DRAFT
    )
    origin = models.CharField(_("origin"), max_length=10, choices=VoucherOrigin.choices)
    # R-AC-7: a generated voucher is unique on its event and links to its source document.
    # Unique by a constraint (below), not ``unique=True``, which on PostgreSQL also built a LIKE
    # index no query uses on a row every payment event inserts (issue 20).
    event_id = models.CharField(_("event"), max_length=80, null=True, blank=True)
    source_type = models.CharField(_("source document type"), max_length=40, blank=True)
    source_id = models.BigIntegerField(_("source document id"), null=True, blank=True)
    source_number = models.CharField(_("source document"), max_length=40, blank=True)
    rule_code = models.CharField(_("posting rule"), max_length=60, blank=True)
    attachments = models.PositiveSmallIntegerField(_("attachments"), default=0)
    # Why a generated voucher has no lines yet (no rule matched): the accountant completes it.
    problem = models.CharField(_("problem"), max_length=300, blank=True)
    total_fen = models.BigIntegerField(_("amount"), default=0)  # Σ debits of the financial half
    prepared_by = models.ForeignKey(  # null: prepared by the system from an event
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    # R-AC-7: the person whose act made the event (the payment's clerk) may not review or post.
    event_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, related_name="reversed_by", null=True, blank=True
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        ordering = ["book", "month", "number", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event_id"], name="voucher_event_unique"),
            models.UniqueConstraint(
                fields=["book", "month", "number"],
                condition=Q(number__isnull=False),
                name="voucher_number_gapless",
            ),
            models.CheckConstraint(
                condition=Q(number__isnull=True) | Q(state=VoucherState.POSTED),
                name="voucher_number_when_posted",
            ),
        ]
        indexes = [
            models.Index(fields=["mof_div_code", "fiscal_year", "state"], name="voucher_state"),
            models.Index(fields=["source_type", "source_id"], name="voucher_source"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if self.number is None:
            return f"草稿-{self.pk}"
        return f"记-{self.month:02d}-{self.number:04d}"


class VoucherLine(models.Model):
    """One line (分录) of a voucher; debit or credit, in fen, negative in a red-ink reversal."""

    voucher = models.ForeignKey(
        Voucher,
        on_delete=models.PROTECT,
        related_name="lines",
        db_index=False,  # (voucher, row) is unique: that index serves a voucher's lines
    )
    row = models.PositiveSmallIntegerField(_("row"))
    half = models.CharField(_("book half"), max_length=2, choices=Half.choices)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    account_code = models.CharField(_("account code"), max_length=12)
    summary = models.CharField(_("summary"), max_length=200, blank=True)
    debit_fen = models.BigIntegerField(_("debit"), default=0)
    credit_fen = models.BigIntegerField(_("credit"), default=0)
    # Dimensions (DOMAIN §2.13, DOMAIN-2 §5.1; R-AC-3 on the budgetary lines).
    exp_func_code = models.CharField(_("functional class"), max_length=7, blank=True)
    dep_bgt_eco_code = models.CharField(_("economic class"), max_length=5, blank=True)
    fund_type_code = models.CharField(_("fund nature"), max_length=3, blank=True)
    budget_activity = models.CharField(
        _("basic or project"), max_length=10, choices=BudgetActivity.choices, blank=True
    )
    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    indicator_line = models.ForeignKey(
        "indicators.IndicatorLine",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    payee = models.ForeignKey(
        "core.Payee", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    counterparty = models.CharField(_("counterparty"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("voucher line")
        verbose_name_plural = _("voucher lines")
        ordering = ["voucher", "row"]
        constraints = [
            models.UniqueConstraint(fields=["voucher", "row"], name="voucher_line_row"),
            # Exactly one side carries the amount (a red-ink line carries it negative).
            models.CheckConstraint(
                condition=(Q(debit_fen=0) & ~Q(credit_fen=0)) | (~Q(debit_fen=0) & Q(credit_fen=0)),
                name="voucher_line_one_side",
            ),
        ]
        indexes = [models.Index(fields=["account_code", "voucher"], name="voucher_line_account")]

    def __str__(self) -> str:
        return f"{self.account_code} {self.debit_fen or -self.credit_fen}"


class PeriodTotal(models.Model):
    """Posted debits and credits of one book, month, account and dimension set: what the trial
    balance, ledgers and statements read (maintained at posting by one upsert per row)."""

    book = models.ForeignKey(Book, on_delete=models.PROTECT, related_name="+")
    month = models.PositiveSmallIntegerField(_("period"))
    account_code = models.CharField(_("account code"), max_length=12)
    exp_func_code = models.CharField(max_length=7, default="")
    dep_bgt_eco_code = models.CharField(max_length=5, default="")
    fund_type_code = models.CharField(max_length=3, default="")
    budget_activity = models.CharField(max_length=10, default="")
    project_id = models.BigIntegerField(default=0)  # 0: none (part of the unique key)
    indicator_line_id = models.BigIntegerField(default=0)
    debit_fen = models.BigIntegerField(default=0)
    credit_fen = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("period total")
        verbose_name_plural = _("period totals")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "book",
                    "month",
                    "account_code",
                    "exp_func_code",
                    "dep_bgt_eco_code",
                    "fund_type_code",
                    "budget_activity",
                    "project_id",
                    "indicator_line_id",
                ],
                name="period_total_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.book_id}/{self.month:02d} {self.account_code}"


class AssetCard(TimestampedModel):
    """A unit's fixed or intangible asset (资产卡片) that is depreciated or amortised each month,
    straight line, from the month it enters service (E11; 政府会计准则第3号: 当月增加当月计提).
    What a month owes is worked out from the card (``rules.depreciation_due``), so a month's
    run is the same whenever it runs; the runs themselves are vouchers."""

    SCOPE_ORGANISATION_LOOKUP = "organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9)
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="asset_cards"
    )
    code = models.CharField(_("card number"), max_length=30)
    name = models.CharField(_("asset name"), max_length=120)
    kind = models.CharField(_("asset account"), max_length=4, choices=AssetKind.choices)
    expense_account = models.CharField(_("expense account"), max_length=12, default="5001")
    cost_fen = models.BigIntegerField(_("original cost"))
    salvage_fen = models.BigIntegerField(_("salvage value"), default=0)
    in_service = models.DateField(_("in service from"))
    life_months = models.PositiveSmallIntegerField(_("useful life (months)"))
    disposed_on = models.DateField(_("disposed on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("asset card")
        verbose_name_plural = _("asset cards")
        ordering = ["organisation__code", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="asset_card_code"),
            models.CheckConstraint(
                condition=Q(cost_fen__gt=0)
                & Q(salvage_fen__gte=0)
                & Q(salvage_fen__lt=F("cost_fen")),
                name="asset_card_amounts",
            ),
            models.CheckConstraint(condition=Q(life_months__gt=0), name="asset_card_life"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class FlowTotal(models.Model):
    """Posted amounts of one book and month by item of the two tables that read inside each
    voucher: the 现金流量表 (``cash``) and the 差异调节表 (``gap``). Kept at posting from each
    voucher's lines (``statements.flows``), by one upsert per item, as ``PeriodTotal`` is."""

    CASH, GAP = "cash", "gap"

    book = models.ForeignKey(Book, on_delete=models.PROTECT, related_name="+")
    month = models.PositiveSmallIntegerField(_("period"))
    kind = models.CharField(
        _("statement"),
        max_length=4,
        choices=[(CASH, _("Cash flow statement")), (GAP, _("Budget-to-surplus reconciliation"))],
    )
    item = models.CharField(_("item"), max_length=40)
    amount_fen = models.BigIntegerField(_("amount"), default=0)

    class Meta:
        verbose_name = _("statement item total")
        verbose_name_plural = _("statement item totals")
        constraints = [
            models.UniqueConstraint(fields=["book", "month", "kind", "item"], name="flow_total_key")
        ]

    def __str__(self) -> str:
        return f"{self.book_id}/{self.month:02d} {self.kind}:{self.item}"


__all__ = [
    "AssetCard",
    "MONTHS",
    "OPENING_MONTH",
    "Account",
    "Book",
    "FlowTotal",
    "Period",
    "PeriodTotal",
    "PostingRule",
    "Voucher",
    "VoucherLine",
]

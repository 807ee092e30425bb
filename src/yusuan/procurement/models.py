"""The contract registry of the double control (合同备案, R-PY-3, R-GP-4): what a procurement
indicator line may pay, to whom, and how much of it payments have taken. Payment requests cite a
contract (``payments.PaymentRequest.contract``), so procurement sits below payments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yusuan.core.models.base import ScopedQuerySet, TimestampedModel
from yusuan.procurement.choices import (
    AcceptanceResult,
    ChangeKind,
    ChangeState,
    ContractState,
    InstalmentKind,
    IntentionExemption,
    IntentionState,
    OrgForm,
    PlanState,
    ProcurementCategory,
    PurMethod,
)


class Contract(TimestampedModel):
    """A filed procurement contract (合同备案): what a procurement line may pay, to whom."""

    SCOPE_ORGANISATION_LOOKUP = "organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9, db_index=True)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    number = models.CharField(_("contract number"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    supplier = models.ForeignKey(
        "core.Payee", on_delete=models.PROTECT, related_name="+", verbose_name=_("supplier")
    )
    amount = models.BigIntegerField(_("contract amount"))
    # Σ of the contract's payment lines in flight or paid; changed only by conditional updates.
    committed = models.BigIntegerField(_("committed by payments"), default=0)
    filed_on = models.DateField(_("filed on"))
    # R-GP-9: a filed contract reserves its amount on its lines (ContractLine) until closed.
    state = models.CharField(
        _("state"), max_length=12, choices=ContractState.choices, default=ContractState.FILED
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    indicator_lines = models.ManyToManyField(
        "indicators.IndicatorLine", related_name="contracts", verbose_name=_("indicator lines")
    )
    # ADR 0052: a contract under a plan takes its money from the plan's reservation.
    plan = models.ForeignKey(
        "procurement.ProcurementPlan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contracts",
        verbose_name=_("procurement plan"),
    )
    # R-GP-9: the award it was signed on (its supplier, its amount); R-GP-3 counts from its notice.
    award = models.ForeignKey(
        "procurement.ProcurementAward",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contracts",
        verbose_name=_("award"),
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    published_on = models.DateField(_("contract published on"), null=True, blank=True)
    # Who filed it: 履约验收 is recorded by someone else (R-GP-10, ADR 0052); empty before.
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("filed by"),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [
            models.UniqueConstraint(fields=["mof_div_code", "number"], name="contract_no_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="contract_amount_positive"),
            models.CheckConstraint(
                condition=Q(committed__gte=0) & Q(committed__lte=models.F("amount")),
                name="contract_committed_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def remaining(self) -> int:
        return self.amount - self.committed


class ContractLine(models.Model):
    """R-GP-9: the share of a contract reserved on one indicator line at filing (``amount``),
    what the contract's payments took from it (``consumed``: frozen in flight or paid) and what
    closing the contract gave back to the line's available money (``released``). What the
    contract still holds on the line is ``amount − consumed − released``; the line's
    ``reserved`` bucket is the sum of that over the open contracts on it. ``consumed`` and
    ``released`` change only by conditional updates, under the contract's row lock."""

    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="lines", verbose_name=_("contract")
    )
    row = models.PositiveSmallIntegerField(_("row"))
    indicator_line = models.ForeignKey(
        "indicators.IndicatorLine",
        on_delete=models.PROTECT,
        related_name="contract_lines",
        verbose_name=_("indicator line"),
    )
    # The plan line the share was taken from (ADR 0052); its remainder goes back there.
    plan_line = models.ForeignKey(
        "procurement.ProcurementPlanLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contract_lines",
        verbose_name=_("plan line"),
    )
    amount = models.BigIntegerField(_("reserved at filing"))
    consumed = models.BigIntegerField(_("consumed by payments"), default=0)
    released = models.BigIntegerField(_("released"), default=0)
    # R-GP-3b: the part of ``amount`` that supplementary contracts reserved from the line's
    # available money, not from the plan; closing gives it back there (ADR 0052).
    supplemented = models.BigIntegerField(_("added by supplementary contracts"), default=0)

    class Meta:
        verbose_name = _("contract line")
        verbose_name_plural = _("contract lines")
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "indicator_line"], name="contract_line_unique"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="contract_line_amount_positive"),
            models.CheckConstraint(
                condition=Q(consumed__gte=0)
                & Q(released__gte=0)
                & Q(amount__gte=models.F("consumed") + models.F("released")),
                name="contract_line_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id}:{self.indicator_line_id}"

    @property
    def remaining(self) -> int:
        return self.amount - self.consumed - self.released


class ProcurementIntention(TimestampedModel):
    """采购意向 (R-GP-1, R-GP-7; DOMAIN-2 §6.1–6.2): what a unit means to buy this year, published
    at least ``procurement.intention_days`` before the procurement starts. The publication date
    is the first one: a change (``changed_on``) keeps it, since the market has known the need
    since then (ADR 0052)."""

    SCOPE_ORGANISATION_LOOKUP = "organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9, db_index=True)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    number = models.CharField(_("number"), max_length=20)
    project_name = models.CharField(_("procurement project"), max_length=120)
    need_summary = models.TextField(_("summary of the need"), max_length=2000)
    budget = models.BigIntegerField(_("budget amount"))
    expected_month = models.DateField(_("expected month"), help_text=_("first day of the month"))
    pur_item_code = models.CharField(_("procurement item (品目)"), max_length=16)
    category = models.CharField(
        _("category"), max_length=1, choices=ProcurementCategory.choices, editable=False
    )
    is_sme_reserved = models.BooleanField(_("reserved for SMEs"), default=False)
    indicator_line = models.ForeignKey(
        "indicators.IndicatorLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("indicator line"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=IntentionState.choices, default=IntentionState.DRAFT
    )
    published_on = models.DateField(_("published on"), null=True, blank=True)
    changed_on = models.DateField(_("changed on"), null=True, blank=True)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdraw_reason = models.CharField(_("reason for withdrawal"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("procurement intention")
        verbose_name_plural = _("procurement intentions")
        permissions = [("publish_procurementintention", "Can publish procurement intentions")]
        constraints = [
            models.UniqueConstraint(
                fields=["mof_div_code", "fiscal_year", "number"], name="intention_no_unique"
            ),
            models.CheckConstraint(condition=Q(budget__gt=0), name="intention_budget_positive"),
            models.CheckConstraint(
                condition=Q(state=IntentionState.DRAFT) | Q(published_on__isnull=False),
                name="intention_published_has_date",
            ),
        ]
        indexes = [models.Index(fields=["mof_div_code", "state", "expected_month"])]

    def __str__(self) -> str:
        return f"{self.number} {self.project_name}"


class CatalogueItem(TimestampedModel):
    """集中采购目录 (R-GP-11, DOMAIN-2 §6.1): a 品目, with every 品目 under it, that the region
    buys centrally in the year, through its 集中采购机构 or by department. Region-wide reference
    data kept by the finance procurement division; every change has its audit record."""

    SCOPE_ORGANISATION_LOOKUP = None

    mof_div_code = models.CharField(_("region code"), max_length=9)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    pur_item_code = models.CharField(_("procurement item (品目)"), max_length=16)
    org_form = models.CharField(_("organisation form"), max_length=12, choices=OrgForm.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("central procurement catalogue item")
        verbose_name_plural = _("central procurement catalogue")
        constraints = [
            models.UniqueConstraint(
                fields=["mof_div_code", "fiscal_year", "pur_item_code"],
                name="catalogue_item_unique",
            ),
            models.CheckConstraint(
                condition=Q(org_form__in=[OrgForm.CENTRAL, OrgForm.DEPARTMENT]),
                name="catalogue_item_centralised",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fiscal_year} {self.pur_item_code} {self.org_form}"


class ProcurementPlan(TimestampedModel):
    """采购实施计划 (备案, DOMAIN §2.8, DOMAIN-2 §6.2): what a unit will buy, how and from which
    procurement lines. Submitting it reserves the lines' money (R-GP-2, ADR 0052); filed, it
    takes contracts (R-GP-9: a contract ≤ what the plan still holds); the method is checked
    against the tender threshold (R-GP-8) and the intention's lead time (R-GP-7)."""

    SCOPE_ORGANISATION_LOOKUP = "organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9, db_index=True)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    number = models.CharField(_("plan number"), max_length=20)
    title = models.CharField(_("procurement project"), max_length=120)
    pur_item_code = models.CharField(_("procurement item (品目)"), max_length=16)
    category = models.CharField(
        _("category"), max_length=1, choices=ProcurementCategory.choices, editable=False
    )
    method = models.CharField(_("procurement method"), max_length=16, choices=PurMethod.choices)
    # R-GP-11: the 集中采购目录's form, else 分散; set by the service, not chosen.
    org_form = models.CharField(
        _("organisation form"), max_length=12, choices=OrgForm.choices, editable=False
    )
    amount = models.BigIntegerField(_("plan budget"))
    ceiling_price = models.BigIntegerField(_("ceiling price (最高限价)"), null=True, blank=True)
    planned_start = models.DateField(_("planned start"))
    intention = models.ForeignKey(
        ProcurementIntention,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plans",
        verbose_name=_("procurement intention"),
    )
    exemption = models.CharField(
        _("intention exemption"), max_length=12, choices=IntentionExemption.choices, blank=True
    )
    exemption_reason = models.CharField(_("reason for the exemption"), max_length=200, blank=True)
    is_imported = models.BooleanField(_("imported products (进口产品)"), default=False)
    imported_reason = models.CharField(_("why imported products"), max_length=500, blank=True)
    single_source_reason = models.CharField(_("why a single source"), max_length=500, blank=True)
    is_sme_reserved = models.BooleanField(_("reserved for SMEs"), default=False)
    # R-GP-8: at or above the 公开招标数额标准 with another method: finance approves it.
    method_exception = models.BooleanField(_("method needs finance approval"), default=False)
    # R-GP-7 in warn mode: submitted although the intention was not published in time.
    intention_late = models.BooleanField(_("intention not in time"), default=False)
    state = models.CharField(
        _("state"), max_length=12, choices=PlanState.choices, default=PlanState.DRAFT
    )
    filed_on = models.DateField(_("filed on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    close_reason = models.CharField(_("reason for closing"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("procurement plan")
        verbose_name_plural = _("procurement plans")
        constraints = [
            models.UniqueConstraint(
                fields=["mof_div_code", "fiscal_year", "number"], name="plan_no_unique"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="plan_amount_positive"),
            models.CheckConstraint(
                condition=Q(ceiling_price__isnull=True)
                | (Q(ceiling_price__gt=0) & Q(ceiling_price__lte=models.F("amount"))),
                name="plan_ceiling_within_amount",
            ),
        ]
        indexes = [models.Index(fields=["mof_div_code", "fiscal_year", "state"])]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class ProcurementPlanLine(models.Model):
    """R-GP-2: the share of a plan reserved on one procurement indicator line (``amount``), what
    contracts filed under the plan took from it (``consumed``) and what closing the plan gave
    back to the line's available money (``released``). While the plan holds money (submitted,
    filed, executing) the line's ``reserved`` bucket counts ``amount − consumed − released``.
    ``consumed`` and ``released`` change only by conditional updates, under the plan's lock."""

    plan = models.ForeignKey(
        ProcurementPlan, on_delete=models.CASCADE, related_name="lines", verbose_name=_("plan")
    )
    row = models.PositiveSmallIntegerField(_("row"))
    indicator_line = models.ForeignKey(
        "indicators.IndicatorLine",
        on_delete=models.PROTECT,
        related_name="plan_lines",
        verbose_name=_("indicator line"),
    )
    amount = models.BigIntegerField(_("amount"))
    consumed = models.BigIntegerField(_("taken by contracts"), default=0)
    released = models.BigIntegerField(_("released"), default=0)

    class Meta:
        verbose_name = _("procurement plan line")
        verbose_name_plural = _("procurement plan lines")
        constraints = [
            models.UniqueConstraint(fields=["plan", "indicator_line"], name="plan_line_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="plan_line_amount_positive"),
            models.CheckConstraint(
                condition=Q(consumed__gte=0)
                & Q(released__gte=0)
                & Q(amount__gte=models.F("consumed") + models.F("released")),
                name="plan_line_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}:{self.indicator_line_id}"

    @property
    def remaining(self) -> int:
        return self.amount - self.consumed - self.released


class ProcurementAward(TimestampedModel):
    """采购结果 (DOMAIN-2 §6.2): the supplier and amount a plan's procurement (or one of its lots)
    ended with, and the day of the award notice (中标/成交通知书), from which the contract must be
    signed within 30 days (R-GP-3). Σ awards of a plan ≤ its budget; a contract signed on an
    award is for its supplier and its amount (R-GP-9)."""

    SCOPE_ORGANISATION_LOOKUP = "organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9, db_index=True)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    plan = models.ForeignKey(
        ProcurementPlan, on_delete=models.PROTECT, related_name="awards", verbose_name=_("plan")
    )
    lot = models.CharField(_("lot (包/标段)"), max_length=60, blank=True)
    supplier = models.ForeignKey(
        "core.Payee", on_delete=models.PROTECT, related_name="+", verbose_name=_("supplier")
    )
    amount = models.BigIntegerField(_("award amount"))
    noticed_on = models.DateField(_("award notice date"))
    supplier_is_sme = models.BooleanField(_("supplier is an SME (中小企业)"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("procurement award")
        verbose_name_plural = _("procurement awards")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="award_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.lot} {self.amount}"


class ContractInstalment(models.Model):
    """A node of a contract's payment schedule (R-GP-10): its share of the contract, whether it
    waits for an accepted milestone (履约验收) or for the warranty's end, and what payments have
    taken from it (``committed``, changed only by conditional updates, as the contract's)."""

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="instalments", verbose_name=_("contract")
    )
    row = models.PositiveSmallIntegerField(_("row"))
    name = models.CharField(_("milestone"), max_length=60)
    kind = models.CharField(_("kind"), max_length=12, choices=InstalmentKind.choices)
    amount = models.BigIntegerField(_("amount"))
    committed = models.BigIntegerField(_("committed by payments"), default=0)
    requires_acceptance = models.BooleanField(_("paid after acceptance"), default=False)
    warranty_ends = models.DateField(_("warranty ends"), null=True, blank=True)

    class Meta:
        verbose_name = _("contract instalment")
        verbose_name_plural = _("contract instalments")
        constraints = [
            models.UniqueConstraint(fields=["contract", "row"], name="instalment_row_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="instalment_amount_positive"),
            models.CheckConstraint(
                condition=Q(committed__gte=0) & Q(committed__lte=models.F("amount")),
                name="instalment_committed_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id}:{self.row} {self.name}"

    @property
    def remaining(self) -> int:
        return self.amount - self.committed


class ContractAcceptance(TimestampedModel):
    """履约验收 (DOMAIN-2 §6.2, R-GP-10): a milestone of a contract checked by the acceptance
    group, recorded by someone other than who asked for the purchase; a passed one lets the
    instalment tied to it be paid."""

    SCOPE_ORGANISATION_LOOKUP = "contract__organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9, db_index=True)
    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="acceptances", verbose_name=_("contract")
    )
    instalment = models.ForeignKey(
        ContractInstalment,
        on_delete=models.PROTECT,
        related_name="acceptances",
        verbose_name=_("milestone"),
    )
    accepted_on = models.DateField(_("accepted on"))
    result = models.CharField(_("result"), max_length=8, choices=AcceptanceResult.choices)
    members = models.CharField(_("acceptance group"), max_length=300)
    report = models.TextField(_("acceptance report"), max_length=2000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("contract acceptance")
        verbose_name_plural = _("contract acceptances")

    def __str__(self) -> str:
        return f"{self.contract_id}:{self.instalment_id} {self.result}"


class ProcurementChange(TimestampedModel):
    """A change after filing, as a document of the approval engine (ADR 0052): a filed plan's
    procurement method (R-GP-8: finance approves a method other than 公开招标 at or above the
    公开招标数额标准 before the procurement starts) or a supplementary contract (补充合同,
    R-GP-3b: Σ supplements ≤ 10 % of the original contract) that adds to a filed contract and
    reserves the addition on one of its indicator lines when approved."""

    SCOPE_ORGANISATION_LOOKUP = "organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9, db_index=True)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    number = models.CharField(_("change number"), max_length=20)
    kind = models.CharField(_("kind of change"), max_length=12, choices=ChangeKind.choices)
    plan = models.ForeignKey(
        ProcurementPlan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name=_("procurement plan"),
    )
    contract = models.ForeignKey(
        Contract,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name=_("contract"),
    )
    old_method = models.CharField(
        _("method before"), max_length=16, choices=PurMethod.choices, blank=True
    )
    new_method = models.CharField(
        _("new procurement method"), max_length=16, choices=PurMethod.choices, blank=True
    )
    single_source_reason = models.CharField(_("why a single source"), max_length=500, blank=True)
    amount = models.BigIntegerField(_("supplementary amount"), null=True, blank=True)
    indicator_line = models.ForeignKey(
        "indicators.IndicatorLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("indicator line"),
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    reason = models.CharField(_("reason for the change"), max_length=500)
    # R-GP-8: the new method departs from 公开招标 at or above the threshold (finance decides).
    method_exception = models.BooleanField(_("method needs finance approval"), default=False)
    state = models.CharField(
        _("state"), max_length=12, choices=ChangeState.choices, default=ChangeState.DRAFT
    )
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("procurement change")
        verbose_name_plural = _("procurement changes")
        constraints = [
            models.UniqueConstraint(
                fields=["mof_div_code", "fiscal_year", "number"], name="change_no_unique"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind=ChangeKind.METHOD, plan__isnull=False, amount__isnull=True)
                    | Q(
                        kind=ChangeKind.SUPPLEMENT,
                        contract__isnull=False,
                        amount__gt=0,
                        indicator_line__isnull=False,
                    )
                ),
                name="change_kind_fields",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.kind}"

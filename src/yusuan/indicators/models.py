"""Indicator lines (预算指标), the documents that change them and the append-only ledger (指标账).

DOMAIN §2.6, §2.7; ADR 0009. A line's buckets are integer fen columns that only the ledger
services change, each by one conditional UPDATE, always together with the movement rows that
explain the change; ``yusuan reconcile`` recomputes every bucket from the movements.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from yusuan.audit.chain import content_digest
from yusuan.core.choices import AccountType
from yusuan.core.models.base import ScopedQuerySet, TimestampedModel
from yusuan.indicators.choices import (
    DocumentKind,
    DocumentState,
    LineKind,
    MovementKind,
    SourceDrawKind,
    SourceKind,
    SupplementState,
    ThreePublic,
)

BUCKETS = ("available", "allocated", "reserved", "frozen", "held", "paid")


class Elements(models.Model):
    """The elements of R-IN-1, carried unchanged from indicator to payment (DOMAIN §1.3 inv. 5).

    On an indicator line they are required (checked by the services, which name each missing
    one); on a document line they describe the line to create and stay blank otherwise.
    """

    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("unit"),
        null=True,
        blank=True,
    )
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("project"),
        null=True,
        blank=True,
    )
    exp_func_code = models.CharField(_("functional class"), max_length=16, blank=True)
    dep_bgt_eco_code = models.CharField(_("department economic class"), max_length=16, blank=True)
    gov_bgt_eco_code = models.CharField(_("government economic class"), max_length=16, blank=True)
    fund_type_code = models.CharField(_("fund nature"), max_length=8, blank=True)
    source_type_code = models.CharField(_("indicator source"), max_length=8, blank=True)
    pay_type_code = models.CharField(_("payment type"), max_length=8, blank=True)
    acc_type = models.CharField(
        _("account type"), max_length=24, choices=AccountType.choices, blank=True
    )
    doc_no = models.CharField(_("indicator document number (文号)"), max_length=60, blank=True)
    doc_title = models.CharField(_("indicator document title"), max_length=200, blank=True)
    is_gov_pur = models.BooleanField(_("government procurement"), default=False)
    thr_exp_code = models.CharField(
        _("三公 category"), max_length=2, choices=ThreePublic.choices, blank=True, default=""
    )
    is_sal = models.BooleanField(_("salary"), default=False)
    is_dir = models.BooleanField(_("direct funds (直达资金)"), default=False)
    manage_division = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("supervising finance division"),
        null=True,
        blank=True,
    )
    # R-IN-9: money received from an upper-level government (指标来源 04 上级转移支付) carries the
    # upper level's references; every line allocated from it inherits them (DOMAIN-2 C4, ADR 0028).
    # The 本级指标文号 (cor_bgt_doc_no) is ``doc_no``.
    sup_bgt_doc_no = models.CharField(
        _("upper-level indicator document number (上级指标文号)"), max_length=60, blank=True
    )
    rec_date = models.DateField(_("date received (接收日期)"), null=True, blank=True)
    track_pro_code = models.CharField(
        _("tracking code (追踪代码)"), max_length=40, blank=True, db_index=True
    )
    tp_func_code = models.CharField(
        _("transfer functional class (转移支付功能科目)"), max_length=16, blank=True
    )

    class Meta:
        abstract = True


class IndicatorLine(Elements):
    SCOPE_ORGANISATION_LOOKUP = "organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    code = models.CharField(_("indicator code"), max_length=32, editable=False)
    kind = models.CharField(_("indicator type"), max_length=12, choices=LineKind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("source indicator"),
    )
    origin_document = models.ForeignKey(
        "indicators.IndicatorDocument",
        on_delete=models.PROTECT,
        related_name="created_lines",
        verbose_name=_("created by"),
    )
    # R-IN-7: the source the line's money was issued from (inherited by the lines allocated or
    # adjusted out of it); a 追减 or 收回 to finance gives money back to it.
    budget_source = models.ForeignKey(
        "indicators.IndicatorSource",
        on_delete=models.PROTECT,
        related_name="lines",
        null=True,
        blank=True,
        verbose_name=_("budget source"),
    )
    summary = models.CharField(_("summary"), max_length=200, blank=True)
    # Buckets (integer fen). total = available + allocated + reserved + frozen + held + paid.
    total = models.BigIntegerField(_("total"), default=0)
    available = models.BigIntegerField(_("available"), default=0)
    allocated = models.BigIntegerField(_("allocated to child lines"), default=0)
    reserved = models.BigIntegerField(_("reserved for contracts"), default=0)
    frozen = models.BigIntegerField(_("frozen for payments"), default=0)
    held = models.BigIntegerField(_("frozen by finance"), default=0)
    paid = models.BigIntegerField(_("paid"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("indicator line")
        verbose_name_plural = _("indicator lines")
        ordering = ["code"]
        permissions = [("view_all_indicators", "May see every indicator line of the region")]
        constraints = [
            models.UniqueConstraint(fields=["mof_div_code", "code"], name="indicator_code_unique"),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{bucket}__gte": 0}), name=f"indicator_{bucket}_nonneg"
                )
                for bucket in BUCKETS
            ),
            # R-IN-3 and R-IN-2 hold by construction once this identity holds.
            models.CheckConstraint(
                condition=Q(
                    total=F("available")
                    + F("allocated")
                    + F("reserved")
                    + F("frozen")
                    + F("held")
                    + F("paid")
                ),
                name="indicator_buckets_sum_to_total",
            ),
            # Only pending lines pass money down; only executable lines carry payments.
            models.CheckConstraint(
                condition=Q(kind=LineKind.PENDING) | Q(allocated=0),
                name="indicator_allocated_only_pending",
            ),
            models.CheckConstraint(
                condition=Q(kind=LineKind.EXECUTABLE) | Q(reserved=0, frozen=0, paid=0),
                name="indicator_payments_only_executable",
            ),
        ]
        indexes = [
            models.Index(fields=["mof_div_code", "fiscal_year", "organisation"], name="ind_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.summary}".strip()


class IndicatorDocument(TimestampedModel):
    """Every change of an indicator is a document (R-IN-4) with a number and, where it applies,
    a 文号; adjustments move through the approval engine, the others are posted by a second
    finance officer."""

    SCOPE_ORGANISATION_LOOKUP = "organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    number = models.CharField(_("document number"), max_length=32, editable=False)
    kind = models.CharField(_("document type"), max_length=12, choices=DocumentKind.choices)
    subtype = models.CharField(_("adjustment type"), max_length=24, blank=True)
    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("entered by organisation"),
    )
    doc_no = models.CharField(_("document number (文号)"), max_length=60, blank=True)
    title = models.CharField(_("title"), max_length=200)
    reason = models.TextField(_("reason"), blank=True)
    npc_reference = models.CharField(_("people's congress decision"), max_length=120, blank=True)
    # R-IN-7: 下达 and 追加 name the source they draw from (one per document, ADR 0027); a 追减
    # may name one (a 预算调整 row authorising the decrease, R-AJ-7, or the source to return to).
    budget_source = models.ForeignKey(
        "indicators.IndicatorSource",
        on_delete=models.PROTECT,
        related_name="documents",
        null=True,
        blank=True,
        verbose_name=_("budget source"),
    )
    state = models.CharField(
        _("state"), max_length=12, choices=DocumentState.choices, default=DocumentState.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    posted_at = models.DateTimeField(_("effective at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("indicator document")
        verbose_name_plural = _("indicator documents")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("post_indicatordocument", "May post indicator documents"),
            ("enter_adjustment", "May enter adjustments of the unit's indicators"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["mof_div_code", "number"], name="indicator_document_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def total_fen(self) -> int:
        return sum(line.amount for line in self.lines.all())


class DocumentLine(Elements):
    """One row of a document: from ``source`` to ``target`` (an existing line), or to a new line
    described by the element fields (issue, allocation, adjustment into a new line)."""

    document = models.ForeignKey(IndicatorDocument, on_delete=models.CASCADE, related_name="lines")
    row = models.PositiveSmallIntegerField(_("row"))
    source = models.ForeignKey(
        IndicatorLine,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("from indicator"),
    )
    target = models.ForeignKey(
        IndicatorLine,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("to indicator"),
    )
    line_kind = models.CharField(
        _("indicator type"), max_length=12, choices=LineKind.choices, blank=True
    )
    summary = models.CharField(_("summary"), max_length=200, blank=True)
    amount = models.BigIntegerField(_("amount"))
    to_parent = models.BooleanField(_("return to the source indicator"), default=False)
    created_line = models.ForeignKey(
        IndicatorLine,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("created indicator"),
    )

    class Meta:
        verbose_name = _("document line")
        verbose_name_plural = _("document lines")
        ordering = ["document_id", "row"]
        constraints = [
            models.UniqueConstraint(fields=["document", "row"], name="document_line_row_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="document_line_amount_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.document_id}#{self.row}"


class Movement(models.Model):
    """One leg of a posting on one line: the signed change of each bucket (ADR 0009).

    Row identity (CHECK): ``d_total = Σ d_buckets``. Posting balance (reconcile): over the legs
    of one posting, ``Σ (d_total − d_allocated) + d_outside = 0`` — money enters or leaves the
    indicator system only through ``d_outside`` (budget source, reclaim, decrease).
    """

    posting = models.UUIDField(_("posting"), db_index=True)
    line = models.ForeignKey(IndicatorLine, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("movement"), max_length=16, choices=MovementKind.choices)
    d_total = models.BigIntegerField(default=0)
    d_available = models.BigIntegerField(default=0)
    d_allocated = models.BigIntegerField(default=0)
    d_reserved = models.BigIntegerField(default=0)
    d_frozen = models.BigIntegerField(default=0)
    d_held = models.BigIntegerField(default=0)
    d_paid = models.BigIntegerField(default=0)
    d_outside = models.BigIntegerField(default=0)
    document = models.ForeignKey(
        IndicatorDocument,
        on_delete=models.PROTECT,
        related_name="movements",
        null=True,
        blank=True,
    )
    # A movement caused by another module's document (a payment, a contract): its type, id and
    # number, for the trace links of P4.
    source_type = models.CharField(max_length=40, blank=True)
    source_id = models.CharField(max_length=40, blank=True)
    source_no = models.CharField(max_length=60, blank=True)
    # Unique by a constraint, not ``unique=True``: on PostgreSQL that also built a LIKE index no
    # query uses, on the ledger's hottest insert (issue 20).
    op_key = models.CharField(max_length=120, null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        db_index=False,  # nothing looks movements up by who posted them
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("indicator movement")
        verbose_name_plural = _("indicator movements")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["op_key"], name="movement_op_key_unique"),
            models.CheckConstraint(
                condition=Q(
                    d_total=F("d_available")
                    + F("d_allocated")
                    + F("d_reserved")
                    + F("d_frozen")
                    + F("d_held")
                    + F("d_paid")
                ),
                name="movement_legs_sum_to_total",
            ),
        ]
        indexes = [
            models.Index(fields=["source_type", "source_id"], name="movement_source"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.line_id}"

    @property
    def amount(self) -> int:
        """The size of the movement as a clerk reads it."""
        return max(
            abs(self.d_total),
            abs(self.d_available),
            abs(self.d_frozen),
            abs(self.d_paid),
            abs(self.d_held),
            abs(self.d_reserved),
        )


class BudgetAdjustment(models.Model):
    """预算调整 (R-AJ-7): a government-level act approved by the 人大常委会, created by the budget
    division. Its rows (``IndicatorSource`` of kind ``adjustment``) authorise amounts by fund type
    and functional class; the 追加 it funds draw from a row, the 追减 it orders stay within the
    row's authorised decrease."""

    SCOPE_ORGANISATION_LOOKUP = "holder_id"

    mof_div_code = models.CharField(_("region code"), max_length=9)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    number = models.CharField(_("record number"), max_length=32, editable=False)
    title = models.CharField(_("title"), max_length=200)
    decision_no = models.CharField(_("people's congress decision number"), max_length=120)
    decision_date = models.DateField(_("decision date"))
    holder = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("entered by organisation"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("budget adjustment (预算调整)")
        verbose_name_plural = _("budget adjustments (预算调整)")
        ordering = ["-fiscal_year", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["mof_div_code", "number"], name="budget_adjustment_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class IndicatorSource(models.Model):
    """指标来源 (R-IN-7): the money an issue or increase draws from. Its ``amount`` enters the
    system once, when finance creates it; ``drawn`` = Σ its draws (minus returns), never above
    ``amount``. Both change only by conditional UPDATEs with their ``SourceDraw`` rows."""

    SCOPE_ORGANISATION_LOOKUP = "holder_id"

    mof_div_code = models.CharField(_("region code"), max_length=9)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    code = models.CharField(_("source code"), max_length=32, editable=False)
    kind = models.CharField(_("source type"), max_length=16, choices=SourceKind.choices)
    name = models.CharField(_("name"), max_length=200)
    reference_no = models.CharField(_("reference (批复/文号)"), max_length=120, blank=True)
    holder = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("held by"),
    )
    fund_type_code = models.CharField(_("fund nature"), max_length=8, blank=True)
    exp_func_code = models.CharField(_("functional class"), max_length=16, blank=True)
    adjustment = models.ForeignKey(
        BudgetAdjustment,
        on_delete=models.PROTECT,
        related_name="rows",
        null=True,
        blank=True,
        verbose_name=_("budget adjustment (预算调整)"),
    )
    amount = models.BigIntegerField(_("amount"))
    drawn = models.BigIntegerField(_("drawn"), default=0)
    # R-AJ-7: what a 预算调整 row allows the 追减 citing it to take away, and what they took.
    decrease_amount = models.BigIntegerField(_("authorised decrease"), default=0)
    decreased = models.BigIntegerField(_("decreased"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("indicator source")
        verbose_name_plural = _("indicator sources")
        ordering = ["fiscal_year", "code"]
        constraints = [
            models.UniqueConstraint(fields=["mof_div_code", "code"], name="source_code_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="source_amount_nonneg"),
            models.CheckConstraint(condition=Q(drawn__gte=0), name="source_drawn_nonneg"),
            # R-IN-7: Σ indicators per source ≤ the source.
            models.CheckConstraint(condition=Q(drawn__lte=F("amount")), name="source_drawn_le"),
            models.CheckConstraint(
                condition=Q(decreased__gte=0) & Q(decreased__lte=F("decrease_amount")),
                name="source_decreased_le",
            ),
            # R-IN-7: 预备费 is budgeted under functional class 227.
            models.CheckConstraint(
                condition=~Q(kind=SourceKind.RESERVE) | Q(exp_func_code__startswith="227"),
                name="source_reserve_227",
            ),
            # R-AJ-7: an adjustment source is a row of a 预算调整 record, and only it.
            models.CheckConstraint(
                condition=Q(kind=SourceKind.ADJUSTMENT, adjustment__isnull=False)
                | (~Q(kind=SourceKind.ADJUSTMENT) & Q(adjustment__isnull=True)),
                name="source_adjustment_row",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def left(self) -> int:
        return self.amount - self.drawn


class SourceDraw(models.Model):
    """One change of a source (append-only, R-IN-7): its opening (``d_amount``), a draw by an
    issue or increase (``d_drawn`` > 0), a return by a decrease or reclaim (``d_drawn`` < 0), a
    decrease a 预算调整 authorised (``d_decreased``). A draw's ``posting`` is the indicator
    posting whose ``d_outside`` it matches: ``Σ d_drawn − Σ d_decreased = −Σ d_outside`` (a decrease a
    预算调整 authorised takes money out of the system: it is not given back to the row)."""

    source = models.ForeignKey(IndicatorSource, on_delete=models.PROTECT, related_name="draws")
    kind = models.CharField(_("movement"), max_length=8, choices=SourceDrawKind.choices)
    posting = models.UUIDField(_("posting"), null=True, blank=True, db_index=True)
    document = models.ForeignKey(
        IndicatorDocument,
        on_delete=models.PROTECT,
        related_name="source_draws",
        null=True,
        blank=True,
    )
    d_amount = models.BigIntegerField(default=0)
    d_drawn = models.BigIntegerField(default=0)
    d_decreased = models.BigIntegerField(default=0)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("source draw")
        verbose_name_plural = _("source draws")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.source_id}"


SOURCE_DRAWS_AUDIT_KEY = "source_draws"
SOURCE_DRAW_HASHED_FIELDS = (
    "id",
    "source_id",
    "kind",
    "posting",
    "document_id",
    "d_amount",
    "d_drawn",
    "d_decreased",
    "actor_id",
    "created_at",
)


def source_draw_digest(values: Mapping[str, Any]) -> bytes:
    """SHA-256 of a source draw's content, as written and as read back by reconcile."""
    return content_digest(values, SOURCE_DRAW_HASHED_FIELDS)


# ADR 0017: each movement's digest is carried by the audit record of the business action that
# made it (``extra["movements"] = [[id, sha256 hex], ...]``) and sealed with it.
MOVEMENTS_AUDIT_KEY = "movements"
MOVEMENT_HASHED_FIELDS = (
    "id",
    "posting",
    "line_id",
    "kind",
    *(f"d_{c}" for c in ("total", *BUCKETS)),
    "d_outside",
    "document_id",
    "source_type",
    "source_id",
    "source_no",
    "op_key",
    "actor_id",
    "created_at",
)


def movement_digest(values: Mapping[str, Any]) -> bytes:
    """SHA-256 of a movement's content (every column: line, kind, deltas, document or source,
    op key, actor, time), as written by the ledger and as read back by the proof."""
    return content_digest(values, MOVEMENT_HASHED_FIELDS)


class SupplementRequest(TimestampedModel):
    """追加申请 (DOMAIN-2 C2, R-AJ-7): a unit that needs more money asks for it — amount, the line
    or project it is for, the reason; attachments go on the approval round (R-WF-7). Unit,
    department and finance approve it through the engine; finance answers an approved request
    with an 追加 document (``answer``), whose money source is that document's (R-IN-7)."""

    SCOPE_ORGANISATION_LOOKUP = "organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    number = models.CharField(_("request number"), max_length=32, editable=False)
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    title = models.CharField(_("title"), max_length=200)
    amount = models.BigIntegerField(_("amount requested"))
    line = models.ForeignKey(
        IndicatorLine,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("indicator line"),
    )
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("project"),
    )
    reason = models.TextField(_("reason"))
    state = models.CharField(
        _("state"), max_length=12, choices=SupplementState.choices, default=SupplementState.DRAFT
    )
    answer = models.OneToOneField(
        IndicatorDocument,
        on_delete=models.PROTECT,
        related_name="supplement_request",
        null=True,
        blank=True,
        verbose_name=_("answered by"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("supplementary increase request")
        verbose_name_plural = _("supplementary increase requests")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("answer_supplementrequest", "May answer supplementary increase requests"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["mof_div_code", "number"], name="supplement_request_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="supplement_request_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def scope_organisation_id(self) -> int:
        return self.organisation_id

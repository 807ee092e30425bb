"""The personnel database (人员信息库, DOMAIN §2.2, DOMAIN-2 §3, ADR 0038).

A ``Person`` is an identity (身份证号, name, sex, birth date) with the latest state copied on it
for lists; the state itself lives in ``PersonPeriod`` rows — append-only, each the whole state
from its ``effective_from`` until the next row of the same person — so "who earned what, in which
unit, in which month" is one selector (``selectors.person_state_on``, ``unit_roster``). Rows are
written only by an approved change document (``PersonnelChange``, R-PS-3) or the initial import.
``Establishment`` is the 编办's approved headcount of a unit for a year (R-PS-2).
``BudgetSnapshot`` freezes every person's state on the 一上 date for a budget year (R-PS-4).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yusuan.common.masking import mask_id_number
from yusuan.core.models.base import ScopedQuerySet, TimestampedModel
from yusuan.personnel.choices import (
    ChangeKind,
    ChangeState,
    EstablishmentType,
    PersonState,
    PersonStatus,
    PostCategory,
)


class Person(TimestampedModel):
    """人员: one 身份证号 per region (R-PS-1 at the database: the unique constraint below), and
    the unit that holds the person now (``organisation``: the unit of the latest period)."""

    SCOPE_ORGANISATION_LOOKUP = "organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9)
    id_number = models.CharField(_("ID number"), max_length=18)
    name = models.CharField(_("name"), max_length=50)
    sex = models.CharField(_("sex"), max_length=1, choices=[("1", _("Male")), ("2", _("Female"))])
    birth_date = models.DateField(_("birth date"))
    # The latest period's placement, copied for lists and filters (the periods are the record).
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    state = models.CharField(_("state"), max_length=16, choices=PersonState.choices)
    status = models.CharField(_("status"), max_length=16, choices=PersonStatus.choices)
    establishment = models.CharField(
        _("establishment type"), max_length=16, choices=EstablishmentType.choices
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["organisation_id", "name", "pk"]
        permissions = [("import_person", "May load people from a sheet")]
        constraints = [
            models.UniqueConstraint(
                fields=["mof_div_code", "id_number"], name="person_id_number_unique_in_region"
            )
        ]
        indexes = [models.Index(fields=["mof_div_code", "organisation", "state"])]

    def __str__(self) -> str:
        return f"{self.name} {mask_id_number(self.id_number)}"

    @property
    def scope_organisation_id(self) -> int:
        return self.organisation_id


class PersonPeriod(models.Model):
    """人员历史: the whole state of one person from ``effective_from`` until the person's next
    period (append-only; the database refuses UPDATE and DELETE). Monthly pay items are integer
    fen keyed by ``rules.PAY_ITEMS``; bases are monthly fen."""

    SCOPE_ORGANISATION_LOOKUP = "organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="periods", verbose_name=_("person")
    )
    effective_from = models.DateField(_("effective from"))
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    state = models.CharField(_("state"), max_length=16, choices=PersonState.choices)
    status = models.CharField(_("status"), max_length=16, choices=PersonStatus.choices)
    establishment = models.CharField(
        _("establishment type"), max_length=16, choices=EstablishmentType.choices
    )
    office = models.CharField(_("office"), max_length=60, blank=True)
    work_start_date = models.DateField(_("started work"), null=True, blank=True)
    unit_join_date = models.DateField(_("joined the unit"), null=True, blank=True)
    position = models.CharField(_("post (职务)"), max_length=40, blank=True)
    rank = models.CharField(_("rank (职级)"), max_length=40, blank=True)
    civil_level = models.PositiveSmallIntegerField(_("grade (级别)"), null=True, blank=True)
    civil_step = models.PositiveSmallIntegerField(_("grade step (档次)"), null=True, blank=True)
    post_category = models.CharField(
        _("post category"), max_length=12, choices=PostCategory.choices, blank=True
    )
    post_level = models.PositiveSmallIntegerField(_("post level"), null=True, blank=True)
    salary_scale = models.PositiveSmallIntegerField(_("salary scale (薪级)"), null=True, blank=True)
    items = models.JSONField(_("monthly pay items (fen)"), default=dict)
    pension_base = models.BigIntegerField(_("pension and annuity base"), default=0)
    medical_base = models.BigIntegerField(_("medical insurance base"), default=0)
    housing_base = models.BigIntegerField(_("housing fund base"), default=0)
    change = models.ForeignKey(
        "PersonnelChange",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("change document"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("person period")
        verbose_name_plural = _("person periods")
        ordering = ["person_id", "effective_from", "pk"]
        indexes = [
            models.Index(fields=["person", "effective_from"]),
            models.Index(fields=["mof_div_code", "effective_from"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(pension_base__gte=0) & Q(medical_base__gte=0) & Q(housing_base__gte=0),
                name="person_period_bases_not_negative",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.effective_from}"

    @property
    def scope_organisation_id(self) -> int:
        return self.organisation_id

    @property
    def monthly_total(self) -> int:
        return sum(int(v) for v in self.items.values())


class PersonnelChange(TimestampedModel):
    """人员变动单 (R-PS-3): 录用/调入, 调出, 职务职级变动, 薪级晋升/工资变动, 退休, 辞职, 死亡, each
    with its effective date and the supporting document's number (人社/组织部门文件). Routed
    unit → department → finance 人员库管理岗 (``personnel.change``); the final approval applies
    it: a new period, the person's latest state, an audit record, in the approval's transaction.
    ``data`` holds the fields the kind sets (``rules.FIELDS_OF_KIND``)."""

    SCOPE_ORGANISATION_LOOKUP = "organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    number = models.CharField(_("change number"), max_length=32, editable=False)
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    kind = models.CharField(_("change kind"), max_length=16, choices=ChangeKind.choices)
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="changes",
        null=True,
        blank=True,
        verbose_name=_("person"),
    )
    # A hire names the person by ID number and name (the person may be new to the region).
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    name = models.CharField(_("name"), max_length=50, blank=True)
    effective_date = models.DateField(_("effective date"))
    basis_doc_no = models.CharField(_("supporting document number"), max_length=80)
    establishment_doc_no = models.CharField(
        _("establishment office approval number"), max_length=80, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("new values"), default=dict)
    state = models.CharField(
        _("state"), max_length=12, choices=ChangeState.choices, default=ChangeState.DRAFT
    )
    period = models.OneToOneField(
        PersonPeriod,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("period written"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("personnel change")
        verbose_name_plural = _("personnel changes")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mof_div_code", "number"], name="personnel_change_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(kind="hire") | Q(person__isnull=False),
                name="personnel_change_names_person",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def scope_organisation_id(self) -> int:
        return self.organisation_id


class Establishment(TimestampedModel):
    """编制: the establishment office's (编办) approved headcount of a unit for a year, by
    编制类型, with the leader posts (领导职数), the official vehicles (公务用车编制), the unit's
    function line for its basic expenditure, and the approving document. Actual counts are
    computed from the people (``selectors.establishment_rows``)."""

    SCOPE_ORGANISATION_LOOKUP = "organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    administrative = models.PositiveIntegerField(_("administrative posts approved"), default=0)
    institution = models.PositiveIntegerField(_("institution posts approved"), default=0)
    worker = models.PositiveIntegerField(_("worker posts approved"), default=0)
    leader_posts = models.PositiveIntegerField(_("leader posts"), default=0)
    # 公务用车编制: the official vehicles the unit is approved (公用经费 per vehicle, R-PJ-5).
    vehicles = models.PositiveIntegerField(_("official vehicles approved"), default=0)
    # The unit's function line (基本支出功能科目, e.g. 2010101 / 2050203): where its salaries,
    # 30112 and 公用经费 are budgeted (DOMAIN §3.11); the data centre keeps none per unit.
    functional_code = models.CharField(
        _("functional class of basic expenditure"), max_length=16, blank=True
    )
    document_no = models.CharField(_("establishment office document number"), max_length=80)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("establishment")
        verbose_name_plural = _("establishments")
        ordering = ["fiscal_year", "organisation_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mof_div_code", "fiscal_year", "organisation"],
                name="establishment_one_per_unit_year",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.fiscal_year}"

    @property
    def scope_organisation_id(self) -> int:
        return self.organisation_id

    def approved(self, establishment: str) -> int | None:
        """The approved headcount of one 编制类型 (None for 编外: no approved count)."""
        if establishment == EstablishmentType.NONE:
            return None
        return int(getattr(self, establishment))


class BudgetSnapshot(models.Model):
    """人员库预算快照 (R-PS-4): every in-scope person's state on ``as_of`` (the 一上 date) for a
    region's budget year. One per region and year; a finance person may take it again with a
    reason, which makes a new ``version`` (the older stays, append-only)."""

    SCOPE_ORGANISATION_LOOKUP = None  # region-wide; the rows are scoped by their unit

    mof_div_code = models.CharField(_("region code"), max_length=9)
    fiscal_year = models.PositiveSmallIntegerField(_("budget year"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    as_of = models.DateField(_("as of"))
    reason = models.TextField(_("reason for retaking"), blank=True)
    people = models.PositiveIntegerField(_("people"), default=0)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    taken_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("budget snapshot")
        verbose_name_plural = _("budget snapshots")
        ordering = ["-fiscal_year", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["mof_div_code", "fiscal_year", "version"], name="budget_snapshot_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.mof_div_code} {self.fiscal_year} v{self.version}"


class SnapshotRow(models.Model):
    """One person's state in a snapshot: identity and period copied, never changed."""

    SCOPE_ORGANISATION_LOOKUP = "organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9)
    snapshot = models.ForeignKey(BudgetSnapshot, on_delete=models.PROTECT, related_name="rows")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    period = models.ForeignKey(PersonPeriod, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    id_number = models.CharField(_("ID number"), max_length=18)
    name = models.CharField(_("name"), max_length=50)
    state = models.CharField(_("state"), max_length=16, choices=PersonState.choices)
    status = models.CharField(_("status"), max_length=16, choices=PersonStatus.choices)
    establishment = models.CharField(
        _("establishment type"), max_length=16, choices=EstablishmentType.choices
    )
    items = models.JSONField(_("monthly pay items (fen)"), default=dict)
    pension_base = models.BigIntegerField(default=0)
    medical_base = models.BigIntegerField(default=0)
    housing_base = models.BigIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("snapshot row")
        verbose_name_plural = _("snapshot rows")
        ordering = ["snapshot_id", "organisation_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "person"], name="snapshot_row_one_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.snapshot_id} {self.person_id}"

    @property
    def scope_organisation_id(self) -> int:
        return self.organisation_id

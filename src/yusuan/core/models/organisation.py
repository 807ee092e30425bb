from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from yusuan.core.choices import (
    AgencyType,
    BudgetLevel,
    DivisionType,
    OrganisationKind,
    OrganisationState,
)
from yusuan.core.models.base import ScopedQuerySet, TimestampedModel


class OrganisationQuerySet(ScopedQuerySet["Organisation"]):
    def agencies(self) -> OrganisationQuerySet:
        return self.filter(kind__in=[OrganisationKind.DEPARTMENT, OrganisationKind.UNIT])

    def subtree_of(self, organisation: Organisation) -> OrganisationQuerySet:
        return self.filter(path__startswith=organisation.path)


class Organisation(TimestampedModel):
    """Every organisation a user can belong to: the finance bureau and its divisions, departments
    and budget units (预算单位, a tree), agent banks and audit offices (ADR 0004).

    Departments and units carry the agency attributes of DOMAIN §2.1; ``path`` is the materialised
    tree path of primary keys (``/12/345/``) so a department's scope is one prefix query.
    """

    SCOPE_ORGANISATION_LOOKUP = "pk"

    mof_div_code = models.CharField(_("region code"), max_length=9, db_index=True)
    code = models.CharField(
        _("code"), max_length=32, help_text=_("Agency code (单位编码) or division code.")
    )
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=OrganisationState.choices,
        default=OrganisationState.ACTIVE,
    )
    is_enabled = models.BooleanField(_("enabled"), default=True)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, blank=True, help_text="统一社会信用代码"
    )
    # Finance divisions only.
    division_type = models.CharField(
        _("division type"), max_length=20, choices=DivisionType.choices, blank=True
    )
    # Departments and units only (DOMAIN §2.1).
    agency_type = models.CharField(
        _("unit type"), max_length=3, choices=AgencyType.choices, blank=True
    )
    budget_level = models.PositiveSmallIntegerField(
        _("budget level"), choices=BudgetLevel.choices, null=True, blank=True
    )
    supervising_division = models.ForeignKey(
        "self",
        verbose_name=_("supervising division"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervised_agencies",
        limit_choices_to={"kind": OrganisationKind.FINANCE_DIVISION},
    )
    accounting_system = models.CharField(
        _("accounting system"), max_length=40, blank=True, default="政府会计制度"
    )

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["mof_div_code", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["mof_div_code", "code"], name="organisation_code_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(kind__in=["department", "unit"])
                | (~models.Q(agency_type="") & models.Q(budget_level__isnull=False)),
                name="organisation_agency_attributes_required",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="finance_division") | ~models.Q(division_type=""),
                name="organisation_division_type_required",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def scope_organisation_id(self) -> int:
        return self.pk

    @property
    def is_agency(self) -> bool:
        return self.kind in (OrganisationKind.DEPARTMENT, OrganisationKind.UNIT)

    @property
    def depth(self) -> int:
        return max(self.path.count("/") - 1, 0)

"""Budget projects (预算项目, DOMAIN §2.3): the project library's unit of declaration."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yusuan.core.models.base import ScopedQuerySet, TimestampedModel
from yusuan.projects.choices import ProjectKind, ProjectState


class Project(TimestampedModel):
    SCOPE_ORGANISATION_LOOKUP = "organisation_id"

    mof_div_code = models.CharField(_("region code"), max_length=9)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    code = models.CharField(_("project code"), max_length=24, editable=False)
    name = models.CharField(_("project name"), max_length=200)
    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("unit"),
    )
    category = models.CharField(_("project category"), max_length=8)
    kind = models.CharField(
        _("project kind"), max_length=12, choices=ProjectKind.choices, default=ProjectKind.NEW
    )
    start_year = models.PositiveSmallIntegerField(_("first year"))
    end_year = models.PositiveSmallIntegerField(_("last year"))
    total_amount_fen = models.BigIntegerField(_("total amount"))
    fund_type = models.CharField(_("fund nature"), max_length=8)
    basis = models.TextField(_("basis for the project"), blank=True)
    content = models.TextField(_("content"), blank=True)
    is_procurement = models.BooleanField(_("includes government procurement"), default=False)
    is_three_public = models.BooleanField(_("三公 expenses"), default=False)
    is_research = models.BooleanField(_("research project"), default=False)
    state = models.CharField(
        _("state"), max_length=20, choices=ProjectState.choices, default=ProjectState.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["mof_div_code", "code"], name="project_code_unique"),
            models.CheckConstraint(
                condition=Q(total_amount_fen__gt=0), name="project_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(end_year__gte=models.F("start_year")), name="project_years_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

"""Choices of the procurement module."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ContractState(models.TextChoices):
    """A filed contract reserves its indicator money until it is closed (R-GP-9)."""

    FILED = "filed", _("Filed (reserving)")
    COMPLETED = "completed", _("Completed")
    TERMINATED = "terminated", _("Terminated")


class ProcurementCategory(models.TextChoices):
    """The first letter of a 品目 code (政府采购品目分类目录): goods, works or services."""

    GOODS = "A", _("Goods")
    WORKS = "B", _("Works")
    SERVICES = "C", _("Services")


class IntentionState(models.TextChoices):
    """意向公开 (DOMAIN-2 §6.2): a published intention may be changed or withdrawn, never deleted."""

    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", pgettext_lazy("intention", "Published")
    CHANGED = "changed", _("Published, changed")
    WITHDRAWN = "withdrawn", pgettext_lazy("intention", "Withdrawn")


# What the public listing shows: published, changed after publication, or withdrawn (with why).
PUBLIC_INTENTION_STATES = (
    IntentionState.PUBLISHED,
    IntentionState.CHANGED,
    IntentionState.WITHDRAWN,
)


class OrgForm(models.TextChoices):
    """How a purchase is organised (组织形式, DOMAIN-2 §6.2): the 集中采购目录 names the
    centralised ones; the rest is 分散采购 (by the unit itself or an agency it hires)."""

    CENTRAL = "central", _("Central procurement agency (集中采购机构采购)")
    DEPARTMENT = "department", _("Department centralised (部门集中采购)")
    DISPERSED = "dispersed", _("Dispersed (分散采购)")


# What the catalogue may say of a 品目: only the centralised forms.
CATALOGUE_FORMS = (OrgForm.CENTRAL, OrgForm.DEPARTMENT)

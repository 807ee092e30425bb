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


class PurMethod(models.TextChoices):
    """采购方式 (政府采购法 art. 26, 财政部令第110号 [K])."""

    OPEN_TENDER = "open_tender", _("Open tender (公开招标)")
    INVITED_TENDER = "invited_tender", _("Invited tender (邀请招标)")
    NEGOTIATION = "negotiation", _("Competitive negotiation (竞争性谈判)")
    CONSULTATION = "consultation", _("Competitive consultation (竞争性磋商)")
    SINGLE_SOURCE = "single_source", _("Single source (单一来源)")
    INQUIRY = "inquiry", _("Request for quotations (询价)")
    FRAMEWORK = "framework", _("Framework agreement (框架协议)")


class PlanState(models.TextChoices):
    """采购实施计划 (DOMAIN §2.8): a submitted plan reserves its indicator money (ADR 0052);
    filed (备案) it may take contracts; closing or cancelling gives back what they did not take."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    FILED = "filed", pgettext_lazy("plan", "Filed")
    EXECUTING = "executing", _("Executing")
    CLOSED = "closed", pgettext_lazy("plan", "Closed")
    CANCELLED = "cancelled", _("Cancelled")
    REJECTED = "rejected", _("Rejected")


# The states in which a plan holds indicator money (its lines' remainder is reserved).
PLAN_HOLDING_STATES = (PlanState.SUBMITTED, PlanState.FILED, PlanState.EXECUTING)
# The states in which contracts may be filed under a plan.
PLAN_OPEN_STATES = (PlanState.FILED, PlanState.EXECUTING)


class IntentionExemption(models.TextChoices):
    """Why a plan has no intention published in time (R-GP-7; 财库〔2020〕10号 [K])."""

    URGENT = "urgent", _("Urgent need that could not be foreseen (紧急采购)")
    AGREEMENT = "agreement", _("Agreement or designated supply (协议供货、定点采购)")
    BATCH = "batch", _("Batch purchase by the central agency (批量集中采购)")


class InstalmentKind(models.TextChoices):
    """A payment-schedule node (DOMAIN-2 §6.2): 预付款 / 到货 / 验收 / 质保期满."""

    ADVANCE = "advance", _("Advance payment (预付款)")
    DELIVERY = "delivery", _("On delivery (到货款)")
    ACCEPTANCE = "acceptance", _("On acceptance (验收款)")
    RETENTION = "retention", _("Retention, after the warranty (质保金)")


class AcceptanceResult(models.TextChoices):
    """履约验收's conclusion (DOMAIN-2 §6.2)."""

    PASSED = "passed", _("Passed (合格)")
    FAILED = "failed", _("Failed (不合格)")


class ChangeKind(models.TextChoices):
    """What a procurement change document (ADR 0052) changes after filing."""

    METHOD = "method", _("Change of procurement method (变更采购方式)")
    SUPPLEMENT = "supplement", _("Supplementary contract (补充合同)")


class ChangeState(models.TextChoices):
    """A change document in the approval engine; approved, it applies to its plan or contract."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")

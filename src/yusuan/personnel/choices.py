"""Choice sets of the personnel database (人员信息库, DOMAIN-2 §3.1)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PersonStatus(models.TextChoices):
    """身份: what kind of staff a person is; decides which grade fields and pay items apply."""

    CIVIL_SERVANT = "civil_servant", _("Civil servant (公务员)")
    CIVIL_SERVANT_MANAGED = "managed", _("Managed as civil servant (参公)")
    INSTITUTION_MANAGEMENT = "inst_management", _("Institution management post (事业管理岗)")
    INSTITUTION_TECHNICAL = "inst_technical", _("Institution technical post (事业专技岗)")
    WORKER = "worker", _("Worker (工勤)")
    CONTRACT = "contract", _("Contract staff outside the establishment (编外聘用)")


class EstablishmentType(models.TextChoices):
    """编制类型: the establishment a post is counted against (编办, R-PS-2)."""

    ADMINISTRATIVE = "administrative", _("Administrative establishment (行政编)")
    INSTITUTION = "institution", _("Institution establishment (事业编)")
    WORKER = "worker", _("Worker establishment (工勤编)")
    NONE = "none", _("Outside the establishment (编外)")


class PersonState(models.TextChoices):
    """人员状态. 在职, 离休 and 退休 are held (and paid) by a unit (R-PS-1); the rest are not."""

    ACTIVE = "active", _("In service (在职)")
    RETIRED_EARLY_CADRE = "lixiu", _("Retired cadre (离休)")
    RETIRED = "retired", _("Retired (退休)")
    TRANSFERRED_OUT = "transferred_out", _("Transferred out (调出)")
    RESIGNED = "resigned", _("Resigned (辞职)")
    DECEASED = "deceased", _("Deceased (死亡)")


HELD_STATES = frozenset({PersonState.ACTIVE, PersonState.RETIRED_EARLY_CADRE, PersonState.RETIRED})


class PostCategory(models.TextChoices):
    """事业单位岗位类别."""

    NONE = "", _("Not an institution post")
    MANAGEMENT = "management", _("Management post (管理岗位)")
    TECHNICAL = "technical", _("Professional and technical post (专业技术岗位)")
    SKILLED = "skilled", _("Skilled worker post (工勤技能岗位)")


class ChangeKind(models.TextChoices):
    """人员变动单 (R-PS-3): the only way the database changes."""

    HIRE = "hire", _("Hire or transfer in (录用/调入)")
    TRANSFER_OUT = "transfer_out", _("Transfer out (调出)")
    GRADE = "grade", _("Post or grade change (职务职级变动)")
    PAY = "pay", _("Pay change (薪级晋升/工资变动)")
    RETIRE = "retire", _("Retirement (退休)")
    RESIGN = "resign", _("Resignation (辞职)")
    DEATH = "death", _("Death (死亡)")


class ChangeState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPLIED = "applied", _("Approved and applied")
    REJECTED = "rejected", _("Rejected")

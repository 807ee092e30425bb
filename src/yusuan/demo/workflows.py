"""Demo data for the approval engine: shipped definitions and project declarations in every state."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from yusuan.common.money import Money
from yusuan.demo.projects import complete_declaration
from yusuan.identity.models import User
from yusuan.projects.models import Project
from yusuan.projects.services import ProjectInput, project_create
from yusuan.projects.services.changes import change_start
from yusuan.workflow.models import WorkflowInstance
from yusuan.workflow.services import (
    delegation_create,
    document_submit,
    install_default_definitions,
    instance_approve,
    instance_return,
)

DECLARATION = "projects.declaration"


def _project(
    clerk: User, year: int, name: str, yuan: int, category: str = "3", **flags: Any
) -> Project:
    return project_create(
        actor=clerk,
        organisation=clerk.organisation,
        fiscal_year=year,
        data=ProjectInput(
            name=name,
            category=category,
            kind="new",
            start_year=year + 1,  # declared now for next year's budget (一上)
            end_year=year + 1,
            total_amount=Money.from_yuan(yuan),
            fund_type="111",
            basis="《吴江区教育事业发展“十五五”规划》",
            content=f"{name}：采购设备、实施改造并组织验收。",
            **flags,
        ),
    )


def _submit(clerk: User, project: Project) -> WorkflowInstance:
    complete_declaration(clerk, project)
    return document_submit(actor=clerk, document_type=DECLARATION, object_id=str(project.pk))


def load(*, regions: list[str], year: int) -> int:
    """Install the shipped approval definitions and walk a few declarations along (main region)."""
    for code in regions:
        install_default_definitions(mof_div_code=code)
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=[
                "school_clerk",
                "school_approver",
                "edu_clerk",
                "edu_approver",
                "edu_reviewer",
                "wj_sector_edu",
                "wj_performance",
                "wj_budget",
            ]
        )
    }
    if len(users) < 8:
        return 0
    school_clerk, school_approver = users["school_clerk"], users["school_approver"]
    edu_clerk, edu_approver = users["edu_clerk"], users["edu_approver"]
    sector = users["wj_sector_edu"]

    complete_declaration(
        school_clerk,
        _project(school_clerk, year, "智慧教室建设（草稿）", 860_000, is_procurement=True),
    )
    waiting_unit = _project(
        school_clerk, year, "校园安防监控系统升级", 420_000, is_procurement=True
    )
    _submit(school_clerk, waiting_unit)
    waiting_dept = _project(school_clerk, year, "学生体质健康监测设备购置", 185_000)
    instance = _submit(school_clerk, waiting_dept)
    instance_approve(actor=school_approver, instance_id=instance.pk, comment="同意上报。")
    # Reviewed by the department (部门审核), waiting at the sector division; and reviewed by
    # finance's sector division (财政审核), waiting at 绩效处 (DOMAIN §2.3's two middle states).
    dept_reviewed = _project(school_clerk, year, "校园绿化提升改造", 240_000)
    instance = _submit(school_clerk, dept_reviewed)
    instance_approve(actor=school_approver, instance_id=instance.pk, comment="同意上报。")
    instance_approve(actor=edu_approver, instance_id=instance.pk, comment="同意，报财政审核。")
    finance_reviewed = _project(school_clerk, year, "学生饮水设备更新", 160_000)
    instance = _submit(school_clerk, finance_reviewed)
    instance_approve(actor=school_approver, instance_id=instance.pk, comment="同意上报。")
    instance_approve(actor=edu_approver, instance_id=instance.pk, comment="同意，报财政审核。")
    instance_approve(actor=sector, instance_id=instance.pk, comment="经审核，同意。")
    waiting_sector = _project(edu_clerk, year, "全区教师信息技术能力提升培训", 1_250_000)
    instance = _submit(edu_clerk, waiting_sector)
    instance_approve(actor=edu_approver, instance_id=instance.pk, comment="同意，报财政审核。")
    returned = _project(school_clerk, year, "图书馆图书更新", 96_000)
    instance = _submit(school_clerk, returned)
    instance_return(
        actor=school_approver,
        instance_id=instance.pk,
        reason="绩效目标不明确，请补充年度产出指标（册数、借阅人次）后重新申报。",
        to_entry=True,
    )
    approved = _project(school_clerk, year, "食堂设施改造", 530_000, is_procurement=True)
    instance = _submit(school_clerk, approved)
    instance_approve(actor=school_approver, instance_id=instance.pk, comment="同意。")
    instance_approve(actor=edu_approver, instance_id=instance.pk, comment="同意。")
    instance_approve(actor=sector, instance_id=instance.pk, comment="经审核，同意。")
    instance_approve(
        actor=users["wj_performance"], instance_id=instance.pk, comment="绩效目标完整、可衡量。"
    )
    instance_approve(actor=users["wj_budget"], instance_id=instance.pk, comment="同意入库。")
    # R-PJ-11: the stored project is being changed (a draft 项目调整 the school is preparing).
    change_start(
        actor=school_clerk,
        project=approved,
        reason="增加食堂油烟净化设备，调整测算明细（环保检查整改要求）。",
    )

    today = timezone.localdate()
    delegation_create(
        actor=edu_approver,
        delegate=users["edu_reviewer"],
        starts_on=today,
        ends_on=today + dt.timedelta(days=6),
        reason="赴省厅培训一周，期间审批由复核岗代理",
    )
    return Project.objects.filter(mof_div_code=regions[0]).count()

"""Declarations with what they need before they are sent up: used by the demo and by tests."""

from __future__ import annotations

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from yusuan.identity.models import User
from yusuan.projects import rules
from yusuan.projects.choices import BasisKind
from yusuan.projects.models import Project
from yusuan.projects.services.content import (
    project_add_document,
    project_set_calculation,
    project_set_goal,
    project_set_plans,
)


def _pdf(text: str) -> bytes:
    """A one-page PDF saying ``text`` (a stand-in for the scanned policy document)."""
    stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


def complete_declaration(
    clerk: User, project: Project, *, beneficiaries: str = "在校学生"
) -> Project:
    """What a declaration needs before it is sent up (R-PJ-3, R-PJ-9, R-PJ-2): the plan, the
    calculation, the policy basis and a goal with 产出, 效益 and 满意度 indicators."""
    years = list(range(project.start_year, project.end_year + 1))
    share = project.total_amount_fen // len(years)
    plans = {y: share for y in years}
    plans[years[-1]] += project.total_amount_fen - share * len(years)
    project_set_plans(
        actor=clerk, project=project, rows=[rules.PlanRow(y, "111", f) for y, f in plans.items()]
    )
    year = project.budget_year
    total = plans[year]
    equipment = total * 7 // 10 // 100 * 100
    project_set_calculation(
        actor=clerk,
        project=project,
        rows=[
            rules.CalcRow(year, "设备购置", "31002", equipment, Decimal(1), equipment, unit="批"),
            rules.CalcRow(
                year,
                "安装调试及验收",
                "30299",
                total - equipment,
                Decimal(1),
                total - equipment,
                unit="项",
            ),
        ],
    )
    project_add_document(
        actor=clerk,
        project=project,
        kind=BasisKind.POLICY,
        doc_no="吴教发〔2026〕12号",
        title="关于印发《吴江区教育事业发展“十五五”规划》的通知",
        upload=SimpleUploadedFile(
            "规划通知.pdf", _pdf("Wujiang education plan 2026-2030"), "application/pdf"
        ),
    )
    project_set_goal(
        actor=clerk,
        project=project,
        medium_term="三年内全区学校办学条件达到省定标准。",
        goal=rules.GoalFacts(
            annual=f"{project.name}按期完成并投入使用，服务{beneficiaries}。",
            has_beneficiaries=True,
            indicators=[
                rules.IndicatorRow(
                    "output", "quantity", "完成建设（购置）项目数", "gte", "1", "项"
                ),
                rules.IndicatorRow("output", "quality", "验收合格率", "gte", "100", "%"),
                rules.IndicatorRow("output", "timeliness", "完成时间", "lte", "12", "月"),
                rules.IndicatorRow(
                    "benefit", "social", f"受益{beneficiaries}人数", "gte", "800", "人"
                ),
                rules.IndicatorRow(
                    "satisfaction", "served", f"{beneficiaries}满意度", "gte", "90", "%"
                ),
            ],
        ),
    )
    return project

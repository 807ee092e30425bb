"""Declarations with what they need before they are sent up: used by the demo and by tests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from yusuan.common.errors import BusinessRuleError
from yusuan.common.money import Money
from yusuan.core.models import Organisation
from yusuan.identity.models import User
from yusuan.projects import rules
from yusuan.projects.choices import BasisKind
from yusuan.projects.models import (
    BasisDocument,
    CalculationRow,
    GoalIndicator,
    PerformanceGoal,
    Project,
    ProjectPlan,
    ProjectReview,
)
from yusuan.projects.services import ProjectInput, project_create
from yusuan.projects.services.content import (
    project_add_document,
    project_set_calculation,
    project_set_goal,
    project_set_plans,
)
from yusuan.projects.services.library import project_end


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


# --- the library at the seed's scale (issue 17 item 6) -------------------------------------------

# Goal indicators by what a project buys: (level2, name, operator, target, unit) for 产出, then
# the 效益 and 满意度 rows every declared project has.
OUTPUTS: tuple[tuple[str, tuple[tuple[str, str, str, str, str], ...]], ...] = (
    (
        "信息",
        (
            ("quantity", "上线业务系统数", "gte", "2", "个"),
            ("quality", "系统可用率", "gte", "99", "%"),
        ),
    ),
    (
        "设备",
        (
            ("quantity", "购置设备数量", "gte", "40", "台（套）"),
            ("quality", "验收合格率", "eq", "100", "%"),
        ),
    ),
    (
        "工程",
        (
            ("quantity", "改造面积", "gte", "1200", "平方米"),
            ("quality", "工程质量验收合格率", "eq", "100", "%"),
        ),
    ),
    (
        "会议",
        (
            ("quantity", "举办会议及宣传活动", "gte", "6", "场"),
            ("cost", "人均会议费", "lte", "550", "元"),
        ),
    ),
    (
        "劳务",
        (
            ("quantity", "专家咨询人次", "gte", "30", "人次"),
            ("quality", "咨询意见采纳率", "gte", "80", "%"),
        ),
    ),
    (
        "物业",
        (
            ("quantity", "物业服务面积", "gte", "8000", "平方米"),
            ("quality", "服务考核合格率", "gte", "95", "%"),
        ),
    ),
    (
        "材料",
        (
            ("quantity", "专用材料采购批次", "gte", "4", "批"),
            ("quality", "材料抽检合格率", "eq", "100", "%"),
        ),
    ),
    (
        "",
        (
            ("quantity", "完成年度工作任务", "gte", "100", "%"),
            ("quality", "任务完成质量达标率", "gte", "95", "%"),
        ),
    ),
)
BENEFITS = (
    ("social", "服务对象覆盖率", "gte", "90", "%"),
    ("sustainable", "长效管理机制", "qualitative", "建立并持续运行", ""),
    ("economic", "节约运行成本", "gte", "5", "%"),
)
RESERVE_ROWS = (("31002", "设备购置", 6, "台（套）"), ("30299", "安装调试及验收", 4, "项"))


def _quantity(fen: int) -> tuple[Decimal, int, str]:
    """A plausible quantity and unit price that multiply to ``fen`` exactly."""
    for quantity, unit in ((12, "月"), (10, "批"), (6, "项"), (4, "季"), (3, "批"), (2, "批")):
        if fen % quantity == 0 and fen // quantity >= 10_000:
            return Decimal(quantity), fen // quantity, unit
    return Decimal(1), fen, "项"


def _plan_by_year(project: Project, this_year: int, this_year_fen: int) -> dict[int, int]:
    """The year's money on ``this_year`` (what its lines hold), the rest of the total spread
    over the other years (R-PJ-3: Σ = total)."""
    years = list(range(project.start_year, project.end_year + 1))
    if len(years) == 1:
        return {years[0]: project.total_amount_fen}
    others = [y for y in years if y != this_year]
    if this_year not in years or this_year_fen >= project.total_amount_fen:
        share = project.total_amount_fen // len(years) // 100 * 100
        plan = {y: share for y in years}
    else:
        rest = project.total_amount_fen - this_year_fen
        share = rest // len(others) // 100 * 100
        plan = {y: share for y in others}
        plan[this_year] = this_year_fen
    plan[years[-1]] += project.total_amount_fen - sum(plan.values())
    return plan


def fill_library(
    rng: Any,
    entries: list[tuple[Project, list[tuple[str, str, int]]]],
    *,
    year: int,
    added_by: Any,
    appraiser: Any,
) -> int:
    """What a real library holds for the demo's projects, written in bulk (a demo load, not a
    clerk's work): plans by year (R-PJ-3), 测算明细 from the lines each project funds (or a
    template for 储备 projects), the policy basis, goals with 产出/效益/满意度 (R-PF-5),
    appraisals of the large ones (R-PJ-9) and each department's ranking of what waits in the
    library (R-PJ-6). ``entries``: (project, [(economic code, summary, fen)] funded this year)."""
    plans: list[Any] = []
    rows: list[Any] = []
    documents: list[Any] = []
    goals: list[tuple[Any, list[Any]]] = []
    reviews: list[Any] = []
    for project, lines in entries:
        funded = sum(fen for _eco, _summary, fen in lines)
        by_year = _plan_by_year(project, year, funded)
        plans += [
            ProjectPlan(project=project, year=y, fund_type=project.fund_type, amount_fen=fen)
            for y, fen in by_year.items()
        ]
        if project.category in ("1", "21"):
            continue  # computed from the personnel database and quotas (R-PJ-8)
        ask = year if year in by_year else project.budget_year
        if lines and ask == year:
            detail = [(eco, summary, fen) for eco, summary, fen in lines]
            left = by_year[ask] - funded
            if left > 0:
                detail.append(("30299", "其他支出（按实施方案测算）", left))
        else:
            amount = by_year.get(ask, project.total_amount_fen)
            first = amount * 6 // 10 // 100 * 100
            detail = [
                (RESERVE_ROWS[0][0], RESERVE_ROWS[0][1], first),
                (RESERVE_ROWS[1][0], RESERVE_ROWS[1][1], amount - first),
            ]
        for position, (eco, summary, fen) in enumerate(detail, start=1):
            quantity, price, unit = _quantity(fen)
            rows.append(
                CalculationRow(
                    project=project,
                    position=position,
                    year=ask,
                    content=summary,
                    economic_code=eco,
                    unit_price_fen=price,
                    quantity=quantity,
                    unit=unit,
                    amount_fen=fen,
                )
            )
        documents.append(
            BasisDocument(
                project=project,
                kind="policy",
                doc_no=f"吴政办发〔{project.fiscal_year}〕{rng.randint(10, 180)}号",
                title=f"关于{project.name}的批复",
                added_by=added_by,
            )
        )
        outputs = next(o for key, o in OUTPUTS if key in project.name)
        indicators = [
            GoalIndicator(
                position=i + 1, level1="output", level2=l2, name=n, operator=op, target=t, unit=u
            )
            for i, (l2, n, op, t, u) in enumerate(outputs)
        ]
        l2, n, op, t, u = rng.choice(BENEFITS)
        indicators.append(
            GoalIndicator(
                position=len(indicators) + 1,
                level1="benefit",
                level2=l2,
                name=n,
                operator=op,
                target=t,
                unit=u,
            )
        )
        indicators.append(
            GoalIndicator(
                position=len(indicators) + 1,
                level1="satisfaction",
                level2="served",
                name="服务对象满意度",
                operator="gte",
                target=str(rng.choice((85, 90, 95))),
                unit="%",
            )
        )
        goals.append(
            (
                PerformanceGoal(
                    project=project,
                    annual=f"{project.name}按计划实施，年度任务全部完成。",
                    medium_term="项目实施期内各项产出和效益指标全部达到。",
                    has_beneficiaries=True,
                ),
                indicators,
            )
        )
        if project.total_amount_fen >= 200_000_000 or "工程" in project.name:
            approved = project.total_amount_fen * rng.choice((85, 90, 95, 100)) // 100 // 100 * 100
            reviews.append(
                ProjectReview(
                    project=project,
                    kind="appraisal",
                    conclusion="support" if approved == project.total_amount_fen else "revise",
                    experts=[
                        {"expert": name, "score": rng.randint(72, 93), "opinion": ""}
                        for name in ("张建国", "李慧", "王立新")
                    ],
                    score=Decimal(rng.randint(7500, 9000)) / 100,
                    approved_amount_fen=approved,
                    opinion="经评审，项目必要，测算基本合理。",
                    reviewer=appraiser,
                )
            )
    ProjectPlan.objects.bulk_create(plans, batch_size=2000)
    CalculationRow.objects.bulk_create(rows, batch_size=2000)
    BasisDocument.objects.bulk_create(documents, batch_size=2000)
    saved = PerformanceGoal.objects.bulk_create([g for g, _ in goals], batch_size=2000)
    GoalIndicator.objects.bulk_create(
        [
            GoalIndicator(goal=goal, **{f: getattr(i, f) for f in INDICATOR_FIELDS})
            for goal, (_g, items) in zip(saved, goals, strict=True)
            for i in items
        ],
        batch_size=4000,
    )
    ProjectReview.objects.bulk_create(reviews, batch_size=2000)
    for review in reviews:
        Project.objects.filter(pk=review.project_id).update(
            approved_amount_fen=review.approved_amount_fen
        )
    return len(entries)


INDICATOR_FIELDS = ("position", "level1", "level2", "name", "operator", "target", "unit")


def rank_library(rng: Any, *, mof_div_code: str) -> int:
    """R-PJ-6: each department's stored projects in an order (the demo's departments have
    ranked what waits for next year's money)."""
    ranked = 0
    stored = list(
        Project.objects.filter(
            mof_div_code=mof_div_code, state="stored", category__in=("22", "3")
        ).select_related("organisation")
    )
    departments = {
        o.pk: o for o in Organisation.objects.filter(mof_div_code=mof_div_code, kind="department")
    }
    by_department: dict[tuple[int, int], list[Project]] = {}
    for project in stored:
        head = next(
            (
                int(pk)
                for pk in project.organisation.path.strip("/").split("/")
                if int(pk) in departments
            ),
            None,
        )
        if head is not None:
            by_department.setdefault((head, project.budget_year), []).append(project)
    for group in by_department.values():
        rng.shuffle(group)
        for place, project in enumerate(group, start=1):
            project.rank = place
        Project.objects.bulk_update(group, ["rank"])
        ranked += len(group)
    return ranked


ENDINGS = (
    # (clerk, ending, states it picks from, reason): the demo units' own clerks end a few of
    # their projects, so the library shows every state a project reaches in the first year.
    ("school_clerk", "complete", ("carried_over",), "上年结转项目已按计划实施完毕，验收合格。"),
    ("hospital_clerk", "complete", ("budgeted", "carried_over"), "项目已完成并通过验收。"),
    ("health_clerk", "terminate", ("stored",), "政策调整，项目不再实施（R-PJ-4），退出项目库。"),
)


def end_some(*, mof_div_code: str, year: int) -> int:
    """Complete and terminate a project each (R-PJ-4) through ``project_end``, which asks the
    ledger first (``projects.hooks``): a project the ledger still holds money for is passed over
    for the next one, as a clerk would; and void a declaration entered twice by mistake.
    Returns how many ended."""
    clerks = {
        u.username: u
        for u in User.objects.filter(username__in={name for name, *_ in ENDINGS} | {"school_clerk"})
    }
    ended = 0
    for name, ending, states, reason in ENDINGS:
        clerk = clerks.get(name)
        if clerk is None:
            continue
        candidates = (
            Project.objects.visible_to(clerk)
            .filter(
                mof_div_code=mof_div_code,
                state__in=states,
                category__in=("22", "3"),
            )
            .order_by("fiscal_year", "code")
        )
        for project in candidates:
            try:
                project_end(actor=clerk, project=project, ending=ending, reason=reason)
            except BusinessRuleError:
                continue  # money in flight or a change open: not this one
            ended += 1
            break
    clerk = clerks.get("school_clerk")
    if clerk is not None:
        twice = project_create(
            actor=clerk,
            organisation=clerk.organisation,
            fiscal_year=year,
            data=ProjectInput(
                name="教室照明节能改造（重复录入）",
                category="3",
                kind="new",
                start_year=year + 1,
                end_year=year + 1,
                total_amount=Money.from_yuan(420_000),
                fund_type="111",
            ),
        )
        project_end(actor=clerk, project=twice, ending="void", reason="重复录入，作废。")
        ended += 1
    return ended

"""Budget preparation pages (issue 18): the round with its calendar and every department's
progress; a unit's draft with each line's figures stage by stage (R-BP-9), its review findings
beside the lines and the errors a submission would meet; finance's control numbers (R-BP-1,
R-PJ-6); the 批复 and its one-click indicators (R-BP-12). Another unit's draft is a 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yusuan.budgeting import selectors
from yusuan.budgeting.choices import (
    ControlState,
    DraftState,
    Part,
    ReplyState,
    RevenueKind,
    Side,
    Stage,
)
from yusuan.budgeting.models import BudgetDraft, BudgetLine, ControlIssue
from yusuan.budgeting.rules import FUND_NAMES
from yusuan.budgeting.services import control as control_service
from yusuan.budgeting.services import drafts as draft_service
from yusuan.budgeting.services import generate as generate_service
from yusuan.budgeting.services import reply as reply_service
from yusuan.budgeting.services import rounds as round_service
from yusuan.budgeting.workflow import DRAFT_TYPE, REPLY_TYPE
from yusuan.common.errors import BusinessRuleError, NotFoundError
from yusuan.common.money import Money, MoneyParseError
from yusuan.common.web import flash_business_errors, parse_date
from yusuan.core.choices import OrganisationKind
from yusuan.core.models import Organisation
from yusuan.projects.models import Project
from yusuan.workflow import selectors as workflow_selectors
from yusuan.workflow.services import document_submit

VIEW = "budgeting.view_budgetround"


def _actor(request: HttpRequest) -> Any:
    """The signed-in user as the services' actor (``login_required`` ran first)."""
    return request.user


def _reraise_not_found(exc: BusinessRuleError) -> None:
    """Another scope's object is a 404, never a flashed message and a redirect."""
    if isinstance(exc, NotFoundError):
        raise Http404 from exc


def _money(raw: str, field: str) -> Money:
    try:
        return Money.parse(raw.strip() or "0")
    except MoneyParseError as exc:
        raise BusinessRuleError.single(
            code="budgeting.bad_amount",
            field=field,
            value=raw[:40],
            message_zh=f"金额“{raw[:40]}”无效（{exc}）",
            message_en=f"'{raw[:40]}' is not an amount ({exc})",
        ) from exc


def _int(raw: str) -> int | None:
    raw = raw.strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else None


def _submitted(request: HttpRequest, document_type: str, pk: int) -> None:
    try:
        instance = document_submit(
            actor=_actor(request), document_type=document_type, object_id=str(pk)
        )
    except BusinessRuleError as exc:
        _reraise_not_found(exc)
        flash_business_errors(request, exc)
    else:
        step = instance.current_step or {}
        messages.success(
            request,
            _("Submitted. Waiting at: %(where)s")
            % {"where": f"{step.get('organisation_name', '')} · {step.get('name', '')}"},
        )


# --- the round --------------------------------------------------------------------------------


@login_required
@permission_required(VIEW, raise_exception=True)
def overview(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    found = list(selectors.rounds(actor))
    wanted = _int(request.GET.get("round", ""))
    budget_round = next((r for r in found if r.pk == wanted), found[0] if found else None)
    context: dict[str, Any] = {
        "rounds": found,
        "round": budget_round,
        "today": timezone.localdate(),
    }
    if budget_round is not None:
        context["progress"] = selectors.progress(actor, budget_round)
        if actor.has_perm("budgeting.issue_control"):
            plan = control_service.revenue_plan(budget_round)
            issued = control_service.issued_totals(budget_round)
            context["plan"] = [
                (
                    fund,
                    FUND_NAMES[fund],
                    plan.get(fund),
                    issued.get(fund, 0),
                    plan[fund] - issued.get(fund, 0) if fund in plan else None,
                )
                for fund in ("111", "211", "311")
            ]
        context["breaches"] = selectors.breaches(actor, budget_round, timezone.localdate())
        context["compare"] = selectors.compare(budget_round, actor=actor)
        # A department's units stage by stage (一上 vs 一下 vs 二上 vs 批复): its consolidation.
        wanted_department = _int(request.GET.get("department", ""))
        department = (
            Organisation.objects.visible_to(actor)
            .filter(pk=wanted_department or 0, kind=OrganisationKind.DEPARTMENT)
            .first()
        )
        if (
            department is None
            and getattr(actor.organisation, "kind", "") == OrganisationKind.DEPARTMENT
        ):
            department = actor.organisation
        if department is not None:
            context["department"] = department
            context["units_compare"] = selectors.compare(
                budget_round, actor=actor, department=department
            )
        context["own_drafts"] = list(
            BudgetDraft.objects.visible_to(actor)
            .filter(round=budget_round, organisation_id=actor.organisation_id)
            .order_by("stage")
        )
        context["may_prepare"] = actor.has_perm("budgeting.prepare_budget") and getattr(
            actor.organisation, "kind", ""
        ) in (OrganisationKind.DEPARTMENT, OrganisationKind.UNIT)
        context["units"] = (
            Organisation.objects.visible_to(actor)
            .filter(kind__in=(OrganisationKind.DEPARTMENT, OrganisationKind.UNIT))
            .order_by("path")
            if context["may_prepare"]
            else []
        )
    context["may_manage"] = actor.has_perm("budgeting.manage_round")
    context["may_control"] = actor.has_perm("budgeting.issue_control")
    context["may_reply"] = actor.has_perm("budgeting.reply_budget")
    return render(request, "budgeting/overview.html", context)


@require_POST
@login_required
@permission_required("budgeting.manage_round", raise_exception=True)
def round_open_view(request: HttpRequest) -> HttpResponse:
    post = request.POST
    year = _int(post.get("fiscal_year", ""))
    dates: dict[str, Any] = {
        name: parse_date(post.get(name, ""))
        for name in ("apply_1_due", "control_due", "apply_2_due", "congress_due")
    }
    missing = [name for name, value in dates.items() if value is None]
    if year is None or missing:
        messages.error(
            request, _("Give the budget year and every date of the calendar (YYYY-MM-DD).")
        )
        return redirect("budgeting:overview")
    try:
        budget_round = round_service.round_open(
            actor=_actor(request),
            data=round_service.RoundInput(
                fiscal_year=year,
                name=post.get("name", ""),
                **dates,
            ),
        )
    except BusinessRuleError as exc:
        _reraise_not_found(exc)
        flash_business_errors(request, exc)
        return redirect("budgeting:overview")
    return redirect(f"/budgeting/?round={budget_round.pk}")


@require_POST
@login_required
@permission_required("budgeting.manage_round", raise_exception=True)
def congress_view(request: HttpRequest, pk: int) -> HttpResponse:
    day = parse_date(request.POST.get("congress_date", ""))
    if day is None:
        messages.error(request, _("Give the date of the people's congress approval (YYYY-MM-DD)."))
    else:
        try:
            round_service.congress_record(
                actor=_actor(request),
                round_id=pk,
                decision_no=request.POST.get("decision_no", ""),
                decision_date=day,
            )
        except BusinessRuleError as exc:
            _reraise_not_found(exc)
            flash_business_errors(request, exc)
    return redirect(f"/budgeting/?round={pk}")


# --- drafts ----------------------------------------------------------------------------------


@require_POST
@login_required
@permission_required("budgeting.prepare_budget", raise_exception=True)
def draft_start_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        draft = draft_service.draft_start(
            actor=_actor(request),
            round_id=pk,
            stage=request.POST.get("stage", ""),
            organisation_id=_int(request.POST.get("organisation", "")),
        )
    except BusinessRuleError as exc:
        _reraise_not_found(exc)
        flash_business_errors(request, exc)
        return redirect(f"/budgeting/?round={pk}")
    return redirect("budgeting:draft_detail", pk=draft.pk)


def _line_input(post: Any) -> draft_service.LineInput:
    side = post.get("side", Side.EXPENDITURE)
    return draft_service.LineInput(
        side=side,
        amount=_money(post.get("amount", ""), "amount"),
        revenue_kind=post.get("revenue_kind", ""),
        part=Part.PROJECT,
        project_id=_int(post.get("project", "")),
        exp_func_code=post.get("exp_func_code", "").strip()[:16],
        dep_bgt_eco_code=post.get("dep_bgt_eco_code", "").strip()[:16],
        fund_type_code=post.get("fund_type_code", "").strip()[:8],
        carry_over=post.get("carry_over") == "on",
        is_gov_pur=post.get("is_gov_pur") == "on",
        pur_item=post.get("pur_item", "").strip()[:40],
        is_gov_service=post.get("is_gov_service") == "on",
        service_item=post.get("service_item", "").strip()[:16],
        is_asset=post.get("is_asset") == "on",
        people=_int(post.get("people", "")),
        days=_int(post.get("days", "")),
        standard_fen=_money(post.get("standard", ""), "standard").fen or None,
        summary=post.get("summary", "").strip()[:200],
    )


@login_required
@permission_required(VIEW, raise_exception=True)
def draft_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    draft = selectors.access_draft(actor, pk)
    check = draft_service.draft_check(draft)
    language = get_language()
    rows = selectors.line_rows(selectors.draft_lines(draft), check.findings)
    approval = workflow_selectors.document_approval(
        actor=actor, document_type=DRAFT_TYPE, document=draft
    )
    editable = draft.state == DraftState.DRAFT and actor.has_perm("budgeting.prepare_budget")
    edit_line = None
    if editable and (wanted := _int(request.GET.get("line", ""))) is not None:
        edit_line = next(
            (r.line for r in rows if r.line.pk == wanted and not r.line.computed), None
        )
    return render(
        request,
        "budgeting/draft.html",
        {
            "draft": draft,
            "expenditure": [
                r for r in rows if r.line.side == Side.EXPENDITURE and not r.line.removed
            ],
            "revenue": [r for r in rows if r.line.side == Side.REVENUE and not r.line.removed],
            "removed": [r for r in rows if r.line.removed],
            "stages": [
                (Stage.APPLY_1, _("一上 (yuan)")),
                (Stage.CONTROL, _("一下 (yuan)")),
                (Stage.APPLY_2, _("二上 (yuan)")),
                (Stage.APPROVED, _("批复 (yuan)")),
            ],
            "errors": [e.message(language) + f" [{e.rule or e.code}]" for e in check.errors],
            "findings": [f for f in check.findings if f.position is None],
            "approval": approval,
            "latest": approval.latest,
            "editable": editable,
            "edit_line": edit_line,
            "projects": Project.objects.filter(
                organisation=draft.organisation, state__in=("stored", "budgeted")
            )
            .exclude(category__in=("1", "21"))
            .order_by("rank", "code"),
            "revenue_kinds": [
                (k, RevenueKind(k).label) for k in RevenueKind.values if k != RevenueKind.FISCAL
            ],
            "funds": sorted(FUND_NAMES.items()),
            "totals": _totals(rows),
        },
    )


def _totals(rows: list[selectors.LineRow]) -> dict[str, int]:
    totals = {"revenue": 0, "expenditure": 0}
    for row in rows:
        if not row.line.removed:
            totals[row.line.side] += row.line.amount_fen
    return totals


@require_POST
@login_required
@permission_required("budgeting.prepare_budget", raise_exception=True)
def line_save_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        draft_service.line_save(
            actor=_actor(request),
            draft_id=pk,
            line_id=request.POST.get("line") or None,
            data=_line_input(request.POST),
        )
    except BusinessRuleError as exc:
        _reraise_not_found(exc)
        flash_business_errors(request, exc)
    else:
        messages.success(request, _("Line saved."))
    return redirect("budgeting:draft_detail", pk=pk)


@require_POST
@login_required
@permission_required("budgeting.prepare_budget", raise_exception=True)
def line_remove_view(request: HttpRequest, pk: int, line_id: int) -> HttpResponse:
    try:
        draft_service.line_remove(actor=_actor(request), draft_id=pk, line_id=line_id)
    except BusinessRuleError as exc:
        _reraise_not_found(exc)
        flash_business_errors(request, exc)
    return redirect("budgeting:draft_detail", pk=pk)


@require_POST
@login_required
@permission_required("budgeting.prepare_budget", raise_exception=True)
def draft_submit_view(request: HttpRequest, pk: int) -> HttpResponse:
    draft = selectors.access_draft(_actor(request), pk)
    _submitted(request, DRAFT_TYPE, draft.pk)
    return redirect("budgeting:draft_detail", pk=draft.pk)


# --- control numbers (一下) ----------------------------------------------------------------------


@login_required
@permission_required(VIEW, raise_exception=True)
def control_detail(request: HttpRequest, pk: int, department_id: int) -> HttpResponse:
    actor: Any = request.user
    budget_round = selectors.access_round(actor, pk)
    department = (
        Organisation.objects.visible_to(actor)
        .filter(pk=department_id, kind=OrganisationKind.DEPARTMENT)
        .first()
    )
    if department is None:
        raise Http404
    issue = ControlIssue.objects.filter(round=budget_round, department=department).first()
    lines = list(
        BudgetLine.objects.filter(
            round=budget_round, department=department, side=Side.EXPENDITURE, removed=False
        )
        .select_related("organisation", "project")
        .order_by("project__rank", "organisation__path", "position")
    )
    rows = selectors.line_rows(lines)
    figures = dict(issue.lines.values_list("line_id", "amount_fen")) if issue else {}
    numbers = (
        {(n.fund_type_code, n.part): n.amount_fen for n in issue.numbers.all()} if issue else {}
    )
    sums: dict[tuple[str, str], dict[str, int]] = {}
    for row in rows:
        key = (row.line.fund_type_code, row.line.part)
        entry = sums.setdefault(key, {"apply_1": 0, "apply_2": 0, "working": 0})
        entry["apply_1"] += row.figures.get(Stage.APPLY_1, 0)
        entry["apply_2"] += row.figures.get(Stage.APPLY_2, 0)
        entry["working"] += row.line.amount_fen
    return render(
        request,
        "budgeting/control.html",
        {
            "round": budget_round,
            "department": department,
            "issue": issue,
            "rows": [(r, figures.get(r.line.pk)) for r in rows if r.line.part == Part.PROJECT],
            "numbers": [
                (
                    fund,
                    part,
                    FUND_NAMES[fund],
                    Part(part).label,
                    numbers.get((fund, part)),
                    sums.get((fund, part), {}),
                )
                for fund in ("111", "211", "311")
                for part in (Part.BASIC, Part.PROJECT)
            ],
            "may_edit": actor.has_perm("budgeting.issue_control")
            and (issue is None or issue.state == ControlState.DRAFT),
        },
    )


@require_POST
@login_required
@permission_required("budgeting.issue_control", raise_exception=True)
def control_save_view(request: HttpRequest, pk: int, department_id: int) -> HttpResponse:
    post = request.POST
    try:
        numbers = [
            control_service.NumberInput(
                fund, part, _money(post.get(f"n_{fund}_{part}", ""), f"n_{fund}_{part}")
            )
            for fund in ("111", "211", "311")
            for part in (Part.BASIC, Part.PROJECT)
            if post.get(f"n_{fund}_{part}", "").strip()
        ]
        figures = {
            int(name[2:]): _money(str(value), name)
            for name, value in post.items()
            if name.startswith("f_")
            and name[2:].isascii()
            and name[2:].isdigit()
            and str(value).strip()
        }
        control_service.control_save(
            actor=_actor(request),
            round_id=pk,
            department_id=department_id,
            numbers=numbers,
            figures=figures or None,
            doc_no=post.get("doc_no", ""),
        )
        if post.get("action") == "fill":
            issue = ControlIssue.objects.get(round_id=pk, department_id=department_id)
            control_service.control_fill_in_rank_order(actor=_actor(request), issue_id=issue.pk)
    except BusinessRuleError as exc:
        _reraise_not_found(exc)
        flash_business_errors(request, exc)
    else:
        messages.success(request, _("Control numbers saved."))
    return redirect("budgeting:control_detail", pk=pk, department_id=department_id)


@require_POST
@login_required
@permission_required("budgeting.issue_control", raise_exception=True)
def control_issue_view(request: HttpRequest, pk: int, department_id: int) -> HttpResponse:
    issue = (
        ControlIssue.objects.visible_to(_actor(request))
        .filter(round_id=pk, department_id=department_id)
        .first()
    )
    try:
        if issue is None:
            raise Http404
        control_service.control_issue(actor=_actor(request), issue_id=issue.pk)
    except BusinessRuleError as exc:
        _reraise_not_found(exc)
        flash_business_errors(request, exc)
    else:
        messages.success(request, _("Control numbers issued."))
    return redirect("budgeting:control_detail", pk=pk, department_id=department_id)


# --- 批复 ----------------------------------------------------------------------------------------


@require_POST
@login_required
@permission_required("budgeting.reply_budget", raise_exception=True)
def reply_create_view(request: HttpRequest, pk: int, department_id: int) -> HttpResponse:
    try:
        reply = reply_service.reply_create(
            actor=_actor(request),
            round_id=pk,
            department_id=department_id,
            doc_no=request.POST.get("doc_no", ""),
            title=request.POST.get("title", ""),
        )
    except BusinessRuleError as exc:
        _reraise_not_found(exc)
        flash_business_errors(request, exc)
        return redirect(f"/budgeting/?round={pk}")
    return redirect("budgeting:reply_detail", pk=reply.pk)


@login_required
@permission_required(VIEW, raise_exception=True)
def reply_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    reply = selectors.access_reply(actor, pk)
    approval = workflow_selectors.document_approval(
        actor=actor, document_type=REPLY_TYPE, document=reply
    )
    lines = list(
        reply.lines.select_related("line", "line__organisation", "line__project").order_by(
            "line__organisation__path", "line__position"
        )
    )
    rows = selectors.line_rows([x.line for x in lines])
    figures = {x.line_id: x.amount_fen for x in lines}
    return render(
        request,
        "budgeting/reply.html",
        {
            "reply": reply,
            "rows": [(r, figures[r.line.pk]) for r in rows],
            "total": sum(figures.values()),
            "generated": list(selectors.generated(reply)),
            "approval": approval,
            "latest": approval.latest,
            "may_edit": reply.state == ReplyState.DRAFT
            and actor.has_perm("budgeting.reply_budget"),
            "may_record_units": reply.state == ReplyState.APPROVED
            and reply.units_replied_on is None
            and actor.organisation_id == reply.organisation_id
            and actor.has_perm("budgeting.prepare_budget"),
            "may_generate": reply.state == ReplyState.APPROVED
            and reply.generated_at is None
            and actor.has_perm("budgeting.reply_budget"),
        },
    )


@require_POST
@login_required
@permission_required("budgeting.reply_budget", raise_exception=True)
def reply_submit_view(request: HttpRequest, pk: int) -> HttpResponse:
    reply = selectors.access_reply(_actor(request), pk)
    _submitted(request, REPLY_TYPE, reply.pk)
    return redirect("budgeting:reply_detail", pk=reply.pk)


@require_POST
@login_required
@permission_required("budgeting.reply_budget", raise_exception=True)
def reply_generate_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        outcome = generate_service.reply_generate(actor=_actor(request), reply_id=pk)
    except BusinessRuleError as exc:
        _reraise_not_found(exc)
        flash_business_errors(request, exc)
    else:
        if outcome.created:
            messages.success(
                request,
                _("%(n)s indicators generated in %(docs)s.")
                % {"n": outcome.created, "docs": "、".join(outcome.documents)},
            )
        else:
            messages.info(request, _("Already generated: nothing new was created (R-BP-12)."))
    return redirect("budgeting:reply_detail", pk=pk)


@require_POST
@login_required
@permission_required("budgeting.reply_budget", raise_exception=True)
def reply_line_view(request: HttpRequest, pk: int, line_id: int) -> HttpResponse:
    try:
        reply_service.reply_line_set(
            actor=_actor(request),
            reply_id=pk,
            line_id=line_id,
            amount=_money(request.POST.get("amount", ""), "amount"),
        )
    except BusinessRuleError as exc:
        _reraise_not_found(exc)
        flash_business_errors(request, exc)
    return redirect("budgeting:reply_detail", pk=pk)


@require_POST
@login_required
@permission_required("budgeting.prepare_budget", raise_exception=True)
def reply_units_view(request: HttpRequest, pk: int) -> HttpResponse:
    """R-BP-7: the department records when it passed the 批复 on to its units."""
    selectors.access_reply(_actor(request), pk)  # another department's 批复: a 404
    day = parse_date(request.POST.get("units_replied_on", ""))
    if day is None:
        messages.error(request, _("Give the date (YYYY-MM-DD)."))
        return redirect("budgeting:reply_detail", pk=pk)
    try:
        reply_service.reply_units_record(actor=_actor(request), reply_id=pk, replied_on=day)
    except BusinessRuleError as exc:
        _reraise_not_found(exc)
        flash_business_errors(request, exc)
    else:
        messages.success(request, _("Recorded."))
    return redirect("budgeting:reply_detail", pk=pk)


@require_POST
@login_required
@permission_required("budgeting.issue_control", raise_exception=True)
def revenue_plan_view(request: HttpRequest, pk: int) -> HttpResponse:
    """可用财力: the district's available revenue by fund type, before the control numbers."""
    post = request.POST
    try:
        figures = {
            fund: _money(post.get(f"plan_{fund}", ""), f"plan_{fund}")
            for fund in ("111", "211", "311")
            if post.get(f"plan_{fund}", "").strip()
        }
        control_service.revenue_plan_set(
            actor=_actor(request), round_id=pk, figures=figures, note=post.get("note", "")
        )
    except BusinessRuleError as exc:
        _reraise_not_found(exc)
        flash_business_errors(request, exc)
    else:
        messages.success(request, _("Available revenue saved."))
    return redirect(f"/budgeting/?round={pk}")

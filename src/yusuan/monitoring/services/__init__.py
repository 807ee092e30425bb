"""Monitoring before the voucher (事中, DOMAIN §3.9): payments' release check (ADR 0025), the review
of warnings (R-MO-14) and each region's levels and thresholds (R-MO-14).

When a request is fully approved, payments runs its release checks (``payments.hooks``) in the
approval's transaction; :class:`MonitoringCheck` runs the rules (``yusuan.monitoring.rules``) on
the request's facts, with the region's levels and thresholds (:func:`thresholds`, data held in
``RuleSettings``), and keeps what they found. Payments acts on the outcome: a block releases the
frozen money and sends the request back for revision, a warning waits for the unit's written
explanation (:func:`request_explain`), a pass issues the voucher.

R-MO-14 (DOMAIN-2 C6, the flow of DOMAIN §2.12): the unit's explanation clears yellow and blue
findings (生成 → 已说明) and the voucher is issued; red and orange findings go to 核实 and the
voucher stays held until the finance monitoring officer (监控岗) or the supervising division —
never anyone of the entering unit — decides each (:func:`finding_decide`): 认定正常 (once none is
left open, the voucher is issued) or 整改 (the frozen money is released and the request goes back
to the unit, as a block does). Every transition writes its audit record in its transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yusuan.audit.services import audit_record
from yusuan.budgeting.rules import THREE_PUBLIC_CODES
from yusuan.common.actor import Actor, ensure_in_scope, ensure_permission
from yusuan.common.errors import BusinessRuleError, ErrorDetail, NotFoundError, raise_if_any
from yusuan.common.worklist import ROUTINE, URGENT, WorkItem
from yusuan.core.choices import OrganisationKind
from yusuan.core.models import BankAccount, Organisation, Payee
from yusuan.indicators.models import IndicatorLine
from yusuan.monitoring import catalogue, rules
from yusuan.monitoring.models import FindingStatus, MonitoringFinding, RuleSettings
from yusuan.payments.choices import RequestState, SettlementMode
from yusuan.payments.hooks import Finding, Outcome
from yusuan.payments.models import PaymentLine, PaymentRequest
from yusuan.payments.services.requests import loaded, locked_request, release, set_state
from yusuan.payments.services.vouchers import issue_voucher
from yusuan.personnel.choices import PersonState
from yusuan.personnel.models import Person
from yusuan.workflow.models import WorkflowInstance

# What the request page and API show of a finding (``payments.hooks.Finding``; the last, the
# status's label, is not a column).
SHOWN = [field.name for field in dataclasses.fields(Finding)]
assert SHOWN[-1] == "status_label"

# Requests whose cash counts toward the month and year limits of R-MO-2.
CASH_COUNTED = (
    RequestState.VOUCHER_ISSUED,
    RequestState.AT_BANK,
    RequestState.PAID,
    RequestState.CLEARED,
)


THRESHOLD_FIELDS = tuple(
    f.name for f in dataclasses.fields(catalogue.Thresholds) if f.name not in ("levels", "tuning")
)
REVIEW_PERMISSION = "monitoring.review_finding"
SETTINGS_PERMISSION = "monitoring.add_rulesettings"
# R-MO-14: an explanation says what happened; a few characters ("同意", "ok") are refused.
EXPLANATION_MIN = 10


def current_settings(mof_div_code: str) -> RuleSettings | None:
    """The version in force in the region (the highest), or None: the defaults apply."""
    return RuleSettings.objects.filter(mof_div_code=mof_div_code).order_by("-version").first()


def thresholds(mof_div_code: str = "") -> catalogue.Thresholds:
    """The region's levels and thresholds (R-MO-14: data in ``RuleSettings``, not settings); the
    defaults of ``catalogue.Thresholds`` where the region has no version yet."""
    row = current_settings(mof_div_code) if mof_div_code else None
    if row is None:
        return catalogue.Thresholds()
    return catalogue.Thresholds(
        **{name: getattr(row, name) for name in THRESHOLD_FIELDS},
        levels=tuple(sorted({**dict(catalogue.DEFAULT_LEVELS), **row.levels}.items())),
        tuning=dict(row.tuning),
    )


# Requests whose money counts as spent or in flight (R-MO-5, R-MO-7, R-MO-10): not a draft, and
# neither refused, failed nor sent back.
NOT_SPENT = (
    RequestState.DRAFT,
    RequestState.BLOCKED,
    RequestState.FAILED,
    RequestState.REJECTED,
)


def _spent_lines(request: PaymentRequest) -> Any:
    """The unit's other payment lines of the year whose money is spent or in flight."""
    return (
        PaymentLine.objects.filter(
            request__organisation_id=request.organisation_id,
            request__fiscal_year=request.fiscal_year,
        )
        .exclude(request__state__in=NOT_SPENT)
        .exclude(request_id=request.pk)
    )


def _net(lines: Any) -> int:
    return int(lines.aggregate(s=Sum(F("amount") - F("refunded")))["s"] or 0)


def _cash_to_date(request: PaymentRequest) -> tuple[int, int]:
    """R-MO-2: the unit's cash in vouchers this month and this year, before this request."""
    if request.settlement_mode != SettlementMode.CASH:
        return 0, 0
    cash = PaymentRequest.objects.filter(
        organisation_id=request.organisation_id,
        fiscal_year=request.fiscal_year,
        settlement_mode=SettlementMode.CASH,
        state__in=CASH_COUNTED,
    ).exclude(pk=request.pk)
    year = int(cash.aggregate(s=Sum("lines__amount"))["s"] or 0)
    month = cash.filter(pay_date__month=request.pay_date.month)
    return int(month.aggregate(s=Sum("lines__amount"))["s"] or 0), year


def _three_public(
    request: PaymentRequest, lines: Sequence[rules.LineFacts]
) -> dict[str, tuple[int, int]]:
    """R-MO-5: per 三公 category of the request, the unit's budget and what is spent before it."""
    categories = {rules.three_public_category(x) for x in lines} - {""}
    if not categories:
        return {}
    budget = dict(
        IndicatorLine.objects.filter(
            organisation_id=request.organisation_id,
            fiscal_year=request.fiscal_year,
            thr_exp_code__in=categories,
        )
        .values("thr_exp_code")
        .annotate(s=Sum(F("total") - F("allocated")))
        .values_list("thr_exp_code", "s")
    )
    codes = {code: cat for code, cat in THREE_PUBLIC_CODES.items() if cat in categories}
    spent: dict[str, int] = dict.fromkeys(categories, 0)
    for thr, eco, fen in (
        _spent_lines(request)
        .filter(Q(thr_exp_code__in=categories) | Q(dep_bgt_eco_code__in=codes))
        .values("thr_exp_code", "dep_bgt_eco_code")
        .annotate(s=Sum(F("amount") - F("refunded")))
        .values_list("thr_exp_code", "dep_bgt_eco_code", "s")
    ):
        category = thr or codes.get(eco, "")
        if category in spent:
            spent[category] += int(fen or 0)
    return {c: (int(budget.get(c) or 0), spent[c]) for c in categories}


def _payee_history(
    request: PaymentRequest, lines: Sequence[PaymentLine], t: catalogue.Thresholds
) -> dict[str, list[tuple[Any, int]]]:
    """R-MO-7: the unit's earlier requests within the window to payees this one pays an amount
    in the band: (pay date, amount to that payee)."""
    per_payee: dict[str, int] = {}
    for x in lines:
        per_payee[x.payee_account_no] = per_payee.get(x.payee_account_no, 0) + x.amount
    accounts = [a for a, fen in per_payee.items() if a and rules.in_band(fen, t)]
    if not accounts or not t.enabled("R-MO-7"):
        return {}
    days = int(t.param("R-MO-7", "days"))
    since = request.pay_date - dt.timedelta(days=days)
    found: dict[str, list[tuple[Any, int]]] = {}
    for account, day, fen in (
        _spent_lines(request)
        .filter(payee_account_no__in=accounts, request__pay_date__gte=since)
        .filter(request__pay_date__lte=request.pay_date)
        .values("payee_account_no", "request_id", "request__pay_date")
        .annotate(s=Sum("amount"))
        .values_list("payee_account_no", "request__pay_date", "s")
    ):
        found.setdefault(account, []).append((day, int(fen or 0)))
    return found


def _welfare(request: PaymentRequest, lines: Sequence[PaymentLine]) -> dict[str, int]:
    """R-MO-10: this year's 工资总额 paid, 30228 and 30229 before this request, and the staff."""
    codes = {x.dep_bgt_eco_code for x in lines}
    if not codes & {"30228", "30229"}:
        return {}
    sums = dict(
        _spent_lines(request)
        .filter(dep_bgt_eco_code__in=(*catalogue.SALARY_CODES, "30228", "30229"))
        .values("dep_bgt_eco_code")
        .annotate(s=Sum(F("amount") - F("refunded")))
        .values_list("dep_bgt_eco_code", "s")
    )
    staff = (
        Person.objects.filter(
            organisation_id=request.organisation_id, state=PersonState.ACTIVE
        ).count()
        if "30229" in codes
        else 0
    )
    return {
        "salary_paid": sum(int(sums.get(c) or 0) for c in catalogue.SALARY_CODES),
        "union_paid": int(sums.get("30228") or 0),
        "welfare_paid": int(sums.get("30229") or 0),
        "staff_count": staff,
    }


def _line_facts(
    x: PaymentLine, ids: Mapping[int, tuple[str, str]] | None = None
) -> rules.LineFacts:
    id_number, credit_code = (ids or {}).get(x.payee_id or 0, ("", ""))
    return rules.LineFacts(
        row=x.row,
        amount=x.amount,
        dep_bgt_eco_code=x.dep_bgt_eco_code,
        payee_kind=x.payee_kind,
        payee_name=x.payee_name,
        payee_account_no=x.payee_account_no,
        payee_id_number=id_number,
        payee_credit_code=credit_code,
        thr_exp_code=x.thr_exp_code,
        is_dir=x.is_dir,
        summary=x.summary,
    )


def facts(request: PaymentRequest, t: catalogue.Thresholds | None = None) -> rules.RequestFacts:
    """What the before-payment rules look at, read set-wise: each extra query only when a line
    of the request can fire the rule that needs it (a 10,000-line salary sheet reads none)."""
    t = t or thresholds(request.mof_div_code)
    lines = loaded(request).lines
    month_to_date, year_to_date = _cash_to_date(request)
    # Payees' ID numbers and credit codes: for 直达 lines and goods and services to persons.
    wanted = {
        x.payee_id
        for x in lines
        if x.payee_id
        and (x.is_dir or (x.dep_bgt_eco_code.startswith("302") and x.payee_kind == "individual"))
    }
    ids = (
        {
            pk: (id_number, credit_code)
            for pk, id_number, credit_code in Payee.objects.filter(pk__in=wanted).values_list(
                "pk", "id_number", "credit_code"
            )
        }
        if wanted
        else {}
    )
    unit = (
        Organisation.objects.filter(pk=request.organisation_id)
        .values_list("path", flat=True)
        .first()
        or ""
    )
    accounts = {x.payee_account_no for x in lines if x.payee_account_no}
    own = (
        frozenset(
            BankAccount.objects.filter(
                account_no__in=accounts, organisation__path__startswith=unit
            ).values_list("account_no", flat=True)
        )
        if accounts and unit
        else frozenset()
    )
    staff_numbers = {id_number for id_number, _code in ids.values() if id_number}
    staff = (
        frozenset(
            Person.objects.filter(
                organisation_id=request.organisation_id,
                state=PersonState.ACTIVE,
                id_number__in=staff_numbers,
            ).values_list("id_number", flat=True)
        )
        if staff_numbers
        else frozenset()
    )
    line_facts = [_line_facts(x, ids) for x in lines]
    return rules.RequestFacts(
        business_type=request.business_type,
        settlement_mode=request.settlement_mode,
        amount=sum(x.amount for x in lines),
        lines=line_facts,
        cash_month_to_date=month_to_date,
        cash_year_to_date=year_to_date,
        purpose=request.purpose,
        has_contract=request.contract_id is not None,
        pay_date=request.pay_date,
        own_accounts=own,
        staff_ids=staff,
        three_public=_three_public(request, line_facts),
        payee_history=_payee_history(request, lines, t),
        **_welfare(request, lines),
    )


class MonitoringCheck:
    """The monitoring rules as payments' release check (registered by ``MonitoringConfig``)."""

    def run(self, *, actor: Actor, request: PaymentRequest, round_no: int) -> Outcome:
        tuned = thresholds(request.mof_div_code)
        outcome, findings = rules.evaluate(facts(request, tuned), tuned)
        MonitoringFinding.objects.bulk_create(
            MonitoringFinding(
                request=request,
                round=round_no,
                organisation_id=request.organisation_id,
                mof_div_code=request.mof_div_code,
                status=FindingStatus.NOTED
                if f.outcome == catalogue.REMIND
                else FindingStatus.GENERATED,
                **dataclasses.asdict(f),
            )
            for f in findings
        )
        # A reminder is recorded; the voucher goes ahead as on a pass.
        return Outcome(catalogue.PASS if outcome == catalogue.REMIND else outcome)

    def findings(self, request: PaymentRequest) -> list[Finding]:
        labels = dict(FindingStatus.choices)
        rows = MonitoringFinding.objects.filter(request=request).values(*SHOWN[:-1])
        return [Finding(**row, status_label=str(labels.get(row["status"], ""))) for row in rows]


def _meaningful(text: str, *, field: str, rule: str = "R-MO-14") -> list[ErrorDetail]:
    """R-MO-14: a written explanation (or opinion) of at least ``EXPLANATION_MIN`` characters, not
    one character repeated."""
    if len(text) >= EXPLANATION_MIN and len(set(text)) > 2:
        return []
    return [
        ErrorDetail(
            code="monitoring.explanation_required",
            rule=rule,
            field=field,
            value=text,
            limit=f"≥ {EXPLANATION_MIN}",
            message_zh=f"请写明情况说明（至少 {EXPLANATION_MIN} 个字，说明用途与依据）",
            message_en=(
                f"write what happened and why ({EXPLANATION_MIN} characters at least,"
                " purpose and grounds)"
            ),
        )
    ]


def _latest_instance(request: PaymentRequest) -> WorkflowInstance:
    instance = (
        WorkflowInstance.objects.filter(document_type="payments.request", object_id=str(request.pk))
        .order_by("-round")
        .first()
    )
    assert instance is not None  # a warning only follows an approval round
    return instance


def _move(
    *, actor: Actor, finding: MonitoringFinding, status: str, fields: Mapping[str, Any]
) -> None:
    """A finding's transition (R-MO-14) and its audit record, in the caller's transaction."""
    before = finding.status
    finding.status = status
    for name, value in fields.items():
        setattr(finding, name, value)
    finding.save(update_fields=["status", *fields])
    audit_record(
        action=f"monitoring.finding_{status}",
        actor=actor,
        obj=finding,
        changes={"status": [before, status]},
        extra={
            "request": finding.request.number if finding.request else None,
            "rule": finding.rule,
            "level": finding.level,
        },
    )


@transaction.atomic
def request_explain(*, actor: Actor, request_id: int, explanation: str) -> PaymentRequest:
    """The unit's written explanation of the warnings of its request's last round (R-MO-14).
    Yellow and blue are cleared by it; red and orange go to 核实 and the voucher stays held for
    the monitoring officer. Only when nothing is left to review is the voucher issued."""
    ensure_permission(actor, "payments.change_paymentrequest")
    request = locked_request(actor, request_id)
    if request.state != RequestState.PENDING_EXPLANATION:
        raise BusinessRuleError.single(
            code="payments.no_warning",
            field="state",
            value=request.get_state_display(),
            message_zh=f"支付申请 {request.number} 没有待说明的预警",
            message_en=f"payment request {request.number} has no warning to explain",
            status=409,
        )
    text = explanation.strip()
    raise_if_any(_meaningful(text, field="explanation"))
    request.explanation = text
    request.save(update_fields=["explanation", "updated_at"])
    audit_record(
        action="payments.explain",
        actor=actor,
        obj=request,
        changes={"explanation": ["", text]},
    )
    instance = _latest_instance(request)
    now = timezone.now()
    held = False
    for finding in MonitoringFinding.objects.filter(
        request=request,
        round=instance.round,
        outcome=catalogue.WARN,
        status=FindingStatus.GENERATED,
    ).select_related("request"):
        reviewed = catalogue.needs_review(finding.level)
        held = held or reviewed
        _move(
            actor=actor,
            finding=finding,
            status=FindingStatus.EXPLAINED if reviewed else FindingStatus.CLEARED,
            fields={"explanation": text, "explained_by_id": actor.pk, "explained_at": now},
        )
    if held:  # R-MO-14: red / orange wait for the monitoring officer; the voucher stays held
        set_state(
            actor=actor, request=request, state=RequestState.PENDING_REVIEW, why="monitoring review"
        )
    else:
        issue_voucher(actor=actor, request=request, instance=instance)
    return request


# --- R-MO-14: the monitoring officer's review -----------------------------------------------------


def findings_visible(actor: Actor) -> Any:
    """The findings on requests the actor sees, and the scan's findings on units the actor sees
    (another unit's finding is a 404)."""
    requests = PaymentRequest.objects.visible_to(actor)
    units = Organisation.objects.visible_to(actor)
    return MonitoringFinding.objects.filter(
        Q(request__in=requests) | Q(request__isnull=True, organisation__in=units)
    ).select_related("request", "organisation", "indicator_line", "explained_by", "decided_by")


# The findings still open: the home page counts these and its link lists them (same filter).
OPEN_STATUSES = (FindingStatus.GENERATED, FindingStatus.EXPLAINED)


def finding_list(
    *, actor: Actor, status: str = "", level: str = "", rule: str = "", unit: str = ""
) -> Any:
    """The findings in the actor's scope, narrowed by status (a status, or ``open``: not yet
    settled), level, rule id and the unit's code or part of its name."""
    queryset = findings_visible(actor)
    if status == "open":
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    elif status:
        queryset = queryset.filter(status=status)
    if level:
        queryset = queryset.filter(level=level)
    rule, unit = rule.strip(), unit.strip()
    if rule:
        queryset = queryset.filter(rule__iexact=rule)
    if unit:
        queryset = queryset.filter(
            Q(organisation__code=unit) | Q(organisation__name__contains=unit)
        )
    return queryset


def review_queue(actor: Actor) -> Any:
    """Red and orange findings the unit has explained, waiting for a decision (核实)."""
    return (
        findings_visible(actor)
        .filter(status=FindingStatus.EXPLAINED, request__state=RequestState.PENDING_REVIEW)
        .order_by("explained_at", "pk")
    )


def monitoring_work(actor: Actor) -> list[WorkItem]:
    """The home page's work list (``common.worklist``): red and orange warnings to decide, and
    the inquiries (问询单) waiting for the unit's reply — urgent once past their date."""
    from yusuan.monitoring.services.inquiries import awaiting_reply, overdue

    items = []
    if actor.has_perm("monitoring.review_finding"):
        items.append(
            WorkItem(
                key="monitoring.review",
                label=_("Red and orange warnings to decide (认定)"),
                count=review_queue(actor).count(),
                url=reverse("monitoring:queue"),
                urgency=URGENT,
            )
        )
    if actor.has_perm("monitoring.change_inquiry"):
        late = overdue(actor=actor).count()
        items.append(
            WorkItem(
                key="monitoring.inquiries",
                label=_("Inquiries to answer (问询单)"),
                count=awaiting_reply(actor=actor).count(),
                url=reverse("monitoring:inquiry_list"),
                urgency=URGENT if late else ROUTINE,
                note=_("%(n)s overdue") % {"n": late} if late else "",
            )
        )
    return items


def open_findings(actor: Actor) -> int:
    """Warnings not yet settled (generated, or explained and awaiting review) in scope."""
    return int(findings_visible(actor).filter(status__in=OPEN_STATUSES).count())


def finding_get(actor: Actor, finding_id: int) -> MonitoringFinding:
    finding = findings_visible(actor).filter(pk=finding_id).first()
    if finding is None:
        raise NotFoundError()
    return finding


def _reviewer_errors(actor: Actor, request: PaymentRequest) -> list[ErrorDetail]:
    """R-MO-14 (SoD): the reviewer is the finance bureau's monitoring officer or the supervising
    division, never anyone of the entering unit (nor its department)."""
    organisation_id = getattr(actor, "organisation_id", None)
    organisation = (
        Organisation.objects.filter(pk=organisation_id).first() if organisation_id else None
    )
    finance = (OrganisationKind.FINANCE_BUREAU, OrganisationKind.FINANCE_DIVISION)
    if (
        organisation is not None
        and organisation.kind in finance
        and actor.pk != request.created_by_id
    ):
        return []
    return [
        ErrorDetail(
            code="monitoring.reviewer_in_unit",
            rule="R-MO-14",
            field="decided_by",
            value=getattr(actor, "username", ""),
            message_zh=(
                f"支付申请 {request.number} 的红色、橙色预警须由财政监控岗或主管处室认定，"
                "录入单位不能自行解除"
            ),
            message_en=(
                f"the red and orange findings of payment request {request.number} are decided by"
                " the finance monitoring officer or the supervising division, not by the entering"
                " unit"
            ),
        )
    ]


DECISIONS = {"normal": FindingStatus.NORMAL, "rectify": FindingStatus.RECTIFY}


@transaction.atomic
def finding_decide(
    *, actor: Actor, finding_id: int, decision: str, note: str = ""
) -> MonitoringFinding:
    """R-MO-14: the monitoring officer's (or supervising division's) decision on an explained red
    or orange finding. 认定正常: once no finding of the round is left to review, the voucher is
    issued. 整改: the frozen money is released and the request goes back to the unit (blocked,
    to be revised), with the opinion on the finding."""
    ensure_permission(actor, REVIEW_PERMISSION)
    found = finding_get(actor, finding_id)
    if found.request_id is None:
        raise BusinessRuleError.single(
            code="monitoring.not_a_request_finding",
            rule="R-MO-14",
            field="request",
            value=found.rule,
            message_zh=f"预警 {found.rule} 是事后扫描发现的，不在支付凭证前认定",
            message_en=f"finding {found.rule} comes from the after-the-fact scan, not a request",
            status=409,
        )
    request = locked_request(actor, found.request_id)
    finding = MonitoringFinding.objects.select_related("request").get(pk=found.pk)
    status = DECISIONS.get(decision)
    if status is None:
        raise BusinessRuleError.single(
            code="monitoring.bad_decision",
            rule="R-MO-14",
            field="decision",
            value=decision,
            limit="normal | rectify",
            message_zh="认定结果只能是“认定正常”或“整改”",
            message_en="the decision is either normal or rectify",
        )
    if finding.status != FindingStatus.EXPLAINED or request.state != RequestState.PENDING_REVIEW:
        raise BusinessRuleError.single(
            code="monitoring.not_awaiting_review",
            rule="R-MO-14",
            field="status",
            value=finding.get_status_display(),
            limit=FindingStatus.EXPLAINED.label,
            message_zh=f"预警 {finding.rule}（{request.number}）不在待认定状态",
            message_en=f"finding {finding.rule} of {request.number} is not awaiting review",
            status=409,
        )
    text = note.strip()
    errors = _reviewer_errors(actor, request)
    if status == FindingStatus.RECTIFY:
        errors += _meaningful(text, field="note")
    raise_if_any(errors)
    _move(
        actor=actor,
        finding=finding,
        status=status,
        fields={"decision_note": text, "decided_by_id": actor.pk, "decided_at": timezone.now()},
    )
    instance = _latest_instance(request)
    if status == FindingStatus.RECTIFY:
        release(actor=actor, request=request, round_no=instance.round, why="rectify")
        set_state(actor=actor, request=request, state=RequestState.BLOCKED, why="rectify")
    elif not MonitoringFinding.objects.filter(
        request=request, round=instance.round, status=FindingStatus.EXPLAINED
    ).exists():
        issue_voucher(actor=actor, request=request, instance=instance)
    return finding


# --- R-MO-14: levels and thresholds per region ----------------------------------------------------


def settings_history(actor: Actor, mof_div_code: str) -> list[RuleSettings]:
    ensure_in_scope(actor, mof_div_code=mof_div_code, organisation_id=None)
    return list(
        RuleSettings.objects.filter(mof_div_code=mof_div_code)
        .select_related("created_by")
        .order_by("-version")
    )


@transaction.atomic
def settings_change(
    *,
    actor: Actor,
    mof_div_code: str,
    levels: Mapping[str, str],
    amounts: Mapping[str, int],
    note: str = "",
    tuning: Mapping[str, Any] | None = None,
) -> RuleSettings:
    """A new version of the region's levels, thresholds and rules' tuning (R-MO-14: enabled,
    action, parameters per rule), append-only and audited. Levels or tuning not given stay as
    they are in force."""
    ensure_permission(actor, SETTINGS_PERMISSION)
    ensure_in_scope(actor, mof_div_code=mof_div_code, organisation_id=None)
    if not actor.scope.is_region_wide:
        raise NotFoundError()
    errors: list[ErrorDetail] = []
    before = current_settings(mof_div_code)
    in_force = thresholds(mof_div_code)
    levels = {**dict(in_force.levels), **dict(levels)}
    tuned = {**dict(in_force.tuning), **dict(tuning or {})}
    known = set(catalogue.CATALOGUE)
    for field_name, value, zh, en in catalogue.validate_tuning(tuned):
        errors.append(
            ErrorDetail(
                code="monitoring.bad_tuning",
                rule="R-MO-14",
                field=f"tuning.{field_name}",
                value=value,
                message_zh=zh,
                message_en=en,
            )
        )
    for code, level in levels.items():
        if code not in known or level not in catalogue.LEVELS:
            errors.append(
                ErrorDetail(
                    code="monitoring.bad_level",
                    rule="R-MO-14",
                    field=f"levels.{code}",
                    value=level,
                    limit=" | ".join(catalogue.LEVELS),
                    message_zh=f"规则 {code} 的预警级别 {level} 无效",
                    message_en=f"level {level} of rule {code} is not one of {catalogue.LEVELS}",
                )
            )
    for name in THRESHOLD_FIELDS:
        if name not in amounts or amounts[name] <= 0:
            errors.append(
                ErrorDetail(
                    code="monitoring.bad_threshold",
                    rule="R-MO-2",
                    field=name,
                    value=str(amounts.get(name, "")),
                    limit="> 0",
                    message_zh=f"阈值 {name} 须为正数",
                    message_en=f"threshold {name} must be positive",
                )
            )
    for period in ("single", "month", "year"):
        warn, block = amounts.get(f"cash_{period}_warn", 0), amounts.get(f"cash_{period}_block", 0)
        if 0 < block < warn:
            errors.append(
                ErrorDetail(
                    code="monitoring.block_below_warning",
                    rule="R-MO-2",
                    field=f"cash_{period}_block",
                    value=str(block),
                    limit=f"≥ {warn}",
                    message_zh="阻断限额不能低于预警限额",
                    message_en="the blocking limit cannot be below the warning limit",
                )
            )
    raise_if_any(errors)
    # The region's versions are serialised by the unique (region, version): a concurrent edit
    # fails on the constraint (a 409) instead of forking the history.
    version = (
        RuleSettings.objects.filter(mof_div_code=mof_div_code).aggregate(v=Max("version"))["v"] or 0
    ) + 1
    try:
        with transaction.atomic():
            row = RuleSettings.objects.create(
                mof_div_code=mof_div_code,
                version=version,
                levels={**dict(catalogue.DEFAULT_LEVELS), **dict(levels)},
                tuning=tuned,
                note=note.strip()[:200],
                created_by_id=actor.pk,
                **{name: amounts[name] for name in THRESHOLD_FIELDS},
            )
    except IntegrityError as exc:
        raise BusinessRuleError.single(
            code="monitoring.settings_changed_meanwhile",
            rule="R-MO-14",
            field="version",
            value=str(version),
            message_zh="该区划的监控参数刚被他人修改，请刷新后重试",
            message_en="the region's settings were changed meanwhile; reload and try again",
            status=409,
        ) from exc
    audit_record(
        action="monitoring.settings_change",
        actor=actor,
        obj=row,
        changes={
            name: [getattr(before, name, None), getattr(row, name)]
            for name in (*THRESHOLD_FIELDS, "levels", "tuning")
            if before is None or getattr(before, name) != getattr(row, name)
        },
        extra={"region": mof_div_code, "version": version},
    )
    return row

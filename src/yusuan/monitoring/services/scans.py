"""Monitoring after the fact (事后, DOMAIN §3.9; issue 22 item 3): the scheduled scan.

``yusuan monitoring_scan`` (cron, once a night) runs every enabled rule whose catalogue entry
says ``after`` over a region's year up to a day, on what the bank paid and the ledger holds:

- R-MO-2: a unit's cash in vouchers over the month or year warning limit;
- R-MO-5: a unit's 三公 spending of a category over its indicators;
- R-MO-7: ≥ N payments from one unit to one payee within D days, each just below the threshold;
- R-MO-8: a voucher issued on a non-working day or outside working hours (a reminder);
- R-MO-9: an upper-level transfer not passed down within 30 days (R-IN-5);
- R-MO-13: goods and services (302) paid to a staff member of the unit;
- R-MO-15: a unit's year-end surge; R-MO-16: a payment on a project ended before it.

Each finding names what it is about in ``key`` (rule, subject, period): a finding already made
is not made again, so the scan can run every night. The scan records its counts in the audit
log. Findings then follow the R-MO-14 flow of their level.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F, Min, Q, Sum
from django.utils import timezone

from yusuan.audit.services import audit_record
from yusuan.budgeting.rules import THREE_PUBLIC_CODES
from yusuan.common.actor import ensure_in_scope, ensure_permission
from yusuan.common.errors import NotFoundError
from yusuan.common.money import Money
from yusuan.common.scope import Scope
from yusuan.indicators.transfers import transfer_breaches
from yusuan.monitoring import catalogue, rules
from yusuan.monitoring.models import FindingSource, FindingStatus, MonitoringFinding
from yusuan.monitoring.services import CASH_COUNTED, NOT_SPENT, thresholds
from yusuan.payments.choices import SettlementMode
from yusuan.payments.models import PaymentLine, PaymentRequest
from yusuan.personnel.choices import PersonState
from yusuan.personnel.models import Person
from yusuan.projects.choices import ProjectState
from yusuan.workflow.calendar import LOCAL, is_workday
from yusuan.workflow.models import WorkflowInstance
from yusuan.workflow.routing import calendar_overrides

ENDED = (ProjectState.CLOSED, ProjectState.TERMINATED, ProjectState.COMPLETED)


def _yuan(fen: int) -> str:
    return Money(fen).format()


@dataclass(frozen=True)
class Hit:
    """One thing the scan found (before it becomes a ``MonitoringFinding``)."""

    rule: str
    key: str
    organisation_id: int
    zh: str
    en: str
    request_id: int | None = None
    indicator_line_id: int | None = None
    value: str = ""
    limit: str = ""


@dataclass
class ScanResult:
    region: str
    year: int
    as_of: dt.date
    found: dict[str, int] = field(default_factory=dict)  # per rule: hits this run
    created: dict[str, int] = field(default_factory=dict)  # per rule: findings new this run

    @property
    def total_created(self) -> int:
        return sum(self.created.values())


@dataclass(frozen=True)
class _Region:
    """The scan reads a whole region (as the finance bureau's monitoring does)."""

    scope: Scope


@dataclass(frozen=True)
class Context:
    region: str
    year: int
    as_of: dt.date
    t: catalogue.Thresholds

    def requests(self) -> Any:
        return PaymentRequest.objects.filter(
            mof_div_code=self.region, fiscal_year=self.year, pay_date__lte=self.as_of
        )

    def spent_lines(self) -> Any:
        return PaymentLine.objects.filter(
            request__mof_div_code=self.region,
            request__fiscal_year=self.year,
            request__pay_date__lte=self.as_of,
        ).exclude(request__state__in=NOT_SPENT)


def _cash(c: Context) -> list[Hit]:
    """R-MO-2: a unit's cash in vouchers, per month and for the year, at the warning limits."""
    cash = c.requests().filter(settlement_mode=SettlementMode.CASH, state__in=CASH_COUNTED)
    hits = []
    year: dict[int, int] = defaultdict(int)
    for unit, month, fen in (
        cash.values("organisation_id", "pay_date__month")
        .annotate(s=Sum("lines__amount"))
        .values_list("organisation_id", "pay_date__month", "s")
    ):
        year[unit] += int(fen or 0)
        if int(fen or 0) >= c.t.cash_month_warn:
            hits.append(
                Hit(
                    "R-MO-2",
                    f"R-MO-2:{unit}:{c.year}-{month:02d}",
                    unit,
                    f"{month} 月提取现金 {_yuan(fen)} 元，达到月度预警限额 {_yuan(c.t.cash_month_warn)} 元",
                    f"cash withdrawn in month {month}: {_yuan(fen)}, at the monthly limit"
                    f" {_yuan(c.t.cash_month_warn)}",
                    value=_yuan(fen),
                    limit=_yuan(c.t.cash_month_warn),
                )
            )
    for unit, fen in year.items():
        if fen >= c.t.cash_year_warn:
            hits.append(
                Hit(
                    "R-MO-2",
                    f"R-MO-2:{unit}:{c.year}",
                    unit,
                    f"本年提取现金 {_yuan(fen)} 元，达到年度预警限额 {_yuan(c.t.cash_year_warn)} 元",
                    f"cash withdrawn this year {_yuan(fen)}, at the yearly limit"
                    f" {_yuan(c.t.cash_year_warn)}",
                    value=_yuan(fen),
                    limit=_yuan(c.t.cash_year_warn),
                )
            )
    return hits


def _three_public(c: Context) -> list[Hit]:
    """R-MO-5: per unit and 三公 category, what was spent over the category's indicators."""
    from yusuan.indicators.models import IndicatorLine

    budget: dict[tuple[int, str], int] = {
        (unit, cat): int(fen or 0)
        for unit, cat, fen in IndicatorLine.objects.filter(
            mof_div_code=c.region, fiscal_year=c.year
        )
        .exclude(thr_exp_code="")
        .values("organisation_id", "thr_exp_code")
        .annotate(s=Sum(F("total") - F("allocated")))
        .values_list("organisation_id", "thr_exp_code", "s")
    }
    spent: dict[tuple[int, str], int] = defaultdict(int)
    for unit, thr, eco, fen in (
        c.spent_lines()
        .filter(~Q(thr_exp_code="") | Q(dep_bgt_eco_code__in=THREE_PUBLIC_CODES))
        .values("request__organisation_id", "thr_exp_code", "dep_bgt_eco_code")
        .annotate(s=Sum(F("amount") - F("refunded")))
        .values_list("request__organisation_id", "thr_exp_code", "dep_bgt_eco_code", "s")
    ):
        spent[unit, thr or THREE_PUBLIC_CODES.get(eco, "")] += int(fen or 0)
    hits = []
    for (unit, cat), fen in sorted(spent.items()):
        allowed = budget.get((unit, cat), 0)
        if not cat or fen <= allowed:
            continue
        name = catalogue.THREE_PUBLIC_NAMES.get(cat, cat)
        hits.append(
            Hit(
                "R-MO-5",
                f"R-MO-5:{unit}:{c.year}:{cat}",
                unit,
                f"{name}本年已支付 {_yuan(fen)} 元，超过预算 {_yuan(allowed)} 元",
                f"三公 {name}: {_yuan(fen)} paid this year, over the budget {_yuan(allowed)}",
                value=_yuan(fen),
                limit=_yuan(allowed),
            )
        )
    return hits


def _split(c: Context) -> list[Hit]:
    """R-MO-7: ≥ N requests of one unit to one payee within D days, each just below the
    threshold; one finding per run of them (named by its first request)."""
    count = int(c.t.param("R-MO-7", "count"))
    days = int(c.t.param("R-MO-7", "days"))
    threshold = int(c.t.param("R-MO-7", "threshold"))
    per: dict[tuple[int, str], list[tuple[dt.date, int, int, str]]] = defaultdict(list)
    for unit, account, name, request_id, day, fen in (
        c.spent_lines()
        .exclude(payee_account_no="")
        .values(
            "request__organisation_id",
            "payee_account_no",
            "request_id",
            "request__pay_date",
        )
        .annotate(s=Sum("amount"), name=Min("payee_name"))
        .values_list(
            "request__organisation_id",
            "payee_account_no",
            "name",
            "request_id",
            "request__pay_date",
            "s",
        )
    ):
        if rules.in_band(int(fen or 0), c.t):
            per[unit, account].append((day, request_id, int(fen), name))
    hits = []
    for (unit, account), runs in sorted(per.items()):
        runs.sort()
        start = 0
        for end in range(len(runs)):
            while runs[end][0] - runs[start][0] > dt.timedelta(days=days):
                start += 1
            if end - start + 1 >= count:
                first = runs[start]
                hits.append(
                    Hit(
                        "R-MO-7",
                        f"R-MO-7:{unit}:{account}:{first[1]}",
                        unit,
                        f"{days} 天内向 {first[3]} 支付 {end - start + 1} 笔，每笔略低于"
                        f" {_yuan(threshold)} 元，疑似拆分支付",
                        f"{end - start + 1} payments to {first[3]} within {days} days, each just"
                        f" below {_yuan(threshold)}: split?",
                        request_id=runs[end][1],
                        value=str(end - start + 1),
                        limit=str(count),
                    )
                )
                start = end + 1  # the next run starts after this one
    return hits


def _odd_times(c: Context) -> list[Hit]:
    """R-MO-8: the final approval (the voucher's issue) on a non-working day or outside hours."""
    first_hour = int(c.t.param("R-MO-8", "from_hour"))
    last_hour = int(c.t.param("R-MO-8", "to_hour"))
    overrides = calendar_overrides()
    issued = c.requests().filter(voucher__isnull=False).values_list("pk", "organisation_id")
    units = dict(issued)
    hits = []
    for object_id, finished in (
        WorkflowInstance.objects.filter(
            document_type="payments.request",
            object_id__in=[str(pk) for pk in units],
            state="approved",
        )
        .filter(finished_at__lt=_day_end(c.as_of))  # what a scan of that day could see
        .values_list("object_id", "finished_at")
    ):
        if finished is None:
            continue
        local = finished.astimezone(LOCAL)
        working, _known = is_workday(local.date(), overrides)
        if working and first_hour <= local.hour < last_hour:
            continue
        request_id = int(object_id)
        when = local.strftime("%Y-%m-%d %H:%M")
        hits.append(
            Hit(
                "R-MO-8",
                f"R-MO-8:{request_id}",
                units[request_id],
                f"支付凭证于 {when} 生成（{'非工作日' if not working else '非工作时间'}）",
                f"the voucher was issued at {when} ({'a day off' if not working else 'outside hours'})",
                request_id=request_id,
                value=when,
                limit=f"{first_hour}:00–{last_hour}:00",
            )
        )
    return hits


def _day_end(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=LOCAL)


def _transfers_overdue(c: Context) -> list[Hit]:
    """R-MO-9: R-IN-5's breaches, one finding per line."""
    region = _Region(Scope(frozenset({c.region}), None, "scan"))
    return [
        Hit(
            "R-MO-9",
            f"R-MO-9:{b.line.pk}",
            b.line.organisation_id,
            f"转移支付指标 {b.line.code} 超过下达期限 {b.days_overdue} 天",
            f"transfer indicator {b.line.code} {b.days_overdue} days past its deadline",
            indicator_line_id=b.line.pk,
            value=str(b.days_overdue),
            limit="30",
        )
        for b in transfer_breaches(actor=region, as_of=c.as_of, fiscal_year=c.year)  # type: ignore[arg-type]
        if b.line.organisation_id is not None
    ]


def _staff_paid(c: Context) -> list[Hit]:
    """R-MO-13: goods and services (302) paid to a person on the unit's staff."""
    lines = list(
        c.spent_lines()
        .filter(dep_bgt_eco_code__startswith="302", payee_kind="individual")
        .exclude(payee__id_number="")
        .values_list(
            "pk", "request_id", "request__organisation_id", "payee__id_number", "payee_name"
        )
    )
    staff = set(
        Person.objects.filter(
            id_number__in={x[3] for x in lines}, state=PersonState.ACTIVE
        ).values_list("organisation_id", "id_number")
    )
    return [
        Hit(
            "R-MO-13",
            f"R-MO-13:staff:{pk}",
            unit,
            f"商品和服务支出付给本单位在编人员 {name}",
            f"goods and services paid to {name}, on the unit's staff",
            request_id=request_id,
            value=name,
        )
        for pk, request_id, unit, id_number, name in lines
        if (unit, id_number) in staff
    ]


def _year_end(c: Context) -> list[Hit]:
    """R-MO-15: the unit's paid since the configured day, over a share of its year's paid."""
    month, day = catalogue.month_day(str(c.t.param("R-MO-15", "from_day"))) or (12, 1)
    since = dt.date(c.year, month, day)
    if c.as_of < since:
        return []
    share = int(c.t.param("R-MO-15", "share"))
    least = int(c.t.param("R-MO-15", "min_paid"))
    paid = c.spent_lines().values("request__organisation_id")
    year = dict(paid.annotate(s=Sum("amount")).values_list("request__organisation_id", "s"))
    late = dict(
        paid.filter(request__pay_date__gte=since)
        .annotate(s=Sum("amount"))
        .values_list("request__organisation_id", "s")
    )
    hits = []
    for unit, fen in sorted(late.items()):
        whole = int(year.get(unit) or 0)
        if int(fen or 0) < least or int(fen or 0) * 100 < whole * share:
            continue
        hits.append(
            Hit(
                "R-MO-15",
                f"R-MO-15:{unit}:{c.year}",
                unit,
                f"{since:%m-%d} 以来支付 {_yuan(fen)} 元，占全年 {_yuan(whole)} 元的"
                f" {int(fen) * 100 // max(whole, 1)}%，超过 {share}%",
                f"{_yuan(fen)} paid since {since:%m-%d}, {int(fen) * 100 // max(whole, 1)}% of"
                f" the year's {_yuan(whole)}, over {share}%",
                value=_yuan(fen),
                limit=f"{share}%",
            )
        )
    return hits


def _ended_projects(c: Context) -> list[Hit]:
    """R-MO-16: a payment on a project that had ended before its pay date."""
    return [
        Hit(
            "R-MO-16",
            f"R-MO-16:{pk}",
            unit,
            f"项目 {code} 已于 {ended} 结束，{day} 仍有支付",
            f"project {code} ended on {ended}; paid on {day}",
            request_id=request_id,
            value=str(day),
            limit=str(ended),
        )
        for pk, request_id, unit, code, ended, day in c.spent_lines()
        .filter(project__state__in=ENDED, project__ended_on__isnull=False)
        .filter(project__ended_on__lt=F("request__pay_date"))
        .values_list(
            "pk",
            "request_id",
            "request__organisation_id",
            "project__code",
            "project__ended_on",
            "request__pay_date",
        )
    ]


SCANS: dict[str, Callable[[Context], list[Hit]]] = {
    "R-MO-2": _cash,
    "R-MO-5": _three_public,
    "R-MO-7": _split,
    "R-MO-8": _odd_times,
    "R-MO-9": _transfers_overdue,
    "R-MO-13": _staff_paid,
    "R-MO-15": _year_end,
    "R-MO-16": _ended_projects,
}
assert set(SCANS) == {c for c, s in catalogue.CATALOGUE.items() if catalogue.AFTER in s.when}


def _findings(c: Context, hits: Iterable[Hit]) -> list[MonitoringFinding]:
    made = []
    for hit in hits:
        outcome = c.t.action(hit.rule)
        made.append(
            MonitoringFinding(
                request_id=hit.request_id,
                mof_div_code=c.region,
                organisation_id=hit.organisation_id,
                indicator_line_id=hit.indicator_line_id,
                source=FindingSource.SCAN,
                key=hit.key[:160],
                found_on=c.as_of,
                rule=hit.rule,
                outcome=outcome,
                level="red" if outcome == catalogue.BLOCK else c.t.level(hit.rule),
                value=hit.value[:40],
                limit=hit.limit[:40],
                message_zh=f"{hit.rule} {hit.zh}"[:300],
                message_en=f"{hit.rule} {hit.en}"[:300],
                status=FindingStatus.NOTED
                if outcome == catalogue.REMIND
                else FindingStatus.GENERATED,
            )
        )
    return made


@transaction.atomic
def scan(*, actor: Any, region: str, year: int, as_of: dt.date | None = None) -> ScanResult:
    """Run the after-the-fact rules over ``region``'s ``year`` up to ``as_of`` (today)."""
    as_of = as_of or timezone.localdate()
    context = Context(region, year, as_of, thresholds(region))
    result = ScanResult(region, year, as_of)
    for code, run in SCANS.items():
        if not context.t.enabled(code):
            continue
        hits = run(context)
        known = set(
            MonitoringFinding.objects.filter(key__in=[h.key for h in hits]).values_list(
                "key", flat=True
            )
        )
        new = [h for h in hits if h.key not in known]
        MonitoringFinding.objects.bulk_create(_findings(context, new))
        result.found[code] = len(hits)
        result.created[code] = len(new)
    audit_record(
        action="monitoring.scan",
        actor=actor,
        object_type="monitoring.monitoringfinding",
        object_repr=f"scan {region} {year} {as_of}",
        mof_div_code=region,
        fiscal_year=year,
        extra={"as_of": as_of.isoformat(), "found": result.found, "created": result.created},
    )
    return result


RUN_PERMISSION = "monitoring.review_finding"


def scan_now(*, actor: Any, region: str) -> ScanResult:
    """The monitoring officer runs tonight's scan now, over the year so far (region-wide roles
    of the region only: another region is a 404)."""
    ensure_permission(actor, RUN_PERMISSION)
    ensure_in_scope(actor, mof_div_code=region, organisation_id=None)
    if not actor.scope.is_region_wide:
        raise NotFoundError()
    today = timezone.localdate()
    return scan(actor=actor, region=region, year=today.year, as_of=today)

"""A region's standards per fiscal year (支出标准 and 定员定额, ADR 0039): seeding and changing.

- ``standards_seed`` gives a year every known key it lacks (``core.standard_keys``): last year's
  latest value and basis when the region had the key last year (copy forward), else the
  registry default; effective from 1 January. ``fiscal_year_open`` calls it.
- ``standard_change`` appends the next version (value, effective date, basis, reason, who, when)
  under the standard's row lock; nothing is overwritten. The budget division only.

Both audit in the same transaction (P5).
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor, ensure_in_scope, ensure_permission
from yusuan.common.errors import BusinessRuleError, ErrorDetail, NotFoundError, raise_if_any
from yusuan.core import locks, standard_keys
from yusuan.core.choices import FiscalYearStatus
from yusuan.core.models import FiscalYear, Standard, StandardVersion
from yusuan.core.selectors import standard_value

CHANGE_PERMISSION = "core.change_standard"
REASON_MAX = 200


def _latest(mof_div_code: str, fiscal_year: int) -> dict[str, tuple[int, str]]:
    """Per key, the year's latest (value, basis) — the last by effective date, then version."""
    found: dict[str, tuple[int, str]] = {}
    for key, value, basis in (
        StandardVersion.objects.filter(mof_div_code=mof_div_code, fiscal_year=fiscal_year)
        .order_by("standard__key", "effective_from", "version")
        .values_list("standard__key", "value", "basis")
    ):
        found[key] = (value, basis)
    return found


@transaction.atomic
def standards_seed(*, actor: Actor | None, mof_div_code: str, fiscal_year: int) -> int:
    """Every known key the region's year lacks, copied forward from last year or the registry
    default, effective from 1 January; returns how many were added (0: nothing to do)."""
    have = set(
        Standard.objects.filter(mof_div_code=mof_div_code, fiscal_year=fiscal_year).values_list(
            "key", flat=True
        )
    )
    missing = [known for known in standard_keys.KNOWN if known.key not in have]
    if not missing:
        return 0
    previous = _latest(mof_div_code, fiscal_year - 1)
    Standard.objects.bulk_create(
        Standard(
            mof_div_code=mof_div_code,
            fiscal_year=fiscal_year,
            key=known.key,
            name=known.name,
            unit=known.unit,
            rule=known.rule,
        )
        for known in missing
    )
    ids = dict(
        Standard.objects.filter(
            mof_div_code=mof_div_code, fiscal_year=fiscal_year, key__in=[k.key for k in missing]
        ).values_list("key", "pk")
    )
    start = dt.date(fiscal_year, 1, 1)
    copied: list[str] = []
    versions: list[StandardVersion] = []
    for known in missing:
        if known.key in previous:
            value, basis = previous[known.key]
            reason = f"沿用 {fiscal_year - 1} 年度标准"
            copied.append(known.key)
        else:
            value, basis, reason = known.default, known.basis, "年度初始值（系统默认）"
        versions.append(
            StandardVersion(
                standard_id=ids[known.key],
                mof_div_code=mof_div_code,
                fiscal_year=fiscal_year,
                version=1,
                value=value,
                effective_from=start,
                basis=basis,
                reason=reason,
                created_by_id=getattr(actor, "pk", None),
            )
        )
    StandardVersion.objects.bulk_create(versions)
    audit_record(
        action="core.standards.seed",
        actor=actor,
        object_type="core.standard",
        object_repr=f"{mof_div_code} {fiscal_year}",
        mof_div_code=mof_div_code,
        fiscal_year=fiscal_year,
        changes={v_key.key: [None, v.value] for v_key, v in zip(missing, versions, strict=True)},
        extra={
            "copied_from": fiscal_year - 1 if copied else None,
            "copied": copied,
            "defaults": [k.key for k in missing if k.key not in previous],
        },
    )
    return len(missing)


def _effective_from(fiscal_year: int, given: dt.date | None) -> dt.date | ErrorDetail:
    first, last = dt.date(fiscal_year, 1, 1), dt.date(fiscal_year, 12, 31)
    if given is None:
        return min(max(timezone.localdate(), first), last)
    if first <= given <= last:
        return given
    limit = f"{first.isoformat()} – {last.isoformat()}"
    return ErrorDetail(
        code="core.standard_bad_effective_from",
        rule="R-MD-4",
        field="effective_from",
        value=given.isoformat(),
        limit=limit,
        message_zh=f"生效日期 {given.isoformat()} 不在 {fiscal_year} 年度内（{limit}）",
        message_en=f"effective date {given.isoformat()} is outside fiscal year {fiscal_year} "
        f"({limit})",
    )


def _errors(
    standard: Standard, value: int, reason: str, effective_from: dt.date | ErrorDetail
) -> list[ErrorDetail]:
    errors: list[ErrorDetail] = []
    known = standard_keys.BY_KEY.get(standard.key)
    out_of_range = (
        standard_keys.check(known, value)
        if known is not None
        else (
            None
            if value >= 0
            else ErrorDetail(
                code="core.standard_out_of_range",
                rule=standard.rule or None,
                field="value",
                value=value,
                limit="≥ 0",
                message_zh=f"{standard.name}：{value} 不能为负数",
                message_en=f"{standard.key}: {value} cannot be negative",
            )
        )
    )
    if out_of_range is not None:
        errors.append(out_of_range)
    if isinstance(effective_from, ErrorDetail):
        errors.append(effective_from)
    if not reason:
        errors.append(
            ErrorDetail(
                code="core.standard_reason_required",
                rule=standard.rule or None,
                field="reason",
                value="",
                limit=f"1–{REASON_MAX}",
                message_zh=f"修改“{standard.name}”须填写修改原因",
                message_en=f"a change of {standard.key} needs a reason",
            )
        )
    year = FiscalYear.objects.filter(
        mof_div_code=standard.mof_div_code, year=standard.fiscal_year
    ).first()
    if year is not None and year.status != FiscalYearStatus.OPEN:
        errors.append(
            ErrorDetail(
                code="core.fiscal_year_closed",
                rule="R-MD-4",
                field="fiscal_year",
                value=standard.fiscal_year,
                message_zh=f"{standard.fiscal_year} 年度已关闭，标准不能再修改",
                message_en=f"fiscal year {standard.fiscal_year} is closed; its standards are final",
            )
        )
    return errors


@transaction.atomic
def standard_change(
    *,
    actor: Actor,
    standard: Standard,
    value: int,
    reason: str,
    effective_from: dt.date | None = None,
    basis: str | None = None,
) -> StandardVersion:
    """The next version of ``standard`` (ADR 0039): ``value`` in the key's unit from
    ``effective_from`` (default: today, within the year), citing ``basis`` (default: the current
    one) for ``reason``. Append-only and audited; the budget division of the region only."""
    ensure_permission(actor, CHANGE_PERMISSION)
    ensure_in_scope(actor, mof_div_code=standard.mof_div_code, organisation_id=None)
    if not actor.scope.is_region_wide:
        raise NotFoundError("standard")
    reason = reason.strip()[:REASON_MAX]
    start = _effective_from(standard.fiscal_year, effective_from)
    raise_if_any(_errors(standard, value, reason, start))
    assert isinstance(start, dt.date)
    standard = locks.standard_qs_select_for_update().get(pk=standard.pk)
    before = standard_value(
        mof_div_code=standard.mof_div_code, fiscal_year=standard.fiscal_year, key=standard.key
    )
    last = standard.versions.order_by("-version").first()
    version = (standard.versions.aggregate(v=Max("version"))["v"] or 0) + 1
    try:
        with transaction.atomic():
            row = StandardVersion.objects.create(
                standard=standard,
                mof_div_code=standard.mof_div_code,
                fiscal_year=standard.fiscal_year,
                version=version,
                value=value,
                effective_from=start,
                basis=(basis if basis is not None else (last.basis if last else "")).strip()[:200],
                reason=reason,
                created_by_id=actor.pk,
            )
    except IntegrityError as exc:
        raise BusinessRuleError.single(
            code="core.standard_changed_meanwhile",
            rule=standard.rule or None,
            field="version",
            value=version,
            message_zh=f"“{standard.name}”刚被他人修改，请刷新后重试",
            message_en=f"{standard.key} was changed meanwhile; reload and try again",
            status=409,
        ) from exc
    audit_record(
        action="core.standard.change",
        actor=actor,
        obj=standard,
        changes={"value": [before, value]},
        extra={
            "key": standard.key,
            "version": version,
            "effective_from": start.isoformat(),
            "basis": row.basis,
            "reason": reason,
        },
    )
    return row

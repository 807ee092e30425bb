"""A region's chart of accounts and posting rules (DOMAIN-2 §5.1, §5.2).

``chart_install`` loads the national chart (财会〔2017〕25号: 77 financial + 26 budgetary
first-level accounts, with the standard second levels of 1201, 2102, 2201, 2307, 8001, 8101 and
8102) and the shipped posting rules for a region, once. A region adds its own second levels with
``account_add`` and changes a rule with ``rule_version_add`` (a new version; the old one stays).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

from django.db import transaction

from yusuan.accounting import locks
from yusuan.accounting.choices import CATEGORY_OF_DIGIT, Category, Half, RuleEvent, Side
from yusuan.accounting.models import Account, PostingRule
from yusuan.accounting.rules import RuleSpec, half_of
from yusuan.accounting.services.common import CHART
from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor, ensure_in_scope, ensure_permission
from yusuan.common.errors import BusinessRuleError, ErrorDetail, err, refuse

DEBIT_CATEGORIES = {
    Category.ASSET,
    Category.EXPENSE,
    Category.BUDGET_EXPENDITURE,
}


@cache
def _data(name: str) -> list[dict[str, Any]]:
    text = resources.files("yusuan.accounting").joinpath("data", name).read_text("utf-8")
    rows: list[dict[str, Any]] = json.loads(text)
    return rows


def standard_chart() -> list[dict[str, Any]]:
    return _data("chart.json")


def standard_rules() -> list[dict[str, Any]]:
    return _data("rules.json")


def _parent_code(code: str, codes: set[str]) -> str | None:
    for length in (len(code) - 2, 4):
        if length >= 4 and code[:length] in codes and code[:length] != code:
            return code[:length]
    return None


@transaction.atomic
def chart_install(mof_div_code: str) -> int:
    """Load the national chart and the shipped rules for ``mof_div_code`` if it has none; the
    number of accounts added. Idempotent (a book's opening calls it)."""
    if Account.objects.filter(mof_div_code=mof_div_code).exists():
        _add_shipped_rules(mof_div_code)
        return 0
    rows = standard_chart()
    codes = {row["code"] for row in rows}
    made: dict[str, Account] = {}
    for row in sorted(rows, key=lambda r: len(r["code"])):
        code = row["code"]
        category = CATEGORY_OF_DIGIT[code[0]]
        parent_code = _parent_code(code, codes)
        normal = row.get("side") or (Side.DEBIT if category in DEBIT_CATEGORIES else Side.CREDIT)
        made[code] = Account.objects.create(
            mof_div_code=mof_div_code,
            code=code,
            name=row["name"],
            name_en=row.get("name_en", ""),
            parent=made.get(parent_code) if parent_code else None,
            level=1 + (len(code) - 4) // 2,
            half=half_of(code),
            category=category,
            normal_side=normal,
            legacy_only=bool(row.get("legacy_only")),
            standard=True,
        )
    PostingRule.objects.bulk_create(
        PostingRule(mof_div_code=mof_div_code, version=1, **_rule_fields(rule))
        for rule in standard_rules()
    )
    return len(made)


def _add_shipped_rules(mof_div_code: str) -> None:
    """Rules shipped since the region's chart was loaded (a newer Yusuan), as their version 1;
    a rule the region already has, in any version, is the region's to keep."""
    have = set(PostingRule.objects.filter(mof_div_code=mof_div_code).values_list("code", flat=True))
    PostingRule.objects.bulk_create(
        PostingRule(mof_div_code=mof_div_code, version=1, **_rule_fields(rule))
        for rule in standard_rules()
        if rule["code"] not in have
    )


def _rule_fields(rule: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "code": rule["code"],
        "name": rule["name"],
        "event": rule["event"],
        "priority": rule.get("priority", 100),
        "conditions": rule.get("conditions", {}),
        "lines": rule.get("lines", []),
        "net_halves": rule.get("net_halves", []),
        "active": rule.get("active", True),
    }


def rules_in_force(mof_div_code: str, event: str | None = None) -> list[RuleSpec]:
    """The newest version of each of the region's rules (for ``event``), active ones only."""
    rows = PostingRule.objects.filter(mof_div_code=mof_div_code)
    if event is not None:
        rows = rows.filter(event=event)
    newest: dict[str, PostingRule] = {}
    for rule in rows.order_by("code", "-version"):
        newest.setdefault(rule.code, rule)
    return [
        RuleSpec(
            code=r.code,
            version=r.version,
            name=r.name,
            event=r.event,
            priority=r.priority,
            conditions=r.conditions,
            lines=r.lines,
            net_halves=tuple(r.net_halves or ()),
        )
        for r in newest.values()
        if r.active
    ]


# --- Editing the chart and the rules (the region's accounting administrator) ----------------


def account_add(
    *, actor: Actor, mof_div_code: str, parent_code: str, code: str, name: str, name_en: str = ""
) -> Account:
    """A region's second (or deeper) level under ``parent_code``: its code starts with the
    parent's and is two digits longer (801 → 800104)."""
    ensure_permission(actor, CHART)
    ensure_in_scope(actor, mof_div_code=mof_div_code, organisation_id=None)
    code, name = code.strip(), name.strip()
    with transaction.atomic():
        parent = (
            locks.account_qs_select_for_update()
            .filter(mof_div_code=mof_div_code, code=parent_code)
            .first()
        )
        if parent is None:
            raise refuse(
                "accounting.unknown_account",
                "parent_code",
                f"上级科目 {parent_code} 不存在",
                f"there is no account {parent_code}",
                value=parent_code,
            )
        errors: list[ErrorDetail] = []
        if not (code.isascii() and code.isdigit() and len(code) == len(parent.code) + 2):
            errors.append(
                err(
                    "accounting.account_code",
                    "code",
                    f"明细科目代码应为上级代码 {parent.code} 加两位数字",
                    f"a sub-account's code is its parent's ({parent.code}) and two digits",
                    value=code,
                )
            )
        elif not code.startswith(parent.code):
            errors.append(
                err(
                    "accounting.account_code",
                    "code",
                    f"明细科目代码 {code} 须以上级代码 {parent.code} 开头",
                    f"{code} must start with its parent's code {parent.code}",
                    value=code,
                )
            )
        elif Account.objects.filter(mof_div_code=mof_div_code, code=code).exists():
            errors.append(
                err(
                    "accounting.account_exists",
                    "code",
                    f"科目 {code} 已存在",
                    f"account {code} exists",
                    value=code,
                )
            )
        if not name or len(name) > 60:
            errors.append(
                err(
                    "accounting.account_name",
                    "name",
                    "科目名称必填，最多 60 字",
                    "a name of up to 60 characters is required",
                    value=name[:80],
                    limit=60,
                )
            )
        if errors:
            raise BusinessRuleError(errors)
        made = Account.objects.create(
            mof_div_code=mof_div_code,
            code=code,
            name=name,
            name_en=name_en.strip()[:80],
            parent=parent,
            level=parent.level + 1,
            half=parent.half,
            category=parent.category,
            normal_side=parent.normal_side,
            legacy_only=parent.legacy_only,
            standard=False,
        )
        audit_record(
            action="accounting.account.add",
            actor=actor,
            obj=made,
            mof_div_code=mof_div_code,
            changes={"code": [None, code], "name": [None, name], "parent": [None, parent.code]},
        )
    return made


# Accounts a rule names by what the event's item says (see rules.book).
PLACEHOLDERS = frozenset(
    {
        "{expenditure}",
        "{payment_account}",
        "{fact:payable}",
        "{fact:withholding}",
        "{fact:expense}",
        "{fact:accumulated}",
    }
)
RULE_KEYS = frozenset(
    {
        "fund_class",
        "eco_prefix",
        "business_type",
        "same_year",
        "quota_model",
        "pay_type_code",
        "refund_kind",
        "unit_kind",
        "budget_activity",
        "payroll",
        "part",
        "eco",
    }
)


def rule_errors(
    *, conditions: Mapping[str, Any], lines: Sequence[Mapping[str, Any]], accounts: set[str]
) -> list[ErrorDetail]:
    """A rule names known conditions and, in each half, debits and credits on known accounts."""
    errors = [
        err(
            "accounting.rule_condition",
            f"conditions.{key}",
            f"未知的条件 {key}（可用：{'、'.join(sorted(RULE_KEYS))}）",
            f"unknown condition {key} (known: {', '.join(sorted(RULE_KEYS))})",
            value=key,
        )
        for key in conditions
        if key not in RULE_KEYS
    ]
    sides: dict[str, set[str]] = {Half.FINANCIAL: set(), Half.BUDGETARY: set()}
    for row, line in enumerate(lines):
        account = str(line.get("account", ""))
        half, side = line.get("half"), line.get("side")
        if half not in sides or side not in (Side.DEBIT, Side.CREDIT):
            errors.append(
                err(
                    "accounting.rule_line",
                    f"lines[{row}]",
                    f"第 {row + 1} 行：须写明 half（fa/ba）与 side（dr/cr）",
                    f"row {row + 1}: half (fa/ba) and side (dr/cr) are required",
                    row=row,
                )
            )
            continue
        sides[half].add(side)
        placeholder = account in PLACEHOLDERS
        if not placeholder and (account not in accounts or half_of(account) != half):
            errors.append(
                err(
                    "accounting.unknown_account",
                    f"lines[{row}].account",
                    f"第 {row + 1} 行：科目 {account} 不在科目表中或不属于该账",
                    f"row {row + 1}: account {account} is not in the chart or not in that half",
                    value=account,
                    row=row,
                )
            )
    for half, seen in sides.items():
        if seen and seen != {Side.DEBIT, Side.CREDIT}:
            errors.append(
                err(
                    "accounting.unbalanced",
                    f"lines.{half}",
                    "每一账的分录须有借有贷（R-AC-2）",
                    "each half needs a debit and a credit (R-AC-2)",
                    rule="R-AC-2",
                )
            )
    return errors


def rule_version_add(
    *,
    actor: Actor,
    mof_div_code: str,
    code: str,
    name: str,
    event: str,
    priority: int,
    conditions: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]],
    active: bool = True,
    note: str = "",
) -> PostingRule:
    """A new version of rule ``code`` (or its first): the versions before it stay, and the
    vouchers generated under them keep naming them."""
    ensure_permission(actor, CHART)
    ensure_in_scope(actor, mof_div_code=mof_div_code, organisation_id=None)
    if event not in RuleEvent.values:
        raise refuse(
            "accounting.rule_event",
            "event",
            f"未知的事件 {event}",
            f"unknown event {event}",
            value=event,
        )
    accounts = set(Account.objects.filter(mof_div_code=mof_div_code).values_list("code", flat=True))
    errors = rule_errors(conditions=conditions, lines=lines, accounts=accounts)
    if errors:
        raise BusinessRuleError(errors)
    with transaction.atomic():
        last = (
            locks.rule_qs_select_for_update()
            .filter(mof_div_code=mof_div_code, code=code)
            .order_by("-version")
            .first()
        )
        made = PostingRule.objects.create(
            mof_div_code=mof_div_code,
            code=code,
            version=(last.version + 1) if last else 1,
            name=name,
            event=event,
            priority=priority,
            conditions=dict(conditions),
            lines=[dict(line) for line in lines],
            net_halves=list(last.net_halves) if last else [],
            active=active,
            note=note[:200],
            created_by=actor,  # type: ignore[misc]
        )
        audit_record(
            action="accounting.rule.version",
            actor=actor,
            obj=made,
            mof_div_code=mof_div_code,
            changes={"version": [last.version if last else None, made.version]},
            extra={"conditions": made.conditions, "lines": made.lines, "active": active},
        )
    return made

"""A salary sheet checked against the personnel database (工资统发核对, R-PS-5; ADR 0045).

At import, after the sheet itself is clean (``sheet.read_sheet``):

- **Who** — every row must be a person the unit holds 在职 in the salary month (the period in force
  on the month's last day, as ``personnel.selectors.unit_roster``). Unknown ID, someone of another
  unit, someone not yet hired, transferred out, resigned or deceased → ``BLOCK``; a retired person
  (退休/离休) of the unit only for retiree items (303xx, their 离退休费).
- **How much** — per economic class the sheet carries, a row may differ from the person's monthly
  standard (``PersonPeriod.items`` summed by class) by the region's tolerance
  (``payroll.tolerance_bp`` of the standard); a larger difference without the sheet's 差异说明 →
  ``WARN`` (the voucher then waits for the unit's written explanation, ``payroll.checks``); with
  one, the reason is kept with the row.
- **Whose** — the row's name must be the database's name of that ID number; another name →
  ``WARN`` (a typo, or someone else's ID on the row), ``EXPLAINED`` with the sheet's 差异说明.
- **Once a month** — the same person on another (not void) batch of the region's month → ``BLOCK``,
  naming that batch.

The region's ``payroll.personnel_check`` decides whether "who" blocks (强制) or warns (试运行), the
way a finance bureau switches the control on once its database is loaded; a region with no one in
its database yet is not checked (the batch says so). Being paid twice blocks in every case.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from yusuan.common.actor import Actor
from yusuan.common.errors import ErrorDetail
from yusuan.common.masking import id_number_for, mask_id_number
from yusuan.common.money import Money
from yusuan.core import standard_keys
from yusuan.core.models import Organisation
from yusuan.payroll.choices import PayrollState, PersonnelCheck
from yusuan.payroll.models import PayrollEmployee
from yusuan.payroll.services.sheet import Sheet, SheetRow
from yusuan.personnel import rules
from yusuan.personnel.models import Person, PersonPeriod
from yusuan.personnel.selectors import by_class, month_end, unit_roster

RULE = "R-PS-5"
CHUNK = 2_000  # ids per IN (…) query: well under SQLite's variable limit
RETIREE_CLASS = "303"  # 对个人和家庭的补助: 离休费 30301, 退休费 30302
STATE_NAMES: Mapping[str, tuple[str, str]] = {
    rules.ACTIVE: ("在职", "in service"),
    rules.LIXIU: ("离休", "retired cadre"),
    rules.RETIRED: ("退休", "retired"),
    rules.TRANSFERRED_OUT: ("调出", "transferred out"),
    rules.RESIGNED: ("辞职", "resigned"),
    rules.DECEASED: ("死亡", "deceased"),
}
WARN, EXPLAINED = "warn", "explained"  # a stored finding's outcome


@dataclass
class Checked:
    """What the check found: ``errors`` refuse the sheet; ``findings`` are kept with the batch;
    ``standards`` are the checked rows' monthly standards by class (sheet row → {code: fen})."""

    mode: str
    errors: list[ErrorDetail] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    standards: dict[int, dict[str, int]] = field(default_factory=dict)


def _chunks(values: Sequence[str]) -> list[Sequence[str]]:
    return [values[i : i + CHUNK] for i in range(0, len(values), CHUNK)]


def tolerance(standard: int, tolerance_bp: int) -> int:
    """The difference allowed without a reason: ``tolerance_bp`` of the standard, rounded down
    to the fen (a difference on a class the person has no standard for is never tolerated)."""
    return abs(standard) * tolerance_bp // 10_000


def differences(
    items: Mapping[str, int], standard: Mapping[str, int], tolerance_bp: int
) -> list[tuple[str, int, int, int]]:
    """``(class, sheet, standard, allowed)`` for each class the sheet carries whose amount
    differs from the standard by more than allowed. A class the sheet has no column for is not
    paid by it and not compared (``items`` holds every column of the sheet, 0 when empty)."""
    found = []
    for code in sorted(items):
        paid, due = items[code], standard.get(code, 0)
        allowed = tolerance(due, tolerance_bp)
        if abs(paid - due) > allowed:
            found.append((code, paid, due, allowed))
    return found


def _periods(people: Sequence[Person]) -> dict[int, list[PersonPeriod]]:
    """Every period of each person, oldest first (a person has a handful)."""
    found: dict[int, list[PersonPeriod]] = {p.pk: [] for p in people}
    ids = [p.pk for p in people]
    for start in range(0, len(ids), CHUNK):
        for period in PersonPeriod.objects.filter(
            person_id__in=ids[start : start + CHUNK]
        ).order_by("person_id", "effective_from", "pk"):
            found[period.person_id].append(period)
    return found


def _in_force(periods: Sequence[PersonPeriod], on: dt.date) -> tuple[PersonPeriod | None, int]:
    """The period in force on ``on`` and its index (``None, -1`` before the first)."""
    at = -1
    for index, period in enumerate(periods):
        if period.effective_from <= on:
            at = index
    return (periods[at] if at >= 0 else None), at


@dataclass(frozen=True)
class _Who:
    code: str
    limit: str  # what the database says, short ("调出 2026-05-31")
    zh: str
    en: str


def _who(
    periods: Sequence[PersonPeriod],
    on: dt.date,
    unit: Organisation,
    names: Mapping[int, str],
    items: Mapping[str, int],
) -> _Who | None:
    """Why the database does not let the unit pay this person this month (None: it does)."""
    if not periods:
        return _Who(
            "payroll.person_unknown",
            "人员信息库无此人",
            "人员信息库中没有此身份证号",
            "the ID number is not in the personnel database",
        )
    period, at = _in_force(periods, on)
    if period is None:
        first = periods[0]
        where = names.get(first.organisation_id, "")
        return _Who(
            "payroll.person_not_yet",
            f"{first.effective_from.isoformat()} 起在“{where}”",
            f"人员信息库记载其 {first.effective_from.isoformat()} 起才在“{where}”，本月尚未在册",
            f"the database has them at {where} only from {first.effective_from.isoformat()}",
        )
    zh, en = STATE_NAMES.get(period.state, (period.state, period.state))
    since = period.effective_from.isoformat()
    if period.organisation_id != unit.pk:
        where = names.get(period.organisation_id, "")
        return _Who(
            "payroll.person_other_unit"
            if period.state in rules.HELD
            else "payroll.person_not_active",
            f"{where} {zh} {since}",
            f"人员信息库记载其 {since} 起为“{where}”{zh}人员，不是本单位人员",
            f"the database has them {en} at {where} since {since}, not at this unit",
        )
    if period.state == rules.ACTIVE:
        return None
    if period.state in rules.PAID_AS_RETIRED:
        if all(code.startswith(RETIREE_CLASS) for code, fen in items.items() if fen):
            return None  # the retiree's pension on a retirees' sheet
        return _Who(
            "payroll.person_retired",
            f"{zh} {since}",
            f"人员信息库记载其 {since} 起{zh}，只能发放离退休费（303xx），不能发放在职工资项目",
            f"the database has them {en} since {since}: only retiree items (303xx) may be paid",
        )
    onward = ""
    later = periods[at + 1] if at + 1 < len(periods) else None
    if period.state == rules.TRANSFERRED_OUT and later and later.organisation_id != unit.pk:
        onward = names.get(later.organisation_id, "")
    return _Who(
        "payroll.person_not_active",
        f"{zh} {since}" + (f" → {onward}" if onward else ""),
        f"人员信息库记载其已于 {since} {zh}"
        + (f"（调往“{onward}”）" if onward else "")
        + "，本月不在本单位在职",
        f"the database has them {en} on {since}"
        + (f" (to {onward})" if onward else "")
        + ", not in service at this unit this month",
    )


def _row_error(
    index: int, row: SheetRow, shown_id: str, code: str, path: str, zh: str, en: str, **kw: Any
) -> ErrorDetail:
    return ErrorDetail(
        code=code,
        rule=RULE,
        field=f"rows[{index}].{path}",
        row=row.row,
        value=kw.get("value", shown_id),
        limit=kw.get("limit"),
        message_zh=f"第 {row.row} 行 {row.name}（{shown_id}）：{zh}",
        message_en=f"row {row.row}, {row.name} ({shown_id}): {en}",
    )


def _stored(error: ErrorDetail, outcome: str, reason: str = "") -> dict[str, Any]:
    return {**error.as_dict(), "outcome": outcome, "reason": reason}


def _paid_twice(
    *,
    actor: Actor,
    sheet: Sheet,
    organisation: Organisation,
    fiscal_year: int,
    month: int,
    filename: str,
) -> list[ErrorDetail]:
    """The sheet's people already on a batch of the region's month (R-PS-5: once a month)."""
    ids = [r.id_number for r in sheet.rows]
    earlier: dict[str, tuple[str, str, int]] = {}
    for chunk in _chunks(ids):
        for number, unit, at, id_number in (
            PayrollEmployee.objects.filter(
                batch__mof_div_code=organisation.mof_div_code,
                batch__fiscal_year=fiscal_year,
                batch__month=month,
                id_number__in=chunk,
            )
            .exclude(batch__state=PayrollState.VOID)
            .order_by("batch_id", "row")
            .values_list("batch__number", "batch__organisation__name", "row", "id_number")
        ):
            earlier.setdefault(id_number, (number, unit, at))
    errors = []
    for index, row in enumerate(sheet.rows):
        if row.id_number not in earlier:
            continue
        number, unit, other = earlier[row.id_number]
        errors.append(
            _row_error(
                index,
                row,
                id_number_for(actor, row.id_number),
                "payroll.paid_twice",
                "id_number",
                f"已在批次 {number}（{unit}，第 {other} 行）发放 {fiscal_year} 年 {month} 月工资；"
                f"同一人同一月份只能在一个工资批次中发放（本表“{filename}”）",
                f"already paid for {fiscal_year}-{month:02d} in batch {number} ({unit}, row "
                f"{other}); one person is paid once a month (this sheet: '{filename}')",
                limit=number,
            )
        )
    return errors


def check_sheet(
    *,
    actor: Actor,
    sheet: Sheet,
    organisation: Organisation,
    fiscal_year: int,
    month: int,
    filename: str,
    standards: Mapping[str, int],
) -> Checked:
    """R-PS-5 on a clean sheet (see the module). ``standards``: the region's standards in force
    in the salary month. The caller holds the region's payroll sequence lock, so batches of the
    month committed before are all seen (``payroll_import``)."""
    twice = _paid_twice(
        actor=actor,
        sheet=sheet,
        organisation=organisation,
        fiscal_year=fiscal_year,
        month=month,
        filename=filename,
    )
    if not Person.objects.filter(mof_div_code=organisation.mof_div_code).exists():
        return Checked(PersonnelCheck.NO_DATABASE, errors=twice)
    enforced = standards["payroll.personnel_check"] == standard_keys.PERSONNEL_CHECK_ENFORCED
    checked = Checked(PersonnelCheck.ENFORCED if enforced else PersonnelCheck.TRIAL, errors=twice)
    on = month_end(fiscal_year, month)

    def found(error: ErrorDetail, id_number: str = "") -> None:
        if enforced:
            checked.errors.append(error)
        else:  # 试运行: what would block is shown (the ID masked), the batch is kept
            checked.findings.append(_stored(_masked(error, id_number), WARN))

    if not unit_roster(organisation, fiscal_year, month).exists():
        found(
            ErrorDetail(
                code="payroll.unit_not_in_database",
                rule=RULE,
                field="file",
                value=organisation.name,
                limit=on.isoformat(),
                message_zh=f"人员信息库中“{organisation.name}”{fiscal_year} 年 {month} 月没有在册人员，"
                "工资表无法核对；请先由人员库管理岗导入本单位人员（或由财政将核对方式设为试运行）",
                message_en=f"the personnel database holds no one at {organisation.name} in "
                f"{fiscal_year}-{month:02d}: the sheet cannot be checked; the personnel officer "
                "loads the unit's staff first (or finance sets the check to trial)",
            )
        )
        return checked
    people = {
        p.id_number: p
        for chunk in _chunks([r.id_number for r in sheet.rows])
        for p in Person.objects.filter(mof_div_code=organisation.mof_div_code, id_number__in=chunk)
    }
    periods = _periods(list(people.values()))
    units = {p.organisation_id for rows in periods.values() for p in rows}
    names = dict(Organisation.objects.filter(pk__in=units).values_list("pk", "name"))
    tolerance_bp = standards["payroll.tolerance_bp"]
    for index, row in enumerate(sheet.rows):
        person = people.get(row.id_number)
        history = periods.get(person.pk, []) if person else []
        items = {code: row.items.get(code, 0) for code in sheet.items}
        who = _who(history, on, organisation, names, items)
        if who is not None:
            found(
                _row_error(
                    index,
                    row,
                    id_number_for(actor, row.id_number),
                    who.code,
                    "id_number",
                    who.zh,
                    who.en,
                    limit=who.limit,
                ),
                row.id_number,
            )
            continue
        period, _at = _in_force(history, on)
        assert period is not None  # _who found the unit's person in force
        assert person is not None
        if same_name(row.name) != same_name(person.name):
            # The ID is the unit's person but the name is not hers: a typo, or the wrong
            # person's ID on the row — the bank pays by account, so finance must see it.
            shown_id = mask_id_number(row.id_number)
            error = _row_error(
                index,
                row,
                shown_id,
                "payroll.name_differs",
                "name",
                f"工资表姓名“{row.name}”与人员信息库该身份证号的姓名“{person.name}”不一致",
                f"the sheet's name {row.name!r} is not the database's {person.name!r} "
                "for this ID number",
                value=row.name,
                limit=person.name,
            )
            checked.findings.append(_stored(error, EXPLAINED if row.reason else WARN, row.reason))
        standard = by_class(period.items)
        checked.standards[row.row] = standard
        for code, paid, due, allowed in differences(items, standard, tolerance_bp):
            difference = paid - due
            shown_id = mask_id_number(row.id_number)  # kept with the batch: masked (ADR 0019)
            error = _row_error(
                index,
                row,
                shown_id,
                "payroll.differs_from_standard",
                f"items.{code}",
                f"{code} 工资表 {Money(paid)} 元，人员信息库月标准 {Money(due)} 元，"
                f"差额 {Money(difference)} 元（容差 {Money(allowed)} 元）"
                + (f"；差异说明：{row.reason}" if row.reason else "，工资表未填写差异说明"),
                f"{code} on the sheet {Money(paid)}, monthly standard {Money(due)}, "
                f"difference {Money(difference)} (tolerance {Money(allowed)})"
                + (f"; reason: {row.reason}" if row.reason else "; no reason on the sheet"),
                value=Money(paid).format(),
                limit=Money(due).format(),
            )
            checked.findings.append(_stored(error, EXPLAINED if row.reason else WARN, row.reason))
    return checked


# The separator of a minority or foreign name (阿依古丽·买买提) as Excel and IMEs type it.
NAME_DOTS = frozenset("·•・･‧．.")


def same_name(name: str) -> str:
    """A name as compared: width and case folded (NFKC), spaces, format characters (zero-width,
    BOM) and the name dot dropped — a sheet typed elsewhere still matches its person."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return "".join(
        c
        for c in folded
        if not c.isspace() and c not in NAME_DOTS and unicodedata.category(c) != "Cf"
    )


def _masked(error: ErrorDetail, number: str) -> ErrorDetail:
    """A finding kept with the batch shows the ID masked whoever imported it (ADR 0019)."""
    if not number:
        return error
    masked = mask_id_number(number)
    return ErrorDetail(
        code=error.code,
        rule=error.rule,
        field=error.field,
        row=error.row,
        value=masked if error.value == number else error.value,
        limit=error.limit,
        message_zh=error.message_zh.replace(number, masked),
        message_en=error.message_en.replace(number, masked),
    )

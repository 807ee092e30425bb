"""Standards per region and year (支出标准 and 定员定额, ADR 0039; DOMAIN §3.11, DOMAIN-2 §3.3,
R-PY-13, R-PJ-5, R-PJ-10).

A year opens with last year's latest values (copy forward) or the registry's defaults; an edit
appends a version effective from a date, and the value on a date is the latest version effective
on it; the budget division edits, everyone in the region reads, another region sees nothing; bad
values are refused naming code, field, value and limit; a salary batch computes its employer
contributions at the rates in force in its month and keeps them."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from django.db import DatabaseError, transaction
from django.test import Client

import pytest
from tests.payment_helpers import employees, enrolled_sheet
from tests.test_api_csrf import csrf_session

from yusuan.audit.models import AuditRecord
from yusuan.common.actor import PermissionDeniedError
from yusuan.common.errors import BusinessRuleError, NotFoundError
from yusuan.core import standard_keys
from yusuan.core.models import Standard, StandardVersion
from yusuan.core.selectors import standard_history, standard_value, standards_for
from yusuan.core.services.fiscal_years import fiscal_year_open
from yusuan.core.services.regions import region_bootstrap
from yusuan.core.services.standards import standard_change
from yusuan.identity.services import UserData, user_create
from yusuan.payroll.services.batches import payroll_import

pytestmark = pytest.mark.django_db
WJ, WZ = "320509", "320506"
YEAR = 2026
PENSION = "contribution.pension"


def _standard(key: str, year: int = YEAR, region: str = WJ) -> Standard:
    return Standard.objects.get(mof_div_code=region, fiscal_year=year, key=key)


def _change(user: Any, key: str, value: int, on: dt.date | None = None, **more: Any) -> Any:
    return standard_change(
        actor=user("wj_budget"),
        standard=_standard(key, more.pop("year", YEAR)),
        value=value,
        reason=more.pop("reason", "测试调整"),
        effective_from=on,
        **more,
    )


def _error(caught: pytest.ExceptionInfo[BusinessRuleError], code: str) -> Any:
    found = [e for e in caught.value.errors if e.code == code]
    assert found, [e.code for e in caught.value.errors]
    return found[0]


def _other_region() -> Any:
    """吴中区 with its administrator, its 2026 opened (defaults: it had no 2025)."""
    other = region_bootstrap(mof_div_code=WZ, name="吴中区", bureau_name="苏州市吴中区财政局")
    admin = user_create(
        actor=None,
        data=UserData("wz_admin", "wz_admin", other.administration.pk, ("sysadmin",)),
        password="Standards-Suite-2026",
    )
    fiscal_year_open(actor=admin, mof_div_code=WZ, year=YEAR)
    return admin


# --- seeding ------------------------------------------------------------------------------------


def test_a_year_opens_with_every_known_standard() -> None:
    # The demo opened 2025 (no year before: the registry's defaults) and then 2026 (a copy).
    for year in (YEAR - 1, YEAR):
        keys = set(
            Standard.objects.filter(mof_div_code=WJ, fiscal_year=year).values_list("key", flat=True)
        )
        assert keys == set(standard_keys.BY_KEY)
    first = StandardVersion.objects.get(standard=_standard(PENSION, YEAR - 1))
    assert (first.value, first.effective_from, first.basis) == (
        1600,
        dt.date(YEAR - 1, 1, 1),
        "国办发〔2019〕13号",
    )
    assert first.reason == "年度初始值（系统默认）"
    copied = StandardVersion.objects.get(standard=_standard(PENSION))
    assert (copied.value, copied.effective_from) == (1600, dt.date(YEAR, 1, 1))
    assert copied.reason == f"沿用 {YEAR - 1} 年度标准"
    assert standards_for(mof_div_code=WJ, fiscal_year=YEAR) == standard_keys.DEFAULTS
    assert standards_for(mof_div_code=WJ, fiscal_year=YEAR)["expense.meeting.1"] == 760_00


def test_opening_the_next_year_copies_the_latest_values_forward(user: Any) -> None:
    # The demo has opened the budget year (YEAR + 1) for its 批复 already: open the one after.
    this, next_year = YEAR + 1, YEAR + 2
    _change(
        user,
        "contribution.housing_fund",
        1000,
        dt.date(this, 7, 1),
        basis="苏州公积金〔2026〕8号",
        year=this,
    )
    _change(user, "public.per_head.31", 18_000_00, dt.date(this, 3, 1), year=this)
    year = fiscal_year_open(actor=user("wj_admin"), mof_div_code=WJ, year=next_year)
    following = standards_for(mof_div_code=WJ, fiscal_year=next_year)
    assert following["contribution.housing_fund"] == 1000
    assert following["public.per_head.31"] == 18_000_00
    assert following[PENSION] == 1600
    fund = StandardVersion.objects.get(standard=_standard("contribution.housing_fund", next_year))
    assert (fund.effective_from, fund.basis, fund.version) == (
        dt.date(next_year, 1, 1),
        "苏州公积金〔2026〕8号",
        1,
    )
    seeded = AuditRecord.objects.get(action="core.standards.seed", fiscal_year=next_year)
    assert seeded.mof_div_code == WJ
    assert seeded.changes["contribution.housing_fund"] == [None, 1000]
    assert seeded.extra["copied_from"] == this and len(seeded.extra["copied"]) == len(
        standard_keys.KNOWN
    )
    opened = AuditRecord.objects.get(action="core.fiscal_year.open", object_id=str(year.pk))
    assert opened.extra["standards"] == len(standard_keys.KNOWN)


def test_a_region_without_a_previous_year_gets_the_defaults() -> None:
    _other_region()
    assert standards_for(mof_div_code=WZ, fiscal_year=YEAR) == standard_keys.DEFAULTS
    seeded = AuditRecord.objects.get(action="core.standards.seed", mof_div_code=WZ)
    assert seeded.extra["copied"] == [] and seeded.extra["copied_from"] is None


# --- history --------------------------------------------------------------------------------------


def test_the_value_on_a_date_is_the_latest_version_effective_on_it(user: Any) -> None:
    _change(user, PENSION, 1500, dt.date(YEAR, 7, 1))

    def on(day: dt.date | None) -> int:
        return standard_value(mof_div_code=WJ, fiscal_year=YEAR, key=PENSION, on=day)

    assert on(dt.date(YEAR, 6, 30)) == 1600
    assert on(dt.date(YEAR, 7, 1)) == 1500  # from that day on
    assert on(dt.date(YEAR, 12, 31)) == on(None) == 1500  # None: the year's latest
    assert on(dt.date(YEAR - 1, 12, 31)) == 1600  # before the year: the value it opened with
    # A later correction for the same day wins over the earlier version of that day.
    _change(user, PENSION, 1450, dt.date(YEAR, 7, 1))
    assert on(dt.date(YEAR, 7, 1)) == 1450
    # A retroactive change from March counts from March until the July version takes over.
    _change(user, PENSION, 1550, dt.date(YEAR, 3, 1))
    assert [on(dt.date(YEAR, m, 1)) for m in (2, 3, 6, 7, 12)] == [1600, 1550, 1550, 1450, 1450]
    history = standard_history(mof_div_code=WJ, fiscal_year=YEAR, key=PENSION)
    assert [(v.version, v.value, v.effective_from) for v in history] == [
        (4, 1550, dt.date(YEAR, 3, 1)),
        (3, 1450, dt.date(YEAR, 7, 1)),
        (2, 1500, dt.date(YEAR, 7, 1)),
        (1, 1600, dt.date(YEAR, 1, 1)),
    ]
    assert history[0].created_by.username == "wj_budget"
    for day in (dt.date(YEAR, 5, 1), dt.date(YEAR, 9, 1), None):
        assert standards_for(mof_div_code=WJ, fiscal_year=YEAR, on=day)[PENSION] == on(day)
    # The other year is untouched.
    assert standard_value(mof_div_code=WJ, fiscal_year=YEAR - 1, key=PENSION) == 1600


def test_standards_for_is_one_query(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        values = standards_for(mof_div_code=WJ, fiscal_year=YEAR, on=dt.date(YEAR, 5, 1))
    assert len(values) == len(standard_keys.KNOWN)


def test_an_edit_is_audited_with_before_and_after(user: Any) -> None:
    version = _change(user, "expense.meeting.2", 600_00, dt.date(YEAR, 9, 1), reason="新办法")
    record = AuditRecord.objects.get(
        action="core.standard.change", object_id=str(version.standard_id)
    )
    assert record.changes == {"value": [650_00, 600_00]}
    assert record.extra["effective_from"] == f"{YEAR}-09-01" and record.extra["reason"] == "新办法"
    assert record.extra["basis"] == "财行〔2016〕214号"  # the current basis, kept


def test_versions_are_append_only(user: Any) -> None:
    version = _change(user, PENSION, 1500, dt.date(YEAR, 7, 1))
    for statement in (
        lambda: StandardVersion.objects.filter(pk=version.pk).update(value=1),
        lambda: StandardVersion.objects.filter(pk=version.pk).delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            statement()
    assert StandardVersion.objects.get(pk=version.pk).value == 1500


def test_unknown_key_is_a_lookup_error() -> None:
    with pytest.raises(LookupError):
        standard_value(mof_div_code=WJ, fiscal_year=YEAR, key="contribution.nothing")


# --- permissions ----------------------------------------------------------------------------------


def test_a_unit_reads_but_cannot_edit(user: Any, client_as: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        _change_as(user("school_clerk"), PENSION, 1500)
    clerk = client_as("school_clerk")
    page = clerk.get("/core/standards/")
    assert page.status_code == 200 and "16.00 %" in page.content.decode()
    assert 'data-testid="edit-' not in page.content.decode()
    standard = _standard(PENSION)
    assert clerk.get(f"/core/standards/{standard.pk}/edit/").status_code == 403
    posted = clerk.post(f"/core/standards/{standard.pk}/edit/", {"value": "1", "reason": "x"})
    assert posted.status_code == 403
    answer = clerk.post(
        "/api/v1/core/standards",
        data=json.dumps({"fiscal_year": YEAR, "key": PENSION, "value": 1, "reason": "x"}),
        content_type="application/json",
    )
    assert answer.status_code == 403
    assert standard.versions.count() == 1


def _change_as(actor: Any, key: str, value: int) -> Any:
    return standard_change(actor=actor, standard=_standard(key), value=value, reason="x")


def test_another_regions_standards_are_invisible(user: Any, client_as: Any) -> None:
    wz_admin = _other_region()
    theirs = _standard(PENSION, region=WZ)
    budget = client_as("wj_budget")
    assert budget.get(f"/core/standards/{theirs.pk}/history/").status_code == 404
    assert budget.get(f"/core/standards/{theirs.pk}/edit/").status_code == 404
    assert budget.get(f"/core/standards/?region={WZ}").status_code == 404
    assert (
        budget.get(f"/api/v1/core/standards?fiscal_year={YEAR}&mof_div_code={WZ}").status_code
        == 404
    )
    assert budget.get(f"/api/v1/core/standards/{theirs.pk}/versions").status_code == 404
    with pytest.raises(NotFoundError):
        standard_change(actor=user("wj_budget"), standard=theirs, value=1500, reason="x")
    # Their administrator sees theirs only.
    client = Client()
    client.force_login(wz_admin)
    listed = client.get(f"/api/v1/core/standards?fiscal_year={YEAR}").json()
    assert {row["mof_div_code"] for row in listed} == {WZ}
    assert client.get(f"/core/standards/{_standard(PENSION).pk}/history/").status_code == 404


# --- validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "limit"),
    [
        pytest.param(PENSION, -1, "0.00 % – 100.00 %", id="negative_rate_case"),
        pytest.param(PENSION, 10_001, "0.00 % – 100.00 %", id="rate_above_100_percent_case"),
        pytest.param("contribution.housing_fund", 1300, "5.00 % – 12.00 %", id="fund_case"),
        pytest.param("base.cap_pct", 50, "100 % – 1000 %", id="cap_below_100_case"),
        pytest.param(
            "public.per_vehicle",
            -5,
            "0.00 元/辆·年 – 1,000,000.00 元/辆·年",
            id="negative_fen_case",
        ),
        pytest.param("public.headcount_basis", 3, "编制数 | 实有人数", id="not_a_choice_case"),
    ],
)
def test_a_value_out_of_range_is_refused(user: Any, key: str, value: int, limit: str) -> None:
    known = standard_keys.BY_KEY[key]
    with pytest.raises(BusinessRuleError) as caught:
        _change(user, key, value)
    error = _error(caught, "core.standard_out_of_range")
    assert (error.field, error.value, error.limit, error.rule) == (
        "value",
        value,
        limit,
        known.rule,
    )
    assert known.name in error.message_zh and limit in error.message_zh
    assert (
        known.name_en in error.message_en
        and standard_keys.limit_text(known, "en") in error.message_en
    )
    assert _standard(key).versions.count() == 1  # nothing written


def test_reason_and_date_are_required_and_checked(user: Any) -> None:
    with pytest.raises(BusinessRuleError) as caught:
        _change(user, PENSION, 1500, dt.date(YEAR + 1, 1, 1), reason="  ")
    reason = _error(caught, "core.standard_reason_required")
    assert reason.field == "reason"
    date = _error(caught, "core.standard_bad_effective_from")
    assert (date.field, date.value, date.limit) == (
        "effective_from",
        f"{YEAR + 1}-01-01",
        f"{YEAR}-01-01 – {YEAR}-12-31",
    )
    assert f"{YEAR}-01-01 – {YEAR}-12-31" in date.message_zh and "outside" in date.message_en


def test_a_closed_year_is_final(user: Any) -> None:
    with pytest.raises(BusinessRuleError) as caught:
        _change(user, PENSION, 1500, year=YEAR - 1, on=dt.date(YEAR - 1, 6, 1))
    assert _error(caught, "core.fiscal_year_closed").rule == "R-MD-4"


@pytest.mark.parametrize(
    ("key", "text", "value"),
    [
        pytest.param(PENSION, "16", 1600, id="whole_percent_case"),
        pytest.param(PENSION, "15.5 %", 1550, id="percent_sign_case"),
        pytest.param(PENSION, "１４．２５％", 1425, id="full_width_case"),
        pytest.param("public.per_head.1", "24,500 元/人·年", 24_500_00, id="yuan_case"),
        pytest.param("base.cap_pct", "300%", 300, id="cap_case"),
        pytest.param("bonus.year_end_months", "1", 1, id="months_case"),
        pytest.param("contribution.medical", "-1", -100, id="negative_parses_range_refuses_case"),
    ],
)
def test_human_units_are_read(key: str, text: str, value: int) -> None:
    assert standard_keys.parse(standard_keys.BY_KEY[key], text) == value


@pytest.mark.parametrize("text", ["abc", "16.005", "1e3", "", "1.5 个月"])
def test_not_a_number_is_named(text: str) -> None:
    key = "bonus.year_end_months" if "月" in text else PENSION
    known = standard_keys.BY_KEY[key]
    error = standard_keys.parse(known, text)
    assert not isinstance(error, int)
    assert (error.code, error.field, error.value) == ("core.standard_not_a_number", "value", text)
    assert error.limit == standard_keys.limit_text(known)
    assert f"“{text}”" in error.message_zh and f"'{text}'" in error.message_en


# --- the page (CSRF enforced) ---------------------------------------------------------------------


def test_the_page_lists_groups_and_edits_with_a_reason(user: Any) -> None:
    client, token = csrf_session(user("wj_budget"))
    page = client.get(f"/core/standards/?year={YEAR}").content.decode()
    for text in (
        "缴费比例",
        "缴费基数上下限",
        "公用经费定额",
        "支出标准",
        "16.00 %",
        "760.00 元/人·天",
        "实有人数",
    ):
        assert text in page, text
    standard = _standard(PENSION)
    assert f'href="/core/standards/{standard.pk}/edit/"' in page
    form = client.get(f"/core/standards/{standard.pk}/edit/").content.decode()
    assert 'value="16.00"' in form and "国办发〔2019〕13号" in form
    url = f"/core/standards/{standard.pk}/edit/"
    # Without the CSRF token: refused, nothing written.
    assert client.post(url, {"value": "15", "reason": "x"}).status_code == 403
    # Not a number, then out of range, then no reason: each named beside its field.
    bad = client.post(url, {"value": "abc", "reason": "x", "csrfmiddlewaretoken": token})
    assert bad.status_code == 200 and "“abc”不是有效数值" in bad.content.decode()
    high = client.post(url, {"value": "120", "reason": "x", "csrfmiddlewaretoken": token})
    assert "120.00 % 超出允许范围 0.00 % – 100.00 %" in high.content.decode()
    bare = client.post(url, {"value": "15", "reason": "", "csrfmiddlewaretoken": token})
    assert 'data-field="reason"' in bare.content.decode()
    assert standard.versions.count() == 1
    saved = client.post(
        url,
        {"value": "15.5", "effective_from": f"{YEAR}-07-01", "basis": "苏人社〔2026〕1号",
         "reason": "省里调整", "csrfmiddlewaretoken": token},
    )  # fmt: skip
    assert (
        saved.status_code == 302
        and saved["Location"] == f"/core/standards/?region={WJ}&year={YEAR}"
    )
    assert standard_value(mof_div_code=WJ, fiscal_year=YEAR, key=PENSION) == 1550
    assert (
        standard_value(mof_div_code=WJ, fiscal_year=YEAR, key=PENSION, on=dt.date(YEAR, 6, 1))
        == 1600
    )
    listed = client.get(saved["Location"]).content.decode()
    assert "15.50 %" in listed and "苏人社〔2026〕1号" in listed and "省里调整" in listed
    drawer = client.get(f"/core/standards/{standard.pk}/history/", HTTP_HX_REQUEST="true")
    rows = re.findall(r"<tr><td>(\d+)</td><td class=\"num\">([^<]+)</td>", drawer.content.decode())
    assert rows == [("2", "15.50 %"), ("1", "16.00 %")]


def test_a_choice_is_edited_by_its_option(user: Any) -> None:
    client, token = csrf_session(user("wj_budget"))
    standard = _standard("expense.block")
    form = client.get(f"/core/standards/{standard.pk}/edit/").content.decode()
    assert "<select" in form and "阻断" in form
    saved = client.post(
        f"/core/standards/{standard.pk}/edit/",
        {"value": "1", "reason": "区里规定超标准阻断", "csrfmiddlewaretoken": token},
    )
    assert saved.status_code == 302
    assert (
        standards_for(mof_div_code=WJ, fiscal_year=YEAR)["expense.block"]
        == standard_keys.EXPENSE_BLOCK
    )


# --- the API --------------------------------------------------------------------------------------


def test_api_reads_the_year(client_as: Any) -> None:
    rows = client_as("school_clerk").get(f"/api/v1/core/standards?fiscal_year={YEAR}").json()
    by_key = {row["key"]: row for row in rows}
    assert set(by_key) == set(standard_keys.BY_KEY)
    pension = by_key[PENSION]
    assert (pension["value"], pension["display"], pension["unit"], pension["rule"]) == (
        1600,
        "16.00 %",
        "bp",
        "R-PY-13",
    )
    assert pension["effective_from"] == f"{YEAR}-01-01" and pension["economic_code"] == "30108"
    assert by_key["public.per_head.1"]["display"] == "24,000.00 元/人·年"


def test_api_writes_once_per_key_with_the_csrf_header(user: Any) -> None:
    client, token = csrf_session(user("wj_budget"))
    body = json.dumps(
        {"fiscal_year": YEAR, "key": "expense.training.1", "value": 600_00,
         "effective_from": f"{YEAR}-05-01", "reason": "新标准"}
    )  # fmt: skip
    no_csrf = client.post("/api/v1/core/standards", data=body, content_type="application/json")
    assert no_csrf.status_code == 403
    headers = {"HTTP_X_CSRFTOKEN": token, "HTTP_IDEMPOTENCY_KEY": "standard-1"}
    first = client.post(
        "/api/v1/core/standards", data=body, content_type="application/json", **headers
    )
    assert first.status_code == 201, first.content
    assert (first.json()["value"], first.json()["version"]) == (600_00, 2)
    again = client.post(
        "/api/v1/core/standards", data=body, content_type="application/json", **headers
    )
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert _standard("expense.training.1").versions.count() == 2  # once
    versions = client.get(f"/api/v1/core/standards/{first.json()['id']}/versions").json()
    assert [(v["version"], v["display"]) for v in versions] == [
        (2, "600.00 元/人·天"),
        (1, "650.00 元/人·天"),
    ]
    bad = client.post(
        "/api/v1/core/standards",
        data=json.dumps({"fiscal_year": YEAR, "key": PENSION, "value": 20_000, "reason": "x"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert bad.status_code == 422
    error = bad.json()["errors"][0]
    assert (error["code"], error["field"], error["value"], error["limit"]) == (
        "core.standard_out_of_range",
        "value",
        20_000,
        "0.00 % – 100.00 %",
    )
    unknown = client.post(
        "/api/v1/core/standards",
        data=json.dumps({"fiscal_year": YEAR, "key": "nothing", "value": 1, "reason": "x"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert unknown.status_code == 404


# --- payroll (R-PY-13) ----------------------------------------------------------------------------


def _batch(user: Any, count: int, month: int = 11) -> Any:
    return payroll_import(
        actor=user("school_clerk"),
        data=enrolled_sheet(employees(count)),
        filename="工资表.xlsx",
        month=month,
        fiscal_year=YEAR,
    )


def _pension(batch: Any) -> tuple[int, int]:
    found = batch.contributions.get(item="30108")
    return found.rate_bp, found.amount


def test_an_edited_rate_changes_a_new_batch_and_not_an_old_one(user: Any) -> None:
    old = _batch(user, 3)
    assert _pension(old) == (1600, 24_000 + 24_016 + 24_032)
    # From November the region's pension rate is 14 % (effective on the salary month's first day).
    _change(user, PENSION, 1400, dt.date(YEAR, 11, 1))
    _change(user, "contribution.unemployment", 30, dt.date(YEAR, 11, 1))
    # December's sheet (the same people: one salary a month, R-PS-5); bases 1,500.00, 1,501.00.
    new = _batch(user, 2, month=12)
    assert _pension(new) == (1400, 21_000 + 21_014)
    unemployment = new.contributions.get(item="30112").components[0]
    assert (unemployment["rate_bp"], unemployment["amount"]) == (30, 450 + 450)
    old.refresh_from_db()
    assert _pension(old) == (1600, 24_000 + 24_016 + 24_032)  # kept with the batch
    assert old.contributions.get(item="30112").components[0]["rate_bp"] == 50
    # An October batch is still at the rate in force in October.
    assert _pension(_batch(user, 1, month=10)) == (1600, 24_000)


def test_the_data_migration_seeds_years_opened_before_the_table() -> None:
    import importlib

    from django.apps import apps

    from yusuan.core.models import FiscalYear

    migration = importlib.import_module("yusuan.core.migrations.0009_standards_for_open_years")
    FiscalYear.objects.create(mof_div_code=WJ, year=2030)  # as opened before migration 0007
    migration.seed(apps, None)
    assert standards_for(mof_div_code=WJ, fiscal_year=2030) == standard_keys.DEFAULTS
    assert Standard.objects.filter(mof_div_code=WJ, fiscal_year=2030).count() == len(
        standard_keys.KNOWN
    )
    first = StandardVersion.objects.get(standard=_standard(PENSION, 2030))
    assert (first.version, first.effective_from) == (1, dt.date(2030, 1, 1))
    migration.seed(apps, None)  # again: nothing added, the years already seeded are left alone
    assert StandardVersion.objects.filter(mof_div_code=WJ, fiscal_year=2030).count() == len(
        standard_keys.KNOWN
    )

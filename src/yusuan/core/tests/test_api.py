"""Master-data writes through /api/v1 (issue 14 item 6): each calls the page's service with the
page's permission; another scope's object is a 404; bad input is a problem body naming the field."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

import pytest

from yusuan.audit.models import AuditRecord
from yusuan.core.models import BankAccount, ClassificationCode, FiscalYear, Organisation, Payee
from yusuan.identity.services import api_token_issue

pytestmark = pytest.mark.django_db

SCHOOL = "吴江区松陵实验小学"
HOSPITAL = "吴江区第一人民医院"


def _send(client: Client, method: str, path: str, body: Any, **headers: Any) -> Any:
    return getattr(client, method)(
        path, data=json.dumps(body), content_type="application/json", **headers
    )


def _org_body(org: Organisation, **changes: Any) -> dict[str, Any]:
    body = {
        "code": org.code,
        "name": org.name,
        "short_name": org.short_name,
        "kind": org.kind,
        "parent_id": org.parent_id,
        "division_type": org.division_type,
        "agency_type": org.agency_type,
        "budget_level": org.budget_level,
        "supervising_division_id": org.supervising_division_id,
        "credit_code": org.credit_code,
        "is_enabled": org.is_enabled,
    }
    return {**body, **changes}


def test_an_organisation_is_created_and_edited_with_the_pages_service(
    client_as: Any, org: Any
) -> None:
    admin = client_as("wj_admin")
    edu = org("苏州市吴江区教育局")
    body = {
        "code": "  901001 ",
        "name": "吴江区新建实验学校",
        "kind": "unit",
        "parent_id": edu.pk,
        "agency_type": "2",
        "budget_level": 2,
    }
    made = _send(admin, "post", "/api/v1/organisations", body, HTTP_IDEMPOTENCY_KEY="o-1")
    assert made.status_code == 201, made.content
    created = Organisation.objects.get(pk=made.json()["id"])
    assert (created.code, created.parent_id, created.path) == (
        "901001",
        edu.pk,
        f"{edu.path}{created.pk}/",
    )
    again = _send(admin, "post", "/api/v1/organisations", body, HTTP_IDEMPOTENCY_KEY="o-1")
    assert again.json() == made.json() and again["Idempotent-Replayed"] == "true"
    assert (
        AuditRecord.objects.filter(
            action="core.organisation.create", object_id=str(created.pk)
        ).count()
        == 1
    )

    edited = _send(
        admin,
        "put",
        f"/api/v1/organisations/{created.pk}",
        _org_body(created, name="吴江区新建实验学校（改）", credit_code=""),
    )
    assert edited.status_code == 200, edited.content
    assert Organisation.objects.get(pk=created.pk).name == "吴江区新建实验学校（改）"


def test_organisation_refusals(client_as: Any, org: Any) -> None:
    school, hospital = org(SCHOOL), org(HOSPITAL)
    approver = client_as("school_approver")  # may edit their own unit, not another's
    assert (
        _send(approver, "put", f"/api/v1/organisations/{school.pk}", _org_body(school)).status_code
        == 200
    )
    other = _send(approver, "put", f"/api/v1/organisations/{hospital.pk}", _org_body(hospital))
    assert other.status_code == 404 and other["Content-Type"] == "application/problem+json"
    clerk = client_as("school_clerk")  # no change_organisation, as on the edit page
    refused = _send(clerk, "put", f"/api/v1/organisations/{school.pk}", _org_body(school))
    assert refused.status_code == 403
    assert clerk.get(f"/core/organisations/{school.pk}/edit/").status_code == 403
    bad = _send(
        client_as("wj_admin"),
        "post",
        "/api/v1/organisations",
        {"code": "x", "name": "n", "kind": "planet"},
    )
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["kind"]
    duplicate = _send(
        approver, "put", f"/api/v1/organisations/{school.pk}", _org_body(school, code=hospital.code)
    )
    assert duplicate.status_code in (400, 422)
    assert duplicate.json()["errors"][0]["field"] == "code"


def test_a_bank_account_is_created_and_edited(client_as: Any, org: Any) -> None:
    treasury = client_as("wj_admin")
    school = org(SCHOOL)
    body = {
        "organisation_id": school.pk,
        "account_type": "real_funds",
        "account_no": "6222 0000 1111 2222",
        "account_name": SCHOOL,
        "bank_name": "中国工商银行吴江支行",
    }
    made = _send(treasury, "post", "/api/v1/bank-accounts", body)
    assert made.status_code == 201, made.content
    account = BankAccount.objects.get(pk=made.json()["id"])
    assert account.account_no == "6222000011112222"
    edited = _send(
        treasury, "put", f"/api/v1/bank-accounts/{account.pk}", {**body, "bank_name": "工行"}
    )
    assert edited.status_code == 200 and BankAccount.objects.get(pk=account.pk).bank_name == "工行"
    bad = _send(treasury, "post", "/api/v1/bank-accounts", {**body, "account_no": ""})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "account_no"
    # A unit clerk may not add accounts (the page's permission), nor see another unit's.
    assert (
        _send(client_as("school_clerk"), "post", "/api/v1/bank-accounts", body).status_code == 403
    )
    hospital_account = BankAccount.objects.filter(organisation__name=HOSPITAL).first()
    assert hospital_account is not None
    school_side = client_as("school_approver")
    assert _send(
        school_side, "put", f"/api/v1/bank-accounts/{hospital_account.pk}", body
    ).status_code in (403, 404)


def _payee_body(payee: Payee, **changes: Any) -> dict[str, Any]:
    fields = (
        "kind",
        "name",
        "credit_code",
        "id_number",
        "bank_account_no",
        "bank_name",
        "bank_code",
        "is_enabled",
    )
    return {**{f: getattr(payee, f) for f in fields}, **changes}


def test_a_payee_is_edited_by_a_role_that_sees_personal_data(client_as: Any) -> None:
    payee = Payee.objects.filter(organisation__name=SCHOOL).first()
    assert payee is not None
    cashier = client_as("school_cashier")
    edited = _send(
        cashier, "put", f"/api/v1/payees/{payee.pk}", _payee_body(payee, bank_name="农行吴江支行")
    )
    assert edited.status_code == 200, edited.content
    assert (
        edited.json()["bank_account_no"] == payee.bank_account_no
    )  # whole, as the role may see it
    assert Payee.objects.get(pk=payee.pk).bank_name == "农行吴江支行"
    hospital_payee = Payee.objects.filter(organisation__name=HOSPITAL).first()
    assert hospital_payee is not None
    assert (
        _send(
            cashier, "put", f"/api/v1/payees/{hospital_payee.pk}", _payee_body(hospital_payee)
        ).status_code
        == 404
    )
    bad = _send(cashier, "put", f"/api/v1/payees/{payee.pk}", _payee_body(payee, kind="robot"))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "kind"
    # Without the permission to edit payees: 403, as the page.
    assert (
        _send(
            client_as("school_approver"), "put", f"/api/v1/payees/{payee.pk}", _payee_body(payee)
        ).status_code
        == 403
    )


def test_a_payee_editor_who_may_not_see_personal_data_gets_a_404(client_as: Any, user: Any) -> None:
    from yusuan.identity.models import Role

    clerk = user("school_clerk")
    assert clerk.has_perm("core.change_payee") and not clerk.has_perm("core.view_personal_data"), (
        sorted(Role.objects.filter(users=clerk).values_list("code", flat=True))
    )
    payee = Payee.objects.filter(organisation__name=SCHOOL).first()
    assert payee is not None
    answer = _send(
        client_as("school_clerk"), "put", f"/api/v1/payees/{payee.pk}", _payee_body(payee)
    )
    assert answer.status_code == 404
    assert client_as("school_clerk").get(f"/core/payees/{payee.pk}/edit/").status_code == 404


def test_fiscal_years_open_and_close(client_as: Any, user: Any) -> None:
    admin = client_as("wj_admin")
    opened = _send(admin, "post", "/api/v1/fiscal-years", {"year": 2028}, HTTP_IDEMPOTENCY_KEY="fy")
    assert opened.status_code == 201, opened.content
    year = FiscalYear.objects.get(pk=opened.json()["id"])
    assert ClassificationCode.objects.filter(mof_div_code="320509", fiscal_year=2028).exists()
    twice = _send(admin, "post", "/api/v1/fiscal-years", {"year": 2028})
    assert twice.status_code in (400, 422) and twice.json()["errors"][0]["field"] == "year"
    out_of_range = _send(admin, "post", "/api/v1/fiscal-years", {"year": 1999})
    assert out_of_range.status_code == 422 and out_of_range.json()["errors"][0]["field"] == "year"
    closed = _send(admin, "post", f"/api/v1/fiscal-years/{year.pk}/close", {})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert (
        _send(client_as("school_clerk"), "post", "/api/v1/fiscal-years", {"year": 2028}).status_code
        == 403
    )
    from yusuan.core.services.regions import region_bootstrap

    other = region_bootstrap(mof_div_code="320506", name="吴中区", bureau_name="苏州市吴中区财政局")
    other_year = FiscalYear.objects.create(mof_div_code=other.region.mof_div_code, year=2031)
    assert (
        _send(admin, "post", f"/api/v1/fiscal-years/{other_year.pk}/close", {}).status_code == 404
    )


def test_a_code_is_renamed_and_disabled(client_as: Any) -> None:
    code = ClassificationCode.objects.filter(
        mof_div_code="320509", fiscal_year=2026, kind="functional"
    ).first()
    assert code is not None
    admin = client_as("wj_admin")
    answer = _send(admin, "put", f"/api/v1/codes/{code.pk}", {"name": "改名", "is_enabled": False})
    assert answer.status_code == 200, answer.content
    code.refresh_from_db()
    assert (code.name, code.is_enabled) == ("改名", False)
    listed = admin.get("/api/v1/codes?year=2026&enabled=0").json()
    assert code.pk in [row["id"] for row in listed["items"]]
    bad = _send(admin, "put", f"/api/v1/codes/{code.pk}", {"name": "", "is_enabled": True})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "name"
    assert (
        _send(
            client_as("school_clerk"),
            "put",
            f"/api/v1/codes/{code.pk}",
            {"name": "x", "is_enabled": True},
        ).status_code
        == 403
    )


def test_an_integrator_token_writes_master_data_within_its_scopes(user: Any, org: Any) -> None:
    """A token with ``core:write`` edits (no CSRF token needed); with ``core:read`` only, it is
    refused the write whatever its holder's roles."""
    school = org(SCHOOL)
    writer = api_token_issue(
        actor=None, user=user("wj_admin"), name="t", scopes=("core:read", "core:write")
    )
    reader = api_token_issue(actor=None, user=user("wj_admin"), name="r", scopes=("core:read",))
    client = Client(enforce_csrf_checks=True)
    path = f"/api/v1/organisations/{school.pk}"
    body = _org_body(school, short_name="松陵实小")
    ok = _send(client, "put", path, body, HTTP_AUTHORIZATION=f"Bearer {writer.key}")
    assert ok.status_code == 200, ok.content
    refused = _send(client, "put", path, body, HTTP_AUTHORIZATION=f"Bearer {reader.key}")
    assert refused.status_code == 403


def _csv(rows: list[list[str]]) -> bytes:
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def test_units_and_codes_are_imported_from_a_sheet(client_as: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    admin = client_as("wj_admin")
    units = [
        ["单位编码", "单位名称", "类别", "上级单位编码", "单位类型", "预算级次"],
        ["150002", "测试下属单位", "unit", "150", "31", "3"],
        ["150", "测试部门", "department", "", "1", "1"],
    ]
    sheet = SimpleUploadedFile("u.csv", _csv(units), content_type="text/csv")
    made = admin.post("/api/v1/organisations/import", {"file": sheet}, HTTP_IDEMPOTENCY_KEY="imp")
    assert made.status_code == 201, made.content
    assert made.json() == {"created": 2}
    assert Organisation.objects.get(mof_div_code="320509", code="150002").parent.code == "150"
    bad = [units[0], ["160", "坏部门", "department", "", "7", "9"]]
    refused = admin.post(
        "/api/v1/organisations/import",
        {"file": SimpleUploadedFile("b.csv", _csv(bad), content_type="text/csv")},
    )
    assert refused.status_code == 422
    assert sorted((e["row"], e["field"]) for e in refused.json()["errors"]) == [
        (2, "agency_type"),
        (2, "budget_level"),
    ]
    clerk = client_as("school_clerk")
    assert (
        clerk.post(
            "/api/v1/organisations/import", {"file": SimpleUploadedFile("u.csv", _csv(units))}
        ).status_code
        == 403
    )

    codes = [
        ["代码集", "编码", "名称", "是否启用"],
        ["functional", "2050299", "其他教育支出", "是"],
    ]
    budget = client_as("wj_budget")
    upload = SimpleUploadedFile("c.csv", _csv(codes), content_type="text/csv")
    imported = budget.post("/api/v1/codes/import", {"file": upload, "year": 2026})
    assert imported.status_code == 201, imported.content
    assert (
        imported.json()["created"] + imported.json()["updated"] + imported.json()["unchanged"] == 1
    )
    no_year = budget.post(
        "/api/v1/codes/import", {"file": SimpleUploadedFile("c.csv", _csv(codes))}
    )
    assert no_year.status_code == 422 and no_year.json()["errors"][0]["field"] == "year"


def test_a_missing_sheet_is_named(client_as: Any) -> None:
    answer = client_as("wj_budget").post("/api/v1/codes/import", {"year": 2026})
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["file"]


def test_the_economic_mapping_and_regions_are_read_as_the_pages_show_them(client_as: Any) -> None:
    budget = client_as("wj_budget")
    rows = budget.get("/api/v1/codes/mapping?year=2026").json()
    page = budget.get("/core/codes/mapping/?year=2026").content.decode()
    assert rows and all(row["code"] in page for row in rows)
    mapped = [row for row in rows if row["for_administrative_units"]]
    assert mapped and mapped[0]["for_administrative_units"]["code"] in page
    assert budget.get("/api/v1/codes/mapping?year=1999").status_code == 422
    regions = budget.get("/api/v1/regions").json()
    assert "320509" in [r["mof_div_code"] for r in regions]
    from yusuan.core.services.regions import region_bootstrap

    region_bootstrap(mof_div_code="320506", name="吴中区", bureau_name="苏州市吴中区财政局")
    assert "320506" not in [r["mof_div_code"] for r in budget.get("/api/v1/regions").json()]

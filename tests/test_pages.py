"""Every master-data page renders for the roles that may see it, in both languages."""

from collections.abc import Callable

from django.test import Client

import pytest

from yusuan.core.models import (
    BankAccount,
    ClassificationCode,
    EconomicMapping,
    Organisation,
    Payee,
)

LIST_PAGES = [
    "/",
    "/core/organisations/",
    "/core/bank-accounts/",
    "/core/payees/",
    "/core/codes/",
    "/core/codes/?year=2026&kind=functional&q=205",
    "/core/codes/mapping/",
    "/core/fiscal-years/",
    "/core/regions/",
]


@pytest.mark.parametrize("path", LIST_PAGES)
@pytest.mark.parametrize("username", ["wj_admin", "wj_budget", "school_clerk", "wj_auditor"])
def test_list_pages_render(client_as: Callable[[str], Client], username: str, path: str) -> None:
    response = client_as(username).get(path)
    assert response.status_code == 200, response.content[:500]


def test_detail_and_edit_pages_render(client_as: Callable[[str], Client]) -> None:
    client = client_as("wj_admin")
    organisation = Organisation.objects.get(name="苏州市吴江区教育局")
    account = BankAccount.objects.filter(organisation=organisation).first()
    payee = Payee.objects.first()
    code = ClassificationCode.objects.filter(fiscal_year=2026).first()
    for path in [
        f"/core/organisations/{organisation.pk}/",
        f"/core/organisations/{organisation.pk}/edit/",
        "/core/organisations/new/",
        f"/core/bank-accounts/{account.pk}/",
        f"/core/bank-accounts/{account.pk}/edit/",
        "/core/bank-accounts/new/",
        f"/core/payees/{payee.pk}/",
        "/core/payees/new/",
        f"/core/codes/{code.pk}/edit/",
        "/core/codes/import/?year=2026",
        "/core/organisations/import/",
        "/audit/",
        "/accounts/sod-report/",
        "/accounts/password/",
        "/accounts/users/",
        "/accounts/users/new/",
    ]:
        response = client.get(path)
        assert response.status_code == 200, (path, response.content[:300])


def test_chinese_by_default_english_on_request(client_as: Callable[[str], Client]) -> None:
    client = client_as("school_clerk")
    assert "基础数据" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Master data" in client.get("/").content.decode()


def test_htmx_search_returns_only_the_rows(client_as: Callable[[str], Client]) -> None:
    response = client_as("wj_budget").get("/core/organisations/?q=教育局", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body
    assert "苏州市吴江区教育局" in body
    assert "苏州市吴江区卫生健康委员会" not in body


def test_form_error_is_shown_beside_the_field(client_as: Callable[[str], Client]) -> None:
    client = client_as("school_clerk")
    clerk_org = Organisation.objects.get(name="吴江区松陵实验小学")
    response = client.post(
        "/core/payees/new/",
        {
            "organisation": clerk_org.pk,
            "kind": "individual",
            "name": "李四",
            "id_number": "320584198001011230",
            "bank_account_no": "6222021234567890",
            "bank_name": "工商银行",
            "is_enabled": "on",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="field-id_number"' in body
    assert 'class="field has-error" id="field-id_number"' in body
    assert "身份证号无效" in body and "R-MD-5" in body


def test_menu_follows_roles(client_as: Callable[[str], Client]) -> None:
    assert "/audit/" not in client_as("school_clerk").get("/").content.decode()
    assert "/audit/" in client_as("wj_auditor").get("/").content.decode()


def test_anonymous_is_sent_to_login(client: Client) -> None:
    response = client.get("/core/organisations/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_browser_language_does_not_override_the_chinese_default(
    client_as: Callable[[str], Client],
) -> None:
    client = client_as("school_clerk")
    assert "基础数据" in client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()


def test_economic_mapping_page_shows_both_branches_and_gaps(
    client_as: Callable[[str], Client],
) -> None:
    """R-MD-3 visible: 30201 办公费 maps to 50201 for agencies and 50502 for institutions."""
    client = client_as("wj_budget")
    html = client.get("/core/codes/mapping/?q=30201").content.decode()
    assert "30201" in html and "50201" in html and "50502" in html
    assert "未映射" not in html
    EconomicMapping.objects.filter(fiscal_year=2026, department_economic_code="30201").delete()
    html = client.get("/core/codes/mapping/?q=30201").content.decode()
    assert "50201" not in html and html.count("未映射") == 2


def test_favicon_is_served_locally(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("yusuan/favicon.svg")
    assert "favicon.svg" in client.get("/accounts/login/").content.decode()


WORKFLOW_PAGES = [
    "/workflow/inbox/",
    "/workflow/submitted/",
    "/workflow/delegations/",
    "/workflow/notifications/",
    "/projects/",
    "/projects/?state=declared&q=安防",
]


@pytest.mark.parametrize("path", WORKFLOW_PAGES)
@pytest.mark.parametrize(
    "username", ["wj_admin", "school_clerk", "school_approver", "edu_reviewer", "wj_sector_edu"]
)
def test_workflow_pages_render(
    client_as: Callable[[str], Client], username: str, path: str
) -> None:
    response = client_as(username).get(path)
    assert response.status_code == 200, response.content[:500]


def test_workflow_admin_pages_render(client_as: Callable[[str], Client]) -> None:
    from yusuan.projects.models import Project
    from yusuan.workflow.models import ApprovalDefinition, WorkflowInstance

    client = client_as("wj_admin")
    definition = ApprovalDefinition.objects.get(code="payment-request")
    instance = WorkflowInstance.objects.first()
    project = Project.objects.first()
    for path in [
        "/workflow/definitions/",
        f"/workflow/definitions/{definition.pk}/",
        f"/workflow/definitions/{definition.pk}/edit/",
        "/workflow/preview/",
        "/workflow/preview/?document_type=payments.request&organisation="
        f"{instance.organisation_id}&subtype=ordinary&amount=600000&fund_type=111",
        "/workflow/overdue/",
        "/workflow/shared-devices/?minutes=60",
        f"/workflow/instances/{instance.pk}/",
        f"/projects/{project.pk}/",
    ]:
        response = client.get(path)
        assert response.status_code == 200, (path, response.content[:300])


def test_unit_clerk_cannot_configure_approvals(client_as: Callable[[str], Client]) -> None:
    client = client_as("school_clerk")
    assert client.get("/workflow/definitions/").status_code == 403
    assert client.get("/workflow/overdue/").status_code == 403


def test_return_without_reason_is_outlined_beside_the_opinion(
    client_as: Callable[[str], Client],
) -> None:
    from yusuan.workflow.models import WorkflowInstance

    instance = WorkflowInstance.objects.get(
        title__endswith="校园安防监控系统升级", state="in_progress"
    )
    response = client_as("school_approver").post(
        f"/workflow/instances/{instance.pk}/return/", {"step": 0, "comment": "  ", "to": "entry"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'class="field has-error" id="field-comment"' in html
    assert "退回必须填写理由" in html and "R-WF-6" in html
    instance.refresh_from_db()
    assert instance.state == "in_progress"

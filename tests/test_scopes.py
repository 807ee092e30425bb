"""Data scope (DESIGN §2): another scope's object is a 404 in pages, fragments and the API alike."""

from collections.abc import Callable
from typing import Any

from django.test import Client

import pytest

from yusuan.core.models import BankAccount, Organisation, Payee

SCHOOL = "吴江区松陵实验小学"
OTHER_SCHOOL = "吴江区同里实验小学"
HOSPITAL = "吴江区第一人民医院"
EDU = "苏州市吴江区教育局"
HEALTH = "苏州市吴江区卫生健康委员会"


def _visible_names(username: str, user: Callable[[str], Any]) -> set[str]:
    return set(Organisation.objects.visible_to(user(username)).values_list("name", flat=True))


def test_unit_sees_only_itself(user: Callable[[str], Any]) -> None:
    assert _visible_names("school_clerk", user) == {SCHOOL}


def test_department_sees_its_subtree(user: Callable[[str], Any]) -> None:
    names = _visible_names("edu_clerk", user)
    assert {EDU, SCHOOL, OTHER_SCHOOL} <= names
    assert HOSPITAL not in names and HEALTH not in names
    expected = Organisation.objects.get(name=EDU).children.count() + 1
    assert len(names) == expected


def test_sector_division_sees_supervised_departments(user: Callable[[str], Any]) -> None:
    names = _visible_names("wj_sector_social", user)
    assert {HEALTH, HOSPITAL} <= names
    assert EDU not in names and SCHOOL not in names


def test_region_wide_roles_see_everything_in_their_region(user: Callable[[str], Any]) -> None:
    total = Organisation.objects.filter(mof_div_code="320509").count()
    for username in ("wj_budget", "wj_treasury", "wj_auditor"):
        assert len(_visible_names(username, user)) == total


def test_bank_sees_only_itself(user: Callable[[str], Any]) -> None:
    assert _visible_names("bank_icbc", user) == {"中国工商银行苏州吴江支行"}


@pytest.fixture
def foreign() -> dict[str, int]:
    hospital = Organisation.objects.get(name=HOSPITAL)
    return {
        "organisation": hospital.pk,
        "account": BankAccount.objects.filter(organisation=hospital).first().pk,
        "payee": Payee.objects.filter(organisation=hospital).first().pk,
    }


PAGE_URLS = [
    "/core/organisations/{organisation}/",
    "/core/organisations/{organisation}/edit/",
    "/core/bank-accounts/{account}/",
    "/core/payees/{payee}/",
]
API_URLS = [
    "/api/v1/organisations/{organisation}",
    "/api/v1/bank-accounts/{account}",
    "/api/v1/payees/{payee}",
]


@pytest.mark.parametrize("template", PAGE_URLS)
def test_unit_clerk_gets_404_for_another_units_page(
    client_as: Callable[[str], Client], foreign: dict[str, int], template: str
) -> None:
    response = client_as("school_clerk").get(template.format(**foreign))
    # An edit page is refused for want of the permission (403) before scope is looked at;
    # every other page is another unit's object, a 404.
    assert response.status_code == (403 if "/edit/" in template else 404)
    if "/edit/" not in template:
        assert response.status_code == 404


@pytest.mark.parametrize("template", API_URLS)
def test_unit_clerk_gets_404_for_another_units_api_object(
    client_as: Callable[[str], Client], foreign: dict[str, int], template: str
) -> None:
    response = client_as("school_clerk").get(template.format(**foreign))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["code"] == "not_found"


@pytest.mark.parametrize("template", API_URLS)
def test_department_of_the_object_sees_it(
    client_as: Callable[[str], Client], foreign: dict[str, int], template: str
) -> None:
    assert client_as("health_clerk").get(template.format(**foreign)).status_code == 200


def test_lists_and_fragments_are_scoped(client_as: Callable[[str], Client]) -> None:
    client = client_as("school_clerk")
    page = client.get("/core/organisations/").content.decode()
    fragment = client.get("/core/organisations/?q=医院", HTTP_HX_REQUEST="true").content.decode()
    api = client.get("/api/v1/organisations?q=医院").json()
    assert HOSPITAL not in page and HOSPITAL not in fragment
    assert api["count"] == 0
    payees = client.get("/api/v1/payees").json()
    school = Organisation.objects.get(name=SCHOOL)
    assert payees["count"] == Payee.objects.filter(organisation=school).count() > 0


def test_other_region_is_invisible(user: Callable[[str], Any]) -> None:
    from yusuan.core.services.regions import region_bootstrap

    other = region_bootstrap(mof_div_code="320506", name="吴中区", bureau_name="苏州市吴中区财政局")
    assert other.bureau.pk not in set(
        Organisation.objects.visible_to(user("wj_budget")).values_list("pk", flat=True)
    )


def test_another_units_project_and_approval_are_404(client_as: Any, user: Any) -> None:
    from yusuan.projects.models import Project
    from yusuan.workflow.models import WorkflowInstance

    edu_project = Project.objects.filter(
        organisation__name="苏州市吴江区教育局", name="全区教师信息技术能力提升培训"
    ).first()
    edu_round = WorkflowInstance.objects.filter(
        document_type="projects.declaration", object_id=str(edu_project.pk)
    ).first()
    school = client_as("school_clerk")
    assert school.get(f"/projects/{edu_project.pk}/").status_code == 404
    assert school.get(f"/workflow/instances/{edu_round.pk}/").status_code == 404
    assert (
        school.post(f"/workflow/instances/{edu_round.pk}/approve/", {"step": 0}).status_code == 404
    )
    listed = school.get("/projects/").content.decode()
    assert edu_project.name not in listed
    assert client_as("edu_clerk").get(f"/projects/{edu_project.pk}/").status_code == 200

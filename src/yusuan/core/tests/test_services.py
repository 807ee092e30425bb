"""Master-data services: validate, scope-check, write and audit in one transaction."""

from collections.abc import Callable
from typing import Any

import pytest

from yusuan.audit.models import AuditRecord
from yusuan.common.errors import BusinessRuleError
from yusuan.core.choices import AccountType, OrganisationKind, PayeeKind
from yusuan.core.models import Organisation, Payee
from yusuan.core.services.accounts import (
    BankAccountData,
    PayeeData,
    bank_account_create,
    payee_create,
)
from yusuan.core.services.organisations import (
    OrganisationData,
    organisation_create,
    organisation_update,
)

EDU = "苏州市吴江区教育局"
HEALTH = "苏州市吴江区卫生健康委员会"


def _unit(code: str, parent: Organisation, name: str = "吴江区测试学校") -> OrganisationData:
    return OrganisationData(
        code=code,
        name=name,
        kind=OrganisationKind.UNIT,
        parent_id=parent.pk,
        agency_type="31",
        budget_level=3,
    )


def test_create_unit_sets_tree_path_and_audits(
    user: Callable[[str], Any], org: Callable[[str], Any]
) -> None:
    admin = user("wj_admin")
    edu = org(EDU)
    unit = organisation_create(actor=admin, mof_div_code="320509", data=_unit("102901", edu))
    assert unit.path == f"{edu.path}{unit.pk}/"
    record = AuditRecord.objects.get(action="core.organisation.create", object_id=str(unit.pk))
    assert record.actor_username == "wj_admin"
    assert record.changes["code"] == [None, "102901"]
    assert record.subject_organisation_id == unit.pk


def test_department_clerk_creates_only_inside_its_subtree(
    user: Callable[[str], Any], org: Callable[[str], Any]
) -> None:
    """A department approver may add units under itself; under another department it is a 404."""
    approver = user("edu_approver")
    approver.roles.add(
        *approver.roles.model.objects.filter(code="sysadmin")
    )  # grant the permission only
    with pytest.raises(BusinessRuleError) as excinfo:
        organisation_create(
            actor=approver, mof_div_code="320509", data=_unit("102902", org(HEALTH))
        )
    assert excinfo.value.status == 404
    assert not Organisation.objects.filter(code="102902").exists()


def test_duplicate_code_and_missing_attributes_are_all_reported(
    user: Callable[[str], Any], org: Callable[[str], Any]
) -> None:
    edu = org(EDU)
    data = OrganisationData(
        code=edu.code, name="重复", kind=OrganisationKind.UNIT, parent_id=edu.pk, credit_code="123"
    )
    with pytest.raises(BusinessRuleError) as excinfo:
        organisation_create(actor=user("wj_admin"), mof_div_code="320509", data=data)
    fields = sorted(e.field or "" for e in excinfo.value.errors)
    assert fields == ["agency_type", "budget_level", "code", "credit_code"]


def test_update_records_before_and_after(
    user: Callable[[str], Any], org: Callable[[str], Any]
) -> None:
    edu = org(EDU)
    data = OrganisationData(
        code=edu.code,
        name="苏州市吴江区教育局（新）",
        kind=edu.kind,
        agency_type=edu.agency_type,
        budget_level=edu.budget_level,
        supervising_division_id=edu.supervising_division_id,
        credit_code=edu.credit_code,
    )
    organisation_update(actor=user("wj_admin"), organisation=edu, data=data)
    record = AuditRecord.objects.filter(
        action="core.organisation.update", object_id=str(edu.pk)
    ).get()
    assert record.changes == {"name": [EDU, "苏州市吴江区教育局（新）"]}


def test_moving_a_unit_moves_its_subtree_paths(
    user: Callable[[str], Any], org: Callable[[str], Any]
) -> None:
    admin = user("wj_admin")
    edu, health = org(EDU), org(HEALTH)
    middle = organisation_create(
        actor=admin, mof_div_code="320509", data=_unit("102903", edu, "中间单位")
    )
    leaf = organisation_create(
        actor=admin, mof_div_code="320509", data=_unit("102904", middle, "下级单位")
    )
    moved = OrganisationData(**{**_unit("102903", health, "中间单位").__dict__})
    organisation_update(actor=admin, organisation=middle, data=moved)
    leaf.refresh_from_db()
    assert leaf.path == f"{health.path}{middle.pk}/{leaf.pk}/"


def test_parent_cannot_be_own_descendant(
    user: Callable[[str], Any], org: Callable[[str], Any]
) -> None:
    edu = org(EDU)
    child = edu.children.first()
    data = OrganisationData(
        code=edu.code,
        name=edu.name,
        kind=edu.kind,
        parent_id=child.pk,
        agency_type="1",
        budget_level=1,
    )
    with pytest.raises(BusinessRuleError) as excinfo:
        organisation_update(actor=user("wj_admin"), organisation=edu, data=data)
    assert [e.code for e in excinfo.value.errors] == ["core.parent_cycle"]


def test_payee_identifiers_are_validated_and_personal_data_masked_in_audit(
    user: Callable[[str], Any], org: Callable[[str], Any]
) -> None:
    clerk = user("school_clerk")
    bad = PayeeData(
        kind=PayeeKind.INDIVIDUAL,
        name="张三",
        id_number="320584198013011234",
        bank_account_no="12AB",
        bank_name="",
    )
    with pytest.raises(BusinessRuleError) as excinfo:
        payee_create(actor=clerk, organisation_id=clerk.organisation_id, data=bad)
    assert sorted(e.field for e in excinfo.value.errors) == [
        "bank_account_no",
        "bank_name",
        "id_number",
    ]

    from stdnum.cn import ric

    body = "32058419800101123"
    good_id = body + ric.calc_check_digit(body + "0")
    payee = payee_create(
        actor=clerk,
        organisation_id=clerk.organisation_id,
        data=PayeeData(
            kind=PayeeKind.INDIVIDUAL,
            name="张三",
            id_number=good_id,
            bank_account_no="6222021234567890",
            bank_name="工商银行",
        ),
    )
    record = AuditRecord.objects.get(action="core.payee.create", object_id=str(payee.pk))
    assert record.changes["id_number"][1] == "3205**********" + good_id[-4:]
    assert good_id not in str(record.changes)


def test_payee_for_another_unit_is_not_found(
    user: Callable[[str], Any], org: Callable[[str], Any]
) -> None:
    clerk = user("school_clerk")
    other = org(HEALTH)
    data = PayeeData(
        kind=PayeeKind.ORGANISATION,
        name="某公司",
        credit_code="x",
        bank_account_no="6222021234567890",
        bank_name="工行",
    )
    count = Payee.objects.count()
    with pytest.raises(BusinessRuleError) as excinfo:
        payee_create(actor=clerk, organisation_id=other.pk, data=data)
    assert excinfo.value.status == 404
    assert Payee.objects.count() == count


def test_finance_zero_balance_account_belongs_to_the_bureau(
    user: Callable[[str], Any], org: Callable[[str], Any]
) -> None:
    data = BankAccountData(
        organisation_id=org(EDU).pk,
        account_type=AccountType.FINANCE_ZERO_BALANCE,
        account_no="1102020509000012345",
        account_name="x",
        bank_name="工行",
        bank_code="10230540001",
    )
    with pytest.raises(BusinessRuleError) as excinfo:
        bank_account_create(actor=user("wj_treasury"), data=data)
    assert sorted(e.field for e in excinfo.value.errors) == ["account_type", "bank_code"]


def test_services_check_permissions_even_when_called_directly(
    user: Callable[[str], Any], org: Callable[[str], Any]
) -> None:
    with pytest.raises(BusinessRuleError) as excinfo:
        organisation_create(
            actor=user("school_clerk"), mof_div_code="320509", data=_unit("102999", org(EDU))
        )
    assert excinfo.value.status == 403

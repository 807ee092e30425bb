"""A draft 人员变动单 is corrected before it is sent (R-PS-3): every field but its kind and unit,
checked as at entry, with an audit record of what moved; nothing else can be edited — not a
change in approval, not another unit's — on the page and through the API."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

from django.test import Client

import pytest
from tests.personnel_helpers import enter, hire_input, id_number, teacher, through_route
from tests.test_api_csrf import csrf_session

from yusuan.audit.models import AuditRecord
from yusuan.common.errors import BusinessRuleError, NotFoundError
from yusuan.common.masking import mask_id_number
from yusuan.identity.services import api_token_issue
from yusuan.personnel.models import PersonnelChange
from yusuan.personnel.services import ChangeInput, change_update
from yusuan.workflow import services as workflow

pytestmark = pytest.mark.django_db


def test_a_draft_is_corrected_and_the_audit_record_says_what_moved(
    user: Callable[[str], Any],
) -> None:
    draft = enter(user, hire_input(71, name="林小雯"))
    fixed = dataclasses.replace(
        hire_input(71, name="林晓雯"),
        effective_date=dt.date(2026, 9, 15),
        data=teacher(salary_scale=22),
    )
    change = change_update(actor=user("school_clerk"), change_id=draft.pk, data=fixed)
    change.refresh_from_db()
    assert (change.name, change.effective_date) == ("林晓雯", dt.date(2026, 9, 15))
    assert change.data["salary_scale"] == 22 and change.state == "draft"
    record = AuditRecord.objects.get(action="personnel.change.update", object_id=str(draft.pk))
    assert record.changes["name"] == ["林小雯", "林晓雯"]
    assert record.changes["effective_date"] == ["2026-09-01", "2026-09-15"]
    assert "id_number" not in record.changes  # unchanged, so not listed
    # The corrected draft is what the route applies.
    applied = through_route(user, change)
    assert applied.person is not None and applied.person.name == "林晓雯"


def test_the_edit_is_checked_as_at_entry_and_only_a_draft_of_ones_own(
    user: Callable[[str], Any],
) -> None:
    draft = enter(user, hire_input(72))
    clerk = user("school_clerk")
    with pytest.raises(BusinessRuleError) as bad:
        change_update(
            actor=clerk, change_id=draft.pk, data=hire_input(72, id_number="320584199005170010")
        )
    [error] = bad.value.errors
    assert (error.code, error.field, error.rule) == (
        "core.invalid_id_number",
        "id_number",
        "R-MD-5",
    )
    assert error.value == "3205**********0010"  # masked even in the refusal (R-PS-6)
    with pytest.raises(BusinessRuleError) as kind:
        change_update(
            actor=clerk,
            change_id=draft.pk,
            data=dataclasses.replace(hire_input(72), kind="resign", person_id=None),
        )
    assert [e.code for e in kind.value.errors] == ["personnel.change_kind_fixed"]
    # Another unit's clerk does not see it at all.
    with pytest.raises(NotFoundError):
        change_update(actor=user("hospital_clerk"), change_id=draft.pk, data=hire_input(72))
    # Sent for approval, it is no longer a draft: refused by state, named.
    workflow.document_submit(actor=clerk, document_type="personnel.change", object_id=str(draft.pk))
    with pytest.raises(BusinessRuleError) as sent:
        change_update(actor=clerk, change_id=draft.pk, data=hire_input(72, name="改名"))
    [error] = sent.value.errors
    assert (error.code, error.field, error.rule) == (
        "personnel.change_not_draft",
        "state",
        "R-PS-3",
    )
    assert PersonnelChange.objects.get(pk=draft.pk).name == "测试教师"


def test_the_page_shows_the_draft_and_saves_the_correction(user: Callable[[str], Any]) -> None:
    draft = enter(user, hire_input(73, name="错名"))
    client = Client()
    client.force_login(user("school_clerk"))
    page = client.get(f"/personnel/changes/{draft.pk}/edit/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="错名"' in html and 'value="2,100.00"' not in html  # yuan without grouping
    assert 'value="2100.00"' in html  # post_pay 2,100 yuan a month, as saved
    # The date picker takes ISO only: the saved date must be there, not a localised one.
    assert 'type="date" name="effective_date" value="2026-09-01"' in html
    # The clerk may not see ID numbers whole (R-PS-6): the form shows it masked, and the masked
    # number sent back keeps the saved one.
    assert id_number(73) not in html and f'value="{mask_id_number(id_number(73))}"' in html
    form = {
        "person_id": "",
        "id_number": mask_id_number(id_number(73)),
        "name": "对名",
        "effective_date": "2026-09-01",
        "basis_doc_no": "吴人社〔2026〕1号",
        "establishment_doc_no": "编〔2026〕1号",
        "status": "inst_technical",
        "establishment": "institution",
        "post_category": "technical",
        "post_level": "10",
        "salary_scale": "20",
        "item_post_pay": "2100",
        "item_scale_pay": "1500",
        "item_performance_basic": "2600",
        "pension_base": "8000",
        "medical_base": "8000",
        "housing_base": "8000",
        "kind": "resign",  # disabled on the page: ignored
    }
    saved = client.post(f"/personnel/changes/{draft.pk}/edit/", form)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    change = PersonnelChange.objects.get(pk=draft.pk)
    assert (change.kind, change.name, change.id_number) == ("hire", "对名", id_number(73))
    detail = client.get(f"/personnel/changes/{draft.pk}/").content.decode()
    assert detail.count("edit/") == 1
    # What it sets reads in words: the form's labels and the choices' names, not stored codes.
    assert "<dd>事业编</dd>" in detail and "<dd>8,000.00</dd>" in detail
    assert ">institution<" not in detail and ">establishment<" not in detail
    assert ">pension_base<" not in detail
    other = Client()
    other.force_login(user("hospital_clerk"))
    assert other.get(f"/personnel/changes/{draft.pk}/edit/").status_code == 404


def test_the_api_puts_the_whole_draft_with_a_token_or_a_csrf_session(
    user: Callable[[str], Any],
) -> None:
    clerk = user("school_clerk")
    draft = enter(user, hire_input(74, name="接口旧名"))
    body = {
        "kind": "hire",
        "effective_date": "2026-09-01",
        "basis_doc_no": "吴人社〔2026〕1号",
        "id_number": id_number(74),
        "name": "接口新名",
        "establishment_doc_no": "编〔2026〕1号",
        "data": {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in teacher().items()},
    }
    token = api_token_issue(
        actor=clerk, user=clerk, name="HR", scopes=("personnel:read", "personnel:write")
    )
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token.key}"}
    put = Client(enforce_csrf_checks=True).put(
        f"/api/v1/personnel/changes/{draft.pk}", body, content_type="application/json", **auth
    )
    assert put.status_code == 200, put.content
    assert put.json()["name"] == "接口新名"
    session, csrf = csrf_session(clerk)
    refused = session.put(
        f"/api/v1/personnel/changes/{draft.pk}", body, content_type="application/json"
    )
    assert refused.status_code == 403  # no CSRF token
    wrong_kind = session.put(
        f"/api/v1/personnel/changes/{draft.pk}",
        {**body, "kind": "resign"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert wrong_kind.status_code == 422
    assert wrong_kind.json()["errors"][0]["code"] == "personnel.change_kind_fixed"
    hospital_unit = user("hospital_clerk").organisation
    other_unit = session.put(
        f"/api/v1/personnel/changes/{draft.pk}",
        {**body, "organisation_id": hospital_unit.pk},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert other_unit.status_code == 422
    [error] = other_unit.json()["errors"]
    assert (error["code"], error["field"], error["value"]) == (
        "personnel.change_unit_fixed",
        "organisation_id",
        hospital_unit.pk,
    )
    hospital = user("hospital_clerk")
    theirs = api_token_issue(
        actor=hospital, user=hospital, name="HR", scopes=("personnel:read", "personnel:write")
    )
    assert (
        Client()
        .put(
            f"/api/v1/personnel/changes/{draft.pk}",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {theirs.key}",
        )
        .status_code
        == 404
    )


def test_a_draft_about_the_wrong_person_is_moved_to_the_right_one(
    user: Callable[[str], Any],
) -> None:
    clerk = user("school_clerk")
    first, second = (
        through_route(user, enter(user, hire_input(serial, name=name))).person
        for serial, name in ((75, "甲"), (76, "乙"))
    )
    assert first is not None and second is not None
    resign = ChangeInput(
        kind="resign",
        effective_date=dt.date(2026, 11, 30),
        basis_doc_no="吴人社〔2026〕77号",
        person_id=first.pk,
    )
    draft = enter(user, resign)
    change_update(
        actor=clerk, change_id=draft.pk, data=dataclasses.replace(resign, person_id=second.pk)
    )
    assert PersonnelChange.objects.get(pk=draft.pk).person_id == second.pk
    record = AuditRecord.objects.get(action="personnel.change.update", object_id=str(draft.pk))
    assert record.changes == {"person": [first.pk, second.pk], "name": ["甲", "乙"]}


def test_an_edit_stays_in_its_year_and_an_edit_of_nothing_records_nothing(
    user: Callable[[str], Any],
) -> None:
    clerk = user("school_clerk")
    draft = enter(user, hire_input(77))
    with pytest.raises(BusinessRuleError) as moved:
        change_update(
            actor=clerk,
            change_id=draft.pk,
            data=dataclasses.replace(hire_input(77), effective_date=dt.date(2027, 1, 1)),
        )
    [error] = moved.value.errors
    assert (error.code, error.field, error.value, error.limit) == (
        "personnel.change_year_fixed",
        "effective_date",
        "2027-01-01",
        2026,
    )
    change_update(actor=clerk, change_id=draft.pk, data=hire_input(77))
    assert not AuditRecord.objects.filter(
        action="personnel.change.update", object_id=str(draft.pk)
    ).exists()

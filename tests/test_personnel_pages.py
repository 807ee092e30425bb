"""Pages of the personnel database: the people grid masks ID numbers for everyone (R-PS-6), a
person's page shows it whole only to roles holding ``core.view_personal_data``; the change form
enters a draft with errors beside their fields; the change page carries the approval panel; 编制,
snapshot, import (every bad row) and export (masked) pages answer."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

from django.test import Client

import pytest
from openpyxl import load_workbook
from tests.personnel_helpers import id_number

from yusuan.personnel.models import Person, PersonnelChange
from yusuan.personnel.services import people_sheet
from yusuan.personnel.services.sheet import COLUMNS

pytestmark = pytest.mark.django_db


def _masked(number: str) -> str:
    return number[:4] + "*" * 10 + number[-4:]


def test_the_people_list_masks_ids_and_filters(client_as: Callable[[str], Client]) -> None:
    person = Person.objects.filter(organisation__name="吴江区松陵实验小学").first()
    assert person is not None
    for who in ("school_clerk", "wj_personnel"):
        page = client_as(who).get("/personnel/?state=active")
        assert page.status_code == 200
        body = page.content.decode()
        assert person.id_number not in body
    body = client_as("school_clerk").get("/personnel/").content.decode()
    assert _masked(person.id_number) in body
    # Another unit's people are not listed for the school.
    other = Person.objects.exclude(organisation__name="吴江区松陵实验小学").first()
    assert other is not None and other.name not in body or other.id_number[-4:] not in body
    assert client_as("school_clerk").get(f"/personnel/{other.pk}/").status_code == 404


def test_the_person_page_shows_the_whole_id_only_to_those_who_need_it(
    client_as: Callable[[str], Client],
) -> None:
    person = Person.objects.filter(organisation__name="吴江区松陵实验小学").first()
    assert person is not None
    clerk = client_as("school_clerk").get(f"/personnel/{person.pk}/").content.decode()
    assert person.id_number not in clerk and _masked(person.id_number) in clerk
    officer = client_as("wj_personnel").get(f"/personnel/{person.pk}/").content.decode()
    assert person.id_number in officer
    assert 'data-testid="person-history"' in officer


def test_the_change_form_enters_a_draft_and_shows_errors_beside_fields(
    client_as: Callable[[str], Client],
) -> None:
    client = client_as("school_clerk")
    assert client.get("/personnel/changes/new/").status_code == 200
    form = {
        "kind": "hire",
        "id_number": id_number(40),
        "name": "王老师",
        "effective_date": "2026-09-01",
        "basis_doc_no": "",
        "establishment_doc_no": "吴编〔2026〕1号",
        "status": "inst_technical",
        "establishment": "institution",
        "work_start_date": "2015-08-01",
        "unit_join_date": "2020-08-01",
        "post_category": "technical",
        "post_level": "10",
        "salary_scale": "20",
        "item_post_pay": "2,100.00",
        "item_scale_pay": "1500",
    }
    page = client.post("/personnel/changes/new/", {**form, "basis_doc_no": " "})
    assert page.status_code == 200 and "has-error" in page.content.decode()
    page = client.post("/personnel/changes/new/", {**form, "basis_doc_no": "吴人社〔2026〕5号"})
    assert page.status_code == 302
    change = PersonnelChange.objects.get(id_number=id_number(40))
    assert change.data["items"] == {"post_pay": 210000, "scale_pay": 150000}
    detail = client.get(f"/personnel/changes/{change.pk}/").content.decode()
    assert 'data-testid="submit"' in detail and _masked(id_number(40)) in detail
    assert client.post(f"/personnel/changes/{change.pk}/submit/").status_code == 302
    change.refresh_from_db()
    assert change.state == "submitted"
    assert client_as("hospital_clerk").get(f"/personnel/changes/{change.pk}/").status_code == 404


@pytest.mark.parametrize(
    "url",
    ["/personnel/changes/", "/personnel/establishment/", "/personnel/snapshots/"],
)
def test_the_other_pages_answer(client_as: Callable[[str], Client], url: str) -> None:
    assert client_as("wj_personnel").get(url).status_code == 200
    assert client_as("school_clerk").get(url).status_code == 200


def test_the_snapshot_page_and_its_headcount(client_as: Callable[[str], Client]) -> None:
    from yusuan.personnel.models import BudgetSnapshot

    snapshot = BudgetSnapshot.objects.get(fiscal_year=2027)
    page = client_as("wj_personnel").get(f"/personnel/snapshots/{snapshot.pk}/")
    assert page.status_code == 200 and "吴江区松陵实验小学" in page.content.decode()


def test_the_export_is_masked_and_the_import_lists_every_bad_row(
    client_as: Callable[[str], Client], user: Callable[[str], Any]
) -> None:
    officer = client_as("wj_personnel")
    data = officer.get("/personnel/export/").content
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("单位编码", "单位名称", "身份证号")
    assert all("*" in str(r[2]) for r in rows[1:]) and len(rows) > 10
    template = officer.get("/personnel/template/").content
    assert load_workbook(io.BytesIO(template)).active.max_row == 1
    bad = [c.zh for c in COLUMNS]
    sheet = (
        ",".join(bad)
        + "\n102001,,320584199005171234,张三,公务员,行政编,在职\n"
        + f"102001,,{id_number(41)},李四,公务员,事业编,在职\n"
    )
    upload = io.BytesIO(sheet.encode("utf-8"))
    upload.name = "people.csv"
    page = officer.post(
        "/personnel/import/", {"file": upload, "effective_from": dt.date(2026, 1, 1).isoformat()}
    )
    body = page.content.decode()
    assert page.status_code == 200 and 'data-testid="import-errors"' in body
    assert "R-MD-5" in body and "R-PS-3" in body
    assert "第 2 行" in body and "第 3 行" in body and "编制类型" in body
    assert not Person.objects.filter(id_number=id_number(41)).exists()
    assert people_sheet([], actor=None)

"""C9 (DOMAIN-2 §1): the default 部门→政府 economic mapping against the official table
(财预〔2017〕98号's annex). One row differed: 30226 劳务费 of 机关 goes to 50205 委托业务费 (with
30227), not 50299. The loader's table, a freshly opened region, and the data migration that
corrects code sets loaded before are each asserted; the rows checked and found right are pinned
too, so a later edit of the table cannot undo them silently."""

from __future__ import annotations

import csv
import importlib
from importlib import resources
from typing import Any

from django.apps import apps as django_apps

import pytest

from yusuan.core.models import EconomicMapping
from yusuan.core.services.fiscal_years import code_set_load_default
from yusuan.core.validation import government_economic_code


def _default() -> dict[tuple[str, str], str]:
    text = resources.files("yusuan.core.data").joinpath("default_economic_mapping.csv")
    rows = csv.DictReader(text.read_text(encoding="utf-8").splitlines())
    return {
        (r["department_economic_code"], r["group"]): r["government_economic_code"] for r in rows
    }


# The rows that differ from the table before C9: (department code, group) → government code.
CHANGED = {("30226", "agency"): "50205"}  # 劳务费 → 委托业务费, was 50299

# Rows re-checked against the official table and unchanged (机关 branch; 事业单位 go to 505xx).
OFFICIAL = {
    **{(c, "agency"): "50101" for c in ("30101", "30102", "30103")},
    **{(c, "agency"): "50102" for c in ("30108", "30109", "30110", "30111", "30112")},
    ("30113", "agency"): "50103",
    **{(c, "agency"): "50199" for c in ("30106", "30114", "30199")},
    **{
        (c, "agency"): "50201"
        for c in (
            "30201",
            "30202",
            "30205",
            "30206",
            "30207",
            "30209",
            "30211",
            "30214",
            "30228",
            "30229",
            "30239",
            "30240",
        )
    },  # fmt: skip
    ("30215", "agency"): "50202",
    ("30216", "agency"): "50203",
    ("30218", "agency"): "50204",
    ("30227", "agency"): "50205",
    ("30217", "agency"): "50206",
    ("30212", "agency"): "50207",
    ("30231", "agency"): "50208",
    ("30213", "agency"): "50209",
    ("30299", "agency"): "50299",
    ("30226", "institution"): "50502",
    ("30227", "institution"): "50502",
    ("30101", "institution"): "50501",
    ("30302", "agency"): "50905",
}


@pytest.mark.parametrize(("key", "code"), sorted(CHANGED.items()))
def test_changed_row_follows_the_official_table(key: tuple[str, str], code: str) -> None:
    assert _default()[key] == code


@pytest.mark.parametrize(("key", "code"), sorted(OFFICIAL.items()))
def test_rechecked_rows_unchanged(key: tuple[str, str], code: str) -> None:
    assert _default()[key] == code


@pytest.mark.django_db
def test_a_new_region_maps_a_agency_labour_fee_to_commissioned_services() -> None:
    code_set_load_default(mof_div_code="329999001", fiscal_year=2031)
    # 行政单位 (agency type 1) → the 机关 branch
    assert (
        government_economic_code(
            mof_div_code="329999001",
            fiscal_year=2031,
            department_economic_code="30226",
            agency_type="1",
        )
        == "50205"
    )
    assert (
        government_economic_code(
            mof_div_code="329999001",
            fiscal_year=2031,
            department_economic_code="30226",
            agency_type="31",
        )
        == "50502"
    )


@pytest.mark.django_db
def test_migration_corrects_code_sets_loaded_before_and_keeps_a_regions_own_choice() -> None:
    migration: Any = importlib.import_module(
        "yusuan.core.migrations.0003_economic_mapping_30226_to_50205"
    )
    old = EconomicMapping.objects.create(
        mof_div_code="329999002",
        fiscal_year=2031,
        department_economic_code="30226",
        group="agency",
        government_economic_code="50299",
    )
    own = EconomicMapping.objects.create(
        mof_div_code="329999003",
        fiscal_year=2031,
        department_economic_code="30226",
        group="agency",
        government_economic_code="50201",  # a region's own decision: left alone
    )
    institution = EconomicMapping.objects.create(
        mof_div_code="329999002",
        fiscal_year=2031,
        department_economic_code="30226",
        group="institution",
        government_economic_code="50502",
    )
    migration.forwards(django_apps, None)
    old.refresh_from_db()
    own.refresh_from_db()
    institution.refresh_from_db()
    assert old.government_economic_code == "50205"
    assert own.government_economic_code == "50201"
    assert institution.government_economic_code == "50502"
    migration.backwards(django_apps, None)
    old.refresh_from_db()
    assert old.government_economic_code == "50299"

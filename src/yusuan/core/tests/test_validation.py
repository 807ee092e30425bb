"""R-MD-1/2/3 through the one validation service every module calls."""

import pytest

from yusuan.common.errors import BusinessRuleError
from yusuan.core.models import ClassificationCode
from yusuan.core.validation import (
    ElementValue,
    element_errors,
    ensure_elements,
    government_economic_code,
)

REGION = "320509"
YEAR = 2026


def test_known_enabled_leaf_codes_pass(db: object) -> None:
    elements = [
        ElementValue("exp_func_code", "functional", "2050202"),
        ElementValue("dep_bgt_eco_code", "department_economic", "30201"),
        ElementValue("fund_type_code", "fund_type", "111"),
    ]
    assert element_errors(mof_div_code=REGION, fiscal_year=YEAR, elements=elements) == []


def test_every_bad_element_is_reported_with_field_row_and_value(db: object) -> None:
    ClassificationCode.objects.filter(mof_div_code=REGION, fiscal_year=YEAR, code="30211").update(
        is_enabled=False
    )
    elements = [
        ElementValue("lines[0].exp_func_code", "functional", "9999999", row=1),
        ElementValue("lines[1].exp_func_code", "functional", "20502", row=2),
        ElementValue("lines[2].dep_bgt_eco_code", "department_economic", "30211", row=3),
        ElementValue("lines[3].fund_type_code", "fund_type", "", row=4),
    ]
    errors = element_errors(mof_div_code=REGION, fiscal_year=YEAR, elements=elements)
    assert [(e.code, e.rule, e.field, e.row) for e in errors] == [
        ("core.code_unknown", "R-MD-1", "lines[0].exp_func_code", 1),
        ("core.code_level", "R-MD-2", "lines[1].exp_func_code", 2),
        ("core.code_disabled", "R-MD-1", "lines[2].dep_bgt_eco_code", 3),
        ("core.code_missing", "R-MD-1", "lines[3].fund_type_code", 4),
    ]
    assert "9999999" in errors[0].message_zh and "2026" in errors[0].message_zh


def test_codes_are_per_year(db: object) -> None:
    with pytest.raises(BusinessRuleError):
        ensure_elements(
            mof_div_code=REGION,
            fiscal_year=2031,
            elements=[ElementValue("f", "functional", "2050202")],
        )


@pytest.mark.parametrize(
    ("dep_eco", "agency_type", "gov_eco"),
    [
        pytest.param("30101", "1", "50101", id="salary_administrative_case"),
        pytest.param("30101", "31", "50501", id="salary_institution_case"),
        pytest.param("30302", "1", "50905", id="pension_case"),
        pytest.param("30215", "2", "50202", id="meeting_civil_service_institution_case"),
    ],
)
def test_government_economic_code_is_derived_r_md_3(
    db: object, dep_eco: str, agency_type: str, gov_eco: str
) -> None:
    assert (
        government_economic_code(
            mof_div_code=REGION,
            fiscal_year=YEAR,
            department_economic_code=dep_eco,
            agency_type=agency_type,
        )
        == gov_eco
    )


def test_missing_mapping_blocks_with_r_md_3(db: object) -> None:
    with pytest.raises(BusinessRuleError) as excinfo:
        government_economic_code(
            mof_div_code=REGION, fiscal_year=YEAR, department_economic_code="39999", agency_type="1"
        )
    error = excinfo.value.errors[0]
    assert (error.rule, error.field, error.value) == ("R-MD-3", "dep_bgt_eco_code", "39999")

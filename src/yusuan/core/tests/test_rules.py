import pytest

from yusuan.core import rules


def _credit_code() -> str:
    from stdnum.cn import uscc

    body = "913205090000000" + "01"
    return body + uscc.calc_check_digit(body)


def _id_number(prefix: str = "320584") -> str:
    from stdnum.cn import ric

    body = prefix + "19800101123"
    return body + ric.calc_check_digit(body + "0")


def test_valid_credit_code_passes_and_a_changed_digit_fails() -> None:
    code = _credit_code()
    assert rules.check_credit_code(code) == []
    broken = code[:-1] + ("0" if code[-1] != "0" else "1")
    errors = rules.check_credit_code(broken)
    assert [e.code for e in errors] == ["core.invalid_credit_code"]
    assert errors[0].field == "credit_code" and errors[0].value == broken


def test_id_number_accepts_old_wujiang_prefix_but_checks_date_and_check_digit() -> None:
    assert (
        rules.check_id_number(_id_number("320584")) == []
    )  # 吴江市 (1992–2012): real people have it
    bad_date = "320584" + "19801301123"
    bad_date += "0"
    assert rules.check_id_number(bad_date)
    good = _id_number()
    broken = good[:-1] + ("1" if good[-1] != "1" else "2")
    errors = rules.check_id_number(broken)
    assert errors and errors[0].rule == "R-MD-5"
    assert "*" in errors[0].value, "the error must not echo the full identity number"


@pytest.mark.parametrize(
    ("kind", "code", "level"),
    [
        pytest.param("functional", "201", 1, id="class_case"),
        pytest.param("functional", "20101", 2, id="section_case"),
        pytest.param("functional", "2010101", 3, id="item_case"),
        pytest.param("functional", "201010", None, id="six_digits_case"),
        pytest.param("department_economic", "30101", 2, id="economic_section_case"),
        pytest.param("fund_type", "111", 1, id="flat_case"),
    ],
)
def test_code_level(kind: str, code: str, level: int | None) -> None:
    assert rules.code_level(kind, code) == level


def test_leaf_level_rule_r_md_2_names_field_and_limit() -> None:
    errors = rules.check_leaf_level(
        kind="functional", code="20101", field="lines[2].exp_func_code", row=2
    )
    assert len(errors) == 1
    error = errors[0]
    assert (error.rule, error.field, error.value, error.limit, error.row) == (
        "R-MD-2",
        "lines[2].exp_func_code",
        "20101",
        7,
        2,
    )
    assert rules.check_leaf_level(kind="department_economic", code="30101", field="x") == []


def test_masking_keeps_only_the_ends() -> None:
    assert rules.mask_id_number("320584198001011234") == "3205**********1234"
    assert rules.mask_account_no("6222021234567890") == "************7890"

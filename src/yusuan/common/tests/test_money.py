from decimal import Decimal

from django import forms

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yusuan.common.money import MAX_FEN, Money, MoneyParseError


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        pytest.param("1,234.56", 123456, id="grouped_case"),
        pytest.param("１２３４.５", 123450, id="full_width_case"),
        pytest.param("100元", 10000, id="yuan_suffix_case"),
        pytest.param("¥0.01", 1, id="currency_prefix_case"),
        pytest.param(" 7 ", 700, id="spaces_case"),
    ],
)
def test_parse_accepts_what_clerks_type(text: str, fen: int) -> None:
    assert Money.parse(text) == Money(fen)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        pytest.param("1.234", "money.too_many_decimals", id="three_decimals_case"),
        pytest.param("1e5", "money.exponent", id="exponent_case"),
        pytest.param("-5", "money.negative", id="negative_case"),
        pytest.param("abc", "money.invalid", id="letters_case"),
        pytest.param("", "money.empty", id="empty_case"),
    ],
)
def test_parse_rejects_with_a_stable_code(text: str, code: str) -> None:
    with pytest.raises(MoneyParseError) as excinfo:
        Money.parse(text)
    assert excinfo.value.code == code
    assert excinfo.value.message_zh and excinfo.value.message_en


def test_negative_allowed_when_the_rule_allows_it() -> None:
    assert Money.parse("-1.50", allow_negative=True) == Money(-150)


def test_money_rejects_float() -> None:
    with pytest.raises(TypeError):
        Money(1.5)  # type: ignore[arg-type]


@given(st.integers(min_value=-MAX_FEN, max_value=MAX_FEN))
def test_format_and_parse_round_trip(fen: int) -> None:
    money = Money(fen)
    assert Money.parse(money.format(), allow_negative=True) == money
    assert Money.from_yuan(money.to_yuan()) == money


def test_from_yuan_rounds_half_up() -> None:
    assert Money.from_yuan(Decimal("0.005")) == Money(1)
    assert Money(123456).format() == "1,234.56"


def test_money_field_cleans_what_a_clerk_types() -> None:
    from yusuan.common.fields import MoneyField

    field = MoneyField(required=False)
    assert field.clean("１,２３４.５元") == Money(123450)
    assert field.clean("") is None
    for bad, code in (
        ("1.234", "money.too_many_decimals"),
        ("1e5", "money.exponent"),
        ("-3", "money.negative"),
        ("9" * 30, "money.too_large"),
        ("1,50", "money.grouping"),
    ):
        with pytest.raises(forms.ValidationError) as refused:
            field.clean(bad)
        assert refused.value.code == code


# --- ADR 0015: which forms are accepted, each tested -------------------------------------------


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        pytest.param("1234.56", 123456, id="plain_case"),
        pytest.param("1,234.50", 123450, id="thousands_case"),
        pytest.param("1,234,567.89", 123456789, id="two_groups_case"),
        pytest.param("999,999,999,999.99", MAX_FEN, id="the_limit_itself_case"),
        pytest.param("0.5", 50, id="one_decimal_case"),
        pytest.param("5.", 500, id="trailing_point_case"),
        pytest.param("１２３４．５６", 123456, id="full_width_digits_and_point_case"),
        pytest.param("１，２３４．５０", 123450, id="full_width_comma_case"),
        pytest.param("¥1,234.50", 123450, id="yen_sign_case"),
        pytest.param("￥1,234.50", 123450, id="full_width_yen_sign_case"),
        pytest.param("¥ 100", 10000, id="yen_sign_and_space_case"),
        pytest.param("100元", 10000, id="yuan_case"),
        pytest.param("100 元", 10000, id="space_before_yuan_case"),
        pytest.param("１００元", 10000, id="full_width_with_yuan_case"),
        pytest.param("\u3000 7\u00a0", 700, id="surrounding_ideographic_and_nbsp_spaces_case"),
    ],
)
def test_adr_0015_accepts(text: str, fen: int) -> None:
    assert Money.parse(text) == Money(fen)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # The reproductions: each was read as another amount (150.00, 12,345.00, 123.00).
        pytest.param("1,50", "money.grouping", id="comma_as_decimal_point_case"),
        pytest.param("12,34,5", "money.grouping", id="groups_of_two_case"),
        pytest.param("1,2,3", "money.grouping", id="groups_of_one_case"),
        pytest.param("1，50", "money.grouping", id="full_width_comma_as_decimal_point_case"),
        pytest.param("1,2345", "money.grouping", id="wan_grouping_case"),
        pytest.param(",100", "money.grouping", id="leading_comma_case"),
        pytest.param("100,", "money.grouping", id="trailing_comma_case"),
        pytest.param("1,,000", "money.grouping", id="double_comma_case"),
        pytest.param("1 234", "money.invalid", id="space_inside_case"),
        pytest.param("1 000元", "money.invalid", id="space_inside_with_yuan_case"),
        pytest.param("5万", "money.invalid", id="wan_unit_case"),
        pytest.param("5万元", "money.invalid", id="wan_yuan_unit_case"),
        pytest.param(".5", "money.invalid", id="no_whole_part_case"),
        pytest.param("+5", "money.invalid", id="plus_sign_case"),
        pytest.param("(100)", "money.invalid", id="accounting_negative_case"),
        pytest.param("١٢٣", "money.invalid", id="arabic_indic_digits_case"),
        pytest.param("NaN", "money.invalid", id="nan_case"),
        pytest.param("1E5", "money.exponent", id="capital_exponent_case"),
        pytest.param("1.005", "money.too_many_decimals", id="three_decimals_case"),
        pytest.param("99999999999999999999.99", "money.too_large", id="issue_huge_case"),
        pytest.param("9" * 100, "money.too_large", id="hundred_digits_case"),
        pytest.param("1,000,000,000,000", "money.too_large", id="one_trillion_case"),
        pytest.param("1000000000000.00", "money.too_large", id="just_above_the_limit_case"),
    ],
)
def test_adr_0015_refuses_with_a_stable_code(text: str, code: str) -> None:
    with pytest.raises(MoneyParseError) as refused:
        Money.parse(text)
    assert refused.value.code == code
    assert refused.value.message_zh and refused.value.message_en


def test_the_limit_is_named_and_negatives_obey_it_too() -> None:
    with pytest.raises(MoneyParseError) as refused:
        Money.parse("-1,000,000,000,000", allow_negative=True)
    assert refused.value.limit == "999,999,999,999.99"
    assert "999,999,999,999.99" in refused.value.message_zh
    assert Money.parse("-¥5", allow_negative=True) == Money(-500)
    assert Money.parse("¥-5", allow_negative=True) == Money(-500)
    with pytest.raises(MoneyParseError):
        Money.parse("--5", allow_negative=True)


def test_a_pasted_page_is_not_echoed_whole() -> None:
    with pytest.raises(MoneyParseError) as refused:
        Money.parse("x" * 10_000)
    assert len(refused.value.message_en) < 100


def test_the_shared_readers_name_the_field_value_and_limit() -> None:
    from yusuan.common.errors import BusinessRuleError, ErrorDetail, field_amount, row_amount

    with pytest.raises(BusinessRuleError) as refused:
        field_amount("1,50", "amount")
    (error,) = refused.value.errors
    assert (error.code, error.field, error.value, error.limit) == (
        "money.grouping",
        "amount",
        "1,50",
        "1,234.50",
    )
    errors: list[ErrorDetail] = []
    row_amount("99999999999999999999.99", 2, errors)
    assert [(e.code, e.field, e.row, e.limit) for e in errors] == [
        ("money.too_large", "lines[2].amount", 2, "999,999,999,999.99")
    ]


def test_a_number_read_from_a_sheet_obeys_the_same_limit() -> None:
    assert Money.within_limit(MAX_FEN, "x") == Money(MAX_FEN)
    with pytest.raises(MoneyParseError) as refused:
        Money.within_limit(MAX_FEN + 1, "1e12")
    assert refused.value.code == "money.too_large"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        pytest.param("abc", "money.invalid", id="abc_case"),
        pytest.param("tea", "money.invalid", id="tea_case"),
        pytest.param("e", "money.invalid", id="bare_e_case"),
        pytest.param("1e", "money.invalid", id="no_power_case"),
        pytest.param("e5", "money.invalid", id="no_number_case"),
        pytest.param("12 yen", "money.invalid", id="word_with_e_case"),
        pytest.param("1e5", "money.exponent", id="exponent_case"),
        pytest.param("1.5E-3", "money.exponent", id="negative_power_case"),
        pytest.param("2e+10", "money.exponent", id="signed_power_case"),
        pytest.param("１ｅ５", "money.exponent", id="full_width_case"),
        pytest.param("¥1,000e2元", "money.exponent", id="grouped_case"),
    ],
)
def test_only_a_real_exponent_is_called_one(text: str, code: str) -> None:
    """Any text with an ``e`` in it was refused as exponent notation ("tea")."""
    with pytest.raises(MoneyParseError) as excinfo:
        Money.parse(text)
    assert excinfo.value.code == code
    if code == "money.exponent":
        assert text in excinfo.value.message_zh and "科学计数法" in excinfo.value.message_zh


def test_a_single_amount_field_names_no_row() -> None:
    """One amount (a refund's) is not row 1 of anything: its message has no row prefix."""
    from yusuan.common.errors import BusinessRuleError, field_amount

    with pytest.raises(BusinessRuleError) as excinfo:
        field_amount("tea", "amount")
    [error] = excinfo.value.errors
    assert (error.code, error.field, error.row, error.value) == (
        "money.invalid",
        "amount",
        None,
        "tea",
    )
    assert error.message_zh == "“tea”不是有效金额"
    assert error.message_en == "'tea' is not a valid amount"

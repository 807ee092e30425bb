from decimal import Decimal

from django import forms

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yusuan.common.money import Money, MoneyParseError


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


@given(st.integers(min_value=-(10**15), max_value=10**15))
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
    for bad in ("1.234", "1e5", "-3", "9" * 30):
        with pytest.raises(forms.ValidationError):
            field.clean(bad)

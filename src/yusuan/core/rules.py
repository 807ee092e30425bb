"""Pure master-data rules (no ORM, no I/O): they return violations, services raise them.

R-MD-2: functional classification at 项 level (7 digits), department economic at 款 level (5).
Identifiers are checked with python-stdnum (统一社会信用代码 GB 32100-2015, 身份证号 GB 11643).
"""

from __future__ import annotations

from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

from yusuan.common.errors import ErrorDetail
from yusuan.common.masking import mask_account_no as mask_account_no
from yusuan.common.masking import mask_id_number as mask_id_number

# Digits per level of each hierarchical code set: 类 / 款 / 项.
CODE_LEVEL_LENGTHS: dict[str, tuple[int, ...]] = {
    "functional": (3, 5, 7),
    "department_economic": (3, 5),
    "government_economic": (3, 5),
}
# The level a business row must use (R-MD-2).
REQUIRED_LEAF_LENGTH: dict[str, tuple[int, str, str]] = {
    "functional": (7, "项", "item (7 digits)"),
    "department_economic": (5, "款", "section (5 digits)"),
    "government_economic": (5, "款", "section (5 digits)"),
}


def code_level(kind: str, code: str) -> int | None:
    """1-based level of a hierarchical code, or None when its length fits no level."""
    lengths = CODE_LEVEL_LENGTHS.get(kind)
    if lengths is None:
        return 1
    if len(code) in lengths:
        return lengths.index(len(code)) + 1
    return None


def parent_code(kind: str, code: str) -> str:
    lengths = CODE_LEVEL_LENGTHS.get(kind)
    if lengths is None or len(code) not in lengths:
        return ""
    index = lengths.index(len(code))
    return code[: lengths[index - 1]] if index > 0 else ""


def check_code_shape(
    *, kind: str, code: str, field: str, row: int | None = None
) -> list[ErrorDetail]:
    """A code-set row's own code must be digits of a valid level length."""
    if not code.isdigit() and kind in CODE_LEVEL_LENGTHS:
        return [
            ErrorDetail(
                code="core.code_not_digits",
                rule="R-MD-1",
                field=field,
                row=row,
                value=code,
                message_zh=f"编码“{code}”只能由数字组成",
                message_en=f"Code '{code}' must contain digits only",
            )
        ]
    if code_level(kind, code) is None:
        lengths = CODE_LEVEL_LENGTHS[kind]
        return [
            ErrorDetail(
                code="core.code_length",
                rule="R-MD-1",
                field=field,
                row=row,
                value=code,
                limit="/".join(str(n) for n in lengths),
                message_zh=f"编码“{code}”长度为 {len(code)} 位，应为 {'/'.join(map(str, lengths))} 位",
                message_en=(
                    f"Code '{code}' has {len(code)} digits; allowed lengths are "
                    f"{'/'.join(map(str, lengths))}"
                ),
            )
        ]
    return []


def check_leaf_level(
    *, kind: str, code: str, field: str, row: int | None = None
) -> list[ErrorDetail]:
    """R-MD-2: business rows use 功能分类 at 项 level and 经济分类 at 款 level."""
    required = REQUIRED_LEAF_LENGTH.get(kind)
    if required is None or len(code) == required[0]:
        return []
    length, level_zh, level_en = required
    return [
        ErrorDetail(
            code="core.code_level",
            rule="R-MD-2",
            field=field,
            row=row,
            value=code,
            limit=length,
            message_zh=f"{field}：编码“{code}”须细化到{level_zh}级（{length} 位）",
            message_en=f"{field}: code '{code}' must be at {level_en} level",
        )
    ]


def check_credit_code(
    value: str, *, field: str = "credit_code", row: int | None = None
) -> list[ErrorDetail]:
    try:
        uscc.validate(value)
    except StdnumError:
        return [
            ErrorDetail(
                code="core.invalid_credit_code",
                rule="R-MD-5",
                field=field,
                row=row,
                value=value,
                limit="18 位，GB 32100-2015 校验位",
                message_zh=f"统一社会信用代码“{value}”无效（18 位，末位为校验码）",
                message_en=f"Unified social credit code '{value}' is invalid (18 chars with check digit)",
            )
        ]
    return []


def id_number_is_valid(value: str) -> bool:
    """GB 11643: 17 digits, a real birth date and the check character.

    The birth-place prefix is deliberately not looked up: python-stdnum's table lacks codes that
    were valid when older cards were issued (吴江 320584, for one), and rejecting a real person's
    number is worse than accepting an unknown prefix.
    """
    number = ric.compact(value)
    if len(number) != 18 or not number[:17].isdigit():
        return False
    try:
        ric.get_birth_date(number)
    except StdnumError:
        return False
    return ric.calc_check_digit(number) == number[-1]


def check_id_number(
    value: str, *, field: str = "id_number", row: int | None = None
) -> list[ErrorDetail]:
    if not id_number_is_valid(value):
        return [
            ErrorDetail(
                code="core.invalid_id_number",
                rule="R-MD-5",
                field=field,
                row=row,
                value=mask_id_number(value),
                limit="18 位，GB 11643 校验位",
                message_zh="身份证号无效（18 位，出生日期和末位校验码须正确）",
                message_en="Resident ID number is invalid (18 chars, valid birth date and check digit)",
            )
        ]
    return []


def check_bank_account_no(value: str, *, field: str, row: int | None = None) -> list[ErrorDetail]:
    digits = value.replace(" ", "")
    if digits.isdigit() and 6 <= len(digits) <= 32:
        return []
    return [
        ErrorDetail(
            code="core.invalid_account_no",
            rule="R-MD-5",
            field=field,
            row=row,
            value=value,
            limit="6–32 位数字",
            message_zh=f"银行账号“{value}”应为 6–32 位数字",
            message_en=f"Bank account number '{value}' must be 6–32 digits",
        )
    ]

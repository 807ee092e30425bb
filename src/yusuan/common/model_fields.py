"""Exact non-money numbers with decimals, stored as integers (ADR 0002 keeps Decimal and float
columns out of the database): a calculation row's quantity (2.5 person-days), an average score.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    from django.db.models.expressions import Combinable

    _Base = models.BigIntegerField[Decimal | int | str | Combinable | None, Decimal]
else:
    _Base = models.BigIntegerField


class HundredthsField(_Base):
    """A ``Decimal`` with two decimals, kept as an integer count of hundredths."""

    description = "A number with two decimals, stored as hundredths"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Decimal | None:
        return None if value is None else Decimal(value) / 100

    def to_python(self, value: Any) -> Decimal | None:
        if value is None or isinstance(value, Decimal):
            return value
        return Decimal(str(value))

    def get_prep_value(self, value: Any) -> int | None:
        if value is None:
            return None
        hundredths = (Decimal(str(value)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return int(hundredths)


if TYPE_CHECKING:
    _NullableBase = models.BigIntegerField[Decimal | int | str | Combinable | None, Decimal | None]
else:
    _NullableBase = models.BigIntegerField


class NullableHundredthsField(HundredthsField, _NullableBase):
    """:class:`HundredthsField` that may be empty (an average of no scores)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["null"] = True
        super().__init__(*args, **kwargs)

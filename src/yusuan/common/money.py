"""Money as integer fen (分): the one value type that converts at the edges (DESIGN §5, ADR 0002).

Pure Python, no Django: forms, API schemas and templates call :meth:`Money.parse` and
:meth:`Money.format`; the database only ever sees ``int`` fen.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

_AMOUNT = re.compile(r"^(?P<sign>-)?(?P<int>\d+)(?:\.(?P<frac>\d{0,}))?$")
FEN_PER_YUAN = 100


class MoneyParseError(ValueError):
    """Raised with a bilingual reason; ``code`` is stable for error bodies."""

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en


@dataclass(frozen=True, order=True, slots=True)
class Money:
    fen: int

    def __post_init__(self) -> None:
        if not isinstance(self.fen, int) or isinstance(self.fen, bool):
            raise TypeError("Money holds integer fen")

    @classmethod
    def from_yuan(cls, yuan: Decimal | int | str) -> Money:
        """Exact conversion; half-up rounding only when the caller passes sub-fen digits on purpose."""
        value = Decimal(yuan) if not isinstance(yuan, Decimal) else yuan
        return cls(int((value * FEN_PER_YUAN).quantize(Decimal(1), rounding=ROUND_HALF_UP)))

    @classmethod
    def parse(cls, text: str, *, allow_negative: bool = False) -> Money:
        """Parse what a clerk types: ``1,234.56``, full-width digits, a trailing 元 or ¥ prefix.

        Rejects more than two decimals, exponent notation, and negatives unless allowed.
        """
        cleaned = unicodedata.normalize("NFKC", str(text)).strip()
        cleaned = cleaned.replace(",", "").replace(" ", "")
        cleaned = cleaned.removeprefix("¥").removeprefix("￥").removesuffix("元").strip()
        if not cleaned:
            raise MoneyParseError("money.empty", "金额不能为空", "Amount is required")
        if "e" in cleaned.lower():
            raise MoneyParseError(
                "money.exponent", "金额不能使用科学计数法", "Exponent notation is not allowed"
            )
        match = _AMOUNT.match(cleaned)
        if match is None:
            raise MoneyParseError(
                "money.invalid", f"“{text}”不是有效金额", f"'{text}' is not a valid amount"
            )
        frac = match.group("frac") or ""
        if len(frac) > 2:
            raise MoneyParseError(
                "money.too_many_decimals",
                f"金额“{text}”最多两位小数（到分）",
                f"Amount '{text}' has more than two decimals (fen)",
            )
        try:
            fen = int(match.group("int")) * FEN_PER_YUAN + int((frac + "00")[:2])
        except (InvalidOperation, ValueError) as exc:  # pragma: no cover - regex guarantees digits
            raise MoneyParseError("money.invalid", "无效金额", "Invalid amount") from exc
        if match.group("sign"):
            if not allow_negative:
                raise MoneyParseError(
                    "money.negative",
                    f"金额“{text}”不能为负数",
                    f"Amount '{text}' cannot be negative",
                )
            fen = -fen
        return cls(fen)

    def to_yuan(self) -> Decimal:
        return (Decimal(self.fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))

    def format(self, *, grouping: bool = True) -> str:
        """``1,234.56`` — the way vouchers and reports print yuan."""
        sign = "-" if self.fen < 0 else ""
        whole, fen = divmod(abs(self.fen), FEN_PER_YUAN)
        whole_text = f"{whole:,}" if grouping else str(whole)
        return f"{sign}{whole_text}.{fen:02d}"

    def __add__(self, other: Money) -> Money:
        return Money(self.fen + other.fen)

    def __sub__(self, other: Money) -> Money:
        return Money(self.fen - other.fen)

    def in_words(self) -> str:
        """The amount in Chinese capitals as vouchers print it: ``壹仟零肆元零柒分``, ``壹元整``."""
        import cn2an  # the standard RMB wording; imported late, it is only needed on vouchers

        if self.fen == 0:
            return "零元整"
        sign = "负" if self.fen < 0 else ""
        return sign + str(cn2an.an2cn(str(abs(self.to_yuan())), "rmb"))

    def __str__(self) -> str:
        return self.format()

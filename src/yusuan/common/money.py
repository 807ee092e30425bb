"""Money as integer fen (分): the one value type that converts at the edges (DESIGN §5, ADR 0002).

Pure Python, no Django: forms, API schemas and templates call :meth:`Money.parse` and
:meth:`Money.format`; the database only ever sees ``int`` fen.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# Digits after NFKC are ASCII (full-width ０–９ become 0–9); other scripts' digits are refused.
# Thousands separators only in groups of three (``1,234,567.50``), never ``1,50`` or ``12,34,5``.
_NUMBER = re.compile(r"(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d*))?", re.ASCII)
# Exponent notation: a number, ``e`` or ``E``, a whole power (``1e5``, ``1.5E-3``, ``2e+10``).
_EXPONENT = re.compile(r"(?:\d[\d,]*\.?\d*|\.\d+)[eE][+-]?\d+", re.ASCII)
FEN_PER_YUAN = 100
# The largest amount any one field accepts (ADR 0015): under a trillion yuan (一万亿元), far above
# any single budget line or payment, and small enough that 90,000 of them still add up inside
# the database's BigInteger (9.2 × 10^18 fen).
MAX_FEN = 99_999_999_999_999
MAX_TEXT = "999,999,999,999.99"


class MoneyParseError(ValueError):
    """Raised with a bilingual reason; ``code`` is stable for error bodies, ``limit`` says what
    is allowed where a limit applies."""

    def __init__(
        self, code: str, message_zh: str, message_en: str, limit: str | None = None
    ) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        self.limit = limit


def _shown(text: str) -> str:
    """What was typed, as an error message quotes it: a pasted page is cut, not echoed whole."""
    return text if len(text) <= 40 else text[:37] + "…"


def _too_large(text: str) -> MoneyParseError:
    return MoneyParseError(
        "money.too_large",
        f"金额“{text}”超过上限 {MAX_TEXT} 元",
        f"Amount '{text}' is above the limit of {MAX_TEXT} yuan",
        limit=MAX_TEXT,
    )


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
    def within_limit(cls, fen: int, text: str) -> Money:
        """``fen`` read from elsewhere (a spreadsheet number), held to the same limit as typed text."""
        if abs(fen) > MAX_FEN:
            raise _too_large(_shown(text))
        return cls(fen)

    @classmethod
    def parse(cls, text: str, *, allow_negative: bool = False) -> Money:
        """Parse what a clerk types (ADR 0015): ``1,234.56``, full-width digits and punctuation,
        a leading ``¥``/``￥`` and a trailing ``元`` (each may stand apart by spaces), a minus sign
        where the rule allows it.

        Refuses anything else with a stable code: thousands separators not in groups of three,
        spaces inside the number, more than two decimals, exponent notation, an amount above
        ``MAX_FEN``, and negatives unless allowed.
        """
        cleaned = unicodedata.normalize("NFKC", str(text)).strip()
        text = _shown(str(text))  # as the messages quote it
        if not cleaned:
            raise MoneyParseError("money.empty", "金额不能为空", "Amount is required")
        negative = cleaned.startswith("-")
        number = cleaned.removeprefix("-")
        if number.startswith("¥"):
            number = number.removeprefix("¥").lstrip()
            if not negative and number.startswith("-"):  # ¥-5
                negative, number = True, number.removeprefix("-")
        number = number.removesuffix("元").rstrip()
        if _EXPONENT.fullmatch(number):
            raise MoneyParseError(
                "money.exponent",
                f"金额“{text}”不能使用科学计数法",
                f"Amount '{text}': exponent notation is not allowed",
            )
        match = _NUMBER.fullmatch(number)
        if match is None:
            whole = number.partition(".")[0]
            if "," in whole and re.fullmatch(r"[\d,]+", whole, re.ASCII):
                raise MoneyParseError(
                    "money.grouping",
                    f"金额“{text}”的千分位逗号须每三位一组（如 1,234.50）",
                    f"Amount '{text}': thousands separators must group three digits "
                    "(e.g. 1,234.50)",
                    limit="1,234.50",
                )
            raise MoneyParseError(
                "money.invalid", f"“{text}”不是有效金额", f"'{text}' is not a valid amount"
            )
        frac = match.group("frac") or ""
        if len(frac) > 2:
            raise MoneyParseError(
                "money.too_many_decimals",
                f"金额“{text}”最多两位小数（到分）",
                f"Amount '{text}' has more than two decimals (fen)",
                limit="0.01",
            )
        digits = match.group("int").replace(",", "").lstrip("0")
        if len(digits) > len(str(MAX_FEN // FEN_PER_YUAN)):  # before int(): 100 digits cost nothing
            raise _too_large(text)
        fen = int(digits or "0") * FEN_PER_YUAN + int((frac + "00")[:2])
        if fen > MAX_FEN:
            raise _too_large(text)
        if negative:
            if not allow_negative:
                raise MoneyParseError(
                    "money.negative",
                    f"金额“{text}”不能为负数",
                    f"Amount '{text}' cannot be negative",
                    limit="0",
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

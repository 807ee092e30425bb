"""Whole numbers read from URLs, query strings and form posts: ids and counts, never a 500.

``str.isdigit()`` is true for ``"²"`` (which ``int()`` refuses) and for digits of other scripts,
and a 30-digit id overflows the database's BigInteger (SQLite raises ``OverflowError``): every
number a person or a program can type goes through these helpers.
"""

from __future__ import annotations

MAX_ID = 2**63 - 1  # the database's BigInteger (primary keys)
_MAX_DIGITS = len(str(MAX_ID)) - 1  # 18 digits always fit


def parse_int(text: object) -> int | None:
    """``"42"`` → 42; anything but up to 18 ASCII digits → ``None``."""
    if not isinstance(text, str) or not (text.isascii() and text.isdigit()):
        return None
    if len(text.lstrip("0")) > _MAX_DIGITS:
        return None
    return int(text)


def as_pk(value: object) -> int | None:
    """A row id given by a service's caller: an int from code, or text from a form or URL."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 1 <= value <= MAX_ID else None
    return parse_id(value)


def parse_id(text: object) -> int | None:
    """A row id typed in a URL or posted by a form (1 … ``MAX_ID``), else ``None``."""
    value = parse_int(text)
    return value if value is not None and value >= 1 else None


class IdConverter:
    """``<id:pk>`` in page URLs: Django's ``<int:…>`` takes any number of digits, and a 30-digit
    id then overflows SQLite (a 500); this one matches what fits, so the rest is a 404."""

    regex = f"[0-9]{{1,{_MAX_DIGITS}}}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)

"""Form fields shared by every module."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language

from yusuan.common.money import Money, MoneyParseError


class MoneyField(forms.CharField):
    """An amount in 元 as a clerk types it (``1,234.56``, full-width digits, 元); cleans to ``Money``."""

    # What the input box takes; the parser itself refuses anything above ``MAX_FEN`` by name.
    MAX_CHARACTERS = 24

    def __init__(self, *, allow_negative: bool = False, **kwargs: Any) -> None:
        self.allow_negative = allow_negative
        # No max_length: CharField's length validator would run on the cleaned Money value.
        kwargs.pop("max_length", None)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        return value.format(grouping=False) if isinstance(value, Money) else value

    def to_python(self, value: Any) -> Money | None:  # type: ignore[override]
        text = super().to_python(value)
        if text is None or text in self.empty_values:
            return None
        try:
            return Money.parse(text, allow_negative=self.allow_negative)
        except MoneyParseError as exc:
            english = (get_language() or "").startswith("en")
            raise forms.ValidationError(
                exc.message_en if english else exc.message_zh, code=exc.code
            ) from exc

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.update(
            {"inputmode": "decimal", "class": "money", "maxlength": str(self.MAX_CHARACTERS)}
        )
        return attrs


def date_input() -> forms.DateInput:
    """The browser's date picker. It takes and shows ISO dates only, so an initial date (a draft's,
    today's) is rendered ISO whatever the language's format — else the box shows empty."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

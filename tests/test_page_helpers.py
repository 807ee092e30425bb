"""The helpers that keep list pages cheap (issue 20 item 3) answer exactly what Django would."""

from __future__ import annotations

from django.test import override_settings
from django.urls import clear_script_prefix, reverse, set_script_prefix
from django.utils import translation

import pytest

from yusuan.common.choice_display import _display, install
from yusuan.common.links import detail_url, fixed_url
from yusuan.payments.choices import RequestState
from yusuan.payments.models import PaymentRequest


def test_display_labels_are_the_choices_labels_in_the_readers_language() -> None:
    assert install() == 0  # already installed at start-up: nothing generated is left
    assert PaymentRequest.__dict__["get_state_display"].func is _display
    request = PaymentRequest(state=RequestState.PAID)
    for language in ("zh-hans", "en"):
        with translation.override(language):
            assert request.get_state_display() == str(RequestState.PAID.label)
    assert PaymentRequest(state="no-such-state").get_state_display() == "no-such-state"


@pytest.mark.parametrize("pk", [1, 42, 9_007_199_254_740_993])
def test_detail_url_is_reverse(pk: int) -> None:
    for name in ("payments:request_detail", "core:payee_detail", "indicators:line_detail"):
        assert detail_url(name, pk) == reverse(name, args=[pk])


@override_settings(FORCE_SCRIPT_NAME="/county/")
def test_links_follow_the_script_prefix() -> None:
    set_script_prefix("/county/")
    try:
        assert detail_url("payments:request_detail", 7) == reverse(
            "payments:request_detail", args=[7]
        )
        assert detail_url("payments:request_detail", 7).startswith("/county/")
        assert fixed_url("workflow:inbox") == "/county/workflow/inbox/"
    finally:
        clear_script_prefix()
    assert fixed_url("workflow:inbox") == reverse("workflow:inbox") == "/workflow/inbox/"

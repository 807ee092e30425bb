"""Payment services: requests (entry, freeze on submission, release), checks (R-PY-1…7)."""

from yusuan.payments.services.checks import PaymentInput, PaymentLineInput
from yusuan.payments.services.requests import (
    as_input,
    freeze,
    release,
    request_create,
    request_update,
    request_void,
    revalidate,
    set_state,
)

__all__ = [
    "PaymentInput",
    "PaymentLineInput",
    "as_input",
    "freeze",
    "release",
    "request_create",
    "request_update",
    "request_void",
    "revalidate",
    "set_state",
]

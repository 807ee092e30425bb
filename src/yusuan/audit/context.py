"""Request context (IP, session, request id) for audit records, without passing it through every call."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip_address: str = ""
    session_hash: str = ""
    request_id: str = ""
    device_hash: str = ""


_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "yusuan_request_context",
    default=RequestContext(),  # noqa: B039 - frozen, immutable
)


def current() -> RequestContext:
    return _current.get()


def bind(context: RequestContext) -> contextvars.Token[RequestContext]:
    return _current.set(context)


def reset(token: contextvars.Token[RequestContext]) -> None:
    _current.reset(token)

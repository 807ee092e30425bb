"""Request context (IP, session, request id) for audit records, without passing it through every call."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class RequestContext:
    ip_address: str = ""
    session_hash: str = ""
    request_id: str = ""
    device_hash: str = ""
    # The API token the request came with ("name (prefix…)"): the audit log's 来源.
    api_token: str = ""


_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "yusuan_request_context",
    default=RequestContext(),  # noqa: B039 - frozen, immutable
)


def current() -> RequestContext:
    return _current.get()


def bind(context: RequestContext) -> contextvars.Token[RequestContext]:
    return _current.set(context)


def with_api_token(label: str) -> None:
    """The request was authenticated by an API token: its records say so (bound until the
    request's own context is reset by the middleware)."""
    _current.set(replace(_current.get(), api_token=label))


def reset(token: contextvars.Token[RequestContext]) -> None:
    _current.reset(token)

"""Documents by their name and number, linked where the reader may open them (issue 16 item 4).

Audit records name their object by model label and id (``payments.paymentrequest`` 54), ledger
movements their source by a code (``payments.request``, ``payments.line``); a person reads
"支付申请 ZF2026000054" with a link to its page. Each module registers, in its
``AppConfig.ready``, how one of its codes reads and where it leads (``register``); the audit log
and the indicator line's trace ask :func:`resolve`. A link is given only for what the reader may
open: the resolver reads through the reader's ``visible_to`` scope and view permission, so another
unit's document is named but not linked. The registry sits low (like ``common.worklist``), so the
audit app and the indicator ledger name payments' documents without importing payments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class DocumentRef:
    noun: str  # translated: 支付申请
    number: str  # ZF2026000054
    url: str = ""  # empty when the reader may not open it
    key: tuple[str, str] = ("", "")  # (noun, number): equal keys are one document


@dataclass(frozen=True)
class _Kind:
    noun: Any  # a lazy translation
    permission: str
    queryset: Callable[[Any], Any]  # actor -> the rows the actor may see
    number: str  # the field (lookup) holding the document's number
    url_name: str
    url_arg: str = "pk"  # the lookup of the pk the page takes (a line leads to its request)


_KINDS: dict[str, _Kind] = {}


def register(
    code: str,
    *,
    noun: Any,
    permission: str,
    queryset: Callable[[Any], Any],
    number: str,
    url_name: str,
    url_arg: str = "pk",
) -> None:
    """How the documents of ``code`` read and where they lead (registering again replaces)."""
    _KINDS[code] = _Kind(noun, permission, queryset, number, url_name, url_arg)


def noun_of(code: str) -> str:
    """The document's name for a code: the registered noun, else the model's verbose name."""
    kind = _KINDS.get(code)
    if kind is not None:
        return str(kind.noun)
    app_label, _dot, model_name = code.partition(".")
    try:
        return str(apps.get_model(app_label, model_name)._meta.verbose_name)
    except (LookupError, ValueError):
        return ""


def _lookup(actor: Any, code: str, ids: set[str]) -> dict[str, DocumentRef]:
    kind = _KINDS.get(code)
    pks = sorted({int(i) for i in ids if i.isdigit()})
    if kind is None or not pks or not actor.has_perm(kind.permission):
        return {}
    rows = kind.queryset(actor).filter(pk__in=pks).values_list("pk", kind.number, kind.url_arg)
    found = {}
    for pk, number, target in rows:
        try:
            url = reverse(kind.url_name, args=[target])
        except NoReverseMatch:
            url = ""
        noun = str(kind.noun)
        found[str(pk)] = DocumentRef(noun, str(number), url, (noun, str(number)))
    return found


def resolve(
    actor: Any, items: Iterable[tuple[str, str, str]]
) -> dict[tuple[str, str], DocumentRef]:
    """``(code, id, number as recorded)`` → the document as the actor reads it, one query per
    code. What the actor may not open (or no longer exists) keeps its recorded number, unlinked."""
    wanted: dict[str, dict[str, str]] = {}
    for code, object_id, number in items:
        wanted.setdefault(code, {})[str(object_id)] = number
    refs: dict[tuple[str, str], DocumentRef] = {}
    for code, numbers in wanted.items():
        found = _lookup(actor, code, set(numbers))
        for object_id, number in numbers.items():
            noun, shown = noun_of(code), number or object_id
            refs[code, object_id] = found.get(object_id) or DocumentRef(
                noun, shown, "", (noun, shown)
            )
    return refs

"""ADR 0002 as amended (issue 14 item 7): the *type* marks money, not a ``_fen`` suffix.

- In a model, every ``BigIntegerField`` holds integer fen, and nothing else does: no float or
  decimal column anywhere, and the few big integers that are not money (ids of rows elsewhere, a
  counter) are listed in :data:`NOT_MONEY` with the reason.
- In the API (``/api/v1/openapi.json``) an amount goes out as an integer whose name ends in
  ``_fen`` and comes in as text in 元; no property is a JSON number, and no integer property is
  named like a money column without the suffix."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.db import models
from django.test import Client

# Big integers that are not amounts: "model.field" → why.
NOT_MONEY = {
    "AuditRecord.organisation_id": "an organisation's id, kept without a foreign key (append-only)",
    "AuditRecord.subject_organisation_id": "an organisation's id, kept without a foreign key",
    "AuditSeal.first_record_id": "the id of the first sealed audit record",
    "AuditSeal.last_record_id": "the id of the last sealed audit record",
    "IdempotencyRecord.actor_id": "a user's id, kept without a foreign key",
    "DocumentSequence.last_value": "the last document number handed out",
    "CalculationRow.quantity": "a quantity in hundredths (2.5 person-days), not money",
    "ProjectReview.score": "an average expert score in hundredths (81.33), not money",
    "Voucher.source_id": "the id of the voucher's source document (payment, refund, correction)",
    "PeriodTotal.project_id": "a project's id in the totals' key (0: none), not a foreign key",
    "PeriodTotal.indicator_line_id": "an indicator line's id in the totals' key (0: none)",
    "StandardVersion.value": "a standard in its key's unit: fen for the quotas, but basis points, "
    "percent, months or a choice for the others (ADR 0039; the API names it with its unit)",
}
# The API's input amounts: text in 元, parsed by Money.parse (ADR 0015).
MONEY_INPUTS = {"amount", "bank_total"}


def yusuan_fields() -> Iterator[tuple[str, models.Field[Any, Any]]]:
    for model in apps.get_models():
        if model.__module__.startswith("yusuan.") and not model._meta.proxy:
            for field in model._meta.concrete_fields:
                yield f"{model.__name__}.{field.name}", field


def money_columns() -> dict[str, models.Field[Any, Any]]:
    """Every column that holds fen: the big integers that are neither keys nor in NOT_MONEY."""
    return {
        name: field
        for name, field in yusuan_fields()
        if isinstance(field, models.BigIntegerField)
        and not isinstance(field, models.AutoField)
        and not field.is_relation
        and name not in NOT_MONEY
    }


def test_no_float_or_decimal_column() -> None:
    inexact = [
        name
        for name, field in yusuan_fields()
        if isinstance(field, models.FloatField | models.DecimalField)
    ]
    assert inexact == [], "money is integer fen in a BigIntegerField (ADR 0002)"


def test_the_money_columns_are_the_big_integers() -> None:
    """36 when the ADR was amended: 34 named plainly (``amount``, ``available``, ``d_paid``,
    ``gross``…) and 2 with the old suffix (``Project.total_amount_fen``,
    ``WorkflowInstance.amount_fen``). A new amount must be a BigIntegerField; a new big
    integer that is not money goes into NOT_MONEY with its reason."""
    columns = money_columns()
    assert len(columns) >= 36
    assert {"IndicatorLine.available", "PaymentLine.amount", "Movement.d_paid"} <= set(columns)
    assert {"Project.total_amount_fen", "WorkflowInstance.amount_fen"} <= set(columns)
    stale = sorted(set(NOT_MONEY) - {name for name, _field in yusuan_fields()})
    assert stale == [], f"NOT_MONEY names columns that are gone: {stale}"


def test_small_integers_are_never_named_as_money() -> None:
    """A ``*_fen`` name on an IntegerField would hold money in a type that may overflow."""
    wrong = [
        name
        for name, field in yusuan_fields()
        if name.endswith("_fen") and name not in money_columns()
    ]
    assert wrong == []


def _properties(node: Any, path: str = "") -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(where, property name, its schema) of every property anywhere in the document."""
    if isinstance(node, dict):
        for name, schema in (node.get("properties") or {}).items():
            if isinstance(schema, dict):
                yield path, name, schema
        for key, value in node.items():
            yield from _properties(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _properties(value, f"{path}/{index}")


def _types(schema: dict[str, Any]) -> set[str]:
    found = {schema["type"]} if "type" in schema else set()
    for alternative in schema.get("anyOf", []) + schema.get("oneOf", []):
        found |= _types(alternative)
    return found


def openapi() -> dict[str, Any]:
    document: dict[str, Any] = Client().get("/api/v1/openapi.json").json()
    return document


def test_api_amounts_are_integer_fen_out_and_text_in() -> None:
    plain_names = {name.split(".")[1].removeprefix("d_") for name in money_columns()}
    plain_names -= {name for name in plain_names if name.endswith("_fen")}
    wrong = []
    for where, name, schema in _properties(openapi()):
        types = _types(schema)
        if "number" in types:
            wrong.append(f"{where}.{name}: a JSON number (a float) — send fen or text in 元")
        if name.endswith("_fen") and types - {"null"} != {"integer"}:
            wrong.append(f"{where}.{name}: *_fen must be an integer, not {types}")
        if "integer" in types and name.removeprefix("d_") in plain_names:
            wrong.append(f"{where}.{name}: an integer amount is named {name}_fen")
        if name in MONEY_INPUTS and types - {"string", "null"}:
            wrong.append(f"{where}.{name}: an amount in 元 is text, not {types}")
    assert wrong == []


def test_the_api_has_amounts_in_both_shapes() -> None:
    """Positive control: the walk above sees integer ``*_fen`` and text amounts."""
    names = {name for _where, name, _schema in _properties(openapi())}
    assert {"amount_fen", "available_fen", "d_paid_fen", "total_fen"} <= names
    assert names >= MONEY_INPUTS

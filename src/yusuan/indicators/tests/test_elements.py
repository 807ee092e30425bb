"""The element list of ``yusuan.indicators.elements`` is the one the rows, checks, ledger and
API use: an element added there and forgotten in a schema or a model fails here."""

from dataclasses import fields

import pytest

from yusuan.indicators.api.documents import RowIn
from yusuan.indicators.api.lines import IndicatorLineOut, LineFilters
from yusuan.indicators.elements import (
    ELEMENTS,
    ENTERED_ELEMENTS,
    LEDGER_CODES,
    LEDGER_FLAGS,
    SPEC_ELEMENTS,
)
from yusuan.indicators.models import DocumentLine, Elements, IndicatorLine
from yusuan.indicators.rows import FLAG_FIELDS, TEXT_FIELDS
from yusuan.indicators.services import LineSpec
from yusuan.indicators.services.inputs import ELEMENT_FIELDS


def _concrete(model: type) -> set[str]:
    return {f.attname for f in model._meta.concrete_fields}  # type: ignore[attr-defined]


@pytest.mark.parametrize("element", ELEMENTS, ids=lambda e: f"{e.name}_case")
def test_every_element_is_a_column_of_the_ledger_line(element) -> None:
    # Given an element, then the ledger's line stores it under its attribute.
    assert element.attribute in _concrete(IndicatorLine)
    # And a code element names the code set it is checked against.
    assert (element.value == "code") == (element.code_kind is not None)


def test_the_list_names_every_element_of_the_model() -> None:
    # The document's 文号 and title are the document's, not a line's own elements.
    model = {f.attname for f in Elements._meta.get_fields()} - {"doc_no", "doc_title"}
    assert model == {e.attribute for e in ELEMENTS}


def test_the_new_line_spec_carries_exactly_the_specified_elements() -> None:
    own = {f.name for f in fields(LineSpec)} - {"line_kind", "summary"}
    assert own == {e.attribute for e in SPEC_ELEMENTS} == set(ELEMENT_FIELDS)
    # And a document line keeps each of them for posting.
    assert set(ELEMENT_FIELDS) <= _concrete(DocumentLine)


def test_rows_pages_and_api_rows_take_every_entered_element() -> None:
    entered = {e.name for e in ENTERED_ELEMENTS}
    assert entered <= set(RowIn.model_fields)
    plain = {e.name for e in ENTERED_ELEMENTS if e.value != "ref"}
    assert plain == (set(TEXT_FIELDS) | set(FLAG_FIELDS)) - {"summary", "line_kind", "to_parent"}


def test_the_api_ledger_shows_and_filters_by_the_ledger_elements() -> None:
    shown = {e.attribute for e in ELEMENTS if e.in_ledger or e.entered}
    assert shown <= set(IndicatorLineOut.model_fields)
    filters = {e.name for e in (*LEDGER_CODES, *LEDGER_FLAGS)}
    assert filters <= set(LineFilters.model_fields)

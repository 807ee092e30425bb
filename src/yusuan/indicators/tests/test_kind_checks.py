"""Every document kind has its own check, and the kinds' money comes from the buckets the rules
name (R-IN-2, R-IN-3, R-IN-6, R-AJ-4)."""

import pytest

from yusuan.indicators.choices import DocumentKind
from yusuan.indicators.services.checks import KIND_CHECKS
from yusuan.indicators.services.row_checks import KindCheck


@pytest.mark.parametrize("kind", list(DocumentKind), ids=lambda k: f"{k.value}_case")
def test_every_document_kind_has_a_check(kind: DocumentKind) -> None:
    # Given a document kind, then it has a check of its own kind-specific rules.
    assert isinstance(KIND_CHECKS[kind], KindCheck)


def test_the_buckets_and_numbers_each_kind_checks() -> None:
    # When the checks are read, then each kind draws on the bucket its rule names.
    assert {k.value: c.bucket for k, c in KIND_CHECKS.items()} == {
        "issue": None,
        "allocate": ("available", "R-IN-2"),
        "increase": None,
        "decrease": ("available", "R-IN-3"),
        "adjust": ("available", "R-AJ-4"),
        "hold": ("available", "R-IN-3"),
        "release": ("held", "R-IN-3"),
        "reclaim": ("available", "R-IN-6"),
    }
    # And only issue, increase and decrease need the 文号 (R-IN-4).
    assert {k.value for k, c in KIND_CHECKS.items() if c.doc_no_required} == {
        "issue",
        "increase",
        "decrease",
    }

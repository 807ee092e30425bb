"""What the entry of an indicator document hands the services (R-IN-4): its header, its rows and
the elements of a line a row creates. ``rows`` builds them from a form or API body; ``checks``
checks them and ``documents`` saves them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from yusuan.common.money import Money
from yusuan.indicators.choices import LineKind
from yusuan.indicators.elements import SPEC_ELEMENTS

# What a new line carries and a child line inherits (``yusuan.indicators.elements``).
ELEMENT_FIELDS = tuple(e.attribute for e in SPEC_ELEMENTS)


@dataclass(frozen=True)
class LineSpec:
    """The elements of a line to create (issue, allocation, adjustment into a new line)."""

    line_kind: str = LineKind.EXECUTABLE
    organisation_id: int | None = None
    project_id: int | None = None
    exp_func_code: str = ""
    dep_bgt_eco_code: str = ""
    fund_type_code: str = ""
    source_type_code: str = ""
    pay_type_code: str = ""
    acc_type: str = ""
    is_gov_pur: bool = False
    thr_exp_code: str = ""
    is_sal: bool = False
    is_dir: bool = False
    manage_division_id: int | None = None
    sup_bgt_doc_no: str = ""
    rec_date: dt.date | None = None
    track_pro_code: str = ""
    tp_func_code: str = ""
    summary: str = ""


@dataclass(frozen=True)
class LineInput:
    amount: Money
    source_id: int | None = None
    target_id: int | None = None
    spec: LineSpec | None = None
    to_parent: bool = False


@dataclass(frozen=True)
class DocumentInput:
    kind: str
    title: str
    lines: Sequence[LineInput]
    doc_no: str = ""
    reason: str = ""
    subtype: str = ""
    npc_reference: str = ""
    organisation_id: int | None = None
    fiscal_year: int | None = None
    # R-IN-7: the source a 下达/追加 draws from (a 追减 may cite a 预算调整 row, R-AJ-7).
    budget_source_id: int | None = None

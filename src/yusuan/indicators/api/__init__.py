"""Indicator endpoints of /api/v1: the ledger's lines (scoped list, detail with trace links, P4;
movements with running balances) and indicator documents (create, edit, submit, post, void).

Amounts come in as text in 元 (``"1,234.56"``; JSON numbers are refused so no float ever carries
money) and go out as integer fen (``*_fen``). Rows name lines, units and projects by code, as the
entry form does (``yusuan.indicators.rows``). Approval actions on a submitted adjustment are the
workflow endpoints (``/workflow/instances/{id}/approve`` …); a document lists its rounds.
Every mutating call accepts an ``Idempotency-Key`` (P11).

One module per what they hold: ``lines`` (the ledger's lines, their trace, movements and transfer
deadline breaches), ``documents`` (indicator documents and every action on them) and ``sources``
(sources, R-IN-7, and 预算调整 records, R-AJ-7); ``common`` has what they share.
``yusuan.api.root`` registers ``ROUTERS``, in this order.
"""

from yusuan.indicators.api import documents, lines, sources

ROUTERS = (lines.router, documents.router, sources.router)

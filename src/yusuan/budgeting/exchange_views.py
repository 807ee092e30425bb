"""A draft's lines in and out of Excel (issue 18 item 5): the export of any draft at any stage,
the template (the draft as it stands, to fill offline) and the import, whose page lists every
problem of the file (row, column, value, rule) when nothing was imported. Another unit's draft is
a 404; a file too large or of the wrong kind is refused with its own 4xx and the reason."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from yusuan.budgeting import exchange, selectors
from yusuan.budgeting.choices import DraftState
from yusuan.common.errors import BusinessRuleError, ErrorDetail, NotFoundError
from yusuan.common.tabular import XLSX
from yusuan.common.uploads import upload_bytes
from yusuan.common.web import attachment

VIEW = "budgeting.view_budgetround"
PREPARE = "budgeting.prepare_budget"


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def draft_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Every line of the draft with each stage's figure and the working one (any state)."""
    draft = selectors.access_draft(request.user, pk)  # type: ignore[arg-type]
    return attachment(exchange.draft_workbook(draft), f"budget-{draft.number}.xlsx", XLSX)


@login_required
@permission_required(PREPARE, raise_exception=True)
@require_GET
def draft_template(request: HttpRequest, pk: int) -> HttpResponse:
    """The draft as it stands, its editable cells open, with the notes: to fill offline."""
    draft = selectors.access_draft(request.user, pk)  # type: ignore[arg-type]
    return attachment(
        exchange.draft_workbook(draft, template=True),
        f"budget-{draft.number}-template.xlsx",
        XLSX,
    )


@login_required
@permission_required(PREPARE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def draft_import(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    draft = selectors.access_draft(actor, pk)  # another unit's: 404 before the file is read
    errors: list[ErrorDetail] = []
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise BusinessRuleError.single(
                    status=400,
                    code="import.file_required",
                    field="file",
                    message_zh="请选择要导入的 .xlsx 文件",
                    message_en="choose the .xlsx file to import",
                )
            result = exchange.draft_import(
                actor=actor,
                draft_id=draft.pk,
                data=upload_bytes(upload),
                filename=upload.name or "",
            )
        except NotFoundError as exc:
            raise Http404 from exc
        except BusinessRuleError as exc:
            errors, status = exc.errors, exc.status
        else:
            if result.changed or result.added:
                messages.success(
                    request,
                    _("Imported: %(changed)d lines changed, %(added)d lines added.")
                    % {"changed": len(result.changed), "added": len(result.added)},
                )
            else:
                messages.info(request, _("The file changes nothing: every line is as it was."))
            return redirect("budgeting:draft_detail", pk=draft.pk)
    return render(
        request,
        "budgeting/draft_import.html",
        {
            "draft": draft,
            "errors": errors[:500],
            "error_count": len(errors),
            "may_import": draft.state == DraftState.DRAFT,
        },
        status=status,
    )

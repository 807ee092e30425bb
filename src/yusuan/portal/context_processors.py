"""Navigation by role: a menu entry appears only when the user's roles grant its permission."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yusuan.common.links import fixed_url
from yusuan.workflow.request_cache import request_inbox
from yusuan.workflow.selectors import unread_count


@dataclass(frozen=True)
class MenuItem:
    label: Any
    url_name: str
    permission: str | None = None


MENU: tuple[tuple[Any, tuple[MenuItem, ...]], ...] = (
    (
        _("Approvals"),
        (
            MenuItem(_("Inbox"), "workflow:inbox", None),
            MenuItem(_("My submissions"), "workflow:submissions", None),
            MenuItem(_("Delegations"), "workflow:delegation_list", None),
            MenuItem(_("Overdue"), "workflow:overdue", "workflow.view_workflowinstance"),
            MenuItem(
                _("Approval definitions"),
                "workflow:definition_list",
                "workflow.view_approvaldefinition",
            ),
            MenuItem(_("Working calendar"), "workflow:calendar", "workflow.view_calendarday"),
        ),
    ),
    (
        _("Projects"),
        (
            MenuItem(_("Project library"), "projects:project_list", "projects.view_project"),
            MenuItem(_("Personnel database"), "personnel:person_list", "personnel.view_person"),
            MenuItem(
                _("Reserve projects summary"), "projects:report_reserve", "projects.view_project"
            ),
            MenuItem(
                _("Three-year rolling plan"), "projects:report_rolling", "projects.view_project"
            ),
            MenuItem(
                _("Import declarations"), "projects:declarations_import", "projects.add_project"
            ),
            MenuItem(
                _("Basic expenditure by quota"), "projects:basic_summary", "projects.view_project"
            ),
        ),
    ),
    (
        _("Budget preparation"),
        (
            MenuItem(
                _("Budget rounds (两上两下)"), "budgeting:overview", "budgeting.view_budgetround"
            ),
        ),
    ),
    (
        _("Indicators"),
        (
            MenuItem(_("Indicator ledger"), "indicators:ledger", "indicators.view_indicatorline"),
            MenuItem(
                _("Indicator documents"),
                "indicators:document_list",
                "indicators.view_indicatordocument",
            ),
            MenuItem(
                _("Supplementary increase requests"),
                "indicators:supplement_list",
                "indicators.view_supplementrequest",
            ),
            MenuItem(
                _("Indicator sources"), "indicators:source_list", "indicators.add_indicatorsource"
            ),
            MenuItem(
                _("Budget adjustments (预算调整)"),
                "indicators:adjustment_list",
                "indicators.add_budgetadjustment",
            ),
            # Issue 22: execution by any two dimensions, from the kept aggregates (ADR 0053).
            MenuItem(_("Budget execution"), "reports:execution", "reports.view_executionday"),
            MenuItem(
                _("Consistency of the figures"), "reports:consistency", "reports.view_executionday"
            ),
        ),
    ),
    (
        _("Payments"),
        (
            MenuItem(
                _("Payment requests"), "payments:request_list", "payments.view_paymentrequest"
            ),
            MenuItem(_("Salary batches"), "payroll:batch_list", "payroll.view_payrollbatch"),
            MenuItem(
                _("Procurement intentions"),
                "procurement:intention_list",
                "procurement.view_procurementintention",
            ),
            MenuItem(
                _("Procurement plans"),
                "procurement:plan_list",
                "procurement.view_procurementplan",
            ),
            MenuItem(
                _("Procurement execution"),
                "procurement:execution_report",
                "procurement.view_procurementplan",
            ),
            MenuItem(_("Contracts"), "procurement:contract_list", "procurement.view_contract"),
            MenuItem(
                _("Procurement catalogue and thresholds"),
                "procurement:catalogue",
                "procurement.view_catalogueitem",
            ),
            MenuItem(_("Agent bank exchange"), "payments:bank_exchange", "payments.send_to_bank"),
            # R-MO-14: every warning, the monitoring officer's queue, levels and thresholds.
            MenuItem(
                _("Monitoring warnings"),
                "monitoring:finding_list",
                "monitoring.view_monitoringfinding",
            ),
            MenuItem(
                _("Warnings awaiting review"), "monitoring:queue", "monitoring.review_finding"
            ),
            MenuItem(
                _("Levels and thresholds"), "monitoring:settings", "monitoring.view_rulesettings"
            ),
            # Issue 22: inquiries (问询单) about the after-the-fact scan's findings.
            MenuItem(_("Inquiries"), "monitoring:inquiry_list", "monitoring.view_inquiry"),
        ),
    ),
    (
        _("Unit accounting"),
        (
            MenuItem(
                pgettext_lazy("accounting", "Books"), "accounting:overview", "accounting.view_book"
            ),
            MenuItem(
                pgettext_lazy("accounting", "Vouchers"),
                "accounting:vouchers",
                "accounting.view_voucher",
            ),
            MenuItem(_("New voucher"), "accounting:voucher_new", "accounting.keep_books"),
            MenuItem(_("Asset cards"), "accounting:assets", "accounting.view_voucher"),
            MenuItem(
                _("Summed statements"), "accounting:summary_statements", "accounting.view_voucher"
            ),
        ),
    ),
    (
        _("Master data"),
        (
            MenuItem(_("Organisations"), "core:organisation_list", "core.view_organisation"),
            MenuItem(_("Bank accounts"), "core:bank_account_list", "core.view_bankaccount"),
            MenuItem(_("Payees"), "core:payee_list", "core.view_payee"),
            MenuItem(_("Classification codes"), "core:code_list", "core.view_classificationcode"),
            MenuItem(_("Fiscal years"), "core:fiscal_year_list", "core.view_fiscalyear"),
            MenuItem(_("Standards and quotas"), "core:standard_list", "core.view_standard"),
            MenuItem(_("Regions"), "core:region_list", "core.view_region"),
        ),
    ),
    (
        _("Control"),
        (
            MenuItem(_("Users"), "identity:user_list", "identity.view_user"),
            MenuItem(_("API tokens"), "identity:token_admin", "identity.change_apitoken"),
            MenuItem(_("Audit log"), "audit:log", "audit.view_all_audit"),
            MenuItem(_("Incompatible roles"), "identity:sod_report", "identity.view_sod_report"),
            MenuItem(_("Shared devices"), "workflow:shared_devices", "identity.view_sod_report"),
            MenuItem(_("API documentation"), "api-1.0.0:openapi-view", None),
        ),
    ),
)


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": []}
    path = request.path
    # One set for the thirty entries (``has_perm`` walks every auth backend per call).
    granted = None if user.is_superuser else user.get_all_permissions()
    menu = []
    for title, items in MENU:
        entries = []
        for item in items:
            if item.permission and granted is not None and item.permission not in granted:
                continue
            url = fixed_url(item.url_name)
            entries.append({"label": item.label, "url": url, "active": path.startswith(url)})
        if entries:
            menu.append({"title": title, "items": entries})
    # Only the longest matching entry is current (/payments/payroll/ is not also /payments/).
    longest = max(
        (len(e["url"]) for group in menu for e in group["items"] if e["active"]), default=0
    )
    for group in menu:
        for entry in group["items"]:
            entry["active"] = entry["active"] and len(entry["url"]) == longest
    return {
        "menu": menu,
        "inbox_count": len(request_inbox(request)),
        "unread_count": unread_count(actor=user),
    }

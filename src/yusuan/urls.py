from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.i18n import JavaScriptCatalog, set_language

from yusuan.api.root import api
from yusuan.api.root import not_found_view as api_not_found
from yusuan.portal import views as portal_views

urlpatterns = [
    path("", include("yusuan.portal.urls")),
    path("healthz", portal_views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page links; answer with the static icon.
    path(
        "favicon.ico",
        lambda request: HttpResponsePermanentRedirect(static("yusuan/favicon.svg")),
    ),
    path("accounts/", include("yusuan.identity.urls")),
    path("core/", include("yusuan.core.urls")),
    path("audit/", include("yusuan.audit.urls")),
    path("workflow/", include("yusuan.workflow.urls")),
    path("projects/", include("yusuan.projects.urls")),
    path("personnel/", include("yusuan.personnel.urls")),
    path("indicators/", include("yusuan.indicators.urls")),
    path("budgeting/", include("yusuan.budgeting.urls")),
    path("payments/payroll/", include("yusuan.payroll.urls")),
    path("", include("yusuan.procurement.urls")),  # /payments/contracts/, /procurement/…
    path("payments/", include("yusuan.payments.urls")),
    path("accounting/", include("yusuan.accounting.urls")),
    path("reports/", include("yusuan.reports.urls")),
    path("payments/", include("yusuan.monitoring.urls")),  # /payments/<id>/explain/
    path("i18n/setlang/", set_language, name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/v1/", api.urls),
    re_path(r"^api/v1/", api_not_found),  # after the API: what it does not match is a problem
]

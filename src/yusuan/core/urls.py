from django.urls import path

from yusuan.core import standard_views, views

app_name = "core"

urlpatterns = [
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/new/", views.organisation_create_view, name="organisation_create"),
    path("organisations/export/", views.units_export_view, name="units_export"),
    path("organisations/import/", views.units_import_view, name="units_import"),
    path("organisations/<id:pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<id:pk>/edit/", views.organisation_edit, name="organisation_edit"),
    path("bank-accounts/", views.bank_account_list, name="bank_account_list"),
    path("bank-accounts/new/", views.bank_account_create_view, name="bank_account_create"),
    path("bank-accounts/<id:pk>/", views.bank_account_detail, name="bank_account_detail"),
    path("bank-accounts/<id:pk>/edit/", views.bank_account_edit, name="bank_account_edit"),
    path("payees/", views.payee_list, name="payee_list"),
    path("payees/new/", views.payee_create_view, name="payee_create"),
    path("payees/<id:pk>/", views.payee_detail, name="payee_detail"),
    path("payees/<id:pk>/edit/", views.payee_edit, name="payee_edit"),
    path("fiscal-years/", views.fiscal_year_list, name="fiscal_year_list"),
    path("fiscal-years/open/", views.fiscal_year_open_view, name="fiscal_year_open"),
    path("fiscal-years/<id:pk>/close/", views.fiscal_year_close_view, name="fiscal_year_close"),
    path("codes/", views.code_list, name="code_list"),
    path("codes/export/", views.code_export, name="code_export"),
    path("codes/mapping/", views.economic_mapping, name="economic_mapping"),
    path("codes/import/", views.code_import, name="code_import"),
    path("codes/<id:pk>/edit/", views.code_edit, name="code_edit"),
    path("regions/", views.region_list, name="region_list"),
    # ADR 0039: rates, quotas and 支出标准 per region and year, with history.
    path("standards/", standard_views.standard_list, name="standard_list"),
    path(
        "standards/<id:pk>/history/",
        standard_views.standard_history_view,
        name="standard_history",
    ),
    path("standards/<id:pk>/edit/", standard_views.standard_edit, name="standard_edit"),
]

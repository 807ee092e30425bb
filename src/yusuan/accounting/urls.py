from django.urls import path

from yusuan.accounting import asset_views, statement_views, views

app_name = "accounting"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("vouchers/", views.voucher_list_view, name="vouchers"),
    path("vouchers/new/", views.voucher_form, name="voucher_new"),
    path("vouchers/<str:action>/batch/", views.voucher_batch, name="voucher_batch"),
    path("vouchers/<id:pk>/", views.voucher_detail, name="voucher_detail"),
    path("vouchers/<id:pk>/edit/", views.voucher_form, name="voucher_edit"),
    path("vouchers/<id:pk>/delete/", views.voucher_delete_view, name="voucher_delete"),
    path("vouchers/<id:pk>/reverse/", views.voucher_reverse_view, name="voucher_reverse"),
    path("books/<id:book_pk>/periods/", views.periods_view, name="periods"),
    path(
        "books/<id:book_pk>/periods/<int:month>/<str:action>/",
        views.period_action,
        name="period_action",
    ),
    path("books/<id:book_pk>/trial-balance/", views.trial_balance_view, name="trial_balance"),
    path("books/<id:book_pk>/ledger/<str:code>/", views.ledger_view, name="ledger"),
    path(
        "books/<id:book_pk>/reconciliation/",
        views.reconciliation_view,
        name="reconciliation",
    ),
    path("books/<id:book_pk>/statements/", statement_views.book_statements, name="statements"),
    path(
        "books/<id:book_pk>/statements/<str:key>/",
        statement_views.book_statement,
        name="statement",
    ),
    path("books/<id:book_pk>/journal/", statement_views.book_journal, name="journal"),
    path(
        "books/<id:book_pk>/depreciation/<int:month>/",
        asset_views.depreciation_view,
        name="depreciation",
    ),
    path("assets/", asset_views.asset_list, name="assets"),
    path("assets/new/", asset_views.asset_new, name="asset_new"),
    path("statements/", statement_views.summary_statements, name="summary_statements"),
    path("statements/<str:key>/", statement_views.summary_statement, name="summary_statement"),
]

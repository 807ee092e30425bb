from django.urls import path
from django.views.generic import RedirectView

from yusuan.indicators import source_views, supplement_views, views

app_name = "indicators"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="indicators:ledger"), name="index"),
    path("ledger/", views.ledger, name="ledger"),
    path("lines/<id:pk>/", views.line_detail, name="line_detail"),
    path("lines/lookup/", views.line_lookup, name="line_lookup"),
    path("transfers/overdue/", views.transfer_breaches, name="transfer_breaches"),
    path("documents/", views.document_list, name="document_list"),
    path("documents/new/<str:kind>/", views.document_new, name="document_new"),
    path("documents/route/", views.route_preview, name="route_preview"),
    path("documents/<id:pk>/", views.document_detail, name="document_detail"),
    path("documents/<id:pk>/edit/", views.document_edit, name="document_edit"),
    path("documents/<id:pk>/post/", views.document_post_view, name="document_post"),
    path("documents/<id:pk>/void/", views.document_void_view, name="document_void"),
    path("documents/<id:pk>/submit/", views.document_submit_view, name="document_submit"),
    # 追加申请 (R-AJ-7)
    path("supplements/", supplement_views.supplement_list, name="supplement_list"),
    path("supplements/new/", supplement_views.supplement_new, name="supplement_new"),
    path("supplements/<id:pk>/", supplement_views.supplement_detail, name="supplement_detail"),
    path("supplements/<id:pk>/edit/", supplement_views.supplement_edit, name="supplement_edit"),
    path(
        "supplements/<id:pk>/submit/", supplement_views.supplement_submit, name="supplement_submit"
    ),
    path(
        "supplements/<id:pk>/answer/",
        supplement_views.supplement_answer_view,
        name="supplement_answer",
    ),
    # R-IN-7 sources and R-AJ-7 预算调整 records.
    path("sources/", source_views.source_list, name="source_list"),
    path("sources/<id:pk>/", source_views.source_detail, name="source_detail"),
    path("adjustments/", source_views.adjustment_list, name="adjustment_list"),
    path("adjustments/<id:pk>/", source_views.adjustment_detail, name="adjustment_detail"),
]

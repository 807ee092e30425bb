from django.urls import path

from yusuan.projects import basic_views, report_views, views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="project_list"),
    path("new/", views.project_create_view, name="project_create"),
    path("<id:pk>/", views.project_detail, name="project_detail"),
    path("<id:pk>/edit/", views.project_edit, name="project_edit"),
    path("<id:pk>/submit/", views.project_submit, name="project_submit"),
    path("<id:pk>/rows/<str:section>/", views.project_rows, name="project_rows"),
    path("<id:pk>/documents/", views.document_add, name="document_add"),
    path(
        "<id:pk>/documents/<id:document_id>/remove/",
        views.document_remove,
        name="document_remove",
    ),
    path(
        "<id:pk>/documents/<id:document_id>/",
        views.document_download,
        name="document_download",
    ),
    path("<id:pk>/reviews/new/", views.review_create, name="review_create"),
    path("ranking/", views.ranking, name="ranking"),
    path("library/", views.library, name="library"),
    path("<id:pk>/end/", views.project_end_view, name="project_end"),
    path("<id:pk>/changes/new/", views.change_start_view, name="change_start"),
    path("changes/<id:pk>/", views.change_detail, name="change_detail"),
    path("changes/<id:pk>/submit/", views.change_submit, name="change_submit"),
    path("changes/<id:pk>/cancel/", views.change_cancel_view, name="change_cancel"),
    # Basic expenditure by quota (R-PJ-5, R-PJ-8).
    path("basic/", basic_views.basic_summary, name="basic_summary"),
    path("basic/compute/", basic_views.basic_compute_view, name="basic_compute"),
    path("basic/<id:organisation_id>/", basic_views.basic_unit, name="basic_unit"),
    path("basic/<id:organisation_id>/people/", basic_views.basic_people, name="basic_people"),
    path(
        "basic/<id:organisation_id>/override/",
        basic_views.basic_override_view,
        name="basic_override",
    ),
    # Library reports, the declaration workbook and the 绩效目标表 (DOMAIN-2 §2.3, §7.1).
    path("reports/reserve/", report_views.report_reserve, name="report_reserve"),
    path("reports/states/", report_views.report_states, name="report_states"),
    path("reports/rolling/", report_views.report_rolling, name="report_rolling"),
    path("import/", report_views.declarations_import, name="declarations_import"),
    path("import/template/", report_views.declarations_template, name="declarations_template"),
    path("export/", report_views.declarations_export, name="declarations_export"),
    path("<id:pk>/export/", report_views.project_export, name="project_export"),
    path("<id:pk>/goal-table/", report_views.goal_table_view, name="goal_table"),
]

from django.urls import path

from yusuan.budgeting import exchange_views, table_views, views

app_name = "budgeting"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("rounds/new/", views.round_open_view, name="round_open"),
    path("rounds/<id:pk>/congress/", views.congress_view, name="congress"),
    path("rounds/<id:pk>/revenue-plan/", views.revenue_plan_view, name="revenue_plan"),
    path("rounds/<id:pk>/drafts/new/", views.draft_start_view, name="draft_start"),
    path("drafts/<id:pk>/", views.draft_detail, name="draft_detail"),
    path("drafts/<id:pk>/lines/", views.line_save_view, name="line_save"),
    path("drafts/<id:pk>/lines/<id:line_id>/remove/", views.line_remove_view, name="line_remove"),
    path("drafts/<id:pk>/submit/", views.draft_submit_view, name="draft_submit"),
    path("drafts/<id:pk>/export/", exchange_views.draft_export, name="draft_export"),
    path("drafts/<id:pk>/template/", exchange_views.draft_template, name="draft_template"),
    path("drafts/<id:pk>/import/", exchange_views.draft_import, name="draft_import"),
    path("rounds/<id:pk>/control/<id:department_id>/", views.control_detail, name="control_detail"),
    path(
        "rounds/<id:pk>/control/<id:department_id>/save/",
        views.control_save_view,
        name="control_save",
    ),
    path(
        "rounds/<id:pk>/control/<id:department_id>/issue/",
        views.control_issue_view,
        name="control_issue",
    ),
    path(
        "rounds/<id:pk>/replies/<id:department_id>/new/",
        views.reply_create_view,
        name="reply_create",
    ),
    path("replies/<id:pk>/", views.reply_detail, name="reply_detail"),
    path("replies/<id:pk>/submit/", views.reply_submit_view, name="reply_submit"),
    path("replies/<id:pk>/generate/", views.reply_generate_view, name="reply_generate"),
    path("replies/<id:pk>/units/", views.reply_units_view, name="reply_units"),
    path("replies/<id:pk>/lines/<id:line_id>/", views.reply_line_view, name="reply_line"),
    # The department budget tables (部门预算公开表, DOMAIN-2 §4.3) of a unit, department or district.
    path(
        "rounds/<id:pk>/tables/<id:organisation_id>/",
        table_views.tables_index,
        name="tables",
    ),
    path(
        "rounds/<id:pk>/tables/<id:organisation_id>/<slug:table>/",
        table_views.table_detail,
        name="table",
    ),
]

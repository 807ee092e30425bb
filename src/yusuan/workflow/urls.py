from django.urls import path

from yusuan.workflow import views

app_name = "workflow"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/approve/", views.inbox_approve, name="inbox_approve"),
    path("submitted/", views.submissions, name="submissions"),
    path("instances/<id:pk>/", views.instance_detail, name="instance_detail"),
    path("instances/<id:pk>/summary/", views.instance_summary, name="instance_summary"),
    path(
        "documents/<str:document_type>/<id:object_id>/summary/",
        views.document_summary_view,
        name="document_summary",
    ),
    path(
        "instances/<id:pk>/<str:action>/",
        views.instance_action,
        name="instance_action",
    ),
    path("attachments/<id:pk>/", views.attachment_download, name="attachment"),
    path("overdue/", views.overdue, name="overdue"),
    path("definitions/", views.definition_list, name="definition_list"),
    path("definitions/new/", views.definition_create_view, name="definition_create"),
    path("definitions/<id:pk>/", views.definition_detail, name="definition_detail"),
    path("definitions/<id:pk>/edit/", views.definition_edit, name="definition_edit"),
    path("preview/", views.preview, name="preview"),
    path("delegations/", views.delegation_list, name="delegation_list"),
    path("delegations/<id:pk>/revoke/", views.delegation_revoke, name="delegation_revoke"),
    path("notifications/", views.notifications, name="notifications"),
    path("calendar/", views.calendar_view, name="calendar"),
    path("calendar/<id:pk>/remove/", views.calendar_day_remove, name="calendar_day_remove"),
    path("shared-devices/", views.shared_device_report, name="shared_devices"),
]

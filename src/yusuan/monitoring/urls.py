from django.urls import path

from yusuan.monitoring import inquiry_views, views

app_name = "monitoring"

# Under /payments/ (included from yusuan.urls), where the explanation has always been posted.
urlpatterns = [
    path("<id:pk>/explain/", views.request_explain_view, name="request_explain"),
    # R-MO-14: the monitoring officer's queue, a finding's page and decision, levels and thresholds.
    path("monitoring/", views.queue_view, name="queue"),
    path("monitoring/findings/", views.finding_list_view, name="finding_list"),
    path("monitoring/findings/<id:pk>/", views.finding_view, name="finding_detail"),
    path("monitoring/findings/<id:pk>/decide/", views.finding_decide_view, name="finding_decide"),
    path("monitoring/settings/", views.settings_view, name="settings"),
    path("monitoring/inquiries/", inquiry_views.inquiry_list_view, name="inquiry_list"),
    path("monitoring/scan/", inquiry_views.scan_now_view, name="scan_now"),
    path("monitoring/inquiries/<id:pk>/", inquiry_views.inquiry_detail_view, name="inquiry_detail"),
    path(
        "monitoring/inquiries/<id:pk>/reply/",
        inquiry_views.inquiry_reply_view,
        name="inquiry_reply",
    ),
    path(
        "monitoring/inquiries/<id:pk>/decide/",
        inquiry_views.inquiry_decide_view,
        name="inquiry_decide",
    ),
    path(
        "monitoring/findings/<id:pk>/inquiry/",
        inquiry_views.inquiry_issue_view,
        name="inquiry_issue",
    ),
]

from django.urls import path

from yusuan.projects import views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="project_list"),
    path("new/", views.project_create_view, name="project_create"),
    path("<id:pk>/", views.project_detail, name="project_detail"),
    path("<id:pk>/edit/", views.project_edit, name="project_edit"),
    path("<id:pk>/submit/", views.project_submit, name="project_submit"),
]

from django.urls import path

from yusuan.personnel import views

app_name = "personnel"

urlpatterns = [
    path("", views.person_list, name="person_list"),
    path("export/", views.person_export, name="person_export"),
    path("import/", views.person_import, name="person_import"),
    path("template/", views.person_template, name="person_template"),
    path("<id:pk>/", views.person_detail, name="person_detail"),
    path("changes/", views.change_list, name="change_list"),
    path("changes/new/", views.change_create_view, name="change_create"),
    path("changes/<id:pk>/", views.change_detail, name="change_detail"),
    path("changes/<id:pk>/edit/", views.change_edit, name="change_edit"),
    path("changes/<id:pk>/submit/", views.change_submit, name="change_submit"),
    path("establishment/", views.establishment_list, name="establishment_list"),
    path("snapshots/", views.snapshot_list, name="snapshot_list"),
    path("snapshots/<id:pk>/", views.snapshot_detail, name="snapshot_detail"),
]

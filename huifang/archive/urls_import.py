from django.urls import path

from . import views_import

urlpatterns = [
    path("", views_import.import_list, name="import_list"),
    path("upload/", views_import.import_upload, name="import_upload"),
    path("<int:pk>/", views_import.import_detail, name="import_detail"),
    path("<int:pk>/mapping/", views_import.import_mapping, name="import_mapping"),
    path("<int:pk>/progress/", views_import.import_progress_view, name="import_progress"),
    path("<int:pk>/rejections.csv", views_import.import_rejections_csv, name="import_rejections_csv"),
    path("<int:pk>/rejections.xlsx", views_import.import_rejections_xlsx, name="import_rejections_xlsx"),
]

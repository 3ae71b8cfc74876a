from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("", views.index, name="index"),
    path("log/", views.access_log, name="access_log"),
    path("log.xlsx", views.access_log_export, name="access_log_export"),
    path("customers/<int:customer_id>/", views.customer_rights, name="customer"),
    path("customers/<int:customer_id>/export/", views.customer_export, name="customer_export"),
    path("customers/<int:customer_id>/erase/", views.customer_erase, name="customer_erase"),
    path("retention/", views.retention_index, name="retention_index"),
    path("<int:store_id>/retention/", views.retention, name="retention"),
    path("<int:store_id>/policy/", views.policy_edit, name="policy_edit"),
]
